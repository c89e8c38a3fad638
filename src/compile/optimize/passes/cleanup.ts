/**
 * Graph tidying: a test with both edges to one block is no test; empty blocks that only jump
 * on are bypassed; blocks with the same statements and the same ending are merged (working
 * from the returns upwards, so whole identical tails collapse into one). Merging is asked for
 * only once the other passes are done: two copies merged early lose what each path knew.
 */
import type { ClassicInsn } from '../../../classic/insn.js';
import { type Block, type Graph, topoOrder } from '../graph.js';

function key(i: ClassicInsn): string {
  return `${i.code},${i.k}`;
}

function resolve(b: Block): Block {
  // Forward-only edges: the chain of empty jumps ends.
  while (b.stmts.length === 0 && b.term.kind === 'goto') b = b.term.target;
  return b;
}

export function cleanupGraph(g: Graph, merge = false): boolean {
  let changed = false;
  const order = topoOrder(g);
  const canon = new Map<number, Block>();
  const byShape = new Map<string, Block>();
  const map = (b: Block): Block => {
    const r = canon.get(resolve(b).id) ?? resolve(b);
    if (r !== b) changed = true;
    return r;
  };
  for (let n = order.length - 1; n >= 0; n--) {
    const b = order[n]!;
    const t = b.term;
    if (t.kind === 'goto') t.target = map(t.target);
    else if (t.kind === 'cond') {
      t.jt = map(t.jt);
      t.jf = map(t.jf);
      if (t.jt === t.jf) { b.term = { kind: 'goto', target: t.jt }; changed = true; }
    }
    const bt = b.term;
    const shape = `${b.stmts.map(key).join(';')}|${bt.kind === 'ret' ? `r${key(bt.insn)}` : bt.kind === 'goto' ? `g${bt.target.id}` : `c${key(bt.insn)}>${bt.jt.id}>${bt.jf.id}`}`;
    const same = byShape.get(shape);
    if (merge && same && same !== b) { canon.set(b.id, same); changed = true; } else byShape.set(shape, b);
  }
  const entry = map(g.entry);
  if (entry !== g.entry) g.entry = entry;
  return changed;
}
