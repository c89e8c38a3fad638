/**
 * The running kernel's verifier as an oracle for ours: loads programs as socket filters
 * through test/translate/kernel.ts, either as root ("privileged") or with CAP_BPF only
 * ("restricted"). Restricted is the mode closest to our rules: it refuses reads of
 * uninitialised stack and pointers leaking into R0, as we do.
 * `kernelMissing` / `restrictedMissing` say why tests must skip.
 */
import { encodeProgram } from '../../src/ebpf/encode.js';
import type { Insn } from '../../src/ebpf/insn.js';
import { type KernelMode, type LoadResult, kernelOracle } from '../translate/kernel.js';

/** The loader's answer: `ok N`, or `rejected EXXX` and the verifier log. */
export type KernelVerdict = LoadResult;

export const kernelMissing: string | undefined = kernelOracle('privileged').why;
export const restrictedMissing: string | undefined = kernelOracle('restricted').why;
if (kernelMissing) console.warn(`kernel verifier comparisons skipped: ${kernelMissing}`);
else if (restrictedMissing) console.warn(`restricted-mode kernel comparisons skipped: ${restrictedMissing}`);

/** Loads `prog` into the running kernel as a socket filter and returns its verdict. */
export function kernelVerdict(prog: readonly Insn[], mode: KernelMode): KernelVerdict {
  const { oracle, why } = kernelOracle(mode);
  if (!oracle) throw new Error(`kernel oracle unavailable: ${why}`);
  return oracle.load(encodeProgram(prog));
}

/** The verifier's one-line reason (the last log line that is not statistics), for messages. */
export function kernelReason(v: KernelVerdict): string {
  const lines = v.log.split('\n').filter((l) => l && !l.startsWith('processed ') && !/^\d+: /.test(l) && !/^R\d/.test(l));
  return lines[lines.length - 1] ?? v.log.split('\n')[0]!;
}
