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

/**
 * Internal address of the first instruction of each classic pc's expansion, counting
 * `prologue` instructions first; -1 where there is no expansion (unreachable code).
 */
export function layout(expansions: ReadonlyArray<Expansion | undefined>, prologue: number): Int32Array {
  const addrs = new Int32Array(expansions.length).fill(-1);
  let at = prologue;
  expansions.forEach((e, pc) => {
    if (!e) return;
    addrs[pc] = at;
    at += e.insns.length;
  });
  return addrs;
}

/** The expansion of classic `pc` with its jump offsets filled in from `addrs`. */
export function fixJumps(e: Expansion, pc: number, addrs: Int32Array): Insn[] {
  if (e.jumps.length === 0) return e.insns;
  const out = e.insns.slice();
  for (const { at, target } of e.jumps) {
    const to = addrs[target];
    if (to === undefined || to < 0) throw new TranslateError(pc, `jump to ${target}, which is not translated`);
    const off = to - (addrs[pc]! + at + 1);
    if (off < S16_MIN || off > S16_MAX) {
      throw new TranslateError(pc, `jump to ${target} needs an offset of ${off} internal instructions, beyond the 16-bit range of internal jumps`);
    }
    const j = out[at]!;
    out[at] = bpfInsn(j.code, j.dst, j.src, off, j.imm);
  }
  return out;
}
