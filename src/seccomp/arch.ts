/**
 * The architectures a seccomp filter can meet: the AUDIT_ARCH value the kernel puts in
 * `seccomp_data.arch`, the byte order of `seccomp_data`, and the names users know them by
 * (libseccomp's, seccomp-tools', Debian's and the kernel's).
 */
import { argFail, checkInteger, checkString } from '../args.js';
import { UsageError } from '../errors.js';
import { quotable } from '../text.js';
import { closestName, type OtherName } from '../suggest.js';

export type ArchName =
  | 'x86_64' | 'x32' | 'i386' | 'aarch64' | 'arm' | 'riscv64' | 'ppc64le' | 's390x' | 'loongarch64';

/** Other names the arch functions accept (Go's and Debian's among them). */
export type ArchAlias =
  | 'amd64' | 'x86-64' | 'x64' | 'x86' | 'i686' | 'i586' | 'ia32' | 'arm64' | 'armel' | 'armhf' | 'armv7' | 'eabi'
  | 'riscv' | 'powerpc64le' | 'loong64' | 'loongarch';

/**
 * What names an arch: its name or an alias (editors complete these), any other string (checked
 * when used: an unknown name is a UsageError), or an arch object.
 */
export type ArchInput = ArchName | ArchAlias | OtherName | SeccompArch;

export interface SeccompArch {
  /** Canonical name; the syscall table of the same name lists its calls. */
  readonly name: ArchName;
  /** AUDIT_ARCH_* (include/uapi/linux/audit.h): EM_* | 64BIT 0x80000000 | LE 0x40000000. */
  readonly audit: number;
  /** The name seccomp-tools prints for `audit` (`if (A != ARCH_X86_64) ...`). */
  readonly auditName: string;
  /** Byte order of `seccomp_data` (and of the filter's instructions) on this arch. */
  readonly endian: 'little' | 'big';
  /** Register width: on 32-bit arches a syscall argument never has a high half. */
  readonly bits: 32 | 64;
  /** Other names accepted for this arch. */
  readonly aliases: readonly ArchAlias[];
}

const AUDIT_64BIT = 0x80000000;
const AUDIT_LE = 0x40000000;
const audit = (em: number, bits: 32 | 64, endian: 'little' | 'big'): number =>
  (em | (bits === 64 ? AUDIT_64BIT : 0) | (endian === 'little' ? AUDIT_LE : 0)) >>> 0;

// ELF machine numbers (include/uapi/linux/elf-em.h).
const EM_386 = 3;
const EM_ARM = 40;
const EM_S390 = 22;
const EM_PPC64 = 21;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const EM_RISCV = 243;
const EM_LOONGARCH = 258;

/** x32 system calls are x86_64 calls with this bit set in `nr` (__X32_SYSCALL_BIT). */
export const X32_SYSCALL_BIT = 0x40000000;

function arch(name: ArchName, em: number, auditName: string, bits: 32 | 64, endian: 'little' | 'big',
  aliases: ArchAlias[]): SeccompArch {
  // x32 runs on the x86_64 kernel ABI: same AUDIT_ARCH, 64-bit registers.
  return { name, audit: audit(em, bits, endian), auditName, endian, bits, aliases };
}

export const ARCHES: readonly SeccompArch[] = [
  arch('x86_64', EM_X86_64, 'ARCH_X86_64', 64, 'little', ['amd64', 'x86-64', 'x64']),
  arch('x32', EM_X86_64, 'ARCH_X86_64', 64, 'little', []),
  arch('i386', EM_386, 'ARCH_I386', 32, 'little', ['x86', 'i686', 'i586', 'ia32']),
  arch('aarch64', EM_AARCH64, 'ARCH_AARCH64', 64, 'little', ['arm64']),
  arch('arm', EM_ARM, 'ARCH_ARM', 32, 'little', ['armel', 'armhf', 'armv7', 'eabi']),
  arch('riscv64', EM_RISCV, 'ARCH_RISCV64', 64, 'little', ['riscv']),
  arch('ppc64le', EM_PPC64, 'ARCH_PPC64LE', 64, 'little', ['powerpc64le']),
  arch('s390x', EM_S390, 'ARCH_S390X', 64, 'big', []),
  arch('loongarch64', EM_LOONGARCH, 'ARCH_LOONGARCH64', 64, 'little', ['loong64', 'loongarch']),
];

const byName = new Map<string, SeccompArch>();
for (const a of ARCHES) {
  byName.set(a.name, a);
  for (const alias of a.aliases) byName.set(alias, a);
}

/** The arch called `name` (canonical name or alias, any case). Throws UsageError otherwise. */
export function archByName(name: ArchName | ArchAlias | OtherName): SeccompArch {
  checkString('archByName', 'name', name);
  const key = name.trim().toLowerCase();
  const a = byName.get(key);
  if (a) return a;
  // An alias may be the closest spelling; suggest the canonical name of its arch.
  const close = closestName(key, byName.keys());
  const hint = close !== undefined ? `did you mean '${byName.get(close)!.name}'? ` : '';
  throw new UsageError(`unknown architecture '${quotable(name)}' (${hint}known: ${ARCHES.map((x) => x.name).join(', ')})`);
}

export function isArchName(name: string): boolean {
  checkString('isArchName', 'name', name);
  return byName.has(name.trim().toLowerCase());
}

/** Accepts an arch object or its name. */
export function toArch(a: ArchInput): SeccompArch {
  return checkArch('toArch', 'a', a);
}

/**
 * The arch `a` names: a name or alias, or one of ARCHES (an object with a known `name` is
 * taken as that arch). Unknown names are UsageErrors; anything else is an ArgumentError.
 */
export function checkArch(fn: string, arg: string, a: unknown): SeccompArch {
  if (typeof a === 'string') return archByName(a);
  if (ARCHES.includes(a as SeccompArch)) return a as SeccompArch;
  const name = (a as { name?: unknown } | null)?.name;
  if (typeof a === 'object' && typeof name === 'string' && byName.get(name) !== undefined) return byName.get(name)!;
  return argFail(fn, arg, `an arch name (${ARCHES.map((x) => x.name).join(', ')}) or one of ARCHES`, a);
}

/**
 * The arches whose `seccomp_data.arch` is `value` (x86_64 and x32 share one), the native
 * ABI first. Empty for a value no arch here uses.
 */
export function archesByAudit(value: number): SeccompArch[] {
  checkInteger('archesByAudit', 'value', value, -0x80000000, 0xffffffff);
  const v = value >>> 0;
  return ARCHES.filter((a) => a.audit === v);
}

/** The seccomp-tools constant name of an AUDIT_ARCH value (`ARCH_X86_64`), if known. */
export function auditArchName(value: number): string | undefined {
  checkInteger('auditArchName', 'value', value, -0x80000000, 0xffffffff);
  return archesByAudit(value)[0]?.auditName;
}

/** The AUDIT_ARCH value of a seccomp-tools constant name (`ARCH_X86_64`), if known. */
export function auditArchValue(name: string): number | undefined {
  checkString('auditArchValue', 'name', name);
  return ARCHES.find((a) => a.auditName === name)?.audit;
}

/** The arch of the machine we run on, for defaults (undefined when none of ours). */
export function hostArch(): SeccompArch | undefined {
  switch (process.arch) {
    case 'x64': return byName.get('x86_64');
    case 'ia32': return byName.get('i386');
    case 'arm64': return byName.get('aarch64');
    case 'arm': return byName.get('arm');
    case 'riscv64': return byName.get('riscv64');
    case 'ppc64': return byName.get('ppc64le');
    case 's390x': return byName.get('s390x');
    case 'loong64': return byName.get('loongarch64');
    default: return undefined;
  }
}
