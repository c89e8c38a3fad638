/**
 * Internal BPF (eBPF, RFC 9669) opcode fields. The fields shared with classic BPF come
 * from src/abi/opcodes.ts; this file adds only what internal BPF introduced.
 */
export {
  BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_JMP,
  BPF_W, BPF_H, BPF_B, BPF_IMM, BPF_ABS, BPF_IND, BPF_MEM,
  BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR,
  BPF_JA, BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_K, BPF_X,
  bpfClass, bpfSize, bpfMode, bpfOp, bpfSrc,
} from '../abi/opcodes.js';
import { BPF_ADD, BPF_AND, BPF_OR, BPF_XOR } from '../abi/opcodes.js';

// Classes that reuse classic RET/MISC bits.
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

export const BPF_DW = 0x18;
export const BPF_MEMSX = 0x80;
export const BPF_ATOMIC = 0xc0;

export const BPF_MOV = 0xb0;
export const BPF_ARSH = 0xc0;
export const BPF_END = 0xd0;
/** END source bit: TO_LE (0x00) or TO_BE (0x08); in ALU64 class it is the unconditional bswap. */
export const BPF_TO_LE = 0x00;
export const BPF_TO_BE = 0x08;

export const BPF_JNE = 0x50;
export const BPF_JSGT = 0x60;
export const BPF_JSGE = 0x70;
export const BPF_CALL = 0x80;
export const BPF_EXIT = 0x90;
export const BPF_JLT = 0xa0;
export const BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0;
export const BPF_JSLE = 0xd0;

/** Atomic operation codes carried in imm. */
export const BPF_FETCH = 0x01;
export const BPF_XCHG = 0xe0 | BPF_FETCH;
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;

/** The ALU operations STX|ATOMIC applies (imm, with or without BPF_FETCH). */
export const ATOMIC_ALU_OPS: readonly number[] = [BPF_ADD, BPF_OR, BPF_AND, BPF_XOR];

/** CALL src values: helper by id, BPF-to-BPF call by pc-relative imm, kernel function (kfunc) by BTF id. */
export const BPF_PSEUDO_CALL = 1;
export const BPF_PSEUDO_KFUNC_CALL = 2;

export const R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;
export const R6 = 6, R7 = 7, R8 = 8, R9 = 9, R10 = 10;
export const MAX_BPF_REG = 11;
export const MAX_BPF_STACK = 512;
/** The kernel verifier's limit on program length (BPF_COMPLEXITY_LIMIT_INSNS). */
export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;

/** Operation names, shared by the assembler, disassembler and verifier messages. */
export const ALU_OP_NAMES: Readonly<Record<number, string>> = {
  0x00: 'add', 0x10: 'sub', 0x20: 'mul', 0x30: 'div', 0x40: 'or', 0x50: 'and',
  0x60: 'lsh', 0x70: 'rsh', 0x80: 'neg', 0x90: 'mod', 0xa0: 'xor', 0xb0: 'mov',
  0xc0: 'arsh', 0xd0: 'end',
};
export const JMP_OP_NAMES: Readonly<Record<number, string>> = {
  0x00: 'ja', 0x10: 'jeq', 0x20: 'jgt', 0x30: 'jge', 0x40: 'jset', 0x50: 'jne',
  0x60: 'jsgt', 0x70: 'jsge', 0x80: 'call', 0x90: 'exit', 0xa0: 'jlt', 0xb0: 'jle',
  0xc0: 'jslt', 0xd0: 'jsle',
};
export const SIZE_BYTES: Readonly<Record<number, 1 | 2 | 4 | 8>> = { 0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8 };
/** Size suffixes, as mnemonics spell them (`ldxw`, `stxdw`). */
export const SIZE_NAMES: Readonly<Record<number, string>> = { 0x00: 'w', 0x08: 'h', 0x10: 'b', 0x18: 'dw' };
