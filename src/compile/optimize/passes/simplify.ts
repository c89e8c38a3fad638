/**
 * Statement rewriting by value: a statement that gives its destination the value it already
 * holds goes (the load it repeats has run, so it cannot fail); a known constant becomes an
 * immediate load; a value the other register holds becomes `tax`/`txa`; `[x + k]` with a
 * constant X becomes an absolute load; an operation or test on a constant X takes it as k.
 * Every rewrite keeps each value, so all of them may be made from one analysis.
 */
import { type ClassicInsn, classicForm, insn } from '../../../classic/insn.js';
import {
  BPF_ABS, BPF_ALU, BPF_B, BPF_H, BPF_DIV, BPF_IMM, BPF_JMP, BPF_K, BPF_LD, BPF_LDX, BPF_LSH, BPF_MISC, BPF_MOD, BPF_RSH,
  BPF_TAX, BPF_TXA, BPF_W, bpfOp, bpfSize,
} from '../../../abi/opcodes.js';
import type { Graph } from '../graph.js';
import { analyze } from '../analysis.js';
import { type State, Values, applyStmt, canFail, cloneState, destValue, evalStmt, indAsAbs } from '../values.js';

function rewrite(v: Values, s: State, i: ClassicInsn): ClassicInsn | null | undefined {
  const kind = classicForm(i.code)!.kind;
  const { dest, vn } = evalStmt(v, s, i);
  if (destValue(s, dest) === vn) return null;
  if (canFail(v, s, i) || typeof dest === 'number') {
    // A load that may fail stays a load, but [x + k] with a known X may say where it reads.
    if (kind === 'ld-ind') {
      const at = indAsAbs(v, s, i);
      if (at !== undefined) return insn(BPF_LD | bpfSize(i.code) | BPF_ABS, 0, 0, at);
    }
    if (kind === 'alu-x') return aluByConstant(v, s, i);
    return undefined;
  }
  const c = v.constOf(vn);
  if (c !== undefined && kind !== 'ld-imm' && kind !== 'ldx-imm') {
    return dest === 'A' ? insn(BPF_LD | BPF_W | BPF_IMM, 0, 0, c) : insn(BPF_LDX | BPF_W | BPF_IMM, 0, 0, c);
  }
  if (c === undefined && dest === 'A' && s.X === vn && kind !== 'txa') return insn(BPF_MISC | BPF_TXA, 0, 0, 0);
  if (c === undefined && dest === 'X' && s.A === vn && kind !== 'tax') return insn(BPF_MISC | BPF_TAX, 0, 0, 0);
  if (kind === 'ld-ind') {
    const at = indAsAbs(v, s, i);
    if (at !== undefined) return insn(BPF_LD | bpfSize(i.code) | BPF_ABS, 0, 0, at);
  }
  if (kind === 'alu-x') return aluByConstant(v, s, i);
  // A spilled packet value is read again from the packet: the load has already succeeded
  // here, and the store that kept it may then go.
  const load = v.loadOf(vn);
  if (kind === 'ld-mem' && load) return insn(BPF_LD | sizeCode(load.width) | BPF_ABS, 0, 0, load.at);
  return undefined;
}

function sizeCode(width: 1 | 2 | 4): number {
  return width === 1 ? BPF_B : width === 2 ? BPF_H : BPF_W;
}

/** `op x` with a known X, as `op #c` where both semantics agree on it. */
function aluByConstant(v: Values, s: State, i: ClassicInsn): ClassicInsn | undefined {
  const c = v.constOf(s.X);
  if (c === undefined) return undefined;
  const op = bpfOp(i.code);
  if ((op === BPF_DIV || op === BPF_MOD) && c === 0) return undefined;
  if ((op === BPF_LSH || op === BPF_RSH) && c >= 32) return undefined;
  return insn(BPF_ALU | op | BPF_K, 0, 0, c);
}

export function simplifyStatements(g: Graph): boolean {
  const v = new Values();
  const a = analyze(g, v);
  let changed = false;
  for (const b of a.order) {
    const entry = a.entry.get(b.id);
    if (!entry) continue;
    const s: State = cloneState(entry);
    const out: ClassicInsn[] = [];
    for (const i of b.stmts) {
      const r = rewrite(v, s, i);
      applyStmt(v, s, i);
      if (r === null) { changed = true; continue; }
      if (r !== undefined) changed = true;
      out.push(r ?? i);
    }
    b.stmts = out;
    const t = b.term;
    if (t.kind === 'cond' && classicForm(t.insn.code)!.kind === 'jmp-x') {
      const c = v.constOf(s.X);
      if (c !== undefined) {
        t.insn = insn(BPF_JMP | bpfOp(t.insn.code) | BPF_K, 0, 0, c);
        changed = true;
      }
    }
  }
  return changed;
}
