/**
 * Linux's whole verdict (translate/kernel-check.ts): the checkers, then the jump offsets of the
 * kernel's own translation (bpf_convert_filter), and the optmem warning. The thresholds were
 * measured against Linux 6.18 with SO_ATTACH_FILTER; test/classic/check-kernel.test.ts
 * measures them again against the running kernel.
 */
import { describe, expect, it } from 'vitest';
import { type ClassicInsn, type ClassicProgram, insn } from '../../src/classic/insn.js';
import { CheckError } from '../../src/errors.js';
import { checkForLinux, findLinuxViolations, linuxWarnings } from '../../src/translate/kernel-check.js';

const ret = (k = 0): ClassicInsn => insn(0x06, 0, 0, k);

/** The CheckError checkForLinux throws, or undefined when Linux loads the program. */
function firstError(prog: ClassicProgram, profile: 'socket' | 'seccomp' = 'socket'): CheckError | undefined {
  try {
    checkForLinux(prog, { profile });
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(CheckError);
    return e as CheckError;
  }
}

function expectRule(prog: ClassicProgram, rule: string, pc: number): CheckError {
  const e = firstError(prog);
  expect(e, `expected ${rule} at ${pc}`).toBeDefined();
  expect(e!.rule).toBe(rule);
  expect(e!.pc).toBe(pc);
  expect(e!.message).toMatch(new RegExp(`^instruction ${pc} \\([^)]*\\): ${rule}: `));
  expect(e!.exitCode).toBe(65);
  return e!;
}

describe("jump-offset-overflow (the kernel's own translation, bpf_convert_filter)", () => {
  /** ja n over n copies of `i`, then ret #1: the jump spans n expansions of `i`. */
  const jaOver = (i: ClassicInsn, n: number): ClassicProgram => [insn(0x05, 0, 0, n), ...new Array<ClassicInsn>(n).fill(i), ret(1)];

  it('refuses from the smallest N Linux 6.18 refuses, per kind of load (issue 10, measured with SO_ATTACH_FILTER)', () => {
    const measured: Array<[string, ClassicInsn, number]> = [
      ['ldx msh [40000]', insn(0xb1, 0, 0, 40000), 1561],
      ['ldx msh [14]', insn(0xb1, 0, 0, 14), 1725],
      ['ld [40000]', insn(0x20, 0, 0, 40000), 2048],
      ['ldh [14]', insn(0x28, 0, 0, 14), 2341],
      ['ldb [1]', insn(0x30, 0, 0, 1), 2521],
      ['ldb [0]', insn(0x30, 0, 0, 0), 2731],
      ['ld [x+5]', insn(0x40, 0, 0, 5), 3641],
    ];
    for (const [name, i, n] of measured) {
      const e = expectRule(jaOver(i, n), 'jump-offset-overflow', 0);
      expect(e.detail, name).toMatch(new RegExp(`^Linux 6\\.18 translates this jump to instruction ${n + 1} into an internal jump over \\d+ instructions; an internal jump reaches 32767 at most$`));
      expect(firstError(jaOver(i, n - 1)), `${name} x ${n - 1}`).toBeUndefined();
    }
  });

  it('refuses a short jump that lands past internal instruction 32767, as the first layout pass does', () => {
    // 2100 x ld [40000] (16 instructions each, after a 7-instruction prologue), then jeq #1 to the next instruction.
    const after = (n: number): ClassicProgram => [...new Array<ClassicInsn>(n).fill(insn(0x20, 0, 0, 40000)), insn(0x15, 0, 0, 1), ret(1)];
    const e = expectRule(after(2100), 'jump-offset-overflow', 2100);
    expect(e.detail).toBe('Linux 6.18 translates this jump into internal instruction 33607, where the first pass of bpf_convert_filter ' +
      '(every target still at 0) gives it the offset -33608; an internal jump reaches -32768 at most');
    expect(firstError(after(2047))).toBeUndefined(); // the jeq is internal instruction 32759
  });

  it('counts unreachable code, which Linux translates too, and comes after every checker rule', () => {
    // ret #0 first: nothing after it runs, yet its translation is as long.
    expectRule([ret(0), ...jaOver(insn(0x20, 0, 0, 40000), 2048)], 'jump-offset-overflow', 1);
    const withUninit = [insn(0x60, 0, 0, 3), ...jaOver(insn(0x20, 0, 0, 40000), 2048)];
    expect(findLinuxViolations(withUninit).map((e) => e.rule)).toEqual(['mem-uninitialised']);
  });

  it('never fires for seccomp, whose loads translate to one instruction', () => {
    // The longest expansion seccomp allows is DIV/MOD by X (5): 4094 of them still fit.
    expect(firstError(jaOver(insn(0x3c, 0, 0, 0), 4094), 'seccomp')).toBeUndefined();
    expect(firstError(jaOver(insn(0x20, 0, 0, 4), 4094), 'seccomp')).toBeUndefined();
  });
});

describe('linuxWarnings', () => {
  it("warns when the kernel's translation is too big for the default net.core.optmem_max", () => {
    // 7 + 1023 x 16 + 2 = 16377 instructions: 96 + 8 x 16377 = 131112 bytes, not below 131072.
    const loads = (n: number): ClassicProgram => [...new Array<ClassicInsn>(n).fill(insn(0x20, 0, 0, 40000)), ret(1)];
    expect(linuxWarnings(loads(1022))).toEqual([]);
    expect(linuxWarnings(loads(1023))).toEqual(['Linux 6.18 translates the program into 16377 internal instructions; attaching it to a socket ' +
      'charges 131112 bytes against net.core.optmem_max (default 131072), so SO_ATTACH_FILTER fails with ENOMEM unless that limit is above 131112']);
    // Nothing for seccomp, which does not charge socket memory, nor for a program Linux refuses anyway.
    expect(linuxWarnings(loads(1023), { profile: 'seccomp' })).toEqual([]);
    expect(linuxWarnings([insn(0x60, 0, 0, 0), ...loads(1023)])).toEqual([]);
  });
});
