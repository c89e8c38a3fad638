/**
 * The block graph the optimizer works on: straight-line statements ending in a `ret`, an
 * unconditional edge, or a two-way test. Built from a linear classic program whose jumps all
 * go forward, so the graph is acyclic and every walk below may rely on a topological order.
 */
import { type ClassicInsn, type ClassicProgram, classicForm } from '../../classic/insn.js';

/** How a block ends. A `cond` keeps its instruction for the code and k; jt/jf live in the edges. */
export type Term =
  | { kind: 'ret'; insn: ClassicInsn }
  | { kind: 'goto'; target: Block }
  | { kind: 'cond'; insn: ClassicInsn; jt: Block; jf: Block };

export interface Block {
  /** Unique within one graph; new blocks get fresh ids. */
  readonly id: number;
  /** Position of the block's first instruction in the input: the layout keeps that order where it can. */
  readonly order: number;
  stmts: ClassicInsn[];
  term: Term;
}

export interface Graph {
  entry: Block;
  nextId: number;
}

export function successors(b: Block): Block[] {
  switch (b.term.kind) {
    case 'ret': return [];
    case 'goto': return [b.term.target];
    case 'cond': return [b.term.jt, b.term.jf];
  }
}

/** The blocks reachable from the entry, in topological order (every edge goes forward in it). */
export function topoOrder(g: Graph): Block[] {
  const seen = new Set<number>();
  const post: Block[] = [];
  // Iterative depth-first search: programs of 4096 instructions would overflow a recursive one.
  const stack: Array<{ b: Block; next: number }> = [{ b: g.entry, next: 0 }];
  seen.add(g.entry.id);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const succ = successors(top.b);
    if (top.next < succ.length) {
      const s = succ[top.next++]!;
      if (!seen.has(s.id)) {
        seen.add(s.id);
        stack.push({ b: s, next: 0 });
      }
    } else {
      post.push(top.b);
      stack.pop();
    }
  }
  return post.reverse();
}

/** Predecessor lists of the reachable blocks (an edge counted once per jt/jf/goto). */
export function predecessors(blocks: readonly Block[]): Map<number, Block[]> {
  const preds = new Map<number, Block[]>(blocks.map((b) => [b.id, []]));
  for (const b of blocks) for (const s of successors(b)) preds.get(s.id)!.push(b);
  return preds;
}

/**
 * Blocks from a classic program, or undefined when the program is not one the optimizer
 * may reason about: an unknown code, a jump backwards or out of the program, or a path that
 * runs off the end. Such programs are returned as they are.
 */
export function buildGraph(prog: ClassicProgram): Graph | undefined {
  const len = prog.length;
  if (len === 0) return undefined;
  const leader = new Uint8Array(len + 1);
  leader[0] = 1;
  for (let pc = 0; pc < len; pc++) {
    const i = prog[pc]!;
    const kind = classicForm(i.code)?.kind;
    if (kind === undefined) return undefined;
    if (kind === 'ja') {
      const t = pc + 1 + i.k;
      if (i.k >= 0x80000000 || t >= len) return undefined;
      leader[t] = 1;
      leader[pc + 1] = 1;
    } else if (kind === 'jmp-k' || kind === 'jmp-x') {
      if (pc + 1 + i.jt >= len || pc + 1 + i.jf >= len) return undefined;
      leader[pc + 1 + i.jt] = 1;
      leader[pc + 1 + i.jf] = 1;
      leader[pc + 1] = 1;
    } else if (kind === 'ret-k' || kind === 'ret-a') {
      leader[pc + 1] = 1;
    }
  }
  const at = new Map<number, Block>();
  let nextId = 0;
  for (let pc = 0; pc < len; pc++) {
    if (leader[pc]) at.set(pc, { id: nextId++, order: pc, stmts: [], term: { kind: 'ret', insn: prog[pc]! } });
  }
  for (const [start, b] of at) {
    let pc = start;
    for (;;) {
      if (pc >= len) return undefined; // falls off the end
      if (pc > start && leader[pc]) {
        b.term = { kind: 'goto', target: at.get(pc)! };
        break;
      }
      const i = prog[pc]!;
      const kind = classicForm(i.code)!.kind;
      if (kind === 'ret-k' || kind === 'ret-a') { b.term = { kind: 'ret', insn: i }; break; }
      if (kind === 'ja') { b.term = { kind: 'goto', target: at.get(pc + 1 + i.k)! }; break; }
      if (kind === 'jmp-k' || kind === 'jmp-x') {
        b.term = { kind: 'cond', insn: i, jt: at.get(pc + 1 + i.jt)!, jf: at.get(pc + 1 + i.jf)! };
        break;
      }
      b.stmts.push(i);
      pc++;
    }
  }
  return { entry: at.get(0)!, nextId };
}
