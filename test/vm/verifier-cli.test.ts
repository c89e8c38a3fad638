/**
 * `cbpf2ebpf verify`: in process through main() for output and exit codes, and once through
 * the built launcher for stdin. Which programs are accepted is tested in verifier*.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeProgram } from '../../src/ebpf/encode.js';
import { call, exit, ldxMem, mov64Imm, mov64Reg } from '../../src/ebpf/insn.js';
import { BPF_W, R0, R1, R10 } from '../../src/ebpf/opcodes.js';
import { launcherBuilt, notBuiltNote, runBin, runMain } from '../cli/run-main.js';
import { prog } from './verifier-helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const filter = (name: string): string => join(root, 'fixtures/filters/EN10MB', `${name}.ddd`);
const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-verify-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await runMain(args);
  return { code, stdout, stderr };
}

function binFile(name: string, bytes: Uint8Array): string {
  const f = join(tmp, name);
  writeFileSync(f, bytes);
  return f;
}

describe('cbpf2ebpf verify (in process)', () => {
  it('prints ok with the instructions processed and the states kept', async () => {
    const r = await run('verify', binFile('ok.bin', encodeProgram(prog(mov64Imm(R0, 0), exit()))));
    expect(r).toEqual({ code: 0, stdout: 'ok (2 instructions, 0 states)\n', stderr: '' });
  });

  it('rejects the design example with exit 65, naming the instruction and the path', async () => {
    const f = binFile('bad.bin', encodeProgram(prog(mov64Imm(R1, 1), call(7), mov64Reg(R0, R1), exit())));
    const r = await run('verify', f);
    expect(r.code).toBe(65);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('cbpf2ebpf: insn 2: `r0 = r1`: R1 is unreadable: clobbered by the call at insn 1 (path 0 -> 2)\n');
  });

  it('checks the context layout chosen with --ctx', async () => {
    const f = binFile('ctx.bin', encodeProgram(prog(ldxMem(BPF_W, R0, R1, 64), exit())));
    const socket = await run('verify', f);
    expect(socket.code).toBe(0);
    expect(socket.stderr).toBe('');
    const r = await run('verify', '--ctx', 'seccomp', f);
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/^cbpf2ebpf: insn 0: `r0 = \*\(u32 \*\)\(r1 \+ ?64\)`: invalid seccomp_data access at offset 64 size 4: outside its 64 bytes \(path 0\)\n$/);
  });

  it('--classic checks and translates tcpdump output first', async () => {
    const r = await run('verify', '--classic', filter('tcp-port'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok \(\d+ instructions, \d+ states\)\n$/);
  });

  it('--classic --ctx seccomp verifies a libseccomp filter against seccomp_data', async () => {
    const dir = join(root, 'fixtures/seccomp');
    const policies = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.bpf')) : [];
    expect(policies.length).toBeGreaterThan(0);
    for (const p of policies) {
      const { endian } = JSON.parse(readFileSync(join(dir, p.replace(/\.bpf$/, '.json')), 'utf8')) as { endian: string };
      const r = await run('verify', '--classic', '--ctx', 'seccomp', '--endian', endian, join(dir, p));
      expect(r.code, `${p}: ${r.stderr}`).toBe(0);
    }
  });

  it('--classic reports classic checker errors (a backward jump) as the checker does', async () => {
    const r = await run('verify', '--classic', filter('ip-protochain'));
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/^cbpf2ebpf: instruction 19 \(ja 4\): jump-out-of-range/);
  });

  it('exits 65 for a file that is not whole instructions, 66 for a missing one', async () => {
    const odd = await run('verify', binFile('odd.bin', new Uint8Array(12)));
    expect(odd.code).toBe(65);
    expect(odd.stderr).toMatch(/not a multiple of 8/);
    expect((await run('verify', join(tmp, 'missing.bin'))).code).toBe(66);
  });

  it('rejects writes to R10 found by the encoding check', async () => {
    const r = await run('verify', binFile('r10.bin', encodeProgram(prog(mov64Imm(R10, 0), mov64Imm(R0, 0), exit()))));
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/^cbpf2ebpf: insn 0: `r10 = 0`: .*r10/);
  });
});

const built = launcherBuilt('verify');

describe.skipIf(!built)(`cbpf2ebpf verify (built launcher)${notBuiltNote(built)}`, () => {
  it('reads a classic filter from stdin', () => {
    const r = runBin(['verify', '--classic', '-'], { input: '4\n40 0 0 12\n21 0 1 2048\n6 0 0 262144\n6 0 0 0\n', direct: true });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ok \(\d+ instructions, \d+ states\)\n$/);
  });
});
