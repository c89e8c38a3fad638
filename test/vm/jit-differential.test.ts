/**
 * The JIT against the interpreter on random internal programs (test/vm/jit-arbitrary.ts):
 * straight-line and branching code, loops with budgets small enough to run out, local
 * calls down to the frame limit, faulting accesses and helpers that stop or throw. Both
 * engines must return the same R0 and steps, fail with the same VmError text, and leave
 * the same bytes in caller memory and the context. fast-check prints the seed of a failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutate, mutationArb } from './verifier-arbitrary.js';
import { arbEbpfProgram, arbPacketLoadProgram, testHelpers } from './jit-arbitrary.js';
import { compareEngines, runInputArb } from './jit-compare.js';
import { runs } from '../runs.js';

const inputs = fc.array(runInputArb, { minLength: 1, maxLength: 4 });

/**
 * Both engines on `runs`, plus the first packet cut right at, before and after the end of
 * every absolute packet load (where a bounds check the JIT proved redundant, or not, matters).
 */
function agree(prog: Parameters<typeof compareEngines>[0], runs: Parameters<typeof compareEngines>[1], budget?: number): void {
  const all = [...runs];
  const first = runs[0]!;
  const ends = new Set(prog.filter((i) => (i.code & 0xe7) === 0x20 && i.imm >= 0 && i.imm < 0x10000)
    .map((i) => i.imm + (i.code === 0x20 ? 4 : i.code === 0x28 ? 2 : 1)));
  for (const end of [...ends].slice(0, 6)) {
    for (const len of [end - 1, end, end + 1]) {
      if (len >= 0 && first.start + len <= first.pkt.length) all.push({ ...first, len });
    }
  }
  const diff = compareEngines(prog, all, testHelpers, budget);
  if (diff !== null) expect.fail(diff);
}

describe('JIT vs interpreter on random internal programs', () => {
  it('forward-only programs (the structured layout)', () => {
    fc.assert(fc.property(arbEbpfProgram(), inputs, (prog, runs) => agree(prog, runs)), { numRuns: runs(3000) });
  });

  it('programs with counted loops, under random budgets (the dispatch loop)', () => {
    const budget = fc.option(fc.integer({ min: 1, max: 2500 }), { freq: 2 });
    fc.assert(
      fc.property(arbEbpfProgram({ loops: true }), inputs, budget, (prog, runs, b) => agree(prog, runs, b ?? undefined)),
      { numRuns: runs(1500) },
    );
  });

  it('programs with BPF-to-BPF calls, recursion included', () => {
    fc.assert(
      fc.property(arbEbpfProgram({ localCalls: true, maxSlots: 12 }), inputs, (prog, runs) => agree(prog, runs)),
      { numRuns: runs(1500) },
    );
  });

  it('forward-only programs with budgets below their length', () => {
    fc.assert(
      fc.property(arbEbpfProgram(), inputs, fc.integer({ min: 1, max: 40 }), (prog, runs, b) => agree(prog, runs, b)),
      { numRuns: runs(800) },
    );
  });

  it('packet loads at nearby offsets, over a packet cut at every length (bounds checks dropped or kept)', () => {
    const pkt = Uint8Array.from({ length: 32 }, (_, n) => (n * 73 + 5) & 0xff);
    const cuts = Array.from({ length: 27 }, (_, len) => ({ mem: null, ctx: new Uint8Array(0), pkt, start: 2, len, netOff: -1 }));
    fc.assert(fc.property(arbPacketLoadProgram(), (prog) => {
      const diff = compareEngines(prog, cuts, testHelpers);
      if (diff !== null) expect.fail(diff);
    }), { numRuns: runs(2000) });
  });

  it('mutated programs: both refuse the same way, or both run alike', () => {
    const mutations = fc.array(mutationArb, { minLength: 1, maxLength: 3 });
    fc.assert(fc.property(arbEbpfProgram({ maxSlots: 10 }), mutations, inputs, (prog, ms, runs) => {
      agree(ms.reduce((p, m) => mutate(p, m), prog), runs);
    }), { numRuns: runs(1500) });
  });
});
