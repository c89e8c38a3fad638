/**
 * Optional: our verdicts against the running kernel. test/native/seccomp_run.c installs
 * filters in a child (no_new_privs + seccomp) and makes one harmless syscall (getpid,
 * getppid, getuid, getgid, geteuid, getegid, uname) with chosen arguments; what happens
 * (return, errno, SIGSYS trap data, death by SIGSYS) must be what our verdict means.
 * Skips when cc or seccomp is unavailable; i386 calls (int 0x80) only where the kernel has
 * IA-32 emulation enabled.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeClassicRaw } from '../../src/classic/encode.js';
import { type ClassicInsn, insn } from '../../src/classic/insn.js';
import { type SeccompResult, type SeccompFilter, evaluateStack, loadSeccompFilter } from '../../src/seccomp/filter.js';
import { resolveSyscall } from '../../src/seccomp/syscalls/index.js';
import { loadFixtures } from './fixtures.js';
import { runs } from '../runs.js';
import { type Call, HARMLESS, compare, harness, why } from './kernel-harness.js';

describe.skipIf(!harness)(`verdicts match the kernel${harness ? '' : ` (skipped: ${why})`}`, () => {
  it('libseccomp fixtures: harmless calls of every fixture case and every default', () => {
    const pairs = [];
    for (const fx of loadFixtures()) {
      if (fx.endian !== 'little') continue;
      const filter = loadSeccompFilter(fx.path);
      const calls: Call[] = [];
      for (const c of fx.cases) {
        if ((c.arch === 'x86_64' || c.arch === 'i386') && HARMLESS.includes(c.syscall)) calls.push({ abi: c.arch, syscall: c.syscall, args: c.args });
      }
      for (const syscall of HARMLESS) {
        calls.push({ abi: 'x86_64', syscall, args: [] });
        calls.push({ abi: 'i386', syscall, args: [] });
      }
      for (const call of calls) {
        pairs.push({ filters: [fx.bytes], call, verdict: filter.evaluate({ arch: call.abi, syscall: call.syscall, args: call.args }), what: `${fx.name} ${call.abi} ${call.syscall}(${call.args.join(', ')})` });
      }
    }
    expect(compare(pairs)).toBeGreaterThan(60);
  });

  it('x86_64-args fixture: random arguments', () => {
    const fx = loadFixtures().find((f) => f.name === 'x86_64-args')!;
    const filter = loadSeccompFilter(fx.path);
    const arg = fc.oneof(
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.constantFrom(
        0n, 1n, 2n, 7n, 0x10n, 0xfn, 0x80000000n, 0x7fffffffn, 0x100000002n, 0x1fffffff0n, 0x1fffffff1n, 0x300000000n, 0x300000001n,
      ),
    );
    const calls = fc.sample(fc.record({
      syscall: fc.constantFrom('getpid', 'getppid', 'getuid', 'getgid', 'geteuid', 'getegid'),
      args: fc.array(arg, { minLength: 6, maxLength: 6 }),
    }), { numRuns: runs(150), seed: 5 });
    const pairs = calls.map(({ syscall, args }) => {
      const call: Call = { abi: 'x86_64', syscall, args };
      return { filters: [fx.bytes], call, verdict: filter.evaluate({ arch: 'x86_64', syscall, args }), what: `${syscall}(${args.map((a) => `0x${a.toString(16)}`).join(', ')})` };
    });
    // uname writes through its pointer: only pointers the kernel refuses (EFAULT).
    for (const p of [0n, 1n, 7n, (1n << 64n) - 1n]) {
      pairs.push({ filters: [fx.bytes], call: { abi: 'x86_64', syscall: 'uname', args: [p] }, verdict: filter.evaluate({ arch: 'x86_64', syscall: 'uname', args: [p] }), what: `uname(${p})` });
    }
    expect(compare(pairs)).toBe(runs(150) + 4);
  });

  it('actions, ERRNO data past 4095, unknown actions and stacked filters', () => {
    const ret = (k: number): ClassicInsn[] => [
      insn(0x20, 0, 0, 0), insn(0x15, 0, 1, resolveSyscall('x86_64', 'getppid')), insn(0x06, 0, 0, k), insn(0x06, 0, 0, 0x7fff0000),
    ];
    const values = [
      0x7fff0000, 0x7ffc0000, 0x00050000, 0x00050001, 0x0005000d, 0x00050fff, 0x00051000, 0x0005ffff, 0x00030000, 0x00030005,
      0x7ff00003, 0x7fc00000, 0x80000000, 0x00000000, 0x7ffe0000, 0x12340000, 0x7fff0005,
    ];
    const call: Call = { abi: 'x86_64', syscall: 'getppid', args: [] };
    const pairs: Array<{ filters: Uint8Array[]; call: Call; verdict: SeccompResult; what: string }> = [];
    for (const v of values) {
      const prog = ret(v);
      pairs.push({ filters: [encodeClassicRaw(prog)], call, verdict: loadSeccompFilter(prog).evaluate({ arch: 'x86_64', syscall: 'getppid' }), what: `return 0x${v.toString(16)}` });
    }
    // Stacks of two and three, in both orders.
    const stacks = fc.sample(fc.array(fc.constantFrom(...values), { minLength: 2, maxLength: 3 }), { numRuns: runs(60), seed: 7 });
    for (const stack of stacks) {
      const filters: SeccompFilter[] = stack.map((v) => loadSeccompFilter(ret(v)));
      pairs.push({
        filters: stack.map((v) => encodeClassicRaw(ret(v))), call,
        verdict: evaluateStack(filters, { arch: 'x86_64', syscall: 'getppid' }),
        what: `stack ${stack.map((v) => `0x${v.toString(16)}`).join(' then ')}`,
      });
    }
    expect(compare(pairs)).toBe(values.length + stacks.length);
  });
});
