/**
 * Compares a compiled profile with the filter libseccomp builds for the same rules
 * (runc-reference.py): both programs run in our VM for every syscall number of every covered
 * arch (x32 numbers and unknown numbers too) and for argument values around every constant the
 * profile compares. With runc's ENOSYS stub, the expected verdict is libseccomp's unless the
 * number is above the largest libseccomp resolves for a name of the profile on that arch.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACTION_VALUES } from '../../src/seccomp/actions.js';
import { type SeccompArch, X32_SYSCALL_BIT } from '../../src/seccomp/arch.js';
import { loadSeccompFilter, type SeccompFilter } from '../../src/seccomp/filter.js';
import { compileSeccompProfile } from '../../src/seccomp/profile/compile.js';
import { scmpArchName } from '../../src/seccomp/profile/resolve.js';
import { syscallNumber, syscallTable } from '../../src/seccomp/syscalls/index.js';
import { pySeccomp } from './libseccomp.js';

const REFERENCE = readFileSync(join(import.meta.dirname, 'runc-reference.py'), 'utf8');

export interface JsonProfile {
  syscalls: Array<{
    names?: string[]; args?: Array<{ index: number; value?: number; valueTwo?: number; op: string }>; [k: string]: unknown;
  }>;
  [k: string]: unknown;
}

export interface CompareCase { profile: JsonProfile; host: string; caps: readonly string[]; kernel?: [number, number, number] }

export type Reference =
  | { bpf: string; unknown: string[]; largest: Record<string, number>; missing: Record<string, string[]> }
  | { error: string };

const GOARCH: Record<string, string> = {
  x86_64: 'amd64', aarch64: 'arm64', s390x: 's390x', ppc64le: 'ppc64le', riscv64: 'riscv64', i386: '386', arm: 'arm',
};
const SCMP_HOST: Record<string, string> = { i386: 'SCMP_ARCH_X86' };

/** libseccomp's filters for the cases, in one Python run. */
export function references(cases: readonly CompareCase[]): Reference[] {
  return pySeccomp<Reference[]>(REFERENCE, cases.map((c) => ({
    profile: c.profile, host: SCMP_HOST[c.host] ?? `SCMP_ARCH_${c.host.toUpperCase()}`, goarch: GOARCH[c.host], caps: c.caps, kernel: c.kernel ?? null,
  })));
}

/** Values around each constant the profile compares on each argument, high words included. */
function argCandidates(p: JsonProfile): Map<number, bigint[]> {
  const out = new Map<number, Set<bigint>>();
  for (const s of p.syscalls) {
    for (const a of s.args ?? []) {
      const set = out.get(a.index) ?? new Set<bigint>([0n, 1n, 0xffffffffn, 0x100000000n, 0xffffffffffffffffn]);
      for (const c of [BigInt(a.value ?? 0), BigInt(a.valueTwo ?? 0), BigInt(a.value ?? 0) | BigInt(a.valueTwo ?? 0)]) {
        for (const d of [c - 1n, c, c + 1n, c | (1n << 32n), c ^ 0x10000000n]) if (d >= 0n && d < 1n << 64n) set.add(d);
      }
      out.set(a.index, set);
    }
  }
  return new Map([...out].map(([i, s]) => [i, [...s]]));
}

/** Argument vectors: each argument a profile compares takes its candidates, two arguments at a time. */
function argVectors(cands: Map<number, bigint[]>): bigint[][] {
  const idx = [...cands.keys()];
  const out: bigint[][] = [[0n, 0n, 0n, 0n, 0n, 0n]];
  for (let i = 0; i < idx.length; i++) {
    for (let j = i; j < idx.length; j++) {
      for (const x of cands.get(idx[i]!)!) {
        for (const y of i === j ? [0n] : cands.get(idx[j]!)!) {
          const v = [0n, 0n, 0n, 0n, 0n, 0n];
          v[idx[i]!] = x;
          if (i !== j) v[idx[j]!] = y;
          out.push(v);
        }
      }
    }
  }
  return out;
}

/** Every number of the arch's table, every number up to its largest (+16), and numbers no table has. */
function numbersOf(arch: SeccompArch, dense: boolean): number[] {
  const known = [...syscallTable(arch).byNumber.keys()];
  const base = arch.name === 'x32' ? X32_SYSCALL_BIT : 0;
  const max = Math.max(...known.filter((n) => n < base + 0x10000));
  const extra = [0x3ff, 0x7fffffff, 0xffffffff, 0xffffff37, 0xffffd8ac, X32_SYSCALL_BIT - 1, X32_SYSCALL_BIT, 0x80000000, 0xf0005, 0xf0006];
  if (dense) for (let n = base; n <= max + 16; n++) extra.push(n);
  return [...new Set([...known, ...extra])];
}

function stubbed(largest: Record<string, number>, arches: readonly SeccompArch[], arch: SeccompArch, nr: number): boolean {
  // runc's patchbpf: per AUDIT_ARCH, numbers above the largest the profile names are ENOSYS.
  const u = nr >>> 0;
  const limit = (name: string): number | undefined => {
    const a = arches.find((x) => x.name === name);
    return a ? largest[scmpArchName(a)] || undefined : undefined;
  };
  if (arch.name === 'x86_64' || arch.name === 'x32') {
    const max = (u & X32_SYSCALL_BIT) !== 0 ? limit('x32') : limit('x86_64');
    return max !== undefined && u > max;
  }
  const max = limit(arch.name);
  if (max === undefined) return false;
  return (arch.name === 's390x' && u === 0) || u > max;
}

const ENOSYS = (ACTION_VALUES.ERRNO | 38) >>> 0;

const swap32 = (v: number): number => (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;

/**
 * libseccomp 2.5.4 building a big-endian (s390x) filter on a little-endian machine writes the
 * return values of rules byte-swapped (ALLOW comes out as 0x0000ff7f, KILL_THREAD with data
 * 0xff7f); the default action is right. No profile returns KILL_THREAD with data, so such a
 * return is swapped back here. On an s390x machine, where runc runs, nothing is swapped.
 */
function unswapRets(f: SeccompFilter): SeccompFilter {
  const fixed = f.prog.map((i) => (i.code === 0x06 && i.k !== 0 && (i.k & 0xffff0000) === 0 ? { ...i, k: swap32(i.k) } : i));
  return fixed.some((i, n) => i !== f.prog[n]) ? loadSeccompFilter(fixed, { arch: f.arch }) : f;
}

export interface Comparison {
  checks: number;
  diffs: string[];
  /** Numbers left out: names this libseccomp lacks on that arch. */
  skipped?: number;
  ours: number;
  theirs: number;
  /** Both refused the profile (libseccomp's EEXIST). */
  refused?: boolean;
}

/** Compiles `c` (without the names libseccomp lacks) and compares every verdict with `ref`. */
export function compareWithLibseccomp(c: CompareCase, ref: Reference, opts: { dense?: boolean } = {}): Comparison {
  const opt = { arch: c.host, caps: c.caps, ...(c.kernel ? { kernel: c.kernel.join('.') } : {}) };
  if ('error' in ref) {
    let ours: string | undefined;
    try {
      compileSeccompProfile(c.profile, opt);
    } catch (e) {
      ours = (e as Error).message;
    }
    return { checks: 0, diffs: ours === undefined ? [`libseccomp refused (${ref.error}), we compiled`] : [], ours: 0, theirs: 0, refused: true };
  }
  // Names this libseccomp does not know were skipped in the reference; runc on it skips them too.
  const unknown = new Set(ref.unknown);
  const known = (names: string[] | undefined): string[] => (names ?? []).filter((x) => !unknown.has(x));
  const trimmed = { ...c.profile, syscalls: c.profile.syscalls.map((s) => ({ ...s, names: known(s.names) })) };
  const plain = compileSeccompProfile(trimmed, { ...opt, enosysStub: false });
  const withStub = compileSeccompProfile(trimmed, opt);
  // libseccomp exports s390x filters big-endian.
  const theirs = unswapRets(loadSeccompFilter(Buffer.from(ref.bpf, 'hex'), { endian: c.host === 's390x' ? 'big' : 'little' }));
  const vectors = argVectors(argCandidates(c.profile));
  // runc adds no stub where the default lets calls run (ALLOW, LOG, TRACE).
  const stubApplies = !['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'].includes(c.profile.defaultAction as string);
  const conditional = new Set(c.profile.syscalls.filter((s) => (s.args ?? []).length > 0).flatMap((s) => s.names ?? []));
  let checks = 0;
  let skipped = 0;
  const diffs: string[] = [];
  for (const arch of plain.arches) {
    // Numbers of names libseccomp has no number for on this arch (an older table than ours).
    const older = new Set((ref.missing[scmpArchName(arch)] ?? []).map((x) => syscallNumber(arch, x)).filter((x) => x !== undefined));
    const condNrs = new Set([...conditional, 'socketcall', 'ipc'].map((x) => syscallNumber(arch, x)).filter((x) => x !== undefined));
    for (const nr of numbersOf(arch, opts.dense ?? true)) {
      if (older.has(nr)) {
        skipped++;
        continue;
      }
      for (const full of condNrs.has(nr) ? vectors : [vectors[0]!]) {
        // A 32-bit arch's registers hold the low halves.
        const args = arch.bits === 32 ? full.map((a) => a & 0xffffffffn) : full;
        const q = { arch, syscall: nr | 0, args };
        const want = theirs.evaluate(q).value;
        const ours = plain.evaluate(q).value;
        const stubWant = stubApplies && stubbed(ref.largest, plain.arches, arch, nr) ? ENOSYS : want;
        const stubOurs = withStub.evaluate(q).value;
        checks++;
        if ((ours !== want || stubOurs !== stubWant) && diffs.length < 10) {
          diffs.push(`${arch.name} nr=${nr} args=${args.map((a) => a.toString(16))}: libseccomp ${want.toString(16)} ours ${ours.toString(16)}; `
            + `with stub want ${stubWant.toString(16)} ours ${stubOurs.toString(16)}`);
        }
      }
    }
  }
  return { checks, diffs, skipped, ours: withStub.prog.length, theirs: theirs.prog.length };
}
