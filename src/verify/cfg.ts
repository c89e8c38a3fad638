/**
 * Step 1 of the verifier: the instructions' encodings and the shape of the control flow.
 * An iterative depth-first search from instruction 0 rejects loops (back edges), jumps
 * outside the program or into the second half of an LD IMM64, paths that fall off the end,
 * and instructions no path reaches. Its post-order feeds the liveness pass.
 */
import { BPF_COMPLEXITY_LIMIT_INSNS } from '../ebpf/opcodes.js';
import { type Insn, ldImm64Tails } from '../ebpf/insn.js';
import { OPCODES, successors } from '../ebpf/opcode-table.js';
import { VerifyError } from '../errors.js';
import { findEncodingProblem } from '../ebpf/validate.js';
import { restrictionProblem } from './encoding.js';
import { compressPcs } from './path.js';

export interface Cfg {
  readonly length: number;
  /** First and second successor of each instruction, -1 when absent. */
  readonly succ0: Int32Array;
  readonly succ1: Int32Array;
  /** Number of control-flow edges into each instruction. */
  readonly preds: Int32Array;
  /** Every reachable instruction in depth-first post-order: each after all of its successors. */
  readonly postOrder: Int32Array;
  /** 1 at the second record of each LD IMM64. */
  readonly ldImm64Tail: Uint8Array;
  /** 1 at each target of a back edge (a loop head); all zero unless loops are allowed. */
  readonly loopHead: Uint8Array;
  /** Whether any back edge exists (only when loops are allowed). */
  readonly hasLoops: boolean;
}

const WHITE = 0, GREY = 1, BLACK = 2;

/**
 * `isHelper` says which helper ids exist: a call to any other is refused even on a path no
 * run can take, so that every engine can prepare every call of a verified program.
 */
export function buildCfg(
  prog: readonly Insn[], maxInsns = BPF_COMPLEXITY_LIMIT_INSNS, isHelper: (id: number) => boolean = () => true, allowLoops = false,
): Cfg {
  const n = prog.length;
  if (n === 0) throw new VerifyError(0, 'empty program');
  if (n > maxInsns) throw new VerifyError(maxInsns, `program has ${n} instructions, more than the limit of ${maxInsns}`);

  const structural = findEncodingProblem(prog);
  if (structural) throw new VerifyError(structural[0], structural[1]);

  const ldImm64Tail = ldImm64Tails(prog);

  const succ0 = new Int32Array(n).fill(-1);
  const succ1 = new Int32Array(n).fill(-1);
  for (let pc = 0; pc < n; pc++) {
    if (ldImm64Tail[pc]) continue;
    const i = prog[pc]!;
    const problem = restrictionProblem(i);
    if (problem !== undefined) throw new VerifyError(pc, problem);
    const info = OPCODES[i.code]!;
    if (info.kind === 'call' && !isHelper(i.imm)) throw new VerifyError(pc, `call to unknown helper ${i.imm}`);
    // Calls return to the next instruction like any other instruction (local calls were refused above).
    const [next, target] = successors(prog, pc);
    if (next >= 0) succ0[pc] = edgeTarget(pc, next, n, ldImm64Tail, false);
    if (target >= 0) {
      const taken = edgeTarget(pc, target, n, ldImm64Tail, true);
      if (next < 0) succ0[pc] = taken;
      else if (taken !== next) succ1[pc] = taken;
    }
  }

  const loopHead = new Uint8Array(n);
  const postOrder = depthFirst(n, succ0, succ1, allowLoops ? loopHead : null);
  if (postOrder.length !== n) {
    const seen = new Uint8Array(n);
    for (const pc of postOrder) seen[pc] = 1;
    for (let pc = 0; pc < n; pc++) {
      if (!seen[pc] && !ldImm64Tail[pc]) throw new VerifyError(pc, 'unreachable instruction');
    }
  }

  const preds = new Int32Array(n);
  for (const pc of postOrder) {
    if (succ0[pc]! >= 0) preds[succ0[pc]!]!++;
    if (succ1[pc]! >= 0) preds[succ1[pc]!]!++;
  }
  return { length: n, succ0, succ1, preds, postOrder, ldImm64Tail, loopHead, hasLoops: loopHead.includes(1) };
}

function edgeTarget(from: number, to: number, n: number, ldImm64Tail: Uint8Array, jump: boolean): number {
  if (to === n && !jump) throw new VerifyError(from, 'execution falls off the end of the program (the last instruction must be exit or a jump)');
  if (to < 0 || to >= n) throw new VerifyError(from, `jump out of range from insn ${from} to ${to}`);
  if (ldImm64Tail[to]) throw new VerifyError(from, `jump into the middle of ld_imm64 at insn ${to - 1}`);
  return to;
}

/**
 * Iterative DFS; returns the post-order of the instructions reached from 0 (second halves of
 * LD IMM64 are never nodes). A successor still on the DFS stack closes a loop: an error, or
 * with `loopHead` given, a loop head marked there.
 */
function depthFirst(n: number, succ0: Int32Array, succ1: Int32Array, loopHead: Uint8Array | null): Int32Array {
  const color = new Uint8Array(n);
  const nextEdge = new Uint8Array(n);
  const stack = new Int32Array(n);
  const post = new Int32Array(n);
  let sp = 0, done = 0;
  stack[sp++] = 0;
  color[0] = GREY;
  while (sp > 0) {
    const t = stack[sp - 1]!;
    const k = nextEdge[t]!;
    if (k < 2) {
      nextEdge[t] = k + 1;
      const w = k === 0 ? succ0[t]! : succ1[t]!;
      if (w < 0) continue;
      if (color[w] === GREY && loopHead) {
        loopHead[w] = 1;
        continue;
      }
      if (color[w] === GREY) {
        const path = compressPcs([...stack.subarray(0, sp), w]);
        throw new VerifyError(t, `back-edge from insn ${t} to ${w}: loops are not allowed`, path);
      }
      if (color[w] === WHITE) {
        color[w] = GREY;
        stack[sp++] = w;
      }
      continue;
    }
    color[t] = BLACK;
    sp--;
    post[done++] = t;
  }
  return post.subarray(0, done);
}
