/**
 * Arithmetic folded into the test that follows it, when nothing reads A after the test:
 * `and #m; jeq #0` is `jset #m` with the edges swapped, `and #m; jset #n` is `jset #(m&n)`,
 * and `add/sub/xor #k; jeq #c` compare the loaded value with c adjusted (equality survives
 * 32-bit wrap-around, order does not, so only jeq).
 */
import { classicForm, insn } from '../../../classic/insn.js';
import { BPF_ADD, BPF_ALU, BPF_X, BPF_AND, BPF_JEQ, BPF_JMP, BPF_JSET, BPF_K, BPF_SUB, BPF_XOR, bpfOp } from '../../../abi/opcodes.js';
import { type Graph, topoOrder } from '../graph.js';
import { REG_A } from '../effects.js';
import { liveness } from '../liveness.js';

export function foldArithmeticIntoTests(g: Graph): boolean {
  const order = topoOrder(g);
  const liveIn = liveness(order);
  let changed = false;
  for (const b of order) {
    const t = b.term;
    const last = b.stmts[b.stmts.length - 1];
    if (t.kind !== 'cond' || !last || classicForm(t.insn.code)!.kind !== 'jmp-k') continue;
    if ((((liveIn.get(t.jt.id) ?? 0) | (liveIn.get(t.jf.id) ?? 0)) & REG_A) !== 0) continue;
    if (last.code === (BPF_ALU | BPF_SUB | BPF_X) && bpfOp(t.insn.code) === BPF_JEQ && t.insn.k === 0) {
      // `sub x; jeq #0` is `jeq x`
      b.term = { kind: 'cond', insn: insn(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 0), jt: t.jt, jf: t.jf };
      b.stmts = b.stmts.slice(0, -1);
      changed = true;
      continue;
    }
    if (classicForm(last.code)!.kind !== 'alu-k') continue;
    const op = bpfOp(t.insn.code);
    const alu = bpfOp(last.code);
    const k = last.k;
    const c = t.insn.k;
    const jump = (o: number, kk: number) => insn(BPF_JMP | o | BPF_K, 0, 0, kk >>> 0);
    let next: typeof t | undefined;
    if (alu === BPF_AND && op === BPF_JEQ && c === 0) next = { kind: 'cond', insn: jump(BPF_JSET, k), jt: t.jf, jf: t.jt };
    else if (alu === BPF_AND && op === BPF_JSET) next = { kind: 'cond', insn: jump(BPF_JSET, k & c), jt: t.jt, jf: t.jf };
    else if (alu === BPF_AND && op === BPF_JEQ && c === k && (k & (k - 1)) === 0) next = { kind: 'cond', insn: jump(BPF_JSET, k), jt: t.jt, jf: t.jf };
    else if (alu === BPF_ADD && op === BPF_JEQ) next = { kind: 'cond', insn: jump(BPF_JEQ, c - k), jt: t.jt, jf: t.jf };
    else if (alu === BPF_SUB && op === BPF_JEQ) next = { kind: 'cond', insn: jump(BPF_JEQ, c + k), jt: t.jt, jf: t.jf };
    else if (alu === BPF_XOR && op === BPF_JEQ) next = { kind: 'cond', insn: jump(BPF_JEQ, c ^ k), jt: t.jt, jf: t.jf };
    if (!next) continue;
    // `and #0; jset` can never be taken: the edge says so without a test.
    if (next.insn.k === 0 && bpfOp(next.insn.code) === BPF_JSET) b.term = { kind: 'goto', target: next.jf };
    else b.term = next;
    b.stmts = b.stmts.slice(0, -1);
    changed = true;
  }
  return changed;
}
