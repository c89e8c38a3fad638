/**
 * indirectLoadsBelowZero: which [x + k] loads may address below the packet (X + k wraps
 * below 0 as a signed 32-bit offset). Soundness is checked on random programs run in the
 * reference interpreter, whose trace shows X at every load: a load the analysis calls safe
 * must never go negative. The tcpdump filters must stay safe, or every common filter would pay
 * for a link dissection per packet.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkClassic } from '../../src/classic/check.js';
import { decodeClassic } from '../../src/classic/decode.js';
import { type ClassicProgram, classicForm, insn } from '../../src/classic/insn.js';
import { runClassic } from '../../src/classic/interp.js';
import { SKF_LL_OFF, SKF_NET_OFF } from '../../src/abi/opcodes.js';
import { indirectLoadsBelowZero } from '../../src/classic/ranges.js';
import { CheckError } from '../../src/errors.js';
import { arbClassicProgram, arbPacket, arbSkbMeta } from './arbitrary.js';
import { minimum, runs } from '../runs.js';

const ret = insn(0x16, 0, 0, 0);
const ldxImm = (k: number) => insn(0x01, 0, 0, k >>> 0);
const ldbInd = (k: number) => insn(0x50, 0, 0, k >>> 0);

describe('indirectLoadsBelowZero', () => {
  it('flags the load of issue 10: X = 0xfff00000 makes [x + 0] a network-header load', () => {
    expect(indirectLoadsBelowZero([ldxImm(0xfff00000), ldbInd(0), ret])).toEqual([1]);
    expect(indirectLoadsBelowZero([ldxImm(SKF_LL_OFF), ldbInd(14), ret])).toEqual([1]);
    expect(indirectLoadsBelowZero([ldxImm(0x7fffffff), ldbInd(1), ret])).toEqual([1]);
    expect(indirectLoadsBelowZero([ldxImm(0xffffffff), ldbInd(1), ret])).toEqual([]); // wraps to 0
    expect(indirectLoadsBelowZero([ldxImm(1), ldbInd(-1), ret])).toEqual([]);
    expect(indirectLoadsBelowZero([ldxImm(0), ldbInd(-1), ret])).toEqual([1]);
  });

  it("bounds X through tcpdump's header-length idioms", () => {
    // ldxb 4*([14]&0xf); ldh [x + 14]
    expect(indirectLoadsBelowZero([insn(0xb1, 0, 0, 14), insn(0x48, 0, 0, 14), ret])).toEqual([]);
    // ldb [14]; and #0xf; lsh #2; tax; ldh [x + 16]
    expect(indirectLoadsBelowZero([
      insn(0x30, 0, 0, 14), insn(0x54, 0, 0, 0xf), insn(0x64, 0, 0, 2), insn(0x07, 0, 0, 0), insn(0x48, 0, 0, 16), ret,
    ])).toEqual([]);
    // The same through M[3], and a 16-bit load added to a small X.
    expect(indirectLoadsBelowZero([insn(0x28, 0, 0, 12), insn(0x02, 0, 0, 3), insn(0x61, 0, 0, 3), ldbInd(40), ret])).toEqual([]);
    expect(indirectLoadsBelowZero([insn(0x28, 0, 0, 12), insn(0x0c, 0, 0, 0), insn(0x07, 0, 0, 0), ldbInd(0), ret])).toEqual([]);
  });

  it('says "may" where X is unbounded: a 32-bit load, LEN, an ancillary value, a wrapping sum', () => {
    expect(indirectLoadsBelowZero([insn(0x20, 0, 0, 0), insn(0x07, 0, 0, 0), ldbInd(0), ret])).toEqual([2]);
    expect(indirectLoadsBelowZero([insn(0x81, 0, 0, 0), ldbInd(0), ret])).toEqual([1]);
    expect(indirectLoadsBelowZero([insn(0x20, 0, 0, (-0x1000 + 20) >>> 0), insn(0x07, 0, 0, 0), ldbInd(0), ret])).toEqual([2]);
    // X = 0xfffffff0 + 0x20 wraps to 0x10, which the pass cannot follow: it assumes anything.
    expect(indirectLoadsBelowZero([
      insn(0x00, 0, 0, 0xfffffff0), insn(0x04, 0, 0, 0x20), insn(0x07, 0, 0, 0), ldbInd(0), ret,
    ])).toEqual([3]);
  });

  it('joins the paths that meet at a load, and follows M[]', () => {
    // ldb [0]; jeq #1 jt 0 jf 2; ldx #SKF_NET_OFF; ja 1; ldx #4; ldb [x + 0]
    const joined = (x: number): ClassicProgram => [
      insn(0x30, 0, 0, 0), insn(0x15, 0, 2, 1), ldxImm(x), insn(0x05, 0, 0, 1), ldxImm(4), ldbInd(0), ret,
    ];
    expect(indirectLoadsBelowZero(joined(SKF_NET_OFF))).toEqual([5]);
    expect(indirectLoadsBelowZero(joined(8))).toEqual([]);
    // ldx #SKF_NET_OFF; stx M[3]; ldx #4; ldx M[3]; ldb [x + 0], and the same without reading M[3] back
    expect(indirectLoadsBelowZero([ldxImm(SKF_NET_OFF), insn(0x03, 0, 0, 3), ldxImm(4), insn(0x61, 0, 0, 3), ldbInd(0), ret])).toEqual([4]);
    expect(indirectLoadsBelowZero([ldxImm(SKF_NET_OFF), insn(0x03, 0, 0, 3), ldxImm(4), ldbInd(0), ret])).toEqual([]);
    // Code no path reaches is not looked at.
    expect(indirectLoadsBelowZero([insn(0x06, 0, 0, 0), ldxImm(SKF_NET_OFF), ldbInd(0), ret])).toEqual([]);
  });

  it('claims nothing for a program the checker refuses (backward jumps run under libpcap)', () => {
    expect(indirectLoadsBelowZero([ldxImm(4), ldbInd(0), insn(0x05, 0, 0, 0xfffffffe), ret])).toEqual([1]);
  });

  it('finds no such load in any tcpdump filter Linux accepts', () => {
    const dir = fileURLToPath(new URL('../../fixtures/filters/', import.meta.url));
    let indirect = 0;
    for (const lt of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
      for (const name of readdirSync(join(dir, lt.name)).filter((n) => n.endsWith('.ddd'))) {
        const prog = decodeClassic(readFileSync(join(dir, lt.name, name)), { format: 'ddd' });
        try {
          checkClassic(prog);
        } catch (e) {
          if (e instanceof CheckError) continue; // protochain: Linux refuses its backward jumps
          throw e;
        }
        if (prog.some((i) => classicForm(i.code)?.kind === 'ld-ind')) indirect++;
        expect(indirectLoadsBelowZero(prog), `${lt.name}/${name}`).toEqual([]);
      }
    }
    expect(indirect).toBeGreaterThan(30);
  });

  /** X values that make [x + k] wrap, for the loads of random programs. */
  const WRAPS = [SKF_NET_OFF, SKF_NET_OFF + 14, SKF_LL_OFF, SKF_LL_OFF + 6, -1, -16, 0x80000000, 0x7fffffff, 0x7ffffff0]
    .map((v) => v >>> 0);
  const arbValues = fc.array(fc.constantFrom(...WRAPS), { minLength: 24, maxLength: 24 });
  const arbSwaps = fc.array(fc.boolean(), { minLength: 24, maxLength: 24 });
  const arbWrapping = fc.tuple(arbClassicProgram({ maxLength: 24 }), arbValues, arbSwaps)
    .map(([prog, values, swap]) => prog.map((i, pc) => {
      const kind = classicForm(i.code)?.kind;
      return (kind === 'ldx-imm' || kind === 'ld-imm') && swap[pc] ? insn(i.code, 0, 0, values[pc]!) : i;
    }));

  it('is sound: a load it calls safe never runs with X + k below 0 (40000 random runs)', () => {
    let negative = 0;
    fc.assert(fc.property(fc.oneof(arbClassicProgram({ maxLength: 24 }), arbWrapping), arbPacket(), arbSkbMeta(), (prog, pkt, meta) => {
      const flagged = new Set(indirectLoadsBelowZero(prog));
      runClassic(prog, { pkt: pkt.bytes, meta: { ...meta, len: pkt.wirelen } }, {
        semantics: 'linux',
        random: () => 4,
        trace: (pc, _A, X) => {
          const i = prog[pc]!;
          if (classicForm(i.code)?.kind !== 'ld-ind' || ((X + i.k) | 0) >= 0) return;
          negative++;
          expect(flagged.has(pc), `pc ${pc} of ${JSON.stringify(prog)} ran with X = ${X}`).toBe(true);
        },
      });
    }), { numRuns: runs(40000) });
    // The runs must include wrapping loads, or the property says nothing.
    expect(negative).toBeGreaterThan(minimum(1000));
  });
});
