/**
 * pcapng timestamp conversion against a BigInt reference of the format's definition:
 * seconds = count / units + offset, nanoseconds = floor((count % units) * 10^9 / units).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinUnits, TimeBase } from '../../src/capture/timestamp.js';
import { ArgumentError } from '../../src/errors.js';
import { runs } from '../runs.js';

function reference(hi: number, lo: number, tsresol: number, offset: number): { tsSec: number; tsNsec: number } {
  const count = (BigInt(hi) << 32n) | BigInt(lo);
  const units = tsresol & 0x80 ? 1n << BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
  return { tsSec: Number(count / units + BigInt(offset)), tsNsec: Number(((count % units) * 1_000_000_000n) / units) };
}

const resolutions = fc.oneof(fc.integer({ min: 0, max: 19 }), fc.integer({ min: 0, max: 63 }).map((n) => 0x80 | n));
const u32 = fc.integer({ min: 0, max: 0xffffffff });
// Counts near what real files hold (hi below 2^21) and anywhere in 64 bits.
const hiWord = fc.oneof(fc.integer({ min: 0, max: 0x1fffff }), u32);

describe('TimeBase.convert', () => {
  it('equals the BigInt definition for every resolution and 64-bit count', () => {
    fc.assert(
      fc.property(hiWord, u32, resolutions, fc.integer({ min: -1e9, max: 1e9 }), (hi, lo, tsresol, offset) => {
        const out = { tsSec: 0, tsNsec: 0 };
        new TimeBase(tsresol, offset).convert(hi, lo, out);
        const want = reference(hi, lo, tsresol, offset);
        expect(out.tsNsec).toBe(want.tsNsec);
        // Seconds at or above 2^53 (only from absurd counts) cannot all be held exactly by a
        // double; there they must be within a few units in the last place.
        if (Math.abs(want.tsSec) < 2 ** 53) expect(out.tsSec).toBe(want.tsSec);
        else expect(Math.abs(out.tsSec - want.tsSec) / want.tsSec).toBeLessThan(2 ** -50);
      }),
      { numRuns: runs(20000) },
    );
  });

  it('handles the edges of each resolution', () => {
    const stamps = [
      [0, 0], [0, 1], [0, 0xffffffff], [1, 0], [0x1fffff, 0xffffffff], [0x200000, 0], [0xffffffff, 0xffffffff], [0x80000000, 0],
    ] as const;
    for (const tsresol of [0, 1, 6, 9, 10, 12, 19, 0x80, 0x80 | 1, 0x80 | 23, 0x80 | 24, 0x80 | 31, 0x80 | 32, 0x80 | 33, 0x80 | 63]) {
      for (const [hi, lo] of stamps) {
        const out = { tsSec: 0, tsNsec: 0 };
        new TimeBase(tsresol).convert(hi, lo, out);
        const want = reference(hi, lo, tsresol, 0);
        expect(out.tsNsec, `tsresol ${tsresol} count ${hi}:${lo}`).toBe(want.tsNsec);
        expect(Math.abs(out.tsSec - want.tsSec), `tsresol ${tsresol} count ${hi}:${lo}`).toBeLessThanOrEqual(want.tsSec < 2 ** 53 ? 0 : want.tsSec * 2 ** -50);
      }
    }
  });

  it('refuses resolutions libpcap refuses', () => {
    expect(() => new TimeBase(20)).toThrow(ArgumentError);
    expect(() => new TimeBase(0x80 | 64)).toThrow(ArgumentError);
    expect(new TimeBase(6).finerThanMicro).toBe(false);
    expect(new TimeBase(9).finerThanMicro).toBe(true);
    expect(new TimeBase(0x80 | 20).finerThanMicro).toBe(true);
    expect(new TimeBase(0x80 | 19).finerThanMicro).toBe(false);
  });
});

describe('joinUnits', () => {
  it('is the exact 64-bit sec * units + frac', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 34 }), fc.constantFrom(1e3, 1e6, 1e9), fc.nat(), (sec, units, f) => {
        const frac = f % units;
        const out = { hi: 0, lo: 0 };
        joinUnits(sec, units, frac, out);
        const want = (BigInt(sec) * BigInt(units) + BigInt(frac)) & ((1n << 64n) - 1n);
        expect((BigInt(out.hi) << 32n) | BigInt(out.lo)).toBe(want);
      }),
      { numRuns: runs(5000) },
    );
  });
});
