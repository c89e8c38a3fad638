/**
 * The internal instruction model: `struct bpf_insn` (u8 code, dst:4, src:4, s16 off, s32 imm).
 * LD IMM64 occupies two records; the second has code 0 and carries the upper 32 bits in imm.
 * The builders mirror the kernel's BPF_* macros so the translator reads like filter.c.
 */
import {
  BPF_ALU, BPF_ALU64, BPF_CALL, BPF_DW, BPF_END, BPF_EXIT, BPF_IMM, BPF_JA, BPF_JMP, BPF_JMP32, BPF_K,
  BPF_LD, BPF_LDX, BPF_MEM, BPF_MOV, BPF_PSEUDO_CALL, BPF_ST, BPF_STX, BPF_X, BPF_ABS, BPF_IND, BPF_NEG, bpfClass, bpfOp,
} from './opcodes.js';
import { checkInteger } from '../args.js';
import { type Insn, type Program, checkInsnShape, checkProgramShape, isInsn } from './shape.js';

// The record itself is defined beside the test of what it may hold.
export type { Insn, Program } from './shape.js';

/**
 * An instruction from integers, each cut to its field as C's assignment to `struct bpf_insn`
 * would (imm 0xffffffff becomes -1). Anything but an integer is refused (ArgumentError).
 */
export function bpfInsn(code: number, dst: number, src: number, off: number, imm: number): Insn {
  if (!(Number.isInteger(code) && Number.isInteger(dst) && Number.isInteger(src) && Number.isInteger(off) && Number.isInteger(imm))) {
    (['code', 'dst', 'src', 'off', 'imm'] as const).forEach((name, n) => checkInteger('bpfInsn', name, [code, dst, src, off, imm][n], -Infinity, Infinity));
  }
  return { code: code & 0xff, dst: dst & 0xf, src: src & 0xf, off: (off << 16) >> 16, imm: imm | 0 };
}

/** An operand a builder ORs into the code (op, size): an integer (ArgumentError from `fn` otherwise). */
function codePart(fn: string, name: string, v: number): number {
  return Number.isInteger(v) ? v : checkInteger(fn, name, v, -Infinity, Infinity);
}

export const isLdImm64 = (i: Insn): boolean => (isInsn(i) ? i : checkInsnShape('isLdImm64', 'i', i)).code === (BPF_LD | BPF_IMM | BPF_DW);

// ALU
export const alu32Reg = (op: number, dst: number, src: number): Insn => bpfInsn(BPF_ALU | codePart('alu32Reg', 'op', op) | BPF_X, dst, src, 0, 0);
export const alu32Imm = (op: number, dst: number, imm: number): Insn => bpfInsn(BPF_ALU | codePart('alu32Imm', 'op', op) | BPF_K, dst, 0, 0, imm);
export const alu64Reg = (op: number, dst: number, src: number): Insn => bpfInsn(BPF_ALU64 | codePart('alu64Reg', 'op', op) | BPF_X, dst, src, 0, 0);
export const alu64Imm = (op: number, dst: number, imm: number): Insn => bpfInsn(BPF_ALU64 | codePart('alu64Imm', 'op', op) | BPF_K, dst, 0, 0, imm);
export const neg32 = (dst: number): Insn => bpfInsn(BPF_ALU | BPF_NEG, dst, 0, 0, 0);
export const mov32Reg = (dst: number, src: number): Insn => alu32Reg(BPF_MOV, dst, src);
export const mov32Imm = (dst: number, imm: number): Insn => alu32Imm(BPF_MOV, dst, imm);
export const mov64Reg = (dst: number, src: number): Insn => alu64Reg(BPF_MOV, dst, src);
export const mov64Imm = (dst: number, imm: number): Insn => alu64Imm(BPF_MOV, dst, imm);
/** Byte swap to big-endian of `bits` (16, 32, 64): a no-op on big-endian hosts, a swap on ours. */
export const endianToBe = (dst: number, bits: 16 | 32 | 64): Insn => bpfInsn(BPF_ALU | BPF_END | BPF_X, dst, 0, 0, bits);

/** LD IMM64: two records. */
export function ldImm64(dst: number, lo: number, hi: number): [Insn, Insn] {
  return [bpfInsn(BPF_LD | BPF_IMM | BPF_DW, dst, 0, 0, lo), bpfInsn(0, 0, 0, 0, hi)];
}

// Memory
export const ldxMem = (size: number, dst: number, src: number, off: number): Insn => bpfInsn(BPF_LDX | BPF_MEM | codePart('ldxMem', 'size', size), dst, src, off, 0);
export const stxMem = (size: number, dst: number, src: number, off: number): Insn => bpfInsn(BPF_STX | BPF_MEM | codePart('stxMem', 'size', size), dst, src, off, 0);
export const stMem = (size: number, dst: number, off: number, imm: number): Insn => bpfInsn(BPF_ST | BPF_MEM | codePart('stMem', 'size', size), dst, 0, off, imm);
/** Legacy packet loads: R0 = big-endian load from the packet of the context in R6. */
export const ldAbs = (size: number, imm: number): Insn => bpfInsn(BPF_LD | BPF_ABS | codePart('ldAbs', 'size', size), 0, 0, 0, imm);
export const ldInd = (size: number, src: number, imm: number): Insn => bpfInsn(BPF_LD | BPF_IND | codePart('ldInd', 'size', size), 0, src, 0, imm);

// Jumps
export const jmpImm = (op: number, dst: number, imm: number, off: number): Insn => bpfInsn(BPF_JMP | codePart('jmpImm', 'op', op) | BPF_K, dst, 0, off, imm);
export const jmpReg = (op: number, dst: number, src: number, off: number): Insn => bpfInsn(BPF_JMP | codePart('jmpReg', 'op', op) | BPF_X, dst, src, off, 0);
export const jmp32Imm = (op: number, dst: number, imm: number, off: number): Insn => bpfInsn(BPF_JMP32 | codePart('jmp32Imm', 'op', op) | BPF_K, dst, 0, off, imm);
export const ja = (off: number): Insn => bpfInsn(BPF_JMP | BPF_JA, 0, 0, off, 0);
export const call = (helper: number): Insn => bpfInsn(BPF_JMP | BPF_CALL, 0, 0, 0, helper);
export const exit = (): Insn => bpfInsn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

/**
 * Where a jump or local call at `pc` sends control, or null for anything else: pc + 1 + off,
 * or + imm for JMP32 JA (the long jump) and BPF-to-BPF calls.
 */
export function branchTarget(i: Insn, pc: number): number | null {
  if (!isInsn(i)) checkInsnShape('branchTarget', 'i', i);
  if (!Number.isSafeInteger(pc) || pc < 0) checkInteger('branchTarget', 'pc', pc, 0, Number.MAX_SAFE_INTEGER);
  const cls = bpfClass(i.code);
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return null;
  const op = bpfOp(i.code);
  if (op === BPF_EXIT) return null;
  if (op === BPF_CALL) return cls === BPF_JMP && i.src === BPF_PSEUDO_CALL && !(i.code & BPF_X) ? pc + i.imm + 1 : null;
  if (op === BPF_JA && cls === BPF_JMP32) return pc + i.imm + 1;
  return pc + i.off + 1;
}

/**
 * Marks the slots that are the second half of an LD IMM64 (1), read in order from the
 * first instruction, the way the verifier and the engines pair them.
 */
export function ldImm64Tails(prog: Program): Uint8Array {
  checkProgramShape('ldImm64Tails', prog);
  const tails = new Uint8Array(prog.length);
  for (let pc = 0; pc < prog.length; pc++) {
    if (isLdImm64(prog[pc]!) && pc + 1 < prog.length && prog[pc + 1]!.code === 0) tails[++pc] = 1;
  }
  return tails;
}
