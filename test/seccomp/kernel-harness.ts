/**
 * The running kernel as the judge of our verdicts: test/native/seccomp_run.c installs filters
 * in a child (no_new_privs + seccomp) and makes one harmless syscall (getpid, getppid, getuid,
 * getgid, geteuid, getegid, uname, or a number no kernel has) with chosen arguments; what
 * happens (return, errno, SIGSYS trap data, death by SIGSYS) must be what our verdict means.
 * `harness` is undefined (and `why` says why) where cc or seccomp is unavailable; i386 calls
 * (int 0x80) work only where the kernel has IA-32 emulation enabled.
 */
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { archByName } from '../../src/seccomp/arch.js';
import type { SeccompResult } from '../../src/seccomp/filter.js';
import { resolveSyscall } from '../../src/seccomp/syscalls/index.js';
import { buildHarness } from '../native/build.js';

export const HARMLESS = ['getpid', 'getppid', 'getuid', 'getgid', 'geteuid', 'getegid', 'uname'];

export interface Harness {
  run(requests: readonly string[]): string[];
  i386: boolean;
}

function build(): { harness?: Harness; why?: string } {
  if (process.platform !== 'linux' || process.arch !== 'x64') return { why: 'needs Linux on x86_64' };
  const built = buildHarness('seccomp_run', { cflags: ['-O2'] });
  if ('skip' in built) return { why: built.skip };
  const bin = built.path;
  const probe = spawnSync(bin, ['--probe'], { encoding: 'utf8' });
  if (probe.status !== 0) return { why: `seccomp filters cannot be installed here: ${probe.stderr.trim() || `exit ${probe.status}`}` };
  const run = (requests: readonly string[]): string[] => {
    const r = spawnSync(bin, [], { input: `${requests.join('\n')}\n`, encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`seccomp_run failed (exit ${r.status}): ${r.stderr}`);
    return r.stdout.trim().split('\n');
  };
  const i386 = run([`i386 ${resolveSyscall('i386', 'getpid').toString(16)} 0 0 0 0 0 0 -`])[0] === 'ok';
  if (!i386) console.warn('seccomp kernel test: i386 calls skipped: int 0x80 does not work here (IA-32 emulation off)');
  return { harness: { run, i386 } };
}

export const { harness, why } = build();
export const hexBytes = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
export const u64 = (v: string | bigint | number): string => BigInt.asUintN(64, BigInt(v)).toString(16);

export interface Call {
  abi: 'x86_64' | 'i386';
  syscall: string;
  args: readonly (string | bigint)[];
}

export function request(call: Call, filters: readonly Uint8Array[]): string {
  const nr = resolveSyscall(call.abi, call.syscall) >>> 0;
  const args = Array.from({ length: 6 }, (_, i) => u64(call.args[i] ?? 0));
  return `${call.abi} ${nr.toString(16)} ${args.join(' ')} ${filters.length ? filters.map(hexBytes).join(',') : '-'}`;
}

/** What the kernel does with a syscall under verdict `r`; `baseline` is what it does with no filter. */
export function meaning(r: SeccompResult, call: Call, baseline: string): string {
  switch (r.action) {
    case 'ALLOW': case 'LOG': return baseline;
    case 'ERRNO': return r.errno === 0 ? 'ok' : `errno ${r.errno}`;
    case 'TRAP': return `trap ${r.data} ${resolveSyscall(call.abi, call.syscall)} 0x${archByName(call.abi).audit.toString(16)}`;
    case 'TRACE': case 'USER_NOTIF': return 'errno 38'; // no tracer, no listener: -ENOSYS
    case 'KILL_THREAD': case 'KILL_PROCESS': return 'killed 31'; // SIGSYS
  }
}

/** Runs every (filters, call) pair in the kernel and compares with `verdict`. */
export function compare(pairs: Array<{ filters: readonly Uint8Array[]; call: Call; verdict: SeccompResult; what: string }>): number {
  const h = harness!;
  const usable = pairs.filter((p) => p.call.abi === 'x86_64' || h.i386);
  const calls = [...new Map(usable.map((p) => [request(p.call, []), p.call])).entries()];
  const baselineAnswers = h.run(calls.map(([req]) => req));
  const baseline = new Map(calls.map(([req], n) => [req, baselineAnswers[n]!]));
  const answers = h.run(usable.map((p) => request(p.call, p.filters)));
  usable.forEach((p, n) => {
    expect(answers[n], `${p.what}: our verdict ${p.verdict.text}`).toBe(meaning(p.verdict, p.call, baseline.get(request(p.call, []))!));
  });
  return usable.length;
}

