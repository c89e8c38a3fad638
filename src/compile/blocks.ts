/**
 * libpcap's intermediate form: blocks of statements ending in a branch, joined by the
 * backpatch lists that gen_and/gen_or/gen_not thread through the unresolved jt/jf fields.
 * Reproducing those lists exactly is what makes our unoptimized listing match libpcap's.
 */
import { BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_IMM } from '../abi/opcodes.js';

/** One statement: an instruction that is not a block's final branch. */
export interface Stmt {
  code: number;
  k: number;
  /** Only for in-block jumps (protochain): the statements jumped to. */
  jt?: Stmt;
  jf?: Stmt;
}

export class Block {
  stmts: Stmt[] = [];
  jt: Block | null = null;
  jf: Block | null = null;
  /** Which of jt/jf is still an unresolved list link (false: jt). */
  sense = false;
  head: Block;
  // Linearisation state.
  offset = 0;
  longjt = 0;
  longjf = 0;
  mark = 0;
  constructor(public code: number, public k = 0) {
    this.head = this;
  }
}

export const stmt = (code: number, k = 0): Stmt => ({ code, k });

/** Appends `b` to `a` (libpcap's sappend), returning `a`. */
export function sappend(a: Stmt[], b: readonly Stmt[]): Stmt[] {
  for (const s of b) a.push(s);
  return a;
}

function backpatch(list: Block | null, target: Block): void {
  while (list) {
    let next: Block | null;
    if (!list.sense) {
      next = list.jt;
      list.jt = target;
    } else {
      next = list.jf;
      list.jf = target;
    }
    list = next;
  }
}

function merge(b0: Block, b1: Block): void {
  let p: Block = b0;
  for (;;) {
    const next = !p.sense ? p.jt : p.jf;
    if (!next) break;
    p = next;
  }
  if (!p.sense) p.jt = b1;
  else p.jf = b1;
}

/** b1 := b0 and b1; the result is b1. */
export function genAnd(b0: Block, b1: Block): void {
  backpatch(b0, b1.head);
  b0.sense = !b0.sense;
  b1.sense = !b1.sense;
  merge(b1, b0);
  b1.sense = !b1.sense;
  b1.head = b0.head;
}

/** b1 := b0 or b1; the result is b1. */
export function genOr(b0: Block, b1: Block): void {
  b0.sense = !b0.sense;
  backpatch(b0, b1.head);
  b0.sense = !b0.sense;
  merge(b1, b0);
  b1.head = b0.head;
}

export function genNot(b: Block): void {
  b.sense = !b.sense;
}

/** Closes the expression: true exits return `accept`, false exits `reject`. */
export function finish(p: Block, accept: Block, reject: Block): Block {
  backpatch(p, accept);
  p.sense = !p.sense;
  backpatch(p, reject);
  return p.head;
}

/** A constant test (gen_uncond): `ld #!value; jeq #0`. */
export function uncond(value: boolean): Block {
  const b = new Block(BPF_JMP | BPF_JEQ | BPF_K, 0);
  b.stmts.push(stmt(BPF_LD | BPF_IMM, value ? 0 : 1));
  return b;
}
