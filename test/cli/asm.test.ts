/**
 * `cbpf2ebpf asm` and `cbpf2ebpf conformance-plugin`, in process through main(); the
 * plugin's stdin protocol also through the built launcher when dist/ has it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { launcherBuilt, notBuiltNote, runBin, runMain } from './run-main.js';

const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-asm-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (...args: string[]) => runMain(args);

const source = (name: string, text: string): string => {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
};

describe('cbpf2ebpf asm', () => {
  const prog = source('p.s', '# returns 2\nmov32 %r0, 1\nadd32 %r0, 1\nexit\n');

  it('writes struct bpf_insn records with -o', async () => {
    const o = join(tmp, 'p.bin');
    expect((await run('asm', prog, '-o', o)).code).toBe(0);
    expect(readFileSync(o).toString('hex')).toBe('b400000001000000' + '0400000001000000' + '9500000000000000');
  });

  it('prints hex, a listing and the normalised source', async () => {
    expect((await run('asm', prog, '-f', 'hex')).stdout).toBe('b400000001000000\n0400000001000000\n9500000000000000\n');
    const listing = (await run('asm', prog, '-f', 'listing')).stdout;
    expect(listing).toMatch(/^0: b4 00 00 00 01 00 00 00  w0 = 1\n1: 04 00 00 00 01 00 00 00  w0 \+= 1\n2: 95 00 00 00 00 00 00 00  exit\n/m);
    expect((await run('asm', source('j.s', 'ja end\nmov %r0, 1\nend: exit\n'), '-f', 'asm')).stdout).toBe('ja L2\nmov %r0, 1\nL2:\nexit\n');
  });

  it('its hex output is what the conformance plugin reads', async () => {
    const hex = (await run('asm', prog, '-f', 'hex')).stdout;
    expect((await run('conformance-plugin', '--program', hex.replaceAll('\n', ' '))).stdout).toBe('2\n');
  });

  it('refuses bad assembly with the line, and invalid encodings', async () => {
    const bad = await run('asm', source('bad.s', 'mov %r0, 1\nldxq %r0, %r1\n'), '-f', 'hex');
    expect(bad.code).toBe(65);
    expect(bad.stderr).toBe(`cbpf2ebpf: ${join(tmp, 'bad.s')}:2: invalid mnemonic: ldxq\n`);
    const r10 = await run('asm', source('r10.s', 'mov %r10, 0\nexit\n'), '-f', 'hex');
    expect(r10.code).toBe(65);
    expect(r10.stderr).toMatch(/insn 0: mov64 imm: writes r10, the read-only frame pointer/);
    expect((await run('asm', join(tmp, 'missing.s'))).code).toBe(66);
  });
});

describe('cbpf2ebpf conformance-plugin', () => {
  it('runs --program over the memory argument and prints R0 in hex', async () => {
    // ldxw r0, [r1+0]; exit
    const r = await run('conformance-plugin', '--program', '61 10 00 00 00 00 00 00 95 00 00 00 00 00 00 00', '11 22 33 44', '');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('44332211\n');
    const neg = await run('conformance-plugin', '--program', 'b7 00 00 00 ff ff ff ff 95 00 00 00 00 00 00 00');
    expect(neg.stdout).toBe('ffffffffffffffff\n');
  });

  it('fails with a message (and --debug puts it on stdout, where the runner looks)', async () => {
    const r = await run('conformance-plugin', '--program', '61 10 04 00 00 00 00 00 95 00 00 00 00 00 00 00', '01', '--debug');
    expect(r.code).toBe(65);
    expect(r.stdout).toMatch(/^insn 0: ldxw %r0, \[%r1\+4\]: read of 4 bytes/);
    expect((await run('conformance-plugin', '--program', '07 00 01 00 01 00 00 00 95 00 00 00 00 00 00 00')).stderr).toMatch(/unused field off must be 0/);
    expect((await run('conformance-plugin', '--program', 'b7', '')).code).toBe(65);
    expect((await run('conformance-plugin', '--elf', '--program', '95 00 00 00 00 00 00 00')).code).toBe(64);
  });

  const built = launcherBuilt('conformance-plugin');
  it.skipIf(!built)(`reads the program from stdin as the bpf_conformance runner sends it${notBuiltNote(built)}`, () => {
    // The runner writes "xx  xx  ..." (two spaces) and passes the memory, then its (empty) plugin options.
    const r = runBin(['conformance-plugin', '0a  00  00  00  ', ''], {
      input: 'b4  00  00  00  05  00  00  00  85  00  00  00  05  00  00  00  bf  20  00  00  00  00  00  00  95  00  00  00  00  00  00  00  \n',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('4\n'); // r0 = 5; call 5 (unwind: r0 = r1 = 5, non-zero); r0 = r2 = memory length 4
    expect(r.status).toBe(0);
  });
});
