/**
 * Running the `cbpf2ebpf` command from tests: in process through main() with stdout and
 * stderr captured (fast, and exceptions surface as test failures), or through the built
 * launcher bin/cbpf2ebpf as a child process (stdin, pipes and the real exit status).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface MainRun<Out> {
  /** What main() returned: the exit status the launcher would set. */
  code: number;
  stdout: Out;
  stderr: string;
}

/** How runMain hands back stdout: UTF-8 text (the default), latin1 text, or the bytes. */
export type StdoutAs = 'utf8' | 'latin1' | 'bytes';

/**
 * Runs main(args) with process.stdout/stderr captured for this call only, and restores them
 * after. `stdoutWrites` counts the writes to stdout, so a test can tell "printed nothing at
 * all" from "printed empty text".
 */
export async function runMain(args: string[]): Promise<MainRun<string> & { stdoutWrites: number }>;
export async function runMain(args: string[], stdoutAs: 'utf8' | 'latin1'): Promise<MainRun<string> & { stdoutWrites: number }>;
export async function runMain(args: string[], stdoutAs: 'bytes'): Promise<MainRun<Buffer> & { stdoutWrites: number }>;
export async function runMain(args: string[], stdoutAs: StdoutAs = 'utf8'): Promise<MainRun<string | Buffer> & { stdoutWrites: number }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  // Calls the write's callback as a stream would: main() waits for stdout to take everything.
  const capture = (into: Buffer[]) => (chunk: string | Uint8Array, encOrDone?: unknown, done?: unknown): boolean => {
    into.push(Buffer.from(chunk));
    const callback = typeof encOrDone === 'function' ? encOrDone : done;
    if (typeof callback === 'function') queueMicrotask(() => (callback as () => void)());
    return true;
  };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture(out));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture(err));
  let code: number;
  try {
    code = await main(args);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  const bytes = Buffer.concat(out);
  return {
    code,
    stdout: stdoutAs === 'bytes' ? bytes : bytes.toString(stdoutAs),
    stderr: Buffer.concat(err).toString(),
    stdoutWrites: out.length,
  };
}

/**
 * The launcher; it runs the bundle dist/cbpf2ebpf.cjs, which `npm test` builds first
 * (`npm run build`: tsc, then esbuild).
 */
export const launcher = join(root, 'bin/cbpf2ebpf');
export const bundle = join(root, 'dist/cbpf2ebpf.cjs');

/** The suffix for the name of a launcher test that skips because dist/ is not built. */
export const notBuiltNote = (built: boolean): string => (built ? '' : ' (skipped: dist/ not built)');

/**
 * Whether the launcher can run `command` (src/cli/commands/<command>.ts) from the bundle;
 * when not, says on the console which tests skip and how to build. A bundle older than the
 * compiled modules would test old code, so that is an error, not a skip.
 */
export function launcherBuilt(command: string): boolean {
  const modules = join(root, 'dist/cli/main.js');
  const built = existsSync(bundle) && existsSync(join(root, `dist/cli/commands/${command}.js`));
  if (!built) {
    console.warn(`skipping the bin/cbpf2ebpf ${command} tests: dist/ is not built (run \`npm run build\`)`);
    return false;
  }
  if (statSync(bundle).mtimeMs < statSync(modules).mtimeMs) {
    throw new Error('dist/cbpf2ebpf.cjs is older than dist/cli/main.js: run `npm run build` (tsc alone does not bundle)');
  }
  return true;
}

export interface BinOptions {
  /** What the child reads on stdin (nothing when absent). */
  input?: string | Uint8Array;
  /** Run the launcher file itself (its #! line) rather than `node launcher`. */
  direct?: boolean;
}

const commandLine = (args: string[], direct = false): [string, string[]] =>
  direct ? [launcher, args] : [process.execPath, [launcher, ...args]];

/** Runs bin/cbpf2ebpf with `args`; stdout and stderr come back as UTF-8 text. */
export function runBin(args: string[], options: BinOptions = {}): SpawnSyncReturns<string> {
  const [file, argv] = commandLine(args, options.direct);
  return spawnSync(file, argv, { input: options.input, encoding: 'utf8' });
}

/** runBin with stdout and stderr as bytes. */
export function runBinBytes(args: string[], options: BinOptions = {}): SpawnSyncReturns<Buffer> {
  const [file, argv] = commandLine(args, options.direct);
  return spawnSync(file, argv, { input: options.input, encoding: 'buffer' });
}
