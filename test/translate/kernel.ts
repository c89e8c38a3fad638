/**
 * The running kernel as an oracle: builds test/native/bpf_load.c into a temporary
 * directory and asks bpf(BPF_PROG_LOAD) (and BPF_PROG_TEST_RUN) about our programs, as root
 * ("privileged") or with CAP_PERFMON and CAP_SYS_ADMIN dropped from the bounding set by
 * setpriv ("restricted": CAP_BPF only).
 * `kernelUnavailable` (and kernelOracle(mode).why) say why the kernel tests must skip (no cc,
 * bpf() refused, no setpriv).
 */
import { spawnSync } from 'node:child_process';
import { buildHarness } from '../native/build.js';

export type KernelMode = 'privileged' | 'restricted';

/** The command line prefix that runs the loader in each mode. */
const RUN_AS: Record<KernelMode, readonly string[]> = {
  privileged: [],
  restricted: ['setpriv', '--bounding-set', '-perfmon,-sys_admin'],
};

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

/** Runs bpf_load (at `bin`) with `args` in `mode`. */
function loader(bin: string, mode: KernelMode, args: string[], input?: string) {
  const [file, ...prefix] = [...RUN_AS[mode], bin];
  return spawnSync(file!, [...prefix, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
}

/** The loader, compiled and able to load a trivial program as root. */
const loaderBuild = ((): { bin?: string; why?: string } => {
  const built = buildHarness('bpf_load', { cflags: ['-O2'] });
  if ('skip' in built) return { why: built.skip };
  const probe = loader(built.path, 'privileged', ['--probe']);
  if (probe.status !== 0) return { why: `bpf(BPF_PROG_LOAD) unavailable: ${probe.stderr.trim() || `exit ${probe.status}`}` };
  return { bin: built.path };
})();

function build(mode: KernelMode): { oracle?: KernelOracle; why?: string } {
  const bin = loaderBuild.bin;
  if (bin === undefined) return { why: loaderBuild.why! };
  if (mode === 'restricted') {
    const probe = loader(bin, mode, ['--probe']);
    if (probe.error) return { why: 'setpriv (util-linux) is not installed' };
    if (probe.status !== 0) return { why: `bpf() refused without CAP_PERFMON/CAP_SYS_ADMIN: ${probe.stderr.trim()}` };
  }

  /** Runs one `--stream` session and returns its answer lines. */
  const session = (commands: string[]): string[] => {
    const r = loader(bin, mode, ['--stream'], `${commands.join('\n')}\n`);
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

const oracles = new Map<KernelMode, { oracle?: KernelOracle; why?: string }>();

/** The kernel oracle for `mode` (built once), or why it is unavailable here. */
export function kernelOracle(mode: KernelMode): { oracle?: KernelOracle; why?: string } {
  let o = oracles.get(mode);
  if (!o) oracles.set(mode, (o = build(mode)));
  return o;
}

const privileged = kernelOracle('privileged');
export const kernel: KernelOracle | undefined = privileged.oracle;
export const kernelUnavailable: string | undefined = privileged.why;
if (kernelUnavailable) console.warn(`kernel tests skipped: ${kernelUnavailable}`);
