/**
 * The JIT's safety invariant (src/vm/jit/source.ts): generated JavaScript is made of our
 * fixed fragments and integers only. Random programs, and programs whose instruction fields
 * are set to arbitrary values, compile to source that uses only whitelisted characters and
 * identifiers: no string, regex or template literal, no comment, no name from the input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bpfInsn, type Insn } from '../../src/ebpf/insn.js';
import { findEncodingProblem } from '../../src/ebpf/validate.js';
import { buildCfg } from '../../src/vm/jit/blocks.js';
import { factorySource, generateBodies } from '../../src/vm/jit/compile.js';
import { RUNTIME_NAMES } from '../../src/vm/jit/runtime.js';
import { label, num, reg } from '../../src/vm/jit/source.js';
import { arbEbpfProgram } from './jit-arbitrary.js';
import { minimum, runs } from '../runs.js';

/** Characters generated code may contain: no quotes, backquotes, backslashes or slashes. */
const CHARS = /^[A-Za-z0-9_$ \n;:,.(){}[\]=+\-*&|^~!<>?]*$/;
const TOKEN = /[A-Za-z_$][A-Za-z0-9_$]*|\d+|\s+|[;:,.(){}[\]=+\-*&|^~!<>?]/g;
const KEYWORDS = ['const', 'let', 'return', 'function', 'if', 'else', 'for', 'switch', 'case', 'default', 'break',
  'continue', 'throw', 'try', 'catch', 'true', 'false', 'null', 'loop', 'fail'];
/** Locals and parameters of the generated code, state fields, DataView methods. */
const NAMES = ['S', 'other', 'env', 'mem', 'ctx', 'packet', 'run', 'body', 'length', 'pktView', 'setPacketView', 'pd', 'ps', 'pl', 'pktStart', 'pktLen', 'e', 'st', 't', 'v', 'r', 'pc', 'dp',
  'cv', 'cl', 'mv', 'ml', 'sv', 'FL', 'FH', 'CS', 'B', 'R', 'out', 'fl', 'fh', 'cs', 'budget',
  'getInt8', 'getUint8', 'getInt16', 'getUint16', 'getInt32', 'setInt8', 'setInt16', 'setInt32'];
const ALLOWED = new Set([...KEYWORDS, ...NAMES, ...RUNTIME_NAMES, '$']);
const GENERATED_NAME = /^(l|h)([0-9]|10)$|^b\d+$/;

function check(src: string): void {
  expect(src).toMatch(CHARS);
  // Tokens cover the whole text, and every identifier is one we write.
  expect(src.replace(TOKEN, '')).toBe('');
  for (const tok of src.match(TOKEN) ?? []) {
    if (/^[A-Za-z_$]/.test(tok) && !ALLOWED.has(tok) && !GENERATED_NAME.test(tok)) expect.fail(`unexpected identifier ${tok}`);
  }
}

/** An instruction with every field arbitrary (within its bit width). */
const anyInsn: fc.Arbitrary<Insn> = fc.record({
  code: fc.nat({ max: 255 }), dst: fc.nat({ max: 15 }), src: fc.nat({ max: 15 }),
  off: fc.integer({ min: -0x8000, max: 0x7fff }), imm: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
}).map(({ code, dst, src, off, imm }) => bpfInsn(code, dst, src, off, imm));

function sources(prog: Insn[]): string[] {
  if (findEncodingProblem(prog) !== null) return [];
  const cfg = buildCfg(prog);
  return (['ctx', 'mem'] as const).flatMap((variant) => [false, true].map((budgeted) => factorySource(generateBodies(prog, { variant, budgeted }, cfg), variant)));
}

describe('generated source is made of fixed fragments and integers', () => {
  it('for random programs, with loops and local calls', () => {
    fc.assert(fc.property(fc.oneof(arbEbpfProgram(), arbEbpfProgram({ loops: true }), arbEbpfProgram({ localCalls: true })), (prog) => {
      const all = sources(prog);
      expect(all.length).toBe(4);
      all.forEach(check);
    }), { numRuns: runs(1000) });
  });

  it('for programs with fields set to arbitrary values (the valid ones compile, all pass the whitelist)', () => {
    let compiled = 0;
    fc.assert(fc.property(arbEbpfProgram({ maxSlots: 8 }), fc.array(fc.tuple(fc.nat(), anyInsn, fc.constantFrom('code', 'dst', 'src', 'off', 'imm', 'all')), { minLength: 1, maxLength: 4 }), (prog, edits) => {
      const p = [...prog];
      for (const [at, x, field] of edits) {
        const n = at % p.length, i = p[n]!;
        p[n] = field === 'all' ? x : bpfInsn(field === 'code' ? x.code : i.code, field === 'dst' ? x.dst : i.dst,
          field === 'src' ? x.src : i.src, field === 'off' ? x.off : i.off, field === 'imm' ? x.imm : i.imm);
      }
      const all = sources(p);
      if (all.length > 0) compiled++;
      all.forEach(check);
    }), { numRuns: runs(3000) });
    expect(compiled).toBeGreaterThan(minimum(100));
  });

  it('the emitters refuse anything but integers', () => {
    for (const bad of [NaN, Infinity, 1.5, 2 ** 60, '1; alert(1)' as unknown as number, {} as number]) {
      expect(() => num(bad)).toThrow(/not a safe integer/);
    }
    expect(num(-5)).toBe('(-5)');
    expect(num(4294967295)).toBe('4294967295');
    expect(() => reg(11)).toThrow();
    expect(() => reg(-1)).toThrow();
    expect(() => label(-1)).toThrow();
    expect(() => label(0.5)).toThrow();
  });
});
