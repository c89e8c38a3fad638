/**
 * The convenient reader: `for await (const pkt of openCapture(path))`. Each packet is its own
 * object with its own copy of the bytes. Reads are asynchronous, so the event loop keeps
 * running while a large file streams through a fixed-size buffer.
 */
import { close, open } from 'node:fs';
import { InputError } from '../errors.js';
import { describeIoError, sourceName } from '../io/input.js';
import { checkString } from '../args.js';
import { CaptureCore, STEP_NEED, STEP_PACKET, checkReadOptions, type CaptureReadOptions } from './core.js';
import { fillAsync } from './fill.js';
import type { CaptureFormat } from './decoder.js';
import { packetFromRecord, type CaptureInterface, type CapturePacket } from './record.js';

function openAsync(path: string): Promise<number> {
  return new Promise((resolve, reject) => open(path, 'r', (err, fd) => (err ? reject(err) : resolve(fd))));
}

/** A capture being read; iterate it once with `for await`. */
export class CaptureStream implements AsyncIterable<CapturePacket> {
  private readonly core: CaptureCore;
  private started = false;

  constructor(readonly path: string, opts: CaptureReadOptions = {}) {
    checkString('CaptureStream', 'path', path);
    checkReadOptions('CaptureStream', opts);
    this.core = new CaptureCore(opts.source ?? sourceName(path), opts);
  }

  get source(): string {
    return this.core.source;
  }

  /** Known once iteration has started. */
  get format(): CaptureFormat | undefined {
    return this.core.format;
  }

  /** Interfaces of the current section, as far as read. */
  get interfaces(): readonly CaptureInterface[] {
    return this.core.interfaces;
  }

  [Symbol.asyncIterator](): AsyncIterator<CapturePacket, undefined> {
    if (this.started) throw new Error(`${this.source}: a capture stream can be iterated only once`);
    this.started = true;
    // A hand-written iterator: packets already in the buffer are handed out without the
    // per-item cost of an async generator; only a refill awaits I/O.
    const core = this.core;
    let fd = -1;
    const finish = (): IteratorReturnResult<undefined> => {
      if (fd > 0) close(fd, () => {});
      fd = -2;
      return { value: undefined, done: true };
    };
    const pull = async (): Promise<IteratorResult<CapturePacket, undefined>> => {
      try {
        if (fd === -1) fd = await this.openFd();
        for (;;) {
          if (fd === -2) return { value: undefined, done: true };
          const r = core.advance();
          if (r === STEP_PACKET) return { value: packetFromRecord(core.rec), done: false };
          if (r !== STEP_NEED) return finish();
          await this.fill(fd);
        }
      } catch (e) {
        finish();
        throw e;
      }
    };
    return {
      next: (): Promise<IteratorResult<CapturePacket, undefined>> => {
        if (fd < 0) return pull();
        let r: number;
        try {
          r = core.advance();
        } catch (e) {
          finish();
          return Promise.reject(e);
        }
        if (r === STEP_PACKET) return Promise.resolve({ value: packetFromRecord(core.rec), done: false });
        return r === STEP_NEED ? pull() : Promise.resolve(finish());
      },
      return: (): Promise<IteratorResult<CapturePacket, undefined>> => Promise.resolve(finish()),
    };
  }

  private async openFd(): Promise<number> {
    if (this.path === '-') return 0;
    try {
      return await openAsync(this.path);
    } catch (e) {
      throw new InputError(this.source, describeIoError(e));
    }
  }

  private fill(fd: number): Promise<void> {
    return fillAsync(this.core.w, fd, this.source);
  }
}

/**
 * Opens a pcap or pcapng file (`-` = stdin) for `for await (const pkt of openCapture(path))`.
 * Packets are numbered from 1. A truncated or corrupt file throws CaptureError after every good
 * packet before the damage was yielded (or, with keepGoing, reports it and ends). A file that
 * cannot be opened or read throws InputError.
 */
export function openCapture(pathOrStdin: string, opts: CaptureReadOptions = {}): CaptureStream {
  checkString('openCapture', 'path', pathOrStdin);
  checkReadOptions('openCapture', opts);
  return new CaptureStream(pathOrStdin, opts);
}
