/**
 * Argument checks for the public API (what src/index.ts exports). Each check throws an
 * ArgumentError that names the function, the argument and what it must be, so a caller's
 * mistake surfaces at the call rather than as a TypeError deep inside, or as a wrong answer.
 * They run once at the entry of an exported function, never per instruction or per packet.
 */
import { ArgumentError } from './errors.js';
import { quotable } from './text.js';

/** A value as messages show it: short, on one line. */
export function describeValue(v: unknown): string {
  switch (typeof v) {
    case 'undefined': return 'undefined';
    case 'number': return String(v);
    case 'bigint': return `${v}n`;
    case 'boolean': return String(v);
    case 'symbol': return 'a symbol';
    case 'function': return 'a function';
    case 'string': return `"${quotable(v)}"`;
    default: {
      if (v === null) return 'null';
      if (Array.isArray(v)) return `an array of ${v.length}`;
      const name = (Object.getPrototypeOf(v) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
      return typeof name === 'string' && name !== 'Object' && name !== '' ? `a ${name}` : 'an object';
    }
  }
}

/** Throws `fn: arg must be <what>, not <v>`. */
export function argFail(fn: string, arg: string, what: string, v: unknown): never {
  throw new ArgumentError(fn, arg, `must be ${what}, not ${describeValue(v)}`);
}

function range(min: number, max: number): string {
  if (max >= Number.MAX_SAFE_INTEGER) return min <= Number.MIN_SAFE_INTEGER ? 'an integer' : `an integer of at least ${min}`;
  return `an integer from ${min} to ${max}`;
}

export function checkInteger(fn: string, arg: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) argFail(fn, arg, range(min, max), v);
  return v;
}

export function optInteger(fn: string, arg: string, v: unknown, min: number, max: number, dflt: number): number {
  return v === undefined ? dflt : checkInteger(fn, arg, v, min, max);
}

export function checkString(fn: string, arg: string, v: unknown): string {
  if (typeof v !== 'string') argFail(fn, arg, 'a string', v);
  return v;
}

export function optString(fn: string, arg: string, v: unknown): string | undefined {
  return v === undefined ? undefined : checkString(fn, arg, v);
}

export function optBoolean(fn: string, arg: string, v: unknown): boolean | undefined {
  if (v !== undefined && typeof v !== 'boolean') argFail(fn, arg, 'true or false', v);
  return v;
}

export function checkFunction<F extends (...args: never[]) => unknown>(fn: string, arg: string, v: unknown): F {
  if (typeof v !== 'function') argFail(fn, arg, 'a function', v);
  return v as F;
}

export function optFunction<F extends (...args: never[]) => unknown>(fn: string, arg: string, v: unknown): F | undefined {
  return v === undefined ? undefined : checkFunction<F>(fn, arg, v);
}

/** One of `allowed` (strings, compared exactly). */
export function checkOneOf<T extends string>(fn: string, arg: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) argFail(fn, arg, allowed.map((a) => `'${a}'`).join(', ').replace(/, ([^,]*)$/, ' or $1'), v);
  return v as T;
}

export function optOneOf<T extends string>(fn: string, arg: string, v: unknown, allowed: readonly T[], dflt: T): T {
  return v === undefined ? dflt : checkOneOf(fn, arg, v, allowed);
}

/** An options object: undefined stands for `{}`; anything else must be a non-array object. */
export function checkOptions<T extends object>(fn: string, arg: string, v: T | undefined): Partial<T> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) argFail(fn, arg, 'an options object', v);
  return v;
}

/** A required object (not null, not an array); `what` says which. */
export function checkObject<T extends object>(fn: string, arg: string, v: T | undefined, what = 'an object'): T {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) argFail(fn, arg, what, v);
  return v;
}

export function checkArray(fn: string, arg: string, v: unknown): readonly unknown[] {
  if (!Array.isArray(v)) argFail(fn, arg, 'an array', v);
  return v;
}

export function checkUint8Array(fn: string, arg: string, v: unknown): Uint8Array {
  if (!(v instanceof Uint8Array)) argFail(fn, arg, 'a Uint8Array', v);
  return v;
}

/** Bytes a caller may hold in any of the usual containers. */
export type BytesLike = Uint8Array | ArrayBuffer | ArrayBufferView;

/** The bytes of a Uint8Array (as is), an ArrayBuffer or any ArrayBufferView (DataView, typed arrays), without copying. */
export function toBytes(fn: string, arg: string, v: unknown, what = 'bytes (a Uint8Array, an ArrayBuffer or a DataView)'): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return argFail(fn, arg, what, v);
}

export const isBytesLike = (v: unknown): v is BytesLike => v instanceof ArrayBuffer || ArrayBuffer.isView(v);
