/**
 * What a profile means on one host: the arches the filter covers, and the rules a runtime
 * adds to libseccomp, in order, after `includes`/`excludes` are applied for the host's
 * arch, the container's capabilities and the kernel. Follows moby's setupSeccomp and runc's
 * InitSeccomp/matchCall (see docs/seccomp-profiles.md for where runtimes differ).
 */
import { UsageError } from '../../errors.js';
import { ACTION_VALUES } from '../actions.js';
import { type SeccompArch, toArch } from '../arch.js';
import type { ProfileAction, ProfileArg, ProfileFilter, ProfileSyscall, SeccompProfile } from './parse.js';

/** libseccomp's arch names (SCMP_ARCH_*) for the arches we have tables for. */
const SCMP_ARCH: Readonly<Record<string, SeccompArch['name']>> = {
  SCMP_ARCH_X86_64: 'x86_64', SCMP_ARCH_X86: 'i386', SCMP_ARCH_X32: 'x32', SCMP_ARCH_AARCH64: 'aarch64',
  SCMP_ARCH_ARM: 'arm', SCMP_ARCH_RISCV64: 'riscv64', SCMP_ARCH_PPC64LE: 'ppc64le', SCMP_ARCH_S390X: 's390x',
  SCMP_ARCH_LOONGARCH64: 'loongarch64',
};

/** Go's GOARCH for each arch, the word `includes/excludes.arches` is matched against. */
const GOARCH: Readonly<Record<SeccompArch['name'], string>> = {
  x86_64: 'amd64', x32: 'amd64', i386: '386', aarch64: 'arm64', arm: 'arm', riscv64: 'riscv64', ppc64le: 'ppc64le',
  s390x: 's390x', loongarch64: 'loong64',
};

export const scmpArchName = (a: SeccompArch): string =>
  Object.entries(SCMP_ARCH).find(([, n]) => n === a.name)![0];

/** Docker's default capability set (what `docker run` grants without --cap-add/--cap-drop). */
export const DOCKER_DEFAULT_CAPS: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** `CAP_SYS_ADMIN`, `sys_admin` and `SYS_ADMIN` name one capability. */
export function normalizeCap(cap: string): string {
  const c = cap.trim().toUpperCase();
  return c.startsWith('CAP_') ? c : `CAP_${c}`;
}

export interface ResolveOptions {
  /** The host: the filter covers it and the sub-architectures the profile's archMap gives it. */
  arch: SeccompArch;
  /** The container's (bounding) capabilities. */
  caps: ReadonlySet<string>;
  /** undefined: newer than every minKernel. */
  kernel?: readonly [number, number, number];
}

/** One rule as runc hands it to libseccomp: a syscall name, an action value, conditions. */
export interface ResolvedRule {
  readonly name: string;
  readonly action: number;
  readonly args: readonly ProfileArg[];
  /** Where it came from: `syscalls[3] (names: ptrace; action: SCMP_ACT_ERRNO)`. */
  readonly origin: string;
}

export interface ResolvedProfile {
  readonly defaultAction: number;
  /** Covered arches: the host first, then its sub-arches, as libseccomp orders them. */
  readonly arches: readonly SeccompArch[];
  /**
   * The arches the profile lists for the host (`architectures`, or its archMap entry): the
   * runtime's config.Architectures, which runc's ENOSYS stub covers. The host is covered
   * even when unlisted (libseccomp adds it), but then gets no stub.
   */
  readonly listed: readonly SeccompArch[];
  /** Every name of every selected entry (the ENOSYS stub's largest number comes from these). */
  readonly names: readonly string[];
  readonly rules: readonly ResolvedRule[];
  /** Whether runc's ENOSYS stub applies (a default action that is not ALLOW, LOG or TRACE). */
  readonly stubApplies: boolean;
  readonly warnings: string[];
}

/** An action word and its errnoRet as runc's getAction turns them into a return value. */
export function actionValue(action: ProfileAction, errnoRet: number | undefined): number {
  const EPERM = 1;
  switch (action) {
    case 'SCMP_ACT_KILL': case 'SCMP_ACT_KILL_THREAD': return ACTION_VALUES.KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS': return ACTION_VALUES.KILL_PROCESS;
    case 'SCMP_ACT_ERRNO': return (ACTION_VALUES.ERRNO | (errnoRet ?? EPERM)) >>> 0;
    case 'SCMP_ACT_TRACE': return (ACTION_VALUES.TRACE | (errnoRet ?? EPERM)) >>> 0;
    // runc passes no errnoRet to TRAP.
    case 'SCMP_ACT_TRAP': return ACTION_VALUES.TRAP;
    case 'SCMP_ACT_ALLOW': return ACTION_VALUES.ALLOW;
    case 'SCMP_ACT_LOG': return ACTION_VALUES.LOG;
    case 'SCMP_ACT_NOTIFY': return ACTION_VALUES.USER_NOTIF;
  }
}

function kernelAtLeast(kernel: readonly [number, number, number] | undefined, min: readonly [number, number, number]): boolean {
  if (kernel === undefined) return true;
  for (let i = 0; i < 3; i++) if (kernel[i] !== min[i]) return kernel[i]! > min[i]!;
  return true;
}

/** moby's test: every `includes` condition holds, and no `excludes` condition does. */
function selected(s: ProfileSyscall, goarch: string, o: ResolveOptions): boolean {
  const ex: ProfileFilter | undefined = s.excludes;
  if (ex) {
    if (ex.arches.includes(goarch)) return false;
    if (ex.caps.some((c) => o.caps.has(normalizeCap(c)))) return false;
    if (ex.minKernel && kernelAtLeast(o.kernel, ex.minKernel)) return false;
  }
  const inc = s.includes;
  if (inc) {
    if (inc.arches.length > 0 && !inc.arches.includes(goarch)) return false;
    if (!inc.caps.every((c) => o.caps.has(normalizeCap(c)))) return false;
    if (inc.minKernel && !kernelAtLeast(o.kernel, inc.minKernel)) return false;
  }
  return true;
}

/** The arches the filter covers on host `arch`. Unknown or unsupported sub-arches are warned about. */
function coveredArches(p: SeccompProfile, host: SeccompArch, warnings: string[]): { covered: SeccompArch[]; listed: SeccompArch[] } {
  const listed: string[] = [...p.architectures];
  const hostScmp = scmpArchName(host);
  for (const m of p.archMap) if (m.architecture === hostScmp) listed.push(m.architecture, ...m.subArchitectures);
  const out: SeccompArch[] = [host];
  const inList: SeccompArch[] = [];
  const unsupported: string[] = [];
  for (const name of listed) {
    const ours = SCMP_ARCH[name];
    if (ours === undefined) {
      if (!unsupported.includes(name)) unsupported.push(name);
      continue;
    }
    const a = toArch(ours);
    if (!out.includes(a)) out.push(a);
    if (!inList.includes(a)) inList.push(a);
  }
  if (unsupported.length > 0) warnings.push(`architectures without a syscall table here, left out of the filter: ${unsupported.join(', ')}`);
  return { covered: out, listed: inList };
}

export function resolveProfile(p: SeccompProfile, o: ResolveOptions): ResolvedProfile {
  const warnings: string[] = [];
  const defaultAction = actionValue(p.defaultAction, p.defaultErrnoRet);
  if (p.defaultAction === 'SCMP_ACT_NOTIFY') throw new UsageError('defaultAction SCMP_ACT_NOTIFY: runc refuses it (the runtime could not write the notify fd)');
  const goarch = GOARCH[o.arch.name];
  const rules: ResolvedRule[] = [];
  const names: string[] = [];
  for (const s of p.syscalls) {
    if (!selected(s, goarch, o)) continue;
    const action = actionValue(s.action, s.errnoRet);
    for (const name of s.names) {
      if (name === '') throw new UsageError(`syscalls[${s.index}]: an empty syscall name`);
      names.push(name);
      // runc: a rule whose action is the default's is redundant, and libseccomp would refuse it.
      if (action === defaultAction) continue;
      const origin = `syscalls[${s.index}] (names: ${name}; action: ${s.action})`;
      // runc: conditions that share an argument become one rule each (an OR, where libseccomp
      // would AND them); otherwise one rule with all of them.
      const indexes = s.args.map((a) => a.index);
      if (new Set(indexes).size < indexes.length) for (const a of s.args) rules.push({ name, action, args: [a], origin });
      else rules.push({ name, action, args: s.args, origin });
    }
  }
  const stubApplies = !['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'].includes(p.defaultAction);
  const { covered, listed } = coveredArches(p, o.arch, warnings);
  return { defaultAction, arches: covered, listed, names, rules, stubApplies, warnings };
}
