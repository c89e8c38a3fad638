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

export function describeIoError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    // The system's words for the errno: Node's message repeats the path, unquoted.
    default: return (typeof err.errno === 'number' ? getSystemErrorMap().get(err.errno)?.[1] : undefined) ?? err.code ?? String(e);
  }
}
