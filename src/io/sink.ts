/**
 * Where output bytes go, and writing them to a descriptor that may be a pipe: the shell's, or
 * one Node made non-blocking (it does so to stdout as soon as anything touches process.stdout).
 */
import { writeSync } from 'node:fs';
import { OutputClosed } from '../errors.js';

/** A destination for bytes. The data is written (or copied) before write() returns. */
export interface ByteSink {
  /** The name messages use. */
  readonly path: string;
  write(bytes: Uint8Array, offset?: number, length?: number): void;
  /** Everything was written: make it final. */
  commit(): void;
  /** The output is abandoned: leave the destination as it was where possible. */
  abort(): void;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` milliseconds (fractions allowed): a non-blocking descriptor is not ready. */
export function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/**
 * Writes all of bytes[offset, offset + length) to `fd`. A full non-blocking pipe is waited for
 * (briefly at first, so a fast reader keeps the pipe busy); a reader that went away (EPIPE)
 * throws OutputClosed. Other errors are thrown as they are.
 */
export function writeAllSync(fd: number, bytes: Uint8Array, offset: number, length: number): void {
  let done = 0;
  let wait = 0.05;
  while (done < length) {
    try {
      done += writeSync(fd, bytes, offset + done, length - done);
      wait = 0.05;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') throw new OutputClosed(fd === 1 ? '<stdout>' : `descriptor ${fd}`);
      if (code !== 'EAGAIN') throw e;
      sleepSync(wait);
      wait = Math.min(wait * 2, 10);
    }
  }
}
