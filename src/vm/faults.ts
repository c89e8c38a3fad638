/**
 * The faults a run can end with, built in one place for both engines: the interpreter
 * throws them from its loop, the JIT's compiled code through its runtime (jit/runtime.ts),
 * so the same program fails with the same VmError whichever engine runs it.
 */
import type { Program } from '../ebpf/insn.js';
import { formatInsn } from '../ebpf/asm-format.js';
import { Cbpf2ebpfError, VmError } from '../errors.js';
import type { HelperDef } from './helpers.js';
import { MAX_CALL_FRAMES, REGION_CTX, REGION_STACK, STACK_BYTES, describeFault } from './memory.js';

/** The instruction at pc in assembler syntax, for messages. */
export function insnText(program: Program, pc: number): string {
  return formatInsn(program[pc]!, program[pc + 1]);
}

export function budgetExhausted(pc: number, budget: number): VmError {
  return new VmError(pc, `instruction budget of ${budget} exhausted (a loop that does not end?)`);
}

/** Execution reached pc `len`, one past the last instruction. */
export function ranPastEnd(len: number): VmError {
  return new VmError(len, 'execution ran past the last instruction (no exit)');
}

export function callsTooDeep(pc: number): VmError {
  return new VmError(pc, `local call nests deeper than ${MAX_CALL_FRAMES} frames`);
}

/** callx through a register (idLo, idHi) that names no registered helper. */
export function noHelperForCallx(pc: number, reg: number, idLo: number, idHi: number): VmError {
  return new VmError(pc, `callx r${reg}: no helper with id ${idHi === 0 ? idLo >>> 0 : 'of 64 bits'} is registered`);
}

/** What a helper's exception becomes: our own errors pass through, anything else names the helper. */
export function helperFailed(pc: number, h: HelperDef | undefined, e: unknown): unknown {
  if (e instanceof Cbpf2ebpfError) return e;
  return new VmError(pc, `helper ${h?.name ?? '?'} (${h?.id ?? '?'}) failed: ${(e as Error)?.message ?? String(e)}`);
}

/**
 * A load or store at pc through the base register value (baseLo, baseHi) that leaves its
 * region. The region's bounds: the stack from `stackLow` (the frame's bottom) to its top,
 * the context's and caller memory's from 0 to their lengths.
 */
export function memoryFault(program: Program, pc: number, write: boolean, size: number, baseLo: number, baseHi: number,
  stackLow: number, ctxLen: number, memLen: number): VmError {
  const low = baseHi === REGION_STACK ? stackLow : 0;
  const high = baseHi === REGION_STACK ? STACK_BYTES : baseHi === REGION_CTX ? ctxLen : memLen;
  const detail = describeFault(write, size, baseLo, baseHi, program[pc]!.off, low, high);
  return new VmError(pc, `${insnText(program, pc)}: ${detail}`);
}
