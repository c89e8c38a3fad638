/**
 * The abstract machine state of step 2, packed in one Int32Array so that forking a path is a
 * single `slice()` and comparing states is a loop over integers.
 *
 * Each register holds a kind and two 32-bit words:
 *   NOT_INIT  unreadable; lo = pc + 1 of the call / LD_ABS that clobbered it, 0 if never written
 *   SCALAR    some number
 *   CONST     the number hi:lo (64 bits)
 *   PTR_CTX   pointer into the context, lo = offset
 *   PTR_STACK pointer into the stack, lo = offset from the frame pointer (R10 is PTR_STACK 0)
 *   PTR_MEM   pointer into the caller's memory region, lo = offset
 * The stack keeps one "initialised" bit per byte and, per aligned 8-byte slot, the register
 * value an 8-byte store spilled there (so pointers and constants survive a spill and fill).
 * Only the bottom `depth` bytes the program can touch are modelled.
 */
import { hex64Short } from '../hex.js';

export const NOT_INIT = 0;
export const SCALAR = 1;
export const CONST = 2;
export const PTR_CTX = 3;
export const PTR_STACK = 4;
export const PTR_MEM = 5;

export const isPointer = (kind: number): boolean => kind >= PTR_CTX;
export const isScalar = (kind: number): boolean => kind === SCALAR || kind === CONST;

export const NREGS = 11;
export const KIND = 0;
export const LO = NREGS;
export const HI = 2 * NREGS;
const REGS_END = 3 * NREGS;

/** Where each part of the stack lives in a state array, for a stack `depth` bytes deep. */
export class StateLayout {
  readonly initAt = REGS_END;
  readonly initWords: number;
  readonly slots: number;
  readonly spillKindAt: number;
  readonly spillLoAt: number;
  readonly spillHiAt: number;
  readonly size: number;

  /** `depth`: bytes below the frame pointer that are modelled, a multiple of 32 up to 512. */
  constructor(readonly depth: number) {
    this.initWords = depth >> 5;
    this.slots = depth >> 3;
    this.spillKindAt = this.initAt + this.initWords;
    this.spillLoAt = this.spillKindAt + this.slots;
    this.spillHiAt = this.spillLoAt + this.slots;
    this.size = this.spillHiAt + this.slots;
  }

  /** Index of the byte at frame offset `off` (negative) in the per-byte bitmap. */
  byteIndex(off: number): number {
    return this.depth + off;
  }
}

export function emptyState(layout: StateLayout): Int32Array {
  return new Int32Array(layout.size);
}

export function setReg(st: Int32Array, r: number, kind: number, lo = 0, hi = 0): void {
  st[KIND + r] = kind;
  st[LO + r] = lo;
  st[HI + r] = hi;
}

export function describeReg(st: Int32Array, r: number): string {
  return describeValue(st[KIND + r]!, st[LO + r]!, st[HI + r]!);
}

export function describeValue(kind: number, lo: number, hi: number): string {
  switch (kind) {
    case NOT_INIT: return 'nothing (uninitialised)';
    case SCALAR: return 'a scalar';
    case CONST: return `the constant ${hi === 0 ? lo >>> 0 : hi === -1 && lo < 0 ? lo : `0x${hex64Short(lo, hi)}`}`;
    case PTR_CTX: return `a context pointer${lo ? ` (offset ${lo})` : ''}`;
    case PTR_STACK: return `a stack pointer (fp${lo < 0 ? lo : `+${lo}`})`;
    case PTR_MEM: return `a memory pointer (offset ${lo})`;
    default: return `kind ${kind}`;
  }
}

/** True when every use of `old` value is also safe for `cur` (old is at least as general). */
function valueCovers(oKind: number, oLo: number, oHi: number, cKind: number, cLo: number, cHi: number): boolean {
  switch (oKind) {
    case NOT_INIT: return true;
    case SCALAR: return cKind === SCALAR || cKind === CONST;
    case CONST: return cKind === CONST && cLo === oLo && cHi === oHi;
    default: return cKind === oKind && cLo === oLo;
  }
}

/**
 * True when `old` subsumes `cur`: every path from this instruction that was safe from `old`
 * is safe from `cur`. Only live registers (bit r of `liveRegs`) and live 4-byte stack chunks
 * (bit c of `liveChunks`, every chunk when null) are compared; R10 never changes.
 */
export function covers(
  layout: StateLayout, old: Int32Array, cur: Int32Array, liveRegs: number, liveChunks: Uint32Array | null, chunkAt: number,
): boolean {
  for (let r = 0; r < NREGS - 1; r++) {
    if (!(liveRegs & (1 << r))) continue;
    if (!valueCovers(old[KIND + r]!, old[LO + r]!, old[HI + r]!, cur[KIND + r]!, cur[LO + r]!, cur[HI + r]!)) return false;
  }
  for (let s = 0; s < layout.slots; s++) {
    // Chunks 2s and 2s+1 make up slot s; a slot's bytes are 8s..8s+7, its init bits one byte of a word.
    let liveMask = 0xff;
    if (liveChunks) {
      const c = 2 * s;
      const bits = (liveChunks[chunkAt + (c >> 5)]! >>> (c & 31)) & 3;
      if (bits === 0) continue;
      liveMask = (bits & 1 ? 0x0f : 0) | (bits & 2 ? 0xf0 : 0);
    }
    const word = layout.initAt + (s >> 2);
    const shift = (s & 3) * 8;
    const oldInit = (old[word]! >>> shift) & liveMask;
    const curInit = (cur[word]! >>> shift) & liveMask;
    if (oldInit & ~curInit) return false;
    const oKind = old[layout.spillKindAt + s]!;
    const cKind = cur[layout.spillKindAt + s]!;
    if (oKind !== NOT_INIT) {
      if (cKind === NOT_INIT) {
        if (oKind !== SCALAR) return false;
      } else if (!valueCovers(
        oKind, old[layout.spillLoAt + s]!, old[layout.spillHiAt + s]!, cKind, cur[layout.spillLoAt + s]!, cur[layout.spillHiAt + s]!,
      )) {
        return false;
      }
    } else if (isPointer(cKind) && oldInit !== 0) {
      // old reads these bytes as plain data; cur would find a pointer there.
      return false;
    }
  }
  return true;
}

/** Forgets every known constant (registers and spills): a more general state, used to stop state explosion. */
export function forgetConstants(layout: StateLayout, st: Int32Array): void {
  for (let r = 0; r < NREGS; r++) {
    if (st[KIND + r] === CONST) setReg(st, r, SCALAR);
  }
  for (let s = 0; s < layout.slots; s++) {
    if (st[layout.spillKindAt + s] === CONST) {
      st[layout.spillKindAt + s] = SCALAR;
      st[layout.spillLoAt + s] = 0;
      st[layout.spillHiAt + s] = 0;
    }
  }
}
