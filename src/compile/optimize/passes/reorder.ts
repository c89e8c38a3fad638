/**
 * Test reordering inside an "or" chain (every test's true edge to one block, false edge to the
 * next test) or an "and" chain (false edges to one block): the chain's verdict does not depend
 * on the order of its tests, so tests of the same value are brought together and the reloads
 * between them go, and tests of the value A holds on entry come first.
 *
 * What may fail decides what may move. In general only loads that already succeeded on the way
 * in move (so no reordering changes which load fails first). A chain whose shared edge leads
 * only to `ret #0` is free: the chain gives 0 unless every load succeeds and every test goes on,
 * whatever the order, and a failing load gives 0 as well. Inside the chain only
 * A changes, and A must not be read after it.
 */
import { type ClassicInsn, classicForm } from '../../../classic/insn.js';
import { type Block, type Graph, successors } from '../graph.js';
import { analyze } from '../analysis.js';
import { liveness } from '../liveness.js';
import { guards } from '../guard.js';
import { REG_A, stmtDefs, stmtUses } from '../effects.js';
import { type State, Values, canFail, evalStmt } from '../values.js';

interface Link { block: Block; load: ClassicInsn | undefined; vn: number }

/**
 * After a chain changes, what A holds after it does too: the blocks below its exits are left
 * for the next round (blocks are visited in topological order, so none above it is affected).
 */
function markBelow(from: Block, tainted: Set<number>): void {
  const stack = [from];
  while (stack.length > 0) {
    const b = stack.pop()!;
    if (tainted.has(b.id)) continue;
    tainted.add(b.id);
    stack.push(...successors(b));
  }
}
type CondTerm = Block['term'] & { kind: 'cond' };

/** A statement a chain may move: writes only A and reads neither A nor anything that may fail (unless `free`). */
function movableLoad(v: Values, s: State, i: ClassicInsn, free: boolean): boolean {
  return stmtDefs(i) === REG_A && (stmtUses(i) & REG_A) === 0 && (free || !canFail(v, s, i));
}

function isTest(b: Block): b is Block & { term: CondTerm } {
  return b.term.kind === 'cond' && classicForm(b.term.insn.code)!.kind === 'jmp-k';
}

export function reorderTestChains(g: Graph): boolean {
  const v = new Values();
  const a = analyze(g, v);
  const liveIn = liveness(a.order);
  const guardIn = guards(a.order);
  const used = new Set<number>();
  let changed = false;
  for (const head of a.order) {
    const entry = a.entry.get(head.id);
    const exitState = a.exit.get(head.id);
    if (!entry || !exitState || used.has(head.id) || !isTest(head)) continue;
    const t = head.term;
    for (const orChain of [true, false]) {
      const common = orChain ? t.jt : t.jf;
      const free = guardIn.get(common.id) === Infinity;
      // The head joins the reordering when its only statement is a movable load.
      const headMoves = head.stmts.length === 0 || (head.stmts.length === 1 && movableLoad(v, entry, head.stmts[0]!, free));
      const start = headMoves ? entry : exitState;
      const links: Link[] = [{ block: head, load: headMoves ? head.stmts[0] : undefined, vn: exitState.A }];
      let vn = exitState.A;
      let cur = orChain ? t.jf : t.jt;
      for (;;) {
        if (used.has(cur.id) || (a.preds.get(cur.id)?.length ?? 0) !== 1 || !isTest(cur)) break;
        const ct = cur.term;
        if ((orChain ? ct.jt : ct.jf) !== common || cur.stmts.length > 1) break;
        const load = cur.stmts[0];
        if (load) {
          if (!movableLoad(v, start, load, free)) break;
          vn = evalStmt(v, start, load).vn;
        }
        links.push({ block: cur, load, vn });
        cur = orChain ? ct.jf : ct.jt;
      }
      const exit = cur;
      if (links.length < 2 || ((liveIn.get(common.id) ?? 0) | (liveIn.get(exit.id) ?? 0)) & REG_A) continue;
      const groups = new Map<number, Link[]>();
      if (headMoves) groups.set(start.A, []); // what A holds on entry is tested first, unloaded
      for (const l of links) {
        const grp = groups.get(l.vn);
        if (grp) grp.push(l); else groups.set(l.vn, [l]);
      }
      const ordered = [...groups.values()].flat();
      const loadsBefore = links.filter((l) => l.load).length;
      const loads = ordered.filter((l, n) => (n === 0 ? l.vn !== start.A || !headMoves : ordered[n - 1]!.vn !== l.vn));
      const loadsAfter = loads.length - (headMoves ? 0 : 1);
      if (loadsAfter >= loadsBefore) continue;
      const loadFor = new Map<number, ClassicInsn>();
      for (const l of links) if (l.load && !loadFor.has(l.vn)) loadFor.set(l.vn, l.load);
      const needsLoad = (n: number): boolean => (n === 0 ? headMoves && ordered[0]!.vn !== start.A : ordered[n - 1]!.vn !== ordered[n]!.vn);
      const termFor = (l: Link, next: Block): CondTerm => {
        const lt = l.block.term as CondTerm;
        return orChain ? { kind: 'cond', insn: lt.insn, jt: common, jf: next } : { kind: 'cond', insn: lt.insn, jt: next, jf: common };
      };
      let next: Block = exit;
      for (let n = ordered.length - 1; n >= 1; n--) {
        const l = ordered[n]!;
        next = { id: g.nextId++, order: l.block.order, stmts: needsLoad(n) ? [loadFor.get(l.vn)!] : [], term: termFor(l, next) };
      }
      if (headMoves) head.stmts = needsLoad(0) ? [loadFor.get(ordered[0]!.vn)!] : [];
      head.term = termFor(ordered[0]!, next);
      for (const l of links) used.add(l.block.id);
      markBelow(common, used);
      markBelow(exit, used);
      changed = true;
      break;
    }
  }
  return changed;
}
