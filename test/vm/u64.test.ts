/**
 * src/vm/u64.ts against BigInt: every operation on random 64-bit values (biased towards the
 * edges: 0, ±1, INT_MIN, values with a zero upper half) must give the exact result.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  OUT, add64, bswap16, bswap32, bswap64, eq64, les64, leu64, lts64, ltu64, mul64, mulhiU32,
  neg64, sar64, sdiv32, sdiv64, sext16, sext8, shl64, shr64, smod32, smod64, sub64, udiv32, udiv64, umod32, umod64,
} from '../../src/vm/u64.js';
import { hex, hex64, hex64Short } from '../../src/hex.js';
import { runs } from '../runs.js';

const M64 = (1n << 64n) - 1n;
const split = (v: bigint): [number, number] => {
  const u = BigInt.asUintN(64, v);
  return [Number(BigInt.asIntN(32, u)), Number(BigInt.asIntN(32, u >> 32n))];
};
const join = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
const out = (): bigint => join(OUT[0]!, OUT[1]!);
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);

const INT64_MIN = 1n << 63n;
/** 64-bit values, mostly random, often at the edges where division and carries break. */
const u64 = fc.oneof(
  { arbitrary: fc.bigInt({ min: 0n, max: M64 }), weight: 4 },
  { arbitrary: fc.bigInt({ min: 0n, max: 0xffffffffn }), weight: 2 },
  { arbitrary: fc.bigInt({ min: 0n, max: 0x1fffffffffffffn }), weight: 1 },
  { arbitrary: fc.constantFrom(0n, 1n, 2n, M64, M64 - 1n, INT64_MIN, INT64_MIN - 1n, 0xffffffffn, 0x100000000n, 0x80000000n), weight: 2 },
);
const u32 = fc.oneof(fc.nat({ max: 0xffffffff }), fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff));

describe('64-bit arithmetic on int32 halves', () => {
  it('add, sub, neg, mul wrap modulo 2^64', () => {
    fc.assert(fc.property(u64, u64, (a, b) => {
      const [al, ah] = split(a), [bl, bh] = split(b);
      add64(al, ah, bl, bh); expect(out()).toBe((a + b) & M64);
      sub64(al, ah, bl, bh); expect(out()).toBe((a - b) & M64);
      mul64(al, ah, bl, bh); expect(out()).toBe((a * b) & M64);
      neg64(al, ah); expect(out()).toBe(-a & M64);
    }), { numRuns: runs(3000) });
  });

  it('mulhiU32 is the high word of the 64-bit product', () => {
    fc.assert(fc.property(u32, u32, (a, b) => {
      expect(mulhiU32(a, b) >>> 0).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
    }), { numRuns: runs(3000) });
  });

  it('unsigned division and modulo (x/0 = 0, x%0 = x)', () => {
    fc.assert(fc.property(u64, u64, (a, b) => {
      const [al, ah] = split(a), [bl, bh] = split(b);
      udiv64(al, ah, bl, bh); expect(out()).toBe(b === 0n ? 0n : a / b);
      umod64(al, ah, bl, bh); expect(out()).toBe(b === 0n ? a : a % b);
    }), { numRuns: runs(5000) });
  });

  it('signed division and modulo: truncation, dividend sign, INT_MIN / -1', () => {
    fc.assert(fc.property(u64, u64, (a, b) => {
      const [al, ah] = split(a), [bl, bh] = split(b);
      const sa = s64(a), sb = s64(b);
      const q = sb === 0n ? 0n : sa === -INT64_MIN && sb === -1n ? sa : sa / sb;
      const r = sb === 0n ? sa : sb === -1n ? 0n : sa % sb;
      sdiv64(al, ah, bl, bh); expect(out()).toBe(q & M64);
      smod64(al, ah, bl, bh); expect(out()).toBe(r & M64);
    }), { numRuns: runs(5000) });
    sdiv64(0, 0x80000000 | 0, -1, -1);
    expect(out()).toBe(INT64_MIN);
    smod64(0, 0x80000000 | 0, -1, -1);
    expect(out()).toBe(0n);
  });

  it('32-bit division and modulo', () => {
    fc.assert(fc.property(u32, u32, (a, b) => {
      const ua = BigInt(a), ub = BigInt(b), sa = BigInt.asIntN(32, ua), sb = BigInt.asIntN(32, ub);
      const bits = (v: bigint): number => Number(BigInt.asUintN(32, v));
      expect(udiv32(a | 0, b | 0) >>> 0).toBe(b === 0 ? 0 : bits(ua / ub));
      expect(umod32(a | 0, b | 0) >>> 0).toBe(b === 0 ? a : bits(ua % ub));
      expect(sdiv32(a | 0, b | 0) >>> 0).toBe(sb === 0n ? 0 : bits(sa / sb));
      expect(smod32(a | 0, b | 0) >>> 0).toBe(sb === 0n ? a : sb === -1n ? 0 : bits(sa % sb));
    }), { numRuns: runs(5000) });
    expect(sdiv32(0x80000000 | 0, -1)).toBe(0x80000000 | 0);
    expect(smod32(0x80000000 | 0, -1)).toBe(0);
  });

  it('shifts take the amount modulo 64', () => {
    fc.assert(fc.property(u64, fc.integer({ min: -200, max: 200 }), (a, n) => {
      const [al, ah] = split(a);
      const k = BigInt(n & 63);
      shl64(al, ah, n); expect(out()).toBe((a << k) & M64);
      shr64(al, ah, n); expect(out()).toBe(a >> k);
      sar64(al, ah, n); expect(out()).toBe(BigInt.asUintN(64, s64(a) >> k));
    }), { numRuns: runs(3000) });
  });

  it('compares, unsigned and signed', () => {
    fc.assert(fc.property(u64, u64, (a, b) => {
      const [al, ah] = split(a), [bl, bh] = split(b);
      expect(ltu64(al, ah, bl, bh)).toBe(a < b);
      expect(leu64(al, ah, bl, bh)).toBe(a <= b);
      expect(lts64(al, ah, bl, bh)).toBe(s64(a) < s64(b));
      expect(les64(al, ah, bl, bh)).toBe(s64(a) <= s64(b));
      expect(eq64(al, ah, bl, bh)).toBe(a === b);
      expect(ltu64(al, ah, al, ah)).toBe(false);
    }), { numRuns: runs(3000) });
  });

  it('byte swaps and sign extension', () => {
    fc.assert(fc.property(u64, (a) => {
      const [al, ah] = split(a);
      const bytes = (v: bigint, n: number): bigint[] => Array.from({ length: n }, (_, k) => (v >> BigInt(8 * k)) & 0xffn);
      const fromBytes = (b: bigint[]): bigint => b.reduce((acc, x) => (acc << 8n) | x, 0n);
      expect(BigInt(bswap16(al) >>> 0)).toBe(fromBytes(bytes(a, 2)));
      expect(BigInt(bswap32(al) >>> 0)).toBe(fromBytes(bytes(a, 4)));
      bswap64(al, ah); expect(out()).toBe(fromBytes(bytes(a, 8)));
      expect(BigInt(sext8(al))).toBe(BigInt.asIntN(8, a));
      expect(BigInt(sext16(al))).toBe(BigInt.asIntN(16, a));
    }), { numRuns: runs(2000) });
  });

  it('formats 64-bit values in hex', () => {
    expect(hex64(0x44332211, 0x88776655 | 0)).toBe('0x8877665544332211');
    expect(hex64Short(0x11, 0)).toBe('11');
    expect(hex64Short(1, 1)).toBe('100000001');
    expect(hex(-1)).toBe('0xffffffff');
    expect(hex(0x15, 2)).toBe('0x15');
    expect(hex(5, 2)).toBe('0x05');
  });
});
