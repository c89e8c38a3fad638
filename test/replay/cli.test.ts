/**
 * `cbpf2ebpf replay`: output forms, exit codes (one line on stderr, never a stack trace),
 * --keep-going, -w, --trace, stdin, and the progress bar. In process through main(), and
 * through the built launcher for stdin and the real exit status.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureReader } from '../../src/capture/reader.js';
import { ProgressBar, wantsProgress } from '../../src/replay/progress.js';
import { launcherBuilt, notBuiltNote, runBin, runMain } from '../cli/run-main.js';
import { capturePath, filterPath, jobs, readGolden, tcpdumpMissing } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-replay-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (...args: string[]) => runMain(['replay', ...args]);

const tcpPort = filterPath('EN10MB', 'tcp-port');
const mix = capturePath('generated/mix-en10mb.pcap');
const trunc = capturePath('generated/trunc-data.pcap');
const golden = (filter: string, capture: string) => readGolden(jobs.find((j) => j.linktype === 'EN10MB' && j.filter === filter && j.capture === capture)!).results;

/** stderr is exactly one `cbpf2ebpf: ...` line. */
const oneLine = (stderr: string): void => {
  expect(stderr).toMatch(/^cbpf2ebpf: [^\n]+\n$/);
  expect(stderr).not.toMatch(/\bat .*\.(ts|js):\d+/);
};

describe('output', () => {
  it('prints a summary by default', async () => {
    const r = await run(tcpPort, mix);
    expect(r.code).toBe(0);
    const g = golden('tcp-port', 'generated/mix-en10mb.pcap');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('engine:     jit');
    expect(lines[1]).toBe('link type:  EN10MB (1)');
    expect(lines[2]).toBe(`packets:    ${g.length}`);
    expect(lines[3]).toMatch(new RegExp(`^accepted:   ${g.filter((v) => v !== 0).length} \\(\\d+\\.\\d\\d%\\)$`));
    expect(lines[4]).toMatch(/^bytes kept: \d+ of \d+ captured$/);
    expect(lines[5]).toMatch(/^elapsed:    \d+\.\d{3} s$/);
    expect(lines[6]).toMatch(/^packets\/s:  (\d+|-)$/);
    expect(r.stderr).toBe('');
    const c = await run(tcpPort, mix, '--engine', 'classic', '--semantics', 'libpcap');
    expect(c.stdout.split('\n')[0]).toBe('engine:     classic (libpcap semantics)');
  });

  it('--json: one object per packet, consistent with --results and the capture', async () => {
    const results = (await run(tcpPort, mix, '--results')).stdout.trim().split('\n').map(Number);
    const json = (await run(tcpPort, mix, '--json')).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const reader = CaptureReader.open(mix);
    let k = 0;
    while (reader.next()) {
      const p = reader.current;
      expect(json[k]).toEqual({
        index: k + 1, ts: `${p.tsSec}.${String(p.tsNsec / 1000).padStart(6, '0')}`, caplen: p.caplen, wirelen: p.wirelen,
        ret: results[k], accepted: results[k] !== 0, kept: Math.min(results[k]!, p.caplen),
      });
      k++;
    }
    reader.close();
    expect(json.length).toBe(k);
  });

  it.skipIf(tcpdumpMissing)('--json timestamps are the ones tcpdump -tt prints, at the capture precision', async () => {
    for (const [file, nano] of [['generated/le-ns.pcap', true], ['tcpdump/print-flags.pcap', false], ['generated/mix-sll2.pcapng', true]] as const) {
      const json = (await run(filterPath('EN10MB', 'ip'), capturePath(file), '--json')).stdout.trim().split('\n').map((l) => JSON.parse(l) as { ts: string });
      const td = execFileSync('tcpdump', ['-r', capturePath(file), '-n', '-tt', ...(nano ? ['--time-stamp-precision=nano'] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(json.map((j) => j.ts), file).toEqual(td.split('\n').filter((l) => /^\d/.test(l)).map((l) => l.split(' ')[0]));
    }
  });

  it('-w writes the kept packets', async () => {
    const dest = join(tmp, 'kept.pcap');
    const r = await run(tcpPort, mix, '-w', dest);
    expect(r.code).toBe(0);
    const reader = CaptureReader.open(dest);
    let n = 0;
    while (reader.next()) n++;
    reader.close();
    expect(n).toBe(golden('tcp-port', 'generated/mix-en10mb.pcap').filter((v) => v !== 0).length);
  });

  it('--trace N and --trace-classic N', async () => {
    const t = await run(tcpPort, mix, '--trace', '2');
    expect(t.code).toBe(0);
    const lines = t.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^packet 2: 72 bytes captured, 72 on the wire, EN10MB; engine jit \(this packet traced in the interpreter\); len 72 protocol 0x0800 pkt_type 0 ifindex 1$/);
    expect(lines[1]).toMatch(/^ {4}0: r6 = r1 +r6=ctx\+0$/);
    expect(lines.at(-1)).toMatch(/^returns 262144 \(kept, 72 bytes\) after \d+ instructions$/);
    expect(lines.some((l) => l.includes('; ('))).toBe(false);
    const a = await run(tcpPort, mix, '--trace-classic', '2');
    expect(a.stdout).toContain('       ; (000) ldh [12]\n    3: r0 = *(u16 *)skb[12]');
    expect((await run(tcpPort, mix, '--trace', '2', '--annotate')).stdout).toBe(a.stdout);
    const c = await run(tcpPort, mix, '--trace', '3', '--engine', 'classic');
    expect(c.stdout.trim().split('\n').at(-1)).toMatch(/^returns 0 \(dropped\) after \d+ instructions$/);
  });
});

describe('exit codes and messages', () => {
  it('64: options that do not go together', async () => {
    for (const args of [
      [tcpPort, mix, '--results', '--json'],
      [tcpPort, mix, '--semantics', 'libpcap'],
      [tcpPort, mix, '--engine', 'jitx'],
      [tcpPort, mix, '--trace', '1', '--results'],
      [tcpPort, mix, '--pkttype', 'sideways'],
      [tcpPort, mix, '--mark', '-1'],
      [tcpPort, mix, '--trace', '99'],
      ['-', '-'],
    ]) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(64);
      expect(r.stderr.split('\n')[0], args.join(' ')).toMatch(/^cbpf2ebpf: /);
    }
  });

  it('65: Linux refuses protochain, in one line pointing at the classic engine', async () => {
    const r = await run(filterPath('EN10MB', 'ip-protochain'), mix);
    expect(r.code).toBe(65);
    expect(r.stdout).toBe('');
    oneLine(r.stderr);
    expect(r.stderr).toContain('Linux refuses backward jumps (tcpdump compiles them for protochain); libpcap runs them: use --bounded-loops, or --engine classic --semantics libpcap');
    const ok = await run(filterPath('EN10MB', 'ip-protochain'), mix, '--engine', 'classic', '--semantics', 'libpcap', '--results');
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split('\n').map(Number)).toEqual(golden('ip-protochain', 'generated/mix-en10mb.pcap'));
  });

  it('65: a truncated capture keeps the packets before it, names the packet and byte offset', async () => {
    const r = await run(filterPath('EN10MB', 'ip'), trunc, '--results');
    expect(r.code).toBe(65);
    expect(r.stdout).toBe('262144\n262144\n');
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/trunc-data\.pcap: packet 3 at byte 286: truncated file/);
    const dest = join(tmp, 'trunc-kept.pcap');
    expect((await run(filterPath('EN10MB', 'ip'), trunc, '-w', dest)).code).toBe(65);
    const reader = CaptureReader.open(dest);
    let n = 0;
    while (reader.next()) n++;
    reader.close();
    expect(n).toBe(2);
  });

  it('--keep-going: exit 0, a warning, and everything read', async () => {
    const r = await run(filterPath('EN10MB', 'ip'), trunc, '--keep-going');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^engine: .*\nlink type: .*\npackets:    2\n/);
    expect(r.stderr).toMatch(/^cbpf2ebpf: warning: .*packet 3 at byte 286: truncated file.*\(kept going: 2 packets read before it\)\n$/);
  });

  it('65 for a file that is not a capture, 66 for a missing capture or filter, 73 for an unwritable output', async () => {
    const notCapture = await run(tcpPort, capturePath('tcpdump/LICENSE'));
    expect(notCapture.code).toBe(65);
    oneLine(notCapture.stderr);
    const missing = await run(tcpPort, join(tmp, 'nope.pcap'));
    expect(missing.code).toBe(66);
    expect(missing.stderr).toBe(`cbpf2ebpf: ${join(tmp, 'nope.pcap')}: no such file\n`);
    const noFilter = await run(join(tmp, 'nope.ddd'), mix);
    expect(noFilter.code).toBe(66);
    oneLine(noFilter.stderr);
    const unwritable = await run(tcpPort, mix, '-w', join(tmp, 'no/such/dir/out.pcap'));
    expect(unwritable.code).toBe(73);
    oneLine(unwritable.stderr);
  });
});

describe('progress', () => {
  it('only on a terminal, for a large file', () => {
    expect(wantsProgress({ isTTY: false, write: () => true }, 1 << 30)).toBe(false);
    expect(wantsProgress({ isTTY: true, write: () => true }, 1 << 20)).toBe(false);
    expect(wantsProgress({ isTTY: true, write: () => true }, undefined)).toBe(false);
    expect(wantsProgress({ isTTY: true, write: () => true }, 1 << 30)).toBe(true);
  });

  it('draws at most once per interval and erases itself', () => {
    const writes: string[] = [];
    const bar = new ProgressBar({ isTTY: true, columns: 80, write: (s) => { writes.push(s); return true; } }, 200 * 1024 * 1024, 1000);
    bar.update(50 * 1024 * 1024, 1000);
    bar.update(60 * 1024 * 1024, 2000);
    expect(writes.length).toBe(1);
    expect(writes[0]).toMatch(/^\r\[#{7,8}\.+\]  25% 50 MiB\/200 MiB 1000 packets\x1b\[K$/);
    bar.clear();
    expect(writes.at(-1)).toBe('\r\x1b[K');
  });

  it('--progress forces it; the bar is gone from stderr at the end', async () => {
    const r = await run(tcpPort, mix, '--progress');
    expect(r.code).toBe(0);
    expect(r.stderr.replace(/\r[^\r]*\x1b\[K/g, '')).toBe('');
  });
});

const built = launcherBuilt('replay');

describe.skipIf(!built)(`bin/cbpf2ebpf replay${notBuiltNote(built)}`, () => {
  const cli = (args: string[], input?: Buffer | string) => runBin(['replay', ...args], { input });

  it('reads the capture from stdin', () => {
    for (const file of ['generated/mix-en10mb.pcap', 'generated/be.pcapng']) {
      const r = cli([tcpPort, '-', '--results'], readFileSync(capturePath(file)));
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(golden('tcp-port', file).map((v) => `${v}\n`).join(''));
    }
  }, 60_000);

  it('reads the filter from stdin', () => {
    const r = cli(['-', mix, '--results'], readFileSync(tcpPort));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').map(Number)).toEqual(golden('tcp-port', 'generated/mix-en10mb.pcap'));
  }, 60_000);

  it('exits with the status of the error, one line, no stack trace', () => {
    const r = cli([tcpPort, '-'], readFileSync(trunc));
    expect(r.status).toBe(65);
    expect(r.stdout).toMatch(/^engine:/);
    expect(r.stderr).toMatch(/^cbpf2ebpf: <stdin>: packet 3 at byte 286: truncated file[^\n]*\n$/);
  }, 60_000);
});
