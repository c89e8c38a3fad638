/**
 * What each classic statement reads and writes, as bit sets over A, X and M[0..15], and
 * which packet loads the optimizer may reason about. A "plain" load reads at an offset that
 * means the same under Linux and libpcap (below 2^31, no ancillary or negative-offset area):
 * it succeeds exactly when the packet holds its bytes. Anything else is opaque: its value is
 * unknown, it may end the filter, and (for Linux's ancillary loads) it may read A and X.
 */
import { type ClassicInsn, classicForm, loadWidth } from '../../classic/insn.js';
import type { Term } from './graph.js';

export const REG_A = 1;
export const REG_X = 2;
export const memBit = (k: number): number => (k < 16 ? 4 << k : 0);
export const ALL_REGS = 0x3ffff;

/** Offsets up to here (end of the bytes read) are plain: the same in both semantics. */
export const PLAIN_LIMIT = 0x7fffffff;

/** End (offset + width) of a plain `ld [k]` or `ldxb 4*([k]&0xf)`, else undefined. */
export function plainLoadEnd(i: ClassicInsn): number | undefined {
  const kind = classicForm(i.code)?.kind;
  const width = kind === 'ld-abs' ? loadWidth(i.code) : kind === 'ldx-msh' ? 1 : 0;
  if (width === 0 || i.k + width > PLAIN_LIMIT) return undefined;
  return i.k + width;
}

export function stmtUses(i: ClassicInsn): number {
  switch (classicForm(i.code)?.kind) {
    case 'ld-abs': return plainLoadEnd(i) === undefined ? REG_A | REG_X : 0;
    case 'ld-ind': return REG_X;
    case 'ld-mem': case 'ldx-mem': return memBit(i.k);
    case 'st': case 'alu-k': case 'neg': case 'tax': return REG_A;
    case 'stx': case 'txa': return REG_X;
    case 'alu-x': return REG_A | REG_X;
    default: return 0;
  }
}

export function stmtDefs(i: ClassicInsn): number {
  switch (classicForm(i.code)?.kind) {
    case 'ld-abs': case 'ld-ind': case 'ld-imm': case 'ld-mem': case 'ld-len':
    case 'alu-k': case 'alu-x': case 'neg': case 'txa':
      return REG_A;
    case 'ldx-imm': case 'ldx-mem': case 'ldx-len': case 'ldx-msh': case 'tax':
      return REG_X;
    case 'st': case 'stx': return memBit(i.k);
    default: return 0;
  }
}

export function termUses(t: Term): number {
  switch (t.kind) {
    case 'goto': return 0;
    case 'ret': return classicForm(t.insn.code)?.kind === 'ret-a' ? REG_A : 0;
    case 'cond': return classicForm(t.insn.code)?.kind === 'jmp-x' ? REG_A | REG_X : REG_A;
  }
}
