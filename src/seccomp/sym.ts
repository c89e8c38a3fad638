/**
 * Symbols: the values A, X and M[] hold during an exploration (explore.ts): a constant, a
 * word of seccomp_data, or an ALU expression over them.
 */
import { SECCOMP_DATA_SIZE } from '../abi/ctx.js';

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

export function alu(op: string, a: Sym, b: Sym | null): Sym {
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

