/**
 * What compiled programs call at run time: the per-engine state they read (memory views,
 * the stack, the helper frame, the local-call stack) and the shared functions for the slow
 * or rare paths (faults, negative packet offsets, helpers, atomics, 64-bit mul/div/shift).
 * Faults come from src/vm/faults.ts, as the interpreter's do, built from the pc and the
 * register values the generated code passes, so both engines fail with the same VmError.
 */
import type { Program } from '../../ebpf/insn.js';
import type { VmError } from '../../errors.js';
import { budgetExhausted, callsTooDeep, helperFailed, memoryFault, noHelperForCallx, ranPastEnd } from '../faults.js';
import type { HelperDef, HelperRegistry } from '../helpers.js';
import {
  MAX_CALL_FRAMES, REGION_BASE, REGION_CTX, REGION_MEM, REGION_STACK, STACK_BYTES, STACK_FRAME_BYTES, atomicUpdate, loadPacketNegative,
} from '../memory.js';
import { checkEnvBuffer, checkRunEnv, packetRunError, type ExecEnv, type HelperFn, type HelperFrame } from '../types.js';
import * as u64 from '../u64.js';

const EMPTY = new Uint8Array(0);

class Frame implements HelperFrame {
  constructor(readonly lo: Int32Array, readonly hi: Int32Array, public env: ExecEnv) {}
}

/**
 * The state one engine's compiled code runs against. Field names are short because the
 * generated source spells them (see compile.ts); they are part of the code generator's
 * fixed vocabulary.
 */
export class JitState {
  /** The stack: MAX_CALL_FRAMES frames of 512 bytes, growing down from 4096. */
  readonly sv: DataView = new DataView(new ArrayBuffer(STACK_BYTES));
  /** Register file handed to helpers. */
  readonly fl = new Int32Array(11);
  readonly fh = new Int32Array(11);
  /** Local calls: per frame, the return pc then R6-R9 as lo/hi pairs. */
  readonly cs = new Int32Array(MAX_CALL_FRAMES * 9);
  /** Steps, R0's upper half and the exit pc of the last run (a typed array: stores to it are the cheapest). */
  readonly out = new Float64Array(3);
  readonly budget: number;
  readonly frame: Frame;
  /** Helper of each helper-call pc. */
  readonly fns: (HelperFn | null)[];

  // DataViews of the last buffers seen: a view is built only when the caller's buffer changes
  // (the packet's comes from the caller of runPacket, or from ExecEnv.pktView()).
  private cb: Uint8Array = EMPTY;
  private cdv: DataView = new DataView(EMPTY.buffer);
  private mb: Uint8Array = EMPTY;
  private mdv: DataView = new DataView(EMPTY.buffer);

  constructor(readonly program: Program, readonly helpers: HelperRegistry, budget: number, fns: (HelperFn | null)[]) {
    this.budget = budget;
    this.fns = fns;
    this.frame = new Frame(this.fl, this.fh, null as unknown as ExecEnv);
  }

  /** View of env.ctx. */
  cv(b: Uint8Array): DataView {
    if (b !== this.cb) {
      checkEnvBuffer('ctx', b);
      this.cb = b;
      this.cdv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    return this.cdv;
  }

  /** View of env.mem (EMPTY when there is none). */
  mv(b: Uint8Array | null): DataView {
    if (b === null) return this.mv(EMPTY);
    if (b !== this.mb) {
      checkEnvBuffer('mem', b);
      this.mb = b;
      this.mdv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    return this.mdv;
  }
}

/** A bad memory access (write: 0/1) through the base register value (baseLo, baseHi). */
function memFault(
  S: JitState, env: ExecEnv, pc: number, write: number, size: number, baseLo: number, baseHi: number, r10: number, steps: number,
): VmError {
  S.out[0] = steps;
  const stackOff = r10 - REGION_BASE - STACK_FRAME_BYTES;
  return memoryFault(S.program, pc, write !== 0, size, baseLo, baseHi, stackOff, env.ctx.length, env.mem ? env.mem.length : 0);
}

function budgetFault(S: JitState, pc: number, steps: number): VmError {
  S.out[0] = steps;
  return budgetExhausted(pc, S.budget);
}

function fellOff(S: JitState, steps: number): VmError {
  S.out[0] = steps;
  return ranPastEnd(S.program.length);
}

function deepCall(S: JitState, pc: number, steps: number): VmError {
  S.out[0] = steps;
  return callsTooDeep(pc);
}

/** The region view for an access of `size` bytes at offset `ea` of region `tag`, or null; r10 is R10's lower half. */
function view(S: JitState, env: ExecEnv, tag: number, ea: number, size: number, r10: number): DataView | null {
  if (tag === REGION_STACK) return ea >= r10 - REGION_BASE - STACK_FRAME_BYTES && ea + size <= STACK_BYTES ? S.sv : null;
  if (tag === REGION_CTX) return ea >= 0 && ea + size <= env.ctx.length ? S.cv(env.ctx) : null;
  if (tag === REGION_MEM) return env.mem && ea >= 0 && ea + size <= env.mem.length ? S.mv(env.mem) : null;
  return null;
}

function helperFailure(S: JitState, pc: number, h: HelperDef | undefined, e: unknown, steps: number): unknown {
  S.out[0] = steps;
  return helperFailed(pc, h, e);
}

/** Calls the helper of the call at pc; the registers are already in S.fl/S.fh. */
function callHelper(S: JitState, env: ExecEnv, pc: number, steps: number): void | boolean {
  S.frame.env = env;
  try {
    return S.fns[pc]!(S.frame);
  } catch (e) {
    throw helperFailure(S, pc, S.helpers.get(S.program[pc]!.imm), e, steps);
  }
}

/** callx: the helper whose id is in the register (idLo, idHi). */
function callHelperX(S: JitState, env: ExecEnv, pc: number, idLo: number, idHi: number, steps: number): void | boolean {
  S.frame.env = env;
  const h = idHi === 0 ? S.helpers.get(idLo >>> 0) : undefined;
  if (!h) {
    S.out[0] = steps;
    throw noHelperForCallx(pc, S.program[pc]!.dst, idLo, idHi);
  }
  try {
    return h.fn(S.frame);
  } catch (e) {
    throw helperFailure(S, pc, h, e, steps);
  }
}

/**
 * The runtime object handed to every compiled program (the `$` of the generated factory).
 * Its keys are the code generator's fixed vocabulary.
 */
export const RUNTIME = Object.freeze({
  // run(env)'s checks, once per call; what a failed runPacket throws.
  ev: checkRunEnv,
  pw: packetRunError,
  O: u64.OUT,
  mf: memFault,
  bf: budgetFault,
  fo: fellOff,
  dc: deepCall,
  view,
  // Non-negative offsets the inline check refused also come here, and always fail.
  neg: loadPacketNegative,
  call: callHelper,
  callx: callHelperX,
  atomic: atomicUpdate,
  imul: Math.imul,
  mul64: u64.mul64,
  udiv64: u64.udiv64,
  umod64: u64.umod64,
  sdiv64: u64.sdiv64,
  smod64: u64.smod64,
  shl64: u64.shl64,
  shr64: u64.shr64,
  sar64: u64.sar64,
  udiv32: u64.udiv32,
  umod32: u64.umod32,
  sdiv32: u64.sdiv32,
  smod32: u64.smod32,
  bswap16: u64.bswap16,
  bswap32: u64.bswap32,
});

export type Runtime = typeof RUNTIME;
/** Names the generated factory binds from the runtime. */
export const RUNTIME_NAMES: readonly string[] = Object.keys(RUNTIME);
