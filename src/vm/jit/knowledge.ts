/**
 * What the JIT knows at compile time at a program point: register halves that hold a known
 * int32 (a constant, a pointer's region tag, the zero upper half of a 32-bit result), and a
 * packet length the run has already proven (an earlier LD ABS that succeeded). The code
 * generator folds known halves into literals and drops the bounds checks they make
 * redundant; the variables are still written, so a half that becomes unknown at a join
 * reads the right value.
 *
 * Soundness matters more than reach: the transfer function only claims what the
 * instruction's semantics guarantee on every execution.
 */
import type { Insn } from '../../ebpf/insn.js';
import { MAX_BPF_REG } from '../../ebpf/opcodes.js';
import { REGION_BASE, REGION_CTX, REGION_MEM, REGION_STACK, STACK_BYTES } from '../memory.js';

/** `null`: unknown. Values are int32. */
export type Known = number | null;

export class Knowledge {
  readonly lo: Known[] = new Array<Known>(MAX_BPF_REG).fill(null);
  readonly hi: Known[] = new Array<Known>(MAX_BPF_REG).fill(null);
  /** The packet is known to have at least this many bytes. */
  pkt = 0;

  clone(): Knowledge {
    const k = new Knowledge();
    for (let r = 0; r < MAX_BPF_REG; r++) { k.lo[r] = this.lo[r]; k.hi[r] = this.hi[r]; }
    k.pkt = this.pkt;
    return k;
  }

  /** Meets `other` into this (what holds on both paths); true if this changed. */
  join(other: Knowledge): boolean {
    let changed = false;
    for (let r = 0; r < MAX_BPF_REG; r++) {
      if (this.lo[r] !== null && this.lo[r] !== other.lo[r]) { this.lo[r] = null; changed = true; }
      if (this.hi[r] !== null && this.hi[r] !== other.hi[r]) { this.hi[r] = null; changed = true; }
    }
    if (other.pkt < this.pkt) { this.pkt = other.pkt; changed = true; }
    return changed;
  }

  set(r: number, l: Known, h: Known): void {
    this.lo[r] = l;
    this.hi[r] = h;
  }

  forget(r: number): void {
    this.set(r, null, null);
  }
}

export type Variant = 'ctx' | 'mem';

/**
 * Registers on entry (the interpreter's entry state): R1 points at the context, or at the
 * caller memory (then R2 holds its unknown length); R10 at the top of the stack; the rest 0.
 */
export function entryKnowledge(variant: Variant): Knowledge {
  const k = new Knowledge();
  for (let r = 0; r < MAX_BPF_REG; r++) k.set(r, 0, 0);
  k.set(1, REGION_BASE, variant === 'mem' ? REGION_MEM : REGION_CTX);
  if (variant === 'mem') k.lo[2] = null;
  k.set(10, REGION_BASE + STACK_BYTES, REGION_STACK);
  return k;
}

/** The 64-bit add of int32 halves, as halves; used to follow pointer arithmetic. */
function add64(aLo: number, aHi: number, bLo: number, bHi: number): [number, number] {
  const s = (aLo >>> 0) + (bLo >>> 0);
  return [s | 0, (aHi + bHi + (s > 0xffffffff ? 1 : 0)) | 0];
}
function sub64(aLo: number, aHi: number, bLo: number, bHi: number): [number, number] {
  const d = (aLo >>> 0) - (bLo >>> 0);
  return [d | 0, (aHi - bHi - (d < 0 ? 1 : 0)) | 0];
}

/**
 * Updates `k` for the effect of `i` (not for where control goes). Local calls and exits are
 * block ends handled by the caller; here they forget everything.
 */
export function transfer(k: Knowledge, i: Insn, next: Insn | undefined): void {
  const c = i.code, cls = c & 7, op = c & 0xf0, isX = (c & 8) !== 0, d = i.dst, s = i.src;
  switch (cls) {
    case 0: // LD
      if (c === 0x18) { k.set(d, i.imm | 0, (next?.imm ?? 0) | 0); return; }
      k.set(0, null, 0);
      if ((c & 0xe0) === 0x20 && i.imm >= 0) {
        const need = i.imm + (c === 0x20 ? 4 : c === 0x28 ? 2 : 1);
        if (need > k.pkt) k.pkt = need;
      }
      return;
    case 1: // LDX
      k.set(d, null, (c & 0xe0) === 0x60 && (c & 0x18) !== 0x18 ? 0 : null);
      return;
    case 2: return;
    case 3:
      if ((c & 0xe0) === 0xc0) {
        const w = (c & 0x18) === 0 ? 0 : null;
        if (i.imm === 0xf1) k.set(0, null, w);
        else if (i.imm & 1) k.set(s, null, w);
      }
      return;
    case 4: { // ALU: the upper half is always 0
      let l: Known = null;
      const a = k.lo[d], b = isX ? k.lo[s] : i.imm | 0;
      if (op === 0xb0) l = i.off === 0 ? b : null;
      else if (a !== null && b !== null) {
        if (op === 0x00) l = (a + b) | 0;
        else if (op === 0x10) l = (a - b) | 0;
        else if (op === 0x40) l = a | b;
        else if (op === 0x50) l = a & b;
        else if (op === 0xa0) l = a ^ b;
      }
      if (op === 0xd0 && i.imm === 64) {
        // le64 leaves the register alone; be64 swaps both halves.
        if (isX) k.forget(d);
        return;
      }
      if (op === 0xd0 && !isX && i.imm === 32) { k.hi[d] = 0; return; }
      k.set(d, l, 0);
      return;
    }
    case 7: { // ALU64
      const aL = k.lo[d], aH = k.hi[d];
      const bL = isX ? k.lo[s] : i.imm | 0;
      const bH = isX ? k.hi[s] : i.imm >> 31;
      if (op === 0xb0 && i.off === 0) { k.set(d, bL, bH); return; }
      if ((op === 0x60 || op === 0x70 || op === 0xc0) && !isX && (i.imm & 63) === 0) return; // shift by 0
      if (aL !== null && aH !== null && bL !== null && bH !== null && (op === 0x00 || op === 0x10)) {
        const [l, h] = op === 0x00 ? add64(aL, aH, bL, bH) : sub64(aL, aH, bL, bH);
        k.set(d, l, h);
        return;
      }
      if (op === 0x50 && !isX && i.imm >= 0) { k.set(d, null, 0); return; }
      if (op === 0xd0 && i.imm !== 64) { k.set(d, null, 0); return; }
      k.forget(d);
      return;
    }
    default: // JMP, JMP32: only calls change registers
      if (op === 0x80) for (let r = 0; r <= 5; r++) k.forget(r);
      return;
  }
}
