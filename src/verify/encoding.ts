/**
 * Encoding rules of the verifier on top of the structural ones every engine shares
 * (src/ebpf/validate.ts: known opcodes, unused fields zero, R10 never written, jump targets
 * inside the program): what Linux's verifier refuses from the immediate alone, and the
 * forms our verifier does not follow.
 */
import {
  BPF_ALU, BPF_ALU64, BPF_ARSH, BPF_CALL, BPF_DIV, BPF_EXIT, BPF_JA, BPF_JMP, BPF_JMP32, BPF_K, BPF_LSH,
  BPF_MOD, BPF_PSEUDO_CALL, BPF_RSH, BPF_X, bpfClass, bpfOp, bpfSrc,
} from '../ebpf/opcodes.js';
import type { Insn } from '../ebpf/insn.js';

/** Why the verifier refuses `i` whatever the registers hold, or undefined. */
export function restrictionProblem(i: Insn): string | undefined {
  const cls = bpfClass(i.code);
  const op = bpfOp(i.code);
  if (cls === BPF_JMP && op === BPF_CALL) {
    if (bpfSrc(i.code) === BPF_X) return 'indirect calls (callx) are not supported';
    if (i.src === BPF_PSEUDO_CALL) return 'BPF-to-BPF calls are not supported';
  }
  if ((cls === BPF_ALU || cls === BPF_ALU64) && bpfSrc(i.code) === BPF_K) {
    if ((op === BPF_DIV || op === BPF_MOD) && i.imm === 0) return 'division by zero';
    if ((op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH) && (i.imm < 0 || i.imm >= (cls === BPF_ALU64 ? 64 : 32))) {
      return `invalid shift ${i.imm}`;
    }
  }
  return undefined;
}

/** True for JMP/JMP32 opcodes that may transfer control to `pc + 1 + off` or fall through. */
export function isConditionalJump(i: Insn): boolean {
  const cls = bpfClass(i.code);
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return false;
  const op = bpfOp(i.code);
  return op !== BPF_JA && op !== BPF_CALL && op !== BPF_EXIT;
}
