/** Tests whose outcome the facts on every path into them decide become plain edges. */
import type { Graph } from '../graph.js';
import { analyze, decideTerm } from '../analysis.js';
import { Values } from '../values.js';

export function foldDecidedTests(g: Graph): boolean {
  const v = new Values();
  const a = analyze(g, v);
  let changed = false;
  for (const b of a.order) {
    const t = b.term;
    const s = a.exit.get(b.id);
    if (t.kind !== 'cond' || !s) continue;
    const taken = decideTerm(v, s, t);
    if (taken === undefined) continue;
    b.term = { kind: 'goto', target: taken ? t.jt : t.jf };
    changed = true;
  }
  return changed;
}
