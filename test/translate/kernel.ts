/**
 * The running kernel as an oracle: builds test/native/bpf_load.c into a temporary
 * directory and asks bpf(BPF_PROG_LOAD) (and BPF_PROG_TEST_RUN) about our programs.
 * `kernelUnavailable` says why the kernel tests must skip (no cc, or bpf() refused).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('../native/bpf_load.c', import.meta.url));

export interface LoadResult {
  ok: boolean;
  /** "ok N" or "rejected ERRNO" plus the verifier log. */
  log: string;
}

export interface RunJob {
  prog: Uint8Array;
  packets: readonly Uint8Array[];
}

export interface KernelOracle {
  load(bytes: Uint8Array): LoadResult;
  /** Loads, then runs once per packet; each entry is the return value or `error E...`. */
  run(bytes: Uint8Array, packets: readonly Uint8Array[]): Array<number | string>;
  /** Many loads in one harness process. */
  loadMany(programs: readonly Uint8Array[]): LoadResult[];
  /** Many programs and their packets in one harness process; a refused load throws. */
  runMany(jobs: readonly RunJob[]): Array<Array<number | string>>;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function build(): { oracle?: KernelOracle; why?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-bpf-load-'));
  const bin = join(dir, 'bpf_load');
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  try {
    execFileSync('cc', ['-O2', '-o', bin, SOURCE], { stdio: 'pipe' });
  } catch (e) {
    return { why: `cannot compile test/native/bpf_load.c with cc: ${(e as Error).message.split('\n')[0]}` };
  }
  const probe = spawnSync(bin, ['--probe'], { encoding: 'utf8' });
  if (probe.status !== 0) return { why: `bpf(BPF_PROG_LOAD) unavailable: ${probe.stderr.trim() || `exit ${probe.status}`}` };

  /** Runs one `--stream` session and returns its answer lines. */
  const session = (commands: string[]): string[] => {
    const r = spawnSync(bin, ['--stream'], { input: `${commands.join('\n')}\n`, encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`bpf_load --stream failed (exit ${r.status}): ${r.stderr}`);
    return r.stdout.split('\n');
  };
  /** Reads one load answer starting at lines[at]; returns it and the index after it. */
  const loadAnswer = (lines: string[], at: number): [LoadResult, number] => {
    const head = lines[at]!;
    const log: string[] = [head];
    let n = at + 1;
    while (lines[n] !== '.') log.push(lines[n++]!.replace(/^\| /, ''));
    return [{ ok: head.startsWith('ok'), log: log.join('\n') }, n + 1];
  };
  const runValue = (l: string): number | string => (/^\d+$/.test(l) ? Number(l) : l);

  const oracle: KernelOracle = {
    loadMany(programs) {
      const lines = session(programs.map((p) => `load ${hex(p)}`));
      const out: LoadResult[] = [];
      let at = 0;
      for (let n = 0; n < programs.length; n++) {
        const [res, next] = loadAnswer(lines, at);
        out.push(res);
        at = next;
      }
      return out;
    },
    runMany(jobs) {
      const lines = session(jobs.flatMap((j) => [`load ${hex(j.prog)}`, ...j.packets.map((p) => `run ${hex(p)}`)]));
      let at = 0;
      return jobs.map((j, n) => {
        const [res, next] = loadAnswer(lines, at);
        if (!res.ok) throw new Error(`job ${n}: the kernel refused the program:\n${res.log}`);
        at = next + j.packets.length;
        return lines.slice(next, at).map(runValue);
      });
    },
    load: (bytes) => oracle.loadMany([bytes])[0]!,
    run: (bytes, packets) => oracle.runMany([{ prog: bytes, packets }])[0]!,
  };
  return { oracle };
}

const built = build();
export const kernel: KernelOracle | undefined = built.oracle;
export const kernelUnavailable: string | undefined = built.why;
if (kernelUnavailable) console.warn(`kernel tests skipped: ${kernelUnavailable}`);
