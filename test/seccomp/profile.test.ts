/**
 * compileSeccompProfile against libseccomp: real profiles (moby's default, Podman's
 * containers-common, a Kubernetes example) under several capability sets and hosts. The
 * reference filter is built by test/seccomp/runc-reference.py with python3-seccomp, following
 * moby and runc; both programs run in our VM for every syscall number of every covered arch
 * (x32 numbers and unknown numbers too) and for argument values around every constant the
 * profile compares. With runc's ENOSYS stub, the expected verdict is libseccomp's, unless the
 * number is above the largest libseccomp resolves for a name of the profile on that arch.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTION_VALUES } from '../../src/seccomp/actions.js';
import { type SeccompArch, X32_SYSCALL_BIT } from '../../src/seccomp/arch.js';
import { loadSeccompFilter, type SeccompFilter } from '../../src/seccomp/filter.js';
import { compileSeccompProfile } from '../../src/seccomp/profile/compile.js';
import { syscallNumber, syscallTable } from '../../src/seccomp/syscalls/index.js';
import { DOCKER_DEFAULT_CAPS, scmpArchName } from '../../src/seccomp/profile/resolve.js';
import { NO_PYSECCOMP, SECCOMP_PYTHON, pySeccomp } from './libseccomp.js';

const PROFILES = join(import.meta.dirname, '../../fixtures/seccomp/profiles');
const REFERENCE = readFileSync(join(import.meta.dirname, 'runc-reference.py'), 'utf8');

interface Profile {
  syscalls: Array<{ names?: string[]; args?: Array<{ index: number; value?: number; valueTwo?: number }> }>;
  [k: string]: unknown;
}

const profile = (name: string): Profile => JSON.parse(readFileSync(join(PROFILES, `${name}.json`), 'utf8')) as Profile;

const GOARCH: Record<string, string> = { x86_64: 'amd64', aarch64: 'arm64', s390x: 's390x', ppc64le: 'ppc64le', riscv64: 'riscv64' };
const ADMIN = [...DOCKER_DEFAULT_CAPS, 'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_SYS_MODULE', 'CAP_SYS_TIME', 'CAP_SYS_NICE', 'CAP_BPF'];

interface Case { profile: string; host: string; caps: readonly string[]; kernel?: [number, number, number] }

const CASES: Case[] = [
  { profile: 'moby-default', host: 'x86_64', caps: DOCKER_DEFAULT_CAPS },
  { profile: 'moby-default', host: 'x86_64', caps: ADMIN },
  { profile: 'moby-default', host: 'x86_64', caps: [], kernel: [4, 4, 0] },
  { profile: 'moby-default', host: 'aarch64', caps: DOCKER_DEFAULT_CAPS },
  { profile: 'podman-containers-common', host: 'x86_64', caps: DOCKER_DEFAULT_CAPS },
  { profile: 'podman-containers-common', host: 'x86_64', caps: [] },
  { profile: 'podman-containers-common', host: 'x86_64', caps: ADMIN },
  { profile: 'kubernetes-fine-grained', host: 'x86_64', caps: DOCKER_DEFAULT_CAPS },
];

interface Reference { bpf: string; unknown: string[]; largest: Record<string, number> }

/** Values around each constant the profile compares on each argument, high words included. */
function argCandidates(p: Profile): Map<number, bigint[]> {
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

function numbersOf(arch: SeccompArch): number[] {
  const t = syscallTable(arch);
  const known = [...t.byNumber.keys()];
  const base = arch.name === 'x32' ? X32_SYSCALL_BIT : 0;
  const max = Math.max(...known);
  const extra = [0x3ff, 0x7fffffff, 0xffffffff, 0xffffff37, 0xffffd8ac, X32_SYSCALL_BIT - 1, X32_SYSCALL_BIT, 0x80000000];
  for (let n = base; n <= max + 16; n++) extra.push(n);
  return [...new Set([...known, ...extra])];
}

function stubbed(ref: Reference, arches: readonly SeccompArch[], arch: SeccompArch, nr: number): boolean {
  // runc's stub model, from its patchbpf: per AUDIT_ARCH, numbers above the largest are ENOSYS.
  const u = nr >>> 0;
  const limit = (a: string): number | undefined => (arches.some((x) => x.name === a) ? ref.largest[scmpArchName(arches.find((x) => x.name === a)!)] || undefined : undefined);
  if (arch.name === 'x86_64' || arch.name === 'x32') {
    const max = (u & X32_SYSCALL_BIT) !== 0 ? limit('x32') : limit('x86_64');
    return max !== undefined && u > max;
  }
  const max = limit(arch.name);
  if (max === undefined) return false;
  return (arch.name === 's390x' && u === 0) || u > max;
}

const ENOSYS = (ACTION_VALUES.ERRNO | 38) >>> 0;

describe.skipIf(!SECCOMP_PYTHON)(`profiles compiled as libseccomp builds them for runc${SECCOMP_PYTHON ? '' : ` (skipped: ${NO_PYSECCOMP})`}`, () => {
  const refs = SECCOMP_PYTHON ? pySeccomp<Reference[]>(REFERENCE, CASES.map((c) => ({
    profile: profile(c.profile), host: `SCMP_ARCH_${c.host.toUpperCase()}`, goarch: GOARCH[c.host], caps: c.caps, kernel: c.kernel ?? null,
  }))) : [];

  CASES.forEach((c, n) => {
    it(`${c.profile} on ${c.host}, caps ${c.caps.length === DOCKER_DEFAULT_CAPS.length ? 'Docker\'s default' : c.caps.length === 0 ? 'none' : 'default + admin'}${c.kernel ? `, kernel ${c.kernel.join('.')}` : ''}`, () => {
      const ref = refs[n]!;
      const p = profile(c.profile);
      // Names this libseccomp does not know were skipped in the reference; runc on it skips them too.
      const unknown = new Set(ref.unknown);
      const trimmed = { ...p, syscalls: p.syscalls.map((s) => ({ ...s, names: (s.names ?? []).filter((x) => !unknown.has(x)) })) };
      const opts = { arch: c.host, caps: c.caps, ...(c.kernel ? { kernel: c.kernel.join('.') } : {}) };
      const plain = compileSeccompProfile(trimmed, { ...opts, enosysStub: false });
      const withStub = compileSeccompProfile(trimmed, opts);
      const theirs = loadSeccompFilter(Buffer.from(ref.bpf, 'hex'));
      const cands = argCandidates(p);
      const vectors = argVectors(cands);
      const conditional = new Set(p.syscalls.filter((s) => (s.args ?? []).length > 0).flatMap((s) => s.names ?? []));
      let checks = 0;
      const diffs: string[] = [];
      for (const arch of plain.arches) {
        const condNrs = new Set([...conditional, 'socketcall', 'ipc'].map((x) => syscallNumber(arch, x)).filter((x) => x !== undefined));
        for (const nr of numbersOf(arch)) {
          for (const full of condNrs.has(nr) ? vectors : [vectors[0]!]) {
            // A 32-bit arch's registers hold the low halves.
            const args = arch.bits === 32 ? full.map((a) => a & 0xffffffffn) : full;
            const q = { arch, syscall: nr | 0, args };
            const want = theirs.evaluate(q).value;
            const ours = plain.evaluate(q).value;
            const stubWant = stubbed(ref, plain.arches, arch, nr) ? ENOSYS : want;
            const stubOurs = withStub.evaluate(q).value;
            checks++;
            if ((ours !== want || stubOurs !== stubWant) && diffs.length < 10) {
              diffs.push(`${arch.name} nr=${nr} args=${args.map((a) => a.toString(16))}: libseccomp ${want.toString(16)} ours ${ours.toString(16)}; with stub want ${stubWant.toString(16)} ours ${stubOurs.toString(16)}`);
            }
          }
        }
      }
      expect(diffs).toEqual([]);
      expect(checks).toBeGreaterThan(1000);
      // The arches covered are the host and its archMap sub-arches, and libseccomp checks the same.
      expect(plain.arches.map((a) => a.audit).sort()).toEqual([...new Set(plain.arches.map((a) => a.audit))].sort().flatMap((x) => plain.arches.filter((a) => a.audit === x).map(() => x)));
      console.log(`${c.profile}/${c.host}: ${checks} verdicts equal (${withStub.prog.length} instructions; libseccomp ${theirs.prog.length})`);
    }, 120_000);
  });
});
