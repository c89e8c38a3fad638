/**
 * Basic blocks of a validated internal program, the unit the JIT compiles. A block starts at
 * pc 0, at a jump or local-call target, or after a jump, an exit or a local call; it ends
 * with one of those or where the next block starts. Helper calls and packet loads do not end
 * a block: their only other way out is ending the whole program.
 *
 * The pc one past the last instruction is a virtual block: execution that reaches it faults
 * ("ran past the last instruction"), as in the interpreter.
 */
import type { Program } from '../../ebpf/insn.js';
import { OPCODES, blockEnd, successors } from '../../ebpf/opcode-table.js';

export type Terminator =
  | 'fall'   // runs into the next block
  | 'ja'     // unconditional jump
  | 'cond'   // conditional jump: taken -> target, else the next block
  | 'exit'
  | 'call';  // BPF-to-BPF call: target is the callee, the next block is where it returns

export interface Block {
  /** pc of the first instruction; also the block's id. */
  readonly start: number;
  /** pc after the last slot (an LD IMM64's second slot included). */
  readonly end: number;
  /** pcs of the instructions, in order (an LD IMM64 once). */
  readonly pcs: readonly number[];
  readonly term: Terminator;
  /** Jump or call target (ja, cond, call), else -1. */
  readonly target: number;
  /** Successor block ids: cond -> [next, target]; call -> [target, next]; exit -> []. */
  readonly succ: readonly number[];
}

export interface Cfg {
  readonly len: number;
  /** Every block, by start pc, including the virtual block at `len`. */
  readonly blocks: ReadonlyMap<number, Block>;
  /** Block ids reachable from pc 0, ascending. */
  readonly reachable: readonly number[];
  readonly hasLocalCalls: boolean;
  /** Every edge between reachable blocks goes forward in pc order (so the graph is acyclic). */
  readonly forwardOnly: boolean;
}

export function buildCfg(prog: Program): Cfg {
  const len = prog.length;
  const leader = new Uint8Array(len + 1);
  leader[0] = 1;
  leader[len] = 1;
  let hasLocalCalls = false;
  for (let pc = 0; pc < len; pc++) {
    const i = prog[pc]!;
    const info = OPCODES[i.code]!;
    const end = blockEnd(info, i);
    if (end !== 'fall') {
      const target = successors(prog, pc)[1];
      if (target >= 0) leader[target] = 1;
      leader[pc + 1] = 1;
      if (end === 'call') hasLocalCalls = true;
    }
    if (info.kind === 'lddw') pc++;
  }

  const blocks = new Map<number, Block>();
  for (let start = 0; start < len;) {
    const pcs: number[] = [];
    let pc = start;
    let term: Terminator = 'fall';
    let target = -1;
    for (;;) {
      const i = prog[pc]!;
      pcs.push(pc);
      const end = blockEnd(OPCODES[i.code]!, i);
      const [next, to] = successors(prog, pc);
      target = to;
      term = end === 'jump' ? 'ja' : end;
      pc = next >= 0 ? next : pc + 1;
      if (term !== 'fall' || leader[pc]) break;
    }
    const succ = term === 'fall' ? [pc] : term === 'ja' ? [target] : term === 'cond' ? [pc, target] : term === 'call' ? [target, pc] : [];
    blocks.set(start, { start, end: pc, pcs, term, target, succ });
    start = pc;
  }
  blocks.set(len, { start: len, end: len, pcs: [], term: 'exit', target: -1, succ: [] });

  const seen = new Set<number>();
  const stack = [0];
  let forwardOnly = true;
  while (stack.length > 0) {
    const b = blocks.get(stack.pop()!)!;
    if (seen.has(b.start)) continue;
    seen.add(b.start);
    for (const s of b.succ) {
      if (s <= b.start) forwardOnly = false;
      if (!seen.has(s)) stack.push(s);
    }
  }
  const reachable = [...seen].sort((a, b) => a - b);
  return { len, blocks, reachable, hasLocalCalls, forwardOnly };
}
