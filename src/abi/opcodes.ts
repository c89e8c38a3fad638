/**
 * Opcode fields shared by classic BPF and internal BPF (Linux's bpf_common.h).
 * The internal set extends these in src/ebpf/opcodes.ts; there is no second table.
 */
import { checkInteger } from '../args.js';

// Instruction classes (low 3 bits of the code).
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06; // classic only; the same bits are JMP32 in internal BPF
export const BPF_MISC = 0x07; // classic only; the same bits are ALU64 in internal BPF

// Load/store sizes.
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;

// Load/store modes.
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_LEN = 0x80;
export const BPF_MSH = 0xa0;

// ALU operations.
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;

// Jump operations.
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;

// Operand source.
export const BPF_K = 0x00;
export const BPF_X = 0x08;

// Classic RET source and MISC operations.
export const BPF_A = 0x10;
export const BPF_TAX = 0x00;
export const BPF_TXA = 0x80;

/** The code the field accessors take apart: an integer (ArgumentError from `fn` otherwise). */
function codeArg(fn: string, code: number): number {
  return Number.isInteger(code) ? code : checkInteger(fn, 'code', code, -Infinity, Infinity);
}

export const bpfClass = (code: number): number => codeArg('bpfClass', code) & 0x07;
export const bpfSize = (code: number): number => codeArg('bpfSize', code) & 0x18;
export const bpfMode = (code: number): number => codeArg('bpfMode', code) & 0xe0;
export const bpfOp = (code: number): number => codeArg('bpfOp', code) & 0xf0;
export const bpfSrc = (code: number): number => codeArg('bpfSrc', code) & 0x08;
export const bpfRval = (code: number): number => codeArg('bpfRval', code) & 0x18;
export const bpfMiscOp = (code: number): number => codeArg('bpfMiscOp', code) & 0xf8;

/** Classic limits (include/uapi/linux/filter.h, bpf_common.h). */
export const BPF_MAXINSNS = 4096;
export const BPF_MEMWORDS = 16;

/** Ancillary and negative-offset areas of LD ABS/IND (include/uapi/linux/filter.h). */
export const SKF_AD_OFF = -0x1000;
export const SKF_NET_OFF = -0x100000;
export const SKF_LL_OFF = -0x200000;

export const SKF_AD = {
  PROTOCOL: 0,
  PKTTYPE: 4,
  IFINDEX: 8,
  NLATTR: 12,
  NLATTR_NEST: 16,
  MARK: 20,
  QUEUE: 24,
  HATYPE: 28,
  RXHASH: 32,
  CPU: 36,
  ALU_XOR_X: 40,
  VLAN_TAG: 44,
  VLAN_TAG_PRESENT: 48,
  PAY_OFFSET: 52,
  RANDOM: 56,
  VLAN_TPID: 60,
} as const;
export const SKF_AD_MAX = 64;
export type AncillaryName = keyof typeof SKF_AD;

/** The ancillary field a classic k addresses, or undefined when k is not in the SKF_AD area. */
export function ancillaryOf(k: number): AncillaryName | undefined {
  checkInteger('ancillaryOf', 'k', k, -0x80000000, 0xffffffff);
  const off = (k | 0) - SKF_AD_OFF;
  if ((k | 0) < SKF_AD_OFF || off >= SKF_AD_MAX) return undefined;
  for (const [name, v] of Object.entries(SKF_AD)) if (v === off) return name as AncillaryName;
  return undefined;
}
