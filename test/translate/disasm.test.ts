/**
 * The internal disassembler. Where LLVM 14's BPF disassembler prints the same instruction
 * (most of the RFC 9669 set), our text must say the same thing once spelling is erased
 * (llvm.ts); the rest, which LLVM 14 does not know or prints lossily, is pinned by hand.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findClassicViolations } from '../../src/classic/check.js';
import { disasmInsn, disassemble, INVALID } from '../../src/ebpf/disasm.js';
import { encodeProgram } from '../../src/ebpf/encode.js';
import { bpfInsn, type Insn } from '../../src/ebpf/insn.js';
import { translateClassic } from '../../src/translate/translate.js';
import { arbClassicProgram } from '../classic/arbitrary.js';
import { tcpdumpFilters } from './filters.js';
import { canonical, llvmDisassemble, llvmUnavailable } from './llvm.js';
import { runs } from '../runs.js';

const i = bpfInsn;

/** Opcodes of RFC 9669 Appendix A, plus the legacy packet loads it lists. */
const RFC9669_CODES = new Set([
  // ALU64 and ALU, K and X
  ...[0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0].flatMap((op) => [0x07 | op, 0x0f | op, 0x04 | op, 0x0c | op]),
  0x87, 0x84, 0xd7, 0xd4, 0xdc,
  // JMP and JMP32
  0x05, 0x85, 0x95, 0x06,
  ...[0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0].flatMap((op) => [0x05 | op, 0x0d | op, 0x06 | op, 0x0e | op]),
  // loads and stores
  0x18, 0x20, 0x28, 0x30, 0x40, 0x48, 0x50,
  0x61, 0x69, 0x71, 0x79, 0x81, 0x89, 0x91,
  0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0xc3, 0xdb,
]);

describe('every opcode', () => {
  it('prints invalid exactly for the codes RFC 9669 does not define', () => {
    for (let code = 0; code < 256; code++) {
      const isAtomic = code === 0xc3 || code === 0xdb;
      const text = disassemble([i(code, 1, 2, 0, isAtomic ? 0 : 16), i(0, 0, 0, 0, 0)])[0]!;
      expect(text === INVALID, `code 0x${code.toString(16)}: ${text}`).toBe(!RFC9669_CODES.has(code));
    }
  });
});

describe('forms LLVM 14 cannot check', () => {
  const cases: Array<[Insn[], string]> = [
    [[i(0x45, 1, 0, 1, 0x10)], 'if r1 & 0x10 goto pc+1'],
    [[i(0x4d, 1, 2, -2, 0)], 'if r1 & r2 goto pc-2'],
    [[i(0x46, 1, 0, 1, -1)], 'if w1 & 0xffffffff goto pc+1'],
    [[i(0x48, 0, 7, 0, 14)], 'r0 = *(u16 *)skb[r7 + 14]'],
    [[i(0x50, 0, 7, 0, -1)], 'r0 = *(u8 *)skb[r7 - 1]'],
    [[i(0x62, 10, 0, -4, 7)], '*(u32 *)(r10 -4) = 7'],
    [[i(0x7a, 10, 0, -8, -1)], '*(u64 *)(r10 -8) = -1'],
    [[i(0x72, 1, 0, 3, 255)], '*(u8 *)(r1 +3) = 255'],
    [[i(0x63, 10, 0, -4, 0)], '*(u32 *)(r10 -4) = w0'],
    [[i(0xbf, 1, 2, 8, 0)], 'r1 = (s8)r2'],
    [[i(0xbf, 1, 2, 32, 0)], 'r1 = (s32)r2'],
    [[i(0xbc, 1, 2, 16, 0)], 'w1 = (s16)w2'],
    [[i(0xbc, 1, 2, 32, 0)], INVALID],
    [[i(0xbf, 1, 2, 4, 0)], INVALID],
    [[i(0x3f, 1, 2, 1, 0)], 'r1 s/= r2'],
    [[i(0x9c, 1, 2, 1, 0)], 'w1 s%= w2'],
    [[i(0x37, 1, 0, 1, -3)], 'r1 s/= -3'],
    [[i(0x37, 1, 0, 2, 3)], INVALID],
    [[i(0xd7, 1, 0, 0, 16)], 'r1 = bswap16 r1'],
    [[i(0xd7, 1, 0, 0, 64)], 'r1 = bswap64 r1'],
    [[i(0xd4, 1, 0, 0, 8)], INVALID],
    [[i(0x06, 0, 0, 0, -70000)], 'gotol pc-70000'],
    [[i(0x81, 1, 2, 0, 0)], 'r1 = *(s32 *)(r2 +0)'],
    [[i(0x91, 1, 2, -6, 0)], 'r1 = *(s8 *)(r2 -6)'],
    [[i(0xc3, 1, 2, 4, 0x00)], 'lock *(u32 *)(r1 +4) += w2'],
    [[i(0xc3, 1, 2, 0, 0x51)], 'w2 = atomic_fetch_and((u32 *)(r1 +0), w2)'],
    [[i(0xc3, 1, 2, 0, 0xa0)], 'lock *(u32 *)(r1 +0) ^= w2'],
    [[i(0xdb, 1, 2, 0, 0xe1)], 'r2 = atomic_xchg((u64 *)(r1 +0), r2)'],
    [[i(0xc3, 1, 2, 0, 0xf1)], 'w0 = atomic_cmpxchg((u32 *)(r1 +0), w0, w2)'],
    [[i(0xdb, 1, 2, 0, 0x10)], INVALID],
    [[i(0xdb, 1, 2, 0, 0x41 | 0x100)], INVALID],
    [[i(0x85, 0, 1, 0, 3)], 'call pc+3'],
    [[i(0x85, 0, 2, 0, 1234)], 'call kfunc#1234'],
    [[i(0x85, 0, 0, 0, 7)], 'call bpf_get_prandom_u32#7'],
    [[i(0x85, 0, 0, 0, 0x10003)], 'call cbpf_pay_offset#65539'],
    [[i(0x85, 0, 0, 0, 99999)], 'call helper#99999'],
    [[i(0x18, 1, 1, 0, 5), i(0, 0, 0, 0, 0)], 'r1 = map_by_fd(5) ll'],
    [[i(0x18, 1, 2, 0, 5), i(0, 0, 0, 0, 8)], 'r1 = map_val(map_by_fd(5)) + 8 ll'],
    [[i(0x18, 1, 7, 0, 5), i(0, 0, 0, 0, 8)], INVALID],
    [[i(0x18, 1, 0, 0, 5)], INVALID],
    [[i(0x18, 1, 0, 0, 5), i(0x07, 0, 0, 0, 0)], INVALID],
  ];
  it.each(cases.map(([p, t]) => [t, p] as const))('%s', (text, prog) => {
    expect(disasmInsn(prog[0]!, prog[1])).toBe(text);
  });

  it('gives the second slot of LD IMM64 no text of its own', () => {
    expect(disassemble([i(0x18, 1, 0, 0, -1), i(0, 0, 0, 0, 1), i(0x95, 0, 0, 0, 0)]))
      .toEqual(['r1 = 0x1ffffffff ll', '', 'exit']);
  });
});

/** Instructions LLVM 14 decodes without loss: every RFC 9669 form but the ones above. */
const llvmForm: fc.Arbitrary<Insn[]> = fc.record({
  kind: fc.nat({ max: 7 }), op: fc.nat({ max: 15 }), x: fc.boolean(), wide: fc.boolean(),
  dst: fc.nat({ max: 10 }), src: fc.nat({ max: 10 }), off: fc.integer({ min: -0x8000, max: 0x7fff }),
  imm: fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.integer({ min: -40, max: 40 })), size: fc.nat({ max: 3 }),
  hi: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
}).map(({ kind, op, x, wide, dst, src, off, imm, size, hi }): Insn[] => {
  const cls = wide ? 0x07 : 0x04;
  const sz = size << 3;
  switch (kind) {
    case 0: { // ALU / ALU64 except NEG/END, signed div/mod, MOVSX and MOD, which LLVM 14 lacks
      const o = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0][op % 11]!;
      return [i(cls | o | (x ? 8 : 0), dst, x ? src : 0, 0, x ? 0 : imm)];
    }
    case 1: return [op % 2 ? i(cls | 0x80, dst, 0, 0, 0) : i(0xd4 | (x ? 8 : 0), dst, 0, 0, [16, 32, 64][op % 3]!)];
    case 2: { // conditional jumps except JSET
      const o = [0x10, 0x20, 0x30, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0][op % 10]!;
      return [i((wide ? 0x05 : 0x06) | o | (x ? 8 : 0), dst, x ? src : 0, off, x ? 0 : imm)];
    }
    case 3: return [[i(0x05, 0, 0, off, 0), i(0x95, 0, 0, 0, 0), i(0x85, 0, 0, 0, imm & 0xff)][op % 3]!];
    case 4: return [size === 3 ? i(0x20, 0, 0, 0, imm) : i(0x20 | sz, 0, 0, 0, imm)];
    case 5: return [i(0x61 | sz, dst, src, off, 0)];
    case 6: return [x ? i(0x63 | sz, dst, src, off, 0) : i(0xdb, dst, src, off, [0x00, 0x40, 0x50, 0xa0][op % 4]! | (op & 4 ? 1 : 0))];
    default: return [i(0x18, dst, 0, 0, imm), i(0, 0, 0, 0, hi)];
  }
});

describe.skipIf(!!llvmUnavailable)(`agreement with llvm-objdump${llvmUnavailable ? ` (skipped: ${llvmUnavailable})` : ''}`, () => {
  function compare(prog: Insn[]): void {
    const ours = disassemble(prog);
    const theirs = llvmDisassemble(encodeProgram(prog));
    ours.forEach((text, n) => {
      if (text === '') return;
      expect(canonical(text), `insn ${n}: ours "${text}", llvm "${theirs[n]}"`).toBe(canonical(theirs[n]!));
    });
  }

  it('the comparison erases spelling only', () => {
    expect(canonical('if r0 != 0x800 goto pc+2')).toBe(canonical('if r0 != 2048 goto +2 <.text+0x38>'));
    expect(canonical('if r0 != 0x800 goto pc+2')).not.toBe(canonical('if r0 != 2048 goto +3 <.text+0x38>'));
    expect(canonical('if w1 == 0xffffffff goto pc+3')).toBe(canonical('if w1 == -1 goto +3'));
    expect(canonical('if r1 == 0xffffffff goto pc+3')).not.toBe(canonical('if r1 == -1 goto +3'));
    expect(canonical('w0 = 1')).not.toBe(canonical('r0 = 1'));
  });

  it('on random instructions of every form LLVM 14 decodes', () => {
    const prog = fc.sample(llvmForm, { numRuns: runs(3000) }).flat();
    compare(prog);
  });

  it('on translated tcpdump filters and random classic programs', () => {
    const progs = [...(tcpdumpFilters ?? []).map((f) => f.prog), ...fc.sample(arbClassicProgram({ maxLength: 40 }), 200)];
    // JSET, LD_IND and MOD, which LLVM 14 cannot print faithfully, are left out.
    const insns = progs.filter((p) => findClassicViolations(p).length === 0).flatMap((p) => translateClassic(p).insns)
      .filter((x) => (x.code & 0xf7) !== 0x45 && (x.code & 0xe7) !== 0x40 && (x.code & 0xf7) !== 0x94);
    expect(insns.length).toBeGreaterThan(2000);
    compare(insns);
  });
});
