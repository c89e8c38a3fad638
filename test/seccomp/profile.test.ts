/**
 * compileSeccompProfile against libseccomp on real profiles (moby's default, Podman's
 * containers-common, a Kubernetes example) under several capability sets, kernels and hosts;
 * see profile-compare.ts for what is compared.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCKER_DEFAULT_CAPS } from '../../src/seccomp/profile/resolve.js';
import { NO_PYSECCOMP, SECCOMP_PYTHON } from './libseccomp.js';
import { type CompareCase, type JsonProfile, compareWithLibseccomp, references } from './profile-compare.js';

const PROFILES = join(import.meta.dirname, '../../fixtures/seccomp/profiles');
const profile = (name: string): JsonProfile => JSON.parse(readFileSync(join(PROFILES, `${name}.json`), 'utf8')) as JsonProfile;

const ADMIN = [...DOCKER_DEFAULT_CAPS, 'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_SYS_MODULE', 'CAP_SYS_TIME', 'CAP_SYS_NICE', 'CAP_BPF'];
const capsName = (caps: readonly string[]): string =>
  caps === DOCKER_DEFAULT_CAPS ? 'Docker\'s default caps' : caps.length === 0 ? 'no caps' : caps === ADMIN ? 'default caps + admin' : caps.join(',');

const CASES: Array<{ name: string; host: string; caps: readonly string[]; kernel?: [number, number, number] }> = [
  { name: 'moby-default', host: 'x86_64', caps: DOCKER_DEFAULT_CAPS },
  { name: 'moby-default', host: 'x86_64', caps: ADMIN },
  { name: 'moby-default', host: 'x86_64', caps: [], kernel: [4, 4, 0] },
  { name: 'moby-default', host: 'aarch64', caps: DOCKER_DEFAULT_CAPS },
  { name: 'moby-default', host: 's390x', caps: DOCKER_DEFAULT_CAPS },
  { name: 'moby-default', host: 'ppc64le', caps: ADMIN },
  { name: 'moby-default', host: 'riscv64', caps: DOCKER_DEFAULT_CAPS },
  { name: 'moby-default-20.10', host: 'x86_64', caps: DOCKER_DEFAULT_CAPS },
  { name: 'moby-default-20.10', host: 'x86_64', caps: ADMIN },
  { name: 'podman-containers-common', host: 'x86_64', caps: DOCKER_DEFAULT_CAPS },
  { name: 'podman-containers-common', host: 'x86_64', caps: [] },
  { name: 'podman-containers-common', host: 'x86_64', caps: ADMIN },
  { name: 'podman-containers-common', host: 'aarch64', caps: [] },
  { name: 'kubernetes-fine-grained', host: 'x86_64', caps: DOCKER_DEFAULT_CAPS },
];

describe.skipIf(!SECCOMP_PYTHON)(`profiles compiled as libseccomp builds them for runc${SECCOMP_PYTHON ? '' : ` (skipped: ${NO_PYSECCOMP})`}`, () => {
  const cases: CompareCase[] = CASES.map((c) => ({
    profile: profile(c.name), host: c.host, caps: c.caps, ...(c.kernel ? { kernel: c.kernel } : {}),
  }));
  const refs = SECCOMP_PYTHON ? references(cases) : [];

  CASES.forEach((c, n) => {
    it(`${c.name} on ${c.host}, ${capsName(c.caps)}${c.kernel ? `, kernel ${c.kernel.join('.')}` : ''}`, () => {
      const r = compareWithLibseccomp(cases[n]!, refs[n]!);
      expect(r.refused).toBeUndefined();
      expect(r.diffs).toEqual([]);
      expect(r.checks).toBeGreaterThan(1000);
      expect(r.skipped).toBeLessThan(40);
      console.log(`${c.name}/${c.host}/${capsName(c.caps)}: ${r.checks} verdicts equal, ${r.skipped} numbers skipped (${r.ours} instructions; libseccomp ${r.theirs})`);
    }, 120_000);
  });
});
