/**
 * Dead statement removal: a statement whose destination nobody reads goes, unless it might
 * end the filter in a way the rest of the program would not (a load the path has not proved
 * in bounds and no later load covers, see guard.ts; a division by an unknown X): removing
 * that would change the verdict on short packets. One backward pass, so the guards count
 * only the loads that stay.
 */
import type { ClassicInsn } from '../../../classic/insn.js';
import type { Graph } from '../graph.js';
import { analyze } from '../analysis.js';
import { liveOut, liveness } from '../liveness.js';
import { stmtDefs, stmtUses } from '../effects.js';
import { guardOut } from '../guard.js';
import { type State, Values, applyStmt, canFail, cloneState, failEnd } from '../values.js';

export function removeDeadStatements(g: Graph): boolean {
  const v = new Values();
  const a = analyze(g, v);
  const liveIn = liveness(a.order);
  const guardIn = new Map<number, number>();
  let changed = false;
  for (let n = a.order.length - 1; n >= 0; n--) {
    const b = a.order[n]!;
    const entry = a.entry.get(b.id);
    let guard = guardOut(b, guardIn);
    if (!entry) {
      guardIn.set(b.id, 0);
      continue;
    }
    const failing: boolean[] = [];
    const ends: number[] = [];
    const s: State = cloneState(entry);
    for (const i of b.stmts) {
      failing.push(canFail(v, s, i));
      ends.push(failEnd(v, s, i));
      applyStmt(v, s, i);
    }
    let live = liveOut(b, liveIn);
    const kept: ClassicInsn[] = [];
    for (let m = b.stmts.length - 1; m >= 0; m--) {
      const i = b.stmts[m]!;
      const defs = stmtDefs(i);
      if ((defs & live) === 0 && (!failing[m] || ends[m]! <= guard)) { changed = true; continue; }
      live = (live & ~defs) | stmtUses(i);
      if (ends[m]! !== Infinity) guard = Math.max(guard, ends[m]!);
      kept.push(i);
    }
    b.stmts = kept.reverse();
    guardIn.set(b.id, guard);
  }
  return changed;
}
