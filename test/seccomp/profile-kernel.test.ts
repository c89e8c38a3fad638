/**
 * Compiled profiles in the running kernel: moby's and Podman's profiles, and a profile with
 * argument rules on harmless calls, installed by test/native/seccomp_run.c; what the kernel
 * does with each call (including a number above every call the profile names, which runc's
 * stub fails with ENOSYS) must be what our verdict says. Skips where the harness cannot run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeClassicRaw } from '../../src/classic/encode.js';
import { compileSeccompProfile } from '../../src/seccomp/profile/compile.js';
import { type Call, HARMLESS, compare, harness, why } from './kernel-harness.js';

const PROFILES = join(import.meta.dirname, '../../fixtures/seccomp/profiles');

/** Allows what the harness child needs after its call (exit, the SIGSYS handler's return). */
const ARGS_PROFILE = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 13,
  archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }],
  syscalls: [
    { names: ['exit', 'exit_group', 'rt_sigreturn', 'sigreturn', 'write', 'getpid'], action: 'SCMP_ACT_ALLOW' },
    { names: ['getppid'], action: 'SCMP_ACT_TRAP', args: [{ index: 0, value: 7, op: 'SCMP_CMP_EQ' }] },
    { names: ['getppid'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x100000000, op: 'SCMP_CMP_LT' }] },
    { names: ['getuid'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 1, value: 0xff00, valueTwo: 0x1200, op: 'SCMP_CMP_MASKED_EQ' }] },
    { names: ['getuid'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 0x1200, op: 'SCMP_CMP_NE' }] },
    { names: ['getgid'], action: 'SCMP_ACT_KILL_PROCESS', args: [{ index: 2, value: 5, op: 'SCMP_CMP_GE' }, { index: 3, value: 9, op: 'SCMP_CMP_LE' }] },
    { names: ['getgid'], action: 'SCMP_ACT_LOG', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
    { names: ['geteuid'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
  ],
};

const ARGS = [0n, 1n, 7n, 9n, 0x1200n, 0x3412n, 0xffffffffn, 0x100000000n, 0x100000007n, (1n << 64n) - 1n];

describe.skipIf(!harness)(`compiled profiles in the kernel${harness ? '' : ` (skipped: ${why})`}`, () => {
  it('moby\'s and Podman\'s profiles: harmless calls on x86_64 and i386, and a number past the profile', () => {
    const pairs = [];
    for (const name of ['moby-default', 'podman-containers-common']) {
      for (const caps of [undefined, ['CAP_SYS_ADMIN']]) {
        const profile = compileSeccompProfile(readFileSync(join(PROFILES, `${name}.json`), 'utf8'), { arch: 'x86_64', ...(caps ? { caps } : {}) });
        const bytes = encodeClassicRaw(profile.prog, 'little');
        for (const abi of ['x86_64', 'i386'] as const) {
          for (const syscall of [...HARMLESS.filter((s) => s !== 'uname'), '1000']) {
            const call: Call = { abi, syscall, args: [] };
            pairs.push({ filters: [bytes], call, verdict: profile.evaluate({ arch: abi, syscall }), what: `${name} ${abi} ${syscall}` });
          }
        }
      }
    }
    expect(compare(pairs)).toBeGreaterThanOrEqual(28);
  });

  it('argument rules: equality, ranges over 64 bits, masks, TRAP, LOG and KILL_PROCESS', () => {
    const pairs = [];
    for (const caps of [[], ['CAP_SYS_ADMIN']]) {
      const profile = compileSeccompProfile(ARGS_PROFILE, { arch: 'x86_64', caps });
      const bytes = encodeClassicRaw(profile.prog, 'little');
      for (const syscall of ['getpid', 'getppid', 'getuid', 'getgid', 'geteuid', '1000']) {
        for (const a of ARGS) {
          for (const position of [0, 1, 2]) {
            const args = [0n, 0n, 0n, 0n, 0n, 0n];
            args[position] = a;
            const call: Call = { abi: 'x86_64', syscall, args };
            pairs.push({ filters: [bytes], call, verdict: profile.evaluate({ arch: 'x86_64', syscall, args }), what: `${syscall}(${args.join(', ')}) caps ${caps.join(',')}` });
          }
        }
      }
    }
    const verdicts = new Set(pairs.map((p) => p.verdict.text));
    expect([...verdicts].sort()).toEqual(['ALLOW', 'ERRNO(13)', 'ERRNO(22)', 'ERRNO(38)', 'KILL_PROCESS', 'LOG', 'TRAP']);
    expect(compare(pairs)).toBe(pairs.length);
  });
});
