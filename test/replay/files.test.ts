/**
 * `replay FILTER CAPTURE...`: several captures in one run. Every figure is checked against
 * the same command run over each capture alone (whose own tests hold it to libpcap's goldens).
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureReader } from '../../src/capture/reader.js';
import { runMain } from '../cli/run-main.js';
import { capturePath, filterPath } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-replay-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (...args: string[]) => runMain(['replay', ...args]);
const ip = filterPath('EN10MB', 'ip');
const mix = capturePath('generated/mix-en10mb.pcap');
const le = capturePath('generated/le.pcapng');
const be = capturePath('generated/be-us.pcap');
const sll2 = capturePath('generated/mix-sll2.pcapng');
const trunc = capturePath('generated/trunc-data.pcap');
const missing = join(tmp, 'missing.pcap');
const keepAll = join(tmp, 'keep-all.ddd');
writeFileSync(keepAll, '1\n6 0 0 262144\n');

/** The records of a capture: timestamp, lengths, link type and bytes. */
function records(path: string): string[] {
  const r = CaptureReader.open(path);
  const out: string[] = [];
  while (r.next()) {
    const c = r.current;
    out.push(`${c.tsSec}.${c.tsNsec} ${c.caplen}/${c.wirelen} lt${c.linktype} ${Buffer.from(c.buf.subarray(c.offset, c.offset + c.caplen)).toString('hex')}`);
  }
  r.close();
  return out;
}

const summaryValue = (stdout: string, key: string): string => new RegExp(`^${key}: +(.*)$`, 'm').exec(stdout)?.[1] ?? '';

describe('several captures', () => {
  it('a summary line per capture, its link types and counts, then the total', async () => {
    const all = await run(ip, mix, le, sll2);
    expect(all.code, all.stderr).toBe(0);
    const lines = all.stdout.split('\n');
    let packets = 0, accepted = 0;
    for (const [n, file] of [mix, le, sll2].entries()) {
      const one = await run(ip, file);
      const p = Number(summaryValue(one.stdout, 'packets'));
      const a = Number(summaryValue(one.stdout, 'accepted').split(' ')[0]);
      packets += p;
      accepted += a;
      expect(lines[n]).toBe(`${file}: ${summaryValue(one.stdout, 'link types?')}; ${p} packet${p === 1 ? '' : 's'}, ${summaryValue(one.stdout, 'accepted').replace(' ', ' accepted ')}, ` +
        `${summaryValue(one.stdout, 'bytes kept').replace(' captured', ' bytes kept')}`);
    }
    expect(lines[3]).toBe('engine:     jit');
    expect(summaryValue(all.stdout, 'link types')).toBe('EN10MB (1), LINUX_SLL2 (276)');
    expect(Number(summaryValue(all.stdout, 'packets'))).toBe(packets);
    expect(Number(summaryValue(all.stdout, 'accepted').split(' ')[0])).toBe(accepted);
  });

  it('--results and --json name the capture of each line; one capture prints as before unless -H', async () => {
    for (const form of ['--results', '--json']) {
      const all = await run(ip, mix, le, form);
      expect(all.code, all.stderr).toBe(0);
      const expected: string[] = [];
      for (const file of [mix, le]) {
        const one = await run(ip, file, form);
        const withName = await run(ip, file, form, '-H');
        const lines = one.stdout.trimEnd().split('\n');
        const named = form === '--results' ? lines.map((l) => `${file}\t${l}`) : lines.map((l) => `{"file":${JSON.stringify(file)},${l.slice(1)}`);
        expect(withName.stdout.trimEnd().split('\n')).toEqual(named);
        expected.push(...named);
      }
      expect(all.stdout.trimEnd().split('\n')).toEqual(expected);
      expect((await run(ip, mix, le, form, '--no-with-filename')).stdout).toBe(
        (await run(ip, mix, form)).stdout + (await run(ip, le, form)).stdout);
    }
    const json = (await run(ip, mix, le, '--json')).stdout.split('\n')[0]!;
    expect(Object.keys(JSON.parse(json) as object)).toEqual(['file', 'index', 'ts', 'caplen', 'wirelen', 'ret', 'accepted', 'kept']);
  });

  it('-w: the kept packets of every capture, in input order; pcap and pcapng inputs mixed', async () => {
    const dest = join(tmp, 'all.pcap');
    const r = await run(ip, mix, le, be, '-w', dest);
    expect(r.code, r.stderr).toBe(0);
    const expected: string[] = [];
    for (const [n, file] of [mix, le, be].entries()) {
      const one = join(tmp, `one-${n}.pcap`);
      expect((await run(ip, file, '-w', one)).code).toBe(0);
      expected.push(...records(one));
    }
    expect(records(dest)).toEqual(expected);
  });

  it('-w pcap refuses a second link type (73, naming the capture, the destination untouched); pcapng keeps one interface per input', async () => {
    const dest = join(tmp, 'mixed.pcap');
    writeFileSync(dest, 'old');
    const r = await run(keepAll, mix, sll2, '-w', dest);
    expect(r.code).toBe(73);
    expect(r.stderr).toMatch(new RegExp(`^cbpf2ebpf: ${dest}: ${sll2} packet \\d+ is LINUX_SLL2 but the file holds EN10MB packets; a pcap file has one link type \\(write pcapng to keep both\\)\\n$`));
    expect(readFileSync(dest, 'utf8')).toBe('old');
    const ng = join(tmp, 'mixed.pcapng');
    const ok = await run(keepAll, mix, sll2, '-w', ng);
    expect(ok.code, ok.stderr).toBe(0);
    const reader = CaptureReader.open(ng);
    const perInterface = new Map<number, number>();
    while (reader.next()) perInterface.set(reader.current.interfaceId, (perInterface.get(reader.current.interfaceId) ?? 0) + 1);
    const ifaces = reader.interfaces.map((i) => i.linktype);
    reader.close();
    const one = join(tmp, 'one-sll2.pcapng');
    await run(keepAll, sll2, '-w', one);
    const oneMix = join(tmp, 'one-mix-all.pcap');
    await run(keepAll, mix, '-w', oneMix);
    const r2 = CaptureReader.open(one);
    while (r2.next());
    const sllInterfaces = r2.interfaces.length;
    r2.close();
    expect(ifaces).toEqual([1, ...Array<number>(sllInterfaces).fill(276)]);
    expect(records(ng)).toEqual([...records(oneMix), ...records(one)]);
    expect(perInterface.size).toBeGreaterThan(1);
  });

  it('an error names its capture and ends the run; --keep-going goes on, and the exit code says a capture failed', async () => {
    const stop = await run(ip, mix, missing, le, '--results');
    expect(stop.code).toBe(66);
    expect(stop.stderr).toBe(`cbpf2ebpf: ${missing}: no such file\n`);
    const go = await run(ip, mix, missing, trunc, le, '--keep-going');
    expect(go.code).toBe(66);
    const err = go.stderr.split('\n');
    expect(err[0]).toBe(`cbpf2ebpf: warning: ${missing}: no such file (kept going with the other captures)`);
    expect(err[1]).toMatch(new RegExp(`^cbpf2ebpf: warning: ${trunc}: packet 3 at byte 286: truncated file.* \\(kept going: 2 packets read before it\\)$`));
    expect(err[2]).toBe('cbpf2ebpf: 1 of 4 captures could not be replayed (see the warnings above)');
    expect(go.stdout).toContain(`${missing}: not replayed: ${missing}: no such file\n`);
    expect(go.stdout).toMatch(new RegExp(`^${trunc}: EN10MB \\(1\\); 2 packets, `, 'm'));
    const total = Number(summaryValue(go.stdout, 'packets'));
    let sum = 2;
    for (const f of [mix, le]) sum += Number(summaryValue((await run(ip, f)).stdout, 'packets'));
    expect(total).toBe(sum);
    // Damage after some packets alone is not a failure with --keep-going, as with one capture.
    expect((await run(ip, mix, trunc, '--keep-going')).code).toBe(0);
    const notCapture = await run(ip, capturePath('tcpdump/LICENSE'), '--keep-going');
    expect(notCapture.code).toBe(65);
  });

  it('-w with a failing capture and no --keep-going keeps what was written before it', async () => {
    const dest = join(tmp, 'until-trunc.pcap');
    const r = await run(ip, mix, trunc, le, '-w', dest);
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/trunc-data\.pcap: packet 3 at byte 286: truncated file/);
    const one = join(tmp, 'one-mix.pcap');
    await run(ip, mix, '-w', one);
    expect(records(dest).length).toBe(records(one).length + 2);
    expect(existsSync(dest)).toBe(true);
  });

  it('the same capture twice, and a copy of a capture, replay alike', async () => {
    const copy = join(tmp, 'copy.pcap');
    copyFileSync(mix, copy);
    const r = await run(ip, mix, copy, '--results');
    const [a, b] = [mix, copy].map((f) => r.stdout.split('\n').filter((l) => l.startsWith(`${f}\t`)).map((l) => l.split('\t')[1]));
    expect(a).toEqual(b);
    expect(a!.length).toBeGreaterThan(0);
  });
});

describe('stdin among captures', () => {
  it('- alone is stdin as before; among several it is refused, not lost', async () => {
    const r = await run(ip, mix, '-', le);
    expect(r.code).toBe(64);
    expect(r.stderr).toBe('cbpf2ebpf: stdin (-) can be a capture only when it is the only one; name it /dev/stdin among others\n');
    expect((await run('-', '-')).code).toBe(64);
  });
});

describe('runs merge by concatenation', () => {
  it('two runs with -H, concatenated, equal one run over both captures', async () => {
    for (const form of ['--results', '--json']) {
      const a = await run(ip, mix, form, '-H');
      const b = await run(ip, sll2, le, form, '-H');
      const both = await run(ip, mix, sll2, le, form);
      expect(a.code + b.code + both.code).toBe(0);
      expect(a.stdout + b.stdout).toBe(both.stdout);
      expect(both.stdout.split('\n').length).toBeGreaterThan(10);
    }
  });
});
