/** File input, shared by the library and the CLI. */
import { readFileSync } from 'node:fs';
import { getSystemErrorMap } from 'node:util';
import { InputError } from '../errors.js';

/** How messages name an input path: `<stdin>` for `-`. */
export function sourceName(path: string): string {
  return path === '-' ? '<stdin>' : path;
}

/** Reads a whole file, or stdin for `-`. Failures become InputError (exit 66). */
export function readInput(path: string): Uint8Array {
  try {
    return readFileSync(path === '-' ? 0 : path);
  } catch (e) {
    throw new InputError(sourceName(path), describeIoError(e));
  }
}

/**
 * What went wrong, without the path: callers put the name the user gave in front, and Node's
 * message names the path it was handed, which for output is the temporary file beside it
 * ("ENOTDIR: not a directory, open 'dir/.out.pcap.123.tmp'").
 */
export function describeIoError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    default: {
      const known = typeof err.errno === 'number' ? getSystemErrorMap().get(err.errno)?.[1] : undefined;
      return known ?? err.message ?? String(e);
    }
  }
}
