/**
 * What the tests on a path have proved about values: each fact is one test's outcome on a
 * value number. A fact holds at a block when it holds on every edge into it (the set
 * intersection), which is what the edge dominators give libpcap's optimizer. From the facts
 * about a value, `decideTest` says whether a later test is bound to go one way.
 */
import { BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET } from '../../abi/opcodes.js';

/** What the facts need to know of value numbers (values.ts's Values). */
export interface ValueInfo {
  constOf(vn: number): number | undefined;
  highOf(vn: number): number;
}

export interface Fact {
  readonly vn: number;
  /** BPF_JEQ, BPF_JGT, BPF_JGE or BPF_JSET. */
  readonly op: number;
  /** Compared with a value number (a jump on X that is not constant) rather than a constant. */
  readonly byX: boolean;
  readonly k: number;
  readonly taken: boolean;
}

/**
 * An immutable list of facts, newest first: an edge adds one in constant time and shares the
 * rest with its block (states are copied far more often than merged).
 */
export interface FactNode {
  readonly fact: Fact;
  readonly key: string;
  readonly next: FactSet;
}
export type FactSet = FactNode | undefined;

export function addFact(facts: FactSet, f: Fact): FactSet {
  return { fact: f, key: `${f.vn}:${f.op}:${f.byX ? 'x' : 'k'}${f.k}:${f.taken ? 1 : 0}`, next: facts };
}

export function* eachFact(facts: FactSet): Generator<Fact> {
  for (let n = facts; n; n = n.next) yield n.fact;
}

/** The facts present in both sets. A tail the two lists share is kept as it is. */
export function intersectFacts(a: FactSet, b: FactSet): FactSet {
  if (a === b) return a;
  const bNodes = new Set<FactNode>();
  const bKeys = new Set<string>();
  for (let n = b; n; n = n.next) { bNodes.add(n); bKeys.add(n.key); }
  const kept: FactNode[] = [];
  let tail: FactSet;
  for (let n = a; n; n = n.next) {
    if (bNodes.has(n)) { tail = n; break; }
    if (bKeys.has(n.key)) kept.push(n);
  }
  for (let i = kept.length - 1; i >= 0; i--) tail = { fact: kept[i]!.fact, key: kept[i]!.key, next: tail };
  return tail;
}

function compare(op: number, a: number, b: number): boolean {
  switch (op) {
    case BPF_JEQ: return a === b;
    case BPF_JGT: return a > b;
    case BPF_JGE: return a >= b;
    default: return (a & b) !== 0; // BPF_JSET
  }
}

/** What the facts say about one value: a range, bits known set or clear, values ruled out. */
interface Known {
  lo: number;
  hi: number;
  set: number;
  clear: number;
  not: Set<number>;
}

function knownAbout(v: ValueInfo, facts: FactSet, vn: number): Known {
  const k: Known = { lo: 0, hi: v.highOf(vn), set: 0, clear: 0, not: new Set() };
  for (let n = facts; n; n = n.next) {
    const f = n.fact;
    if (f.vn !== vn || f.byX) continue;
    switch (f.op) {
      case BPF_JEQ:
        if (f.taken) {
          k.lo = Math.max(k.lo, f.k);
          k.hi = Math.min(k.hi, f.k);
          k.set |= f.k;
          k.clear |= ~f.k;
        } else k.not.add(f.k);
        break;
      case BPF_JGT:
        if (f.taken) k.lo = Math.max(k.lo, f.k + 1);
        else k.hi = Math.min(k.hi, f.k);
        break;
      case BPF_JGE:
        if (f.taken) k.lo = Math.max(k.lo, f.k);
        else k.hi = Math.min(k.hi, f.k - 1);
        break;
      case BPF_JSET:
        if (!f.taken) k.clear |= f.k;
        else if ((f.k & (f.k - 1)) === 0) k.set |= f.k; // one bit: that bit is set
        break;
    }
  }
  return k;
}

/**
 * Whether `A op operand` is decided: true, false, or undefined when it depends on the packet.
 * `x` is the value number of X for a jump on X (a constant X arrives here as `k`).
 */
export function decideTest(
  v: ValueInfo, facts: FactSet, op: number, a: number, operand: { k: number } | { x: number },
): boolean | undefined {
  if ('x' in operand) {
    if (a === operand.x) return op === BPF_JEQ || op === BPF_JGE ? true : op === BPF_JGT ? false : undefined;
    for (let n = facts; n; n = n.next) if (n.fact.byX && n.fact.vn === a && n.fact.op === op && n.fact.k === operand.x) return n.fact.taken;
    return undefined;
  }
  const c = operand.k >>> 0;
  const ca = v.constOf(a);
  if (ca !== undefined) return compare(op, ca, c);
  for (let n = facts; n; n = n.next) if (!n.fact.byX && n.fact.vn === a && n.fact.op === op && n.fact.k === c) return n.fact.taken;
  const kn = knownAbout(v, facts, a);
  if (kn.lo > kn.hi) return undefined; // contradictory facts: the path cannot run; leave it be
  if (kn.lo === kn.hi) return compare(op, kn.lo, c);
  const set = kn.set >>> 0;
  const clear = kn.clear >>> 0;
  switch (op) {
    case BPF_JEQ:
      if (c < kn.lo || c > kn.hi || kn.not.has(c)) return false;
      if ((c & clear) !== 0 || ((c & set) >>> 0) !== set) return false;
      return undefined;
    case BPF_JGT:
      if (kn.lo > c) return true;
      if (kn.hi <= c) return false;
      return undefined;
    case BPF_JGE:
      if (kn.lo >= c) return true;
      if (kn.hi < c) return false;
      return undefined;
    case BPF_JSET:
      if ((c & set) !== 0) return true;
      if (((c & ~clear) >>> 0) === 0) return false;
      if (kn.hi < (c & -c) >>> 0) return false; // every value below c's lowest bit
      return undefined;
    default:
      return undefined;
  }
}
