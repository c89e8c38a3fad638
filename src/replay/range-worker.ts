/**
 * The worker side of a parallel replay (parallel.ts): replays one task at a time (a whole
 * capture, or the records of a pcap file that start in a byte range) and hands back its
 * per-packet lines, its kept packets in a compact form the main thread writes with the one
 * -w writer, and its counts. Packet numbers are the task's own (from 1): the main thread adds
 * the packets of the ranges before it.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { ClassicProgram } from '../classic/insn.js';
import type { CaptureInterface, CaptureRecord } from '../capture/record.js';
import { CaptureReader } from '../capture/reader.js';
import { findPcapRecord } from '../capture/split.js';
import { CaptureError, Cbpf2ebpfError } from '../errors.js';
import { raiseInliningBudget } from '../vm/jit/tune.js';
import { prepareFilter, type EngineName, type PreparedFilter } from './engine.js';
import type { LineKind } from './files-common.js';
import type { LinkOptions } from './link.js';
import { linePrefix, prefixedLine } from './output.js';
import { ReplaySession, type KeptSink } from './session.js';
import type { ReplayOptions, ReplayPacket } from './types.js';

/** Marks the workerData of a replay worker (a bundle holding this module starts the loop only then). */
export const WORKER_TAG = 'cbpf2ebpf-replay-range';

export interface WorkerSetup {
  tag: typeof WORKER_TAG;
  prog: ClassicProgram;
  engine?: EngineName;
  semantics?: 'linux' | 'libpcap';
  link?: Partial<LinkOptions>;
  lines?: LineKind;
  fileNames: boolean;
  write: boolean;
  bufferSize?: number;
}

export interface RangeTask {
  id: number;
  path: string;
  /** The whole capture (any format); else a byte range of a pcap file. */
  whole: boolean;
  /** Where to start: a record's offset, or -1 to find one at or after `from` (or, for `from` 0, the whole file). */
  start: number;
  from: number;
  /** Records starting at or after this offset belong to the next range (-1: to the end of the file). */
  end: number;
}

/** A kept packet's header in the compact form: index, tsSec, tsNsec (f64), wirelen, length, interface (u32). */
export const KEPT_HEADER = 36;

export interface RangeDone {
  id: number;
  /** Where the task started (-1: no record was found in its range). */
  start: number;
  /** The offset of the first record not read: the next range's start. */
  stop: number;
  /** The task ended at its range's end (more of the file follows). */
  atLimit: boolean;
  engine: EngineName;
  semantics: 'linux' | 'libpcap';
  packets: number;
  accepted: number;
  bytesKept: number;
  bytesCaptured: number;
  linktypes: number[];
  /** The capture's interfaces at the end, and those the kept packets name. */
  interfaces: CaptureInterface[];
  kept: Uint8Array | null;
  keptCount: number;
  /** Index into `interfaces` of the interfaces present at the first kept packet (how a pcap output's header is chosen). */
  firstKeptInterfaces: number[] | null;
  text: string;
  error?:
    | { capture: true; packet: number; at: number; detail: string }
    | { capture: false; message: string; exitCode: number; name: string };
}

/** Gathers kept packets in the compact form. */
class KeptRecorder implements KeptSink {
  buf = new Uint8Array(1 << 16);
  view = new DataView(this.buf.buffer);
  used = 0;
  count = 0;
  readonly ifaces = new Map<CaptureInterface, number>();
  readonly list: CaptureInterface[] = [];
  firstInterfaces: number[] | null = null;

  write(rec: CaptureRecord, length: number, interfaces: readonly CaptureInterface[]): void {
    if (this.firstInterfaces === null) this.firstInterfaces = interfaces.map((i) => this.idOf(i));
    const need = this.used + KEPT_HEADER + length;
    if (need > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < need) size *= 2;
      const b = new Uint8Array(size);
      b.set(this.buf.subarray(0, this.used));
      this.buf = b;
      this.view = new DataView(b.buffer);
    }
    const v = this.view, p = this.used;
    v.setFloat64(p, rec.index, true);
    v.setFloat64(p + 8, rec.tsSec, true);
    v.setFloat64(p + 16, rec.tsNsec, true);
    v.setUint32(p + 24, rec.wirelen, true);
    v.setUint32(p + 28, length, true);
    v.setUint32(p + 32, this.idOf(rec.iface!), true);
    this.buf.set(rec.buf.subarray(rec.offset, rec.offset + length), p + KEPT_HEADER);
    this.used = need;
    this.count++;
  }

  idOf(i: CaptureInterface): number {
    let id = this.ifaces.get(i);
    if (id === undefined) {
      id = this.list.length;
      this.ifaces.set(i, id);
      this.list.push(i);
    }
    return id;
  }
}

let rangeFilter: PreparedFilter | undefined;
let scanBuffer: Uint8Array | undefined;

/** Bytes read to find a range's first record: room for a chain of large records. */
const SCAN_BYTES = 4 << 20;

function findStart(task: RangeTask): number {
  if (task.start >= 0) return task.start;
  // The file header only.
  const r = CaptureReader.open(task.path, { bufferSize: 4096 });
  const layout = r.pcapLayout;
  r.close();
  if (layout === undefined) return -1;
  const fd = openSync(task.path, 'r');
  try {
    const buf = (scanBuffer ??= new Uint8Array(SCAN_BYTES));
    const n = readSync(fd, buf, 0, buf.length, task.from);
    const limit = task.end < 0 ? n : Math.min(n, task.end - task.from);
    const x = findPcapRecord(buf.subarray(0, n), 0, limit, layout, n < buf.length);
    return x < 0 ? -1 : task.from + x;
  } finally {
    closeSync(fd);
  }
}

export function runTask(task: RangeTask, setup: WorkerSetup): RangeDone {
  const done: RangeDone = {
    id: task.id, start: -1, stop: task.end < 0 ? 0 : task.end, atLimit: false, engine: setup.engine ?? 'jit', semantics: setup.semantics ?? 'linux',
    packets: 0, accepted: 0, bytesKept: 0, bytesCaptured: 0, linktypes: [], interfaces: [], kept: null, keptCount: 0, firstKeptInterfaces: null, text: '',
  };
  const whole = task.whole;
  const parts: string[] = [];
  let pending = '';
  const kind = setup.lines;
  const prefix = kind !== undefined && setup.fileNames ? linePrefix(task.path, kind) : '';
  const opts: ReplayOptions = { keepGoing: true };
  if (setup.engine !== undefined) opts.engine = setup.engine;
  if (setup.semantics !== undefined) opts.semantics = setup.semantics;
  if (setup.link !== undefined) opts.link = setup.link;
  if (setup.bufferSize !== undefined) opts.bufferSize = setup.bufferSize;
  if (kind !== undefined) {
    opts.onPacket = (p: ReplayPacket) => {
      pending += prefixedLine(prefix, kind, p);
      if (pending.length > 1 << 16) {
        parts.push(pending);
        pending = '';
      }
    };
  }
  const recorder = setup.write ? new KeptRecorder() : null;
  try {
    const start = whole ? -1 : findStart(task);
    if (!whole && start < 0) return done;
    done.start = whole ? 0 : start;
    // The ranges of a file share one compiled filter (a whole capture gets its own, as on one thread).
    if (!whole) rangeFilter ??= prepareFilter(setup.prog, opts);
    const extras = {
      ...(recorder ? { writer: recorder } : {}),
      ...(whole ? {} : { range: { start, limit: task.end < 0 ? Infinity : task.end }, prepared: rangeFilter! }),
    };
    const session = new ReplaySession(setup.prog, task.path, opts, extras);
    try {
      while (session.step(4096));
    } catch (e) {
      session.abort();
      throw e;
    }
    const r = session.finish();
    done.stop = session.position;
    done.atLimit = session.stoppedAtLimit;
    done.engine = r.engine;
    done.semantics = r.semantics;
    done.packets = r.packets;
    done.accepted = r.accepted;
    done.bytesKept = r.bytesKept;
    done.bytesCaptured = r.bytesCaptured;
    done.linktypes = r.linktypes;
    if (r.captureError) {
      const e = r.captureError;
      const detail = e.message.slice(e.message.indexOf(` at byte ${e.byteOffset}: `) + ` at byte ${e.byteOffset}: `.length);
      done.error = { capture: true, packet: e.packetNumber, at: e.byteOffset, detail };
    }
    const ifaces = recorder ?? new KeptRecorder();
    for (const i of session.interfaces) ifaces.idOf(i);
    done.interfaces = ifaces.list;
  } catch (e) {
    if (!(e instanceof Cbpf2ebpfError)) throw e;
    done.error = { capture: false, message: e.message, exitCode: e.exitCode, name: e.name };
  }
  parts.push(pending);
  done.text = parts.join('');
  if (recorder) {
    done.kept = recorder.buf.slice(0, recorder.used);
    done.keptCount = recorder.count;
    done.firstKeptInterfaces = recorder.firstInterfaces;
  }
  return done;
}

/** Rebuilds a CaptureError a worker reported, numbered for the whole file. */
export function captureErrorOf(path: string, packet: number, at: number, detail: string): CaptureError {
  return new CaptureError(path, packet, at, detail);
}

function workerLoop(setup: WorkerSetup): void {
  if (setup.engine === undefined || setup.engine === 'jit') raiseInliningBudget();
  parentPort!.on('message', (task: RangeTask) => {
    let done: RangeDone;
    try {
      done = runTask(task, setup);
    } catch (e) {
      const err = e as Error;
      parentPort!.postMessage({ id: task.id, crash: `${err?.message ?? String(e)}` });
      return;
    }
    parentPort!.postMessage(done, done.kept ? [done.kept.buffer as ArrayBuffer] : []);
  });
}

if (!isMainThread && (workerData as WorkerSetup | null)?.tag === WORKER_TAG) workerLoop(workerData as WorkerSetup);
