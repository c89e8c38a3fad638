/**
 * The summary scales and stays exact: filters whose paths multiply (libseccomp argument rules
 * that fail in several ways, independent jset tests whose branches meet again) are summarized
 * in bounded work, and every region the exploration reports agrees with evaluate() on random
 * queries, for hand-made filters and for filters libseccomp builds (python3-seccomp).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClassicInsn, insn } from '../../src/classic/insn.js';
import { archByName, type SeccompArch } from '../../src/seccomp/arch.js';
import { formatSummary, outcomeText, summarizeSeccomp } from '../../src/seccomp/analyze.js';
import { buildSeccompData } from '../../src/seccomp/data.js';
import { pointDomain } from '../../src/seccomp/domain.js';
import { WORD_ARCH, WORD_NR, exploreSeccomp, inputWords, verdictFor } from '../../src/seccomp/explore.js';
import { type SeccompFilter, loadSeccompFilter } from '../../src/seccomp/filter.js';
import { syscallTable } from '../../src/seccomp/syscalls/index.js';
import { NO_PYSECCOMP, SECCOMP_PYTHON, pySeccomp } from './libseccomp.js';

const ALLOW = 0x7fff0000;
const KILL = 0x80000000;
const X86_64 = 0xc000003e;

/** 19 jset tests on the args, each followed by an instruction only its taken branch runs; the branches meet again. */
export function jsetChain(n = 19): ClassicInsn[] {
  const prog: ClassicInsn[] = [insn(0x20, 0, 0, 4), insn(0x15, 0, 3 * n + 2, X86_64)];
  for (let i = 0; i < n; i++) {
    prog.push(insn(0x20, 0, 0, 16 + 8 * (i % 6) + (i % 12 >= 6 ? 4 : 0))); // A = args[i % 6] (either half)
    prog.push(insn(0x45, 0, 1, 1 << i)); // if (A & bit) ... else skip one
    prog.push(insn(0x01, 0, 0, i)); // X = i (dead: no one reads X)
  }
  prog.push(insn(0x06, 0, 0, ALLOW), insn(0x06, 0, 0, 0x00050001), insn(0x06, 0, 0, KILL));
  // The ERRNO line is reached by nothing: keeps the program honest about unreachable code.
  prog[prog.length - 2] = insn(0x06, 0, 0, KILL);
  return prog;
}

/** Random args around the constants a filter compares, and random words. */
const arbArgs = (consts: readonly number[]): fc.Arbitrary<bigint[]> => {
  const word = fc.oneof(fc.constantFrom(...consts, 0, 1, 0xffffffff), fc.nat(), fc.constantFrom(...consts).map((c) => (c + 1) >>> 0),
    fc.constantFrom(...consts).map((c) => (c - 1) >>> 0));
  const arg = fc.tuple(fc.oneof(fc.constant(0), word), word).map(([hi, lo]) => (BigInt(hi) << 32n) | BigInt(lo));
  return fc.array(arg, { minLength: 6, maxLength: 6 });
};

function constantsOf(prog: readonly ClassicInsn[]): number[] {
  return [...new Set(prog.filter((i) => (i.code & 0x07) === 0x05).map((i) => i.k >>> 0))];
}

/** For random queries, the verdict whose region holds the query is what evaluate() returns. */
function regionsAgree(filter: SeccompFilter, arch: SeccompArch, runs: number): void {
  const numbers = [...syscallTable(arch).byName.values()];
  const cache = new Map<number, ReturnType<typeof exploreSeccomp>>();
  fc.assert(fc.property(fc.nat(), arbArgs(constantsOf(filter.prog)), (pick, args) => {
    const nr = pick % 7 === 0 ? pick >>> 0 : numbers[pick % numbers.length]!;
    let x = cache.get(nr);
    if (!x) {
      x = exploreSeccomp(filter.prog, { words: new Map([[WORD_ARCH, pointDomain(arch.audit)], [WORD_NR, pointDomain(nr)]]) });
      cache.set(nr, x);
    }
    const used = arch.bits === 32 ? args.map((a) => a & 0xffffffffn) : args;
    const words = inputWords(buildSeccompData({ arch, syscall: nr, args: used }));
    const got = verdictFor(x, words);
    expect(got, 'a verdict for every input').toBeDefined();
    expect(got!.value).toBe(filter.evaluate({ arch, syscall: nr, args: used }).value);
  }), { numRuns: runs });
}

describe('paths that multiply', () => {
  it('19 independent jset tests whose branches meet again: one box per verdict', () => {
    const prog = jsetChain();
    expect(prog.length).toBe(62);
    const t0 = performance.now();
    const s = summarizeSeccomp(prog, { arch: 'x86_64' });
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(s.exceeded).toEqual([]);
    expect(outcomeText(s.syscalls.find((x) => x.name === 'read')!.outcome)).toBe('ALLOW');
    expect(s.numbers.otherwise.text).toBe('ALLOW');
    expect(s.unreachable).toEqual([prog.length - 2]);
    regionsAgree(loadSeccompFilter(prog), archByName('x86_64'), 300);
  }, 60_000);

  it('a budget too small for one syscall reports it as not analysed and keeps the rest', () => {
    // Four comparisons per rule on four different words: the default's region has no small form.
    const prog: ClassicInsn[] = [insn(0x20, 0, 0, 4), insn(0x15, 1, 0, X86_64), insn(0x06, 0, 0, KILL), insn(0x20, 0, 0, 0)];
    const rules = 12;
    prog.push(insn(0x15, 0, 4 * rules, 16)); // if (nr != ioctl) goto allow
    for (let i = 0; i < rules; i++) {
      prog.push(insn(0x20, 0, 0, 16 + 8 * (i % 6)), insn(0x15, 0, 2, i));
      prog.push(insn(0x20, 0, 0, 16 + 8 * ((i + 1) % 6)), insn(0x15, 4 * (rules - i - 1) + 1, 0, 0x5400 + i));
    }
    prog.push(insn(0x06, 0, 0, ALLOW), insn(0x06, 0, 0, 0x00050001));
    const full = summarizeSeccomp(prog, { arch: 'x86_64' });
    expect(full.exceeded).toEqual([]);
    regionsAgree(loadSeccompFilter(prog), archByName('x86_64'), 200);
    const ioctlOnly = new Map([[WORD_ARCH, pointDomain(X86_64)], [WORD_NR, pointDomain(16)]]);
    const ioctlSteps = exploreSeccomp(prog, { words: ioctlOnly, skipReach: true }).steps;
    // A whole-run budget of which a quarter is less than ioctl needs: ioctl alone is lost.
    const s = summarizeSeccomp(prog, { arch: 'x86_64', budget: ioctlSteps * 2 });
    expect(s.exceeded).toContain('ioctl');
    const ioctl = s.syscalls.find((x) => x.name === 'ioctl')!;
    expect(ioctl.exceeded).toBe(true);
    expect(outcomeText(s.syscalls.find((x) => x.name === 'read')!.outcome)).toBe('ALLOW');
    expect(formatSummary(s)).toMatch(/^not analysed \(budget exhausted; raise it with --budget\): \d+\n {4}ioctl/m);
  }, 60_000);
});

describe('x32', () => {
  // Allow everything but ptrace under ARCH_X86_64, with no x32 guard.
  const prog = [
    insn(0x20, 0, 0, 4), insn(0x15, 1, 0, X86_64), insn(0x06, 0, 0, KILL),
    insn(0x20, 0, 0, 0), insn(0x15, 0, 1, 101), insn(0x06, 0, 0, KILL), insn(0x06, 0, 0, ALLOW),
  ];

  it('--arch x32: the default is the verdict of the x32 numbers', () => {
    const s = summarizeSeccomp(prog, { arch: 'x32' });
    expect(s.numbers.otherwise.text).toBe('ALLOW');
    expect(outcomeText(s.syscalls.find((x) => x.name === 'read')!.outcome)).toBe('ALLOW');
    expect(formatSummary(s).split('\n')[1]).toBe('default: ALLOW');
  });

  it('numbers >= 0x40000000 appear when the filter treats them apart', () => {
    // aarch64: a filter that kills every number >= 0x40000000.
    const high = [
      insn(0x20, 0, 0, 4), insn(0x15, 1, 0, 0xc00000b7), insn(0x06, 0, 0, KILL),
      insn(0x20, 0, 0, 0), insn(0x35, 0, 1, 0x40000000), insn(0x06, 0, 0, KILL), insn(0x06, 0, 0, ALLOW),
    ];
    const s = summarizeSeccomp(high, { arch: 'aarch64' });
    expect(s.numbers.otherwise.text).toBe('ALLOW');
    expect(outcomeText(s.numbers)).toBe('nr > 0x3fffffff -> KILL_PROCESS; otherwise ALLOW');
    expect(formatSummary(s)).toMatch(/^other numbers: nr > 0x3fffffff -> KILL_PROCESS; otherwise ALLOW$/m);
  });
});

describe.skipIf(!SECCOMP_PYTHON)(`libseccomp-built filters (${SECCOMP_PYTHON ? 'python3-seccomp' : NO_PYSECCOMP})`, () => {
  /** Builds a filter with libseccomp; returns its raw bytes. */
  const build = (script: string): Uint8Array => {
    const hex = pySeccomp<string>(`
import seccomp, sys, json, os, tempfile
${script}
fd, path = tempfile.mkstemp()
with os.fdopen(fd, 'wb') as o:
    f.export_bpf(o)
data = open(path, 'rb').read()
os.unlink(path)
print(json.dumps(data.hex()))
`);
    return Uint8Array.from(Buffer.from(hex, 'hex'));
  };

  it('20 argument rules on one syscall, on three arguments', () => {
    const bytes = build(`
f = seccomp.SyscallFilter(defaction=seccomp.KILL)
f.add_rule(seccomp.ALLOW, "read")
for i in range(20):
    f.add_rule(seccomp.ALLOW, "ioctl", seccomp.Arg(i % 6, seccomp.MASKED_EQ, 0xff, i), seccomp.Arg((i + 3) % 6, seccomp.GE, 0x5400 + i))
`);
    const filter = loadSeccompFilter(bytes);
    expect(filter.prog.length).toBeGreaterThan(200);
    const t0 = performance.now();
    const s = filter.summary('x86_64');
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(s.exceeded).toEqual([]);
    expect(s.syscalls.find((x) => x.name === 'ioctl')!.outcome.depends).toEqual(['args']);
    regionsAgree(filter, archByName('x86_64'), 400);
  }, 60_000);

  it('a moby-like allow-list on three arches: exact on random queries', () => {
    const bytes = build(`
f = seccomp.SyscallFilter(defaction=seccomp.ERRNO(1))
for a in (seccomp.Arch.X86, seccomp.Arch.X32):
    f.add_arch(a)
names = """accept accept4 access alarm bind brk capget capset chdir chmod chown clock_getres clock_gettime clock_nanosleep close
connect copy_file_range creat dup dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_pwait epoll_wait eventfd eventfd2 execve execveat
exit exit_group faccessat fadvise64 fallocate fchdir fchmod fchmodat fchown fchownat fcntl fdatasync fgetxattr flistxattr flock fork
fremovexattr fsetxattr fstat fstatfs fsync ftruncate futex getcpu getcwd getdents64 getegid geteuid getgid getgroups getitimer
getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid getresuid getrlimit getrusage getsid getsockname getsockopt
gettid gettimeofday getuid getxattr inotify_add_watch inotify_init1 inotify_rm_watch ioctl kill lchown lgetxattr link linkat listen
listxattr llistxattr lremovexattr lseek lsetxattr lstat madvise memfd_create mincore mkdir mkdirat mknod mknodat mlock mlockall mmap
mprotect mremap msync munlock munlockall munmap nanosleep newfstatat open openat pause pipe pipe2 poll ppoll prctl pread64 preadv
prlimit64 pselect6 pwrite64 pwritev read readahead readlink readlinkat readv recvfrom recvmmsg recvmsg rename renameat renameat2
restart_syscall rmdir rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait
sched_getaffinity sched_getparam sched_yield select sendfile sendmmsg sendmsg sendto set_robust_list set_tid_address setgid
setgroups setitimer setpgid setpriority setregid setresgid setresuid setreuid setsid setsockopt setuid shutdown sigaltstack socket
socketpair stat statfs statx symlink symlinkat sysinfo tgkill time timer_create timer_delete timerfd_create timerfd_gettime
timerfd_settime times tkill truncate umask uname unlink unlinkat utime utimensat utimes vfork wait4 waitid write writev""".split()
for n in names:
    try:
        f.add_rule(seccomp.ALLOW, n)
    except Exception:
        pass
f.add_rule(seccomp.ALLOW, "personality", seccomp.Arg(0, seccomp.EQ, 0))
f.add_rule(seccomp.ALLOW, "personality", seccomp.Arg(0, seccomp.EQ, 8))
f.add_rule(seccomp.ALLOW, "personality", seccomp.Arg(0, seccomp.EQ, 0xffffffff))
f.add_rule(seccomp.ALLOW, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, 0x7e020000, 0))
f.add_rule(seccomp.ERRNO(38), "clone3")
`);
    const filter = loadSeccompFilter(bytes);
    for (const arch of ['x86_64', 'i386', 'x32'] as const) {
      const t0 = performance.now();
      const s = filter.summary(arch);
      expect(performance.now() - t0, arch).toBeLessThan(10_000);
      expect(s.exceeded, arch).toEqual([]);
      expect(s.numbers.otherwise.text, arch).toBe('ERRNO(1)');
      expect(outcomeText(s.syscalls.find((x) => x.name === 'read')!.outcome), arch).toBe('ALLOW');
      expect(outcomeText(s.syscalls.find((x) => x.name === 'clone3')!.outcome), arch).toBe('ERRNO(38)');
      regionsAgree(filter, archByName(arch), 150);
    }
  }, 120_000);
});
