/**
 * Reading more of a capture into the reader's window, blocking or not. A descriptor that
 * another program made non-blocking (EAGAIN) is waited for; end of input commits 0 bytes.
 */
import { read, readSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { InputError } from '../errors.js';
import { describeIoError } from '../io/input.js';
import { sleepSync } from '../io/sink.js';
import type { ByteWindow } from './window.js';

function readAsync(fd: number, buf: Uint8Array, offset: number, length: number, position: number | null): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buf, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))));
}

/** What a failed read means: wait and try again (true), end of input (false), or an InputError. */
function retryAfter(e: unknown, source: string): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EAGAIN') return true;
  if (code === 'EOF') return false;
  throw new InputError(source, describeIoError(e));
}

export function fillSync(w: ByteWindow, fd: number, source: string): void {
  w.prepareFill();
  for (;;) {
    try {
      w.commit(readSync(fd, w.buf, w.end, w.buf.length - w.end, w.positioned ? w.base + w.end : null));
      return;
    } catch (e) {
      if (!retryAfter(e, source)) break;
      sleepSync(2);
    }
  }
  w.commit(0);
}

/** The same, with the read in libuv's thread pool: the event loop (signals, timers) runs meanwhile. */
export async function fillAsync(w: ByteWindow, fd: number, source: string): Promise<void> {
  w.prepareFill();
  for (;;) {
    try {
      w.commit(await readAsync(fd, w.buf, w.end, w.buf.length - w.end, w.positioned ? w.base + w.end : null));
      return;
    } catch (e) {
      if (!retryAfter(e, source)) break;
      await delay(2);
    }
  }
  w.commit(0);
}
