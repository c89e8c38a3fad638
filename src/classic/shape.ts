/**
 * What a classic program must be as a JavaScript value before any classic function looks at
 * it: an array of `{code, jt, jf, k}` whose fields hold what `struct sock_filter` can (u16,
 * u8, u8, u32). The decoders and `insn()` only make such values; a hand-built one with
 * k = -1, NaN or 2^40 is refused here rather than checked, run or translated as something
 * else. Linux's own rules (the 49 codes, jump ranges, ...) are the checker's job.
 */
import { argFail, checkArray, checkOptions, optOneOf } from '../args.js';

/** One classic instruction, `struct sock_filter`: u16 code, u8 jt, u8 jf, u32 k (k kept unsigned). */
export interface ClassicInsn {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

export type ClassicProgram = readonly ClassicInsn[];

const FIELDS = [['code', 0xffff, 'a u16'], ['jt', 0xff, 'a u8'], ['jf', 0xff, 'a u8'], ['k', 0xffffffff, 'a u32']] as const;

/**
 * Whether `i` is a well-formed classic instruction: the quick test, written out (typeof first,
 * so that a bigint or a symbol is refused rather than thrown on), run once per instruction.
 */
export function isClassicInsn(i: unknown): i is ClassicInsn {
  if (typeof i !== 'object' || i === null) return false;
  const { code, jt, jf, k } = i as Record<string, unknown>;
  return typeof code === 'number' && (code & 0xffff) === code && typeof jt === 'number' && (jt & 0xff) === jt &&
    typeof jf === 'number' && (jf & 0xff) === jf && typeof k === 'number' && k >>> 0 === k;
}

/** Throws ArgumentError unless `i` is a well-formed classic instruction; `arg` names it in the message. */
export function checkClassicInsn(fn: string, arg: string, i: unknown): ClassicInsn {
  if (isClassicInsn(i)) return i;
  if (typeof i !== 'object' || i === null) argFail(fn, arg, 'a classic instruction {code, jt, jf, k}', i);
  for (const [name, max, what] of FIELDS) {
    const v = (i as Record<string, unknown>)[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
      argFail(fn, `${arg}.${name}`, `an integer from 0 to ${max} (${what}${name === 'k' ? '; insn() turns a negative k into one' : ''})`, v);
    }
  }
  return i as ClassicInsn;
}

/** Throws ArgumentError unless `prog` is an array of well-formed classic instructions. */
export function checkClassicProgram(fn: string, prog: unknown, arg = 'prog'): ClassicProgram {
  const p = checkArray(fn, arg, prog);
  for (let pc = 0; pc < p.length; pc++) if (!isClassicInsn(p[pc])) checkClassicInsn(fn, `${arg}[${pc}]`, p[pc]);
  return p as ClassicProgram;
}

/**
 * The arguments of the functions that check or translate a program for a profile
 * (checkClassic, checkForLinux, translateClassic, ...): the program, and options whose
 * `profile` is 'socket' or 'seccomp'. Returns the profile.
 */
export function checkProfileArgs(fn: string, prog: unknown, opts: { profile?: unknown } | undefined): 'socket' | 'seccomp' {
  checkClassicProgram(fn, prog);
  return optOneOf(fn, 'opts.profile', checkOptions(fn, 'opts', opts).profile, ['socket', 'seccomp'], 'socket');
}
