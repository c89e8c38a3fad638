/**
 * Which classic instructions run on some path from the first one. Classic jumps only go
 * forward, so one sweep in pc order settles it. The translator emits nothing for the others:
 * the Linux verifier rejects a program with an unreachable instruction.
 */
import { type ClassicProgram, classicSuccessors } from '../classic/insn.js';
import { TranslateError } from '../errors.js';

export function reachableClassic(prog: ClassicProgram): Uint8Array {
  const seen = new Uint8Array(prog.length);
  if (prog.length === 0) throw new TranslateError(0, 'empty program');
  seen[0] = 1;
  for (let pc = 0; pc < prog.length; pc++) {
    if (!seen[pc]) continue;
    for (const next of classicSuccessors(prog, pc)) {
      if (next >= prog.length) {
        throw new TranslateError(pc, next === pc + 1 ? 'execution runs past the last instruction' : `jump to ${next}, past the last instruction`);
      }
      seen[next] = 1;
    }
  }
  return seen;
}
