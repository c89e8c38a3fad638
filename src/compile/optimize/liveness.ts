/** Which of A, X and M[] may still be read, at the entry of every block (backward pass). */
import type { Block } from './graph.js';
import { successors } from './graph.js';
import { stmtDefs, stmtUses, termUses } from './effects.js';

/** Registers read after the statements of b, before anything writes them again. */
export function liveOut(b: Block, liveIn: Map<number, number>): number {
  let live = termUses(b.term);
  for (const s of successors(b)) live |= liveIn.get(s.id) ?? 0;
  return live;
}

/** live-in bit sets by block id; `order` must be topological. */
export function liveness(order: readonly Block[]): Map<number, number> {
  const liveIn = new Map<number, number>();
  for (let n = order.length - 1; n >= 0; n--) {
    const b = order[n]!;
    let live = liveOut(b, liveIn);
    for (let s = b.stmts.length - 1; s >= 0; s--) {
      const i = b.stmts[s]!;
      live = (live & ~stmtDefs(i)) | stmtUses(i);
    }
    liveIn.set(b.id, live);
  }
  return liveIn;
}
