/**
 * Sets of 32-bit unsigned values, as the comparisons of a classic program carve them out:
 * a union of ranges (from JEQ/JGT/JGE and their negations) plus bit facts (from JSET: bits
 * that must be 0, bits that must be 1, and masks of which at least one bit must be 1).
 * Emptiness is decided exactly for ranges with must-0/must-1 bits; "at least one of" masks
 * are checked only against the must-0 bits, which can keep an impossible path alive but
 * never drops a possible one.
 */
import { hex } from '../hex.js';

export const U32_MAX = 0xffffffff;

export interface Domain {
  /** Sorted, disjoint, non-adjacent inclusive ranges, flattened: [lo0, hi0, lo1, hi1, ...]. */
  readonly ranges: readonly number[];
  /** Bits that are 0 in every value. */
  readonly zero: number;
  /** Bits that are 1 in every value. */
  readonly one: number;
  /** Masks each of which shares at least one 1 bit with every value. */
  readonly any: readonly number[];
}

export const FULL: Domain = { ranges: [0, U32_MAX], zero: 0, one: 0, any: [] };

export function pointDomain(v: number): Domain {
  return { ranges: [v >>> 0, v >>> 0], zero: 0, one: 0, any: [] };
}

export function rangesDomain(ranges: readonly number[]): Domain {
  return { ranges: normalise(ranges), zero: 0, one: 0, any: [] };
}

function normalise(flat: readonly number[]): number[] {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < flat.length; i += 2) if (flat[i]! <= flat[i + 1]!) pairs.push([flat[i]!, flat[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n > 0 && lo <= out[n - 1]! + 1) out[n - 1] = Math.max(out[n - 1]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

function intersect(d: Domain, lo: number, hi: number): Domain {
  const r: number[] = [];
  for (let i = 0; i < d.ranges.length; i += 2) {
    const a = Math.max(d.ranges[i]!, lo);
    const b = Math.min(d.ranges[i + 1]!, hi);
    if (a <= b) r.push(a, b);
  }
  return { ...d, ranges: r };
}

function removePoint(d: Domain, k: number): Domain {
  const r: number[] = [];
  for (let i = 0; i < d.ranges.length; i += 2) {
    const a = d.ranges[i]!;
    const b = d.ranges[i + 1]!;
    if (k < a || k > b) { r.push(a, b); continue; }
    if (a <= k - 1) r.push(a, k - 1);
    if (k + 1 <= b) r.push(k + 1, b);
  }
  return { ...d, ranges: r };
}

const lowMask = (p: number): number => (p >= 31 ? U32_MAX : (2 ** (p + 1)) - 1);

/** The smallest submask of `f` that is >= t, or -1. */
function minSubmaskAtLeast(f: number, t: number): number {
  if (t <= 0) return 0;
  if (t > U32_MAX) return -1;
  const outside = (t & ~f) >>> 0;
  if (outside === 0) return t;
  const p = 31 - Math.clz32(outside);
  const hiPart = (t - (t % (2 ** (p + 1)))) >>> 0;
  const s = (hiPart | (f & lowMask(p))) >>> 0;
  const filled = (s | ~f) >>> 0;
  if (filled === U32_MAX) return -1;
  return ((filled + 1) & f) >>> 0;
}

/** The smallest v >= lo with v & zero == 0 and v & one == one, or -1. */
function minMatching(lo: number, zero: number, one: number): number {
  if ((zero & one) !== 0) return -1;
  const free = ~(zero | one) >>> 0;
  const s = minSubmaskAtLeast(free, lo - one);
  return s < 0 ? -1 : (one | s) >>> 0;
}

export function isEmpty(d: Domain): boolean {
  if ((d.zero & d.one) !== 0) return true;
  for (const m of d.any) if ((m & ~d.zero) === 0) return true;
  for (let i = 0; i < d.ranges.length; i += 2) {
    if (d.zero === 0 && d.one === 0) return false;
    const v = minMatching(d.ranges[i]!, d.zero, d.one);
    if (v >= 0 && v <= d.ranges[i + 1]!) return false;
  }
  return true;
}

export function contains(d: Domain, value: number): boolean {
  const v = value >>> 0;
  if ((v & d.zero) !== 0 || ((v & d.one) >>> 0) !== d.one >>> 0) return false;
  for (const m of d.any) if ((v & m) === 0) return false;
  for (let i = 0; i < d.ranges.length; i += 2) if (v >= d.ranges[i]! && v <= d.ranges[i + 1]!) return true;
  return false;
}

/** A relation between a value and a constant, as a comparison with its branch fixes it. */
export type Relation = '==' | '!=' | '>' | '>=' | '<' | '<=' | '&' | '!&';

export const NEGATION: Readonly<Record<Relation, Relation>> = {
  '==': '!=', '!=': '==', '>': '<=', '<=': '>', '>=': '<', '<': '>=', '&': '!&', '!&': '&',
};

/** Holds `relation` for a concrete value. */
export function holds(relation: Relation, v: number, k: number): boolean {
  const a = v >>> 0;
  const b = k >>> 0;
  switch (relation) {
    case '==': return a === b;
    case '!=': return a !== b;
    case '>': return a > b;
    case '>=': return a >= b;
    case '<': return a < b;
    case '<=': return a <= b;
    case '&': return (a & b) !== 0;
    case '!&': return (a & b) === 0;
  }
}

/** The values of `d` that satisfy `relation` with k, or null when there are none. */
export function restrict(d: Domain, relation: Relation, k: number): Domain | null {
  const key = k >>> 0;
  let out: Domain;
  switch (relation) {
    case '==': out = intersect(d, key, key); break;
    case '!=': out = removePoint(d, key); break;
    case '>': out = key === U32_MAX ? { ...d, ranges: [] } : intersect(d, key + 1, U32_MAX); break;
    case '>=': out = intersect(d, key, U32_MAX); break;
    case '<': out = key === 0 ? { ...d, ranges: [] } : intersect(d, 0, key - 1); break;
    case '<=': out = intersect(d, 0, key); break;
    case '&':
      if (key === 0) return null;
      if ((key & d.one) !== 0) { out = d; break; }
      out = (key & (key - 1)) === 0 ? { ...d, one: (d.one | key) >>> 0 } : { ...d, any: [...d.any, key] };
      break;
    case '!&': out = { ...d, zero: (d.zero | key) >>> 0 }; break;
  }
  return isEmpty(out) ? null : out;
}

export function sameDomain(a: Domain, b: Domain): boolean {
  if (a === b) return true;
  if (a.zero !== b.zero || a.one !== b.one || a.ranges.length !== b.ranges.length || a.any.length !== b.any.length) return false;
  for (let i = 0; i < a.ranges.length; i++) if (a.ranges[i] !== b.ranges[i]) return false;
  for (let i = 0; i < a.any.length; i++) if (a.any[i] !== b.any[i]) return false;
  return true;
}

/** The single value of a domain, or undefined when it has several. */
export function pointOf(d: Domain): number | undefined {
  if (d.ranges.length === 2 && d.ranges[0] === d.ranges[1]) return d.ranges[0];
  return undefined;
}

/** log2 of how many values the ranges hold, less one bit per fixed bit: a size for ranking. */
export function log2Size(d: Domain): number {
  let n = 0;
  for (let i = 0; i < d.ranges.length; i += 2) n += d.ranges[i + 1]! - d.ranges[i]! + 1;
  const fixed = popcount(d.zero | d.one) + d.any.length;
  return Math.log2(Math.max(n, 1)) - fixed;
}

function popcount(v: number): number {
  let x = v >>> 0;
  let n = 0;
  while (x) { x &= x - 1; n++; }
  return n;
}

/** `name` constrained to `d`, as a C-like condition (`nr >= 0x40000000`, `args[0] != 0x1`). */
export function formatDomain(name: string, d: Domain): string {
  const parts: string[] = [];
  const r = d.ranges;
  const p = pointOf(d);
  if (p !== undefined) parts.push(`${name} == ${hex(p)}`);
  else if (!(r.length === 2 && r[0] === 0 && r[1] === U32_MAX)) {
    // Gaps between ranges (and before/after them) are what the comparisons removed.
    const gaps: Array<[number, number]> = [];
    if (r[0]! > 0) gaps.push([0, r[0]! - 1]);
    for (let i = 1; i + 1 < r.length; i += 2) gaps.push([r[i]! + 1, r[i + 1]! - 1]);
    if (r[r.length - 1]! < U32_MAX) gaps.push([r[r.length - 1]! + 1, U32_MAX]);
    const conds: string[] = [];
    for (const [lo, hi] of gaps) {
      if (lo === hi) conds.push(`${name} != ${hex(lo)}`);
      else if (lo === 0) conds.push(`${name} > ${hex(hi)}`);
      else if (hi === U32_MAX) conds.push(`${name} < ${hex(lo)}`);
      else conds.push(`(${name} < ${hex(lo)} || ${name} > ${hex(hi)})`);
    }
    parts.push(...conds);
  }
  if (d.zero) parts.push(`!(${name} & ${hex(d.zero)})`);
  if (d.one) parts.push(`(${name} & ${hex(d.one)}) == ${hex(d.one)}`);
  for (const m of d.any) parts.push(`(${name} & ${hex(m)})`);
  return parts.join(' && ');
}
