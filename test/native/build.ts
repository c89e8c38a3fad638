/**
 * Builds a C harness of test/native/ with the system's cc into a fresh temporary directory,
 * or says why it cannot be built so the tests that need it skip with that reason. Probing
 * what the harness needs at run time (bpf(), seccomp, ...) is the caller's job.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

const dirs: string[] = [];
const removeDirs = (): void => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
};
// vitest ends its workers with SIGTERM, so 'exit' alone would leave the builds behind. This
// module is evaluated again for each test file (vitest isolates them), while that file is
// collected: the hook runs when the file's tests are done.
afterAll(removeDirs);
process.on('exit', removeDirs);

export type HarnessBuild = { path: string } | { skip: string };

export interface HarnessOptions {
  /** Compiler flags before the source (default -O1). */
  cflags?: readonly string[];
  /** What follows the source: libraries (-lpcap) or archives. */
  libs?: readonly string[];
  /** Added to the reason when the compiler fails, e.g. 'is libpcap-dev installed?'. */
  hint?: string;
}

/** `cc CFLAGS -o DIR/NAME test/native/NAME.c LIBS` in a new temporary directory. */
export function buildHarness(name: string, options: HarnessOptions = {}): HarnessBuild {
  const source = fileURLToPath(new URL(`${name}.c`, import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), `cbpf2ebpf-${name}-`));
  dirs.push(dir);
  const path = join(dir, name);
  const r = spawnSync('cc', [...(options.cflags ?? ['-O1']), '-o', path, source, ...(options.libs ?? [])], { encoding: 'utf8' });
  if (r.error) return { skip: `cc is not available (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` };
  if (r.status !== 0) {
    const stderr = r.stderr ?? '';
    const first = stderr.split('\n').find((l) => /error/.test(l)) ?? stderr.trim().split('\n')[0];
    return { skip: `cannot build test/native/${name}.c${options.hint ? `; ${options.hint}` : ''} (${first})` };
  }
  return { path };
}
