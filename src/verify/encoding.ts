/**
 * Encoding rules of the verifier on top of the structural ones every engine shares
 * (src/ebpf/validate.ts: known opcodes, unused fields zero, R10 never written, jump targets
 * inside the program): what Linux's verifier refuses from the immediate alone, and the
 * forms our verifier does not follow.
 */
import { BPF_ARSH, BPF_DIV, BPF_K, BPF_LSH, BPF_MOD, BPF_PSEUDO_CALL, BPF_RSH } from '../ebpf/opcodes.js';
import { OPCODES } from '../ebpf/opcode-table.js';
import type { Insn } from '../ebpf/insn.js';

/** Why the verifier refuses `i` whatever the registers hold, or undefined. */
export function restrictionProblem(i: Insn): string | undefined {
  const info = OPCODES[i.code]!;
  const op = info.op;
  if (info.kind === 'callx') return 'indirect calls (callx) are not supported';
  if (info.kind === 'call' && i.src === BPF_PSEUDO_CALL) return 'BPF-to-BPF calls are not supported';
  if (info.kind === 'alu' && info.source === BPF_K) {
    if ((op === BPF_DIV || op === BPF_MOD) && i.imm === 0) return 'division by zero';
    if ((op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH) && (i.imm < 0 || i.imm >= info.width)) {
      return `invalid shift ${i.imm}`;
    }
  }
  return undefined;
}
