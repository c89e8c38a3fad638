/**
 * `cbpf2ebpf disasm`: in-process through main() for output and exit codes, and through
 * the built launcher (bin/cbpf2ebpf -> dist/) for stdin and the process exit status.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { launcherBuilt, notBuiltNote, runBinBytes, runMain } from './run-main.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const golden = (name: string, ext: string): string => join(root, 'fixtures/filters/EN10MB', `${name}.${ext}`);
const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-disasm-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (...args: string[]) => runMain(args, 'bytes');

describe('cbpf2ebpf disasm (in process)', () => {
  it('prints the tcpdump -d listing of each golden form', async () => {
    for (const ext of ['ddd', 'dd', 'd', 'bin']) {
      const r = await run('disasm', golden('tcp-port', ext));
      expect(r.code, ext).toBe(0);
      expect(r.stdout.toString(), ext).toBe(readFileSync(golden('tcp-port', 'd'), 'utf8'));
      expect(r.stderr).toBe('');
    }
  });

  it('re-encodes with -f, byte for byte as tcpdump and bpf_asm print', async () => {
    for (const [f, ext] of [['ddd', 'ddd'], ['dd', 'dd'], ['bin', 'bin']] as const) {
      const r = await run('disasm', golden('vlan-tcp-port', 'd'), '-f', f);
      expect(r.code).toBe(0);
      expect(r.stdout.equals(readFileSync(golden('vlan-tcp-port', ext))), f).toBe(true);
    }
    expect((await run('disasm', golden('ip', 'ddd'), '-f', 'comma')).stdout.toString()).toBe('4,40 0 0 12,21 0 1 2048,6 0 0 262144,6 0 0 0,\n');
  });

  it('reads and writes big-endian records, and writes -o atomically', async () => {
    const be = join(tmp, 'ip.be.bin');
    const written = await run('disasm', golden('ip', 'ddd'), '-f', 'bin', '--output-endian', 'big', '-o', be);
    expect(written.code).toBe(0);
    expect(written.stdoutWrites).toBe(0);
    expect(readFileSync(be).subarray(0, 8)).toEqual(Buffer.from([0, 0x28, 0, 0, 0, 0, 0, 12]));
    const d = join(tmp, 'ip.d');
    expect((await run('disasm', be, '--input-format', 'raw', '--endian', 'big', '-o', d)).code).toBe(0);
    expect(readFileSync(d, 'utf8')).toBe(readFileSync(golden('ip', 'd'), 'utf8'));
  });

  it('exits 65 with one line naming the file and line for bad data', async () => {
    const bad = join(tmp, 'bad.ddd');
    rmSync(bad, { force: true });
    await import('node:fs').then((fs) => fs.writeFileSync(bad, '2\n6 0 0 0\n6 0 0 99999999999\n'));
    const r = await run('disasm', bad);
    expect(r.code).toBe(65);
    expect(r.stderr).toBe(`cbpf2ebpf: ${bad}:3: k 99999999999 is out of range (0 to 4294967295)\n`);
    expect(r.stdout.length).toBe(0);
  });

  it('exits 65 when the format given does not fit', async () => {
    const r = await run('disasm', golden('ip', 'd'), '--input-format', 'ddd');
    expect(r.code).toBe(65);
    expect(r.stderr).toBe(`cbpf2ebpf: ${golden('ip', 'd')}:1: expected the instruction count (tcpdump -ddd's first line), found \`(000) ldh      [12]\`\n`);
  });

  it('exits 66 for a missing file', async () => {
    const r = await run('disasm', join(tmp, 'nope.ddd'));
    expect(r.code).toBe(66);
    expect(r.stderr).toBe(`cbpf2ebpf: ${join(tmp, 'nope.ddd')}: no such file\n`);
  });

  it.each([
    [['disasm'], 'missing FILTER (cbpf2ebpf disasm FILTER)'],
    [['disasm', 'x', '-f', 'hex'], "--format 'hex': expected one of d, ddd, dd, comma, bin"],
    [['disasm', 'x', '--input-format', 'json'], "--input-format 'json': expected one of auto, raw, ddd, dd, comma, listing"],
    [['disasm', 'x', '--endian', 'middle'], "--endian 'middle': expected one of little, big"],
    [['disasm', 'x', '--frobnicate'], 'unknown option --frobnicate (see cbpf2ebpf disasm --help)'],
  ])('exits 64 for bad usage, in one line: %j', async (args, message) => {
    const r = await run(...args);
    expect(r.code).toBe(64);
    expect(r.stderr).toBe(`cbpf2ebpf: ${message}\n`);
    expect(r.stdout.length).toBe(0); // the command did not run
  });
});

const built = launcherBuilt('disasm');

describe.skipIf(!built)(`bin/cbpf2ebpf disasm${notBuiltNote(built)}`, () => {
  const cli = (args: string[], input?: Buffer | string) => runBinBytes(args, { input: input ?? '' });

  it('reads FILTER - from stdin, text or raw', () => {
    const d = readFileSync(golden('tcp-syn', 'd'));
    for (const ext of ['ddd', 'bin']) {
      const r = cli(['disasm', '-'], readFileSync(golden('tcp-syn', ext)));
      expect(r.status, r.stderr.toString()).toBe(0);
      expect(r.stdout.equals(d)).toBe(true);
    }
  }, 60_000);

  it('exits 65/66/64 with one line and no stack trace', () => {
    const cases: Array<[string[], string, number, string]> = [
      [['disasm', '-'], '3\n6 0 0 0\n', 65, 'cbpf2ebpf: <stdin>:1: the count line says 3 instructions but 1 follows\n'],
      [['disasm', '-'], Buffer.from([1, 0, 0, 0, 0]).toString('latin1'), 65, 'cbpf2ebpf: <stdin> (byte 0): 5 bytes is not a whole number of 8-byte struct sock_filter records (5 bytes left over)\n'],
      [['disasm', join(tmp, 'missing')], '', 66, `cbpf2ebpf: ${join(tmp, 'missing')}: no such file\n`],
      [['disasm', '-', '-f', 'x'], '', 64, "cbpf2ebpf: --format 'x': expected one of d, ddd, dd, comma, bin\n"],
    ];
    for (const [args, input, status, stderr] of cases) {
      const r = cli(args, Buffer.from(input, 'latin1'));
      expect(r.status, args.join(' ')).toBe(status);
      expect(r.stderr.toString()).toBe(stderr);
      expect(r.stdout.length).toBe(0);
    }
  }, 60_000);
});
