/**
 * seccomp_data: the little-endian layout against the C compiler's `struct seccomp_data`
 * (linux/seccomp.h), the big-endian word order a filter loads on s390x, argument parsing
 * (numbers, bigints, hex strings, negative values) and its errors.
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { buildSeccompData, fieldAt, loadWord, offsetOf, parseArg, seccompFields } from '../../src/seccomp/data.js';
import { buildHarness } from '../native/build.js';
import { arbArg } from './arbitrary.js';
import { runs } from '../runs.js';

function buildDataHarness(): { bin?: string; why?: string } {
  if (process.arch !== 'x64' && process.arch !== 'arm64') return { why: 'needs a little-endian host' };
  const built = buildHarness('seccomp_data', { cflags: ['-O2'] });
  return 'skip' in built ? { why: built.skip } : { bin: built.path };
}
const { bin, why } = buildDataHarness();
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe.skipIf(!bin)(`little-endian layout is the C struct's${bin ? '' : ` (skipped: ${why})`}`, () => {
  it('random syscalls on x86_64 and aarch64', () => {
    const samples = fc.sample(fc.record({
      arch: fc.constantFrom('x86_64', 'aarch64'),
      nr: fc.nat({ max: 0xffffffff }),
      ip: arbArg(),
      args: fc.array(arbArg(), { minLength: 6, maxLength: 6 }),
    }), { numRuns: runs(200), seed: 11 });
    const lines = samples.map((s) => {
      const f = seccompFields({ arch: s.arch, syscall: s.nr | 0, args: s.args, ip: s.ip });
      return [f.nr >>> 0, f.audit, f.ip, ...f.args].map((v) => BigInt(v).toString(16)).join(' ');
    });
    const out = spawnSync(bin!, [], { input: `${lines.join('\n')}\n`, encoding: 'utf8' });
    expect(out.status).toBe(0);
    const theirs = out.stdout.trim().split('\n');
    samples.forEach((s, n) => {
      expect(hex(buildSeccompData({ arch: s.arch, syscall: s.nr | 0, args: s.args, ip: s.ip })), lines[n]).toBe(theirs[n]);
    });
  });
});

describe('word order as filters load it', () => {
  it('little-endian: low half first; big-endian (s390x): high half first', () => {
    const args = [0x1122334455667788n, 2n, 3n, 4n, 5n, 0xaabbccdd00000001n];
    const le = buildSeccompData({ arch: 'x86_64', syscall: 'read', args, ip: 0x7fff00001234n });
    expect(loadWord(le, 0)).toBe(0);
    expect(loadWord(le, 4)).toBe(0xc000003e);
    expect(loadWord(le, 8)).toBe(0x00001234);
    expect(loadWord(le, 12)).toBe(0x7fff);
    expect(loadWord(le, 16)).toBe(0x55667788);
    expect(loadWord(le, 20)).toBe(0x11223344);
    expect(loadWord(le, 60)).toBe(0xaabbccdd);
    const be = buildSeccompData({ arch: 's390x', syscall: 'read', args, ip: 0x7fff00001234n });
    expect(loadWord(be, 0)).toBe(3);
    expect(loadWord(be, 4)).toBe(0x80000016);
    expect(loadWord(be, 8)).toBe(0x7fff);
    expect(loadWord(be, 12)).toBe(0x00001234);
    expect(loadWord(be, 16)).toBe(0x11223344);
    expect(loadWord(be, 20)).toBe(0x55667788);
    expect(loadWord(be, 56)).toBe(0xaabbccdd);
    expect(loadWord(be, 60)).toBe(1);
  });

  it('fieldAt and offsetOf are inverses', () => {
    for (const endian of ['little', 'big'] as const) {
      for (let off = 0; off < 64; off += 4) {
        const f = fieldAt(off, endian)!;
        expect(offsetOf(f.field, f.index, f.high, endian)).toBe(off);
      }
      expect(fieldAt(2, endian)).toBeUndefined();
      expect(fieldAt(64, endian)).toBeUndefined();
    }
    expect(fieldAt(20, 'little')).toEqual({ field: 'arg', index: 0, high: true });
    expect(fieldAt(20, 'big')).toEqual({ field: 'arg', index: 0, high: false });
  });
});

describe('arguments', () => {
  it('numbers, bigints, hex, negative values as two\'s complement of the register', () => {
    expect(parseArg(5, 64, 'a')).toBe(5n);
    expect(parseArg('0xffffffffffffffff', 64, 'a')).toBe(0xffffffffffffffffn);
    expect(parseArg('-1', 64, 'a')).toBe(0xffffffffffffffffn);
    expect(parseArg(-100, 64, 'a')).toBe(0xffffffffffffff9cn);
    expect(parseArg(-100, 32, 'a')).toBe(0xffffff9cn);
    expect(parseArg(-1n, 32, 'a')).toBe(0xffffffffn);
    expect(parseArg('1_000', 64, 'a')).toBe(1000n);
    expect(parseArg('0b101', 64, 'a')).toBe(5n);
    const i386 = buildSeccompData({ arch: 'i386', syscall: 'read', args: [-1] });
    expect(loadWord(i386, 16)).toBe(0xffffffff);
    expect(loadWord(i386, 20)).toBe(0);
  });

  it('refuses what no register holds', () => {
    expect(() => parseArg(2n ** 64n, 64, 'args[0]')).toThrow(UsageError);
    expect(() => parseArg(-(2n ** 63n) - 1n, 64, 'args[0]')).toThrow(/does not fit a 64-bit register/);
    expect(() => parseArg(0x100000000, 32, 'args[1]')).toThrow(/args\[1\]: 4294967296 does not fit a 32-bit register/);
    expect(() => parseArg(1.5, 64, 'a')).toThrow(/^a: 1\.5 is not an integer$/);
    expect(() => parseArg(NaN, 64, 'a')).toThrow(/^a: NaN is not an integer$/);
    expect(() => parseArg(2 ** 60, 64, 'a')).toThrow(
      /^a: 1152921504606846976 is not a safe integer \(past 2\^53 a number may already be rounded\): give a bigint or a hex string$/);
    expect(parseArg(2 ** 53 - 1, 64, 'a')).toBe(2n ** 53n - 1n);
    expect(() => parseArg('12abc', 64, 'args[2]')).toThrow(/args\[2\]: '12abc' is not a number/);
    expect(() => buildSeccompData({ arch: 'x86_64', syscall: 'read', args: [0, 0, 0, 0, 0, 0, 0] })).toThrow(/at most 6/);
    expect(() => buildSeccompData({ arch: 'mips', syscall: 'read' })).toThrow(/unknown architecture/);
  });

  it('auditArch overrides the arch word', () => {
    expect(loadWord(buildSeccompData({ arch: 'x86_64', syscall: 0, auditArch: 0x40000003 }), 4)).toBe(0x40000003);
  });
});
