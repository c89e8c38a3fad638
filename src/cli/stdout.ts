/**
 * Standard output with one error contract for every command, and back-pressure for the ones
 * that write without bound (replay --results/--json/-w -).
 *
 * Node reports a failed write to stdout as an 'error' event (a pipe whose reader went away,
 * a full disk), and throws it if nobody listens: a stack trace. Here the first error is kept
 * and turned into the CLI's answer when the command ends or next writes: a reader that went
 * away ends the run quietly with exit 0; any other failure is one line and exit 73.
 */
import { OutputClosed, OutputError } from '../errors.js';
import { describeIoError } from '../io/input.js';
import type { ByteSink } from '../io/sink.js';

export const STDOUT_NAME = '<stdout>';

export class StdoutChannel {
  private failure: Error | null = null;

  constructor(private readonly stream: NodeJS.WritableStream & { writableNeedDrain?: boolean } = process.stdout) {
    stream.on('error', (e: Error) => {
      this.failure ??= e;
    });
  }

  write(data: string | Uint8Array): void {
    this.check();
    this.stream.write(data);
  }

  /**
   * Nothing when more may be written now; else a promise that settles once the stream has
   * taken what it holds (or rejects with the error that stopped it).
   */
  backpressure(): Promise<void> | undefined {
    this.check();
    if (!this.stream.writableNeedDrain) return undefined;
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        this.stream.removeListener('drain', settle);
        this.stream.removeListener('error', settle);
        this.stream.removeListener('close', settle);
        try {
          this.check();
          resolve();
        } catch (e) {
          reject(e);
        }
      };
      this.stream.on('drain', settle);
      this.stream.on('error', settle);
      this.stream.on('close', settle);
    });
  }

  /** Waits until everything written has been handed to the system; throws what went wrong. */
  async end(): Promise<void> {
    // Only a pipe holds data back (files and terminals are written synchronously); a write's
    // callback runs once everything before it is out, or has failed.
    if (this.failure === null && (this.stream as { writableLength?: number }).writableLength) {
      await new Promise<void>((resolve) => {
        this.stream.write('', () => resolve());
      });
    }
    // A failed synchronous write is reported on a later tick: let it arrive.
    await new Promise((resolve) => setImmediate(resolve));
    this.check();
  }

  /** A ByteSink that writes here (a copy of each chunk: the stream holds it until written). */
  sink(): ByteSink {
    return {
      path: STDOUT_NAME,
      write: (bytes: Uint8Array, offset = 0, length = bytes.length - offset) => {
        this.write(Buffer.from(bytes.subarray(offset, offset + length)));
      },
      commit: () => this.check(),
      abort: () => undefined,
    };
  }

  private check(): void {
    const e = this.failure as NodeJS.ErrnoException | null;
    if (e === null) return;
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') throw new OutputClosed(STDOUT_NAME);
    throw new OutputError(STDOUT_NAME, describeIoError(e));
  }
}

let shared: StdoutChannel | null = null;

/** The process's standard output, watched from the first call on. */
export function stdout(): StdoutChannel {
  shared ??= new StdoutChannel();
  return shared;
}
