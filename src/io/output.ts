/**
 * File output that never loses what the user had, shared by the library and the CLI.
 *
 * A regular file (or a new one) is written to a temporary file beside it and renamed over it
 * only when everything was written, so readers see the old content or the whole new one. The
 * temporary name is unpredictable and created exclusively, so nothing planted in the directory
 * can redirect the data. A symbolic link is followed to the file it names; the file keeps its
 * mode (and, where we may, its owner). Anything that is not a regular file (a device such as
 * /dev/null, a FIFO, a descriptor alias such as /dev/stdout) is written through: renaming over
 * it would replace the device or the pipe with a file.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync, fchmodSync, fchownSync, fstatSync, fsyncSync, lstatSync, openSync, readlinkSync, realpathSync, renameSync, statSync,
  unlinkSync, type Stats,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { OutputClosed, OutputError } from '../errors.js';
import { describeIoError } from './input.js';
import { writeAllSync, type ByteSink } from './sink.js';

/**
 * The descriptor of this process that a path names (`-` and /dev/stdout, /dev/fd/N,
 * /proc/self/fd/N), or -1. Writing to the descriptor itself, rather than opening the path again, shares its
 * file position with everything else written there.
 */
export function descriptorAlias(path: string): number {
  if (path === '-') return 1;
  const m = /^\/(?:dev\/(stdout|stderr|fd\/(\d+))|proc\/(?:self|(\d+))\/fd\/(\d+))$/.exec(path);
  if (m === null) return -1;
  if (m[1] === 'stdout') return 1;
  if (m[1] === 'stderr') return 2;
  if (m[2] !== undefined) return Number(m[2]);
  return m[3] === undefined || Number(m[3]) === process.pid ? Number(m[4]) : -1;
}

/** Where a path's data goes: through to what it names, or into a temporary file renamed over `file`. */
type OutputTarget =
  | { readonly through: true; readonly fd: number }
  | { readonly through: false; readonly file: string; readonly existing: Stats | null };

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (e) {
    // Nothing there (or a file where a directory should be): opening it reports why.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
}

/** The file a dangling symbolic link (chain) would create when written through. */
function danglingLinkTarget(path: string): string {
  let p = path;
  for (let hops = 0; hops < 40; hops++) {
    let st: Stats;
    try {
      st = lstatSync(p);
    } catch {
      return p;
    }
    if (!st.isSymbolicLink()) return p;
    p = resolve(dirname(p), readlinkSync(p));
  }
  throw Object.assign(new Error('too many levels of symbolic links'), { code: 'ELOOP' });
}

function outputTarget(path: string): OutputTarget {
  const fd = descriptorAlias(path);
  if (fd >= 0) return { through: true, fd };
  const st = statOrNull(path);
  if (st === null) return { through: false, file: danglingLinkTarget(path), existing: null };
  if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  if (!st.isFile()) return { through: true, fd: -1 };
  return { through: false, file: realpathSync(path), existing: st };
}

// Temporary files of this process that are still open: removed on a fatal signal (see
// removeTemporariesOnSignals) and by abort().
const liveTemporaries = new Set<string>();
let signalCleanup: ((signal: NodeJS.Signals) => void) | null = null;
const CLEANUP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function track(tmp: string): void {
  if (liveTemporaries.size === 0 && signalCleanup) for (const s of CLEANUP_SIGNALS) process.on(s, signalCleanup);
  liveTemporaries.add(tmp);
}

function untrack(tmp: string): void {
  if (!liveTemporaries.delete(tmp) || liveTemporaries.size > 0 || !signalCleanup) return;
  for (const s of CLEANUP_SIGNALS) process.removeListener(s, signalCleanup);
}

/**
 * For a command-line program: on SIGINT, SIGTERM or SIGHUP while a temporary file is open,
 * remove every one and end the process by the same signal (the shell reports 130, 143, 129).
 * The handlers are installed only while a temporary file exists, so that a signal during other
 * work keeps its default effect; JavaScript handlers run only when the event loop turns, which
 * long writers allow (the async replay yields between slices).
 */
export function removeTemporariesOnSignals(): void {
  signalCleanup ??= (signal) => {
    for (const tmp of liveTemporaries) {
      try { unlinkSync(tmp); } catch { /* already gone */ }
    }
    liveTemporaries.clear();
    for (const s of CLEANUP_SIGNALS) process.removeAllListeners(s);
    process.kill(process.pid, signal);
    // Not reached where the default action ends the process; a safe exit otherwise.
    process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as Record<string, number>)[signal]!);
  };
}

/**
 * An output file being written: `commit()` puts it in place, `abort()` leaves the destination
 * as it was. `path` is the name the user gave (`<stdout>` for `-`), which every message uses.
 */
export class OutputFile implements ByteSink {
  private fd: number;
  private done = false;

  private constructor(readonly path: string, fd: number, private readonly tmp: string | null, private readonly target: OutputTarget) {
    this.fd = fd;
  }

  /** Opens `path` for writing. Throws OutputError when it cannot be created. */
  static open(path: string): OutputFile {
    const name = path === '-' ? '<stdout>' : path;
    let target: OutputTarget;
    try {
      target = outputTarget(path);
      if (target.through) return new OutputFile(name, target.fd >= 0 ? target.fd : openSync(path, 'w'), null, target);
    } catch (e) {
      throw new OutputError(name, describeIoError(e));
    }
    const dir = dirname(target.file);
    for (;;) {
      const tmp = join(dir, `.${basename(target.file)}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        // 0600 until commit: the final mode is the old file's, or the default for a new one.
        const fd = openSync(tmp, 'wx', target.existing ? 0o600 : 0o666);
        track(tmp);
        return new OutputFile(name, fd, tmp, target);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw new OutputError(name, describeIoError(e));
      }
    }
  }

  /** The temporary file being written, or null when writing through. */
  get temporaryPath(): string | null {
    return this.tmp;
  }

  /** The device and inode being written (to refuse writing over an input). */
  identity(): { dev: number; ino: number } {
    const st = fstatSync(this.fd);
    return { dev: st.dev, ino: st.ino };
  }

  write(bytes: Uint8Array, offset = 0, length = bytes.length - offset): void {
    if (this.done) throw new OutputError(this.path, 'write after close');
    try {
      writeAllSync(this.fd, bytes, offset, length);
    } catch (e) {
      this.abort();
      if (e instanceof OutputClosed) throw new OutputClosed(this.path);
      throw new OutputError(this.path, describeIoError(e));
    }
  }

  /** Syncs the data and puts it under the destination's name. */
  commit(): void {
    if (this.done) return;
    try {
      if (this.tmp !== null && !this.target.through) {
        const old = this.target.existing;
        if (old) {
          fchmodSync(this.fd, old.mode & 0o7777);
          if (old.uid !== process.getuid?.() || old.gid !== process.getgid?.()) {
            try { fchownSync(this.fd, old.uid, old.gid); } catch { /* only root may give a file away */ }
          }
        }
        fsyncSync(this.fd);
        closeSync(this.fd);
        this.fd = -1;
        renameSync(this.tmp, this.target.file);
        untrack(this.tmp);
      } else {
        this.release();
      }
      this.done = true;
    } catch (e) {
      this.abort();
      throw new OutputError(this.path, describeIoError(e));
    }
  }

  /** Drops what was written: the temporary file is removed, the destination left as it was. */
  abort(): void {
    this.done = true;
    try { this.release(); } catch { /* already unusable */ }
    if (this.tmp !== null) {
      try { unlinkSync(this.tmp); } catch { /* already gone */ }
      untrack(this.tmp);
    }
  }

  /** Closes the descriptor, unless it is one the process had (/dev/stdout). */
  private release(): void {
    const fd = this.fd;
    this.fd = -1;
    if (fd >= 0 && !(this.target.through && this.target.fd >= 0)) closeSync(fd);
  }
}

/** Writes a whole file atomically (see OutputFile). Throws OutputError. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const out = OutputFile.open(path);
  out.write(typeof data === 'string' ? Buffer.from(data) : data);
  out.commit();
}

/** True when `path` names the same file as the one `fd` or `other` has open (device and inode). */
export function sameFile(a: { dev: number; ino: number }, path: string): boolean {
  const st = statOrNull(path);
  return st !== null && st.dev === a.dev && st.ino === a.ino;
}
