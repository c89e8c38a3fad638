/**
 * The synchronous fast reader, for hot loops: one reused record pointing into one reused
 * buffer, filled with readSync, so reading a packet allocates nothing.
 *
 *   const r = CaptureReader.open('trace.pcap');
 *   try { while (r.next()) use(r.current.buf, r.current.offset, r.current.caplen); }
 *   finally { r.close(); }
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { InputError, UsageError } from '../errors.js';
import { describeIoError, sourceName } from '../io/input.js';
import { checkInteger, checkString, optBoolean } from '../args.js';
import { CaptureCore, STEP_PACKET, STEP_NEED, checkReadOptions, type CaptureReadOptions } from './core.js';
import { fillAsync, fillSync } from './fill.js';
import type { CaptureFormat } from './decoder.js';
import { PcapDecoder, type PcapLayout } from './pcap.js';
import type { CaptureInterface, CaptureRecord } from './record.js';

export class CaptureReader {
  private readonly core: CaptureCore;
  private fd: number;

  /**
   * Reads from an open descriptor (a file, or a pipe such as stdin: reads go forward only).
   * `ownsFd`: close() closes it.
   */
  constructor(fd: number, readonly source: string, opts: CaptureReadOptions = {}, private readonly ownsFd = false) {
    checkInteger('CaptureReader', 'fd', fd, 0, 0x7fffffff);
    checkString('CaptureReader', 'source', source);
    checkReadOptions('CaptureReader', opts);
    optBoolean('CaptureReader', 'ownsFd', ownsFd);
    this.fd = fd;
    this.core = new CaptureCore(opts.source ?? source, opts);
  }

  /**
   * Opens a file (`-` = stdin) and reads its file header, so that `format` and (for pcap)
   * `interfaces` are known before the first packet. Throws InputError when the file cannot be
   * opened or read, CaptureError when it is not a capture file.
   */
  static open(path: string, opts: CaptureReadOptions = {}): CaptureReader {
    checkString('open', 'path', path);
    checkReadOptions('open', opts);
    const source = opts.source ?? sourceName(path);
    let fd: number;
    if (path === '-') {
      fd = 0;
    } else {
      try {
        fd = openSync(path, 'r');
      } catch (e) {
        throw new InputError(source, describeIoError(e));
      }
    }
    const reader = new CaptureReader(fd, source, opts, path !== '-');
    try {
      reader.readHeader();
    } catch (e) {
      reader.close();
      throw e;
    }
    return reader;
  }

  /** The packet `next()` last produced. Its bytes are valid until the next call to `next()`. */
  get current(): CaptureRecord {
    return this.core.rec;
  }

  get format(): CaptureFormat | undefined {
    return this.core.format;
  }

  /** Interfaces of the current section (pcap: the one described by the file header). */
  get interfaces(): readonly CaptureInterface[] {
    return this.core.interfaces;
  }

  /** Packets produced so far. */
  get count(): number {
    return this.core.decoder?.count ?? 0;
  }

  /** Reads the file header if not done yet. */
  readHeader(): void {
    for (;;) {
      const r = this.core.advanceHeader();
      if (r !== STEP_NEED) return;
      this.fill();
    }
  }

  /**
   * Moves to the next packet: true with `current` filled, false at the end. Throws CaptureError
   * for a truncated or corrupt file (after every earlier packet was produced), unless the
   * reader was opened with keepGoing.
   */
  next(): boolean {
    const core = this.core;
    for (;;) {
      const r = core.advance();
      if (r === STEP_PACKET) return true;
      if (r !== STEP_NEED) return false;
      this.fill();
    }
  }

  /**
   * pcap only, right after open(): read only the records that start in [start, limit) of the
   * file, `start` being the offset of a record header. Packets are numbered from 1 again.
   */
  readRange(start: number, limit: number): void {
    checkInteger('readRange', 'start', start, 0, Number.MAX_SAFE_INTEGER);
    if (limit !== Infinity) checkInteger('readRange', 'limit', limit, start, Number.MAX_SAFE_INTEGER);
    const d = this.core.decoder;
    if (!(d instanceof PcapDecoder) || d.count !== 0) throw new UsageError(`${this.source}: readRange() is for a pcap file just opened`);
    const w = this.core.w;
    w.positioned = true;
    w.base = start;
    w.start = 0;
    w.end = 0;
    w.eof = false;
    d.limit = limit;
  }

  /** The file offset of the next record (after a step that ended at a range's limit: where the next range starts). */
  get position(): number {
    return this.core.w.position;
  }

  /** pcap: the record layout (see split.ts); undefined for pcapng. */
  get pcapLayout(): PcapLayout | undefined {
    const d = this.core.decoder;
    return d instanceof PcapDecoder && d.interfaces.length > 0 ? d.layout() : undefined;
  }

  /** The last step ended at the range's limit (readRange), not at the end of the file. */
  get stoppedAtLimit(): boolean {
    const d = this.core.decoder;
    return d instanceof PcapDecoder && d.stoppedAtLimit;
  }

  close(): void {
    if (this.ownsFd && this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /**
   * Moves to the next packet if its bytes are already read: STEP_PACKET (`current` filled),
   * STEP_NEED (call fill() or fillAsync(), then poll again) or STEP_END. For loops that must
   * not block on a slow pipe.
   */
  poll(): number {
    return this.core.advance();
  }

  /** Reads more of the file (blocking). */
  fill(): void {
    fillSync(this.core.w, this.fd, this.source);
  }

  /** Reads more of the file without blocking the event loop. */
  fillAsync(): Promise<void> {
    return fillAsync(this.core.w, this.fd, this.source);
  }

  /** True when reads may wait on another program (a pipe, a terminal, a socket), not on a disk. */
  get mayBlock(): boolean {
    try {
      return !fstatSync(this.fd).isFile();
    } catch {
      return false;
    }
  }
}
