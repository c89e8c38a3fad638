// replaced by the bpfopt branch at merge
import type { ClassicInsn } from '../../classic/insn.js';

export function optimizeClassic(prog: readonly ClassicInsn[]): ClassicInsn[] {
  return [...prog];
}
