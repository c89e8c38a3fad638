/**
 * The JIT engine: the Engine contract of src/vm/types.ts, with the program compiled once
 * into a JavaScript function (compile.ts) instead of interpreted. Same options, entry
 * state, memory regions, faults (same VmError text), steps and budget as the Interpreter.
 *
 * Two things stay with the interpreter: checked mode (registers that hold nothing are
 * unreadable) and tracing are debugging aids the JIT does not implement. `compileProgram`
 * picks the interpreter for them; the JitEngine constructor refuses them.
 */
import { checkOneOf } from '../../args.js';
import type { Program } from '../../ebpf/insn.js';
import { ArgumentError } from '../../errors.js';
import { validateEncoding } from '../../ebpf/validate.js';
import { helperCallTargets, standardHelpers, type HelperRegistry } from '../helpers.js';
import { DEFAULT_BUDGET, Interpreter, checkEngineOptions, type InterpreterOptions } from '../interp.js';
import type { Engine, ExecEnv } from '../types.js';
import { buildCfg, type Cfg } from './blocks.js';
import { compiled } from './cache.js';
import { needsBudget, type Layout, type Variant } from './compile.js';
import { JitState } from './runtime.js';

export interface JitOptions {
  /** Helpers CALL can reach; standardHelpers() by default. */
  helpers?: HelperRegistry;
  /** Executed-instruction limit per run (DEFAULT_BUDGET); exhausting it throws VmError. */
  budget?: number;
}

export class JitEngine implements Engine {
  readonly program: Program;
  /**
   * Runs the program once (the Engine contract). An own property holding this engine's
   * closure rather than a method, so that V8 can inline the compiled program into a loop
   * that calls one engine.
   */
  readonly run: (env: ExecEnv) => number;
  /** runPacket of the Engine contract; an own property like run, for the same reason. */
  readonly runPacket: (env: ExecEnv, view: DataView, start: number, len: number) => number;
  private readonly state: JitState;
  private readonly cfg: Cfg;
  private readonly budgeted: boolean;

  constructor(program: Program, opts: JitOptions & Pick<InterpreterOptions, 'checked' | 'trace'> = {}) {
    validateEncoding(program, 'JitEngine');
    checkEngineOptions('JitEngine', opts);
    if (opts.checked || opts.trace) {
      throw new ArgumentError('JitEngine', opts.checked ? 'opts.checked' : 'opts.trace',
        'is not available: the JIT has no checked mode or trace; use the interpreter for them (compileProgram does)');
    }
    this.program = program;
    const helpers = opts.helpers ?? standardHelpers();
    const budget = opts.budget ?? DEFAULT_BUDGET;
    const S = new JitState(program, helpers, budget, helperCallTargets(program, helpers));
    this.state = S;
    this.cfg = buildCfg(program);
    this.budgeted = needsBudget(this.cfg, budget);
    // The mem variant (R1 = caller memory) is compiled on its first use.
    let runMem: ((env: ExecEnv) => number) | null = null;
    const mem = (env: ExecEnv): number => {
      runMem ??= compiled(program, this.cfg, 'mem', this.budgeted).make(S, null).run;
      return runMem(env);
    };
    const bound = compiled(program, this.cfg, 'ctx', this.budgeted).make(S, mem);
    this.run = bound.run;
    this.runPacket = bound.packet!;
  }

  /** R0's upper 32 bits after the last run, unsigned. */
  get r0hi(): number {
    return this.state.out[1]! >>> 0;
  }

  /** Instructions executed by the last run. */
  get steps(): number {
    return this.state.out[0]!;
  }

  /**
   * The pc of the EXIT (or stopping helper call) that ended the last run; -1 when a failed
   * packet load ended it. seccomp maps it back to the classic RET that decided.
   */
  get exitPc(): number {
    return this.state.out[2]!;
  }

  /**
   * Whether a run may read env.ctx (a context load, a pointer the JIT cannot follow, or a
   * helper, which may read anything). When false, callers need not fill the context per packet.
   */
  get readsContext(): boolean {
    return /\bcv\b|\bview\(|\bcall\(|\bcallx\(/.test(this.source('ctx'));
  }

  /** 'structured' (straight-line code with labelled breaks) or 'switch' (a dispatch loop over blocks). */
  get layout(): Layout {
    return compiled(this.program, this.cfg, 'ctx', this.budgeted).layout;
  }

  /** The generated JavaScript of run(env)'s body, or of runPacket's, for inspection. */
  source(variant: Variant = 'ctx', entry: 'run' | 'packet' = 'run'): string {
    checkOneOf('source', 'variant', variant, ['ctx', 'mem']);
    checkOneOf('source', 'entry', entry, ['run', 'packet']);
    return compiled(this.program, this.cfg, variant, this.budgeted).source[entry] ?? '';
  }
}

/** The fastest engine for the options: the JIT, or the interpreter for checked mode and tracing. */
export function compileProgram(program: Program, opts: InterpreterOptions = {}): Engine {
  checkEngineOptions('compileProgram', opts);
  return opts.checked || opts.trace ? new Interpreter(program, opts) : new JitEngine(program, opts);
}
