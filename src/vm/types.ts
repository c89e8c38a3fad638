/**
 * The contract every execution engine (interpreter, JIT) implements, and the per-run
 * environment callers fill. Callers reuse one ExecEnv and mutate it per packet, so a run
 * allocates nothing.
 */
import { argFail } from '../args.js';
import type { SkbMeta } from '../abi/ctx.js';
import { ArgumentError } from '../errors.js';

/**
 * Inputs of one run. Exactly one of `ctx` (socket filter, seccomp) or `mem` (conformance,
 * caller memory) is what R1 points at on entry.
 */
export class ExecEnv {
  /** Context region: `__sk_buff` for socket filters, `seccomp_data` for seccomp. R1 points here. */
  ctx: Uint8Array = new Uint8Array(0);
  /** Packet bytes for LD ABS/IND: pkt[pktStart, pktStart + pktLen) is the data from the link header. */
  pkt: Uint8Array = new Uint8Array(0);
  pktStart = 0;
  pktLen = 0;
  /** Packet metadata behind the context and the project helpers (may be null outside socket filters). */
  meta: SkbMeta | null = null;
  /** Caller memory: when set, R1 points at it and R2 holds its length (bpf_conformance `-- mem`). */
  mem: Uint8Array | null = null;

  /** Points the packet region at a slice of a larger buffer without copying. */
  setPacket(buf: Uint8Array, start: number, len: number): void {
    if (!(buf instanceof Uint8Array)) argFail('setPacket', 'buf', 'a Uint8Array', buf);
    checkPacketWindow('setPacket', buf.length, start, len);
    this.pkt = buf;
    this.pktStart = start;
    this.pktLen = len;
  }

  // One DataView per packet buffer, made when the buffer changes, not per run.
  private viewBytes: Uint8Array | null = null;
  private view: DataView | null = null;

  /** A DataView over the whole of `pkt` (the same object until `pkt` changes). */
  pktView(): DataView {
    if (this.viewBytes !== this.pkt) {
      if (!(this.pkt instanceof Uint8Array)) argFail('ExecEnv', 'pkt', 'a Uint8Array', this.pkt);
      this.viewBytes = this.pkt;
      this.view = new DataView(this.pkt.buffer, this.pkt.byteOffset, this.pkt.byteLength);
    }
    return this.view!;
  }

  /** setPacket over the bytes of `view` (pkt becomes a Uint8Array over them, made once per view). */
  setPacketView(view: DataView, start: number, len: number): void {
    if (view !== this.view) {
      if (!(view instanceof DataView)) argFail('setPacketView', 'view', 'a DataView', view);
      this.view = view;
      this.viewBytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    }
    checkPacketWindow('setPacketView', view.byteLength, start, len);
    this.pkt = this.viewBytes!;
    this.pktStart = start;
    this.pktLen = len;
  }
}

/**
 * Throws ArgumentError unless [start, start + len) lies inside `size` bytes. The engines
 * check the window once per run; their loads then compare offsets with len alone.
 */
export function checkPacketWindow(fn: string, size: number, start: number, len: number): void {
  // typeof first: `>>>` throws a TypeError for a bigint or a symbol.
  if (typeof start !== 'number' || typeof len !== 'number' || (start >>> 0) !== start || (len >>> 0) !== len || start + len > size) {
    badWindow(fn, size, start, len);
  }
}

function badWindow(fn: string, size: number, start: unknown, len: unknown): never {
  if (typeof start !== 'number' || (start >>> 0) !== start) argFail(fn, 'start', `an integer from 0 to ${size}`, start);
  if (typeof len !== 'number' || (len >>> 0) !== len) argFail(fn, 'len', `an integer from 0 to ${size - start}`, len);
  throw new ArgumentError(fn, 'the packet window', `[${start}, ${start + len}) must lie inside the ${size} bytes of the buffer`);
}

/**
 * The checks of an engine's run(env), once per run: an ExecEnv whose buffers are
 * Uint8Arrays (mem may be null), with its packet window inside env.pkt.
 */
export function checkRunEnv(env: ExecEnv): void {
  if (!(env instanceof ExecEnv)) argFail('run', 'env', 'an ExecEnv', env);
  const pkt = env.pkt;
  if (!(pkt instanceof Uint8Array)) argFail('run', 'env.pkt', 'a Uint8Array', pkt);
  checkEnvBuffer('ctx', env.ctx);
  checkEnvBuffer('mem', env.mem);
  checkPacketWindow('run', pkt.length, env.pktStart, env.pktLen);
}

/**
 * The checks of an engine's runPacket(env, view, start, len): an ExecEnv, a DataView, and a
 * window inside it; returns the view's length. (The engines check env.ctx and env.mem when
 * they make their views of them, which is when those buffers change.)
 */
export function checkPacketRun(env: ExecEnv, view: DataView, start: number, len: number): number {
  if (!(env instanceof ExecEnv)) argFail('runPacket', 'env', 'an ExecEnv', env);
  if (!(view instanceof DataView)) argFail('runPacket', 'view', 'a DataView', view);
  const size = view.byteLength;
  checkPacketWindow('runPacket', size, start, len);
  return size;
}

/**
 * What a runPacket whose run failed throws: the ArgumentError of its arguments when they were
 * at fault (the JIT checks them only then), else the failure itself.
 */
export function packetRunError(e: unknown, env: ExecEnv, view: DataView, start: number, len: number): unknown {
  try {
    checkPacketRun(env, view, start, len);
  } catch (bad) {
    return bad;
  }
  return e;
}

/** Throws ArgumentError unless env.ctx (or env.mem, which may also be null) is a Uint8Array; for when an engine makes a view of it. */
export function checkEnvBuffer(name: 'ctx' | 'mem', b: unknown): void {
  if (!(b instanceof Uint8Array) && !(name === 'mem' && b === null)) argFail('run', `env.${name}`, name === 'mem' ? 'a Uint8Array or null' : 'a Uint8Array', b);
}

/** What a helper sees: the register file as 32-bit halves, and the run's environment. */
export interface HelperFrame {
  /** Low and high 32-bit halves of R0..R10; a helper reads R1..R5 and writes R0. */
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly env: ExecEnv;
}

/** A helper writes its 64-bit result to lo[0]/hi[0]. Returning `false` ends the program (R0 as written). */
export type HelperFn = (frame: HelperFrame) => void | boolean;

export interface Engine {
  /** Runs the program once and returns R0's low 32 bits, unsigned. Throws VmError on a fault. */
  run(env: ExecEnv): number;
  /**
   * The packet loop's entry: run(env) over bytes [start, start + len) of `view`, with
   * R1 = env.ctx (env.mem is not consulted), returning R0's low 32 bits. Made for loops that
   * hold a buffer of many packets, as libpcap's bpf_filter takes one: the caller makes one
   * DataView per buffer, and the JIT neither stores the window into env nor records the
   * run, so r0hi, steps and exitPc are left unspecified (run(env) keeps them). env's packet
   * fields may or may not be updated. The window must lie inside the view: the interpreter
   * checks it up front, the JIT (which checks nothing in its packet path) when a load leaves
   * the view; either way a bad window, view or env is an ArgumentError.
   */
  runPacket(env: ExecEnv, view: DataView, start: number, len: number): number;
  /** R0's upper 32 bits after the last run(env), unsigned. */
  readonly r0hi: number;
  /** Instructions executed by the last run(env). */
  readonly steps: number;
}
