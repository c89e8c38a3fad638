/**
 * A replay over worker threads. Each capture is a task; a pcap file larger than RANGE_BYTES
 * is split into byte ranges, one task each. A range's worker finds its first record by the
 * record headers that follow (capture/split.ts); here, in input order, that offset is
 * confirmed against where the previous range stopped, and a range whose start disagrees is
 * replayed again from the confirmed offset. Lines, kept packets and counts are merged in
 * order, so the output is the one a replay on this thread gives, byte for byte.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { ClassicProgram } from '../classic/insn.js';
import { captureFormatOf } from '../capture/decoder.js';
import type { CaptureInterface, CaptureRecord } from '../capture/record.js';
import { CaptureRecord as Record_ } from '../capture/record.js';
import { CaptureError, Cbpf2ebpfError, InputError } from '../errors.js';
import { Totals, SharedOutput, regularFileSize, type FileReplay, type ReplayFilesOptions, type ReplayFilesResult } from './files-common.js';
import type { EngineName } from './engine.js';
import { KEPT_HEADER, WORKER_TAG, type RangeDone, type RangeTask, type WorkerSetup } from './range-worker.js';
import type { ReplayResult } from './types.js';

/** The size of a pcap byte range given to one worker (smaller for --json, whose lines are long). */
export const RANGE_BYTES = 16 << 20;
const JSON_RANGE_BYTES = 4 << 20;
const PCAP_HEADER = 24;

export interface Plan {
  jobs: number;
  tasks: Array<Omit<RangeTask, 'id'> & { file: number; first: boolean }>;
}

function isPcap(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const b = new Uint8Array(4);
    return readSync(fd, b, 0, 4, 0) === 4 && captureFormatOf(b) === 'pcap';
  } finally {
    closeSync(fd);
  }
}

/**
 * The tasks for `paths` and the workers worth starting (at most `jobs`, at most one per
 * task), or null when the work is for this thread: one task, less than a range of bytes in
 * all, or a capture that is not a regular file (stdin, a pipe), which only this thread reads.
 */
export function plan(paths: readonly string[], jobs: number, lines?: 'results' | 'json'): Plan | null {
  const range = lines === 'json' ? JSON_RANGE_BYTES : RANGE_BYTES;
  const tasks: Plan['tasks'] = [];
  let bytes = 0;
  for (const [file, path] of paths.entries()) {
    const size = regularFileSize(path);
    bytes += size ?? 0;
    if (size === undefined) {
      if (path === '-') return null;
      // A missing file is a task too: its worker reports it.
      tasks.push({ file, path, whole: true, start: -1, from: 0, end: -1, first: true });
      continue;
    }
    if (size <= range || !isPcap(path)) {
      tasks.push({ file, path, whole: true, start: -1, from: 0, end: -1, first: true });
      continue;
    }
    for (let from = 0; from < size; from += range) {
      const end = from + range >= size ? -1 : from + range;
      tasks.push({ file, path, whole: false, start: from === 0 ? PCAP_HEADER : -1, from, end, first: from === 0 });
    }
  }
  // Starting a worker costs about as much as replaying a few MiB: small work stays here.
  const n = Math.min(jobs, tasks.length);
  return n > 1 && bytes > range ? { jobs: n, tasks } : null;
}

declare const __filename: string | undefined;

/**
 * The script a worker runs. In the CommonJS bundle (dist/cbpf2ebpf.cjs) everything is one
 * file, which starts the worker loop itself when it sees its workerData; the compiled modules
 * have range-worker.js beside this file. CBPF2EBPF_REPLAY_WORKER names another (tests that
 * run the TypeScript sources point it at a build).
 */
function workerScript(): string | URL {
  const env = process.env.CBPF2EBPF_REPLAY_WORKER;
  if (env) return env;
  if (typeof __filename === 'string' && __filename.endsWith('.cjs')) return __filename;
  return new URL('./range-worker.js', import.meta.url);
}

/** Workers taking one task at a time; a redone range goes first. */
class Pool {
  private readonly idle: Worker[] = [];
  private readonly queue: Array<{ task: RangeTask; resolve: (d: RangeDone) => void; reject: (e: Error) => void }> = [];
  private readonly waiting = new Map<number, { resolve: (d: RangeDone) => void; reject: (e: Error) => void }>();
  private readonly workers: Worker[] = [];
  private failure: Error | null = null;

  constructor(n: number, setup: WorkerSetup) {
    for (let i = 0; i < n; i++) {
      // A worker's garbage is mostly read buffers and text: a small heap makes it collect early.
      const w = new Worker(workerScript(), {
        workerData: setup, resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 },
      });
      w.on('message', (m: RangeDone | { id: number; crash: string }) => {
        const pending = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        if ('crash' in m) pending?.reject(new Error(`replay worker: ${m.crash}`));
        else pending?.resolve(m);
        this.idle.push(w);
        this.pump();
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`replay worker exited with code ${code}`));
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  run(task: RangeTask, first = false): Promise<RangeDone> {
    return new Promise((resolve, reject) => {
      if (this.failure) {
        reject(this.failure);
        return;
      }
      const item = { task, resolve, reject };
      if (first) this.queue.unshift(item);
      else this.queue.push(item);
      this.pump();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.shift()!;
      const { task, resolve, reject } = this.queue.shift()!;
      this.waiting.set(task.id, { resolve, reject });
      w.postMessage(task);
    }
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.waiting.values()) p.reject(e);
    this.waiting.clear();
    for (const q of this.queue) q.reject(e);
    this.queue.length = 0;
  }
}

/** Where one capture is, while its ranges are merged. */
interface FileState {
  path: string;
  expected: number;
  packets: number;
  done: boolean;
  result: Totals;
  engine: EngineName;
  semantics: ReplayResult['semantics'];
  error?: Cbpf2ebpfError;
  notReplayed: boolean;
  interfaces: CaptureInterface[];
}

const JSON_INDEX = /^(\{(?:"file":"(?:[^"\\]|\\.)*",)?"index":)(\d+)/gm;

export async function replayParallel(
  prog: ClassicProgram, paths: readonly string[], work: Plan, options: ReplayFilesOptions,
): Promise<ReplayFilesResult> {
  const started = performance.now();
  const out = new SharedOutput(options.write, options.writeFormat);
  const setup: WorkerSetup = {
    tag: WORKER_TAG, prog, fileNames: options.fileNames ?? paths.length > 1, write: out.writer !== null,
    ...(options.engine !== undefined ? { engine: options.engine } : {}),
    ...(options.semantics !== undefined ? { semantics: options.semantics } : {}),
    ...(options.link !== undefined ? { link: options.link } : {}),
    ...(options.lines !== undefined ? { lines: options.lines } : {}),
    ...(options.bufferSize !== undefined ? { bufferSize: options.bufferSize } : {}),
  };
  const pool = new Pool(work.jobs, setup);
  const tasks = work.tasks.map((t, id) => ({ ...t, id }));
  const running = new Map<number, Promise<RangeDone>>();
  // Tasks handed out ahead of the one being merged: bounds what waits in memory.
  const ahead = work.jobs + 1;
  let next = 0;
  const dispatch = (upTo: number): void => {
    for (; next < tasks.length && next <= upTo; next++) {
      const t = tasks[next]!;
      const p = pool.run({ id: t.id, path: t.path, whole: t.whole, start: t.start, from: t.from, end: t.end });
      p.catch(() => undefined);
      running.set(t.id, p);
    }
  };
  const states: FileState[] = paths.map((path) => ({
    path, expected: PCAP_HEADER, packets: 0, done: false, result: new Totals(), engine: options.engine ?? 'jit', semantics: options.semantics ?? 'linux',
    notReplayed: false, interfaces: [],
  }));
  const files: FileReplay[] = [];
  const totals = new Totals();
  const canonical = new Map<string, CaptureInterface>();
  const rec: CaptureRecord = new Record_();
  let failed: Cbpf2ebpfError | undefined;
  let engine: EngineName = options.engine ?? 'jit';
  let semantics: ReplayResult['semantics'] = options.semantics ?? 'linux';
  // Progress: the bytes of the captures before each one, plus how far its merged ranges reach.
  const before: number[] = [];
  paths.reduce((sum, p, n) => ((before[n] = sum), sum + (regularFileSize(p) ?? 0)), 0);
  let redoId = tasks.length;

  const finishFile = (f: number): void => {
    const s = states[f]!;
    const r = s.result.result(s.engine, s.semantics, started);
    if (s.error instanceof CaptureError && !s.notReplayed) r.captureError = s.error;
    totals.add(r);
    engine = s.engine;
    semantics = s.semantics;
    const fr: FileReplay = { path: s.path, result: s.notReplayed ? null : r, ...(s.error ? { error: s.error } : {}) };
    files.push(fr);
    options.onFile?.(fr);
  };

  try {
    for (let i = 0; i < tasks.length; i++) {
      dispatch(i + ahead);
      const t = tasks[i]!;
      const s = states[t.file]!;
      let d = await running.get(t.id)!;
      running.delete(t.id);
      if (!s.done) {
        if (!t.whole && !t.first && d.start !== s.expected) {
          // The range's own guess at its first record is not where the previous one stopped.
          d = await pool.run({ id: redoId++, path: t.path, whole: false, start: s.expected, from: t.from, end: t.end }, true);
        }
        merge(d, t.file, s);
        if (options.backpressure) {
          const wait = options.backpressure();
          if (wait) await wait;
        }
      }
      const last = i + 1 === tasks.length || tasks[i + 1]!.file !== t.file;
      if (last) finishFile(t.file);
    }
  } catch (e) {
    await pool.close();
    out.closeAfterError(e);
    throw e;
  }
  await pool.close();
  const written = out.close();
  return { files, total: totals.result(engine, semantics, started), ...(failed ? { failed } : {}), ...(written ? { written } : {}) };

  function merge(d: RangeDone, file: number, s: FileState): void {
    s.engine = d.engine;
    s.semantics = d.semantics;
    if (d.error && !d.error.capture) {
      const e = d.error.name === 'InputError'
        ? new InputError(s.path, d.error.message.slice(d.error.message.lastIndexOf(': ') + 2))
        : new Cbpf2ebpfError(d.error.message, d.error.exitCode);
      s.done = true;
      s.notReplayed = s.packets === 0;
      s.error = e;
      if (!options.keepGoing) throw e;
      failed ??= e;
      return;
    }
    const base = s.packets;
    if (d.text !== '' && options.onText) {
      options.onText(base === 0 || options.lines !== 'json' ? d.text : d.text.replace(JSON_INDEX, (_, head: string, n: string) => `${head}${base + Number(n)}`));
    }
    const ifaces = d.interfaces.map((i) => {
      const key = `${file}/${i.section}/${i.id}`;
      let c = canonical.get(key);
      if (c === undefined) {
        c = i;
        canonical.set(key, c);
      }
      return c;
    });
    if (d.kept && out.writer) {
      out.writer.source = paths.length > 1 ? s.path : undefined;
      const firstInterfaces = (d.firstKeptInterfaces ?? []).map((k) => ifaces[k]!);
      const v = new DataView(d.kept.buffer, d.kept.byteOffset, d.kept.byteLength);
      for (let p = 0; p < d.kept.length;) {
        const length = v.getUint32(p + 28, true);
        const iface = ifaces[v.getUint32(p + 32, true)]!;
        rec.buf = d.kept;
        rec.offset = p + KEPT_HEADER;
        rec.caplen = length;
        rec.wirelen = v.getUint32(p + 24, true);
        rec.tsSec = v.getFloat64(p + 8, true);
        rec.tsNsec = v.getFloat64(p + 16, true);
        rec.index = base + v.getFloat64(p, true);
        rec.linktype = iface.linktype;
        rec.interfaceId = iface.id;
        rec.iface = iface;
        out.writer.write(rec, length, firstInterfaces);
        p += KEPT_HEADER + length;
      }
    }
    s.packets += d.packets;
    s.result.add(d);
    s.interfaces = ifaces;
    out.sawInterfaces(ifaces);
    s.expected = d.stop;
    if (d.error) {
      const e = new CaptureError(s.path, base + d.error.packet, d.error.at, d.error.detail);
      s.done = true;
      s.error = e;
      s.notReplayed = ifaces.length === 0;
      if (!options.keepGoing) throw e;
      if (s.notReplayed) failed ??= e;
    } else if (!d.atLimit) {
      s.done = true;
    }
    options.onProgress?.(before[file]! + d.stop, totals.packets + s.packets);
  }
}
