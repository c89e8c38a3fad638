/**
 * Arithmetic on known constants: the one constant folder, for the verifier (which branches a
 * path can take) and the JIT's compile-time knowledge (src/vm/jit/knowledge.ts). Never on a
 * hot path, so BigInt is fine. It must agree exactly with RFC 9669: an operation we are not
 * sure about returns undefined and the result is simply not known.
 */
import {
  BPF_ADD, BPF_AND, BPF_ARSH, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT, BPF_JNE, BPF_JSET, BPF_JSGE,
  BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_LSH, BPF_MUL, BPF_NEG, BPF_OR, BPF_RSH, BPF_SUB, BPF_XOR,
} from './opcodes.js';

const M64 = (1n << 64n) - 1n;

export const toBig = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
export const loOf = (v: bigint): number => Number(v & 0xffffffffn) | 0;
export const hiOf = (v: bigint): number => Number((v >> 32n) & 0xffffffffn) | 0;

/**
 * `dst op src` for the ALU operations that fold simply; `bits` is 32 (ALU, result
 * zero-extended) or 64 (ALU64). Operands are raw 64-bit patterns; for 32-bit operations
 * only their low halves count. Returns undefined for operations left unfolded.
 */
export function foldAlu(op: number, dst: bigint, src: bigint, bits: 32 | 64): bigint | undefined {
  const mask = bits === 64 ? M64 : 0xffffffffn;
  const a = dst & mask;
  const b = src & mask;
  const shift = b & BigInt(bits - 1); // register shift amounts are masked; K shifts were range-checked
  switch (op) {
    case BPF_ADD: return (a + b) & mask;
    case BPF_SUB: return (a - b) & mask;
    case BPF_MUL: return (a * b) & mask;
    case BPF_OR: return a | b;
    case BPF_AND: return a & b;
    case BPF_XOR: return a ^ b;
    case BPF_LSH: return (a << shift) & mask;
    case BPF_RSH: return a >> shift;
    case BPF_ARSH: return BigInt.asUintN(bits, BigInt.asIntN(bits, a) >> shift);
    case BPF_NEG: return (-a) & mask;
    default: return undefined;
  }
}

/** Sign-extends the low `from` bits of `v` to `bits` bits (MOVSX). */
export function signExtend(v: bigint, from: number, bits: 32 | 64): bigint {
  return BigInt.asUintN(bits, BigInt.asIntN(from, v));
}

/** Whether a conditional jump with both operands known is taken; `bits` 64 (JMP) or 32 (JMP32). */
export function jumpTaken(op: number, dst: bigint, src: bigint, bits: 32 | 64): boolean {
  const ua = BigInt.asUintN(bits, dst), ub = BigInt.asUintN(bits, src);
  const sa = BigInt.asIntN(bits, dst), sb = BigInt.asIntN(bits, src);
  switch (op) {
    case BPF_JEQ: return ua === ub;
    case BPF_JNE: return ua !== ub;
    case BPF_JGT: return ua > ub;
    case BPF_JGE: return ua >= ub;
    case BPF_JLT: return ua < ub;
    case BPF_JLE: return ua <= ub;
    case BPF_JSGT: return sa > sb;
    case BPF_JSGE: return sa >= sb;
    case BPF_JSLT: return sa < sb;
    case BPF_JSLE: return sa <= sb;
    case BPF_JSET: return (ua & ub) !== 0n;
    default: throw new Error(`jumpTaken: not a conditional jump op 0x${op.toString(16)}`);
  }
}
