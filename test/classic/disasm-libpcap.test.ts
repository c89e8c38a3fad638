/**
 * The disassembler and the -d/-dd/-ddd writers against libpcap itself (bpf_image and
 * bpf_dump through test/native/bpf_image_harness.c).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classicImage, disassembleClassic } from '../../src/classic/disasm.js';
import { formatDd, formatDdd } from '../../src/classic/encode.js';
import { CLASSIC_FORMS, classicForm, type ClassicInsn, insn } from '../../src/classic/insn.js';
import { SKF_AD_MAX, SKF_AD_OFF, SKF_LL_OFF, SKF_NET_OFF } from '../../src/abi/opcodes.js';
import { harnessMissing, pcapDump, pcapImages } from './libpcap-harness.js';
import { runs } from '../runs.js';

const EDGE_K = [
  0, 1, 2, 15, 16, 31, 32, 255, 256, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff,
  SKF_NET_OFF >>> 0, (SKF_NET_OFF + 14) >>> 0, (SKF_NET_OFF - 1) >>> 0,
  SKF_LL_OFF >>> 0, (SKF_LL_OFF + 6) >>> 0, (SKF_LL_OFF - 1) >>> 0,
  (SKF_AD_OFF - 1) >>> 0,
];
// Every offset of the ancillary area and a little past its named part.
for (let n = 0; n < SKF_AD_MAX + 8; n++) EDGE_K.push((SKF_AD_OFF + n) >>> 0);

const PCS = [0, 1, 7, 99, 999, 1000, 4095, 65535];
const JUMPS: Array<[number, number]> = [[0, 0], [1, 2], [255, 0], [0, 255], [255, 255]];

/** Our image and libpcap's, side by side, for a batch of (pc, instruction). */
function compare(items: Array<{ pc: number; insn: ClassicInsn }>): void {
  const theirs = pcapImages(items);
  expect(theirs.length).toBe(items.length);
  const ours = items.map(({ pc, insn: i }) => classicImage(i, pc));
  for (let n = 0; n < items.length; n++) {
    if (ours[n] !== theirs[n]) {
      const { pc, insn: i } = items[n]!;
      expect.fail(`pc ${pc} {code 0x${i.code.toString(16)}, jt ${i.jt}, jf ${i.jf}, k 0x${(i.k >>> 0).toString(16)}}:\n ours   ${JSON.stringify(ours[n])}\n libpcap ${JSON.stringify(theirs[n])}`);
    }
  }
}

const insnArb = fc.record({
  code: fc.oneof(fc.constantFrom(...CLASSIC_FORMS.map((f) => f.code)), fc.integer({ min: 0, max: 0xffff })),
  jt: fc.integer({ min: 0, max: 255 }),
  jf: fc.integer({ min: 0, max: 255 }),
  k: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(...EDGE_K)),
}).map(({ code, jt, jf, k }) => insn(code, jt, jf, k));

describe.skipIf(harnessMissing !== undefined)(`bpf_image parity with libpcap${harnessMissing ? ` (skipped: ${harnessMissing})` : ''}`, () => {
  it('has exactly the 49 Linux forms in the instruction table', () => {
    expect(CLASSIC_FORMS.length).toBe(49);
    expect(new Set(CLASSIC_FORMS.map((f) => f.code)).size).toBe(49);
  });

  it('prints every form with edge k values, jump offsets and pcs as libpcap does', () => {
    const items: Array<{ pc: number; insn: ClassicInsn }> = [];
    for (const f of CLASSIC_FORMS) {
      for (const k of EDGE_K) for (const [jt, jf] of JUMPS) for (const pc of PCS) items.push({ pc, insn: insn(f.code, jt, jf, k) });
    }
    compare(items);
  });

  it('names or numbers every offset of the SKF_AD area (k = SKF_AD_OFF + n, n < 4096) as libpcap does', () => {
    const items: Array<{ pc: number; insn: ClassicInsn }> = [];
    for (const f of CLASSIC_FORMS.filter((x) => x.kind === 'ld-abs' || x.kind === 'ld-ind' || x.kind === 'ldx-msh')) {
      for (let n = 0; n < 4096; n++) items.push({ pc: n % 300, insn: insn(f.code, 0, 0, SKF_AD_OFF + n) });
    }
    compare(items);
  });

  it('prints every code it does not know as `unimp`, with jump columns in the JMP class', () => {
    const items: Array<{ pc: number; insn: ClassicInsn }> = [];
    for (let code = 0; code <= 0x1ff; code++) {
      items.push({ pc: 3, insn: insn(code, 4, 9, 0x12345678) });
    }
    for (const code of [0x0d, 0x55, 0x65, 0x75, 0x105, 0x115, 0x8000, 0xfff5, 0xffff]) items.push({ pc: 12, insn: insn(code, 1, 2, 3) });
    expect(items.filter(({ insn: i }) => !classicForm(i.code)).length).toBeGreaterThan(400);
    compare(items);
  });

  it('agrees with libpcap on random instructions at random pcs', () => {
    const arbItems = fc.array(fc.record({ pc: fc.integer({ min: 0, max: 100000 }), insn: insnArb }), { minLength: 1, maxLength: 300 });
    fc.assert(
      fc.property(arbItems, (items) => {
        compare(items);
      }),
      { numRuns: runs(60) },
    );
  });

  it('writes random programs exactly as bpf_dump does for -d, -dd and -ddd', () => {
    fc.assert(
      fc.property(fc.array(insnArb, { minLength: 1, maxLength: 200 }), (prog) => {
        expect(disassembleClassic(prog)).toBe(pcapDump(prog, 1));
        expect(formatDd(prog)).toBe(pcapDump(prog, 2));
        expect(formatDdd(prog)).toBe(pcapDump(prog, 3));
      }),
      { numRuns: runs(40) },
    );
  });
});
