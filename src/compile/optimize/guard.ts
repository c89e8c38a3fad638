/**
 * Where a failing load changes nothing. A failed load ends the filter with 0, the same verdict
 * as `ret #0`; so a load that can fail may still be dropped when every path from it to a
 * return of anything else passes a load reaching at least as far (which fails on the same
 * short packets). The guard of a point is the least, over those paths, of the farthest load
 * end on the path: paths that only end in `ret #0` put no bound on it (Infinity).
 */
import { classicForm } from '../../classic/insn.js';
import type { Block } from './graph.js';
import { successors } from './graph.js';
import { plainLoadEnd } from './effects.js';

/** Guard on entry to a block that ends in `ret`, before its statements. */
export function retGuard(b: Block): number {
  if (b.term.kind !== 'ret') return 0;
  const i = b.term.insn;
  return classicForm(i.code)?.kind === 'ret-k' && i.k === 0 ? Infinity : 0;
}

/** Guard after a block's statements. */
export function guardOut(b: Block, guardIn: Map<number, number>): number {
  if (b.term.kind === 'ret') return retGuard(b);
  let g = Infinity;
  for (const s of successors(b)) g = Math.min(g, guardIn.get(s.id) ?? 0);
  return g;
}

/** Guards on entry to every block, `order` topological (only absolute loads counted). */
export function guards(order: readonly Block[]): Map<number, number> {
  const guardIn = new Map<number, number>();
  for (let n = order.length - 1; n >= 0; n--) {
    const b = order[n]!;
    let g = guardOut(b, guardIn);
    for (let s = b.stmts.length - 1; s >= 0; s--) g = Math.max(g, plainLoadEnd(b.stmts[s]!) ?? 0);
    guardIn.set(b.id, g);
  }
  return guardIn;
}
