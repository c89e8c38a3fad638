/**
 * What one classic instruction becomes before jump offsets are known: internal
 * instructions, plus the jumps among them whose offsets the fix-up pass fills in.
 */
import type { Insn } from '../ebpf/insn.js';

export interface PendingJump {
  /** Index of the jump within `insns`. */
  readonly at: number;
  /** Classic pc the jump goes to. */
  readonly target: number;
}

export interface Expansion {
  readonly insns: Insn[];
  readonly jumps: PendingJump[];
  /** Helper ids the expansion calls. */
  readonly helpers: number[];
}

export const expansion = (insns: Insn[], jumps: PendingJump[] = [], helpers: number[] = []): Expansion => ({ insns, jumps, helpers });
