/**
 * One forward pass over the acyclic block graph: the machine state (value numbers, proved
 * packet length, facts) at the entry and at the test of every block. An edge whose test is
 * decided the other way carries no state, so code only such edges reach gets none.
 */
import { classicForm } from '../../classic/insn.js';
import { bpfOp } from '../../abi/opcodes.js';
import { type Block, type Graph, type Term, predecessors, topoOrder } from './graph.js';
import { addFact, decideTest, intersectFacts } from './facts.js';
import { type State, type Values, applyStmt, cloneState, initialState } from './values.js';

export interface Analysis {
  readonly order: Block[];
  readonly preds: Map<number, Block[]>;
  /** State on entry; absent for blocks no feasible path reaches. */
  readonly entry: Map<number, State>;
  /** State after the statements, where the terminator runs. */
  readonly exit: Map<number, State>;
}

/** The operand of a test as decideTest takes it. */
export function testOperand(v: Values, s: State, t: Term & { kind: 'cond' }): { k: number } | { x: number } {
  if (classicForm(t.insn.code)!.kind === 'jmp-k') return { k: t.insn.k };
  const c = v.constOf(s.X);
  return c !== undefined ? { k: c } : { x: s.X };
}

/** The outcome of a block's test in the state at its end, if decided. */
export function decideTerm(v: Values, s: State, t: Term & { kind: 'cond' }): boolean | undefined {
  return decideTest(v, s.facts, bpfOp(t.insn.code), s.A, testOperand(v, s, t));
}

/** The state along one edge of a test, or undefined when the test never goes that way. */
export function edgeState(v: Values, s: State, t: Term & { kind: 'cond' }, taken: boolean): State | undefined {
  const decided = decideTerm(v, s, t);
  if (decided !== undefined && decided !== taken) return undefined;
  const out = cloneState(s);
  const operand = testOperand(v, s, t);
  out.facts = addFact(s.facts, 'x' in operand
    ? { vn: s.A, op: bpfOp(t.insn.code), byX: true, k: operand.x, taken }
    : { vn: s.A, op: bpfOp(t.insn.code), byX: false, k: operand.k >>> 0, taken });
  return out;
}

/** Runs a block's statements from a state (the state is changed). */
export function runBlock(v: Values, s: State, b: Block): State {
  for (const i of b.stmts) applyStmt(v, s, i);
  return s;
}

/** Merges the state of one more incoming edge into a block's entry state. */
function meet(v: Values, into: State, other: State, phis: { A?: number; X?: number; M: number[] }): void {
  if (into.A !== other.A) into.A = phis.A ??= v.fresh();
  if (into.X !== other.X) into.X = phis.X ??= v.fresh();
  for (let n = 0; n < 16; n++) if (into.M[n] !== other.M[n]) into.M[n] = phis.M[n] ??= v.fresh();
  into.cap = Math.min(into.cap, other.cap);
  if (into.done !== other.done) {
    const done = new Set<number>();
    for (const vn of into.done) if (other.done.has(vn)) done.add(vn);
    into.done = done;
  }
  into.facts = intersectFacts(into.facts, other.facts);
}

export function analyze(g: Graph, v: Values): Analysis {
  const order = topoOrder(g);
  const preds = predecessors(order);
  const entry = new Map<number, State>();
  const exit = new Map<number, State>();
  const incoming = new Map<number, State>();
  const phis = new Map<number, { A?: number; X?: number; M: number[] }>();
  const arrive = (b: Block, s: State): void => {
    const have = incoming.get(b.id);
    if (!have) { incoming.set(b.id, s); return; }
    let p = phis.get(b.id);
    if (!p) phis.set(b.id, (p = { M: [] }));
    meet(v, have, s, p);
  };
  arrive(g.entry, initialState(v));
  for (const b of order) {
    const s = incoming.get(b.id);
    if (!s) continue;
    entry.set(b.id, cloneState(s));
    const end = runBlock(v, s, b);
    exit.set(b.id, end);
    const t = b.term;
    if (t.kind === 'goto') arrive(t.target, cloneState(end));
    else if (t.kind === 'cond') {
      const yes = edgeState(v, end, t, true);
      const no = edgeState(v, end, t, false);
      if (yes) arrive(t.jt, yes);
      if (no) arrive(t.jf, no);
    }
  }
  return { order, preds, entry, exit };
}
