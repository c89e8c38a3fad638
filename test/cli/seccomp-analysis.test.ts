/**
 * The CLI of the seccomp analysis: `seccomp diff` (exit 0/1 like diff(1), --stricter, --json,
 * errors), `seccomp FILTER SYSCALL --explain`, `seccomp summary --budget/--view/--changes`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeClassicRaw } from '../../src/classic/encode.js';
import { insn } from '../../src/classic/insn.js';
import { FIXTURE_DIR } from '../seccomp/fixtures.js';
import { runMain } from './run-main.js';

const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-seccomp-analysis-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
/** `seccomp diff` sets process.exitCode (1 when the filters differ): each run starts and ends without one. */
const run = async (...args: string[]) => {
  process.exitCode = undefined;
  try {
    return await runMain(args);
  } finally {
    process.exitCode = undefined;
  }
};
const fixture = (name: string): string => join(FIXTURE_DIR, `${name}.bpf`);

const ALLOW = 0x7fff0000;
const KILL = 0x80000000;
/** arch check, x32 guard, `if (nr == ptrace) <ptrace>`, `if (nr == ioctl && (u32)args[1] == 0x5401) <ioctl>`, ERRNO(1). */
function write(name: string, ptrace: number, ioctl: number): string {
  const prog = [
    insn(0x20, 0, 0, 4), insn(0x15, 1, 0, 0xc000003e), insn(0x06, 0, 0, KILL), insn(0x20, 0, 0, 0),
    insn(0x35, 0, 1, 0x40000000), insn(0x06, 0, 0, KILL),
    insn(0x15, 0, 1, 101), insn(0x06, 0, 0, ptrace),
    insn(0x15, 0, 3, 16), insn(0x20, 0, 0, 24), insn(0x15, 0, 1, 0x5401), insn(0x06, 0, 0, ioctl),
    insn(0x06, 0, 0, 0x00050001),
  ];
  const path = join(tmp, name);
  writeFileSync(path, encodeClassicRaw(prog, 'little'));
  return path;
}

describe('seccomp diff', () => {
  const a = write('a.bpf', KILL, 0x00050001);
  const b = write('b.bpf', 0x00050001, ALLOW);

  it('prints each difference with its conditions and exits 1; 0 for the same filter', async () => {
    const r = await run('seccomp', 'diff', a, b);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout.split('\n').slice(3, 6)).toEqual([
      '  ioctl (16): (u32)args[1] == 0x5401: ERRNO(1) -> ALLOW',
      '  ptrace (101): always: KILL_PROCESS -> ERRNO(1)',
      '2 differences',
    ]);
    const same = await run('seccomp', 'diff', a, a);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('no differences\n');
  });

  it('--stricter: 1 with the regions where B lets more run, 0 the other way round', async () => {
    const looser = await run('seccomp', 'diff', a, b, '--stricter');
    expect(looser.code).toBe(1);
    expect(looser.stdout).toContain('  ioctl (16): (u32)args[1] == 0x5401: ERRNO(1) -> ALLOW\n');
    expect(looser.stdout).not.toContain('ptrace');
    const stricter = await run('seccomp', 'diff', b, a, '--stricter');
    expect(stricter.code).toBe(0);
    expect(stricter.stdout).toBe(`${a} is at least as strict as ${b}\n`);
  });

  it('--json', async () => {
    const r = await run('seccomp', 'diff', a, b, '--json');
    const j = JSON.parse(r.stdout) as { equivalent: boolean; stricter: boolean; regions: Array<{ syscall: string; looser: boolean }> };
    expect(r.code).toBe(1);
    expect(j.equivalent).toBe(false);
    expect(j.stricter).toBe(false);
    expect(j.regions.map((x) => [x.syscall, x.looser])).toEqual([['ioctl', true], ['ptrace', false]]);
  });

  it('errors: one line and the exit code', async () => {
    const missing = await run('seccomp', 'diff', a, join(tmp, 'nope.bpf'));
    expect([missing.code, missing.stderr]).toEqual([66, `cbpf2ebpf: ${join(tmp, 'nope.bpf')}: no such file\n`]);
    const bad = join(tmp, 'bad.bpf');
    writeFileSync(bad, encodeClassicRaw([insn(0x20, 0, 0, 4)], 'little'));
    expect((await run('seccomp', 'diff', a, bad)).code).toBe(65);
    expect((await run('seccomp', 'diff', a, b, '--arch', 'sparc')).code).toBe(64);
    expect((await run('seccomp', 'diff', '-', '-')).code).toBe(64);
  });
});

describe('seccomp --explain and summary options', () => {
  it('--explain prints the decisive comparisons', async () => {
    const r = await run('seccomp', fixture('x86_64-args'), 'openat', '-100', '0x7ffc0000', '0x241', '--explain');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual(expect.arrayContaining([
      'ERRNO(13)  (line 0065)',
      '  0057: nr == openat  (if (A != openat) goto 0067; 0x101 vs 0x101)',
      '  0064: ((u32)args[2] & 0x3) == 0x1  (if (A != 0x1) goto 0093; 0x1 vs 0x1)',
    ]));
    expect((await run('seccomp', fixture('x86_64-args'), 'read', '--explain', '--stack', fixture('x86_64-args'))).code).toBe(64);
  });

  it('summary --budget: a positive integer; a tiny one leaves syscalls not analysed', async () => {
    expect((await run('seccomp', 'summary', fixture('x86_64-args'), '--budget', '0')).stderr).toBe('cbpf2ebpf: --budget wants a positive integer, not 0\n');
    const r = await run('seccomp', 'summary', fixture('x86_64-args'), '--budget', '200');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^not analysed \(budget exhausted; raise it with --budget\): \d+$/m);
  });
});

describe('profiles wherever a filter goes', () => {
  const profile = join(process.cwd(), 'fixtures/seccomp/profiles/moby-default.json');

  it('diff compares a profile with the filter it compiles to: no differences', async () => {
    const out = join(tmp, 'moby.bpf');
    expect((await run('seccomp', 'compile', profile, '--arch', 'x86_64', '-o', out)).code).toBe(0);
    const same = await run('seccomp', 'diff', profile, out, '--arch', 'x86_64');
    expect(same.stdout).toMatch(/no differences/);
    expect(same.code).toBe(0);
    // Against a filter that allows everything, the profile is the stricter one.
    const allowAll = join(tmp, 'allow-all.bpf');
    writeFileSync(allowAll, encodeClassicRaw([insn(0x06, 0, 0, ALLOW)], 'little'));
    expect((await run('seccomp', 'diff', allowAll, profile, '--arch', 'x86_64', '--stricter')).code).toBe(0);
    expect((await run('seccomp', 'diff', profile, allowAll, '--arch', 'x86_64', '--stricter')).code).toBe(1);
  });

  it('explain names the JSON rule behind each decisive comparison', async () => {
    const r = await run('seccomp', profile, 'ptrace', '--arch', 'x86_64', '--explain');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ALLOW .*rule: syscalls\[\d+\] \(names: ptrace; action: SCMP_ACT_ALLOW\)/);
    expect(r.stdout).toMatch(/nr == ptrace .*rule: syscalls\[\d+\] \(names: ptrace/);
  });
});

describe('a filter in tcpdump -dd text is not taken for a profile', () => {
  it('starts with { like JSON, and still loads as a filter everywhere a profile may go', async () => {
    const dd = join(tmp, 'allow.dd');
    writeFileSync(dd, `{ 0x06, 0, 0, 0x${ALLOW.toString(16)} },\n`);
    const r = await run('seccomp', dd, 'read');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ALLOW/);
    expect((await run('seccomp', 'summary', dd)).code).toBe(0);
  });
});
