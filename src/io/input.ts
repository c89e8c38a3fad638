/**
 * File input, shared by the library and the CLI. Every program is read against the bound of
 * its kind (CLASSIC_INPUT in classic/limits.ts, EBPF_*_INPUT in ebpf/limits.ts): reading stops
 * as soon as the input is longer than any valid program of that kind, so a gigabyte file or an
 * endless pipe costs a fraction of a second and at most the bound in memory, not the whole input.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { getSystemErrorMap } from 'node:util';
import { DecodeError, InputError } from '../errors.js';

/** The most bytes a valid input of one kind can take. */
export interface InputLimit {
  /** What the input holds, for messages: `a classic program`. */
  readonly kind: string;
  /** The most instructions a program of this kind has. */
  readonly maxInsns: number;
  /** Past this many bytes no form of the input is valid; reading stops there. */
  readonly maxBytes: number;
  /** For kinds read as text or as binary records: the bound of the binary form... */
  readonly maxBinaryBytes?: number;
  /** ...which applies unless the bytes read as text. */
  readonly isText?: (bytes: Uint8Array) => boolean;
}

/** How messages name an input path: `<stdin>` for `-`. */
export function sourceName(path: string): string {
  return path === '-' ? '<stdin>' : path;
}

/**
 * Reads a file, or stdin for `-`, up to the bound of its kind. Failures to open or read become
 * InputError (exit 66); input longer than the bound, DecodeError (exit 65).
 */
export function readInput(path: string, limit: InputLimit): Uint8Array {
  const source = sourceName(path);
  if (path === '-') return readBounded(0, source, limit);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new InputError(source, describeIoError(e));
  }
  try {
    return readBounded(fd, source, limit);
  } finally {
    closeSync(fd);
  }
}

/** Pipes deliver at most 64 KiB a read; chunks of 256 KiB keep the count of reads and copies low. */
const CHUNK = 256 * 1024;

function readBounded(fd: number, source: string, limit: InputLimit): Uint8Array {
  const size = regularFileSize(fd, source);
  // A regular file says its size: refuse one past the bound without reading a byte.
  if (size !== undefined && size > limit.maxBytes) throw tooLong(source, limit);
  const chunks: Uint8Array[] = [];
  let total = 0;
  // For a file, one chunk a byte longer than it, so that the read after the last one sees the end.
  let chunk = Buffer.alloc(size !== undefined ? size + 1 : CHUNK);
  let filled = 0;
  for (;;) {
    if (filled === chunk.length) {
      chunks.push(chunk);
      chunk = Buffer.alloc(CHUNK);
      filled = 0;
    }
    const n = readSome(fd, chunk, filled, source);
    if (n === 0) break;
    filled += n;
    total += n;
    if (total > limit.maxBytes) throw tooLong(source, limit);
  }
  chunks.push(chunk.subarray(0, filled));
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  if (limit.maxBinaryBytes !== undefined && bytes.length > limit.maxBinaryBytes && !limit.isText?.(bytes)) {
    throw new DecodeError(source,
      `${bytes.length} bytes of binary records, over the ${limit.maxBinaryBytes}-byte limit for ${limit.kind} (${limit.maxInsns} instructions at most)`);
  }
  return bytes;
}

function tooLong(source: string, limit: InputLimit): DecodeError {
  return new DecodeError(source, `input over the ${limit.maxBytes}-byte limit for ${limit.kind} (${limit.maxInsns} instructions at most)`);
}

/** The size of a regular file; undefined for pipes, terminals, sockets and devices, whose size says nothing. */
function regularFileSize(fd: number, source: string): number | undefined {
  try {
    const st = fstatSync(fd);
    return st.isFile() ? st.size : undefined;
  } catch (e) {
    throw new InputError(source, describeIoError(e));
  }
}

/** Nothing ever wakes it: Atomics.wait on it is a synchronous sleep. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** One read(2); waits out EAGAIN, which a non-blocking stdin (shared with a parent) returns when it is empty. */
function readSome(fd: number, into: Uint8Array, at: number, source: string): number {
  for (;;) {
    try {
      return readSync(fd, into, at, into.length - at, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw new InputError(source, describeIoError(e));
      Atomics.wait(PAUSE, 0, 0, 5);
    }
  }
}

export function describeIoError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    // The system's words for the errno: Node's message repeats the path, unquoted.
    default: return (typeof err.errno === 'number' ? getSystemErrorMap().get(err.errno)?.[1] : undefined) ?? err.message ?? String(e);
  }
}
