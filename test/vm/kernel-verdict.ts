/**
 * The running kernel's verifier as an oracle for ours: builds test/native/bpf_load.c into a
 * temporary directory and loads programs as socket filters, either as root ("privileged")
 * or with CAP_PERFMON and CAP_SYS_ADMIN dropped from the bounding set by setpriv
 * ("restricted": CAP_BPF only). Restricted is the mode closest to our rules: it refuses
 * reads of uninitialised stack and pointers leaking into R0, as we do.
 * `kernelMissing` / `restrictedMissing` say why tests must skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeProgram } from '../../src/ebpf/encode.js';
import type { Insn } from '../../src/ebpf/insn.js';

export type KernelMode = 'privileged' | 'restricted';

export interface KernelVerdict {
  ok: boolean;
  /** The loader's answer: `ok N`, or `rejected EXXX` and the verifier log. */
  log: string;
}

const SOURCE = fileURLToPath(new URL('../native/bpf_load.c', import.meta.url));
const RESTRICT = ['--bounding-set', '-perfmon,-sys_admin'];

function setup(): { bin?: string; dir?: string; why?: string; restrictedWhy?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-verifier-oracle-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'bpf_load');
  try {
    execFileSync('cc', ['-O2', '-o', bin, SOURCE], { stdio: 'pipe' });
  } catch (e) {
    return { why: `cannot compile test/native/bpf_load.c with cc: ${(e as Error).message.split('\n')[0]}` };
  }
  const probe = spawnSync(bin, ['--probe'], { encoding: 'utf8' });
  if (probe.status !== 0) return { why: `bpf(BPF_PROG_LOAD) unavailable: ${probe.stderr.trim() || `exit ${probe.status}`}` };
  const restricted = spawnSync('setpriv', [...RESTRICT, bin, '--probe'], { encoding: 'utf8' });
  const restrictedWhy = restricted.error ? 'setpriv (util-linux) is not installed'
    : restricted.status !== 0 ? `bpf() refused without CAP_PERFMON/CAP_SYS_ADMIN: ${restricted.stderr.trim()}` : undefined;
  return { bin, dir, restrictedWhy };
}

const env = setup();
export const kernelMissing: string | undefined = env.why;
export const restrictedMissing: string | undefined = env.why ?? env.restrictedWhy;
if (kernelMissing) console.warn(`kernel verifier comparisons skipped: ${kernelMissing}`);
else if (restrictedMissing) console.warn(`restricted-mode kernel comparisons skipped: ${restrictedMissing}`);

let counter = 0;

/** Loads `prog` into the running kernel as a socket filter and returns its verdict. */
export function kernelVerdict(prog: readonly Insn[], mode: KernelMode): KernelVerdict {
  if (!env.bin || !env.dir) throw new Error(`kernel oracle unavailable: ${kernelMissing}`);
  const file = join(env.dir, `prog${counter++}.bin`);
  writeFileSync(file, encodeProgram(prog));
  const r = mode === 'privileged'
    ? spawnSync(env.bin, [file], { encoding: 'utf8', maxBuffer: 64 << 20 })
    : spawnSync('setpriv', [...RESTRICT, env.bin, file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  rmSync(file, { force: true });
  if (r.status !== 0 && r.status !== 1) throw new Error(`bpf_load failed (exit ${r.status}): ${r.stderr}`);
  return { ok: r.status === 0, log: r.stdout };
}

/** The verifier's one-line reason (the last log line that is not statistics), for messages. */
export function kernelReason(v: KernelVerdict): string {
  const lines = v.log.split('\n').filter((l) => l && !l.startsWith('processed ') && !/^\d+: /.test(l) && !/^R\d/.test(l));
  return lines[lines.length - 1] ?? v.log.split('\n')[0]!;
}
