/**
 * One filter over several captures (pcap and pcapng mixed): each capture is replayed as
 * `replay` would replay it alone (its own link types, counts, packet numbers and filter state),
 * the per-packet lines name the capture they come from, and one -w output receives the kept
 * packets of all of them in input order. With `jobs` above 1 the work is spread over worker
 * threads (see parallel.ts); the output is the same byte for byte.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { ClassicProgram } from '../classic/insn.js';
import type { CaptureInterface } from '../capture/record.js';
import { CaptureError, Cbpf2ebpfError, InputError, UsageError } from '../errors.js';
import type { ByteSink } from '../io/sink.js';
import { argFail, checkArray, checkFunction, checkInteger, checkString, optBoolean, optFunction, optOneOf } from '../args.js';
import { checkReplayArgs } from './checks.js';
import type { EngineName } from './engine.js';
import { KeptPacketWriter, keptFormatFor } from './kept-writer.js';
import { linePrefix, prefixedLine } from './output.js';
import { runSession } from './replay.js';
import { loadFilter, ReplaySession } from './session.js';
import type { ReplayOptions, ReplayPacket, ReplayResult } from './types.js';

/** Per-packet text output: `results` (the return value) or `json` (one object). */
export type LineKind = 'results' | 'json';

export interface ReplayFilesOptions extends Pick<ReplayOptions, 'engine' | 'semantics' | 'link' | 'filterFormat' | 'endian' | 'write' | 'writeFormat' | 'backpressure' | 'bufferSize'> {
  /**
   * A truncated or corrupt capture ends after its last good packet and is reported in its
   * FileReplay; a capture that cannot be replayed at all (unreadable, not a capture) is
   * reported too, and the others go on. Without keepGoing the first error is thrown, after
   * the -w output received every packet read before it.
   */
  keepGoing?: boolean;
  /** Per-packet lines, handed to onText in input order (several lines at a time). */
  lines?: LineKind;
  /** Start each line with the capture's name (`FILE<TAB>` / `"file":`). Default: with more than one capture. */
  fileNames?: boolean;
  onText?: (text: string) => void;
  /** Called every few thousand packets: bytes read of all captures, packets run. */
  onProgress?: (bytes: number, packets: number) => void;
  /** Called as each capture is done, in input order. */
  onFile?: (file: FileReplay) => void;
  /** Worker threads (1 = this thread only). Default 1; see defaultJobs(). */
  jobs?: number;
}

/** What became of one capture. */
export interface FileReplay {
  readonly path: string;
  /** Its replay (null when it could not be replayed at all: then `error` says why). */
  readonly result: ReplayResult | null;
  /** Why it was not replayed, or what ended it early (the same as result.captureError). */
  readonly error?: Cbpf2ebpfError;
}

export interface ReplayFilesResult {
  readonly files: readonly FileReplay[];
  /** The sums over every capture; link types in the order met; elapsed time of the whole run. */
  readonly total: ReplayResult;
  /** The first capture that could not be replayed at all (keepGoing), whose exit code a CLI reports. */
  readonly failed?: Cbpf2ebpfError;
  /** The -w output, its format and the packets written to it. */
  readonly written?: { path: string; format: 'pcap' | 'pcapng'; packets: number };
}

/** Throws ArgumentError (from `fn`) for arguments replayFiles cannot take. */
export function checkReplayFilesArgs(fn: string, filter: ClassicProgram | string, paths: readonly string[], options: ReplayFilesOptions): void {
  checkArray(fn, 'paths', paths).forEach((p, n) => checkString(fn, `paths[${n}]`, p));
  if (paths.length === 0) argFail(fn, 'paths', 'at least one capture', paths);
  const { lines, fileNames, onText, onFile, jobs, ...rest } = options;
  checkReplayArgs(fn, filter, paths[0]!, rest);
  optOneOf(fn, 'options.lines', lines, ['results', 'json'], 'results');
  optBoolean(fn, 'options.fileNames', fileNames);
  optFunction(fn, 'options.onText', onText);
  optFunction(fn, 'options.onFile', onFile);
  if (lines !== undefined) checkFunction(fn, 'options.onText', onText);
  if (jobs !== undefined) checkInteger(fn, 'options.jobs', jobs, 1, 1024);
  if (paths.filter((p) => p === '-').length > 1) throw new UsageError('stdin (-) can be given as a capture only once');
}

/** Sums of the captures replayed so far, and the link types in the order met. */
export class Totals {
  packets = 0;
  accepted = 0;
  bytesKept = 0;
  bytesCaptured = 0;
  readonly linktypes: number[] = [];

  add(r: Pick<ReplayResult, 'packets' | 'accepted' | 'bytesKept' | 'bytesCaptured' | 'linktypes'>): void {
    this.packets += r.packets;
    this.accepted += r.accepted;
    this.bytesKept += r.bytesKept;
    this.bytesCaptured += r.bytesCaptured;
    for (const l of r.linktypes) if (!this.linktypes.includes(l)) this.linktypes.push(l);
  }

  result(engine: EngineName, semantics: ReplayResult['semantics'], started: number): ReplayResult {
    const elapsedMs = performance.now() - started;
    return {
      engine, semantics, linktypes: this.linktypes, packets: this.packets, accepted: this.accepted, bytesKept: this.bytesKept,
      bytesCaptured: this.bytesCaptured, elapsedMs, packetsPerSecond: elapsedMs > 0 ? this.packets / (elapsedMs / 1000) : 0,
    };
  }
}

/**
 * The one -w output of a replay over several captures. On an error that ends the run it keeps
 * what was written (as one capture's replay does), unless no capture was ever read.
 */
export class SharedOutput {
  readonly writer: KeptPacketWriter | null;
  private firstInterfaces: readonly CaptureInterface[] | null = null;

  constructor(write: string | ByteSink | undefined, format: 'pcap' | 'pcapng' | undefined) {
    this.writer = write !== undefined ? new KeptPacketWriter(write, keptFormatFor(write, format)) : null;
  }

  /** A capture's interfaces were read: an empty output gets the first capture's first link type. */
  sawInterfaces(interfaces: readonly CaptureInterface[]): void {
    if (this.firstInterfaces === null && interfaces.length > 0) this.firstInterfaces = interfaces;
  }

  close(): ReplayFilesResult['written'] {
    const w = this.writer;
    if (w === null) return undefined;
    if (this.firstInterfaces === null && !w.opened) {
      w.abort();
      return undefined;
    }
    w.close(this.firstInterfaces ?? []);
    return { path: w.path, format: w.format, packets: w.packets };
  }

  /**
   * The run ends with error `e`: a bad or unreadable capture keeps what was written before it,
   * as one capture's replay does; anything else (the output itself, a filter that faults)
   * leaves the destination alone.
   */
  closeAfterError(e: unknown): void {
    if (!(e instanceof CaptureError || e instanceof InputError)) {
      this.writer?.abort();
      return;
    }
    try {
      this.close();
    } catch {
      // The error that ended the run is the one to report.
      this.writer?.abort();
    }
  }
}

/** The machine's cores, as many workers as are useful. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

/** The size of a regular file, or undefined (stdin, a pipe, a missing file). */
export function regularFileSize(path: string): number | undefined {
  if (path === '-') return undefined;
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

/** An error that ends the replay of one capture (and, without keepGoing, the run). */
function isCaptureLevel(e: unknown): e is Cbpf2ebpfError {
  return e instanceof Cbpf2ebpfError && !(e instanceof UsageError);
}

/**
 * Runs `filter` (a classic program, or a path to one) over every packet of every capture in
 * `paths` (`-` = stdin, once), in order. Throws as replay() does; with keepGoing, errors of a
 * capture are reported in its FileReplay and the run goes on.
 */
export async function replayFiles(filter: ClassicProgram | string, paths: readonly string[], options: ReplayFilesOptions = {}): Promise<ReplayFilesResult> {
  checkReplayFilesArgs('replayFiles', filter, paths, options);
  const prog = typeof filter === 'string' ? loadFilter(filter, options.filterFormat, options.endian) : filter;
  return replaySequential(prog, paths, options);
}

async function replaySequential(prog: ClassicProgram, paths: readonly string[], options: ReplayFilesOptions): Promise<ReplayFilesResult> {
  const started = performance.now();
  const out = new SharedOutput(options.write, options.writeFormat);
  const shared = out.writer !== null ? { writer: out.writer } : undefined;
  const kind = options.lines;
  const names = options.fileNames ?? paths.length > 1;
  const onText = options.onText;
  const files: FileReplay[] = [];
  const totals = new Totals();
  let engine: EngineName = options.engine ?? 'jit';
  let semantics = options.semantics ?? 'linux';
  let failed: Cbpf2ebpfError | undefined;
  let bytesBefore = 0;
  try {
    for (const path of paths) {
      const size = regularFileSize(path) ?? 0;
      const prefix = kind !== undefined && names ? linePrefix(path, kind) : '';
      const sessionOpts: ReplayOptions = { keepGoing: true };
      for (const k of ['engine', 'semantics', 'link', 'bufferSize'] as const) if (options[k] !== undefined) (sessionOpts as Record<string, unknown>)[k] = options[k];
      if (kind !== undefined) sessionOpts.onPacket = (p: ReplayPacket) => onText!(prefixedLine(prefix, kind, p));
      if (options.onProgress) {
        const onProgress = options.onProgress, base = bytesBefore, packetsBefore = totals.packets;
        sessionOpts.onProgress = (bytes, packets) => onProgress(base + bytes, packetsBefore + packets);
      }
      if (out.writer) out.writer.source = paths.length > 1 ? path : undefined;
      let session: ReplaySession;
      try {
        session = new ReplaySession(prog, path, sessionOpts, shared);
      } catch (e) {
        if (!options.keepGoing || !isCaptureLevel(e)) throw e;
        failed ??= e;
        const f: FileReplay = { path, result: null, error: e };
        files.push(f);
        options.onFile?.(f);
        continue;
      }
      await runSession(session, options.backpressure);
      const r = session.finish();
      out.sawInterfaces(session.interfaces);
      engine = r.engine;
      semantics = r.semantics;
      const err: CaptureError | undefined = r.captureError;
      // Not a capture at all (no interface was read): this capture failed.
      const notReplayed = err !== undefined && session.interfaces.length === 0;
      if (err && !options.keepGoing) throw err;
      if (notReplayed) failed ??= err;
      totals.add(r);
      const f: FileReplay = { path, result: notReplayed ? null : r, ...(err ? { error: err } : {}) };
      files.push(f);
      options.onFile?.(f);
      bytesBefore += size;
    }
  } catch (e) {
    out.closeAfterError(e);
    throw e;
  }
  const written = out.close();
  return { files, total: totals.result(engine, semantics, started), ...(failed ? { failed } : {}), ...(written ? { written } : {}) };
}
