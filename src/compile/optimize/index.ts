/**
 * The classic BPF optimizer: `optimizeClassic` rewrites a program into one that gives the same
 * verdict on every packet, under Linux's and libpcap's semantics alike (a load past the end of
 * the packet still ends the filter with 0), and is usually much shorter. It works on a block
 * graph (graph.ts), runs the passes below until none changes anything, and lays the blocks out
 * again (linearize.ts). Programs it cannot reason about (backward jumps, unknown codes) come
 * back unchanged, and so does any program the passes would not make shorter.
 */
import type { ClassicInsn, ClassicProgram } from '../../classic/insn.js';
import { checkClassicProgram } from '../../classic/shape.js';
import { type Graph, buildGraph } from './graph.js';
import { foldIndexOffsets } from './passes/index-offset.js';
import { reorderTestChains } from './passes/reorder.js';
import { linearize } from './linearize.js';
import { cleanupGraph } from './passes/cleanup.js';
import { removeDeadStatements } from './passes/dead.js';
import { foldDecidedTests } from './passes/fold.js';
import { foldArithmeticIntoTests } from './passes/peephole.js';
import { simplifyStatements } from './passes/simplify.js';
import { threadJumps } from './passes/thread.js';

/** Rounds of all passes before giving up on a fixed point (each round is linear-ish in the program). */
const MAX_ROUNDS = 200;

const PASSES = [
  (g: Graph) => cleanupGraph(g), simplifyStatements, foldDecidedTests, foldArithmeticIntoTests, foldIndexOffsets,
  removeDeadStatements,
];

/** The optimizer's passes, to a fixed point, on a graph (changed in place). */
function optimizeGraph(g: Graph): void {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let changed = false;
    for (const pass of PASSES) if (pass(g)) changed = true;
    // Threading goes one chain of edges at a time; it runs alone until it is done.
    for (let n = 0; n < MAX_ROUNDS && threadJumps(g); n++) { changed = true; cleanupGraph(g); }
    if (reorderTestChains(g)) changed = true;
    if (!changed && !cleanupGraph(g, true)) break;
  }
}

/**
 * A shorter program with the same verdict as `prog` on every packet, under Linux's and
 * libpcap's semantics (a load past the captured bytes still ends the filter with 0 where it
 * did). A program with backward jumps or unknown codes, or one the passes cannot shorten,
 * comes back as a copy.
 */
export function optimizeClassic(prog: ClassicProgram): ClassicInsn[] {
  checkClassicProgram('optimizeClassic', prog);
  const g = buildGraph(prog);
  if (!g) return prog.slice();
  optimizeGraph(g);
  const out = linearize(g);
  return out.length <= prog.length ? out : prog.slice();
}
