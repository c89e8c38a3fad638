/** Small shared pieces of the verifier tests. */
import { expect } from 'vitest';
import type { Insn } from '../../src/ebpf/insn.js';
import { type VerifyOptions, verifyProgram } from '../../src/verify/index.js';

/** Flattens builders' output (ldImm64 returns two records). */
export const prog = (...parts: Array<Insn | readonly Insn[]>): Insn[] => parts.flat();

export function expectOk(p: readonly Insn[], opts: VerifyOptions = {}): { insnsProcessed: number; states: number } {
  const r = verifyProgram(p, opts);
  if (!r.ok) throw new Error(`expected the program to verify, got: ${r.error.message}`);
  return r;
}

/** Expects a rejection at `pc` whose detail matches `detail`; returns the error. */
export function expectReject(p: readonly Insn[], pc: number, detail: RegExp, opts: VerifyOptions = {}) {
  const r = verifyProgram(p, opts);
  if (r.ok) throw new Error(`expected a rejection matching ${detail} at insn ${pc}, but the program verified`);
  expect(r.error.detail).toMatch(detail);
  expect(r.error.pc, r.error.message).toBe(pc);
  expect(r.error.exitCode).toBe(65);
  return r.error;
}
