/**
 * The optimizer on random classic programs (test/classic/arbitrary.ts: all 49 forms, ancillary
 * and negative-offset loads, scratch memory) and random packets: the optimized program gives
 * the original's result under Linux's semantics and under libpcap's, never grows, and passes
 * Linux's checker when the original does. The packets are short often enough that loads fail.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClassicProgram } from '../../src/classic/insn.js';
import { execClassic } from '../../src/classic/interp.js';
import { findClassicViolations } from '../../src/classic/check.js';
import { optimizeClassic } from '../../src/compile/optimize/index.js';
import { arbClassicProgram, arbPacket, arbSkbMeta } from '../classic/arbitrary.js';

/** A fixed random sequence per run, so SKF_AD_RANDOM gives both programs the same numbers. */
function counter(): () => number {
  let n = 0;
  return () => Math.imul(++n, 0x9e3779b1) >>> 0;
}

function runBoth(prog: ClassicProgram, pkt: Uint8Array, meta: ReturnType<typeof Object>, semantics: 'linux' | 'libpcap'): number {
  return execClassic(prog, pkt, meta as never, { semantics, random: counter(), auxData: true }).ret;
}

describe('optimizeClassic on random programs', () => {
  it('keeps every result, under both semantics, and never grows', () => {
    fc.assert(
      fc.property(
        arbClassicProgram({ maxLength: 40 }),
        fc.array(fc.tuple(arbPacket({ maxLength: 80 }), arbSkbMeta()), { minLength: 6, maxLength: 6 }),
        (prog, inputs) => {
          const opt = optimizeClassic(prog);
          expect(opt.length).toBeLessThanOrEqual(prog.length);
          if (findClassicViolations(prog).length === 0) expect(findClassicViolations(opt)).toEqual([]);
          for (const [p, m] of inputs) {
            const meta = { ...m, len: p.wirelen };
            for (const sem of ['linux', 'libpcap'] as const) {
              expect(runBoth(opt, p.bytes, meta, sem), sem).toBe(runBoth(prog, p.bytes, meta, sem));
            }
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('keeps every result of programs made of packet tests (the shape libpcap emits)', () => {
    fc.assert(
      fc.property(
        arbClassicProgram({ maxLength: 60, ancillary: false, negativeOffsets: false, packetSpan: 24 }),
        fc.array(arbPacket({ maxLength: 32 }), { minLength: 8, maxLength: 8 }),
        (prog, pkts) => {
          const opt = optimizeClassic(prog);
          for (const p of pkts) {
            const meta = { len: p.wirelen } as never;
            for (const sem of ['linux', 'libpcap'] as const) {
              expect(execClassic(opt, p.bytes, undefined, { semantics: sem }).ret, sem).toBe(execClassic(prog, p.bytes, undefined, { semantics: sem }).ret);
            }
            void meta;
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
