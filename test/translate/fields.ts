/**
 * Fields an internal instruction does not use must be zero (the Linux verifier rejects
 * "reserved fields"). Returns the name of the first non-zero unused field, or undefined.
 */
import {
  BPF_ABS, BPF_ALU, BPF_ALU64, BPF_CALL, BPF_END, BPF_EXIT, BPF_IND, BPF_JA, BPF_JMP, BPF_JMP32, BPF_LD,
  BPF_LDX, BPF_NEG, BPF_ST, BPF_STX, BPF_X, bpfClass, bpfMode, bpfOp,
} from '../../src/ebpf/opcodes.js';
import type { Insn } from '../../src/ebpf/insn.js';

export function nonZeroUnusedField(i: Insn): string | undefined {
  const isX = (i.code & BPF_X) === BPF_X;
  const op = bpfOp(i.code);
  const check = (fields: Array<keyof Insn>): string | undefined => fields.find((f) => i[f] !== 0);
  switch (bpfClass(i.code)) {
    case BPF_ALU: case BPF_ALU64:
      if (op === BPF_NEG) return check(['src', 'off', 'imm']);
      if (op === BPF_END) return check(['src', 'off']);
      return isX ? check(['off', 'imm']) : check(['src', 'off']);
    case BPF_JMP: case BPF_JMP32:
      if (op === BPF_EXIT) return check(['dst', 'src', 'off', 'imm']);
      if (op === BPF_CALL) return check(['dst', 'src', 'off']);
      if (op === BPF_JA) return check(['dst', 'src', 'imm']);
      return isX ? check(['imm']) : check(['src']);
    case BPF_LD:
      if (bpfMode(i.code) === BPF_ABS) return check(['dst', 'src', 'off']);
      if (bpfMode(i.code) === BPF_IND) return check(['dst', 'off']);
      return undefined;
    case BPF_LDX: case BPF_STX: return check(['imm']);
    case BPF_ST: return check(['src']);
  }
  return undefined;
}
