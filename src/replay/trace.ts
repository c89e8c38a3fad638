/**
 * Step-by-step traces of one packet: every instruction executed, with the registers it
 * changed. The VM trace runs the translated program in the interpreter (the only engine
 * that can stop after each instruction) and can interleave the classic instruction each
 * step came from; the classic trace runs the reference interpreter and shows A, X and M[].
 */
import { argFail, checkInteger, checkObject, checkOneOf, checkUint8Array, optBoolean } from '../args.js';
import { classicText } from '../classic/disasm.js';
import { checkClassicProgram } from '../classic/shape.js';
import { runClassic } from '../classic/interp.js';
import { SKB_CTX_SIZE, type SkbMeta, checkSkbMeta, writeSkbContext } from '../abi/ctx.js';
import { disasmInsn } from '../ebpf/disasm.js';
import { BPF_EXIT, BPF_JMP, MAX_BPF_REG } from '../ebpf/opcodes.js';
import { BPF_MEMWORDS } from '../abi/opcodes.js';
import { hex, hex64Short } from '../hex.js';
import { Interpreter } from '../vm/interp.js';
import { REGION_BASE, REGION_STACK, STACK_BYTES, regionName } from '../vm/memory.js';
import { ExecEnv } from '../vm/types.js';
import type { PreparedFilter } from './engine.js';

export interface PacketTrace {
  /** One line per executed instruction (and, annotated, per classic instruction entered). */
  readonly lines: string[];
  /** The filter's result for the packet. */
  readonly ret: number;
  /** Instructions executed. */
  readonly steps: number;
}

/** A register as a number, or as region+offset when it holds a pointer. */
function regText(lo: number, hi: number): string {
  const region = regionName(hi);
  if (region === 'stack' && hi === REGION_STACK) {
    const rel = (lo >>> 0) - REGION_BASE - STACK_BYTES;
    return rel === 0 ? 'fp' : `fp${rel}`;
  }
  if (region !== undefined) return `${region}+${(lo >>> 0) - REGION_BASE}`;
  return `0x${hex64Short(lo, hi)}`;
}

const STEP_COLUMN = 44;

/**
 * What a trace function takes: a filter from prepareFilter, the packet bytes
 * buf[start, start + caplen) and its metadata (ArgumentError from `fn`).
 */
function checkTraceArgs(fn: string, prep: PreparedFilter, buf: Uint8Array, start: number, caplen: number, meta: SkbMeta): void {
  const p = checkObject(fn, 'prep', prep, 'a PreparedFilter (prepareFilter makes one)');
  checkOneOf(fn, 'prep.semantics', p.semantics, ['linux', 'libpcap']);
  checkClassicProgram(fn, p.classic, 'prep.classic');
  if (p.translation !== null) {
    const t = checkObject(fn, 'prep.translation', p.translation, 'a Translation or null');
    if (!Array.isArray(t.insns) || !(t.origin instanceof Int32Array)) argFail(fn, 'prep.translation', 'a Translation (translateClassic makes one)', t);
  }
  const b = checkUint8Array(fn, 'buf', buf);
  checkInteger(fn, 'start', start, 0, b.length);
  checkInteger(fn, 'caplen', caplen, 0, b.length - start);
  checkSkbMeta(fn, 'meta', meta);
}

/** Runs the translated program over one packet in a tracing interpreter. */
export function traceVm(
  prep: PreparedFilter, buf: Uint8Array, start: number, caplen: number, meta: SkbMeta, annotate: boolean,
): PacketTrace {
  checkTraceArgs('traceVm', prep, buf, start, caplen, meta);
  optBoolean('traceVm', 'annotate', annotate);
  const t = prep.translation;
  if (!t) argFail('traceVm', 'prep', 'a filter prepared for a VM engine (jit or interp)', prep.engine);
  const insns = t.insns;
  const lines: string[] = [];
  const prevLo = new Int32Array(MAX_BPF_REG);
  const prevHi = new Int32Array(MAX_BPF_REG);
  let pending = -1;
  let lastClassic = -2;
  let liveLo: Int32Array = prevLo;
  let liveHi: Int32Array = prevHi;

  const emit = (pc: number, lo: Int32Array, hi: Int32Array): void => {
    const changed: string[] = [];
    for (let r = 0; r < MAX_BPF_REG; r++) {
      if (lo[r] !== prevLo[r] || hi[r] !== prevHi[r]) changed.push(`r${r}=${regText(lo[r]!, hi[r]!)}`);
    }
    prevLo.set(lo);
    prevHi.set(hi);
    const text = `${String(pc).padStart(5)}: ${disasmInsn(insns[pc]!, insns[pc + 1])}`;
    lines.push(changed.length ? `${text.padEnd(STEP_COLUMN)} ${changed.join(' ')}` : text);
  };

  const vm = new Interpreter(insns, {
    helpers: prep.helpers,
    trace: (pc, lo, hi) => {
      liveLo = lo;
      liveHi = hi;
      if (pending >= 0) emit(pending, lo, hi);
      else {
        prevLo.set(lo);
        prevHi.set(hi);
      }
      if (annotate && pc < insns.length) {
        const from = t.origin[pc]!;
        if (from !== lastClassic) {
          lines.push(from < 0 ? '       ; prologue' : `       ; (${String(from).padStart(3, '0')}) ${classicText(prep.classic[from]!, from)}`);
          lastClassic = from;
        }
      }
      pending = pc;
    },
  });
  const env = new ExecEnv();
  env.ctx = new Uint8Array(SKB_CTX_SIZE);
  writeSkbContext(meta, new DataView(env.ctx.buffer));
  env.meta = meta;
  env.setPacket(buf, start, caplen);
  const ret = vm.run(env);
  if (pending >= 0) {
    emit(pending, liveLo, liveHi);
    if (insns[pending]!.code !== (BPF_JMP | BPF_EXIT)) lines.push('       ; the packet load failed (out of bounds): the program ends and returns 0');
  }
  return { lines, ret, steps: vm.steps };
}

/** Runs the classic program over one packet in the reference interpreter, tracing A, X and M[]. */
export function traceClassic(prep: PreparedFilter, buf: Uint8Array, start: number, caplen: number, meta: SkbMeta): PacketTrace {
  checkTraceArgs('traceClassic', prep, buf, start, caplen, meta);
  const prog = prep.classic;
  const lines: string[] = [];
  let pending = -1;
  let prevA = 0, prevX = 0;
  const prevM = new Uint32Array(BPF_MEMWORDS);
  let lastA = 0, lastX = 0;
  let lastM: Uint32Array = prevM;

  const emit = (pc: number, A: number, X: number, M: Uint32Array): void => {
    const changed: string[] = [];
    if (A !== prevA) changed.push(`A=${hex(A)}`);
    if (X !== prevX) changed.push(`X=${hex(X)}`);
    for (let k = 0; k < BPF_MEMWORDS; k++) if (M[k] !== prevM[k]) changed.push(`M[${k}]=${hex(M[k]!)}`);
    prevA = A;
    prevX = X;
    prevM.set(M);
    const text = `  (${String(pc).padStart(3, '0')}) ${classicText(prog[pc]!, pc)}`;
    lines.push(changed.length ? `${text.padEnd(STEP_COLUMN)} ${changed.join(' ')}` : text);
  };

  const r = runClassic(prog, { pkt: buf.subarray(start, start + caplen), meta }, {
    semantics: prep.semantics,
    trace: (pc, A, X, M) => {
      if (pending >= 0) emit(pending, A, X, M);
      pending = pc;
      lastA = A;
      lastX = X;
      lastM = M;
    },
  });
  if (pending >= 0) {
    emit(pending, lastA, lastX, lastM);
    if (r.reason === 'load-out-of-bounds') lines.push('        ; the load is outside the packet: the filter returns 0');
    else if (r.reason === 'div-by-zero') lines.push('        ; division by X = 0: the filter returns 0');
    else if (r.reason === 'budget') lines.push('        ; the instruction budget ran out: the filter returns 0');
  }
  return { lines, ret: r.ret, steps: r.steps };
}

/** The trace of one packet with the engine the filter was prepared for (VM engines trace in the interpreter). */
export function tracePacket(
  prep: PreparedFilter, buf: Uint8Array, start: number, caplen: number, meta: SkbMeta, annotate: boolean,
): PacketTrace {
  checkTraceArgs('tracePacket', prep, buf, start, caplen, meta);
  return prep.translation ? traceVm(prep, buf, start, caplen, meta, annotate) : traceClassic(prep, buf, start, caplen, meta);
}
