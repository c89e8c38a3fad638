/**
 * Value numbering over A, X and M[]: equal numbers mean equal values on every path where
 * both exist. Packet contents never change during a run, so a plain load gets the same number
 * wherever it occurs (as in libpcap's optimizer); an opaque load gets a fresh one each time.
 * The machine state also carries `cap`, the packet length every path here has proved by a
 * successful plain load, which tells which loads can no longer fail.
 */
import { type ClassicInsn, classicForm, loadWidth } from '../../classic/insn.js';
import {
  BPF_ADD, BPF_AND, BPF_DIV, BPF_LSH, BPF_MOD, BPF_MUL, BPF_OR, BPF_RSH, BPF_SUB, BPF_XOR, bpfOp,
} from '../../abi/opcodes.js';
import { PLAIN_LIMIT, plainLoadEnd } from './effects.js';
import type { FactSet } from './facts.js';

export class Values {
  private readonly table = new Map<string, number>();
  private readonly consts = new Map<number, number>();
  /** Known upper bound of a value (byte and halfword loads), when smaller than 2^32 - 1. */
  private readonly highs = new Map<number, number>();
  private readonly loads = new Map<number, { width: 1 | 2 | 4; at: number }>();
  private next = 0;

  fresh(): number {
    return this.next++;
  }

  named(key: string, high?: number): number {
    let vn = this.table.get(key);
    if (vn === undefined) {
      vn = this.next++;
      this.table.set(key, vn);
      if (high !== undefined) this.highs.set(vn, high);
    }
    return vn;
  }

  konst(c: number): number {
    const vn = this.named(`#${c >>> 0}`);
    this.consts.set(vn, c >>> 0);
    return vn;
  }

  /** The plain packet load a value number stands for. */
  loadOf(vn: number): { width: 1 | 2 | 4; at: number } | undefined {
    return this.loads.get(vn);
  }

  noteLoad(vn: number, width: 1 | 2 | 4, at: number): void {
    this.loads.set(vn, { width, at });
  }

  constOf(vn: number): number | undefined {
    return this.consts.get(vn);
  }

  highOf(vn: number): number {
    return this.consts.get(vn) ?? this.highs.get(vn) ?? 0xffffffff;
  }
}

export interface State {
  A: number;
  X: number;
  M: number[];
  /** Every path here has loaded a byte below this offset: plain loads ending at or below it cannot fail. */
  cap: number;
  /** Values of statements that can fail (indexed loads, divisions by X) that every path here has completed. */
  done: Set<number>;
  facts: FactSet;
}

export function initialState(v: Values): State {
  const zero = v.konst(0);
  return { A: zero, X: zero, M: new Array<number>(16).fill(zero), cap: 0, done: new Set(), facts: undefined };
}

/**
 * A copy of the state. The fact and completed-value sets are shared: whoever changes one
 * replaces it with a copy first (they are copied far less often than states are).
 */
export function cloneState(s: State): State {
  return { A: s.A, X: s.X, M: s.M.slice(), cap: s.cap, done: s.done, facts: s.facts };
}

/** Where a statement puts its value. */
export type Dest = 'A' | 'X' | number;

const COMMUTATIVE = new Set([BPF_ADD, BPF_MUL, BPF_AND, BPF_OR, BPF_XOR]);

/** The shift or divisor an ALU operation may be folded with (others fail or differ between semantics). */
function foldableOperand(op: number, c: number): boolean {
  if (op === BPF_DIV || op === BPF_MOD) return c !== 0;
  if (op === BPF_LSH || op === BPF_RSH) return c < 32;
  return true;
}

function foldAlu(op: number, a: number, b: number): number {
  switch (op) {
    case BPF_ADD: return (a + b) >>> 0;
    case BPF_SUB: return (a - b) >>> 0;
    case BPF_MUL: return Math.imul(a, b) >>> 0;
    case BPF_DIV: return Math.floor(a / b) >>> 0;
    case BPF_MOD: return (a % b) >>> 0;
    case BPF_AND: return (a & b) >>> 0;
    case BPF_OR: return (a | b) >>> 0;
    case BPF_XOR: return (a ^ b) >>> 0;
    case BPF_LSH: return (a << b) >>> 0;
    default: return a >>> b; // BPF_RSH
  }
}

/** x op c when the result does not depend on x's value, or is x itself. */
function identity(v: Values, op: number, a: number, c: number): number | undefined {
  if (c === 0 && (op === BPF_ADD || op === BPF_SUB || op === BPF_OR || op === BPF_XOR || op === BPF_LSH || op === BPF_RSH)) return a;
  if (c === 1 && (op === BPF_MUL || op === BPF_DIV)) return a;
  if (c === 0xffffffff && op === BPF_AND) return a;
  if (c === 0 && (op === BPF_AND || op === BPF_MUL)) return v.konst(0);
  if (c === 1 && op === BPF_MOD) return v.konst(0);
  return undefined;
}

function aluValue(v: Values, op: number, a: number, c: number): number {
  const ca = v.constOf(a);
  if (ca !== undefined) return v.konst(foldAlu(op, ca, c));
  const same = identity(v, op, a, c);
  if (same !== undefined) return same;
  const high = op === BPF_AND ? Math.min(c, v.highOf(a)) : op === BPF_RSH ? v.highOf(a) >>> c : op === BPF_MOD ? c - 1 : undefined;
  return v.named(`O${op}:${a}:k${c}`, high);
}

/** The offset of `ld [x + k]` as a plain absolute offset, when X is a known constant. */
export function indAsAbs(v: Values, s: State, i: ClassicInsn): number | undefined {
  const x = v.constOf(s.X);
  if (x === undefined) return undefined;
  const at = x + i.k;
  return at + loadWidth(i.code) <= PLAIN_LIMIT ? at : undefined;
}

function loadValue(v: Values, width: 1 | 2 | 4, at: number): number {
  const vn = v.named(`L${width}:${at}`, width === 4 ? undefined : width === 2 ? 0xffff : 0xff);
  v.noteLoad(vn, width, at);
  return vn;
}

/** The destination and value number of a statement in state s (s is not changed). */
export function evalStmt(v: Values, s: State, i: ClassicInsn): { dest: Dest; vn: number } {
  const kind = classicForm(i.code)!.kind;
  switch (kind) {
    case 'ld-abs':
      return { dest: 'A', vn: plainLoadEnd(i) === undefined ? v.fresh() : loadValue(v, loadWidth(i.code), i.k) };
    case 'ld-ind': {
      const at = indAsAbs(v, s, i);
      return { dest: 'A', vn: at !== undefined ? loadValue(v, loadWidth(i.code), at) : v.named(`I${loadWidth(i.code)}:${i.k}:${s.X}`) };
    }
    case 'ldx-msh': return { dest: 'X', vn: plainLoadEnd(i) === undefined ? v.fresh() : v.named(`H${i.k}`, 60) };
    case 'ld-imm': return { dest: 'A', vn: v.konst(i.k) };
    case 'ldx-imm': return { dest: 'X', vn: v.konst(i.k) };
    case 'ld-len': return { dest: 'A', vn: v.named('len') };
    case 'ldx-len': return { dest: 'X', vn: v.named('len') };
    case 'ld-mem': return { dest: 'A', vn: i.k < 16 ? s.M[i.k]! : v.fresh() };
    case 'ldx-mem': return { dest: 'X', vn: i.k < 16 ? s.M[i.k]! : v.fresh() };
    case 'st': return { dest: i.k, vn: s.A };
    case 'stx': return { dest: i.k, vn: s.X };
    case 'tax': return { dest: 'X', vn: s.A };
    case 'txa': return { dest: 'A', vn: s.X };
    case 'neg': {
      const c = v.constOf(s.A);
      return { dest: 'A', vn: c !== undefined ? v.konst(0 - c) : v.named(`G${s.A}`) };
    }
    case 'alu-k': {
      const op = bpfOp(i.code);
      return { dest: 'A', vn: foldableOperand(op, i.k) ? aluValue(v, op, s.A, i.k) : v.fresh() };
    }
    case 'alu-x': {
      const op = bpfOp(i.code);
      const c = v.constOf(s.X);
      if (c !== undefined && foldableOperand(op, c)) return { dest: 'A', vn: aluValue(v, op, s.A, c) };
      if (c !== undefined && (op === BPF_DIV || op === BPF_MOD)) return { dest: 'A', vn: v.fresh() }; // always fails
      const ca = v.constOf(s.A);
      if (ca !== undefined && COMMUTATIVE.has(op)) return { dest: 'A', vn: aluValue(v, op, s.X, ca) };
      return { dest: 'A', vn: v.named(`O${op}:${s.A}:v${s.X}`) };
    }
    default:
      throw new Error(`not a statement: ${kind}`);
  }
}

/**
 * Whether running i in state s might end the filter (a load past the packet, a division by
 * X = 0, an opaque load) or do what no engine runs (M[] index >= 16, constant division by 0).
 * Such statements are never removed unless an equal value proves they already ran.
 */
export function canFail(v: Values, s: State, i: ClassicInsn): boolean {
  const kind = classicForm(i.code)!.kind;
  if ((kind === 'ld-ind' || kind === 'alu-x') && s.done.has(evalStmt(v, s, i).vn)) return false;
  switch (kind) {
    case 'ld-abs': case 'ldx-msh': {
      const end = plainLoadEnd(i);
      return end === undefined || end > s.cap;
    }
    case 'ld-ind': {
      const at = indAsAbs(v, s, i);
      return at === undefined || at + loadWidth(i.code) > s.cap;
    }
    case 'ld-mem': case 'ldx-mem': case 'st': case 'stx': return i.k >= 16;
    case 'alu-k': {
      const op = bpfOp(i.code);
      return !foldableOperand(op, i.k);
    }
    case 'alu-x': {
      const op = bpfOp(i.code);
      if (op !== BPF_DIV && op !== BPF_MOD) return false;
      const c = v.constOf(s.X);
      return c === undefined || c === 0;
    }
    default: return false;
  }
}

/**
 * How a statement that can fail is bounded: the end of the bytes a plain load reads (it fails
 * exactly on packets shorter than that), or Infinity for anything else that can fail.
 */
export function failEnd(v: Values, s: State, i: ClassicInsn): number {
  const kind = classicForm(i.code)!.kind;
  if ((kind === 'ld-ind' || kind === 'alu-x') && s.done.has(evalStmt(v, s, i).vn)) return 0;
  if (kind === 'ld-ind') {
    const at = indAsAbs(v, s, i);
    return at === undefined ? Infinity : at + loadWidth(i.code);
  }
  return plainLoadEnd(i) ?? Infinity;
}

/** Runs a statement on the state. */
export function applyStmt(v: Values, s: State, i: ClassicInsn): void {
  const { dest, vn } = evalStmt(v, s, i);
  const kind = classicForm(i.code)!.kind;
  if ((kind === 'ld-ind' || kind === 'alu-x') && !s.done.has(vn)) s.done = new Set(s.done).add(vn);
  if (kind === 'ld-ind') {
    const at = indAsAbs(v, s, i);
    if (at !== undefined) s.cap = Math.max(s.cap, at + loadWidth(i.code));
  } else {
    const end = plainLoadEnd(i);
    if (end !== undefined) s.cap = Math.max(s.cap, end);
  }
  setDest(s, dest, vn);
}

export function setDest(s: State, dest: Dest, vn: number): void {
  if (dest === 'A') s.A = vn;
  else if (dest === 'X') s.X = vn;
  else if (dest < 16) s.M[dest] = vn;
}

export function destValue(s: State, dest: Dest): number | undefined {
  return dest === 'A' ? s.A : dest === 'X' ? s.X : dest < 16 ? s.M[dest] : undefined;
}
