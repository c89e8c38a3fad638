/**
 * The interpreter against the running kernel: random internal BPF programs are loaded as
 * socket filters and run with BPF_PROG_TEST_RUN (test/native/bpf_load.c through
 * test/translate/kernel.ts), and must return what our interpreter returns.
 *
 * - arithmetic: every ALU/ALU64 operation (including sdiv/smod, movsx, byte swaps),
 *   register and immediate forms, and JMP/JMP32 conditions over random 64-bit values; the
 *   program folds the upper half of R0 into the u32 the kernel reports.
 * - packet loads: LD ABS/IND of every size at offsets in and around the packet, with X
 *   values that make X + k wrap.
 *
 * Skips with a message when cc or bpf() is unavailable.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAsm } from '../../src/ebpf/asm-format.js';
import { encodeProgram } from '../../src/ebpf/encode.js';
import { bpfInsn, type Insn } from '../../src/ebpf/insn.js';
import { Interpreter } from '../../src/vm/interp.js';
import { ExecEnv } from '../../src/vm/types.js';
import { kernel, kernelUnavailable } from '../translate/kernel.js';
import { runs } from '../runs.js';

const skip = kernelUnavailable !== undefined;
const why = skip ? ` (skipped: ${kernelUnavailable})` : '';

const i64 = fc.oneof(
  { arbitrary: fc.tuple(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.integer({ min: -0x80000000, max: 0x7fffffff })), weight: 3 },
  { arbitrary: fc.tuple(fc.integer({ min: -300, max: 300 }), fc.constantFrom(0, -1)), weight: 2 },
  {
    arbitrary: fc.constantFrom<[number, number]>(
      [0, 0], [1, 0], [-1, -1], [0, -0x80000000], [-1, 0x7fffffff], [-0x80000000, 0], [-0x80000000, -1],
    ),
    weight: 1,
  },
);
const imm = fc.oneof(
  fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.integer({ min: -40, max: 40 }), fc.constantFrom(-0x80000000, -1, 0, 1),
);
const dst = fc.integer({ min: 0, max: 9 });
/** The two-operand ALU operations (neg and the byte swaps have their own forms). */
const ALU_OPS = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0];
/** The conditional jumps. */
const JMP_OPS = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];

/** One random ALU or forward-jump step (a jump skips the next step). */
const aluStep: fc.Arbitrary<Insn> = fc.oneof(
  fc.tuple(fc.constantFrom(0x04, 0x07), fc.constantFrom(...ALU_OPS), fc.boolean(), dst, dst, imm, fc.boolean())
    .map(([cls, op, x, d, s, k, signed]) => {
      const sdivmod = signed && (op === 0x30 || op === 0x90) ? 1 : 0;
      if (x) return bpfInsn(cls | op | 8, d, s, sdivmod, 0);
      let kk = k;
      const bits = cls === 0x07 ? 64 : 32;
      if (op === 0x60 || op === 0x70 || op === 0xc0) kk = ((k % bits) + 64) % bits; // the verifier refuses out-of-range shifts
      if ((op === 0x30 || op === 0x90) && kk === 0) kk = 3; // and division by a constant 0
      return bpfInsn(cls | op, d, 0, sdivmod, kk);
    }),
  fc.tuple(fc.constantFrom(0x84, 0x87), dst).map(([c, d]) => bpfInsn(c, d, 0, 0, 0)),
  fc.tuple(fc.constantFrom(0xd4, 0xdc, 0xd7), dst, fc.constantFrom(16, 32, 64)).map(([c, d, w]) => bpfInsn(c, d, 0, 0, w)),
  fc.tuple(fc.constantFrom([0xbc, 8], [0xbc, 16], [0xbf, 8], [0xbf, 16], [0xbf, 32]), dst, dst)
    .map(([[c, o], d, s]) => bpfInsn(c!, d, s, o!, 0)),
  fc.tuple(fc.constantFrom(0x05, 0x06), fc.constantFrom(...JMP_OPS), fc.boolean(), dst, dst, imm)
    .map(([cls, op, x, d, s, k]) => bpfInsn(cls | op | (x ? 8 : 0), d, x ? s : 0, 1, x ? 0 : k)),
);

const arbRegisterValues = fc.array(i64, { minLength: 10, maxLength: 10 });

/** R0..R9 = random values, the steps, then R0 ^= R0 >> 32 so the u32 result covers 64 bits. */
const arbAluProgram: fc.Arbitrary<Insn[]> = fc.tuple(arbRegisterValues, fc.array(aluStep, { minLength: 1, maxLength: 30 }))
  .map(([values, steps]) => {
    const prog: Insn[] = [];
    values.forEach(([lo, hi], r) => prog.push(bpfInsn(0x18, r, 0, 0, lo), bpfInsn(0, 0, 0, 0, hi)));
    prog.push(...steps);
    // The last step may be a jump over "the next step": give it one.
    prog.push(bpfInsn(0x07, 0, 0, 0, 1));
    prog.push(bpfInsn(0xbf, 9, 0, 0, 0), bpfInsn(0x77, 9, 0, 0, 32), bpfInsn(0xaf, 0, 9, 0, 0), bpfInsn(0x95, 0, 0, 0, 0));
    return prog;
  });

/** R6 = ctx; X-like R7 random; loads whose results are mixed into R8; R0 = R8. */
const arbLoadProgram: fc.Arbitrary<Insn[]> = fc.tuple(
  fc.oneof(fc.integer({ min: 0, max: 80 }), fc.constantFrom(0xffffffff, 0xfffffffe, 0x7fffffff, 0x80000000)),
  fc.array(
    fc.tuple(
      fc.constantFrom(0x20, 0x28, 0x30, 0x40, 0x48, 0x50),
      fc.oneof(fc.integer({ min: -4, max: 72 }), fc.constantFrom(-1, -2, 0x7fffffff)),
    ),
    { minLength: 1, maxLength: 12 },
  ),
).map(([x, loads]) => {
  const prog: Insn[] = [bpfInsn(0xbf, 6, 1, 0, 0), bpfInsn(0xb4, 7, 0, 0, x | 0), bpfInsn(0xb7, 8, 0, 0, 0)];
  for (const [code, k] of loads) {
    prog.push(bpfInsn(code, 0, code & 0x40 ? 7 : 0, 0, k));
    prog.push(bpfInsn(0x27, 8, 0, 0, 31), bpfInsn(0x0f, 8, 0, 0, 0)); // r8 = r8 * 31 + r0
  }
  prog.push(bpfInsn(0xbf, 0, 8, 0, 0), bpfInsn(0x95, 0, 0, 0, 0));
  return prog;
});

function ours(prog: Insn[], pkt: Uint8Array): number {
  const env = new ExecEnv();
  env.setPacket(pkt, 0, pkt.length);
  env.ctx = new Uint8Array(72);
  return new Interpreter(prog).run(env);
}

function compare(progs: Insn[][], packets: Uint8Array[][], seed: number): void {
  const answers = kernel!.runMany(progs.map((p, n) => ({ prog: encodeProgram(p), packets: packets[n]! })));
  progs.forEach((prog, n) => {
    packets[n]!.forEach((pkt, k) => {
      const theirs = answers[n]![k];
      const mine = ours(prog, pkt);
      if (mine !== theirs) {
        throw new Error(`seed ${seed}, program ${n}, packet ${Buffer.from(pkt).toString('hex')}: kernel ${theirs}, ours ${mine}\n${formatAsm(prog)}`);
      }
    });
  });
}

describe.skipIf(skip)(`interpreter vs the kernel${why}`, () => {
  it('ALU and jumps over random 64-bit values', () => {
    const seed = Date.now() | 0;
    const progs = fc.sample(arbAluProgram, { seed, numRuns: runs(400) });
    compare(progs, progs.map(() => [new Uint8Array(14)]), seed);
  }, 120_000);

  it('LD ABS / LD IND, in and around the packet, with wrapping X + k', () => {
    const seed = Date.now() | 0;
    const progs = fc.sample(arbLoadProgram, { seed, numRuns: runs(200) });
    const arbPackets = fc.array(fc.uint8Array({ minLength: 14, maxLength: 80 }), { minLength: 3, maxLength: 3 });
    const pkts = fc.sample(arbPackets, { seed: seed + 1, numRuns: runs(200) });
    compare(progs, pkts, seed);
  }, 120_000);

  it('a known case: X = 0x3e, k = -1 reads byte 0x3d; X = 0xffffffff, k = 1 reads byte 0', () => {
    const pkt = Uint8Array.from({ length: 64 }, (_, k) => k + 100);
    const prog = (x: number, k: number): Insn[] => [
      bpfInsn(0xbf, 6, 1, 0, 0), bpfInsn(0xb4, 7, 0, 0, x), bpfInsn(0x50, 0, 7, 0, k), bpfInsn(0x95, 0, 0, 0, 0),
    ];
    expect(kernel!.run(encodeProgram(prog(0x3e, -1)), [pkt])).toEqual([0x3d + 100]);
    expect(kernel!.run(encodeProgram(prog(-1, 1)), [pkt])).toEqual([100]);
    expect(ours(prog(0x3e, -1), pkt)).toBe(0x3d + 100);
    expect(ours(prog(-1, 1), pkt)).toBe(100);
  });
});
