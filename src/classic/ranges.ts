/**
 * Which indirect packet loads ([x + k]) may address below offset 0. Linux adds X and k in 32
 * bits and reads the sum as signed, so with X = 0xfff00000 even `ldb [x + 0]` is a load from
 * the network header (SKF_NET_OFF), and from the link header further down (SKF_LL_OFF). A
 * replay needs the packet's link metadata only if some load can land there.
 *
 * One forward pass (classic jumps only go forward) bounds A, X and M[] as unsigned intervals,
 * joined where paths meet; what the pass cannot bound is [0, 2^32 - 1]. The answer errs only
 * toward "may": a program the checker would refuse (a backward or outside jump, which libpcap
 * runs; an unknown code; M[16]) gets "may" for every indirect load.
 */
import { type ClassicInsn, type ClassicProgram, classicForm, classicSuccessors } from './insn.js';
import {
  BPF_ADD, BPF_AND, BPF_DIV, BPF_LSH, BPF_MEMWORDS, BPF_MOD, BPF_MUL, BPF_OR, BPF_RSH, BPF_SUB, BPF_XOR, ancillaryOf, bpfOp,
} from '../abi/opcodes.js';

const U32_MAX = 0xffffffff;
const TWO_31 = 0x80000000;
const TWO_32 = 0x100000000;

// A state holds [lo, hi] pairs for A, X, then M[0..15].
const A = 0, X = 1, M = 2;
const SLOTS = M + BPF_MEMWORDS;
type State = Float64Array;

const lo = (s: State, r: number): number => s[2 * r]!;
const hi = (s: State, r: number): number => s[2 * r + 1]!;
function set(s: State, r: number, l: number, h: number): void {
  if (l < 0 || h > U32_MAX) { l = 0; h = U32_MAX; } // wrapped: anything
  s[2 * r] = l;
  s[2 * r + 1] = h;
}

/** The smallest all-ones value at least v: a bound on OR and XOR of values up to v. */
function ones(v: number): number {
  let m = 0;
  while (m < v) m = m * 2 + 1;
  return m;
}

/** A op= [bl, bh] (32-bit classic ALU); a division or modulo by 0 ends the filter, so divisors start at 1. */
function alu(s: State, op: number, bl: number, bh: number): void {
  const al = lo(s, A), ah = hi(s, A);
  switch (op) {
    case BPF_ADD: return set(s, A, al + bl, ah + bh);
    case BPF_SUB: return set(s, A, al - bh, ah - bl);
    case BPF_MUL: return set(s, A, al * bl, ah * bh);
    case BPF_DIV: return set(s, A, Math.floor(al / Math.max(bh, 1)), Math.floor(ah / Math.max(bl, 1)));
    case BPF_MOD: return set(s, A, 0, Math.min(ah, Math.max(bh, 1) - 1));
    case BPF_AND: return set(s, A, 0, Math.min(ah, bh));
    case BPF_OR: return set(s, A, Math.max(al, bl), ones(Math.max(ah, bh)));
    case BPF_XOR: return set(s, A, 0, ones(Math.max(ah, bh)));
    case BPF_LSH: // Linux shifts by the low 5 bits of X
      return bl === bh ? set(s, A, al * 2 ** (bl & 31), ah * 2 ** (bl & 31)) : set(s, A, 0, U32_MAX);
    case BPF_RSH:
      return bl === bh ? set(s, A, Math.floor(al / 2 ** (bl & 31)), Math.floor(ah / 2 ** (bl & 31))) : set(s, A, 0, ah);
    default: return set(s, A, 0, U32_MAX);
  }
}

/** Whether the pass can follow `i`: one of the 49 codes, with an M[] index that exists. */
function followable(i: ClassicInsn): boolean {
  const kind = classicForm(i.code)?.kind;
  if (kind === undefined) return false;
  return !(kind === 'ld-mem' || kind === 'ldx-mem' || kind === 'st' || kind === 'stx') || i.k < BPF_MEMWORDS;
}

/** The state after `i` runs (when its loads succeed: a failed load ends the filter). */
function step(s: State, i: ClassicInsn): void {
  const f = classicForm(i.code)!;
  const k = i.k >>> 0;
  switch (f.kind) {
    case 'ld-imm': return set(s, A, k, k);
    case 'ldx-imm': return set(s, X, k, k);
    case 'ld-abs':
      if (ancillaryOf(i.k) !== undefined) return set(s, A, 0, U32_MAX);
      return set(s, A, 0, 2 ** (8 * f.width) - 1);
    case 'ld-ind': return set(s, A, 0, 2 ** (8 * f.width) - 1);
    case 'ld-len': return set(s, A, 0, U32_MAX);
    case 'ldx-len': return set(s, X, 0, U32_MAX);
    case 'ldx-msh': return set(s, X, 0, 60);
    case 'ld-mem': return set(s, A, lo(s, M + k), hi(s, M + k));
    case 'ldx-mem': return set(s, X, lo(s, M + k), hi(s, M + k));
    case 'st': return set(s, M + k, lo(s, A), hi(s, A));
    case 'stx': return set(s, M + k, lo(s, X), hi(s, X));
    case 'tax': return set(s, X, lo(s, A), hi(s, A));
    case 'txa': return set(s, A, lo(s, X), hi(s, X));
    case 'alu-k': return alu(s, bpfOp(i.code), k, k);
    case 'alu-x': return alu(s, bpfOp(i.code), lo(s, X), hi(s, X));
    case 'neg': return set(s, A, 0, U32_MAX);
    default: return undefined; // jumps and returns change no register
  }
}

/** Whether some value in [l, h] (an exact sum, possibly outside 32 bits) is negative as a signed 32-bit number. */
function mayBeNegative32(l: number, h: number): boolean {
  for (let m = -1; m <= 1; m++) {
    if (l <= (m + 1) * TWO_32 - 1 && h >= m * TWO_32 + TWO_31) return true;
  }
  return false;
}

/** The pcs of the reachable indirect loads whose offset X + k may be negative when they run. */
export function indirectLoadsBelowZero(prog: ClassicProgram): number[] {
  const len = prog.length;
  const indirect = prog.flatMap((i, pc) => (classicForm(i.code)?.kind === 'ld-ind' ? [pc] : []));
  if (indirect.length === 0) return [];
  const states: Array<State | undefined> = new Array(len);
  const start = new Float64Array(2 * SLOTS);
  for (let r = M; r < SLOTS; r++) set(start, r, 0, U32_MAX); // A = X = 0; M[] unknown
  states[0] = start;
  const found: number[] = [];
  for (let pc = 0; pc < len; pc++) {
    const s = states[pc];
    if (!s) continue; // unreachable
    const i = prog[pc]!;
    if (!followable(i)) return indirect; // the checker would refuse it; claim nothing
    if (classicForm(i.code)!.kind === 'ld-ind' && mayBeNegative32(lo(s, X) + (i.k | 0), hi(s, X) + (i.k | 0))) found.push(pc);
    step(s, i);
    for (const next of classicSuccessors(prog, pc)) {
      if (next <= pc || next >= len) return indirect;
      const t = states[next];
      if (!t) {
        states[next] = s.slice();
        continue;
      }
      for (let r = 0; r < SLOTS; r++) {
        t[2 * r] = Math.min(t[2 * r]!, s[2 * r]!);
        t[2 * r + 1] = Math.max(t[2 * r + 1]!, s[2 * r + 1]!);
      }
    }
    states[pc] = undefined; // classic jumps go forward: no one comes back here
  }
  return found;
}
