/**
 * What an internal program must be as a JavaScript value: an array of objects whose fields
 * `struct bpf_insn` can hold (u8 code, 4-bit registers, s16 off, s32 imm). The builders of
 * insn.ts and the decoders never make anything else. The engines and the verifier refuse a
 * malformed instruction as a VerifyError (validate.ts); the functions that print or encode
 * a program, as an ArgumentError.
 */
import { argFail, checkArray, describeValue } from '../args.js';

export interface Insn {
  readonly code: number; // u8
  readonly dst: number;  // 0..15
  readonly src: number;  // 0..15
  readonly off: number;  // s16
  readonly imm: number;  // s32
}

export type Program = readonly Insn[];

/** What each field of `struct bpf_insn` can hold. */
const FIELDS = [
  ['code', 0, 0xff, 'a u8'], ['dst', 0, 0xf, '4 bits'], ['src', 0, 0xf, '4 bits'],
  ['off', -0x8000, 0x7fff, 'an s16'], ['imm', -0x80000000, 0x7fffffff, 'an s32; use x | 0 for a u32'],
] as const;

/** Why a value is not an instruction `struct bpf_insn` can hold: the field (none when it is no object), what it must be, what it is. */
interface ShapeProblem {
  readonly field: string | null;
  readonly what: string;
  readonly value: unknown;
}

/**
 * Whether `i` is an object whose fields are integers in their C types' ranges (a hand-made
 * one may have off 0.5, imm 2^32, dst 16): the quick test, written out (typeof first, so that
 * a bigint or a symbol is refused rather than thrown on), run once per instruction.
 */
export function isInsn(i: unknown): i is Insn {
  if (typeof i !== 'object' || i === null) return false;
  const { code, dst, src, off, imm } = i as Record<string, unknown>;
  return typeof code === 'number' && (code & 0xff) === code && typeof dst === 'number' && (dst & 0xf) === dst &&
    typeof src === 'number' && (src & 0xf) === src && typeof off === 'number' && (off << 16) >> 16 === off &&
    typeof imm === 'number' && (imm | 0) === imm;
}

/** What is wrong with `i`, for the message, once isInsn said something is. */
function shapeProblem(i: unknown): ShapeProblem | null {
  if (isInsn(i)) return null;
  if (typeof i !== 'object' || i === null) return { field: null, what: 'an instruction {code, dst, src, off, imm}', value: i };
  for (const [field, min, max, type] of FIELDS) {
    const value = (i as Record<string, unknown>)[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return { field, what: `an integer from ${min} to ${max} (${type})`, value };
    }
  }
  return null;
}

/** The first instruction of `prog` that `struct bpf_insn` cannot hold, as [pc, message]. */
export function findShapeProblem(prog: Program): [number, string] | null {
  for (let pc = 0; pc < prog.length; pc++) {
    if (isInsn(prog[pc])) continue;
    const p = shapeProblem(prog[pc]);
    if (p) return [pc, `${p.field ?? 'the instruction'} must be ${p.what}, is ${describeValue(p.value)}`];
  }
  return null;
}

/**
 * Throws ArgumentError (from `fn`) unless `prog` is an array of instructions `struct
 * bpf_insn` can hold: for the functions that print or encode a program. Only the shape;
 * opcodes and operands are validateEncoding's (the engines and the verifier refuse a
 * malformed instruction there, as a VerifyError).
 */
export function checkProgramShape(fn: string, prog: unknown, arg = 'prog'): Program {
  const p = checkArray(fn, arg, prog) as Program;
  for (let pc = 0; pc < p.length; pc++) if (!isInsn(p[pc])) checkInsnShape(fn, `${arg}[${pc}]`, p[pc]);
  return p;
}

/** checkProgramShape for one instruction. */
export function checkInsnShape(fn: string, arg: string, i: unknown): Insn {
  const p = shapeProblem(i);
  if (p) argFail(fn, p.field === null ? arg : `${arg}.${p.field}`, p.what, p.value);
  return i as Insn;
}
