/**
 * What a replay over several captures shares between the replay on this thread (files.ts)
 * and the one over worker threads (parallel.ts): its options and results, the sums, and the
 * one -w output.
 */
import { statSync } from 'node:fs';
import type { CaptureInterface } from '../capture/record.js';
import { CaptureError, InputError, type Cbpf2ebpfError } from '../errors.js';
import type { ByteSink } from '../io/sink.js';
import type { EngineName } from './engine.js';
import { KeptPacketWriter, keptFormatFor } from './kept-writer.js';
import type { ReplayOptions, ReplayResult } from './types.js';

/** Per-packet text output: `results` (the return value) or `json` (one object). */
export type LineKind = 'results' | 'json';

export interface ReplayFilesOptions extends Pick<ReplayOptions, 'engine' | 'semantics' | 'link' | 'filterFormat' | 'endian' | 'write' | 'writeFormat' | 'backpressure' | 'bufferSize' | 'backwardLoops' | 'loopBound'> {
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

