/**
 * A constant added to X only to index packet loads goes into their offsets instead:
 *
 *     ld #c; [ldxb 4*([k]&0xf)]; add x; tax; ... ld [x + k]   ->   [ldxb ...]; ... ld [x + k+c]
 *
 * when nothing reads that sum in A, X serves only as that index until it is written again,
 * and X's known bound keeps X + c + k below 2^31 (where both semantics read the same byte).
 */
import { type ClassicInsn, classicForm, insn, loadWidth } from '../../../classic/insn.js';
import { BPF_ADD, BPF_ALU, BPF_X } from '../../../abi/opcodes.js';
import type { Graph } from '../graph.js';
import { analyze } from '../analysis.js';
import { liveOut, liveness } from '../liveness.js';
import { PLAIN_LIMIT, REG_A, REG_X, stmtDefs, stmtUses } from '../effects.js';
import { type State, Values, applyStmt, cloneState } from '../values.js';

const kindOf = (i: ClassicInsn | undefined) => (i ? classicForm(i.code)!.kind : undefined);

/** Indexes of the loads that use the new X, or undefined when X or A is used otherwise. */
function indexedLoads(stmts: readonly ClassicInsn[], from: number, out: number): number[] | undefined {
  const loads: number[] = [];
  let aDone = false;
  let xDone = false;
  for (let n = from; n < stmts.length && !(aDone && xDone); n++) {
    const i = stmts[n]!;
    const uses = stmtUses(i);
    const defs = stmtDefs(i);
    if (!xDone && uses & REG_X) {
      if (kindOf(i) !== 'ld-ind') return undefined;
      loads.push(n);
    }
    if (!aDone && uses & REG_A) return undefined;
    if (defs & REG_A) aDone = true;
    if (defs & REG_X) xDone = true;
  }
  if ((!aDone && out & REG_A) || (!xDone && out & REG_X)) return undefined;
  return loads;
}

export function foldIndexOffsets(g: Graph): boolean {
  const v = new Values();
  const a = analyze(g, v);
  const liveIn = liveness(a.order);
  let changed = false;
  for (const b of a.order) {
    const entry = a.entry.get(b.id);
    if (!entry) continue;
    const s: State = cloneState(entry);
    const xBefore: number[] = [];
    for (const i of b.stmts) { xBefore.push(s.X); applyStmt(v, s, i); }
    const out = liveOut(b, liveIn);
    for (let t = 2; t < b.stmts.length; t++) {
      const st = b.stmts;
      if (kindOf(st[t]) !== 'tax' || st[t - 1]!.code !== (BPF_ALU | BPF_ADD | BPF_X)) continue;
      let q = t - 2;
      if (kindOf(st[q]) !== 'ld-imm') {
        const between = st[q]!;
        if (stmtUses(between) & REG_A || stmtDefs(between) !== REG_X) continue;
        q--;
        if (q < 0 || kindOf(st[q]) !== 'ld-imm') continue;
      }
      const c = st[q]!.k;
      const high = v.highOf(xBefore[t - 1]!);
      const loads = indexedLoads(st, t + 1, out);
      if (!loads || loads.length === 0) continue;
      if (!loads.every((n) => high + c + st[n]!.k + loadWidth(st[n]!.code) <= PLAIN_LIMIT)) continue;
      const next = st.slice();
      for (const n of loads) next[n] = insn(st[n]!.code, 0, 0, st[n]!.k + c);
      next.splice(t - 1, 2);
      next.splice(q, 1);
      b.stmts = next;
      changed = true;
      break; // the states recorded above no longer match this block
    }
  }
  return changed;
}
