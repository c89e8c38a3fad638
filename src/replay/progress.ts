/**
 * A progress bar on a terminal for long replays: position in the file against its size,
 * redrawn at most every `intervalMs`, erased at the end so it never mixes with the output.
 */
import { checkFunction, checkInteger, checkObject } from '../args.js';

/** Captures smaller than this finish before a bar would help. */
export const PROGRESS_MIN_BYTES = 32 * 1024 * 1024;

export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): boolean;
}

/** A bar only on a terminal, for a capture of known, large size (a pipe has none). */
export function wantsProgress(stream: ProgressStream, size: number | undefined, minBytes = PROGRESS_MIN_BYTES): boolean {
  checkStream('wantsProgress', stream);
  if (size !== undefined) checkInteger('wantsProgress', 'size', size, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('wantsProgress', 'minBytes', minBytes, 0, Number.MAX_SAFE_INTEGER);
  return stream.isTTY === true && size !== undefined && size >= minBytes;
}

/** Something with write(text), such as process.stderr (ArgumentError from `fn` otherwise). */
function checkStream(fn: string, stream: unknown): void {
  checkFunction(fn, 'stream.write', checkObject(fn, 'stream', stream as ProgressStream, 'a stream with write(text)').write);
}

const mib = (n: number): string => `${(n / (1024 * 1024)).toFixed(0)} MiB`;

export class ProgressBar {
  private last = 0;
  private drawn = false;

  constructor(private readonly stream: ProgressStream, private readonly total: number, private readonly intervalMs = 100) {
    checkStream('ProgressBar', stream);
    checkInteger('ProgressBar', 'total', total, 0, Number.MAX_SAFE_INTEGER);
    checkInteger('ProgressBar', 'intervalMs', intervalMs, 0, Number.MAX_SAFE_INTEGER);
  }

  /** Called often from the replay loop; draws only when the interval has passed. */
  update(bytes: number, packets: number): void {
    if (!(Number.isSafeInteger(bytes) && bytes >= 0 && Number.isSafeInteger(packets) && packets >= 0)) {
      checkInteger('update', 'bytes', bytes, 0, Number.MAX_SAFE_INTEGER);
      checkInteger('update', 'packets', packets, 0, Number.MAX_SAFE_INTEGER);
    }
    const now = Date.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    const frac = this.total > 0 ? Math.min(1, bytes / this.total) : 0;
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - 50));
    const filled = Math.round(frac * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    this.stream.write(`\r[${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${mib(bytes)}/${mib(this.total)} ${packets} packets\x1b[K`);
    this.drawn = true;
  }

  /** Erases the bar (the line is left empty for what follows). */
  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
