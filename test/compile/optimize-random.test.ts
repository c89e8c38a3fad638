/**
 * The optimizer on random classic programs (test/classic/arbitrary.ts: all 49 forms, ancillary
 * and negative-offset loads, scratch memory) and random packets: the optimized program gives
 * the original's result under Linux's semantics and under libpcap's, never grows, and passes
 * Linux's checker when the original does. The packets are short often enough that loads fail.
 * Then the edges: programs it leaves alone, a fold to one return, arguments it refuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClassicInsn, type ClassicProgram, insn } from '../../src/classic/insn.js';
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

/**
 * Programs shaped like compiled filters: blocks of an optional load of a few packet bytes
 * (absolute, or X-indexed after `ldxb 4*([k]&0xf)`) and one test against a few constants, jumping
 * forward to other blocks or to a handful of returns; so repeated loads, decided tests, or/and
 * chains and shared tails come up all the time.
 */
const arbTestChain: fc.Arbitrary<ClassicInsn[]> = fc.array(
  fc.record({
    load: fc.nat({ max: 9 }),
    at: fc.nat({ max: 12 }),
    op: fc.constantFrom(0x15, 0x25, 0x35, 0x45),
    k: fc.constantFrom(0, 1, 2, 4, 0x45, 0x80, 0x0800, 0xffff),
    jt: fc.nat({ max: 30 }),
    jf: fc.nat({ max: 30 }),
  }),
  { minLength: 2, maxLength: 14 },
).chain((blocks) => fc.array(fc.constantFrom(0, 1, 0xffff), { minLength: 3, maxLength: 3 }).map((rets) => {
  // Each block is 2 or 3 instructions; lay them out, then aim jumps at block starts or returns.
  const starts: number[] = [];
  let pc = 0;
  for (const b of blocks) { starts.push(pc); pc += b.load < 2 ? 1 : b.load === 9 ? 3 : 2; }
  const retAt = [pc, pc + 1, pc + 2, pc + 3];
  const prog: ClassicInsn[] = [];
  blocks.forEach((b, n) => {
    if (b.load === 9) prog.push(insn(0xb1, 0, 0, b.at), insn(0x48, 0, 0, b.at)); // ldxb 4*([at]&0xf); ldh [x + at]
    else if (b.load >= 2) prog.push(insn([0x30, 0x28, 0x20, 0x50][b.load % 4]!, 0, 0, b.at));
    const here = prog.length;
    const later = [...starts.slice(n + 1), ...retAt];
    const t = later[b.jt % later.length]! - here - 1;
    const f = later[b.jf % later.length]! - here - 1;
    prog.push(insn(b.op, t, f, b.k));
  });
  prog.push(insn(0x06, 0, 0, rets[0]!), insn(0x06, 0, 0, rets[1]!), insn(0x06, 0, 0, rets[2]!), insn(0x16, 0, 0, 0));
  return prog;
}));

describe('optimizeClassic on random programs', () => {
  it('keeps every result of programs shaped like compiled filters', () => {
    fc.assert(
      fc.property(arbTestChain, fc.array(arbPacket({ maxLength: 40 }), { minLength: 12, maxLength: 12 }), (prog, pkts) => {
        const opt = optimizeClassic(prog);
        expect(findClassicViolations(opt)).toEqual([]);
        for (const p of pkts) {
          // bytes from a small set, so that the tests' constants come up
          const bytes = p.bytes.map((x) => [0, 1, 2, 4, 0x45, 0x80, 0x08, 0xff][x & 7]!);
          for (const sem of ['linux', 'libpcap'] as const) {
            const want = execClassic(prog, bytes, undefined, { semantics: sem }).ret;
            expect(execClassic(opt, bytes, undefined, { semantics: sem }).ret, sem).toBe(want);
          }
        }
      }),
      { numRuns: 4000 },
    );
  });

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
              const want = execClassic(prog, p.bytes, undefined, { semantics: sem }).ret;
              expect(execClassic(opt, p.bytes, undefined, { semantics: sem }).ret, sem).toBe(want);
            }
            void meta;
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('optimizeClassic at its edges', () => {
  it('returns programs it cannot reason about as they are', () => {
    // a backward ja (libpcap's protochain loop), a code outside the 49, a jump out of the program
    const loop = [insn(0x28, 0, 0, 12), insn(0x15, 0, 1, 0x800), insn(0x05, 0, 0, 0xfffffffd), insn(0x06, 0, 0, 0)];
    const unknown = [insn(0xff, 0, 0, 0), insn(0x06, 0, 0, 1)];
    const outside = [insn(0x15, 5, 0, 1), insn(0x06, 0, 0, 1)];
    for (const prog of [loop, unknown, outside]) {
      const out = optimizeClassic(prog);
      expect(out).toEqual(prog);
      expect(out).not.toBe(prog);
    }
  });

  it('folds a program whose every path returns the same constant', () => {
    // ld [12] may fail, but failing gives 0 as the program does anyway
    const prog = [insn(0x28, 0, 0, 12), insn(0x15, 0, 1, 0x800), insn(0x06, 0, 0, 0), insn(0x06, 0, 0, 0)];
    expect(optimizeClassic(prog)).toEqual([insn(0x06, 0, 0, 0)]);
    // ... but not when the return is another verdict: the load decides between 0 and 1
    const keep = [insn(0x28, 0, 0, 12), insn(0x15, 0, 1, 0x800), insn(0x06, 0, 0, 1), insn(0x06, 0, 0, 1)];
    expect(optimizeClassic(keep)).toEqual([insn(0x28, 0, 0, 12), insn(0x06, 0, 0, 1)]);
  });

  it('refuses what is not a classic program with an ArgumentError', () => {
    expect(() => optimizeClassic([{ code: 6, jt: 0, jf: 0, k: -1 }] as never)).toThrow(/optimizeClassic/);
    expect(() => optimizeClassic('6 0 0 0' as never)).toThrow(/optimizeClassic/);
  });
});
