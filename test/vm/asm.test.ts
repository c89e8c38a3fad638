/**
 * The uBPF-syntax assembler and printer: encodings of each form (checked against the
 * bytes the bpf_conformance `-- raw` section and RFC 9669 give), errors with line numbers,
 * and round trips: random instructions -> text -> assemble -> the same instructions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { assemble, assembleWithInfo } from '../../src/ebpf/asm.js';
import { formatInsn, formatAsm } from '../../src/ebpf/asm-format.js';
import { encodeProgram } from '../../src/ebpf/encode.js';
import { bpfInsn, type Insn } from '../../src/ebpf/insn.js';
import { findEncodingProblem } from '../../src/ebpf/validate.js';
import { AsmError } from '../../src/errors.js';
import { dataFiles, parseDataFile, testProgram } from '../../src/vm/conformance.js';
import { arbInsn, arbProgram } from './arbitrary.js';
import { runs } from '../runs.js';

const hex = (prog: Insn[]): string => Buffer.from(encodeProgram(prog)).toString('hex').replace(/(.{16})/g, '$1 ').trim();
const asmHex = (src: string): string => hex(assemble(src));
function asmError(src: string): AsmError {
  try {
    assemble(src, 'x.s');
  } catch (e) {
    expect(e).toBeInstanceOf(AsmError);
    return e as AsmError;
  }
  throw new Error(`expected an AsmError for ${JSON.stringify(src)}`);
}

describe('assembler encodings', () => {
  it('ALU forms', () => {
    expect(asmHex('mov32 %r0, 1')).toBe('b400000001000000');
    expect(asmHex('mov %r0, -1')).toBe('b7000000ffffffff');
    expect(asmHex('add64 %r1, %r2')).toBe('0f21000000000000');
    expect(asmHex('sdiv32 %r3, 7')).toBe('3403010007000000');
    expect(asmHex('smod %r3, %r4')).toBe('9f43010000000000');
    expect(asmHex('neg %r5')).toBe('8705000000000000');
    expect(asmHex('neg32 %r5')).toBe('8405000000000000');
    expect(asmHex('movsx1664 %r1, %r2')).toBe('bf21100000000000');
    expect(asmHex('movsx832 %r1, %r2')).toBe('bc21080000000000');
    expect(asmHex('le16 %r0')).toBe('d400000010000000');
    expect(asmHex('be64 %r0')).toBe('dc00000040000000');
    expect(asmHex('swap32 %r0')).toBe('d700000020000000');
    expect(asmHex('bswap32 %r0')).toBe('d700000020000000');
  });

  it('memory forms', () => {
    expect(asmHex('lddw %r0, 0x1122334455667788')).toBe('1800000088776655 0000000044332211');
    expect(asmHex('lddw %r1, -1')).toBe('18010000ffffffff 00000000ffffffff');
    expect(asmHex('ldxh %r2, [%r1+12]')).toBe('69120c0000000000');
    expect(asmHex('ldxsb %r0, [%r10-1]')).toBe('91a0ffff00000000');
    expect(asmHex('stdw [%r10-8], 0x11')).toBe('7a0af8ff11000000');
    expect(asmHex('stxb [%r1], %r2')).toBe('7321000000000000');
    expect(asmHex('lock add [%r10-8], %r1')).toBe('db1af8ff00000000');
    expect(asmHex('lock fetch xor32 [%r1+4], %r2')).toBe('c3210400a1000000');
    expect(asmHex('lock xchg [%r1], %r2')).toBe('db210000e1000000');
    expect(asmHex('lock cmpxchg32 [%r1], %r2')).toBe('c3210000f1000000');
    expect(asmHex('ldabsh 12')).toBe('280000000c000000');
    expect(asmHex('ldindb %r7, -1')).toBe('50700000ffffffff');
  });

  it('jumps, calls and labels', () => {
    expect(asmHex('jeq %r1, 0x800, +2')).toBe('1501020000080000');
    expect(asmHex('jsgt32 %r1, %r2, -3')).toBe('6e21fdff00000000');
    expect(asmHex('ja L\nmov %r0, 1\nL:\nexit')).toBe('0500010000000000 b700000001000000 9500000000000000');
    expect(asmHex('ja32 L\nL: exit')).toBe('0600000000000000 9500000000000000');
    expect(asmHex('call 5')).toBe('8500000005000000');
    expect(asmHex('call helper 5')).toBe('8500000005000000');
    expect(asmHex('call get_prandom_u32')).toBe('8500000007000000');
    expect(asmHex('call %r2')).toBe('8d02000000000000');
    expect(asmHex('call local f\nexit\nf:\nexit')).toBe('8510000001000000 9500000000000000 9500000000000000');
    // `exit` names the first exit instruction unless a label says otherwise.
    expect(asmHex('jeq %r0, 0, exit\nmov %r0, 1\nexit\nexit')).toBe('1500010000000000 b700000001000000 9500000000000000 9500000000000000');
  });

  it('comments, blank lines, labels sharing a line, line numbers', () => {
    const r = assembleWithInfo('# header\n\nstart: mov %r0, 0 ; why\n  # indented comment\nexit # bye\n');
    expect(r.program.length).toBe(2);
    expect(r.lines).toEqual([3, 5]);
    expect(r.labels.get('start')).toBe(0);
  });

  it('the -- raw section of lddw.data: asm and raw agree', () => {
    const raw = parseDataFile('-- asm\nlddw %r0, 0x1122334455667788\nexit\n-- raw\n0x5566778800000018\n0x1122334400000000\n0x0000000000000095\n-- result\n0x1');
    expect(hex(testProgram(raw))).toBe(asmHex('lddw %r0, 0x1122334455667788\nexit'));
  });
});

describe('assembler errors', () => {
  it('name the line and what is wrong', () => {
    expect(asmError('mov %r0, 1\nor %r0, %r50').message).toBe('x.s:2: invalid register: %r50 (registers are %r0-%r10)');
    expect(asmError('ldxq %r0, %r1').message).toBe('x.s:1: invalid mnemonic: ldxq');
    expect(asmError('ja NOT_A_LABEL\nexit').message).toBe('x.s:1: invalid label: NOT_A_LABEL (not defined)');
    expect(asmError('lddw %r0').message).toMatch(/^x\.s:1: invalid number of operands for lddw: expected 2/);
    expect(asmError('lock').message).toMatch(/^x\.s:1: invalid number of operands for lock/);
    expect(asmError('lock or [%r10-8]').message).toMatch(/^x\.s:1: invalid number of operands for lock or/);
    expect(asmError('ldxb %r0, %r1').message).toMatch(/invalid memory operand '%r1'/);
    expect(asmError('mov32 %r0, 2147483648').message).toMatch(/invalid immediate 2147483648: out of the 32-bit range/);
    expect(asmError('mov32 %r0, 0x100000000').message).toMatch(/invalid immediate 0x100000000/);
    expect(asmError('ldxb %r0, [%r1+0x10000]').message).toMatch(/invalid offset .*16-bit/);
    expect(asmError('L:\nL:\nexit').message).toBe("x.s:2: duplicate label 'L' (first defined for instruction 0)");
    expect(asmError('movsx864 %r0, 5').message).toMatch(/takes a register source/);
    expect(asmError('jeq %r0, 1').message).toMatch(/invalid number of operands for jeq: expected 3/);
    expect(asmError('mov %r0,, 1').message).toMatch(/empty operand/);
    expect(asmError('call foo').message).toMatch(/not a helper id or name/);
    expect(asmError('ja L\nexit\nL:').message).toMatch(/label L names no instruction/);
  });

  it('accepts the largest values and refuses one past them', () => {
    expect(assemble('mov32 %r0, 0xffffffff')[0]!.imm).toBe(-1);
    expect(assemble('mov32 %r0, -2147483648')[0]!.imm).toBe(-2147483648);
    expect(assemble('ldxb %r0, [%r1-32768]')[0]!.off).toBe(-32768);
    expect(() => assemble('ldxb %r0, [%r1-32769]')).toThrow(AsmError);
    expect(() => assemble('lddw %r0, 0x10000000000000000')).toThrow(/64-bit range/);
  });

  it('refuses a number of millions of digits without converting it, and reads leading zeros', () => {
    // BigInt takes about a second per 4 million decimal digits; watch what it is given.
    const RealBigInt = BigInt;
    let longest = 0;
    vi.stubGlobal('BigInt', Object.assign((v: string | number | bigint | boolean) => {
      longest = Math.max(longest, String(v).length);
      return RealBigInt(v);
    }, { asIntN: RealBigInt.asIntN, asUintN: RealBigInt.asUintN }));
    try {
      for (const [src, range] of [['mov32 %r0, ', '32'], ['lddw %r0, -', '64'], ['ldxb %r0, [%r1+', '16'], ['ja +', '16']] as const) {
        const digits = src.startsWith('lddw') ? `0x${'f'.repeat(4_000_000)}` : '7'.repeat(4_000_000);
        expect(asmError(`${src}${digits}${src.includes('[') ? ']' : ''}\nexit`).message).toMatch(new RegExp(`out of the ${range}-bit range`));
      }
      expect(longest).toBeLessThanOrEqual(22);
      expect(assemble(`mov32 %r0, ${'0'.repeat(1_000_000)}42`)[0]!.imm).toBe(42);
      expect(assemble(`lddw %r0, 0x${'0'.repeat(1_000_000)}ff`)[0]!.imm).toBe(255);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('printer', () => {
  it('prints each form in the syntax the suite uses', () => {
    const p = (src: string): string => formatAsm(assemble(src)).trim();
    expect(p('mov32 %r0, 1')).toBe('mov32 %r0, 1');
    expect(p('and %r0, 0xffff')).toBe('and %r0, 0xffff');
    expect(p('add %r0, 1000')).toBe('add %r0, 1000');
    expect(p('mov %r0, -1')).toBe('mov %r0, -1');
    expect(p('jeq %r1, 0x800, +1\nexit')).toBe('jeq %r1, 0x800, +1\nexit');
    expect(p('jsgt %r1, -5, -1')).toBe('jsgt %r1, -5, -1');
    expect(p('lddw %r1, 0x100000000')).toBe('lddw %r1, 0x100000000');
    expect(p('ldxw %r0, [%r1+0]')).toBe('ldxw %r0, [%r1]');
    expect(p('stxdw [%r10-8], %r1')).toBe('stxdw [%r10-8], %r1');
    expect(p('lock fetch add32 [%r10-4], %r1')).toBe('lock fetch add32 [%r10-4], %r1');
    expect(p('call local f\nexit\nf:\nexit')).toBe('call local +1\nexit\nexit');
    expect(formatAsm(assemble('call local f\nexit\nf:\nja f'), { labels: true }).trim()).toBe('call local L2\nexit\nL2:\nja L2');
    expect(formatInsn(bpfInsn(0x8c, 1, 2, 0, 0))).toBe('invalid code=0x8c dst=1 src=2 off=0 imm=0');
  });

  it('round trip: random valid instructions -> text -> the same instructions', () => {
    fc.assert(fc.property(arbProgram, (prog) => {
      const text = formatAsm(prog);
      expect(hex(assemble(text))).toBe(hex(prog));
    }), { numRuns: runs(2000) });
  });

  it('every generated instruction is structurally valid (so the round trip covers real programs)', () => {
    fc.assert(fc.property(arbInsn, (insns) => {
      const prog = [...insns, bpfInsn(0x95, 0, 0, 0, 0)];
      const problem = findEncodingProblem(prog);
      // Jumps and local calls may point outside this two-instruction program; nothing else may fail.
      if (problem) expect(problem[1]).toMatch(/target -?\d+ is (outside the program|the second slot)/);
    }), { numRuns: runs(2000) });
  });
});

const suite = fileURLToPath(new URL('../../../shared/conformance/bpf_conformance', import.meta.url));
const haveSuite = existsSync(join(suite, 'tests'));
if (!haveSuite) console.warn(`conformance round trips skipped: no suite at ${suite}`);

describe.skipIf(!haveSuite)('round trip over the bpf_conformance programs', () => {
  it('assemble -> print (with labels, and relative) -> assemble gives the same bytes', () => {
    const files = dataFiles(join(suite, 'tests'));
    expect(files.length).toBeGreaterThan(300);
    for (const f of files) {
      const test = parseDataFile(readFileSync(f, 'utf8'), f);
      const prog = testProgram(test);
      expect(hex(assemble(formatAsm(prog))), f).toBe(hex(prog));
      expect(hex(assemble(formatAsm(prog, { labels: true }))), f).toBe(hex(prog));
    }
  });
});
