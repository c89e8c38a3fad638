/**
 * Exhaustive exploration of a seccomp filter over its input, by regions rather than paths.
 *
 * The input is sixteen 32-bit words (nr, arch, the halves of instruction_pointer and of the
 * six args). A and X hold symbols (sym.ts). A first pass walks the program forward with
 * symbolic registers only and builds a graph of decision nodes: a node is a branching
 * instruction with one register state (registers no later instruction reads are forgotten,
 * so paths that differ only in dead values meet again). Comparisons that the starting
 * domains decide (a fixed arch or nr) are folded away, so the graph of one syscall is small.
 *
 * A second pass goes backward over the graph (classic jumps only go forward) and gives each
 * node, for each verdict it can lead to, the region of inputs that get that verdict from
 * there: a union of boxes (region.ts). A branch and its negation that lead to the same box
 * give the box unconditioned, so paths that end in the same verdict merge instead of
 * multiplying; a verdict whose region still needs more than `maxBoxes` boxes is kept as
 * "the rest" (its boxes null) — the regions of the other verdicts describe it exactly.
 *
 * A third, forward pass finds the instructions some input reaches and the comparisons of
 * nr made before any check of arch; when its regions grow too large it falls back to the
 * graph (which may count as reached an instruction only impossible paths lead to).
 *
 * Work is counted in operations against a budget; exhaustion is an AnalysisBudgetError,
 * never a silent sample.
 */
import { Cbpf2ebpfError, EXIT_DATAERR } from '../errors.js';
import type { ClassicInsn, ClassicProgram } from '../classic/insn.js';
import { classicForm } from '../classic/insn.js';
import { BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET, BPF_MEMWORDS, BPF_W, bpfOp, bpfSize } from '../abi/opcodes.js';
import { SECCOMP_DATA_SIZE } from '../abi/ctx.js';
import { ALU_SYMBOLS } from './disasm.js';
import { type Domain, FULL, NEGATION, type Relation, holds, pointOf, restrict, sameDomain } from './domain.js';
import {
  type Box, BoxSet, type Initial, TRUE_BOX, andCond, andFact, boxMatches, domainIn, subsetBox, subtractBox,
} from './region.js';
import { type Sym, WORDS, WORD_ARCH, WORD_NR, alu, constSym, evalSym, wordSym, wordsOf } from './sym.js';

export * from './sym.js';
export type { Box, Fact } from './region.js';

export class AnalysisBudgetError extends Cbpf2ebpfError {
  constructor(readonly steps: number) {
    super(`analysis stopped after ${steps} steps: the filter has too many paths to explore exhaustively (raise the budget with --budget)`, EXIT_DATAERR);
  }
}

/** One verdict of an exploration and the inputs that get it. */
export interface VerdictRegion {
  /** What the RETs return: a constant, or (for `ret a`) a symbol. */
  readonly value: Sym;
  /** The RET instructions that give it. */
  readonly pcs: readonly number[];
  /** The region as a union of boxes; null when too large to keep: then it is every input no other verdict's region holds. */
  readonly boxes: readonly Box[] | null;
}

export interface ExploreOptions {
  /** Starting domains of input words (word index -> domain), e.g. a fixed arch or nr. */
  readonly words?: ReadonlyMap<number, Domain>;
  /** Operation budget of this exploration. Default 4,000,000. */
  readonly budget?: number;
  /** Boxes a verdict's region may need at one node before it is kept as "the rest". Default 32. */
  readonly maxBoxes?: number;
  /** Skip the forward pass (reached, nrBeforeArch). */
  readonly skipReach?: boolean;
}

export interface Exploration {
  readonly verdicts: readonly VerdictRegion[];
  /** 1 for every instruction some input reaches. */
  readonly reached: Uint8Array;
  /** False when `reached` fell back to the graph (see the module comment). */
  readonly reachExact: boolean;
  /** Instructions that compare something derived from nr while arch is still unconstrained. */
  readonly nrBeforeArch: number[];
  /** Comparisons of a plain input word by value whose outcome depends on the input: pc and the word (bit set). */
  readonly compares: ReadonlyMap<number, number>;
  readonly steps: number;
  /** The starting domains, to tell which constraints a region adds. */
  readonly initial: Initial;
}

/** Symbolic A, X and M[]. */
export interface Regs {
  a: Sym;
  x: Sym;
  mem: Array<Sym | undefined>;
}

/**
 * Runs a straight-line instruction (a load, store, move or ALU operation other than a division
 * by X) on symbolic registers; false for anything else (jumps, returns, division by X).
 */
export function applySym(regs: Regs, i: ClassicInsn, pc: number): boolean {
  const f = classicForm(i.code);
  switch (f?.kind) {
    case 'ld-abs':
      if (bpfSize(i.code) !== BPF_W || i.k % 4 !== 0 || i.k >= SECCOMP_DATA_SIZE) {
        throw new Error(`instruction ${pc}: a seccomp filter loads only aligned words of seccomp_data`);
      }
      regs.a = wordSym(i.k / 4); return true;
    case 'ld-ind': case 'ldx-msh':
      throw new Error(`instruction ${pc}: packet loads do not exist in seccomp filters`);
    case 'ld-imm': regs.a = constSym(i.k); return true;
    case 'ld-len': regs.a = constSym(SECCOMP_DATA_SIZE); return true;
    case 'ld-mem': regs.a = regs.mem[i.k] ?? ZERO; return true;
    case 'ldx-imm': regs.x = constSym(i.k); return true;
    case 'ldx-len': regs.x = constSym(SECCOMP_DATA_SIZE); return true;
    case 'ldx-mem': regs.x = regs.mem[i.k] ?? ZERO; return true;
    case 'st': regs.mem[i.k] = regs.a; return true;
    case 'stx': regs.mem[i.k] = regs.x; return true;
    case 'tax': regs.x = regs.a; return true;
    case 'txa': regs.a = regs.x; return true;
    case 'neg': regs.a = alu('neg', regs.a, null); return true;
    case 'alu-k': regs.a = alu(ALU_SYMBOLS.get(bpfOp(i.code))!, regs.a, constSym(i.k)); return true;
    case 'alu-x': {
      const op = ALU_SYMBOLS.get(bpfOp(i.code))!;
      if (op === '/' || op === '%') return false;
      regs.a = alu(op, regs.a, regs.x);
      return true;
    }
    default: return false;
  }
}

type Result = Map<string, { value: Sym; pcs: Set<number>; boxes: Box[] | null }>;

interface Node {
  readonly pc: number;
  readonly regs: Regs;
  /** Some path reaches the node with arch not compared yet. */
  archFree: boolean;
  /** A RET's value, or a comparison: `sym rel k` or the fact `sym rel right`. */
  ret?: Sym;
  sym?: Sym;
  rel?: Relation;
  k?: number;
  right?: Sym;
  /** Division by X: the `no` branch divides. */
  div?: string;
  yes: Node | null;
  no: Node | null;
  /** Instructions run from the branch to the next node (included). */
  yesPcs: number[];
  noPcs: number[];
  res?: Result;
}

const RELATION_OF = new Map<number, Relation>([[BPF_JEQ, '=='], [BPF_JGT, '>'], [BPF_JGE, '>='], [BPF_JSET, '&']]);
/** `k REL v` rewritten as `v REL' k`. */
const SWAPPED: Readonly<Record<Relation, Relation>> = {
  '==': '==', '!=': '!=', '>': '<', '>=': '<=', '<': '>', '<=': '>=', '&': '&', '!&': '!&',
};

const A_BIT = 1;
const X_BIT = 2;
const memBit = (k: number): number => 4 << k;

const livenessCache = new WeakMap<ClassicProgram, Uint32Array>();

/** Registers each instruction may read before writing them (bit set: A, X, M[0..15]). */
function liveness(prog: ClassicProgram): Uint32Array {
  const cached = livenessCache.get(prog);
  if (cached) return cached;
  const live = new Uint32Array(prog.length + 1);
  const at = (pc: number): number => (pc >= 0 && pc < prog.length ? live[pc]! : 0);
  for (let pc = prog.length - 1; pc >= 0; pc--) {
    const i = prog[pc]!;
    const f = classicForm(i.code);
    const next = at(pc + 1);
    let l = next;
    switch (f?.kind) {
      case 'ld-abs': case 'ld-imm': case 'ld-len': case 'ld-ind': l = next & ~A_BIT; break;
      case 'ld-mem': l = (next & ~A_BIT) | memBit(i.k); break;
      case 'ldx-imm': case 'ldx-len': case 'ldx-msh': l = next & ~X_BIT; break;
      case 'ldx-mem': l = (next & ~X_BIT) | memBit(i.k); break;
      case 'st': l = (next & ~memBit(i.k)) | A_BIT; break;
      case 'stx': l = (next & ~memBit(i.k)) | X_BIT; break;
      case 'tax': l = (next & ~X_BIT) | A_BIT; break;
      case 'txa': l = (next & ~A_BIT) | X_BIT; break;
      case 'neg': case 'alu-k': l = next | A_BIT; break;
      case 'alu-x': l = next | A_BIT | X_BIT; break;
      case 'ja': l = at(pc + 1 + i.k); break;
      case 'jmp-k': l = at(pc + 1 + i.jt) | at(pc + 1 + i.jf) | A_BIT; break;
      case 'jmp-x': l = at(pc + 1 + i.jt) | at(pc + 1 + i.jf) | A_BIT | X_BIT; break;
      case 'ret-k': l = 0; break;
      case 'ret-a': l = A_BIT; break;
      default: break;
    }
    live[pc] = l >>> 0;
  }
  livenessCache.set(prog, live);
  return live;
}

const ZERO = constSym(0);

/** One exploration of a program: the graph of its branching points, then regions and reach over it. */
class Explorer {
  readonly budget: number;
  readonly maxBoxes: number;
  readonly initial = new Map<string, { sym: Sym; domain: Domain }>();
  readonly meter = { ops: 0 };
  readonly live: Uint32Array;
  readonly byPc: Array<Map<string, Node> | undefined>;
  readonly order: Node[] = [];

  constructor(readonly prog: ClassicProgram, opts: ExploreOptions) {
    this.budget = opts.budget ?? 4_000_000;
    this.maxBoxes = opts.maxBoxes ?? 32;
    for (const [w, d] of opts.words ?? []) this.initial.set(wordSym(w).key, { sym: wordSym(w), domain: d });
    this.live = liveness(prog);
    this.byPc = new Array(prog.length);
  }

  charge(n = 1): void {
    this.meter.ops += n;
    if (this.meter.ops > this.budget) throw new AnalysisBudgetError(this.budget);
  }

  startDomain(sym: Sym): Domain {
    return this.initial.get(sym.key)?.domain ?? FULL;
  }

  /** The node of (pc, the live part of regs), made on first visit. */
  nodeAt(pc: number, regs: Regs, archFree: boolean): Node {
    const l = this.live[pc]!;
    const a = l & A_BIT ? regs.a : ZERO;
    const x = l & X_BIT ? regs.x : ZERO;
    const mem = regs.mem.map((m, k) => (l & memBit(k) ? m : undefined));
    const key = `${a.key}|${x.key}|${mem.map((m) => m?.key ?? '').join(',')}`;
    let here = this.byPc[pc];
    if (!here) { here = new Map(); this.byPc[pc] = here; }
    const old = here.get(key);
    if (old) { old.archFree ||= archFree; return old; }
    this.charge();
    const n: Node = { pc, regs: { a, x, mem }, archFree, yes: null, no: null, yesPcs: [], noPcs: [] };
    here.set(key, n);
    this.order.push(n);
    return n;
  }

  /** Runs straight-line code from `pc` to the next node; `pcs` collects what it runs. */
  advance(start: number, r: Regs, archFree: boolean, pcs: number[]): Node {
    let pc = start;
    const regs: Regs = { a: r.a, x: r.x, mem: r.mem.slice() };
    for (;;) {
      const i = this.prog[pc];
      if (!i) throw new Error(`path leaves the program at ${pc}`);
      pcs.push(pc);
      const f = classicForm(i.code);
      if (!f) throw new Error(`instruction ${pc}: code 0x${i.code.toString(16)} is not a classic instruction`);
      if (applySym(regs, i, pc)) { pc++; continue; }
      switch (f.kind) {
        case 'alu-x': {
          const op = ALU_SYMBOLS.get(bpfOp(i.code))!;
          if ((op === '/' || op === '%') && regs.x.t !== 'const') {
            const n = this.nodeAt(pc, regs, archFree);
            n.sym = regs.x; n.rel = '=='; n.k = 0; n.div = op;
            return n;
          }
          // Division by a constant 0 ends the filter with 0 (the kernel's guard).
          if ((op === '/' || op === '%') && regs.x.t === 'const' && regs.x.v === 0) {
            const n = this.nodeAt(pc, regs, archFree);
            n.ret = ZERO;
            return n;
          }
          regs.a = alu(op, regs.a, regs.x); pc++; break;
        }
        case 'ja': pc = pc + 1 + i.k; break;
        case 'jmp-k': case 'jmp-x': {
          const pcTrue = pc + 1 + i.jt;
          const pcFalse = pc + 1 + i.jf;
          if (pcTrue === pcFalse) { pc = pcTrue; break; }
          const relation = RELATION_OF.get(bpfOp(i.code))!;
          const left = regs.a;
          const right = f.kind === 'jmp-k' ? constSym(i.k) : regs.x;
          if (left.t === 'const' && right.t === 'const') { pc = holds2(relation, left.v, right.v) ? pcTrue : pcFalse; break; }
          if (left.t !== 'const' && right.t !== 'const') {
            if (left.key === right.key && relation !== '&') {
              pc = relation === '==' || relation === '>=' ? pcTrue : pcFalse;
              break;
            }
            const n = this.nodeAt(pc, regs, archFree);
            if (left.key === right.key) { n.sym = left; n.rel = '&'; n.k = 0xffffffff; } else { n.sym = left; n.rel = relation; n.right = right; }
            return n;
          }
          const sym = right.t === 'const' ? left : right;
          const rel = right.t === 'const' ? relation : SWAPPED[relation];
          const k = right.t === 'const' ? right.v : (left as { v: number }).v;
          const d = this.startDomain(sym);
          const point = pointOf(d);
          if (point !== undefined) { pc = holds(rel, point, k) ? pcTrue : pcFalse; break; }
          const yes = restrict(d, rel, k);
          const no = restrict(d, NEGATION[rel], k);
          if (!yes || !no) { pc = yes ? pcTrue : pcFalse; break; }
          const n = this.nodeAt(pc, regs, archFree);
          n.sym = sym; n.rel = rel; n.k = k;
          return n;
        }
        case 'ret-k': { const n = this.nodeAt(pc, regs, archFree); n.ret = constSym(i.k); return n; }
        case 'ret-a': { const n = this.nodeAt(pc, regs, archFree); n.ret = regs.a; return n; }
      }
    }
  }

  /** Every branching point reachable from pc 0, each with its two successors: the graph. */
  build(): { root: Node; rootPcs: number[] } {
    const archStartsFree = sameDomain(this.startDomain(wordSym(WORD_ARCH)), FULL);
    const rootPcs: number[] = [];
    const root = this.advance(0, { a: ZERO, x: ZERO, mem: new Array<Sym | undefined>(BPF_MEMWORDS) }, archStartsFree, rootPcs);
    const zeroRets = new Map<number, Node>();
    for (let pc = 0; pc < this.prog.length; pc++) {
      const here = this.byPc[pc];
      if (!here) continue;
      for (const n of here.values()) {
        if (n.ret || n.yes || n.no) continue;
        const { regs } = n;
        const onArch = (wordsOf(n.sym!) | (n.right ? wordsOf(n.right) : 0)) & (1 << WORD_ARCH);
        const free = n.archFree && !onArch;
        if (n.div) {
          let z = zeroRets.get(pc);
          if (!z) {
            z = { pc, regs, archFree: false, ret: ZERO, yes: null, no: null, yesPcs: [], noPcs: [] };
            zeroRets.set(pc, z);
            this.order.push(z);
          }
          n.yes = z;
          n.yesPcs = [pc];
          n.no = this.advance(pc + 1, { ...regs, a: alu(n.div, regs.a, regs.x) }, free, n.noPcs);
          continue;
        }
        const i = this.prog[pc]!;
        n.yes = this.advance(pc + 1 + i.jt, regs, free, n.yesPcs);
        n.no = this.advance(pc + 1 + i.jf, regs, free, n.noPcs);
      }
    }
    return { root, rootPcs };
  }

  /** Box b narrowed by n's comparison, taken or not; null when nothing is left. */
  cond(n: Node, b: Box, taken: boolean): Box | null {
    if (n.right) return andFact(b, { left: n.sym!, relation: taken ? n.rel! : NEGATION[n.rel!], right: n.right });
    return andCond(b, n.sym!, taken ? n.rel! : NEGATION[n.rel!], n.k!, this.initial);
  }

  covered(b: Box, by: readonly Box[]): boolean {
    if (by.length > 16) return false;
    for (const t of by) { this.charge(); if (subsetBox(b, t, this.initial)) return true; }
    return false;
  }

  /** Backward over the graph: for each verdict, the boxes of inputs that reach it from the root. */
  regions(root: Node): VerdictRegion[] {
    // A division's zero RET shares its pc and must come first.
    const nodes = [...this.order].sort((p, q) => q.pc - p.pc || (q.ret ? 1 : 0) - (p.ret ? 1 : 0));
    for (const n of nodes) {
      if (n.ret) {
        n.res = new Map([[n.ret.key, { value: n.ret, pcs: new Set([n.pc]), boxes: [TRUE_BOX] }]]);
        continue;
      }
      const res: Result = new Map();
      const t = n.yes!.res!;
      const f = n.no!.res!;
      for (const key of new Set([...t.keys(), ...f.keys()])) {
        const y = t.get(key);
        const z = f.get(key);
        const value = (y ?? z)!.value;
        const pcs = new Set([...(y?.pcs ?? []), ...(z?.pcs ?? [])]);
        if (y?.boxes === null || z?.boxes === null) { res.set(key, { value, pcs, boxes: null }); continue; }
        const set = new BoxSet(this.initial, this.meter);
        const yb = y?.boxes ?? [];
        const zb = z?.boxes ?? [];
        // The same box on both sides (it came unchanged from a node both branches reach).
        const zKeys = yb.length && zb.length ? new Set(zb) : undefined;
        const yKeys = yb.length && zb.length ? new Set(yb) : undefined;
        for (const b of yb) {
          this.charge();
          if (zKeys?.has(b)) { set.add(b); continue; }
          const c = this.cond(n, b, true);
          if (!c) continue;
          const other = this.cond(n, b, false);
          set.add(other && this.covered(other, zb) ? b : c);
        }
        for (const b of zb) {
          this.charge();
          if (yKeys?.has(b)) continue;
          const c = this.cond(n, b, false);
          if (!c) continue;
          const other = this.cond(n, b, true);
          set.add(other && this.covered(other, yb) ? b : c);
        }
        if (this.meter.ops > this.budget) throw new AnalysisBudgetError(this.budget);
        res.set(key, { value, pcs, boxes: set.size > this.maxBoxes ? null : set.boxes });
      }
      n.res = res;
    }
    const verdicts: VerdictRegion[] = [...root.res!.values()].map((v) => ({
      value: v.value, pcs: [...v.pcs].sort((a, b) => a - b), boxes: v.boxes,
    }));
    // Drop the per-node results: they are large and no longer needed.
    for (const n of this.order) delete n.res;
    return verdicts;
  }

  /** The pcs that compare plain words by value, with the words they compare. */
  compares(): Map<number, number> {
    const compares = new Map<number, number>();
    // Plain words compared by value (not masks: a jset or `A & m` says nothing of the bits it leaves out).
    for (const n of this.order) {
      if (n.yes && n.no && !n.div && !n.right && n.sym!.t === 'word' && n.rel !== '&') compares.set(n.pc, (compares.get(n.pc) ?? 0) | wordsOf(n.sym!));
    }
    return compares;
  }

  /** Forward from the root: the instructions some input reaches, and the nr tests made before the arch is known. */
  reach(root: Node, rootPcs: readonly number[]): Pick<Exploration, 'reached' | 'reachExact' | 'nrBeforeArch'> {
    // ------------------------------------------------------------ reach, forward
    const reached = new Uint8Array(this.prog.length);
    const nrBeforeArch = new Set<number>();
    const archSym = wordSym(WORD_ARCH);
    const nrDependent = (n: Node): boolean => ((wordsOf(n.sym!) | (n.right ? wordsOf(n.right) : 0)) & (1 << WORD_NR)) !== 0;
    let reachExact = true;
    try {
      const fwd = new Map<Node, BoxSet>();
      const reach = (n: Node, b: Box, pcs: readonly number[]): void => {
        let s = fwd.get(n);
        if (!s) { s = new BoxSet(this.initial, this.meter); fwd.set(n, s); }
        s.add(b);
        if (s.size > this.maxBoxes * 4) throw new AnalysisBudgetError(this.budget);
        for (const pc of pcs) reached[pc] = 1;
      };
      reach(root, TRUE_BOX, rootPcs);
      for (const n of [...this.order].sort((p, q) => p.pc - q.pc)) {
        const s = fwd.get(n);
        if (!s || n.ret) continue;
        for (const b of s.boxes) {
          this.charge();
          const y = this.cond(n, b, true);
          const z = this.cond(n, b, false);
          if (y) reach(n.yes!, y, n.yesPcs);
          if (z) reach(n.no!, z, n.noPcs);
          if (y && z && nrDependent(n) && sameDomain(domainIn(b, archSym, this.initial), FULL)) nrBeforeArch.add(n.pc);
        }
      }
    } catch (e) {
      if (!(e instanceof AnalysisBudgetError)) throw e;
      if (this.meter.ops > this.budget) throw e;
      // Too many regions to follow forward: the graph tells what is reached.
      reachExact = false;
      reached.fill(0);
      nrBeforeArch.clear();
      for (const pc of rootPcs) reached[pc] = 1;
      for (const n of this.order) {
        for (const pc of n.yesPcs) reached[pc] = 1;
        for (const pc of n.noPcs) reached[pc] = 1;
        if (n.yes && n.no && n.archFree && nrDependent(n) && !n.ret) nrBeforeArch.add(n.pc);
      }
    }
    return { reached, reachExact, nrBeforeArch: [...nrBeforeArch].sort((a, b) => a - b) };
  }
}

export function exploreSeccomp(prog: ClassicProgram, opts: ExploreOptions = {}): Exploration {
  const ex = new Explorer(prog, opts);
  const { root, rootPcs } = ex.build();
  const verdicts = ex.regions(root);
  const compares = ex.compares();
  const reach = opts.skipReach
    ? { reached: new Uint8Array(prog.length), reachExact: false, nrBeforeArch: [] }
    : ex.reach(root, rootPcs);
  return { verdicts, ...reach, compares, steps: ex.meter.ops, initial: ex.initial };
}

function holds2(relation: Relation, a: number, b: number): boolean {
  const x = a >>> 0;
  const y = b >>> 0;
  switch (relation) {
    case '==': return x === y;
    case '>': return x > y;
    case '>=': return x >= y;
    case '&': return (x & y) !== 0;
    default: throw new Error(`unexpected relation ${relation}`);
  }
}

/** The 16 input words of a 64-byte seccomp_data as our engines load them (little-endian). */
export function inputWords(data: Uint8Array): Uint32Array {
  const view = new DataView(data.buffer, data.byteOffset, SECCOMP_DATA_SIZE);
  const words = new Uint32Array(WORDS);
  for (let w = 0; w < WORDS; w++) words[w] = view.getUint32(4 * w, true);
  return words;
}

/** The verdict an exploration gives concrete input words, and its value for them. */
export function verdictFor(x: Exploration, words: ArrayLike<number>): { region: VerdictRegion; value: number } | undefined {
  let rest: VerdictRegion | undefined;
  for (const v of x.verdicts) {
    if (v.boxes === null) { rest = v; continue; }
    if (v.boxes.some((b) => boxMatches(b, words))) return { region: v, value: evalSym(v.value, words) };
  }
  return rest ? { region: rest, value: evalSym(rest.value, words) } : undefined;
}

/** How many verdicts' explicit regions hold the words (1 for a sound exploration, or 0 for "the rest"). */
export function matchingVerdicts(x: Exploration, words: ArrayLike<number>): number {
  return x.verdicts.filter((v) => v.boxes !== null && v.boxes.some((b) => boxMatches(b, words))).length;
}

/** A verdict's region as boxes: its own, or the complement of the other verdicts' when kept as the rest. */
export function verdictBoxes(x: Exploration, v: VerdictRegion, meter: { ops: number; budget: number }): readonly Box[] {
  if (v.boxes) return v.boxes;
  let rest: Box[] = [TRUE_BOX];
  for (const o of x.verdicts) {
    if (o === v) continue;
    for (const q of o.boxes!) {
      const set = new BoxSet(x.initial, meter);
      for (const p of rest) for (const r of subtractBox(p, q, x.initial)) set.add(r);
      rest = set.boxes;
      meter.ops += rest.length;
      if (meter.ops > meter.budget) throw new AnalysisBudgetError(meter.budget);
    }
  }
  return rest;
}

export { boxMatches } from './region.js';
