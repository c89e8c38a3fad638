/**
 * Classic -> internal BPF translation, in passes like Linux's bpf_convert_filter: find the
 * reachable classic instructions, expand each one, lay the expansions out, fix up jumps.
 * The input is assumed to have passed the classic checker (src/classic/check.ts); the
 * translator still refuses anything it cannot express rather than emit broken code.
 */
import type { ClassicProgram } from '../classic/insn.js';
import { checkProfileArgs } from '../classic/shape.js';
import type { Insn } from '../ebpf/insn.js';
import { mov32Imm, mov64Reg } from '../ebpf/insn.js';
import { isProjectHelper } from '../ebpf/helpers.js';
import { expandClassic, type Profile } from './emit.js';
import type { Expansion } from './expansion.js';
import { fixJumps, layout } from './jumps.js';
import { reachableClassic } from './reachable.js';
import { type BackwardLoops, DEFAULT_LOOP_BOUND, MAX_LOOP_BOUND, backEdgesByPc, expandBackEdge, loopCounterInit, reachableWithLoops } from './loops.js';
import { optInteger, optOneOf } from '../args.js';
import { REG_A, REG_ARG1, REG_CTX, REG_X } from './regs.js';

export type { Profile } from './emit.js';
export type { BackwardLoops } from './loops.js';

export interface TranslateOptions {
  /** 'socket' (default): packet loads and `__sk_buff`; 'seccomp': loads read `struct seccomp_data`. */
  profile?: Profile;
  /**
   * 'refuse' (default): a backward `ja` (libpcap's `protochain`) is an error, as in Linux.
   * 'bounded': each one becomes a counted jump back that the Linux verifier accepts; the
   * program should first pass checkForBoundedLoops. Socket profile only.
   */
  backwardLoops?: BackwardLoops;
  /** With 'bounded': most jumps back per run before the program returns 0; default DEFAULT_LOOP_BOUND (1024). */
  loopBound?: number;
}

export interface Translation {
  insns: Insn[];
  /** Classic pc each internal instruction came from; -1 for the prologue. */
  origin: Int32Array;
  /** Project helper ids the program calls, ascending; non-empty means Linux cannot load it. */
  projectHelpers: number[];
}

/**
 * ctx stays in callee-saved R6 for the legacy packet loads; A and X start at zero, set
 * with moves (not xor) because the verifier refuses to read an uninitialised register.
 */
function prologue(): Insn[] {
  return [mov64Reg(REG_CTX, REG_ARG1), mov32Imm(REG_A, 0), mov32Imm(REG_X, 0)];
}

export function translateClassic(prog: ClassicProgram, opts: TranslateOptions = {}): Translation {
  const profile = checkProfileArgs('translateClassic', prog, opts);
  const loops = optOneOf('translateClassic', 'opts.backwardLoops', opts.backwardLoops, ['refuse', 'bounded'], 'refuse');
  const bound = optInteger('translateClassic', 'opts.loopBound', opts.loopBound, 1, MAX_LOOP_BOUND, DEFAULT_LOOP_BOUND);
  const backEdges = loops === 'bounded' && profile === 'socket' ? backEdgesByPc(prog) : new Map();
  const reachable = backEdges.size > 0 ? reachableWithLoops(prog) : reachableClassic(prog);
  const expansions: Array<Expansion | undefined> = prog.map((i, pc) => {
    if (!reachable[pc]) return undefined;
    const back = backEdges.get(pc);
    return back ? expandBackEdge(back) : expandClassic(i, pc, profile);
  });
  const head = prologue();
  if (backEdges.size > 0) head.push(loopCounterInit(bound));
  const addrs = layout(expansions.map((e) => (e ? e.insns.length : -1)), head.length);

  const insns: Insn[] = [...head];
  const origin: number[] = head.map(() => -1);
  const helpers = new Set<number>();
  expansions.forEach((e, pc) => {
    if (!e) return;
    for (const insn of fixJumps(e, pc, addrs)) {
      insns.push(insn);
      origin.push(pc);
    }
    for (const id of e.helpers) helpers.add(id);
  });
  const projectHelpers = [...helpers].filter(isProjectHelper).sort((a, b) => a - b);
  return { insns, origin: Int32Array.from(origin), projectHelpers };
}
