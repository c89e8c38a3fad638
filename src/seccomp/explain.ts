/**
 * Why a filter gives a syscall its verdict: the decisive comparisons of its path. A comparison
 * on the path is decisive when some input that differs from the query only in the words it
 * compares, and still takes every other comparison of the path the same way up to it, takes
 * its other branch and gets a different verdict. Found from the regions of an exploration
 * that pins every other word to the query's value, so the answer is exact, not sampled.
 */
import { BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET, bpfOp } from '../abi/opcodes.js';
import type { ClassicProgram } from '../classic/insn.js';
import { classicForm } from '../classic/insn.js';
import { type Domain, NEGATION, type Relation, pointDomain } from './domain.js';
import {
  type Exploration, type Regs, type Sym, WORDS, applySym, constSym, evalSym, exploreSeccomp, verdictBoxes, verdictFor, wordsOf,
} from './explore.js';
import { type Box, TRUE_BOX, andCond, andFact, intersectBox } from './region.js';

/** One decisive comparison. */
export interface DecisiveStep {
  /** The classic jump. */
  readonly pc: number;
  /** What it compared, as a C-like expression of the input (`nr`, `(u32)args[1]`...). */
  readonly left: Sym;
  readonly relation: Relation;
  /** The constant, or for a comparison with X the symbol X held. */
  readonly right: Sym;
  /** The values compared for this query. */
  readonly leftValue: number;
  readonly rightValue: number;
  /** Whether the condition held (the jump took its `jt` branch). */
  readonly taken: boolean;
}

const RELATION_OF = new Map<number, Relation>([[BPF_JEQ, '=='], [BPF_JGT, '>'], [BPF_JGE, '>='], [BPF_JSET, '&']]);

/**
 * The decisive comparisons of the path `pcs` (the classic instructions a query ran, in order)
 * for the input `words`.
 */
export function decisiveSteps(prog: ClassicProgram, pcs: readonly number[], words: ArrayLike<number>, budget = 4_000_000): DecisiveStep[] {
  // The path again, with symbols: what each jump compared.
  interface Jump { pc: number; left: Sym; relation: Relation; right: Sym; taken: boolean; words: number }
  const jumps: Jump[] = [];
  const regs: Regs = { a: constSym(0), x: constSym(0), mem: [] };
  for (let n = 0; n < pcs.length; n++) {
    const pc = pcs[n]!;
    const i = prog[pc]!;
    if (applySym(regs, i, pc)) continue;
    const f = classicForm(i.code);
    if (f?.kind === 'alu-x') { regs.a = constSym(evalSym(regs.a, words)); continue; }
    if (f?.kind !== 'jmp-k' && f?.kind !== 'jmp-x') continue;
    if (i.jt === i.jf) continue;
    const right = f.kind === 'jmp-k' ? constSym(i.k) : regs.x;
    const relation = RELATION_OF.get(bpfOp(i.code))!;
    const w = wordsOf(regs.a) | wordsOf(right);
    if (w === 0) continue;
    const next = pcs[n + 1];
    jumps.push({ pc, left: regs.a, relation, right, taken: next === pc + 1 + i.jt, words: w });
  }
  const explorations = new Map<number, Exploration>();
  const cond = (b: Box, j: Jump, taken: boolean, x: Exploration): Box | null => {
    const rel = taken ? j.relation : NEGATION[j.relation];
    if (j.right.t === 'const') return andCond(b, j.left, rel, j.right.v, x.initial);
    if (j.left.t === 'const') return andCond(b, j.right, SWAP[rel], j.left.v, x.initial);
    return andFact(b, { left: j.left, relation: rel, right: j.right });
  };
  const out: DecisiveStep[] = [];
  jumps.forEach((j, n) => {
    let x = explorations.get(j.words);
    if (!x) {
      const pinned = new Map<number, Domain>();
      for (let w = 0; w < WORDS; w++) if (!(j.words & (1 << w))) pinned.set(w, pointDomain(words[w]!));
      x = exploreSeccomp(prog, { words: pinned, budget, skipReach: true });
      explorations.set(j.words, x);
    }
    let inputs: Box | null = TRUE_BOX;
    for (let m = 0; m < n && inputs; m++) if (jumps[m]!.words & j.words) inputs = cond(inputs, jumps[m]!, jumps[m]!.taken, x);
    if (inputs) inputs = cond(inputs, j, !j.taken, x);
    if (!inputs) return;
    const actual = verdictFor(x, words)?.region;
    const meter = { ops: 0, budget };
    const flips = x.verdicts.some((v) =>
      v !== actual && verdictBoxes(x!, v, meter).some((b) => intersectBox(b, inputs!, x!.initial) !== null));
    if (flips) {
      out.push({
        pc: j.pc, left: j.left, relation: j.relation, right: j.right, taken: j.taken,
        leftValue: evalSym(j.left, words), rightValue: evalSym(j.right, words),
      });
    }
  });
  return out;
}

const SWAP: Readonly<Record<Relation, Relation>> = {
  '==': '==', '!=': '!=', '>': '<', '>=': '<=', '<': '>', '<=': '>=', '&': '&', '!&': '!&',
};
