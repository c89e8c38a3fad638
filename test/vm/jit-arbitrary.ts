/**
 * fast-check arbitraries for the JIT's differential tests: random internal programs that
 * pass validateEncoding and exercise every instruction group the engines execute: ALU32 and
 * ALU64 (both operand forms, signed division, MOVSX, byte swaps), loads, stores and atomics
 * on the stack, the context or caller memory (mostly in bounds, sometimes not, sometimes
 * through a register that holds a number, to compare faults), forward jumps of every
 * condition, helper calls (also ones that stop the program or throw), callx, legacy packet
 * loads, and optionally counted loops (backward jumps) and BPF-to-BPF calls.
 *
 * Programs are built from "slots" (one random record each) in two passes, so jump targets
 * are chosen among instruction starts and never land inside an LD IMM64.
 */
import fc from 'fast-check';
import { type Insn, bpfInsn } from '../../src/ebpf/insn.js';
import { HelperRegistry } from '../../src/vm/helpers.js';
import { VmError } from '../../src/errors.js';

/** Helper ids of the test registry. */
export const H_MIX = 1, H_STOP = 2, H_THROW = 3, H_VMERR = 4;

/**
 * Deterministic helpers: H_MIX returns a hash of R1-R5 (checks argument passing), H_STOP
 * ends the program when R1 is odd, H_THROW throws a plain Error when R2 is 7 mod 8,
 * H_VMERR throws a VmError when R3 is 0.
 */
export function testHelpers(): HelperRegistry {
  const mix = (lo: Int32Array, hi: Int32Array): number => {
    let h = 0x12345678;
    for (let r = 1; r <= 5; r++) h = Math.imul(h ^ lo[r]!, 0x9e3779b1) ^ Math.imul(hi[r]!, 0x85ebca6b);
    return h;
  };
  return new HelperRegistry()
    .register(H_MIX, (f) => { f.lo[0] = mix(f.lo, f.hi); f.hi[0] = f.lo[1]! ^ f.hi[2]!; f.lo[3] = 0x3333; }, { name: 'mix', args: 5 })
    .register(H_STOP, (f) => { f.lo[0] = f.lo[4]!; f.hi[0] = 1; return (f.lo[1]! & 1) === 0; }, { name: 'stop', args: 1 })
    .register(H_THROW, (f) => { if ((f.lo[2]! & 7) === 7) throw new Error('boom'); f.lo[0] = 7; f.hi[0] = 0; }, { name: 'thrower', args: 2 })
    .register(H_VMERR, (f) => { if (f.lo[3] === 0) throw new VmError(99, 'helper says no'); f.lo[0] = -1; f.hi[0] = -1; }, { name: 'vmerr', args: 3 });
}

interface Slot {
  kind: number;
  a: number;
  b: number;
  c: number;
  imm: number;
  off: number;
}

/** Immediates: edge values, small numbers, anything. */
const immArb = fc.oneof(
  fc.constantFrom(0, 1, -1, 2, 7, 8, 15, 16, 31, 32, 33, 63, 64, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
    0x7fffffff, -0x80000000, -2, 0x12345678, -0x12345678),
  fc.integer({ min: -40, max: 40 }),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
);

const slotArb: fc.Arbitrary<Slot> = fc.record({
  kind: fc.nat({ max: 999 }),
  a: fc.nat({ max: 0xffff }),
  b: fc.nat({ max: 0xffff }),
  c: fc.nat({ max: 0xffff }),
  imm: immArb,
  off: fc.integer({ min: -600, max: 600 }),
});

const ALU_OPS = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0];
const JMP_OPS = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];
const SIZES = [0x00, 0x08, 0x10, 0x18];
const BYTES: Record<number, number> = { 0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8 };
const ATOMIC_OPS = [0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1];

/** One instruction or group, with a pending jump target chosen later. */
interface Piece {
  insns: Insn[];
  /** Index in insns of a jump whose offset the second pass fills, and the raw choice. */
  jump?: { at: number; pick: number; field: 'off' | 'imm' };
}

/** A writable register (not R10). */
const wreg = (n: number): number => n % 10;
/** Any register. */
const rreg = (n: number): number => n % 11;

export interface ArbEbpfOptions {
  /** Body slots (default 1..24). */
  maxSlots?: number;
  /** Counted loops with backward jumps. */
  loops?: boolean;
  /** BPF-to-BPF calls into functions placed after the main exit. */
  localCalls?: boolean;
  /** Bytes of caller memory / context the memory offsets aim at. */
  span?: number;
}

function bodyPiece(s: Slot, opts: Required<ArbEbpfOptions>): Piece {
  const k = s.kind % 100;
  const d = wreg(s.a), r = rreg(s.b);
  if (k < 22) { // ALU with immediate
    const op = ALU_OPS[s.b % ALU_OPS.length]!;
    const cls = s.c & 1 ? 0x07 : 0x04;
    let imm = s.imm, off = 0;
    if (op === 0x80) imm = 0;
    if (op === 0x30 || op === 0x90) off = (s.c >> 1) & 1;
    return { insns: [bpfInsn(cls | op, d, 0, off, imm)] };
  }
  if (k < 40) { // ALU with register
    const op = ALU_OPS.filter((o) => o !== 0x80)[s.c % 12]!;
    const cls = s.imm & 1 ? 0x07 : 0x04;
    let off = 0;
    if (op === 0x30 || op === 0x90) off = (s.imm >> 1) & 1;
    if (op === 0xb0) off = cls === 0x07 ? [0, 0, 8, 16, 32][(s.imm >>> 1) % 5]! : [0, 0, 8, 16][(s.imm >>> 1) % 4]!;
    return { insns: [bpfInsn(cls | op | 0x08, d, r, off, 0)] };
  }
  if (k < 44) { // END / bswap
    const code = [0xd4, 0xdc, 0xd7][s.b % 3]!;
    return { insns: [bpfInsn(code, d, 0, 0, [16, 32, 64][s.c % 3]!)] };
  }
  if (k < 48) return { insns: [bpfInsn(0x18, d, 0, 0, s.imm), bpfInsn(0, 0, 0, 0, (s.c << 16) ^ s.off)] };
  if (k < 64) return memPiece(s, opts);
  if (k < 80) { // conditional jump
    const op = JMP_OPS[s.b % JMP_OPS.length]!;
    const cls = s.c & 1 ? 0x06 : 0x05;
    const x = (s.c & 2) !== 0;
    return { insns: [bpfInsn(cls | op | (x ? 8 : 0), rreg(s.a), x ? rreg(s.b >> 4) : 0, 0, x ? 0 : s.imm)], jump: { at: 0, pick: s.off, field: 'off' } };
  }
  if (k < 83) { // ja / ja32
    return s.c & 1
      ? { insns: [bpfInsn(0x06, 0, 0, 0, 0)], jump: { at: 0, pick: s.off, field: 'imm' } }
      : { insns: [bpfInsn(0x05, 0, 0, 0, 0)], jump: { at: 0, pick: s.off, field: 'off' } };
  }
  if (k < 94) { // legacy packet loads
    const size = SIZES[s.b % 3]!;
    const negs = [-0x100000, -0x200000, -0x100000 + 4, -0x200000 + 12, -1, -0x300000];
    if (s.c % 3 !== 0) {
      // Offsets near one another half the time, so that one load's bounds check can make the next one's redundant, or not.
      const kk = s.c % 7 === 0 ? negs[s.a % negs.length]! : s.c % 5 === 0 ? s.imm : (s.a >> 8) & 1 ? 10 + (s.a % 6) : s.a % (opts.span + 8);
      return { insns: [bpfInsn(0x20 | size, 0, 0, 0, kk)] };
    }
    return { insns: [bpfInsn(0x40 | size, 0, rreg(s.a), 0, s.c % 4 === 0 ? s.imm : (s.off % 40))] };
  }
  if (k < 97) { // helper calls
    if (s.c % 5 === 0) { // callx: mostly a registered id
      const id = s.c % 3 === 0 ? s.imm : [H_MIX, H_STOP, H_THROW, H_VMERR][s.b % 4]!;
      return { insns: [bpfInsn(0xb7, d, 0, 0, id), bpfInsn(0x8d, d, 0, 0, 0)] };
    }
    return { insns: [bpfInsn(0x85, 0, 0, 0, [H_MIX, H_MIX, H_STOP, H_THROW, H_VMERR][s.b % 5]!)] };
  }
  if (k < 98) return { insns: [bpfInsn(0x95, 0, 0, 0, 0)] }; // an early exit
  // a register copy of a pointer, to move pointers around
  return { insns: [bpfInsn(0xbf, d, [1, 10, 8, 9][s.b % 4]!, 0, 0), bpfInsn(0x07, d, 0, 0, (s.off % 64) & ~3)] };
}

function memPiece(s: Slot, opts: Required<ArbEbpfOptions>): Piece {
  const size = SIZES[s.b % 4]!, n = BYTES[size]!;
  // Base: R10 (stack), R8 (stack pointer moved down), R1/R9 (ctx or mem), or anything.
  const which = s.c % 10;
  let base: number, off: number;
  if (which < 4) { base = 10; off = s.a % 23 === 0 ? s.off : -n * (1 + (s.a % (512 / n))); }
  else if (which < 5) { base = 8; off = -n * (s.a % 8); }
  else if (which < 8) { base = which === 7 ? 9 : 1; off = s.a % 11 === 0 ? s.off : s.a % Math.max(1, opts.span - n + 1); }
  else { base = rreg(s.a); off = s.off % 64; }
  const form = (s.c >> 4) % 8;
  if (form < 3) { // load, sometimes sign-extending
    const sx = form === 2 && size !== 0x18;
    return { insns: [bpfInsn((sx ? 0x81 : 0x61) | size, wreg(s.b >> 3), base, off, 0)] };
  }
  if (form < 5) return { insns: [bpfInsn(0x63 | size, base, rreg(s.b >> 3), off, 0)] };
  if (form < 7) return { insns: [bpfInsn(0x62 | size, base, 0, off, s.imm)] };
  const asz = size === 0x18 ? 0x18 : 0x00;
  const op = ATOMIC_OPS[(s.imm >>> 0) % ATOMIC_OPS.length]!;
  const src = (op & 1) !== 0 && op !== 0xf1 ? wreg(s.b >> 3) : rreg(s.b >> 3); // FETCH and XCHG write src
  return { insns: [bpfInsn(0xc3 | asz, base, src, off & ~(asz === 0x18 ? 7 : 3), op)] };
}

/** Registers set from the slot seeds, so that bodies start from varied values and pointers. */
function prologue(seed: Slot[]): Insn[] {
  const out: Insn[] = [];
  for (let r = 0; r <= 9; r++) {
    if (r === 1) continue;
    const s = seed[r % seed.length]!;
    const v = (s.imm ^ Math.imul(r + 1, 0x9e3779b1)) | 0;
    if (r === 8) { out.push(bpfInsn(0xbf, 8, 10, 0, 0), bpfInsn(0x07, 8, 0, 0, -8 * (s.a % 16))); continue; }
    if (r === 9) { out.push(bpfInsn(0xbf, 9, 1, 0, 0)); continue; }
    switch ((s.c + r) % 4) {
      case 0: out.push(bpfInsn(0xb4, r, 0, 0, v)); break;
      case 1: out.push(bpfInsn(0xb7, r, 0, 0, v)); break;
      case 2: out.push(bpfInsn(0x18, r, 0, 0, v), bpfInsn(0, 0, 0, 0, s.off)); break;
      default: out.push(bpfInsn(0xb4, r, 0, 0, s.a % 70)); break;
    }
  }
  return out;
}

/** Lays pieces out after `head`, fills in forward jumps (to a later piece or `end`), returns the insns. */
function layout(head: Insn[], pieces: Piece[], tail: Insn[]): Insn[] {
  const starts: number[] = [];
  let pc = head.length;
  for (const p of pieces) { starts.push(pc); pc += p.insns.length; }
  const end = pc;
  const out = [...head];
  pieces.forEach((p, n) => {
    const insns = [...p.insns];
    if (p.jump) {
      const candidates = starts.slice(n + 1).concat([end]);
      const target = candidates[Math.abs(p.jump.pick) % candidates.length]!;
      const at = starts[n]! + p.jump.at;
      const j = insns[p.jump.at]!;
      const rel = target - at - 1;
      insns[p.jump.at] = p.jump.field === 'off' ? bpfInsn(j.code, j.dst, j.src, rel, j.imm) : bpfInsn(j.code, j.dst, j.src, j.off, rel);
    }
    out.push(...insns);
  });
  out.push(...tail);
  return out;
}

/**
 * A counted loop as one piece (so no jump enters it in the middle):
 * `rC = n; L: body; rC -= 1; if rC != 0 goto L` (n up to 300, so budgets matter).
 */
function loopPiece(s: Slot, body: Piece[]): Piece {
  const counter = 6 + (s.a % 2); // R6 or R7
  const n = 1 + (s.b % 300);
  const inner = body
    .filter((p) => !p.jump && !p.insns.some((i) => i.dst === counter || i.src === counter || i.code === 0x95))
    .flatMap((p) => p.insns);
  return {
    insns: [
      bpfInsn(0xb7, counter, 0, 0, n),
      ...inner,
      bpfInsn(0x07, counter, 0, 0, -1),
      bpfInsn(0x55, counter, 0, -(inner.length + 2), 0),
    ],
  };
}

/**
 * Folds every register and a few stack slots into R0 before the final exit, so that a
 * difference anywhere in the register file or the stack shows in the result.
 */
const FOLD: readonly Insn[] = [
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((r) => [bpfInsn(0x27, 0, 0, 0, 31), bpfInsn(0xaf, 0, r, 0, 0)]),
  ...[-8, -16, -64, -512].flatMap((off) => [bpfInsn(0x79, 1, 10, off, 0), bpfInsn(0x27, 0, 0, 0, 31), bpfInsn(0xaf, 0, 1, 0, 0)]),
];

/** Random valid programs, as described above. */
export function arbEbpfProgram(options: ArbEbpfOptions = {}): fc.Arbitrary<Insn[]> {
  const opts: Required<ArbEbpfOptions> = {
    maxSlots: options.maxSlots ?? 24, loops: options.loops ?? false, localCalls: options.localCalls ?? false, span: options.span ?? 32,
  };
  return fc.tuple(
    fc.array(slotArb, { minLength: 2, maxLength: 10 }),
    fc.array(slotArb, { minLength: 1, maxLength: opts.maxSlots }),
    fc.array(slotArb, { minLength: 0, maxLength: 8 }),
  ).map(([seed, body, extra]) => {
    const head = prologue(seed);
    let pieces: Piece[] = body.map((s) => bodyPiece(s, opts));
    if (opts.loops && extra.length > 0) {
      const s = extra[0]!;
      const at = s.c % (pieces.length + 1);
      const inner = extra.slice(1, 4).map((x) => bodyPiece(x, opts));
      pieces = [...pieces.slice(0, at), loopPiece(s, inner), ...pieces.slice(at)];
    }
    if (!opts.localCalls || extra.length === 0) return layout(head, pieces, [...FOLD, bpfInsn(0x95, 0, 0, 0, 0)]);
    // Up to three functions after the main program's exit, each `body; r0 = imm; exit`. Main
    // calls one just before its exit; a function may start by calling a later one, or itself
    // (recursion down to the frame limit).
    const CALL = (rel: number): Insn => bpfInsn(0x85, 0, 1, 0, rel);
    const fnDefs = extra.slice(0, 3).map((s, n) => {
      const calls = s.b % 3 === 0 ? (s.c % 4 === 0 ? n : n + 1) : -1;
      const pieces = extra.slice(3 + n, 5 + n).map((x) => bodyPiece(x, opts));
      const lead: Piece[] = calls >= 0 ? [{ insns: [CALL(0)] }] : [];
      return { calls, insns: layout([], [...lead, ...pieces], [bpfInsn(0xb7, 0, 0, 0, s.imm), bpfInsn(0x95, 0, 0, 0, 0)]) };
    });
    const main = layout(head, pieces, [...FOLD, CALL(0), bpfInsn(0x95, 0, 0, 0, 0)]);
    const starts: number[] = [];
    let pc = main.length;
    for (const f of fnDefs) { starts.push(pc); pc += f.insns.length; }
    const callAt = main.length - 2;
    main[callAt] = CALL(starts[extra[0]!.a % starts.length]! - callAt - 1);
    const out = main;
    fnDefs.forEach((f, n) => {
      if (f.calls >= 0) f.insns[0] = CALL((starts[Math.min(f.calls, starts.length - 1)]!) - starts[n]! - 1);
      out.push(...f.insns);
    });
    return out;
  });
}

/**
 * Programs of packet loads at nearby offsets, with R7 as the index register, compares and
 * forward jumps between them: the ground where the JIT drops bounds checks an earlier load
 * made redundant. Run them over a packet cut at every length.
 */
export function arbPacketLoadProgram(): fc.Arbitrary<Insn[]> {
  const piece = fc.record({
    kind: fc.nat({ max: 9 }), k: fc.integer({ min: -2, max: 22 }), size: fc.nat({ max: 2 }), pick: fc.nat(), imm: fc.nat({ max: 300 }),
  }).map(({ kind, k, size, pick, imm }): Piece => {
    const sz = SIZES[size]!;
    if (kind < 5) return { insns: [bpfInsn(0x20 | sz, 0, 0, 0, k)] };
    if (kind < 6) return { insns: [bpfInsn(0x40 | sz, 0, 7, 0, k)] };
    if (kind < 7) return { insns: [bpfInsn(0xb7, 7, 0, 0, k)] };
    if (kind < 8) return { insns: [bpfInsn(0x04, 0, 0, 0, imm)] };
    return { insns: [bpfInsn(kind === 8 ? 0x25 : 0x15, 0, 0, 0, imm)], jump: { at: 0, pick, field: 'off' } };
  });
  return fc.array(piece, { minLength: 1, maxLength: 16 })
    .map((pieces) => layout([bpfInsn(0xb7, 7, 0, 0, 2)], pieces, [bpfInsn(0x95, 0, 0, 0, 0)]));
}
