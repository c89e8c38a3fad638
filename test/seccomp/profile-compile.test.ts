/**
 * compileSeccompProfile and `seccomp compile` without libseccomp: the result is a
 * SeccompFilter (matchers, evaluate), each instruction knows the JSON rule behind it, the
 * options select rules as moby does, and bad input fails with one line and its exit code.
 * (Verdicts against libseccomp itself: profile.test.ts.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeClassicRaw, formatDdd } from '../../src/classic/encode.js';
import { DecodeError, UsageError } from '../../src/errors.js';
import { compileSeccompProfile } from '../../src/index.js';
import { SeccompFilter, loadSeccompFilter } from '../../src/seccomp/filter.js';
import '../../src/seccomp/vitest.js';
import { runMain } from '../cli/run-main.js';

const PROFILES = join(import.meta.dirname, '../../fixtures/seccomp/profiles');
const MOBY_PATH = join(PROFILES, 'moby-default.json');
const MOBY = readFileSync(MOBY_PATH, 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-profile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The index in `syscalls` of the entry naming `name` with `action`. */
function entryOf(json: string, name: string, action: string): number {
  const p = JSON.parse(json) as { syscalls: Array<{ names: string[]; action: string }> };
  return p.syscalls.findIndex((s) => s.names.includes(name) && s.action === action);
}

describe('compileSeccompProfile', () => {
  it('returns a SeccompFilter the matchers and evaluate work on', () => {
    const profile = compileSeccompProfile(MOBY, { arch: 'x86_64' });
    expect(profile).toBeInstanceOf(SeccompFilter);
    expect(profile).toAllow('read');
    expect(profile).toAllow('personality', [8]);
    expect(profile).not.toAllow('personality', [9]);
    expect(profile.evaluate({ syscall: 'reboot' }).text).toBe('ERRNO(1)');
    expect(profile.evaluate({ syscall: 'clone', args: [0x10000000] }).text).toBe('ERRNO(1)');
    expect(profile.evaluate({ arch: 'i386', syscall: 'socketcall', args: [1] }).text).toBe('ALLOW');
    // runc's stub: a number above every name of the profile fails with ENOSYS, not EPERM.
    expect(profile.evaluate({ syscall: 1000 }).text).toBe('ERRNO(38)');
    expect(compileSeccompProfile(MOBY, { arch: 'x86_64', enosysStub: false }).evaluate({ syscall: 1000 }).text).toBe('ERRNO(1)');
    // Arches the profile does not cover get libseccomp's bad-arch action.
    expect(profile.evaluate({ arch: 'aarch64', syscall: 'read' }).text).toBe('KILL');
    expect(profile.arches.map((a) => a.name)).toEqual(['x86_64', 'i386', 'x32']);
  });

  it('names the JSON rule behind each instruction', () => {
    const profile = compileSeccompProfile(MOBY, { arch: 'x86_64' });
    expect(profile.provenance).toHaveLength(profile.prog.length);
    const allow = profile.evaluate({ syscall: 'ptrace' });
    expect(profile.provenance![allow.pc]).toBe(`syscalls[${entryOf(MOBY, 'ptrace', 'SCMP_ACT_ALLOW')}] (names: ptrace; action: SCMP_ACT_ALLOW)`);
    const clone = profile.evaluate({ syscall: 'clone', args: [0x11] });
    expect(profile.provenance![clone.pc]).toMatch(/^syscalls\[\d+\] \(names: clone; action: SCMP_ACT_ALLOW\)$/);
    expect(profile.provenance![profile.evaluate({ syscall: 'reboot' }).pc]).toBe('defaultAction: SCMP_ACT_ERRNO (defaultErrnoRet 1) = ERRNO(1)');
    // A filter loaded from bytes has none.
    expect(loadSeccompFilter(encodeClassicRaw(profile.prog, 'little')).provenance).toBeUndefined();
  });

  it('selects rules by capabilities, kernel and arch as moby does', () => {
    expect(compileSeccompProfile(MOBY, { arch: 'x86_64', caps: ['SYS_ADMIN'] })).toAllow('mount');
    expect(compileSeccompProfile(MOBY, { arch: 'x86_64' })).not.toAllow('mount');
    expect(compileSeccompProfile(MOBY, { arch: 'x86_64', kernel: '4.4' }).evaluate({ syscall: 'ptrace' }).text).toBe('ERRNO(1)');
    expect(compileSeccompProfile(MOBY, { arch: 'x86_64', kernel: '4.8' })).toAllow('ptrace');
    const arm = compileSeccompProfile(MOBY, { arch: 'arm64' });
    expect(arm.arches.map((a) => a.name)).toEqual(['aarch64', 'arm']);
    expect(arm.evaluate({ arch: 'arm', syscall: 'set_tls' }).text).toBe('ALLOW');
    expect(compileSeccompProfile(MOBY, { arch: 'x86_64' }).warnings.join('\n')).toMatch(/^syscalls unknown on an arch, skipped there as runtimes do: x86_64: chown32, /);
    // s390x filters are written big-endian, as libseccomp exports them.
    expect(compileSeccompProfile(MOBY, { arch: 's390x' }).endian).toBe('big');
  });

  it('refuses malformed profiles with the path of the problem', () => {
    const bad = (json: unknown, re: RegExp): void => {
      expect(() => compileSeccompProfile(json as object)).toThrow(DecodeError);
      expect(() => compileSeccompProfile(json as object)).toThrow(re);
    };
    bad({ syscalls: [] }, /defaultAction: missing/);
    bad({ defaultAction: 'SCMP_ACT_NOPE' }, /defaultAction: unknown "SCMP_ACT_NOPE"/);
    bad({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] },
      /syscalls\[0\]\.args\[0\]\.index: expected an integer in 0\.\.5/);
    bad({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86'], archMap: [{ architecture: 'SCMP_ARCH_X86_64' }] }, /both 'architectures' and 'archMap'/);
    expect(() => compileSeccompProfile('{ nope')).toThrow(/not JSON/);
    // The same conditions with two actions: libseccomp refuses the second rule.
    bad({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [
      { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
      { names: ['read'], action: 'SCMP_ACT_KILL', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
    ] }, /libseccomp would refuse this rule/);
    expect(() => compileSeccompProfile(MOBY, { kernel: 'four' })).toThrow(UsageError);
    // Misuse of the interface: an ArgumentError naming the argument.
    expect(() => compileSeccompProfile(null as unknown as object)).toThrow(/compileSeccompProfile: json /);
    expect(() => compileSeccompProfile(MOBY, { caps: 'CAP_SYS_ADMIN' as unknown as string[] })).toThrow(/opts\.caps/);
    expect(() => compileSeccompProfile(MOBY, { enosysStub: 1 as unknown as boolean })).toThrow(/opts\.enosysStub/);
  });
});

describe('seccomp compile', () => {
  it('writes the raw records, -f ddd, and warns once on stderr', async () => {
    const out = join(tmp, 'moby.bpf');
    const r = await runMain(['seccomp', 'compile', MOBY_PATH, '--arch', 'amd64', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^cbpf2ebpf: warning: syscalls unknown on an arch/);
    const lib = compileSeccompProfile(MOBY, { arch: 'x86_64' });
    expect(readFileSync(out).equals(Buffer.from(encodeClassicRaw(lib.prog, 'little')))).toBe(true);
    const ddd = await runMain(['seccomp', 'compile', MOBY_PATH, '--arch', 'x86_64', '--caps', 'CAP_SYS_ADMIN,sys_ptrace', '-f', 'ddd']);
    expect(ddd.stdout).toBe(formatDdd(compileSeccompProfile(MOBY, { arch: 'x86_64', caps: ['CAP_SYS_ADMIN', 'sys_ptrace'] }).prog));
    const verdict = await runMain(['seccomp', out, 'ptrace', '-q']);
    expect(verdict.stdout).toBe('ALLOW\n');
  });

  it('fails with one line and the exit code of the problem', async () => {
    const broken = join(tmp, 'broken.json');
    writeFileSync(broken, '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "ALLOW"}]}');
    const cases: Array<[string[], number, RegExp]> = [
      [['seccomp', 'compile', broken, '-f', 'ddd'], 65, /syscalls\[0\]\.action: unknown "ALLOW"/],
      [['seccomp', 'compile', join(tmp, 'missing.json'), '-f', 'ddd'], 66, /missing\.json/],
      [['seccomp', 'compile', MOBY_PATH, '--kernel', 'x', '-f', 'ddd'], 64, /kernel version 'x'/],
      [['seccomp', 'compile', MOBY_PATH, '--arch', 'mips', '-f', 'ddd'], 64, /unknown architecture 'mips'/],
    ];
    for (const [args, code, re] of cases) {
      const r = await runMain(args);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    }
  });
});
