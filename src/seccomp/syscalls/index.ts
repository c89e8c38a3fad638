/**
 * Syscall name <-> number lookups per arch, over the tables generate.py derives from the
 * kernel's syscall tables.
 */
import { argFail, checkInteger, checkString } from '../../args.js';
import { UsageError } from '../../errors.js';
import { quotable } from '../../text.js';
import { closestName, type OtherName } from '../../suggest.js';
import { type ArchInput, type ArchName, type SeccompArch, checkArch, toArch, X32_SYSCALL_BIT } from '../arch.js';
import { AARCH64_SYSCALLS } from './aarch64.js';
import { ARM_SYSCALLS } from './arm.js';
import { I386_SYSCALLS } from './i386.js';
import { LOONGARCH64_SYSCALLS } from './loongarch64.js';
import { PPC64LE_SYSCALLS } from './ppc64le.js';
import { RISCV64_SYSCALLS } from './riscv64.js';
import { S390X_SYSCALLS } from './s390x.js';
import { X32_SYSCALLS } from './x32.js';
import { X86_64_SYSCALLS } from './x86_64.js';

/** Every syscall name of every arch's table (read, openat, socketcall...), for completion. */
export type SyscallName =
  | keyof typeof X86_64_SYSCALLS | keyof typeof X32_SYSCALLS | keyof typeof I386_SYSCALLS | keyof typeof AARCH64_SYSCALLS
  | keyof typeof ARM_SYSCALLS | keyof typeof RISCV64_SYSCALLS | keyof typeof PPC64LE_SYSCALLS | keyof typeof S390X_SYSCALLS
  | keyof typeof LOONGARCH64_SYSCALLS;

const RAW: Record<ArchName, Readonly<Record<string, number>>> = {
  x86_64: X86_64_SYSCALLS,
  x32: X32_SYSCALLS,
  i386: I386_SYSCALLS,
  aarch64: AARCH64_SYSCALLS,
  arm: ARM_SYSCALLS,
  riscv64: RISCV64_SYSCALLS,
  ppc64le: PPC64LE_SYSCALLS,
  s390x: S390X_SYSCALLS,
  loongarch64: LOONGARCH64_SYSCALLS,
};

export interface SyscallTable {
  readonly arch: ArchName;
  readonly byName: ReadonlyMap<string, number>;
  readonly byNumber: ReadonlyMap<number, string>;
}

const cache = new Map<ArchName, SyscallTable>();

/** The syscall table of an arch (numbers as they appear in `seccomp_data.nr`; x32's carry 0x40000000). */
export function syscallTable(arch: ArchInput): SyscallTable {
  const name = checkArch('syscallTable', 'arch', arch).name;
  let t = cache.get(name);
  if (!t) {
    const byName = new Map<string, number>(Object.entries(RAW[name]));
    const byNumber = new Map<number, string>();
    for (const [n, nr] of byName) if (!byNumber.has(nr)) byNumber.set(nr, n);
    t = { arch: name, byName, byNumber };
    cache.set(name, t);
  }
  return t;
}

/**
 * The arch whose table names `nr` as `seccomp_data.nr` holds it under `arch`: x32 for an
 * x86_64 number with the x32 bit set (x32 calls share x86_64's AUDIT_ARCH), else `arch`.
 */
export function syscallArch(arch: ArchInput, nr: number): SeccompArch {
  const a = checkArch('syscallArch', 'arch', arch);
  checkNrArg('syscallArch', nr);
  return a.name === 'x86_64' && (nr & X32_SYSCALL_BIT) !== 0 ? toArch('x32') : a;
}

/** The name of syscall `nr` on `arch`, or undefined. */
export function syscallName(arch: ArchInput, nr: number): string | undefined {
  checkArch('syscallName', 'arch', arch);
  checkNrArg('syscallName', nr);
  return syscallTable(arch).byNumber.get(nr >>> 0) ?? syscallTable(arch).byNumber.get(nr | 0);
}

/** Number of the syscall `name` on `arch`, or undefined. */
export function syscallNumber(arch: ArchInput, name: SyscallName | OtherName): number | undefined {
  checkArch('syscallNumber', 'arch', arch);
  checkString('syscallNumber', 'name', name);
  return syscallTable(arch).byName.get(name);
}

/** A syscall number as seccomp_data.nr holds it: an int32, or the same 32 bits as a u32. */
function checkNrArg(fn: string, nr: unknown): void {
  checkInteger(fn, 'nr', nr, -0x80000000, 0xffffffff);
}

const NUMERIC = /^(?:0x[0-9a-f]+|-?\d+)$/i;

/**
 * A syscall given by name (`read`, `SYS_read`, `__NR_read`) or by number (59, "59", "0x3b")
 * as the value `seccomp_data.nr` holds, an int32. Throws UsageError for a name the arch has
 * not, or a number outside int32/uint32.
 */
export function resolveSyscall(arch: ArchInput, syscall: SyscallName | OtherName | number): number {
  const a = checkArch('resolveSyscall', 'arch', arch);
  if (typeof syscall !== 'number' && typeof syscall !== 'string') argFail('resolveSyscall', 'syscall', 'a syscall name or number', syscall);
  if (typeof syscall === 'number') return checkNr(syscall, String(syscall));
  const text = syscall.trim();
  if (NUMERIC.test(text)) return checkNr(Number(text.toLowerCase().startsWith('-0x') ? NaN : text), text);
  const bare = text.replace(/^(?:SYS_|__NR_)/, '');
  const nr = syscallTable(a).byName.get(bare);
  if (nr === undefined) {
    throw new UsageError(`unknown syscall '${quotable(text)}' on ${a.name}${suggestion(a, bare)}`);
  }
  return nr | 0;
}

function checkNr(n: number, text: string): number {
  if (!Number.isInteger(n) || n < -0x80000000 || n > 0xffffffff) {
    throw new UsageError(`syscall number ${quotable(text)} is not a 32-bit integer`);
  }
  return n | 0;
}

/** " (did you mean ...?)" for a misspelt name, or nothing when no name of the arch is close. */
function suggestion(arch: SeccompArch, name: string): string {
  const best = closestName(name.toLowerCase(), syscallTable(arch).byName.keys());
  return best ? ` (did you mean '${best}'?)` : '';
}
