/**
 * Exhaustive path exploration of a seccomp filter over its input.
 *
 * The input is sixteen 32-bit words (nr, arch, the halves of instruction_pointer and of the
 * six args). A and X hold symbols: a constant, a word, or an expression built by ALU
 * instructions over them. Each comparison of a symbol with a constant splits the set of
 * values the symbol may take (a Domain) into the branch where it holds and the one where it
 * does not; a branch whose set is empty is never taken. Comparisons between two symbols
 * that are not constants are kept as opaque facts. Every path from the first instruction to
 * a RET becomes a Leaf: the return value and the conditions of its path. The leaves
 * partition the input space, so reading them answers "what does the filter return, and on
 * which condition", for every input at once.
 *
 * Classic jumps only go forward, so every path is finite; the number of paths can still
 * grow with independent comparisons in sequence, so a step budget bounds the work and its
 * exhaustion is an error (AnalysisBudgetError), never a silent sample.
 */
import { Cbpf2ebpfError, EXIT_DATAERR } from '../errors.js';
import type { ClassicProgram } from '../classic/insn.js';
import { classicForm } from '../classic/insn.js';
import { BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET, BPF_MEMWORDS, BPF_W, bpfOp, bpfSize } from '../abi/opcodes.js';
import { SECCOMP_DATA_SIZE } from '../abi/ctx.js';
import { ALU_SYMBOLS } from './disasm.js';
import { type Domain, FULL, NEGATION, type Relation, contains, holds, restrict, sameDomain } from './domain.js';

export class AnalysisBudgetError extends Cbpf2ebpfError {
  constructor(readonly steps: number) {
    super(`analysis stopped after ${steps} steps: the filter has too many paths to explore exhaustively (raise the budget)`, EXIT_DATAERR);
  }
}

/** A value A or X can hold. `key` identifies it: equal keys always hold equal values. */
export type Sym =
  | { readonly t: 'const'; readonly v: number; readonly key: string }
  | { readonly t: 'word'; readonly w: number; readonly key: string }
  | { readonly t: 'expr'; readonly op: string; readonly a: Sym; readonly b: Sym | null; readonly key: string; readonly words: number };

export const WORDS = SECCOMP_DATA_SIZE / 4;
export const WORD_NR = 0;
export const WORD_ARCH = 1;

export const constSym = (v: number): Sym => ({ t: 'const', v: v >>> 0, key: `#${v >>> 0}` });
const wordSyms: Sym[] = Array.from({ length: WORDS }, (_, w) => ({ t: 'word', w, key: `w${w}` }));
export const wordSym = (w: number): Sym => wordSyms[w]!;

/** Bit set of the words a symbol depends on. */
export function wordsOf(s: Sym): number {
  return s.t === 'word' ? 1 << s.w : s.t === 'expr' ? s.words : 0;
}

/** u32 result of an ALU operation on constants (divisor != 0). */
export function aluValue(op: string, a: number, b: number): number {
  switch (op) {
    case '+': return (a + b) >>> 0;
    case '-': return (a - b) >>> 0;
    case '*': return Math.imul(a, b) >>> 0;
    case '/': return Math.floor((a >>> 0) / (b >>> 0)) >>> 0;
    case '%': return ((a >>> 0) % (b >>> 0)) >>> 0;
    case '|': return (a | b) >>> 0;
    case '&': return (a & b) >>> 0;
    case '^': return (a ^ b) >>> 0;
    case '<<': return (a << (b & 31)) >>> 0;
    case '>>': return (a >>> (b & 31)) >>> 0;
    case 'neg': return (-a) >>> 0;
    default: throw new Error(`unknown ALU op ${op}`);
  }
}

function alu(op: string, a: Sym, b: Sym | null): Sym {
  if (a.t === 'const' && (b === null || b.t === 'const')) return constSym(aluValue(op, a.v, b ? b.v : 0));
  if (b && b.t === 'const') {
    const k = b.v;
    if (k === 0 && (op === '+' || op === '-' || op === '|' || op === '^' || op === '<<' || op === '>>')) return a;
    if (k === 1 && (op === '*' || op === '/')) return a;
    if (k === 0xffffffff && op === '&') return a;
    if (k === 0 && (op === '&' || op === '*')) return constSym(0);
  }
  const key = b === null ? `(${op} ${a.key})` : `(${a.key} ${op} ${b.key})`;
  return { t: 'expr', op, a, b, key, words: wordsOf(a) | (b ? wordsOf(b) : 0) };
}

/** The value of a symbol for concrete input words. */
export function evalSym(s: Sym, words: ArrayLike<number>): number {
  switch (s.t) {
    case 'const': return s.v;
    case 'word': return words[s.w]! >>> 0;
    case 'expr': {
      const a = evalSym(s.a, words);
      const b = s.b ? evalSym(s.b, words) : 0;
      if ((s.op === '/' || s.op === '%') && b === 0) return 0; // never reached: a zero divisor ends the path
      return aluValue(s.op, a, b);
    }
  }
}

/** A comparison between two non-constant symbols, and the branch the path took. */
export interface Fact {
  readonly left: Sym;
  readonly relation: Relation;
  readonly right: Sym;
}

export interface Leaf {
  /** The RET instruction. */
  readonly pc: number;
  /** What it returns: a constant (RET K, or RET A with A known) or a symbol. */
  readonly value: Sym;
  /** Constrained symbols: key -> (symbol, values it may take on this path). */
  readonly domains: ReadonlyMap<string, { sym: Sym; domain: Domain }>;
  readonly facts: readonly Fact[];
}

export interface ExploreOptions {
  /** Starting domains of input words (word index -> domain), e.g. a fixed arch or nr. */
  readonly words?: ReadonlyMap<number, Domain>;
  /** Step budget (instructions executed over all paths). Default 4,000,000. */
  readonly budget?: number;
}

export interface Exploration {
  readonly leaves: Leaf[];
  /** 1 for every instruction some input reaches. */
  readonly reached: Uint8Array;
  /** Instructions that compare something derived from nr while arch is still unconstrained. */
  readonly nrBeforeArch: number[];
  readonly steps: number;
  /** The starting domains, to tell which constraints a path added. */
  readonly initial: ReadonlyMap<string, { sym: Sym; domain: Domain }>;
}

interface State {
  pc: number;
  a: Sym;
  x: Sym;
  mem: Array<Sym | undefined>;
  domains: Map<string, { sym: Sym; domain: Domain }>;
  facts: Fact[];
}

function fork(s: State, pc: number): State {
  return { pc, a: s.a, x: s.x, mem: s.mem.slice(), domains: new Map(s.domains), facts: s.facts.slice() };
}

const RELATION_OF = new Map<number, Relation>([[BPF_JEQ, '=='], [BPF_JGT, '>'], [BPF_JGE, '>='], [BPF_JSET, '&']]);
/** `k REL v` rewritten as `v REL' k`. */
const SWAPPED: Readonly<Record<Relation, Relation>> = {
  '==': '==', '!=': '!=', '>': '<', '>=': '<=', '<': '>', '<=': '>=', '&': '&', '!&': '!&',
};

export function exploreSeccomp(prog: ClassicProgram, opts: ExploreOptions = {}): Exploration {
  const budget = opts.budget ?? 4_000_000;
  const initial = new Map<string, { sym: Sym; domain: Domain }>();
  for (const [w, d] of opts.words ?? []) initial.set(wordSym(w).key, { sym: wordSym(w), domain: d });
  const leaves: Leaf[] = [];
  const reached = new Uint8Array(prog.length);
  const nrBeforeArch = new Set<number>();
  let steps = 0;

  const domainOf = (s: State, sym: Sym): Domain => s.domains.get(sym.key)?.domain ?? FULL;

  /**
   * Splits `s` on `left REL right`: returns the states of the taken and the not-taken branch
   * (null when impossible). `s` itself is reused for one of them.
   */
  const split = (s: State, left: Sym, relation: Relation, right: Sym, pcTrue: number, pcFalse: number): [State | null, State | null] => {
    let sym: Sym | undefined;
    let rel = relation;
    let k = 0;
    if (left.t === 'const' && right.t === 'const') {
      const taken = holds(relation, left.v, right.v);
      s.pc = taken ? pcTrue : pcFalse;
      return taken ? [s, null] : [null, s];
    }
    if (right.t === 'const') { sym = left; k = right.v; } else if (left.t === 'const') { sym = right; k = left.v; rel = SWAPPED[relation]; }
    if (sym) {
      const d = domainOf(s, sym);
      const yes = restrict(d, rel, k);
      const no = restrict(d, NEGATION[rel], k);
      if (yes && no && (wordsOf(sym) & (1 << WORD_NR)) && sameDomain(domainOf(s, wordSym(WORD_ARCH)), FULL)) {
        nrBeforeArch.add(s.pc);
      }
      let t: State | null = null;
      let f: State | null = null;
      if (yes && no) {
        f = fork(s, pcFalse);
        f.domains.set(sym.key, { sym, domain: no });
        t = s; t.pc = pcTrue; t.domains.set(sym.key, { sym, domain: yes });
      } else if (yes) {
        t = s; t.pc = pcTrue;
      } else if (no) {
        f = s; f.pc = pcFalse;
      }
      return [t, f];
    }
    // Two symbols: decide from identity or from a fact the path already holds, else fork.
    if (left.key === right.key) {
      const taken = relation === '==' || relation === '>=' || relation === '<=' ? true
        : relation === '&' ? null : false;
      if (taken === null) return split(s, left, '!=', constSym(0), pcTrue, pcFalse);
      s.pc = taken ? pcTrue : pcFalse;
      return taken ? [s, null] : [null, s];
    }
    for (const fact of s.facts) {
      if (fact.left.key === left.key && fact.right.key === right.key) {
        if (fact.relation === relation) { s.pc = pcTrue; return [s, null]; }
        if (fact.relation === NEGATION[relation]) { s.pc = pcFalse; return [null, s]; }
      }
    }
    if ((wordsOf(left) | wordsOf(right)) & (1 << WORD_NR) && sameDomain(domainOf(s, wordSym(WORD_ARCH)), FULL)) {
      nrBeforeArch.add(s.pc);
    }
    const f = fork(s, pcFalse);
    f.facts.push({ left, relation: NEGATION[relation], right });
    s.pc = pcTrue;
    s.facts.push({ left, relation, right });
    return [s, f];
  };

  const stack: State[] = [{
    pc: 0, a: constSym(0), x: constSym(0), mem: new Array<Sym | undefined>(BPF_MEMWORDS), domains: new Map(initial), facts: [],
  }];
  const leaf = (s: State, value: Sym): void => {
    leaves.push({ pc: s.pc, value, domains: s.domains, facts: s.facts });
  };

  while (stack.length > 0) {
    let s: State | null = stack.pop()!;
    while (s) {
      if (++steps > budget) throw new AnalysisBudgetError(budget);
      const pc: number = s.pc;
      const i = prog[pc];
      if (!i) throw new Error(`path leaves the program at ${pc}`);
      reached[pc] = 1;
      const f = classicForm(i.code);
      if (!f) throw new Error(`instruction ${pc}: code 0x${i.code.toString(16)} is not a classic instruction`);
      switch (f.kind) {
        case 'ld-abs':
          if (bpfSize(i.code) !== BPF_W || i.k % 4 !== 0 || i.k >= SECCOMP_DATA_SIZE) {
            throw new Error(`instruction ${pc}: a seccomp filter loads only aligned words of seccomp_data`);
          }
          s.a = wordSym(i.k / 4);
          s.pc++;
          break;
        case 'ld-ind': case 'ldx-msh':
          throw new Error(`instruction ${pc}: packet loads do not exist in seccomp filters`);
        case 'ld-imm': s.a = constSym(i.k); s.pc++; break;
        case 'ld-len': s.a = constSym(SECCOMP_DATA_SIZE); s.pc++; break;
        case 'ld-mem': s.a = s.mem[i.k] ?? constSym(0); s.pc++; break;
        case 'ldx-imm': s.x = constSym(i.k); s.pc++; break;
        case 'ldx-len': s.x = constSym(SECCOMP_DATA_SIZE); s.pc++; break;
        case 'ldx-mem': s.x = s.mem[i.k] ?? constSym(0); s.pc++; break;
        case 'st': s.mem[i.k] = s.a; s.pc++; break;
        case 'stx': s.mem[i.k] = s.x; s.pc++; break;
        case 'tax': s.x = s.a; s.pc++; break;
        case 'txa': s.a = s.x; s.pc++; break;
        case 'neg': s.a = alu('neg', s.a, null); s.pc++; break;
        case 'alu-k': s.a = alu(ALU_SYMBOLS.get(bpfOp(i.code))!, s.a, constSym(i.k)); s.pc++; break;
        case 'alu-x': {
          const op = ALU_SYMBOLS.get(bpfOp(i.code))!;
          if (op === '/' || op === '%') {
            // Division by X == 0 ends the filter with 0 (the kernel's guard).
            const [zero, nonzero] = split(s, s.x, '==', constSym(0), pc, pc);
            if (zero) leaf(zero, constSym(0));
            s = nonzero;
            if (!s) break;
          }
          s.a = alu(op, s.a, s.x);
          s.pc = pc + 1;
          break;
        }
        case 'ja': s.pc = pc + 1 + i.k; break;
        case 'jmp-k': case 'jmp-x': {
          const pcTrue = pc + 1 + i.jt;
          const pcFalse = pc + 1 + i.jf;
          if (pcTrue === pcFalse) { s.pc = pcTrue; break; }
          const right = f.kind === 'jmp-k' ? constSym(i.k) : s.x;
          const [t, e] = split(s, s.a, RELATION_OF.get(bpfOp(i.code))!, right, pcTrue, pcFalse);
          if (t && e) stack.push(e);
          s = t ?? e;
          break;
        }
        case 'ret-k': leaf(s, constSym(i.k)); s = null; break;
        case 'ret-a': leaf(s, s.a); s = null; break;
      }
    }
  }
  return { leaves, reached, nrBeforeArch: [...nrBeforeArch].sort((a, b) => a - b), steps, initial };
}

/** The 16 input words of a 64-byte seccomp_data as our engines load them (little-endian). */
export function inputWords(data: Uint8Array): Uint32Array {
  const view = new DataView(data.buffer, data.byteOffset, SECCOMP_DATA_SIZE);
  const words = new Uint32Array(WORDS);
  for (let w = 0; w < WORDS; w++) words[w] = view.getUint32(4 * w, true);
  return words;
}

/** True when concrete input words satisfy every condition of a leaf's path. */
export function leafMatches(l: Leaf, words: ArrayLike<number>): boolean {
  for (const { sym, domain } of l.domains.values()) if (!contains(domain, evalSym(sym, words))) return false;
  for (const fact of l.facts) if (!holds(fact.relation, evalSym(fact.left, words), evalSym(fact.right, words))) return false;
  return true;
}
