/**
 * The classic checker against the rules of Linux's bpf_check_classic, check_load_and_stores
 * and seccomp_check_filter. Expected outcomes are transcribed from the kernel source
 * (net/core/filter.c, kernel/seccomp.c), not derived from our own tables.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHECK_RULES, SECCOMP_MAX_CHAIN_INSNS, checkClassic, checkSeccompChain, findClassicViolations,
} from '../../src/classic/check.js';
import { type ClassicInsn, type ClassicProgram, insn } from '../../src/classic/insn.js';
import { CheckError } from '../../src/errors.js';
import { arbClassicProgram } from './arbitrary.js';
import { runs } from '../runs.js';

/** chk_code_allowed's table, written out as numbers from the kernel's designated initialisers. */
const KERNEL_ALLOWED = [
  // BPF_ALU: ADD SUB MUL DIV MOD AND OR XOR LSH RSH x {K, X}, NEG
  0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x94, 0x9c, 0x54, 0x5c, 0x44, 0x4c, 0xa4, 0xac,
  0x64, 0x6c, 0x74, 0x7c, 0x84,
  // BPF_LD: W/H/B ABS, W LEN, W/H/B IND, IMM, MEM
  0x20, 0x28, 0x30, 0x80, 0x40, 0x48, 0x50, 0x00, 0x60,
  // BPF_LDX: W LEN, B MSH, IMM, MEM
  0x81, 0xb1, 0x01, 0x61,
  // ST, STX, TAX, TXA, RET K, RET A
  0x02, 0x03, 0x07, 0x87, 0x06, 0x16,
  // BPF_JMP: JA, JEQ JGE JGT JSET x {K, X}
  0x05, 0x15, 0x1d, 0x35, 0x3d, 0x25, 0x2d, 0x45, 0x4d,
];

/** seccomp_check_filter's explicit list (plus LD W ABS and the two LEN loads it rewrites). */
const SECCOMP_REJECTED = [0x94, 0x9c, 0x28, 0x30, 0x40, 0x48, 0x50, 0xb1];

const ret = (k = 0): ClassicInsn => insn(0x06, 0, 0, k);
const retA = (): ClassicInsn => insn(0x16, 0, 0, 0);

/** The CheckError checkClassic throws, or undefined when the program is accepted. */
function firstError(prog: ClassicProgram, profile: 'socket' | 'seccomp' = 'socket'): CheckError | undefined {
  try {
    checkClassic(prog, { profile });
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(CheckError);
    return e as CheckError;
  }
}

function expectRule(prog: ClassicProgram, rule: string, pc: number, profile: 'socket' | 'seccomp' = 'socket'): CheckError {
  const e = firstError(prog, profile);
  expect(e, `expected ${rule} at ${pc}`).toBeDefined();
  expect(e!.rule).toBe(rule);
  expect(e!.pc).toBe(pc);
  expect(e!.message).toContain(`: ${rule}: `);
  expect(e!.message).toMatch(new RegExp(`^instruction ${pc} \\(`));
  expect(e!.exitCode).toBe(65);
  return e!;
}

describe('opcodes', () => {
  it('accepts exactly the 49 codes of chk_code_allowed among all 65536', () => {
    const accepted: number[] = [];
    for (let code = 0; code < 0x10000; code++) {
      const e = firstError([insn(code, 0, 0, 1), ret()]);
      if (!e || e.rule !== 'opcode') accepted.push(code);
      else expect(e.pc).toBe(0);
    }
    expect(accepted.length).toBe(49);
    expect(accepted).toEqual([...KERNEL_ALLOWED].sort((a, b) => a - b));
  });

  it('rejects RET X and LDX W ABS with a precise word', () => {
    expect(expectRule([insn(0x0e, 0, 0, 0)], 'opcode', 0).message).toContain('ret x');
    expect(expectRule([insn(0x21, 0, 0, 0), ret()], 'opcode', 0).message).toContain('seccomp');
    expectRule([ret(), insn(0xffff, 0, 0, 0)], 'opcode', 1);
  });
});

describe('length', () => {
  it('accepts 1 and 4096 instructions, rejects 0 and 4097', () => {
    expect(firstError([ret()])).toBeUndefined();
    expect(firstError([...Array.from({ length: 4095 }, () => insn(0x00, 0, 0, 1)), ret()])).toBeUndefined();
    expectRule([], 'length', 0);
    expectRule([...Array.from({ length: 4096 }, () => insn(0x00, 0, 0, 1)), ret()], 'length', 4096);
  });
});

describe('per-instruction rules', () => {
  it('div-by-zero: DIV and MOD by constant 0, not by X', () => {
    expectRule([insn(0x34, 0, 0, 0), ret()], 'div-by-zero', 0);
    expectRule([insn(0x94, 0, 0, 0), ret()], 'div-by-zero', 0);
    expect(firstError([insn(0x3c, 0, 0, 0), insn(0x9c, 0, 0, 0), insn(0x34, 0, 0, 1), ret()])).toBeUndefined();
  });

  it('shift-out-of-range: LSH/RSH by constant >= 32', () => {
    for (const code of [0x64, 0x74]) {
      expect(firstError([insn(code, 0, 0, 31), ret()])).toBeUndefined();
      expectRule([insn(code, 0, 0, 32), ret()], 'shift-out-of-range', 0);
      expectRule([insn(code, 0, 0, 0xffffffff), ret()], 'shift-out-of-range', 0);
    }
    expect(firstError([insn(0x6c, 0, 0, 99), ret()])).toBeUndefined(); // by X: k is unused
  });

  it('mem-index: M[k] with k >= 16 for LD/LDX MEM, ST and STX', () => {
    for (const code of [0x60, 0x61, 0x02, 0x03]) expectRule([insn(code, 0, 0, 16), ret()], 'mem-index', 0);
    expect(firstError([insn(0x02, 0, 0, 15), insn(0x61, 0, 0, 15), ret()])).toBeUndefined();
  });

  it('jump-out-of-range: JA needs k < len - pc - 1, unsigned', () => {
    // len 4, ja at 0: k may be 0..2
    expect(firstError([insn(0x05, 0, 0, 2), ret(), ret(), ret()])).toBeUndefined();
    expectRule([insn(0x05, 0, 0, 3), ret(), ret(), ret()], 'jump-out-of-range', 0);
    expectRule([ret(), insn(0x05, 0, 0, 0xffffffff), ret()], 'jump-out-of-range', 1); // "ja -1"
    expectRule([insn(0x05, 0, 0, 0), ret(), insn(0x05, 0, 0, 0)], 'jump-out-of-range', 2); // ja as last
  });

  it('jump-out-of-range: conditional targets pc + jt + 1 and pc + jf + 1 must be < len', () => {
    for (const code of [0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d]) {
      expect(firstError([insn(code, 1, 0, 0), ret(), ret()])).toBeUndefined();
      expectRule([insn(code, 2, 0, 0), ret(), ret()], 'jump-out-of-range', 0);
      expectRule([insn(code, 0, 2, 0), ret(), ret()], 'jump-out-of-range', 0);
    }
    const far = [insn(0x15, 255, 255, 0), ...Array.from({ length: 255 }, () => ret())];
    expectRule(far, 'jump-out-of-range', 0);
    expect(firstError([...far, ret()])).toBeUndefined();
  });

  it('jset with jt = 0 is an ordinary accepted jump', () => {
    expect(firstError([insn(0x45, 0, 1, 4), ret(1), ret(2)])).toBeUndefined();
    expect(firstError([insn(0x4d, 0, 0, 0), ret(1)])).toBeUndefined();
  });

  it('ancillary-unknown: LD ABS in the SKF_AD area must name a known field; NET/LL areas pass', () => {
    for (const code of [0x20, 0x28, 0x30]) {
      for (let n = 0; n <= 60; n += 4) expect(firstError([insn(code, 0, 0, (-0x1000 + n) >>> 0), ret()])).toBeUndefined();
      for (const k of [0xfffff001, 0xfffff002, 0xfffff03f, 0xfffff040, 0xfffff100, 0xffffffff]) {
        expectRule([insn(code, 0, 0, k), ret()], 'ancillary-unknown', 0);
      }
      for (const k of [0xffffefff, 0xfff00000, 0xfff00001, 0xffe00000, 0xffefffff, 0x80000000, 0x7fffffff]) {
        expect(firstError([insn(code, 0, 0, k), ret()]), `k=${k.toString(16)}`).toBeUndefined();
      }
    }
    // IND and MSH offsets are not checked at all.
    expect(firstError([insn(0x40, 0, 0, 0xfffff001), insn(0xb1, 0, 0, 0xffffffff), ret()])).toBeUndefined();
  });

  it('ld [x + k] with a negative k is accepted', () => {
    expect(firstError([insn(0x01, 0, 0, 0x3e), insn(0x50, 0, 0, 0xffffffff), retA()])).toBeUndefined();
  });

  it('last-not-ret: the last instruction must be RET K or RET A', () => {
    expectRule([insn(0x00, 0, 0, 0)], 'last-not-ret', 0);
    expectRule([ret(), insn(0x07, 0, 0, 0)], 'last-not-ret', 1);
    expect(firstError([retA()])).toBeUndefined();
  });
});

describe('mem-uninitialised (check_load_and_stores)', () => {
  it('a load before any store is rejected; after a store it passes', () => {
    expectRule([insn(0x60, 0, 0, 0), ret()], 'mem-uninitialised', 0);
    expectRule([insn(0x61, 0, 0, 3), ret()], 'mem-uninitialised', 0);
    expect(firstError([insn(0x02, 0, 0, 0), insn(0x60, 0, 0, 0), retA()])).toBeUndefined();
    expectRule([insn(0x02, 0, 0, 0), insn(0x60, 0, 0, 1), retA()], 'mem-uninitialised', 1);
  });

  it('a store on one branch only does not cover the join', () => {
    const prog = [
      insn(0x00, 0, 0, 1), // ld #1
      insn(0x15, 0, 1, 1), // jeq #1 jt 2 jf 3
      insn(0x02, 0, 0, 0), // st M[0]
      insn(0x60, 0, 0, 0), // ld M[0]   <- reached from 1 without the store
      retA(),
    ];
    expectRule(prog, 'mem-uninitialised', 3);
  });

  it('stores on every path cover the join (AND over predecessors)', () => {
    const prog = [
      insn(0x15, 0, 2, 1), // jeq #1 jt 1 jf 3
      insn(0x02, 0, 0, 0), // st M[0]
      insn(0x05, 0, 0, 1), // ja 4
      insn(0x03, 0, 0, 0), // stx M[0]
      insn(0x60, 0, 0, 0), // ld M[0]
      retA(),
    ];
    expect(firstError(prog)).toBeUndefined();
    const oneMissing = prog.map((i, pc) => (pc === 3 ? insn(0x03, 0, 0, 1) : i)); // stx M[1] instead
    expectRule(oneMissing, 'mem-uninitialised', 4);
  });

  it('code reachable only through a jump gets the mask of the jump; unreachable code counts as initialised', () => {
    expect(firstError([insn(0x05, 0, 0, 1), insn(0x60, 0, 0, 7), ret()])).toBeUndefined(); // pc 1 is dead
    expectRule([insn(0x05, 0, 0, 0), insn(0x60, 0, 0, 7), ret()], 'mem-uninitialised', 1); // ja +0 reaches it
  });

  it('RET does not end a path for the walk: the next instruction inherits its mask', () => {
    // Dead code after a RET is still checked against what preceded the RET (kernel behaviour).
    expectRule([ret(), insn(0x60, 0, 0, 0), retA()], 'mem-uninitialised', 1);
    expect(firstError([insn(0x02, 0, 0, 0), ret(), insn(0x60, 0, 0, 0), retA()])).toBeUndefined();
  });

  it('the walk runs only when every other rule passed', () => {
    // Both an uninitialised load (pc 0) and a non-RET end: Linux reports the end first.
    expectRule([insn(0x60, 0, 0, 0), insn(0x00, 0, 0, 0)], 'last-not-ret', 1);
    expect(findClassicViolations([insn(0x60, 0, 0, 0), insn(0x00, 0, 0, 0)]).map((e) => e.rule)).toEqual(['last-not-ret']);
  });
});

describe('order of checks', () => {
  it('reports the first instruction in program order, whatever the rule', () => {
    const prog = [insn(0x00, 0, 0, 0), insn(0x34, 0, 0, 0), insn(0x0e, 0, 0, 0), ret()];
    expectRule(prog, 'div-by-zero', 1);
    expect(findClassicViolations(prog).map((e) => [e.pc, e.rule])).toEqual([[1, 'div-by-zero'], [2, 'opcode']]);
  });

  it('seccomp rules come after all classic rules, including the memory walk', () => {
    const prog = [insn(0x28, 0, 0, 0), insn(0x60, 0, 0, 0), retA()]; // ldh [0] (seccomp-bad), ld M[0] (uninit)
    expectRule(prog, 'mem-uninitialised', 1, 'seccomp');
    expect(findClassicViolations(prog, { profile: 'seccomp' }).map((e) => e.rule)).toEqual(['mem-uninitialised', 'seccomp-opcode']);
  });

  it('every rule name is listed in CHECK_RULES', () => {
    expect(new Set(CHECK_RULES).size).toBe(CHECK_RULES.length);
    for (const r of ['length', 'opcode', 'div-by-zero', 'shift-out-of-range', 'mem-index', 'jump-out-of-range',
      'ancillary-unknown', 'last-not-ret', 'mem-uninitialised', 'seccomp-opcode', 'seccomp-load', 'seccomp-chain-length',
      'jump-offset-overflow']) {
      expect(CHECK_RULES).toContain(r);
    }
  });
});

describe('what the checkers leave to the translation', () => {
  it('a jump whose translation overflows 16 bits passes the checkers: translate/kernel-check refuses it', () => {
    const prog: ClassicProgram = [insn(0x05, 0, 0, 2048), ...new Array<ClassicInsn>(2048).fill(insn(0x20, 0, 0, 40000)), ret(1)];
    expect(firstError(prog)).toBeUndefined();
  });
});

describe('seccomp profile (seccomp_check_filter)', () => {
  it('accepts the codes on seccomp\'s list and rejects MOD, LD H/B ABS, IND and MSH', () => {
    for (const code of KERNEL_ALLOWED) {
      // ld #0; st M[4]; <code> k=4 (k=0 for ja); ret #0 -- valid for the classic checker.
      const prog = [insn(0x00, 0, 0, 0), insn(0x02, 0, 0, 4), insn(code, 0, 0, code === 0x05 ? 0 : 4), ret()];
      expect(firstError(prog), `code ${code.toString(16)} (socket)`).toBeUndefined();
      const e = firstError(prog, 'seccomp');
      if (SECCOMP_REJECTED.includes(code)) {
        expect(e?.rule, `code ${code.toString(16)}`).toBe('seccomp-opcode');
        expect(e?.pc).toBe(2);
      } else {
        expect(e, `code ${code.toString(16)}`).toBeUndefined();
      }
    }
  });

  it('ld [k] must be 32-bit aligned and inside the 64 bytes of seccomp_data', () => {
    for (let k = 0; k < 64; k += 4) expect(firstError([insn(0x20, 0, 0, k), retA()], 'seccomp')).toBeUndefined();
    for (const k of [1, 2, 3, 62, 64, 68, 0x1000, 0xfff00000]) expectRule([insn(0x20, 0, 0, k), retA()], 'seccomp-load', 0, 'seccomp');
  });

  it('ancillary loads are rejected; LEN loads are allowed', () => {
    expectRule([insn(0x20, 0, 0, 0xfffff000), retA()], 'seccomp-load', 0, 'seccomp');
    expectRule([insn(0x30, 0, 0, 0xfffff02c), retA()], 'seccomp-opcode', 0, 'seccomp');
    expect(firstError([insn(0x80, 0, 0, 0), insn(0x81, 0, 0, 0), retA()], 'seccomp')).toBeUndefined();
  });

  it('checks the length first, like seccomp_prepare_filter', () => {
    expectRule([], 'length', 0, 'seccomp');
  });

  it('random seccomp-profile programs from the shared generator pass', () => {
    fc.assert(fc.property(arbClassicProgram({ profile: 'seccomp' }), (prog) => {
      expect(firstError(prog, 'seccomp')).toBeUndefined();
    }), { numRuns: runs(500) });
  });
});

describe('checkSeccompChain (seccomp_attach_filter)', () => {
  const filter = (n: number): ClassicProgram => Array.from({ length: n }, () => ret());

  it('counts each filter plus 4 per filter installed before it, up to 32768', () => {
    expect(SECCOMP_MAX_CHAIN_INSNS).toBe(32768);
    const seven = Array.from({ length: 7 }, () => filter(4096));
    // 7 * 4096 + 7 * 4 + 4068 = 32768
    expect(() => checkSeccompChain([...seven, filter(4068)])).not.toThrow();
    try {
      checkSeccompChain([...seven, filter(4069)]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CheckError);
      expect((e as CheckError).rule).toBe('seccomp-chain-length');
      expect((e as CheckError).message).toContain('filter 8 of 8');
      expect((e as CheckError).message).toContain('32769');
    }
    expect(() => checkSeccompChain(Array.from({ length: 8 }, () => filter(4096)))).toThrow(/seccomp-chain-length/);
    expect(() => checkSeccompChain([])).not.toThrow();
  });
});

describe('the shared program generator', () => {
  it('only produces programs the checker accepts', () => {
    fc.assert(fc.property(arbClassicProgram({ maxLength: 200 }), (prog) => {
      expect(findClassicViolations(prog)).toEqual([]);
    }), { numRuns: runs(1000) });
  });
});
