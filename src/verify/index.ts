/**
 * Our verifier for internal BPF programs, in two steps: the control-flow check (cfg.ts),
 * then the walk over every path (check.ts). It is stricter than Linux's in places (no loops,
 * no variable pointer offsets, no reads of uninitialised stack even for root) so that what it
 * accepts our VM can run without bounds checks on registers it has proven.
 */
import { BPF_COMPLEXITY_LIMIT_INSNS } from '../ebpf/opcodes.js';
import type { Insn } from '../ebpf/insn.js';
import { helperInfo } from '../ebpf/helpers.js';
import { VerifyError } from '../errors.js';
import { buildCfg } from './cfg.js';
import { walkPaths } from './check.js';
import { computeLiveness, stackUse } from './liveness.js';
import type { HelperSignature, VerifyOptions, VerifyResult } from './options.js';
import { StateLayout } from './state.js';

export type { HelperSignature, VerifyContext, VerifyOptions, VerifyResult, VerifyStats } from './options.js';

/** Verifies `prog`; never throws for a bad program (the verdict is in the result). */
export function verifyProgram(prog: readonly Insn[], opts: VerifyOptions = {}): VerifyResult {
  const ctx = opts.ctx ?? 'skb';
  if (typeof ctx === 'object' && !(Number.isInteger(ctx.size) && ctx.size >= 0)) {
    throw new RangeError(`verifyProgram: memory context size must be a non-negative integer, not ${ctx.size}`);
  }
  const helpers: (id: number) => (HelperSignature & { name?: string }) | undefined = opts.helpers ?? helperInfo;
  let cfg;
  try {
    cfg = buildCfg(prog, opts.maxInsns ?? BPF_COMPLEXITY_LIMIT_INSNS, (id) => helpers(id) !== undefined);
  } catch (e) {
    if (e instanceof VerifyError) return { ok: false, error: e, insnsProcessed: 0, states: 0 };
    throw e;
  }
  const use = stackUse(prog, cfg);
  const live = computeLiveness(prog, cfg, use, (id) => helpers(id)?.args ?? 0);
  const { stats, error } = walkPaths({
    prog, cfg, live, ctx, helpers,
    layout: new StateLayout(use.depth),
    maxProcessed: opts.maxProcessed ?? BPF_COMPLEXITY_LIMIT_INSNS,
  });
  return error ? { ok: false, error, ...stats } : { ok: true, ...stats };
}

/** Verifies `prog` and throws its first violation as a VerifyError (exit code 65 in the CLI). */
export function assertVerified(prog: readonly Insn[], opts: VerifyOptions = {}): { insnsProcessed: number; states: number } {
  const r = verifyProgram(prog, opts);
  if (!r.ok) throw r.error;
  return { insnsProcessed: r.insnsProcessed, states: r.states };
}
