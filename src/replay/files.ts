/**
 * One filter over several captures (pcap and pcapng mixed): each capture is replayed as
 * `replay` would replay it alone (its own link types, counts, packet numbers and filter state),
 * the per-packet lines name the capture they come from, and one -w output receives the kept
 * packets of all of them in input order. With `jobs` above 1 the work is spread over worker
 * threads (see parallel.ts); the output is the same byte for byte.
 */
import { availableParallelism } from 'node:os';
import type { ClassicProgram } from '../classic/insn.js';
import { Cbpf2ebpfError, UsageError, type CaptureError } from '../errors.js';
import { SharedOutput, Totals, regularFileSize, type FileReplay, type ReplayFilesOptions, type ReplayFilesResult } from './files-common.js';
import { argFail, checkArray, checkFunction, checkInteger, checkString, optBoolean, optFunction, optOneOf } from '../args.js';
import { checkReplayArgs, isFilterExpression } from './checks.js';
import type { EngineName } from './engine.js';
import { linePrefix, prefixedLine } from './output.js';
import { plan, replayParallel } from './parallel.js';
import { runSession } from './replay.js';
import { loadFilter, ReplaySession } from './session.js';
import type { FilterExpression, ReplayOptions, ReplayPacket } from './types.js';

export type { LineKind, ReplayFilesOptions, FileReplay, ReplayFilesResult } from './files-common.js';

/** Throws ArgumentError (from `fn`) for arguments replayFiles cannot take. */
export function checkReplayFilesArgs(
  fn: string, filter: ClassicProgram | string | FilterExpression, paths: readonly string[], options: ReplayFilesOptions,
): void {
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

/** The machine's cores, as many workers as are useful. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
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
export async function replayFiles(
  filter: ClassicProgram | string | FilterExpression, paths: readonly string[], options: ReplayFilesOptions = {},
): Promise<ReplayFilesResult> {
  checkReplayFilesArgs('replayFiles', filter, paths, options);
  if (isFilterExpression(filter)) return replaySequential(filter, paths, options);
  const prog = typeof filter === 'string' ? loadFilter(filter, options.filterFormat, options.endian) : filter;
  // The workers prepare a classic program as it is: a bounded loop's translation stays on this thread.
  if ((options.jobs ?? 1) > 1 && options.backwardLoops !== 'bounded') {
    const work = plan(paths, options.jobs!, options.lines);
    if (work !== null) return replayParallel(prog, paths, work, options);
  }
  return replaySequential(prog, paths, options);
}

async function replaySequential(
  prog: ClassicProgram | FilterExpression, paths: readonly string[], options: ReplayFilesOptions,
): Promise<ReplayFilesResult> {
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
      for (const k of ['engine', 'semantics', 'link', 'bufferSize', 'backwardLoops', 'loopBound'] as const) if (options[k] !== undefined) (sessionOpts as Record<string, unknown>)[k] = options[k];
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
