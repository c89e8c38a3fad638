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

function sameAny(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameRanges(a: readonly number[], b: readonly number[]): boolean {
  return sameAny(a, b);
}

/**
 * `a ∪ b` when one Domain holds it exactly, else null: equal bit facts (the ranges join),
 * or equal ranges and one bit fact that holds in `a` and fails in `b` (a branch and its
 * negation joined again).
 */
export function unionDomain(a: Domain, b: Domain): Domain | null {
  if (sameDomain(a, b)) return a;
  if (a.zero === b.zero && a.one === b.one && sameAny(a.any, b.any)) {
    return { ...a, ranges: unionRanges(a.ranges, b.ranges) };
  }
  if (!sameRanges(a.ranges, b.ranges)) return null;
  return splitBit(a, b) ?? splitBit(b, a);
}

/** `p` = base ∧ (v & m) != 0 and `q` = base ∧ (v & m) == 0: base, else null. */
function splitBit(p: Domain, q: Domain): Domain | null {
  const m = (q.zero & ~p.zero) >>> 0;
  // A single bit held as `one` (a one-bit jset).
  if ((m & (m - 1)) === 0 && m !== 0 && (p.one & m) !== 0 && ((p.one & ~m) >>> 0) === q.one && p.zero === ((q.zero & ~m) >>> 0) &&
    sameAny(p.any, q.any)) {
    return { ranges: p.ranges, zero: p.zero, one: q.one, any: p.any };
  }
  // A mask held as `any`.
  if (m !== 0 && p.one === q.one && p.zero === ((q.zero & ~m) >>> 0) && (p.zero & m) === 0) {
    const i = p.any.indexOf(m);
    if (i >= 0) {
      const rest = [...p.any.slice(0, i), ...p.any.slice(i + 1)];
      if (sameAny(rest, q.any)) return { ranges: p.ranges, zero: p.zero, one: p.one, any: rest };
    }
  }
  return null;
}

/** True when every value of `a` is in `b`, as far as the forms tell (false may be wrong, true is not). */
export function subsetDomain(a: Domain, b: Domain): boolean {
  if (a === b) return true;
  if ((b.zero & ~a.zero) !== 0 || (b.one & ~a.one) !== 0) return false;
  for (const m of b.any) if ((a.one & m) === 0 && !a.any.includes(m)) return false;
  let j = 0;
  for (let i = 0; i < a.ranges.length; i += 2) {
    while (j < b.ranges.length && b.ranges[j + 1]! < a.ranges[i]!) j += 2;
    if (j >= b.ranges.length || b.ranges[j]! > a.ranges[i]! || b.ranges[j + 1]! < a.ranges[i + 1]!) return false;
  }
  return true;
}

/** `a ∩ b`, or null when empty. */
export function intersectDomain(a: Domain, b: Domain): Domain | null {
  const r: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.ranges.length && j < b.ranges.length) {
    const lo = Math.max(a.ranges[i]!, b.ranges[j]!);
    const hi = Math.min(a.ranges[i + 1]!, b.ranges[j + 1]!);
    if (lo <= hi) r.push(lo, hi);
    if (a.ranges[i + 1]! < b.ranges[j + 1]!) i += 2; else j += 2;
  }
  const any = [...a.any];
  for (const m of b.any) if (!any.includes(m)) any.push(m);
  const out: Domain = { ranges: r, zero: (a.zero | b.zero) >>> 0, one: (a.one | b.one) >>> 0, any };
  return isEmpty(out) ? null : out;
}

/** Domains whose union is the complement of `d` (none when `d` is FULL). */
export function complementDomain(d: Domain): Domain[] {
  const out: Domain[] = [];
  const r = d.ranges;
  if (!(r.length === 2 && r[0] === 0 && r[1] === U32_MAX)) {
    const gaps: number[] = [];
    let next = 0;
    for (let i = 0; i < r.length; i += 2) {
      if (r[i]! > next) gaps.push(next, r[i]! - 1);
      next = r[i + 1]! + 1;
    }
    if (r.length === 0) gaps.push(0, U32_MAX);
    else if (next <= U32_MAX) gaps.push(next, U32_MAX);
    if (gaps.length > 0) out.push({ ranges: gaps, zero: 0, one: 0, any: [] });
  }
  for (let bit = 1; bit !== 0 && bit <= d.zero; bit = (bit << 1) >>> 0) if (d.zero & bit) out.push({ ...FULL, one: bit });
  for (let bit = 1; bit !== 0 && bit <= d.one; bit = (bit << 1) >>> 0) if (d.one & bit) out.push({ ...FULL, zero: bit });
  for (const m of d.any) out.push({ ...FULL, zero: m });
  return out;
}

/** Two sorted, disjoint range lists merged into one (adjacent ranges joined), in linear time. */
function unionRanges(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  const push = (lo: number, hi: number): void => {
    const n = out.length;
    if (n > 0 && lo <= out[n - 1]! + 1) { if (hi > out[n - 1]!) out[n - 1] = hi; } else out.push(lo, hi);
  };
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! <= b[j]!)) { push(a[i]!, a[i + 1]!); i += 2; } else { push(b[j]!, b[j + 1]!); j += 2; }
  }
  return out;
}

const domainKeys = new WeakMap<Domain, string>();

/** A canonical text for a domain, to key sets of them. */
export function domainKey(d: Domain): string {
  let k = domainKeys.get(d);
  if (k === undefined) {
    k = `${d.ranges.join(',')}/${d.zero}/${d.one}/${d.any.join(',')}`;
    domainKeys.set(d, k);
  }
  return k;
}
