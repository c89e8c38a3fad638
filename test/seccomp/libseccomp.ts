/**
 * Access to libseccomp through its Python bindings (Debian's python3-seccomp), the outside
 * truth for syscall numbers, arch values and generated filters. The bindings are installed
 * for the system interpreter, which may not be the first python3 on PATH.
 */
import { spawnSync } from 'node:child_process';

const CANDIDATES = ['python3', '/usr/bin/python3'];

function findPython(): string | undefined {
  for (const py of CANDIDATES) {
    const r = spawnSync(py, ['-c', 'import seccomp'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return undefined;
}

/** A python3 that can `import seccomp`, or undefined. */
export const SECCOMP_PYTHON = findPython();
export const NO_PYSECCOMP = 'python3-seccomp (libseccomp Python bindings) is not installed';

/** Runs a Python script with the bindings and parses the JSON it prints. */
export function pySeccomp<T>(script: string, input?: unknown): T {
  if (!SECCOMP_PYTHON) throw new Error(NO_PYSECCOMP);
  const r = spawnSync(SECCOMP_PYTHON, ['-c', script], {
    encoding: 'utf8', input: input === undefined ? '' : JSON.stringify(input), maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** libseccomp's Arch member for each of our arch names it knows. */
export const LIBSECCOMP_ARCH: Readonly<Record<string, string>> = {
  x86_64: 'X86_64', x32: 'X32', i386: 'X86', aarch64: 'AARCH64', arm: 'ARM', riscv64: 'RISCV64',
  ppc64le: 'PPC64LE', s390x: 'S390X',
};
