/**
 * Builds `struct seccomp_data` (int nr; u32 arch; u64 instruction_pointer; u64 args[6]) for
 * one syscall, as the filter of a given arch sees it.
 *
 * Byte order. Our engines read the context with little-endian 32-bit loads, while a filter
 * on a big-endian arch (s390x) reads native big-endian words. We therefore store each 32-bit
 * word so that a little-endian load returns the value the arch's own load returns:
 * - nr and arch: the value itself at offsets 0 and 4 on every arch;
 * - a u64 (instruction_pointer @8, args[i] @16+8i): on little-endian arches the low half at
 *   the lower offset; on big-endian arches the HIGH half at the lower offset, because that
 *   is where the high-order bytes of a big-endian u64 sit. So on s390x `ld [16]` yields
 *   args[0] >> 32 and `ld [20]` its low half, exactly as on the real machine.
 * The result is the memory image "as seen by 32-bit loads", not the arch's raw bytes.
 *
 * Argument values. A value is a number, a bigint or a string (decimal, `0x` hex, or a
 * leading `-`). Negative values are taken as two's complement of the register width: -1 is
 * 0xffffffffffffffff on 64-bit arches and 0xffffffff (zero-extended, as the kernel stores a
 * 32-bit register) on i386 and arm. A value that does not fit the register is a UsageError.
 */
import { argFail, checkArray, checkInteger, checkObject, checkOneOf, checkString } from '../args.js';
import { ENDIANS } from '../classic/encode.js';
import { UsageError } from '../errors.js';
import { quotable } from '../text.js';
import { SECCOMP_DATA, SECCOMP_DATA_SIZE } from '../abi/ctx.js';
import { type ArchInput, type SeccompArch, checkArch } from './arch.js';
import { resolveSyscall, type SyscallName } from './syscalls/index.js';
import type { OtherName } from '../suggest.js';

export type ArgValue = number | bigint | string;

export interface SyscallInput {
  /** Arch name or object; selects the syscall table, AUDIT_ARCH value and byte order. */
  arch: ArchInput;
  /** Name (`read`) or number (as `nr` holds it; x32 numbers carry 0x40000000). */
  syscall: SyscallName | OtherName | number;
  /** Up to six arguments; missing ones are 0. */
  args?: readonly ArgValue[];
  /** instruction_pointer; 0 when absent. */
  ip?: ArgValue;
  /** Overrides `seccomp_data.arch` (to test what a filter does with a foreign AUDIT_ARCH). */
  auditArch?: number;
}

/** The fields of one syscall, resolved: nr as int32, values as u64 bigints. */
export interface SeccompFields {
  readonly arch: SeccompArch;
  readonly nr: number;
  readonly audit: number;
  readonly ip: bigint;
  readonly args: readonly bigint[];
}

const U64_MAX = (1n << 64n) - 1n;

/** One argument as an unsigned register value of `bits` bits. Throws UsageError. */
export function parseArg(value: ArgValue, bits: 32 | 64, what: string): bigint {
  checkString('parseArg', 'what', what);
  if (bits !== 32 && bits !== 64) argFail('parseArg', 'bits', '32 or 64', bits);
  return argValue('parseArg', value, bits, what);
}

function argValue(fn: string, value: unknown, bits: 32 | 64, what: string): bigint {
  if (typeof value !== 'number' && typeof value !== 'bigint' && typeof value !== 'string') {
    argFail(fn, what, 'a number, a bigint or a numeric string', value);
  }
  let v: bigint;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new UsageError(`${what}: ${value} is not an integer`);
    if (!Number.isSafeInteger(value)) {
      // Printed exactly: JavaScript would print 2 ** 60 as 1152921504606847000.
      throw new UsageError(`${what}: ${BigInt(value)} is not a safe integer (past 2^53 a number may already be rounded): ` +
        'give a bigint or a hex string');
    }
    v = BigInt(value);
  } else {
    const t = value.trim();
    const m = /^(-?)(0x[0-9a-f]+|0b[01]+|0o[0-7]+|\d+)$/i.exec(t.replace(/_/g, ''));
    if (!m) throw new UsageError(`${what}: '${quotable(value)}' is not a number`);
    v = BigInt(m[2]!);
    if (m[1]) v = -v;
  }
  const max = bits === 64 ? U64_MAX : 0xffffffffn;
  const min = bits === 64 ? -(1n << 63n) : -(1n << 31n);
  if (v > max || v < min) {
    throw new UsageError(`${what}: ${quotable(String(value))} does not fit a ${bits}-bit register`);
  }
  return v < 0n ? v + max + 1n : v;
}

/** Resolves a syscall input into field values, validating everything. */
export function seccompFields(input: SyscallInput): SeccompFields {
  return fieldsOf('seccompFields', input);
}

function fieldsOf(fn: string, input: SyscallInput): SeccompFields {
  checkObject(fn, 'input', input, 'a syscall {arch, syscall, args?, ip?, auditArch?}');
  const arch = checkArch(fn, 'input.arch', input.arch);
  const nr = resolveSyscall(arch, input.syscall);
  const given = input.args === undefined ? [] : checkArray(fn, 'input.args', input.args);
  if (given.length > 6) throw new UsageError(`a syscall has at most 6 arguments, got ${given.length}`);
  const args: bigint[] = [];
  for (let i = 0; i < 6; i++) args.push(i < given.length ? argValue(fn, given[i], arch.bits, `args[${i}]`) : 0n);
  const ip = input.ip === undefined ? 0n : argValue(fn, input.ip, arch.bits, 'instruction pointer');
  const audit = input.auditArch === undefined ? arch.audit : checkInteger(fn, 'input.auditArch', input.auditArch, -0x80000000, 0xffffffff) >>> 0;
  return { arch, nr, audit, ip, args };
}

/** Writes the 64-byte context of `fields` into `out` (see the byte-order note above). */
export function writeSeccompData(fields: SeccompFields, out: Uint8Array = new Uint8Array(SECCOMP_DATA_SIZE)): Uint8Array {
  checkFields('writeSeccompData', fields);
  return storeSeccompData(fields, checkOut('writeSeccompData', out));
}

/** The `out` of writeSeccompData: a Uint8Array with room for seccomp_data. */
function checkOut(fn: string, out: unknown): Uint8Array {
  if (!(out instanceof Uint8Array) || out.length < SECCOMP_DATA_SIZE) argFail(fn, 'out', `a Uint8Array of at least ${SECCOMP_DATA_SIZE} bytes`, out);
  return out;
}

/** SeccompFields as seccompFields makes them (ArgumentError from `fn` otherwise). */
function checkFields(fn: string, fields: unknown): SeccompFields {
  const f = checkObject(fn, 'fields', fields as SeccompFields, 'SeccompFields (seccompFields makes them)');
  const arch = checkArch(fn, 'fields.arch', f.arch);
  checkInteger(fn, 'fields.nr', f.nr, -0x80000000, 0xffffffff);
  checkInteger(fn, 'fields.audit', f.audit, -0x80000000, 0xffffffff);
  const max = (1n << BigInt(arch.bits)) - 1n;
  const u = (arg: string, v: unknown): void => {
    if (typeof v !== 'bigint' || v < 0n || v > max) argFail(fn, arg, `a bigint from 0 to 2^${arch.bits} - 1`, v);
  };
  u('fields.ip', f.ip);
  if (!Array.isArray(f.args) || f.args.length !== 6) argFail(fn, 'fields.args', 'an array of 6 bigints', f.args);
  f.args.forEach((a, n) => u(`fields.args[${n}]`, a));
  return fields as SeccompFields;
}

/** writeSeccompData once the fields are known to be good: SeccompFilter's per-syscall path. */
export function storeSeccompData(fields: SeccompFields, out: Uint8Array): Uint8Array {
  const view = new DataView(out.buffer, out.byteOffset, SECCOMP_DATA_SIZE);
  const big = fields.arch.endian === 'big';
  const put64 = (off: number, v: bigint): void => {
    const lo = Number(v & 0xffffffffn);
    const hi = Number(v >> 32n);
    view.setUint32(off, big ? hi : lo, true);
    view.setUint32(off + 4, big ? lo : hi, true);
  };
  view.setUint32(SECCOMP_DATA.nr, fields.nr >>> 0, true);
  view.setUint32(SECCOMP_DATA.arch, fields.audit >>> 0, true);
  put64(SECCOMP_DATA.instruction_pointer, fields.ip);
  for (let i = 0; i < 6; i++) put64(SECCOMP_DATA.args + 8 * i, fields.args[i]!);
  return out;
}

/** `seccomp_data` for one syscall: `buildSeccompData({ arch: 'x86_64', syscall: 'openat', args: [-100, '0x7ffc0000'] })`. */
export function buildSeccompData(input: SyscallInput, out?: Uint8Array): Uint8Array {
  const fields = fieldsOf('buildSeccompData', input);
  return storeSeccompData(fields, out === undefined ? new Uint8Array(SECCOMP_DATA_SIZE) : checkOut('buildSeccompData', out));
}

/** What a 32-bit load at `offset` of this context returns (the value `ld [offset]` sees). */
export function loadWord(data: Uint8Array, offset: number): number {
  if (!(data instanceof Uint8Array) || data.length < 4) argFail('loadWord', 'data', 'a Uint8Array of at least 4 bytes', data);
  checkInteger('loadWord', 'offset', offset, 0, data.length - 4);
  return new DataView(data.buffer, data.byteOffset, data.length).getUint32(offset, true);
}

/**
 * Names the 32-bit word at `offset` of seccomp_data for an arch's byte order: `nr`, `arch`,
 * `instruction_pointer`, `instruction_pointer >> 32`, `args[i]` (low half), `args[i] >> 32`.
 * Undefined for offsets that are not an aligned word inside the struct.
 */
export function fieldAt(offset: number, endian: 'little' | 'big'): { field: 'nr' | 'arch' | 'ip' | 'arg'; index: number; high: boolean } | undefined {
  checkInteger('fieldAt', 'offset', offset, -Infinity, Infinity);
  checkOneOf('fieldAt', 'endian', endian, ENDIANS);
  if (offset < 0 || offset >= SECCOMP_DATA_SIZE || offset % 4 !== 0) return undefined;
  if (offset === SECCOMP_DATA.nr) return { field: 'nr', index: 0, high: false };
  if (offset === SECCOMP_DATA.arch) return { field: 'arch', index: 0, high: false };
  const upperWord = offset % 8 === 4;
  const high = endian === 'big' ? !upperWord : upperWord;
  if (offset < SECCOMP_DATA.args) return { field: 'ip', index: 0, high };
  return { field: 'arg', index: (offset - SECCOMP_DATA.args) >> 3, high };
}

/** The offset of a field's word: the inverse of fieldAt. */
export function offsetOf(field: 'nr' | 'arch' | 'ip' | 'arg', index: number, high: boolean, endian: 'little' | 'big'): number {
  checkOneOf('offsetOf', 'field', field, ['nr', 'arch', 'ip', 'arg']);
  checkInteger('offsetOf', 'index', index, 0, field === 'arg' ? 5 : 0);
  if (typeof high !== 'boolean') argFail('offsetOf', 'high', 'true or false', high);
  checkOneOf('offsetOf', 'endian', endian, ENDIANS);
  if (field === 'nr') return SECCOMP_DATA.nr;
  if (field === 'arch') return SECCOMP_DATA.arch;
  const base = field === 'ip' ? SECCOMP_DATA.instruction_pointer : SECCOMP_DATA.args + 8 * index;
  const upperWord = endian === 'big' ? !high : high;
  return base + (upperWord ? 4 : 0);
}
