/**
 * `replay --jobs N`: every kind of output byte-identical to --jobs 1, through the built
 * launcher (its workers run the bundle), on captures generated here: a large pcap split into
 * ranges, one whose packets carry pcap records in their payload (the range splitter guesses
 * wrong there and must recover where the previous range stops), and pcapng files with several
 * sections and interfaces. Also the peak memory of a parallel run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureReader } from '../../src/capture/reader.js';
import { findPcapRecord } from '../../src/capture/split.js';
import { launcher, launcherBuilt, notBuiltNote } from '../cli/run-main.js';
import { capturePath, filterPath, root } from './helpers.js';

const built = launcherBuilt('replay');
const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-parallel-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const big = join(tmp, 'big.pcap');
const tricky = join(tmp, 'tricky.pcap');
const tcpPort = filterPath('EN10MB', 'tcp-port');
const keepAll = join(tmp, 'keep-all.ddd');
const RANGE = 16 << 20;

/**
 * A pcap whose every packet's payload is a run of well-formed pcap records (16-byte headers
 * with plausible timestamps and lengths), so that from most offsets a chain of record headers
 * checks out where there is no record.
 */
function trickyCapture(path: string, count: number): void {
  const inner = 40;
  const fakes = 30;
  const frame = 14 + fakes * (16 + inner);
  const buf = Buffer.alloc(24 + count * (16 + frame));
  buf.writeUInt32LE(0xa1b2c3d4, 0);
  buf.writeUInt16LE(2, 4);
  buf.writeUInt16LE(4, 6);
  buf.writeUInt32LE(262144, 16);
  buf.writeUInt32LE(1, 20);
  let p = 24;
  for (let i = 0; i < count; i++) {
    buf.writeUInt32LE(1_700_000_000 + (i >>> 8), p);
    buf.writeUInt32LE((i * 37) % 1_000_000, p + 4);
    // Every 7th packet is cut short, so the outer and inner chains are not in step.
    const cap = i % 7 === 3 ? frame - 13 : frame;
    buf.writeUInt32LE(cap, p + 8);
    buf.writeUInt32LE(frame, p + 12);
    const d = p + 16;
    buf.writeUInt16BE(i % 3 === 0 ? 0x0800 : 0x86dd, d + 12);
    for (let f = 0, q = d + 14; f < fakes; f++, q += 16 + inner) {
      buf.writeUInt32LE(1_700_000_000 + (i >>> 8), q);
      buf.writeUInt32LE((f * 1000) % 1_000_000, q + 4);
      buf.writeUInt32LE(inner, q + 8);
      buf.writeUInt32LE(inner, q + 12);
      buf.writeUInt16BE(80, q + 16 + 2);
    }
    p += 16 + cap;
  }
  writeFileSync(path, buf.subarray(0, p));
}

beforeAll(() => {
  if (!built) return;
  writeFileSync(keepAll, '1\n6 0 0 262144\n');
  execFileSync(process.execPath, [join(root, 'test/bench/make-capture.mjs'), big, '90000']);
  trickyCapture(tricky, 30_000);
}, 120_000);

/** The launcher with stdout into a file (the lines are too many for a pipe buffer in memory). */
function runBytes(args: string[]): { status: number | null; stdout: Buffer; stderr: Buffer } {
  const file = join(tmp, 'stdout');
  const fd = openSync(file, 'w');
  try {
    const r = spawnSync(process.execPath, [launcher, 'replay', ...args], { stdio: ['ignore', fd, 'pipe'] });
    return { status: r.status, stdout: readFileSync(file), stderr: r.stderr };
  } finally {
    closeSync(fd);
  }
}
const noTimes = (summary: string): string => summary.split('\n').filter((l) => !/^(elapsed|packets\/s):/.test(l)).join('\n');

describe.skipIf(!built)(`replay --jobs N${notBuiltNote(built)}`, () => {
  it('the splitter guesses wrong in the tricky capture (so the confirmation rule is exercised)', () => {
    const r = CaptureReader.open(tricky);
    const layout = r.pcapLayout!;
    const starts: number[] = [];
    while (r.next()) starts.push(r.current.byteOffset);
    r.close();
    const bytes = readFileSync(tricky);
    let wrong = 0;
    for (let from = RANGE; from < bytes.length; from += RANGE) {
      const guess = findPcapRecord(bytes.subarray(from, from + (4 << 20)), 0, 4 << 20, layout, false) + from;
      const truth = starts.find((s) => s >= from);
      if (guess !== truth) wrong++;
    }
    expect(wrong).toBeGreaterThan(0);
  });

  const inputs = (): string[] => [big, capturePath('generated/multi-section.pcapng'), tricky, capturePath('generated/multi-linktype.pcapng'), big];

  for (const [name, filter, extra] of [
    ['--results', tcpPort, ['--results']],
    ['--json', tcpPort, ['--json']],
    ['summary', tcpPort, []],
    ['-w pcapng', keepAll, ['-w', 'OUT.pcapng']],
  ] as const) {
    it(`${name}: identical for --jobs 1 to 4`, () => {
      let first: Buffer | undefined;
      for (const jobs of [1, 2, 3, 4]) {
        const args = [filter, ...inputs(), '--jobs', String(jobs), ...extra.map((a) => a.replace('OUT', join(tmp, `out-${jobs}`)))];
        const r = runBytes(args);
        expect(r.status, r.stderr.toString()).toBe(0);
        let got = r.stdout;
        if (name === 'summary') got = Buffer.from(noTimes(got.toString()));
        if (name.startsWith('-w')) got = Buffer.concat([Buffer.from(noTimes(got.toString())), readFileSync(join(tmp, `out-${jobs}.pcapng`))]);
        if (first === undefined) {
          first = got;
          expect(got.length).toBeGreaterThan(0);
        } else {
          expect(got.equals(first), `--jobs ${jobs} differs from --jobs 1`).toBe(true);
        }
      }
    }, 300_000);
  }

  it('one large pcap alone: --results, -w pcap and the summary as --jobs 1, which is the replay of before', () => {
    const one = runBytes([tcpPort, tricky, '--results', '--jobs', '1']);
    const two = runBytes([tcpPort, tricky, '--results', '--jobs', '3']);
    expect(two.stdout.equals(one.stdout)).toBe(true);
    const w1 = join(tmp, 'one-1.pcap');
    const w3 = join(tmp, 'one-3.pcap');
    const s1 = runBytes([keepAll, tricky, '-w', w1, '--jobs', '1']);
    const s3 = runBytes([keepAll, tricky, '-w', w3, '--jobs', '3']);
    expect(noTimes(s3.stdout.toString())).toBe(noTimes(s1.stdout.toString()));
    expect(readFileSync(w3).equals(readFileSync(w1))).toBe(true);
  }, 120_000);

  // Through GNU time, not test/io/peak-rss.cjs: a child's ru_maxrss keeps the peak of the
  // process it was forked from (this test runner, some 300 MB by now) across exec.
  it.skipIf(!existsSync('/usr/bin/time'))('peak memory of a parallel run stays under 150 MB a worker (skipped without /usr/bin/time)', () => {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, launcher, 'replay', keepAll, big, tricky, '--json', '--jobs', '2'], {
      stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 20,
    });
    expect(r.status, r.stderr?.toString()).toBe(0);
    const mb = Number(r.stderr.toString().trim().split('\n').pop()) / 1024;
    console.log(`peak RSS, --json --jobs 2 over ${big} and ${tricky}: ${mb.toFixed(0)} MB`);
    expect(mb).toBeLessThan(2 * 150);
  }, 120_000);
});
