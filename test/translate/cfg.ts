/**
 * Structural checks of internal programs the Linux verifier also makes in check_cfg:
 * every instruction reachable from the first, jumps inside the program, no fall-through
 * off the end, LD IMM64 pairs intact. Returns the problems found (empty when fine).
 */
import { BPF_CALL, BPF_EXIT, BPF_JA, BPF_JMP, BPF_JMP32, bpfClass, bpfOp } from '../../src/ebpf/opcodes.js';
import { type Program, isLdImm64 } from '../../src/ebpf/insn.js';

export function structuralProblems(prog: Program): string[] {
  const problems: string[] = [];
  const seen = new Uint8Array(prog.length);
  const stack = [0];
  const width = (pc: number): number => (isLdImm64(prog[pc]!) ? 2 : 1);
  const go = (from: number, to: number): void => {
    if (to < 0 || to >= prog.length) problems.push(`insn ${from}: jumps or falls to ${to}, outside the program`);
    else if (!seen[to]) { seen[to] = 1; stack.push(to); }
  };
  seen[0] = 1;
  while (stack.length) {
    const pc = stack.pop()!;
    const i = prog[pc]!;
    const cls = bpfClass(i.code);
    if (cls === BPF_JMP || cls === BPF_JMP32) {
      const op = bpfOp(i.code);
      if (op === BPF_EXIT) continue;
      if (op === BPF_CALL) { go(pc, pc + 1); continue; }
      if (op === BPF_JA) { go(pc, pc + 1 + (cls === BPF_JMP32 ? i.imm : i.off)); continue; }
      go(pc, pc + 1);
      go(pc, pc + 1 + i.off);
      continue;
    }
    go(pc, pc + width(pc));
  }
  for (let pc = 0; pc < prog.length; pc++) {
    if (isLdImm64(prog[pc]!)) { pc++; continue; }
    if (!seen[pc]) problems.push(`insn ${pc}: unreachable`);
  }
  return problems;
}
