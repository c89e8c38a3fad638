/**
 * The register map of translated classic programs (semantics.md §3, as filter.c uses it).
 * A, X and TMP only ever hold 32-bit values with a zero upper half, which is why the
 * translator may compare them with 64-bit jumps.
 */
import { R0, R1, R2, R3, R6, R7, R10 } from '../ebpf/opcodes.js';

export const REG_A = R0;
export const REG_X = R7;
export const REG_CTX = R6;
/** Scratch: clobbered by every call and legacy packet load, so it never lives across one. */
export const REG_TMP = R2;
export const REG_FP = R10;
/** Helper arguments: context, A, X. */
export const REG_ARG1 = R1;
export const REG_ARG2 = R2;
export const REG_ARG3 = R3;

/** Frame-pointer offset of scratch word M[k]: a 32-bit stack slot at FP - (4k + 4). */
export const scratchOffset = (k: number): number => -(4 * k + 4);
