/**
 * The decision tree libseccomp keeps for one syscall on one arch, built rule by rule the
 * way its filter database does: each condition becomes comparisons of 32-bit words (two on
 * 64-bit arches, high word first), comparisons on one level are kept in libseccomp's order,
 * equal comparisons merge, a shorter rule's action replaces a longer one's sub-tree. The
 * program then runs a level as nested if/else that falls through to the next comparison of
 * the level, then to the level above, then to the default action, exactly as libseccomp's
 * `seccomp_export_pfc` prints it. Facts from libseccomp's src/db.c (2.5); our own code.
 */
import { DecodeError } from '../../errors.js';
import type { ProfileArg, ProfileOp } from './parse.js';

/** The comparison a node makes; NE, LT and LE are EQ, GE and GT with the branches swapped. */
export type NodeOp = 'EQ' | 'GT' | 'GE' | 'MASKED_EQ';

export interface TreeNode {
  readonly arg: number;
  /** Compares the high word of a 64-bit argument. */
  readonly hi: boolean;
  readonly op: NodeOp;
  /** The profile's operator, which orders nodes on a level. */
  readonly opOrig: ProfileOp;
  readonly mask: number;
  readonly datum: number;
  /** The whole 64-bit value a high-word node was made from. */
  readonly datumFull: bigint;
  actT?: number;
  actF?: number;
  nxtT?: Level;
  nxtF?: Level;
  /** The rule that made the node. */
  readonly origin: string;
}

/** Nodes tried in order until one decides; a level is shared where libseccomp shares it. */
export interface Level {
  nodes: TreeNode[];
}

/** One syscall's rules on one arch: an action for every call, or a tree over its arguments. */
export interface SyscallRules {
  readonly nr: number;
  action?: number;
  tree?: Level;
  /** The rule that added the syscall, and each rule whose action decides somewhere. */
  readonly origin: string;
}

const M32 = 0xffffffffn;

/** The first comparison of each condition chains to the next condition's, the last to the action. */
type Next = { level?: Level; action?: number };

function node(a: ProfileArg, hi: boolean, op: NodeOp, mask: number, datum: number, origin: string): TreeNode {
  return { arg: a.index, hi, op, opOrig: a.op, mask, datum, datumFull: a.op === 'SCMP_CMP_MASKED_EQ' ? a.valueTwo : a.value, origin };
}

function setT(n: TreeNode, next: Next): void {
  if (next.level) n.nxtT = next.level;
  else if (next.action !== undefined) n.actT = next.action;
}

function setF(n: TreeNode, next: Next): void {
  if (next.level) n.nxtF = next.level;
  else if (next.action !== undefined) n.actF = next.action;
}

const lvl = (...nodes: TreeNode[]): Level => ({ nodes });

/** The comparisons of one condition on a 32-bit arch: the low word only, as libseccomp does. */
function chain32(a: ProfileArg, next: Next, origin: string): Level {
  const v = Number(a.value & M32);
  switch (a.op) {
    case 'SCMP_CMP_EQ': { const n = node(a, false, 'EQ', 0xffffffff, v, origin); setT(n, next); return lvl(n); }
    case 'SCMP_CMP_NE': { const n = node(a, false, 'EQ', 0xffffffff, v, origin); setF(n, next); return lvl(n); }
    case 'SCMP_CMP_GT': { const n = node(a, false, 'GT', 0xffffffff, v, origin); setT(n, next); return lvl(n); }
    case 'SCMP_CMP_GE': { const n = node(a, false, 'GE', 0xffffffff, v, origin); setT(n, next); return lvl(n); }
    case 'SCMP_CMP_LT': { const n = node(a, false, 'GE', 0xffffffff, v, origin); setF(n, next); return lvl(n); }
    case 'SCMP_CMP_LE': { const n = node(a, false, 'GT', 0xffffffff, v, origin); setF(n, next); return lvl(n); }
    case 'SCMP_CMP_MASKED_EQ': {
      const mask = Number(a.value & M32);
      const n = node(a, false, 'MASKED_EQ', mask, Number(a.valueTwo & M32) & mask, origin);
      setT(n, next);
      return lvl(n);
    }
  }
}

/** The comparisons of one condition on a 64-bit arch: the high word decides first. */
function chain64(a: ProfileArg, next: Next, origin: string): Level {
  const hi = Number(a.value >> 32n);
  const lo = Number(a.value & M32);
  switch (a.op) {
    case 'SCMP_CMP_EQ': case 'SCMP_CMP_NE': {
      const h = node(a, true, 'EQ', 0xffffffff, hi, origin);
      const l = node(a, false, 'EQ', 0xffffffff, lo, origin);
      h.nxtT = lvl(l);
      if (a.op === 'SCMP_CMP_EQ') setT(l, next);
      else { setF(l, next); setF(h, next); }
      return lvl(h);
    }
    case 'SCMP_CMP_MASKED_EQ': {
      const mhi = Number(a.value >> 32n);
      const mlo = Number(a.value & M32);
      const h = node(a, true, 'MASKED_EQ', mhi, Number(a.valueTwo >> 32n) & mhi, origin);
      const l = node(a, false, 'MASKED_EQ', mlo, Number(a.valueTwo & M32) & mlo, origin);
      h.nxtT = lvl(l);
      setT(l, next);
      return lvl(h);
    }
    case 'SCMP_CMP_GT': case 'SCMP_CMP_GE': case 'SCMP_CMP_LT': case 'SCMP_CMP_LE': {
      // x > v: hi > v.hi, or hi == v.hi and lo > v.lo (>= for GE). LT and LE are GE and GT negated.
      const strict = a.op === 'SCMP_CMP_GT' || a.op === 'SCMP_CMP_LE';
      const positive = a.op === 'SCMP_CMP_GT' || a.op === 'SCMP_CMP_GE';
      const g = node(a, true, 'GT', 0xffffffff, hi, origin);
      const e = node(a, true, 'EQ', 0xffffffff, hi, origin);
      const l = node(a, false, strict ? 'GT' : 'GE', 0xffffffff, lo, origin);
      g.nxtF = lvl(e);
      e.nxtT = lvl(l);
      if (positive) { setT(g, next); setT(l, next); } else { setF(e, next); setF(l, next); }
      return lvl(g);
    }
  }
}

/** A rule's own tree: its conditions in argument order, each chained to the next. */
export function ruleTree(args: readonly ProfileArg[], action: number, bits: 32 | 64, origin: string): Level | undefined {
  // libseccomp drops a masked comparison whose mask keeps no bit of the register (the low
  // word on 32-bit arches), whatever the value: the condition then always holds.
  const width = bits === 64 ? 0xffffffffffffffffn : M32;
  const kept = args.filter((a) => a.op !== 'SCMP_CMP_MASKED_EQ' || (a.value & width) !== 0n);
  if (kept.length === 0) return undefined;
  const sorted = [...kept].sort((x, y) => x.index - y.index);
  let next: Next = { action };
  for (let i = sorted.length - 1; i >= 0; i--) {
    next = { level: bits === 64 ? chain64(sorted[i]!, next, origin) : chain32(sorted[i]!, next, origin) };
  }
  return next.level;
}

const argPriority = (n: TreeNode): number => (n.arg << 1) + (n.hi ? 1 : 0);

function opPriority(op: ProfileOp): number {
  switch (op) {
    case 'SCMP_CMP_MASKED_EQ': case 'SCMP_CMP_EQ': case 'SCMP_CMP_NE': return 3;
    case 'SCMP_CMP_LE': case 'SCMP_CMP_LT': return 2;
    case 'SCMP_CMP_GE': case 'SCMP_CMP_GT': return 1;
  }
}

/** libseccomp's order of nodes on a level (a level runs from the greatest). */
function less(a: TreeNode, b: TreeNode): boolean {
  const pa = argPriority(a);
  const pb = argPriority(b);
  if (pa !== pb) return pa < pb;
  const oa = opPriority(a.opOrig);
  const ob = opPriority(b.opOrig);
  if (oa !== ob) return oa < ob;
  if (a.opOrig === 'SCMP_CMP_LE' || a.opOrig === 'SCMP_CMP_LT') return a.datum > b.datum;
  return a.datum < b.datum;
}

const same = (a: TreeNode, b: TreeNode): boolean =>
  argPriority(a) === argPriority(b) && a.op === b.op && a.datum === b.datum && a.mask === b.mask;

/** True when every action in the tree is `action`. */
function actionsAre(level: Level | undefined, action: number): boolean {
  if (!level) return true;
  return level.nodes.every((n) => (n.actT === undefined || n.actT === action) && (n.actF === undefined || n.actF === action)
    && actionsAre(n.nxtT, action) && actionsAre(n.nxtF, action));
}

const isLeaf = (n: TreeNode): boolean => n.nxtT === undefined && n.nxtF === undefined;

/** Thrown where libseccomp refuses a rule (EEXIST): the runtime fails to start the container. */
function conflict(origin: string, detail: string): never {
  throw new DecodeError(origin, `libseccomp would refuse this rule (${detail}); the runtime would fail to start the container`);
}

/** Merges a rule's tree into the existing level, as libseccomp's tree add does. */
export function addTree(existing: Level, add: Level, origin: string): void {
  const n = add.nodes[0]!;
  // A new tree has one node per level: its rule's comparisons.
  for (let i = 0; i < existing.nodes.length; i++) {
    const x = existing.nodes[i]!;
    if (same(x, n)) {
      mergeNode(x, n, origin);
      return;
    }
    if (less(x, n)) {
      existing.nodes.splice(i, 0, n);
      return;
    }
  }
  existing.nodes.push(n);
}

function mergeNode(x: TreeNode, n: TreeNode, origin: string): void {
  if (n.actT !== undefined) {
    if (x.actT === undefined) {
      if (!actionsAre(x.nxtT, n.actT)) conflict(origin, 'a shorter rule with another action than a longer one');
      delete x.nxtT;
      x.actT = n.actT;
    } else if (n.actT !== x.actT) {
      if (n.hi && n.datumFull > x.datumFull) x.actT = n.actT;
      if (isLeaf(x) || isLeaf(n)) conflict(origin, 'the same conditions with another action');
    }
  }
  if (n.actF !== undefined) {
    if (x.actF === undefined) {
      if (!actionsAre(x.nxtF, n.actF)) conflict(origin, 'a shorter rule with another action than a longer one');
      delete x.nxtF;
      x.actF = n.actF;
    } else if (n.actF !== x.actF) {
      if (n.hi && n.datumFull < x.datumFull) x.actT = n.actT;
      if (isLeaf(x) || isLeaf(n)) conflict(origin, 'the same conditions with another action');
    }
  }
  if (n.nxtT) {
    if (x.nxtT) addTree(x.nxtT, n.nxtT, origin);
    else if (x.actT === undefined) x.nxtT = n.nxtT;
    else return;
  }
  if (n.nxtF) {
    if (x.nxtF) addTree(x.nxtF, n.nxtF, origin);
    else if (x.actF === undefined) x.nxtF = n.nxtF;
  }
}

/** Adds one rule for a syscall, as libseccomp's rule add does for one arch. */
export function addRule(table: Map<number, SyscallRules>, nr: number, action: number, tree: Level | undefined, origin: string): void {
  const s = table.get(nr);
  if (!s) {
    table.set(nr, tree ? { nr, tree, origin } : { nr, action, origin });
    return;
  }
  // A syscall with an unconditional rule keeps it: the later rule adds nothing.
  if (s.tree === undefined) return;
  if (!tree) {
    delete s.tree;
    s.action = action;
    return;
  }
  addTree(s.tree, tree, origin);
}
