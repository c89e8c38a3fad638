/**
 * Block graph back to a linear program. Blocks are placed in an order where every edge goes
 * forward, keeping the input's order where it can and putting the target of an unconditional
 * edge right after its source (so it costs no `ja`). A test's jt/jf are 8 bits: an edge
 * farther than 255 instructions goes through a `ja` placed right after the test, as libpcap
 * does; placing one moves the code after it, so offsets are recomputed until none is too far.
 */
import { type ClassicInsn, insn } from '../../classic/insn.js';
import { BPF_JA, BPF_JMP } from '../../abi/opcodes.js';
import { type Block, type Graph, predecessors, successors, topoOrder } from './graph.js';

const MAX_OFFSET = 255;

/** Blocks in emission order. */
export function placeBlocks(g: Graph): Block[] {
  const reachable = topoOrder(g);
  const preds = predecessors(reachable);
  const waiting = new Map<number, number>(reachable.map((b) => [b.id, preds.get(b.id)!.length]));
  const ready: Block[] = [g.entry];
  const placed: Block[] = [];
  while (ready.length > 0) {
    const last = placed[placed.length - 1];
    let pick = -1;
    if (last && last.term.kind === 'goto') pick = ready.indexOf(last.term.target);
    if (pick < 0) {
      pick = 0;
      for (let n = 1; n < ready.length; n++) {
        const b = ready[n]!;
        const p = ready[pick]!;
        if (b.order < p.order || (b.order === p.order && b.id < p.id)) pick = n;
      }
    }
    const b = ready.splice(pick, 1)[0]!;
    placed.push(b);
    for (const s of new Set(successors(b))) {
      const left = waiting.get(s.id)! - (successors(b).filter((x) => x === s).length);
      waiting.set(s.id, left);
      if (left === 0) ready.push(s);
    }
  }
  return placed;
}

interface Far { jt: boolean; jf: boolean }

export function linearize(g: Graph): ClassicInsn[] {
  const placed = placeBlocks(g);
  const index = new Map<number, number>(placed.map((b, n) => [b.id, n]));
  const far = new Map<number, Far>();
  const fallsThrough = (n: number): boolean => {
    const t = placed[n]!.term;
    return t.kind === 'goto' && index.get(t.target.id) === n + 1;
  };
  const size = (b: Block, n: number): number => {
    const f = far.get(b.id);
    const term = b.term.kind === 'goto' ? (fallsThrough(n) ? 0 : 1) : 1 + (f ? Number(f.jt) + Number(f.jf) : 0);
    return b.stmts.length + term;
  };
  for (;;) {
    const start: number[] = [];
    let pos = 0;
    placed.forEach((b, n) => { start.push(pos); pos += size(b, n); });
    let grew = false;
    const out: ClassicInsn[] = [];
    placed.forEach((b, n) => {
      out.push(...b.stmts);
      const at = start[n]! + b.stmts.length;
      const t = b.term;
      if (t.kind === 'ret') { out.push(t.insn); return; }
      if (t.kind === 'goto') {
        if (!fallsThrough(n)) out.push(insn(BPF_JMP | BPF_JA, 0, 0, start[index.get(t.target.id)!]! - (at + 1)));
        return;
      }
      const f = far.get(b.id) ?? { jt: false, jf: false };
      let tramp = at + 1;
      const edge = (target: Block, viaJa: boolean): number => {
        const dest = start[index.get(target.id)!]!;
        if (viaJa) {
          const here = tramp++;
          return here - (at + 1);
        }
        return dest - (at + 1);
      };
      const jt = edge(t.jt, f.jt);
      const jf = edge(t.jf, f.jf);
      if (jt > MAX_OFFSET && !f.jt) { f.jt = true; grew = true; }
      if (jf > MAX_OFFSET && !f.jf) { f.jf = true; grew = true; }
      far.set(b.id, f);
      out.push(insn(t.insn.code, jt, jf, t.insn.k));
      if (f.jt) out.push(insn(BPF_JMP | BPF_JA, 0, 0, start[index.get(t.jt.id)!]! - (at + 2)));
      if (f.jf) out.push(insn(BPF_JMP | BPF_JA, 0, 0, start[index.get(t.jf.id)!]! - (at + 2 + Number(f.jt))));
    });
    if (!grew) return out;
  }
}
