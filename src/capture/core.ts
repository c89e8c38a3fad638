/**
 * What the synchronous reader and the async iterator share: the byte window, the format
 * decoder chosen from the magic, and the policy for a bad file (throw, or report and stop).
 * Both drive it the same way: call advance(); on STEP_NEED read more bytes into the window.
 */
import { checkOptions, optBoolean, optFunction, optInteger, optString } from '../args.js';
import { CaptureError } from '../errors.js';
import { sniffMagic, STEP_END, STEP_NEED, STEP_PACKET, type CaptureFormat, type FormatDecoder } from './decoder.js';
import { PcapDecoder } from './pcap.js';
import { PcapngDecoder } from './pcapng.js';
import { CaptureRecord, type CaptureInterface } from './record.js';
import { ByteWindow } from './window.js';

export const DEFAULT_BUFFER_SIZE = 1 << 20;

export interface CaptureReadOptions {
  /** Initial size of the read buffer (default 1 MiB). It grows only for a record that does not fit. */
  bufferSize?: number;
  /**
   * On a truncated or corrupt file, report the error (to onError, else as a process warning)
   * and end normally after the last good packet, instead of throwing.
   */
  keepGoing?: boolean;
  onError?: (err: CaptureError) => void;
  /** Name used in error messages (default: the path, or `<stdin>` for `-`). */
  source?: string;
}

/** Throws ArgumentError (from `fn`) for reading options a reader cannot take. */
export function checkReadOptions(fn: string, opts: CaptureReadOptions | undefined): void {
  const o = checkOptions(fn, 'opts', opts);
  // The window must hold a file header and a record header; 1 GiB is far beyond any record.
  optInteger(fn, 'opts.bufferSize', o.bufferSize, 64, 1 << 30, DEFAULT_BUFFER_SIZE);
  optBoolean(fn, 'opts.keepGoing', o.keepGoing);
  optFunction(fn, 'opts.onError', o.onError);
  optString(fn, 'opts.source', o.source);
}

export class CaptureCore {
  readonly w: ByteWindow;
  readonly rec = new CaptureRecord();
  decoder: FormatDecoder | null = null;
  done = false;
  private readonly keepGoing: boolean;
  private readonly onError: ((err: CaptureError) => void) | undefined;

  constructor(readonly source: string, opts: CaptureReadOptions = {}) {
    const size = opts.bufferSize ?? DEFAULT_BUFFER_SIZE;
    this.w = new ByteWindow(size);
    this.keepGoing = opts.keepGoing ?? false;
    this.onError = opts.onError;
  }

  get format(): CaptureFormat | undefined {
    return this.decoder?.format;
  }

  get interfaces(): readonly CaptureInterface[] {
    return this.decoder?.interfaces ?? [];
  }

  /** STEP_PACKET (this.rec filled), STEP_NEED (fill the window, call again) or STEP_END. */
  advance(): number {
    if (this.done) return STEP_END;
    try {
      const d = this.decoder ?? this.pickDecoder();
      if (d === null) return STEP_NEED;
      const r = d.step(this.w, this.rec);
      if (r === STEP_END) this.done = true;
      return r;
    } catch (e) {
      return this.failed(e);
    }
  }

  /** Parses the file header only: STEP_PACKET when done, STEP_NEED, or STEP_END after a reported error. */
  advanceHeader(): number {
    if (this.done) return STEP_END;
    try {
      const d = this.decoder ?? this.pickDecoder();
      if (d === null) return STEP_NEED;
      return d.header(this.w);
    } catch (e) {
      return this.failed(e);
    }
  }

  private pickDecoder(): FormatDecoder | null {
    const kind = sniffMagic(this.w, this.source);
    if (kind === null) return null;
    this.decoder = kind === 'pcap' ? new PcapDecoder(this.source) : new PcapngDecoder(this.source);
    return this.decoder;
  }

  private failed(e: unknown): number {
    this.done = true;
    if (!(e instanceof CaptureError) || !this.keepGoing) throw e;
    if (this.onError) this.onError(e);
    else process.emitWarning(e.message, 'CaptureWarning');
    return STEP_END;
  }
}

export { STEP_END, STEP_NEED, STEP_PACKET };
