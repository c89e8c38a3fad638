/**
 * Jump threading: an edge into a test whose outcome the edge's own facts decide is sent
 * straight to where that test goes, and on through further decided tests. The blocks jumped
 * over must not be able to fail (or only where a load after the destination fails too, see
 * guard.ts), and whatever they would have changed that is read later must
 * already hold the same value. Then the destination runs on the same live values as before,
 * so it does the same as on the longer path.
 *
 * Several edges are threaded per analysis: once an edge changes, the blocks after its new
 * destination (whose incoming paths changed) and the blocks before it (whose liveness may
 * have changed) are left for the next round.
 */
import { type Block, type Graph, successors } from '../graph.js';
import { type Analysis, analyze, decideTerm, edgeState } from '../analysis.js';
import { liveness } from '../liveness.js';
import { REG_A, REG_X, stmtDefs } from '../effects.js';
import { type State, Values, applyStmt, canFail, cloneState, failEnd } from '../values.js';
import { guards } from '../guard.js';

function sameLive(start: State, now: State, regs: number): boolean {
  if (regs & REG_A && start.A !== now.A) return false;
  if (regs & REG_X && start.X !== now.X) return false;
  for (let n = 0; n < 16; n++) if (regs & (4 << n) && start.M[n] !== now.M[n]) return false;
  return true;
}

/** The farthest block the edge (with state `start`, into `target`) may go to instead. */
function threadTarget(
  v: Values, start: State, target: Block, liveIn: Map<number, number>, guardIn: Map<number, number>, tainted: Set<number>,
): Block {
  let best = target;
  let cur = target;
  let s = cloneState(start);
  let defined = 0;
  let mayFail = 0; // farthest end of a skipped load that could fail
  for (;;) {
    if (cur.term.kind === 'ret' || tainted.has(cur.id)) return best;
    for (const i of cur.stmts) {
      if (canFail(v, s, i)) {
        const end = failEnd(v, s, i);
        if (end === Infinity) return best;
        mayFail = Math.max(mayFail, end);
      }
      defined |= stmtDefs(i);
      applyStmt(v, s, i);
    }
    const t = cur.term;
    let next: Block;
    if (t.kind === 'goto') next = t.target;
    else {
      const taken = decideTerm(v, s, t);
      if (taken === undefined) return best;
      next = taken ? t.jt : t.jf;
      s = edgeState(v, s, t, taken)!;
    }
    if (tainted.has(next.id)) return best;
    if (sameLive(start, s, defined & (liveIn.get(next.id) ?? 0)) && mayFail <= (guardIn.get(next.id) ?? 0)) best = next;
    cur = next;
  }
}

function markDescendants(from: Block, tainted: Set<number>): void {
  const stack = [from];
  while (stack.length > 0) {
    const b = stack.pop()!;
    if (tainted.has(b.id)) continue;
    tainted.add(b.id);
    stack.push(...successors(b));
  }
}

function markAncestors(from: Block, a: Analysis, tainted: Set<number>): void {
  const seen = new Set<number>();
  const stack = [from];
  while (stack.length > 0) {
    const b = stack.pop()!;
    if (seen.has(b.id)) continue;
    seen.add(b.id);
    tainted.add(b.id);
    stack.push(...(a.preds.get(b.id) ?? []));
  }
}

export function threadJumps(g: Graph): boolean {
  const v = new Values();
  const a = analyze(g, v);
  const liveIn = liveness(a.order);
  const guardIn = guards(a.order);
  const tainted = new Set<number>();
  let changed = false;
  for (const b of a.order) {
    const s = a.exit.get(b.id);
    if (!s || tainted.has(b.id)) continue;
    const t = b.term;
    if (t.kind === 'ret') continue;
    type Edge = { state: State | undefined; target: Block; set: (d: Block) => void };
    const edges: Edge[] = t.kind === 'goto'
      ? [{ state: s, target: t.target, set: (d) => { t.target = d; } }]
      : [
        { state: edgeState(v, s, t, true), target: t.jt, set: (d) => { t.jt = d; } },
        { state: edgeState(v, s, t, false), target: t.jf, set: (d) => { t.jf = d; } },
      ];
    for (const e of edges) {
      if (!e.state) continue;
      const d = threadTarget(v, e.state, e.target, liveIn, guardIn, tainted);
      if (d === e.target) continue;
      e.set(d);
      changed = true;
      markDescendants(d, tainted);
      markAncestors(b, a, tainted);
      break;
    }
  }
  return changed;
}
