/**
 * errno names and numbers, Linux's generic numbering (asm-generic/errno*.h), which every arch
 * in arch.ts uses. The table is generated (errno-table.ts); aliases such as EWOULDBLOCK map to
 * the number of the name they alias, and a number prints as its first name.
 */
import { argFail, checkInteger, checkString } from '../args.js';
import { UsageError } from '../errors.js';
import { quotable } from '../text.js';
import { closestName, type OtherName } from '../suggest.js';
import { ERRNO_TABLE } from './errno-table.js';

/** The errno names Linux defines (EPERM, EACCES...), for completion; functions take any string too. */
export type ErrnoName = (typeof ERRNO_TABLE)[number][0] | 'ENOTSUP';

/** The largest errno a syscall can return (MAX_ERRNO); seccomp caps ERRNO data at it. */
export const MAX_ERRNO = 4095;

const byName = new Map<string, number>();
const byNumber = new Map<number, string>();
for (const [name, nr] of ERRNO_TABLE) {
  byName.set(name, nr);
  if (!byNumber.has(nr)) byNumber.set(nr, name);
}
// glibc's name for EOPNOTSUPP; the kernel headers do not define it.
if (!byName.has('ENOTSUP') && byName.has('EOPNOTSUPP')) byName.set('ENOTSUP', byName.get('EOPNOTSUPP')!);

/** The canonical name of errno `n` (EACCES for 13), or undefined. */
export function errnoName(n: number): string | undefined {
  checkInteger('errnoName', 'n', n, -Infinity, Infinity);
  return byNumber.get(n);
}

/** The number of errno `name` (case-insensitive), or undefined. */
export function errnoNumber(name: ErrnoName | OtherName): number | undefined {
  checkString('errnoNumber', 'name', name);
  return byName.get(name.trim().toUpperCase());
}

/** An errno given by name ('EACCES') or number (13, '13', '0xd'). Throws UsageError otherwise. */
export function parseErrno(value: ErrnoName | OtherName | number): number {
  if (typeof value !== 'number' && typeof value !== 'string') argFail('parseErrno', 'value', 'an errno name or number', value);
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new UsageError(`errno ${value} is not in 0..65535`);
    return value;
  }
  const text = value.trim();
  if (/^(?:0x[0-9a-f]+|\d+)$/i.test(text)) return parseErrno(Number(text));
  const n = errnoNumber(text);
  if (n === undefined) {
    const close = closestName(text.toUpperCase(), byName.keys());
    throw new UsageError(`unknown errno name '${quotable(value)}'${close !== undefined ? ` (did you mean '${close}'?)` : ''}`);
  }
  return n;
}

/** All canonical (name, number) pairs in numeric order. */
export function errnoEntries(): Array<[string, number]> {
  return [...byNumber.entries()].map(([n, name]) => [name, n] as [string, number]).sort((a, b) => a[1] - b[1]);
}
