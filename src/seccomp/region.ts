/**
 * Regions of the seccomp input: a Box is a conjunction (each constrained symbol within a
 * Domain, plus opaque facts between two symbols); a region is a union of Boxes. Boxes are
 * relative to the starting domains of an exploration (`Initial`): a symbol a box does not
 * name takes its starting domain, or any value.
 *
 * Sets of boxes stay small because a box and its neighbour that differ in one symbol only
 * are joined when one Domain holds the union (a branch and its negation meeting again).
 */
import {
  type Domain, FULL, NEGATION, type Relation, complementDomain, domainKey, holds, intersectDomain, restrict, sameDomain, subsetDomain,
  unionDomain, contains,
} from './domain.js';
import { type Sym, evalSym } from './sym.js';

/** A comparison between two non-constant symbols, and the branch the path took. */
export interface Fact {
  readonly left: Sym;
  readonly relation: Relation;
  readonly right: Sym;
}

export type Initial = ReadonlyMap<string, { readonly sym: Sym; readonly domain: Domain }>;

export interface Box {
  /** Constrained symbols: key -> (symbol, values it may take). */
  readonly doms: ReadonlyMap<string, { readonly sym: Sym; readonly domain: Domain }>;
  /** Sorted by factKey. */
  readonly facts: readonly Fact[];
}

export const TRUE_BOX: Box = { doms: new Map(), facts: [] };

export const factKey = (f: Fact): string => `${f.left.key} ${f.relation} ${f.right.key}`;

export function domainIn(b: Box, sym: Sym, initial: Initial): Domain {
  return b.doms.get(sym.key)?.domain ?? initial.get(sym.key)?.domain ?? FULL;
}

const keys = new WeakMap<Box, string>();

/** A canonical text: equal keys, equal boxes. */
export function boxKey(b: Box): string {
  let k = keys.get(b);
  if (k === undefined) {
    const parts = [...b.doms.keys()].sort().map((s) => `${s}:${domainKey(b.doms.get(s)!.domain)}`);
    for (const f of b.facts) parts.push(factKey(f));
    k = parts.join(';');
    keys.set(b, k);
  }
  return k;
}

/** `b ∧ sym REL k`, or null when empty. */
export function andCond(b: Box, sym: Sym, rel: Relation, k: number, initial: Initial): Box | null {
  const d = domainIn(b, sym, initial);
  const r = restrict(d, rel, k);
  if (!r) return null;
  if (sameDomain(r, d)) return b;
  const doms = new Map(b.doms);
  doms.set(sym.key, { sym, domain: r });
  return { doms, facts: b.facts };
}

/** `b ∧ fact`, or null when b holds its negation. */
export function andFact(b: Box, f: Fact): Box | null {
  const k = factKey(f);
  const neg = factKey({ ...f, relation: NEGATION[f.relation] });
  for (const g of b.facts) {
    const gk = factKey(g);
    if (gk === k) return b;
    if (gk === neg) return null;
  }
  const facts = [...b.facts, f].sort((p, q) => (factKey(p) < factKey(q) ? -1 : 1));
  return { doms: b.doms, facts };
}

/** `p ∧ q`, or null when empty (exact for domains; facts are only checked against each other). */
export function intersectBox(p: Box, q: Box, initial: Initial): Box | null {
  let out: Box = p;
  for (const [key, { sym, domain }] of q.doms) {
    const d = intersectDomain(domainIn(out, sym, initial), domain);
    if (!d) return null;
    const doms = new Map(out.doms);
    doms.set(key, { sym, domain: d });
    out = { doms, facts: out.facts };
  }
  for (const f of q.facts) {
    const next = andFact(out, f);
    if (!next) return null;
    out = next;
  }
  return out;
}

/** Boxes whose union is `p` less `q`. */
export function subtractBox(p: Box, q: Box, initial: Initial): Box[] {
  const out: Box[] = [];
  let rest: Box | null = p;
  for (const [key, { sym, domain }] of q.doms) {
    if (!rest) break;
    const cur: Box = rest;
    const here: Domain = domainIn(cur, sym, initial);
    for (const c of complementDomain(domain)) {
      const d = intersectDomain(here, c);
      if (!d) continue;
      const doms = new Map(cur.doms);
      doms.set(key, { sym, domain: d });
      out.push({ doms, facts: cur.facts });
    }
    const inside = intersectDomain(here, domain);
    if (!inside) { rest = null; break; }
    const narrowed = new Map(cur.doms);
    narrowed.set(key, { sym, domain: inside });
    rest = { doms: narrowed, facts: cur.facts };
  }
  for (const f of q.facts) {
    if (!rest) break;
    const neg = andFact(rest, { ...f, relation: NEGATION[f.relation] });
    if (neg) out.push(neg);
    rest = andFact(rest, f);
  }
  return out;
}

/** True when `b ⊆ t` can be told from their forms. */
export function subsetBox(b: Box, t: Box, initial: Initial): boolean {
  for (const { sym, domain } of t.doms.values()) if (!subsetDomain(domainIn(b, sym, initial), domain)) return false;
  if (t.facts.length === 0) return true;
  const have = new Set(b.facts.map(factKey));
  return t.facts.every((f) => have.has(factKey(f)));
}

/** `p ∪ q` as one box, when one holds it exactly. */
export function unionBox(p: Box, q: Box, initial: Initial): Box | null {
  const dp = p.doms.size - q.doms.size;
  if (dp > 1 || dp < -1) return null;
  let diff: string | undefined;
  for (const [key, { domain }] of p.doms) {
    const b = q.doms.get(key)?.domain;
    if (b && (b === domain || sameDomain(b, domain))) continue;
    if (diff !== undefined) return null;
    diff = key;
  }
  for (const key of q.doms.keys()) {
    if (p.doms.has(key)) continue;
    if (diff !== undefined) return null;
    diff = key;
  }
  if (p.facts.length !== 0 || q.facts.length !== 0) {
    const pf = p.facts.map(factKey).join('&');
    const qf = q.facts.map(factKey).join('&');
    if (pf !== qf) {
      if (diff !== undefined || p.facts.length !== q.facts.length) return null;
      // One fact and its negation, the rest equal.
      const qKeys = new Set(q.facts.map(factKey));
      const common = p.facts.filter((f) => qKeys.has(factKey(f)));
      if (common.length !== p.facts.length - 1) return null;
      const f = p.facts.find((x) => !qKeys.has(factKey(x)))!;
      const pKeys = new Set(p.facts.map(factKey));
      const g = q.facts.find((x) => !pKeys.has(factKey(x)))!;
      if (factKey(g) !== factKey({ ...f, relation: NEGATION[f.relation] })) return null;
      return { doms: p.doms, facts: common };
    }
  }
  if (diff === undefined) return p;
  const key = diff;
  const entry = (p.doms.get(key) ?? q.doms.get(key))!;
  const start = initial.get(key)?.domain ?? FULL;
  const u = unionDomain(p.doms.get(key)?.domain ?? start, q.doms.get(key)?.domain ?? start);
  if (!u) return null;
  const doms = new Map(p.doms);
  if (sameDomain(u, start)) doms.delete(key);
  else doms.set(key, { sym: entry.sym, domain: u });
  return { doms, facts: p.facts };
}

/**
 * A union of boxes that joins neighbours as they come. `ops` counts the work, for budgets.
 */
export class BoxSet {
  readonly boxes: Box[] = [];

  constructor(private readonly initial: Initial, private readonly meter: { ops: number }) {}

  get size(): number {
    return this.boxes.length;
  }

  add(b: Box): void {
    for (let i = 0; i < this.boxes.length; i++) {
      this.meter.ops++;
      const old = this.boxes[i]!;
      if (old === b) return;
      const u = unionBox(old, b, this.initial);
      if (u === old) return;
      if (u) {
        this.boxes[i] = this.boxes[this.boxes.length - 1]!;
        this.boxes.pop();
        this.add(u);
        return;
      }
    }
    this.boxes.push(b);
  }
}

/** True when concrete input words satisfy a box. */
export function boxMatches(b: Box, words: ArrayLike<number>): boolean {
  for (const { sym, domain } of b.doms.values()) if (!contains(domain, evalSym(sym, words))) return false;
  for (const f of b.facts) if (!holds(f.relation, evalSym(f.left, words), evalSym(f.right, words))) return false;
  return true;
}
