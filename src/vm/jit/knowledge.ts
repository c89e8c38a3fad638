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
import {
  BPF_ADD, BPF_AND, BPF_ARSH, BPF_CMPXCHG, BPF_END, BPF_FETCH, BPF_LSH, BPF_MEM, BPF_MOV, BPF_OR, BPF_RSH, BPF_SUB, BPF_X,
  BPF_XOR, MAX_BPF_REG, R0, R5,
} from '../../ebpf/opcodes.js';
import { OPCODES } from '../../ebpf/opcode-table.js';
import { foldAlu, hiOf, loOf, toBig } from '../../ebpf/fold.js';
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
    for (let r = 0; r < MAX_BPF_REG; r++) { k.lo[r] = this.lo[r] ?? null; k.hi[r] = this.hi[r] ?? null; }
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

/** ALU operations whose known results the code generator folds (fold.ts computes them). */
const FOLDED_32: ReadonlySet<number> = new Set([BPF_ADD, BPF_SUB, BPF_OR, BPF_AND, BPF_XOR]);

/**
 * Updates `k` for the effect of `i` (not for where control goes). Local calls and exits are
 * block ends handled by the caller; here they forget everything.
 */
export function transfer(k: Knowledge, i: Insn, next: Insn | undefined): void {
  const info = OPCODES[i.code]!;
  const op = info.op, isX = info.source === BPF_X, d = i.dst, s = i.src;
  switch (info.kind) {
    case 'lddw': k.set(d, i.imm | 0, (next?.imm ?? 0) | 0); return;
    case 'ldabs': case 'ldind':
      k.set(R0, null, 0);
      if (info.kind === 'ldabs' && i.imm >= 0) {
        const need = i.imm + info.size;
        if (need > k.pkt) k.pkt = need;
      }
      return;
    case 'ldx': // zero-extending loads of less than 8 bytes leave the upper half 0
      k.set(d, null, info.mode === BPF_MEM && info.size !== 8 ? 0 : null);
      return;
    case 'st': case 'stx': return;
    case 'atomic': {
      const w = info.size === 4 ? 0 : null;
      if (i.imm === BPF_CMPXCHG) k.set(R0, null, w);
      else if (i.imm & BPF_FETCH) k.set(s, null, w);
      return;
    }
    case 'alu': case 'neg': case 'end':
      if (info.width === 32) alu32(k, i, op, isX);
      else alu64(k, i, op, isX);
      return;
    case 'call': case 'callx': // only calls change registers among the jumps
      for (let r = R0; r <= R5; r++) k.forget(r);
      return;
    default: return; // ja, jcond, exit
  }
}

/** ALU: the upper half is always 0. */
function alu32(k: Knowledge, i: Insn, op: number, isX: boolean): void {
  const d = i.dst;
  let l: Known = null;
  const a = k.lo[d] ?? null, b = isX ? k.lo[i.src] ?? null : i.imm | 0;
  if (op === BPF_MOV) l = i.off === 0 ? b : null;
  else if (a !== null && b !== null && FOLDED_32.has(op)) l = loOf(foldAlu(op, toBig(a, 0), toBig(b, 0), 32)!);
  if (op === BPF_END && i.imm === 64) {
    // le64 leaves the register alone; be64 swaps both halves.
    if (isX) k.forget(d);
    return;
  }
  if (op === BPF_END && !isX && i.imm === 32) { k.hi[d] = 0; return; }
  k.set(d, l, 0);
}

function alu64(k: Knowledge, i: Insn, op: number, isX: boolean): void {
  const d = i.dst, s = i.src;
  const aL = k.lo[d] ?? null, aH = k.hi[d] ?? null;
  const bL = isX ? k.lo[s] ?? null : i.imm | 0;
  const bH = isX ? k.hi[s] ?? null : i.imm >> 31;
  if (op === BPF_MOV && i.off === 0) { k.set(d, bL, bH); return; }
  if ((op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH) && !isX && (i.imm & 63) === 0) return; // shift by 0
  if (aL !== null && aH !== null && bL !== null && bH !== null && (op === BPF_ADD || op === BPF_SUB)) {
    // Pointer arithmetic: a region tag and an offset plus a constant.
    const v = foldAlu(op, toBig(aL, aH), toBig(bL, bH), 64)!;
    k.set(d, loOf(v), hiOf(v));
    return;
  }
  if (op === BPF_AND && !isX && i.imm >= 0) { k.set(d, null, 0); return; }
  if (op === BPF_END && i.imm !== 64) { k.set(d, null, 0); return; }
  k.forget(d);
}
