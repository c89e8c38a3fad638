/**
 * fast-check arbitraries for the verifier's differential tests: short random internal
 * programs built from templates that are often valid (every register and two stack slots
 * set first, forward jumps only), and one-field mutations of existing programs.
 */
import fc from 'fast-check';
import {
  BPF_ADD, BPF_ATOMIC, BPF_B, BPF_DW, BPF_H, BPF_LDX, BPF_MEMSX, BPF_STX, BPF_W, R0, R1, R2, R3, R6, R7, R10,
} from '../../src/ebpf/opcodes.js';
import {
  type Insn, bpfInsn, call, exit, ldAbs, ldImm64, ldInd, ldxMem, mov64Imm, mov64Reg, stMem, stxMem,
} from '../../src/ebpf/insn.js';
import { HELPER_GET_PRANDOM_U32, HELPER_GET_SMP_PROCESSOR_ID } from '../../src/ebpf/helpers.js';

export interface Mutation {
  at: number;
  field: 'code' | 'dst' | 'src' | 'off' | 'imm' | 'delete';
  code: number;
  reg: number;
  off: number;
  imm: number;
}

/** Rewrites one field of one instruction (or deletes it): enough to break, or keep, a program in many ways. */
export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  field: fc.constantFrom('code', 'dst', 'src', 'off', 'imm', 'delete'),
  code: fc.constantFrom(0x07, 0x0f, 0x04, 0x0c, 0xb7, 0xbf, 0xb4, 0xbc, 0x61, 0x69, 0x71, 0x79, 0x62, 0x63, 0x7a, 0x7b,
    0x15, 0x1d, 0x55, 0x25, 0x2d, 0x05, 0x85, 0x95, 0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0x16, 0x24, 0xdc, 0x87, 0x34),
  reg: fc.nat({ max: 10 }),
  off: fc.oneof(fc.integer({ min: -16, max: 16 }), fc.constantFrom(-512, -64, -4, 48, 52, 68, 72, 76)),
  imm: fc.oneof(fc.integer({ min: -8, max: 16 }), fc.constantFrom(7, 8, 32, 64, 0x7fffffff, -0x80000000)),
});

export function mutate(p: readonly Insn[], m: Mutation): Insn[] {
  const out = [...p];
  if (out.length === 0) return out;
  const at = m.at % out.length;
  const i = out[at]!;
  switch (m.field) {
    case 'delete': out.splice(at, 1); break;
    case 'code': out[at] = bpfInsn(m.code, i.dst, i.src, i.off, i.imm); break;
    case 'dst': out[at] = bpfInsn(i.code, m.reg, i.src, i.off, i.imm); break;
    case 'src': out[at] = bpfInsn(i.code, i.dst, m.reg, i.off, i.imm); break;
    case 'off': out[at] = bpfInsn(i.code, i.dst, i.src, m.off, i.imm); break;
    case 'imm': out[at] = bpfInsn(i.code, i.dst, i.src, i.off, m.imm); break;
  }
  return out;
}

/** One random instruction at body position `pc` of `len`: ALU, memory, forward jumps, calls, packet loads. */
function randomInsnArb(pc: number, len: number): fc.Arbitrary<Insn[]> {
  const reg = fc.nat({ max: 10 });
  const size = fc.constantFrom(BPF_B, BPF_H, BPF_W, BPF_DW);
  const off = fc.oneof(fc.constantFrom(-8, -4, -16, -512, 0, 4, 16, 48, 56, 64, 68), fc.integer({ min: -24, max: 24 }));
  const imm = fc.oneof(fc.integer({ min: -16, max: 16 }), fc.constantFrom(7, 8, 0x7fffffff, -0x80000000));
  const fwd = fc.integer({ min: 0, max: Math.max(0, len - pc - 2) });
  const one = (a: fc.Arbitrary<Insn>): fc.Arbitrary<Insn[]> => a.map((i) => [i]);
  return fc.oneof(
    // ALU64 and ALU32 with immediates (shifts kept in range), END, NEG
    one(fc.tuple(fc.constantFrom(
      0x07, 0x17, 0x27, 0x47, 0x57, 0x67, 0x77, 0xa7, 0xb7, 0xc7, 0x04, 0xb4, 0x54, 0x14, 0x64, 0xdc, 0xd4, 0xd7, 0x87, 0x84,
    ), reg, imm).map(([c, d, k]) => {
      const op = c & 0xf0;
      const kk = op === 0xd0 ? [16, 32, 64][Math.abs(k) % 3]! : op === 0x80 ? 0 : [0x60, 0x70, 0xc0].includes(op) ? k & 31 : k;
      return bpfInsn(c, d, 0, 0, kk);
    })),
    // ALU with registers, including MOVSX
    one(fc.tuple(fc.constantFrom(0x0f, 0x1f, 0x2f, 0xbf, 0xbc, 0x0c, 0x5f, 0xaf, 0x6f, 0x3f, 0x9f), reg, reg)
      .map(([c, d, r]) => bpfInsn(c, d, r, 0, 0))),
    one(fc.tuple(reg, reg, fc.constantFrom(8, 16, 32)).map(([d, r, o]) => bpfInsn(0xbf, d, r, o, 0))),
    one(fc.tuple(size, reg, reg, off).map(([z, d, r, o]) => ldxMem(z, d, r, o))),
    one(fc.tuple(fc.constantFrom(BPF_B, BPF_H, BPF_W), reg, reg, off).map(([z, d, r, o]) => bpfInsn(BPF_LDX | BPF_MEMSX | z, d, r, o, 0))),
    one(fc.tuple(size, reg, reg, off).map(([z, d, r, o]) => stxMem(z, d, r, o))),
    one(fc.tuple(size, reg, off, imm).map(([z, d, o, k]) => stMem(z, d, o, k))),
    // conditional jumps, 64- and 32-bit, forward only
    one(fc.tuple(fc.constantFrom(0x15, 0x55, 0x25, 0xa5, 0x65, 0x45, 0x16, 0x56, 0x26, 0xc6), reg, imm, fwd)
      .map(([c, d, k, o]) => bpfInsn(c, d, 0, o, k))),
    one(fc.tuple(fc.constantFrom(0x1d, 0x5d, 0x2d, 0x1e, 0xbd), reg, reg, fwd).map(([c, d, r, o]) => bpfInsn(c, d, r, o, 0))),
    one(fwd.map((o) => bpfInsn(0x05, 0, 0, o, 0))),
    one(fc.constantFrom(
      call(HELPER_GET_PRANDOM_U32), call(HELPER_GET_SMP_PROCESSOR_ID), mov64Reg(R6, R1),
      ldAbs(BPF_B, 12), ldAbs(BPF_W, 0), ldAbs(BPF_H, -0x100000),
    )),
    one(fc.tuple(fc.constantFrom(BPF_B, BPF_H, BPF_W), reg, imm).map(([z, r, k]) => ldInd(z, r, k))),
    one(fc.tuple(reg, fc.constantFrom(BPF_ADD, BPF_ADD | 1, 0xe1, 0xf1))
      .map(([r, op]) => bpfInsn(BPF_STX | BPF_ATOMIC | BPF_DW, R10, r, -8, op))),
    fc.tuple(reg, imm).map(([d, k]) => ldImm64(d, k, k >> 3)),
  );
}

/** Every register and two stack slots set first, so that random bodies are often valid. */
const PRELUDE: readonly Insn[] = [
  mov64Imm(R0, 0), mov64Imm(R2, 0), mov64Imm(R3, 1), mov64Imm(4, -8), mov64Imm(5, 2), mov64Reg(R6, R1),
  mov64Imm(R7, 0), mov64Reg(8, R10), mov64Imm(9, 0), stMem(BPF_DW, R10, -8, 0), stMem(BPF_DW, R10, -16, 0),
];

/**
 * A short random program: the prelude, 1..9 random instructions, exit. Jump offsets count
 * instructions, so a body ld_imm64 can turn a jump into one that lands in its second half
 * or past the end: such programs are simply rejected.
 */
export const randomProgramArb: fc.Arbitrary<Insn[]> = fc.integer({ min: 2, max: 10 }).chain((len) =>
  fc.tuple(...Array.from({ length: len - 1 }, (_, pc) => randomInsnArb(pc, len)))
    .map((body) => [...PRELUDE, ...body.flat(), exit()]));

