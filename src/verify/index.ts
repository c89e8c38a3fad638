/**
 * Our verifier for internal BPF programs, in two steps: the control-flow check (cfg.ts),
 * then the walk over every path (check.ts). It is stricter than Linux's in places (no loops
 * unless asked for, and then only loops a known counter ends,
 * no variable pointer offsets, no reads of uninitialised stack even for root) so that what it
 * accepts our VM can run without bounds checks on registers it has proven.
 */
import { argFail, checkArray, checkInteger, checkOneOf, checkOptions, optFunction, optInteger, optOneOf } from '../args.js';
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
  return verify('verifyProgram', prog, opts);
}

/**
 * The options, checked (ArgumentError from `fn`). A caller's helper lookup is checked as it
 * answers: a signature must say how many argument registers (0 to 5) the helper reads.
 */
function checkVerifyOptions(fn: string, opts: VerifyOptions | undefined) {
  const o = checkOptions(fn, 'opts', opts);
  const ctx = o.ctx ?? 'skb';
  if (typeof ctx === 'object' && ctx !== null && !Array.isArray(ctx)) {
    checkInteger(fn, 'opts.ctx.size', ctx.size, 0, 0x7fffffff);
  } else {
    checkOneOf(fn, 'opts.ctx', ctx, ['skb', 'seccomp'] as const);
  }
  const lookup = optFunction<(id: number) => unknown>(fn, 'opts.helpers', o.helpers);
  const helpers = lookup === undefined ? helperInfo : (id: number): HelperSignature | undefined => {
    const h = lookup(id);
    if (h !== undefined) {
      if (typeof h !== 'object' || h === null) argFail(fn, `opts.helpers(${id})`, 'undefined or a signature {args}', h);
      checkInteger(fn, `opts.helpers(${id}).args`, (h as HelperSignature).args, 0, 5);
    }
    return h as HelperSignature | undefined;
  };
  return {
    ctx,
    helpers: helpers as (id: number) => (HelperSignature & { name?: string }) | undefined,
    maxInsns: optInteger(fn, 'opts.maxInsns', o.maxInsns, 1, Number.MAX_SAFE_INTEGER, BPF_COMPLEXITY_LIMIT_INSNS),
    maxProcessed: optInteger(fn, 'opts.maxProcessed', o.maxProcessed, 1, Number.MAX_SAFE_INTEGER, BPF_COMPLEXITY_LIMIT_INSNS),
    loops: optOneOf(fn, 'opts.loops', o.loops, ['refuse', 'bounded'], 'refuse'),
  };
}

function verify(fn: string, prog: readonly Insn[], opts: VerifyOptions | undefined): VerifyResult {
  checkArray(fn, 'prog', prog);
  const { ctx, helpers, maxInsns, maxProcessed, loops } = checkVerifyOptions(fn, opts);
  let cfg;
  try {
    cfg = buildCfg(prog, maxInsns, (id) => helpers(id) !== undefined, loops === 'bounded');
  } catch (e) {
    if (e instanceof VerifyError) return { ok: false, error: e, insnsProcessed: 0, states: 0 };
    throw e;
  }
  const use = stackUse(prog, cfg);
  const live = computeLiveness(prog, cfg, use, (id) => helpers(id)?.args ?? 0);
  const { stats, error } = walkPaths({
    prog, cfg, live, ctx, helpers,
    layout: new StateLayout(use.depth),
    maxProcessed,
  });
  return error ? { ok: false, error, ...stats } : { ok: true, ...stats };
}

/** Verifies `prog` and throws its first violation as a VerifyError (exit code 65 in the CLI). */
export function assertVerified(prog: readonly Insn[], opts: VerifyOptions = {}): { insnsProcessed: number; states: number } {
  const r = verify('assertVerified', prog, opts);
  if (!r.ok) throw r.error;
  return { insnsProcessed: r.insnsProcessed, states: r.states };
}
