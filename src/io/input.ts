/**
 * File input, shared by the library and the CLI. Every program is read against the bound of
 * its kind: reading stops as soon as the input is longer than any valid program of that kind,
 * so a gigabyte file or an endless pipe costs a fraction of a second and at most the bound in
 * memory, not the whole input.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { getSystemErrorMap } from 'node:util';
import { isTextBytes } from '../classic/decode.js';
import { BPF_MAXINSNS } from '../classic/opcodes.js';
import { BPF_COMPLEXITY_LIMIT_INSNS } from '../ebpf/opcodes.js';
import { DecodeError, InputError } from '../errors.js';

/** The most bytes a valid input of one kind can take. */
export interface InputLimit {
  /** What the input holds, for messages: `a classic program`. */
  readonly kind: string;
  /** The most instructions a program of this kind has. */
  readonly maxInsns: number;
  /** Past this many bytes no form of the input is valid; reading stops there. */
  readonly maxBytes: number;
  /** For kinds read as text or as binary records: the bound of the binary form. */
  readonly maxBinaryBytes?: number;
}

/**
 * Room per instruction in a classic program's text forms. The longest lines are about 70
 * characters (`seccomp disasm` with its raw columns; `tcpdump -d` needs about 50, -dd 30,
 * -ddd and the comma form 25), so 256 leaves room for indentation, comments and blank lines.
 */
const CLASSIC_TEXT_BYTES_PER_INSN = 256;

/**
 * Room per instruction in internal BPF text (assembly, hex). Lines are 10 to 40 characters
 * (`lock fetch cmpxchg32 [%r10-32768], %r10`; 16 hex digits and a separator); a program near
 * the kernel's million instructions is generated, not commented, and 32 keeps the bound low
 * enough that refusing a longer pipe stays under 100 MB of memory.
 */
const EBPF_TEXT_BYTES_PER_INSN = 32;

/** A classic program (seccomp filters too): BPF_MAXINSNS instructions, in any text form or as raw records. */
export const CLASSIC_INPUT: InputLimit = {
  kind: 'a classic program',
  maxInsns: BPF_MAXINSNS,
  maxBytes: BPF_MAXINSNS * CLASSIC_TEXT_BYTES_PER_INSN,
  maxBinaryBytes: BPF_MAXINSNS * 8,
};

/** Raw `struct bpf_insn` records: the kernel's limit on program length, 8 bytes each. */
export const EBPF_RAW_INPUT: InputLimit = {
  kind: 'an internal BPF program',
  maxInsns: BPF_COMPLEXITY_LIMIT_INSNS,
  maxBytes: BPF_COMPLEXITY_LIMIT_INSNS * 8,
};

/** Internal BPF as text: assembly, hex, bpf_conformance `.data` files. */
export const EBPF_TEXT_INPUT: InputLimit = {
  kind: 'an internal BPF program',
  maxInsns: BPF_COMPLEXITY_LIMIT_INSNS,
  maxBytes: BPF_COMPLEXITY_LIMIT_INSNS * EBPF_TEXT_BYTES_PER_INSN,
};

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
  if (limit.maxBinaryBytes !== undefined && bytes.length > limit.maxBinaryBytes && !isTextBytes(bytes)) {
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
