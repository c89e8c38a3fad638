/**
 * fast-check arbitraries for internal BPF: every instruction form RFC 9669 defines plus the
 * legacy packet loads, with fields that pass src/ebpf/validate.ts (jump and call targets
 * aside: a random program may point them anywhere).
 */
import fc from 'fast-check';
import { bpfInsn, type Insn } from '../../src/ebpf/insn.js';

const reg = fc.integer({ min: 0, max: 10 });
const wreg = fc.integer({ min: 0, max: 9 });
const imm = fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.integer({ min: -20, max: 20 }));
const off = fc.integer({ min: -0x8000, max: 0x7fff });
/** Jump offsets: anywhere in the 16/32-bit range, or a few instructions either way. */
const jumpOff = fc.oneof(off, fc.integer({ min: -4, max: 4 }));
/** Memory offsets: anywhere, or near the base (stack slots, the first bytes of memory). */
const memOff = fc.oneof(off, fc.integer({ min: -16, max: 16 }));
const jumpImm = fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.integer({ min: -4, max: 4 }));
const size = fc.constantFrom(0x00, 0x08, 0x10, 0x18);
/** The two-operand ALU operations (neg and the byte swaps have their own forms). */
const ALU_OPS = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0];
/** The conditional jumps. */
const JMP_OPS = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];

/** One valid instruction (two slots for lddw); jump targets may fall outside a program. */
export const arbInsn: fc.Arbitrary<Insn[]> = fc.oneof(
  // ALU and ALU64, every op, both sources
  fc.tuple(fc.constantFrom(0x04, 0x07), fc.constantFrom(...ALU_OPS), fc.boolean(), wreg, reg, imm, fc.boolean())
    .map(([cls, op, x, d, s, k, signed]) => [
      bpfInsn(cls | op | (x ? 8 : 0), d, x ? s : 0, signed && (op === 0x30 || op === 0x90) ? 1 : 0, x ? 0 : k),
    ]),
  fc.tuple(fc.constantFrom(0x84, 0x87), wreg).map(([c, d]) => [bpfInsn(c, d, 0, 0, 0)]),
  fc.tuple(fc.constantFrom(0xd4, 0xdc, 0xd7), wreg, fc.constantFrom(16, 32, 64)).map(([c, d, w]) => [bpfInsn(c, d, 0, 0, w)]),
  fc.tuple(fc.constantFrom([0xbc, 8], [0xbc, 16], [0xbf, 8], [0xbf, 16], [0xbf, 32]), wreg, reg)
    .map(([[c, o], d, s]) => [bpfInsn(c!, d, s, o!, 0)]),
  // loads and stores
  fc.tuple(wreg, imm, imm).map(([d, lo, hi]) => [bpfInsn(0x18, d, 0, 0, lo), bpfInsn(0, 0, 0, 0, hi)]),
  fc.tuple(fc.constantFrom(0x20, 0x28, 0x30), imm).map(([c, k]) => [bpfInsn(c, 0, 0, 0, k)]),
  fc.tuple(fc.constantFrom(0x40, 0x48, 0x50), reg, imm).map(([c, s, k]) => [bpfInsn(c, 0, s, 0, k)]),
  fc.tuple(size, fc.boolean(), wreg, reg, memOff).filter(([sz, sx]) => !(sx && sz === 0x18))
    .map(([sz, sx, d, s, o]) => [bpfInsn((sx ? 0x81 : 0x61) | sz, d, s, o, 0)]),
  fc.tuple(size, reg, memOff, imm).map(([sz, d, o, k]) => [bpfInsn(0x62 | sz, d, 0, o, k)]),
  fc.tuple(size, reg, reg, memOff).map(([sz, d, s, o]) => [bpfInsn(0x63 | sz, d, s, o, 0)]),
  fc.tuple(fc.constantFrom(0xc3, 0xdb), reg, reg, memOff, fc.constantFrom(0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1))
    .map(([c, d, s, o, k]) => [bpfInsn(c, d, (k & 1) !== 0 && k !== 0xf1 && s === 10 ? 9 : s, o, k)]), // FETCH and XCHG write src
  // jumps and calls
  fc.tuple(fc.constantFrom(0x05, 0x06), fc.constantFrom(...JMP_OPS), fc.boolean(), reg, reg, imm, jumpOff)
    .map(([cls, op, x, d, s, k, o]) => [bpfInsn(cls | op | (x ? 8 : 0), d, x ? s : 0, o, x ? 0 : k)]),
  jumpOff.map((o) => [bpfInsn(0x05, 0, 0, o, 0)]),
  jumpImm.map((k) => [bpfInsn(0x06, 0, 0, 0, k)]),
  fc.oneof(imm, fc.constantFrom(7, 8, 0x10000, 0x10001, 0x10002, 0x10003)).map((k) => [bpfInsn(0x85, 0, 0, 0, k)]),
  jumpImm.map((k) => [bpfInsn(0x85, 0, 1, 0, k)]),
  reg.map((d) => [bpfInsn(0x8d, d, 0, 0, 0)]),
  fc.constant<Insn[]>([bpfInsn(0x95, 0, 0, 0, 0)]),
);
export const arbProgram = fc.array(arbInsn, { minLength: 1, maxLength: 40 }).map((parts) => parts.flat());
