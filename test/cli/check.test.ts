/**
 * `cbpf2ebpf check`: in process through main() for output and exit codes, and once through
 * the built launcher for stdin and the process status. Which programs Linux accepts is held
 * to the kernel itself in test/classic/check-kernel.test.ts; here the fixtures are programs
 * tcpdump and libseccomp produced (the protochain ones jump backwards, which Linux refuses).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { launcherBuilt, notBuiltNote, runBin, runMain } from './run-main.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const filter = (name: string, ext = 'ddd'): string => join(root, 'fixtures/filters/EN10MB', `${name}.${ext}`);
const seccompFilter = join(root, 'fixtures/seccomp/x86_64-args.bpf');
const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-check-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (...args: string[]) => runMain(args);

const count = (path: string): number => Number(readFileSync(path, 'utf8').split('\n')[0]);

describe('cbpf2ebpf check (in process)', () => {
  it('prints ok and the instruction count for programs tcpdump compiled', async () => {
    for (const name of ['tcp-port', 'ip', 'vlan-tcp-port']) {
      const r = await run('check', filter(name));
      expect(r.code, name).toBe(0);
      expect(r.stdout).toBe(`ok (${count(filter(name))} instructions)\n`);
      expect(r.stderr).toBe('');
    }
  });

  it('exits 65 with the first violation on one line', async () => {
    const r = await run('check', filter('ip-protochain'));
    expect(r.code).toBe(65);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('cbpf2ebpf: instruction 19 (ja 4): jump-out-of-range: ja offset 0xfffffff0 is not a forward jump inside the program (classic jumps are unsigned)\n');
  });

  it('--seccomp applies seccomp_check_filter after the classic rules', async () => {
    const ok = await run('check', seccompFilter, '--seccomp');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok \(\d+ instructions\)\n$/);
    expect(ok.stderr).toBe('');
    const bad = await run('check', filter('tcp-port'), '--seccomp');
    expect(bad.code).toBe(65);
    expect(bad.stderr).toBe('cbpf2ebpf: instruction 0 (ldh [12]): seccomp-opcode: seccomp loads only 32-bit words (ld [k]), not 16-bit ones\n');
  });

  it('names the rule for a hand-written bad program, and exits 66 for a missing file', async () => {
    const bad = join(tmp, 'bad.ddd');
    writeFileSync(bad, '3\n96 0 0 2\n21 0 0 0\n22 0 0 0\n'); // ld M[2] before any store
    const r = await run('check', bad);
    expect(r.code).toBe(65);
    expect(r.stderr).toBe('cbpf2ebpf: instruction 0 (ld M[2]): mem-uninitialised: M[2] can be read before anything is stored there\n');
    const missing = await run('check', join(tmp, 'nope'));
    expect(missing.code).toBe(66);
    expect(missing.stderr).toBe(`cbpf2ebpf: ${join(tmp, 'nope')}: no such file\n`);
  });
});

describe("cbpf2ebpf check and the kernel's own translation", () => {
  /** ja n over n x ld [40000], then ret #1, as a -ddd file. */
  function jaOverLoads(name: string, n: number, ja = true): string {
    const path = join(tmp, name);
    const lines = [...(ja ? [`5 0 0 ${n}`] : []), ...new Array<string>(n).fill('32 0 0 40000'), '6 0 0 1'];
    writeFileSync(path, `${lines.length}\n${lines.join('\n')}\n`);
    return path;
  }

  it('refuses a jump Linux cannot encode, naming it (exit 65)', async () => {
    const r = await run('check', jaOverLoads('ja2048.ddd', 2048));
    expect(r.code).toBe(65);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('cbpf2ebpf: instruction 0 (ja 2049): jump-offset-overflow: Linux 6.18 translates this jump to instruction 2049 ' +
      'into an internal jump over 32768 instructions; an internal jump reaches 32767 at most\n');
  });

  it('accepts with a warning on stderr what only the default net.core.optmem_max refuses', async () => {
    const r = await run('check', jaOverLoads('loads1023.ddd', 1023, false));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ok (1024 instructions)\n');
    expect(r.stderr).toBe('cbpf2ebpf: warning: Linux 6.18 translates the program into 16377 internal instructions; attaching it to a socket ' +
      'charges 131112 bytes against net.core.optmem_max (default 131072), so SO_ATTACH_FILTER fails with ENOMEM unless that limit is above 131112\n');
    const quiet = await run('check', jaOverLoads('loads1022.ddd', 1022, false));
    expect([quiet.code, quiet.stdout, quiet.stderr]).toEqual([0, 'ok (1023 instructions)\n', '']);
  });
});

const built = launcherBuilt('check');

describe.skipIf(!built)(`bin/cbpf2ebpf check${notBuiltNote(built)}`, () => {
  it('reads FILTER - from stdin and sets the exit status', () => {
    const cli = (args: string[], input: string) => runBin(args, { input });
    const ok = cli(['check', '-'], readFileSync(filter('tcp-syn'), 'utf8'));
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(`ok (${count(filter('tcp-syn'))} instructions)\n`);
    const bad = cli(['check', '-'], '2\n52 0 0 0\n6 0 0 0\n');
    expect(bad.status).toBe(65);
    expect(bad.stderr).toBe('cbpf2ebpf: instruction 0 (div #0): div-by-zero: division by constant 0\n');
    expect(bad.stdout).toBe('');
  }, 60_000);
});
