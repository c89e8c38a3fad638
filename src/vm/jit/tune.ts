/**
 * V8 inlines a function into its caller only when its bytecode is small (460 bytes by
 * default, 920 per caller in total). A compiled filter of more than about 15 classic
 * instructions is larger, so a replay loop would pay a call per packet (3-5 ns, as much as
 * the filter itself) instead of running the filter inline. raiseInliningBudget() lifts
 * both limits, process-wide; it only changes which calls V8's optimiser inlines, never what
 * code does. Call it once, early, in a process whose hot loop runs compiled programs
 * (the CLI does); calling it again is harmless.
 */
import { setFlagsFromString } from 'node:v8';
import { checkInteger } from '../../args.js';

/** Default budget: a 40-instruction classic filter compiles to about 1.5 KB of bytecode. */
export const JIT_INLINING_BUDGET = 4000;

export function raiseInliningBudget(bytes: number = JIT_INLINING_BUDGET): void {
  // V8's own limit is the floor; the flag is a C int.
  checkInteger('raiseInliningBudget', 'bytes', bytes, 460, 0x7fffffff);
  setFlagsFromString(`--max-inlined-bytecode-size=${bytes}`);
  setFlagsFromString(`--max-inlined-bytecode-size-cumulative=${2 * bytes}`);
}
