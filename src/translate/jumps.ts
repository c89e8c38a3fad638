/**
 * Layout and jump fix-up. Every expansion's length is known before any offset is (it
 * depends only on the classic instruction), so one layout pass gives each classic pc its
 * internal address, and one fix-up pass turns classic targets into pc-relative offsets.
 */
import { bpfInsn, type Insn } from '../ebpf/insn.js';
import { TranslateError } from '../errors.js';
import type { Expansion } from './expansion.js';

const S16_MIN = -0x8000;
const S16_MAX = 0x7fff;

/** Whether a pc-relative offset fits the 16-bit `off` field of an internal jump. */
export const fitsJumpOffset = (off: number): boolean => off >= S16_MIN && off <= S16_MAX;

/**
 * The offset of a jump at index `at` of classic `pc`'s expansion to the first instruction of
 * classic `target`, given each classic pc's internal address.
 */
export const jumpOffset = (addrs: Int32Array, pc: number, at: number, target: number): number => addrs[target]! - (addrs[pc]! + at + 1);

/**
 * Internal address of the first instruction of each classic pc's expansion, counting
 * `prologue` instructions first, from the expansions' lengths; -1 where the length is
 * negative (no expansion: unreachable code).
 */
export function layout(lengths: ArrayLike<number>, prologue: number): Int32Array {
  const addrs = new Int32Array(lengths.length).fill(-1);
  let at = prologue;
  for (let pc = 0; pc < lengths.length; pc++) {
    const n = lengths[pc]!;
    if (n < 0) continue;
    addrs[pc] = at;
    at += n;
  }
  return addrs;
}

/** The expansion of classic `pc` with its jump offsets filled in from `addrs`. */
export function fixJumps(e: Expansion, pc: number, addrs: Int32Array): Insn[] {
  if (e.jumps.length === 0) return e.insns;
  const out = e.insns.slice();
  for (const { at, target } of e.jumps) {
    const to = addrs[target];
    if (to === undefined || to < 0) throw new TranslateError(pc, `jump to ${target}, which is not translated`);
    const off = jumpOffset(addrs, pc, at, target);
    if (!fitsJumpOffset(off)) {
      throw new TranslateError(pc, `jump to ${target} needs an offset of ${off} internal instructions, beyond the 16-bit range of internal jumps`);
    }
    const j = out[at]!;
    out[at] = bpfInsn(j.code, j.dst, j.src, off, j.imm);
  }
  return out;
}
