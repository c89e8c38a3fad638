/**
 * `--bounded-loops [--loop-bound N]`, shared by translate, replay and verify: translate
 * libpcap's backward jumps (protochain) into counted loops instead of refusing them.
 */
import type { Options } from 'yargs';
import type { ClassicProgram } from '../classic/insn.js';
import { isBackwardJa } from '../classic/loops.js';
import { CheckError, UsageError } from '../errors.js';
import { checkForLinux } from '../translate/kernel-check.js';
import { DEFAULT_LOOP_BOUND, MAX_LOOP_BOUND, checkForBoundedLoops } from '../translate/loops.js';

export const loopOptions = {
  'bounded-loops': {
    describe: "translate libpcap's backward jumps (tcpdump's protochain) into a counted loop Linux's verifier accepts, " +
      'instead of refusing them as Linux does; a packet whose walk needs more turns than the bound gets 0',
    type: 'boolean',
    default: false,
  },
  'loop-bound': {
    describe: `with --bounded-loops: most jumps back per packet (default ${DEFAULT_LOOP_BOUND})`,
    type: 'number',
  },
} satisfies Record<string, Options>;

export interface LoopArgs {
  'bounded-loops': boolean;
  'loop-bound'?: number;
}

/** The translator options the flags ask for; UsageError for a bound without the flag or out of range. */
export function loopOptionsFromArgs(argv: LoopArgs): { backwardLoops: 'refuse' | 'bounded'; loopBound?: number } {
  const bound = argv['loop-bound'];
  if (bound === undefined) return { backwardLoops: argv['bounded-loops'] ? 'bounded' : 'refuse' };
  if (!argv['bounded-loops']) throw new UsageError('--loop-bound goes with --bounded-loops');
  if (!(Number.isInteger(bound) && bound >= 1 && bound <= MAX_LOOP_BOUND)) {
    throw new UsageError(`--loop-bound must be an integer from 1 to ${MAX_LOOP_BOUND}`);
  }
  return { backwardLoops: 'bounded', loopBound: bound };
}

/**
 * The check before a translation: checkForBoundedLoops with --bounded-loops, else
 * checkForLinux, whose refusal of a backward jump then names the flag that takes it.
 */
export function checkForTranslation(prog: ClassicProgram, profile: 'socket' | 'seccomp', backwardLoops: 'refuse' | 'bounded'): void {
  if (backwardLoops === 'bounded') {
    checkForBoundedLoops(prog, { profile });
    return;
  }
  try {
    checkForLinux(prog, { profile });
  } catch (e) {
    if (!(e instanceof CheckError) || e.rule !== 'jump-out-of-range' || profile !== 'socket' || !isBackwardJa(prog[e.pc]!, e.pc)) throw e;
    throw new CheckError(e.pc, e.text, e.rule, `${e.detail}; libpcap jumps back here (tcpdump's protochain): --bounded-loops translates it into a bounded loop`);
  }
}
