/**
 * The JIT engine: hand-written programs for every instruction group, fault and call path,
 * each run on the JIT and on the interpreter with the same inputs (same R0, steps, fault
 * text, memory afterwards), plus what is the JIT's own: layouts, the compile cache, the
 * options it refuses, and the engine picked by compileProgram.
 */
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/ebpf/asm.js';
import { decodeProgram, encodeProgram } from '../../src/ebpf/encode.js';
import { defaultSkbMeta, SKB_CTX_SIZE, writeSkbContext } from '../../src/abi/ctx.js';
import { decodeClassic } from '../../src/classic/decode.js';
import { insn } from '../../src/classic/insn.js';
import { MAX_LABELS } from '../../src/vm/jit/compile.js';
import { translateClassic } from '../../src/translate/translate.js';
import { ArgumentError, VmError } from '../../src/errors.js';
import { HelperRegistry, standardHelpers } from '../../src/vm/helpers.js';
import { Interpreter } from '../../src/vm/interp.js';
import { JitEngine, compilations, compileProgram, raiseInliningBudget } from '../../src/vm/jit/index.js';
import { ExecEnv } from '../../src/vm/types.js';
import { compareEngines, type RunInput } from './jit-compare.js';
import { testHelpers } from './jit-arbitrary.js';

const skb = (): Uint8Array => {
  const ctx = new Uint8Array(SKB_CTX_SIZE);
  writeSkbContext({ ...defaultSkbMeta(), len: 1234, mark: 0xdeadbeef, protocol: 0x0800 }, new DataView(ctx.buffer));
  return ctx;
};
const pkt = Uint8Array.from({ length: 64 }, (_, n) => (n * 37 + 11) & 0xff);
const INPUTS: RunInput[] = [
  { mem: null, ctx: skb(), pkt, start: 0, len: 64, netOff: 14 },
  { mem: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]), ctx: skb(), pkt, start: 4, len: 20, netOff: -1 },
  { mem: new Uint8Array(2), ctx: new Uint8Array(4), pkt, start: 60, len: 4, netOff: 0 },
  { mem: null, ctx: new Uint8Array(0), pkt: new Uint8Array(0), start: 0, len: 0, netOff: -1 },
];

const helpers = (): HelperRegistry => testHelpers()
  .register(77, (f) => { f.lo[0] = (f.lo[1]! * 2) | 0; f.hi[0] = 0; }, { args: 1 })
  .register(78, (f) => { f.lo[0] = 5; f.hi[0] = 0; return false; }, { args: 0 })
  .register(79, () => { throw new Error('boom'); }, { name: 'bad', args: 0 });

function same(src: string, budget?: number): void {
  const diff = compareEngines(assemble(src), INPUTS, helpers, budget);
  if (diff !== null) expect.fail(diff);
}

const PRE = 'lddw %r1, 0x100000003\nstxdw [%r10-8], %r1\n';
const CORPUS: Record<string, string[]> = {
  'ALU32': [
    'lddw %r0, 0xffffffff00000005\nadd32 %r0, 3\nexit', 'mov32 %r0, 0\nsub32 %r0, 1\nexit', 'mov32 %r0, 0x10000\nmul32 %r0, 0x10001\nexit',
    'mov32 %r0, -1\nrsh32 %r0, 28\nexit', 'mov32 %r0, -16\narsh32 %r0, 2\nexit', 'mov32 %r0, 5\nneg32 %r0\nexit',
    'lddw %r1, 0x1234567800000003\nmov32 %r0, %r1\nexit', 'mov %r0, -1\nxor32 %r0, 0xff\nexit', 'mov32 %r0, 1\nlsh32 %r0, 33\nexit',
    'mov32 %r0, 1\nmov32 %r1, 33\nlsh32 %r0, %r1\nexit', 'mov32 %r0, 7\ndiv32 %r0, 0\nexit', 'mov32 %r0, 7\nmod32 %r0, 0\nexit',
    'lddw %r0, 0x500000007\nmod32 %r0, 0\nexit', 'mov32 %r0, -7\nsdiv32 %r0, 2\nexit', 'mov32 %r0, -7\nsmod32 %r0, 2\nexit',
    'mov32 %r0, 0x80000000\nsdiv32 %r0, -1\nexit', 'mov32 %r0, 0x80000000\nsmod32 %r0, -1\nexit', 'mov32 %r1, 0x1ff\nmovsx832 %r0, %r1\nexit',
    'mov32 %r1, 0x18000\nmovsx1632 %r0, %r1\nexit', 'lddw %r0, 0x1122334455667788\nle16 %r0\nexit', 'lddw %r0, 0x1122334455667788\nle32 %r0\nexit',
    'lddw %r0, 0x1122334455667788\nle64 %r0\nexit', 'lddw %r0, 0x1122334455667788\nbe16 %r0\nexit', 'lddw %r0, 0x1122334455667788\nbe32 %r0\nexit',
    'lddw %r0, 0x1122334455667788\nbe64 %r0\nexit', 'mov32 %r0, 10\nmov32 %r1, 3\ndiv32 %r0, %r1\nmod32 %r1, %r0\nadd32 %r0, %r1\nexit',
  ],
  'ALU64': [
    'mov %r0, -1\nexit', 'mov %r0, 0\nadd %r0, -2\nexit', 'lddw %r0, 0xffffffff\nadd %r0, 1\nexit', 'mov %r0, 0\nsub %r0, 1\nexit',
    'lddw %r0, 0x123456789\nmul %r0, 0x10\nexit', 'lddw %r0, 0xffffffff00000000\nand %r0, -1\nexit', 'mov %r0, 1\nlsh %r0, 63\nexit',
    'mov %r0, 1\nlsh %r0, 63\narsh %r0, 62\nexit', 'mov %r0, 1\nneg %r0\nexit', 'mov %r0, 0\nneg %r0\nexit', 'mov %r0, 1\nmov %r1, 65\nlsh %r0, %r1\nexit',
    'mov %r0, -1\nmov %r1, 64\nrsh %r0, %r1\nexit', 'lddw %r0, 0x8000000000000000\nmov %r1, 33\narsh %r0, %r1\nexit',
    'lddw %r0, 0x123456789abcdef0\nrsh %r0, 4\nexit', 'lddw %r0, 0x123456789abcdef0\nrsh %r0, 36\nexit', 'lddw %r0, 0x123456789abcdef0\nlsh %r0, 36\nexit',
    'lddw %r0, 0x823456789abcdef0\narsh %r0, 32\nexit', 'lddw %r0, 0x823456789abcdef0\narsh %r0, 5\nexit', 'lddw %r0, 0x823456789abcdef0\nlsh %r0, 32\nexit',
    'lddw %r0, -7\nsdiv %r0, 2\nexit', 'lddw %r0, -7\nsmod %r0, 2\nexit', 'lddw %r0, 0x8000000000000000\nsdiv %r0, -1\nexit',
    'lddw %r0, 0xfedcba9876543210\nmov %r1, 0x12345\ndiv %r0, %r1\nexit', 'lddw %r0, 0xfedcba9876543210\nlddw %r1, 0x100000001\nmod %r0, %r1\nexit',
    'mov %r0, 7\nmov %r1, 0\ndiv %r0, %r1\nexit', 'mov %r0, 7\nmov %r1, 0\nmod %r0, %r1\nexit', 'lddw %r0, 0x1122334455667788\nbswap16 %r0\nexit',
    'lddw %r0, 0x1122334455667788\nbswap32 %r0\nexit', 'lddw %r0, 0x1122334455667788\nbswap64 %r0\nexit', 'mov32 %r1, 0x80\nmovsx864 %r0, %r1\nexit',
    'mov32 %r1, 0x8000\nmovsx1664 %r0, %r1\nexit', 'mov32 %r1, -3\nmovsx3264 %r0, %r1\nexit', 'lddw %r0, 0xffffffffffffffff\nadd %r0, %r0\nsub %r0, %r0\nexit',
    'lddw %r0, 0x00000000ffffffff\nlddw %r1, 0x0000000100000001\nadd %r0, %r1\nmul %r0, %r1\nxor %r0, %r1\nor %r0, %r1\nand %r0, %r1\nexit',
  ],
  'jumps': [
    ...['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jsgt', 'jsge', 'jslt', 'jsle', 'jset'].flatMap((j) => [
      `lddw %r1, 0xffffffff00000005\nmov %r0, 1\n${j} %r1, 5, +1\nmov %r0, 2\nexit`,
      `lddw %r1, 0x0000000100000005\nmov %r0, 1\n${j} %r1, -1, +1\nmov %r0, 2\nexit`,
      `lddw %r1, 0xffffffff00000005\nlddw %r2, 0xffffffff00000004\nmov %r0, 1\n${j} %r1, %r2, +1\nmov %r0, 2\nexit`,
      `lddw %r1, 0x0000000700000005\nmov %r0, 1\n${j}32 %r1, 5, +1\nmov %r0, 2\nexit`,
      `mov32 %r1, -6\nmov32 %r2, 4\nmov %r0, 1\n${j}32 %r1, %r2, +1\nmov %r0, 2\nexit`,
      `mov32 %r1, 5\nmov %r0, 1\n${j} %r1, 0x7fffffff, +1\nmov %r0, 2\nexit`,
    ]),
    'mov %r0, 1\nja +1\nmov %r0, 2\nexit', 'mov %r0, 1\nja32 +1\nmov %r0, 2\nexit', 'mov %r0, 1\nja +0\nexit',
  ],
  'memory': [
    'lddw %r1, 0x1122334455667788\nstxdw [%r10-8], %r1\nldxw %r0, [%r10-8]\nexit', 'lddw %r1, 0x1122334455667788\nstxdw [%r10-8], %r1\nldxh %r0, [%r10-2]\nexit',
    'stdw [%r10-8], -2\nldxdw %r0, [%r10-8]\nexit', 'stw [%r10-4], 0x12345678\nsth [%r10-4], 0x1111\nstb [%r10-1], 0x22\nldxw %r0, [%r10-4]\nexit',
    'mov32 %r1, 0x1ff\nstxb [%r10-1], %r1\nstxh [%r10-4], %r1\nldxw %r0, [%r10-4]\nexit', 'stb [%r10-1], 0x80\nldxsb %r0, [%r10-1]\nexit',
    'sth [%r10-2], 0x8000\nldxsh %r0, [%r10-2]\nexit', 'stw [%r10-4], -5\nldxsw %r0, [%r10-4]\nexit',
    'mov %r0, %r2\nexit', 'stb [%r1+4], 0x99\nldxb %r0, [%r1+4]\nexit', 'ldxw %r0, [%r1+0]\nldxw %r2, [%r1+8]\nadd %r0, %r2\nexit',
    'mov %r0, %r10\nexit', 'mov %r0, %r1\nexit', 'mov %r3, %r10\nadd %r3, -16\nstdw [%r3+8], 7\nldxdw %r0, [%r10-8]\nexit',
    'mov %r3, %r1\nadd %r3, 1\nldxb %r0, [%r3+0]\nexit', 'mov %r3, %r1\nadd %r3, %r0\nldxh %r0, [%r3+0]\nldxh %r4, [%r3+2]\nexit',
    'ldxdw %r0, [%r10-512]\nstdw [%r10-512], 1\nexit', 'ldxb %r0, [%r10+0]\nexit', 'stb [%r10-513], 1\nexit', 'ldxdw %r0, [%r10-4]\nexit',
    'mov %r1, 64\nldxb %r0, [%r1]\nexit', 'ldxb %r0, [%r1-1]\nexit', 'mov32 %r1, %r1\nstxw [%r1], %r1\nexit', 'ldxw %r0, [%r1+100]\nexit',
    'mov %r3, %r10\nadd %r3, %r2\nldxb %r0, [%r3-600]\nexit', 'lddw %r3, 0x53544b0040000f00\nldxb %r0, [%r3+0]\nexit',
    // A pointer moved before its region and back (memory.ts's REGION_BASE), known and unknown to the code generator.
    'sub %r1, 1\nldxb %r0, [%r1+1]\nexit', 'mov %r3, %r1\nsub %r3, %r0\nsub %r3, 8\nldxb %r0, [%r3+8]\nexit',
    'mov %r2, %r10\nsub %r2, 5000\nstb [%r2+4999], 3\nldxb %r0, [%r10-1]\nexit',
    `${PRE}mov %r2, 5\nlock add [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit`, `${PRE}mov %r2, 5\nlock fetch add [%r10-8], %r2\nmov %r0, %r2\nexit`,
    `${PRE}mov %r2, -1\nlock add32 [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit`, `${PRE}mov %r2, 0xc\nlock or [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit`,
    `${PRE}mov %r2, 2\nlock fetch and32 [%r10-8], %r2\nldxdw %r0, [%r10-8]\nadd %r0, %r2\nexit`, `${PRE}mov %r2, 1\nlock fetch xor [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit`,
    `${PRE}mov %r2, 9\nlock xchg [%r10-8], %r2\nldxdw %r0, [%r10-8]\nadd %r0, %r2\nexit`, 'stw [%r10-4], -1\nmov %r2, 0\nlock xchg32 [%r10-4], %r2\nmov %r0, %r2\nexit',
    `${PRE}lddw %r0, 0x100000003\nmov %r2, 7\nlock cmpxchg [%r10-8], %r2\nldxdw %r3, [%r10-8]\nadd %r0, %r3\nexit`,
    `${PRE}mov %r0, 3\nmov %r2, 7\nlock cmpxchg32 [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit`, 'mov %r2, 1\nlock add [%r1+0], %r2\nldxdw %r0, [%r1+0]\nexit',
  ],
  'packet loads': [
    'ldabsb 0\nldabsh 2\nldabsw 4\nexit', 'ldabsw 60\nexit', 'ldabsw 61\nmov %r0, 5\nexit', 'ldabsb -1\nexit', 'ldabsh -0x100000\nexit',
    'ldabsw -0x200000\nexit', 'ldabsb -0x100000\nldabsb -0x1ffffe\nexit', 'ldabsb 0x7fffffff\nexit',
    'mov %r7, 0x3e\nldindb %r7, -1\nexit', 'mov32 %r7, -1\nldindb %r7, 1\nexit', 'mov %r7, 2\nldindh %r7, 10\nldindw %r7, 12\nexit',
    'mov %r7, 1\nldindw %r7, 60\nexit', 'mov32 %r7, -0x100000\nldindb %r7, 2\nexit', 'ldabsb 3\nldabsb 1\nldabsb 5\nexit',
  ],
  'calls': [
    'mov %r6, 6\nstdw [%r10-8], 42\nmov %r1, %r10\ncall local f\nldxdw %r1, [%r10-8]\nadd %r0, %r1\nadd %r0, %r6\nexit\n'
      + 'f:\nmov %r6, 100\nstdw [%r10-8], 1000\nldxdw %r0, [%r1-8]\nexit',
    'mov %r0, 0\ncall local f\nexit\nf:\nadd %r0, 1\njeq %r0, 7, +1\ncall local f\nexit',
    'mov %r0, 0\ncall local f\nexit\nf:\nadd %r0, 1\njeq %r0, 8, +1\ncall local f\nexit',
    'call local f\nexit\nf:\nldxb %r0, [%r10-513]\nexit', 'call local f\nexit\nf:\nmov %r2, %r10\nexit',
    'mov %r1, 21\nmov %r3, 77\ncall %r3\nexit', 'mov %r2, 999\ncall %r2\nexit', 'lddw %r2, 0x100000001\ncall %r2\nexit',
    'call 78\nmov %r0, 9\nexit', 'call 79\nexit', 'mov %r3, 0\ncall 4\nexit', 'mov %r1, 3\nmov %r2, 4\nmov %r6, 9\ncall 1\nadd %r0, %r3\nadd %r0, %r6\nexit',
  ],
  'control': ['mov %r0, 0', 'mov %r0, 0\nja +0', 'mov %r0, 0\nL:\nadd %r0, 1\nja L\nexit', 'mov %r0, 3\nL:\nsub %r0, 1\njne %r0, 0, L\nexit'],
};

describe('JIT and interpreter agree on hand-written programs', () => {
  for (const [group, programs] of Object.entries(CORPUS)) {
    it(group, () => {
      for (const src of programs) same(src);
    });
  }

  it('budgets: loops, and straight-line code given fewer steps than instructions', () => {
    for (const b of [1, 2, 3, 10, 1000]) {
      same('mov %r0, 0\nL:\nadd %r0, 1\nja L\nexit', b);
      same('mov %r0, 0\nmov %r1, 1\nldabsb 0\nldxw %r2, [%r1+0]\nexit', b);
      same('mov %r0, 0\ncall local f\nexit\nf:\nadd %r0, 1\njeq %r0, 5, +1\ncall local f\nexit', b);
    }
  });

  it('give the results the interpreter tests expect (both are not wrong together)', () => {
    const r0 = (src: string, env = new ExecEnv()): string => {
      const e = new JitEngine(assemble(src));
      const lo = e.run(env);
      return `0x${e.r0hi.toString(16)}:${lo.toString(16)}`;
    };
    expect(r0('lddw %r0, 0x123456789\nmul %r0, 0x10\nexit')).toBe('0x12:34567890');
    expect(r0('mov %r0, 1\nlsh %r0, 63\narsh %r0, 62\nexit')).toBe('0xffffffff:fffffffe');
    expect(r0('mov32 %r0, 0x80000000\nsdiv32 %r0, -1\nexit')).toBe('0x0:80000000');
    expect(r0('lddw %r0, 0x1122334455667788\nbe64 %r0\nexit')).toBe('0x88776655:44332211');
    const env = new ExecEnv();
    env.setPacket(Uint8Array.from([0xff, 1, 2, 3, 4, 5, 6]), 1, 6);
    expect(r0('ldabsw 1\nexit', env)).toBe('0x0:2030405');
    expect(r0('ldabsw 3\nmov %r0, 7\nexit', env)).toBe('0x0:0');
    expect(() => new JitEngine(assemble('mov %r0, 1\nldxw %r0, [%r1+4]\nexit')).run(env))
      .toThrow(new VmError(1, 'ldxw %r0, [%r1+4]: read of 4 bytes at 0x4354580040000004: outside the ctx region (offset 4, ctx has 0 bytes)'));
  });
});

describe('the JIT engine itself', () => {
  it('lays forward-only programs out as straight-line code, others as a dispatch loop', () => {
    const { insns } = translateClassic(decodeClassic('4\n40 0 0 12\n21 0 1 2048\n6 0 0 262144\n6 0 0 0\n'));
    expect(new JitEngine(insns).layout).toBe('structured');
    expect(new JitEngine(insns).source()).not.toMatch(/switch/);
    expect(new JitEngine(assemble('mov %r0, 3\nL:\nsub %r0, 1\njne %r0, 0, L\nexit')).layout).toBe('switch');
    expect(new JitEngine(assemble('call local f\nexit\nf:\nmov %r0, 1\nexit')).layout).toBe('switch');
  });

  it('compiles the largest programs: up to MAX_LABELS nested labels, the switch beyond', () => {
    // Every instruction a jump target: `jeq #i, jt 0, jf 1`, then three returns.
    const chain = (n: number): ReturnType<typeof translateClassic>['insns'] => translateClassic([
      ...Array.from({ length: n }, (_, i) => insn(0x15, 0, 1, i)), insn(0x06, 0, 0, 1), insn(0x06, 0, 0, 2), insn(0x06, 0, 0, 3),
    ]).insns;
    for (const [n, layout] of [[MAX_LABELS - 10, 'structured'], [MAX_LABELS + 10, 'switch'], [4093, 'switch']] as const) {
      const prog = chain(n);
      const jit = new JitEngine(prog), vm = new Interpreter(prog);
      expect(jit.layout).toBe(layout);
      const env = new ExecEnv();
      expect([jit.run(env), jit.steps]).toEqual([vm.run(env), vm.steps]);
    }
  });

  it('folds what the program fixes: constant offsets, known pointers, 32-bit values', () => {
    const src = new JitEngine(assemble('ldabsh 12\njne %r0, 0x800, +2\nldxw %r0, [%r1+0]\nstxw [%r10-4], %r0\nexit')).source();
    expect(src).toMatch(/if \(pl < 14\)/);
    expect(src).toMatch(/pd\.getUint16\(ps \+ 12\)/);
    expect(src).toMatch(/if \(l0 !== 2048\)/); // R0's upper half is known 0: one int32 compare
    expect(src).toMatch(/cv\.getInt32\(0, true\)/); // R1 is the context pointer: a constant address
    expect(src).toMatch(/sv\.setInt32\(4092, l0, true\)/); // R10 is known: the stack slot is a constant
  });

  it('compiles a program once, even when it is decoded again', () => {
    const prog = assemble('mov %r0, 12345\nadd %r0, 67890\nexit');
    const before = compilations();
    const a = new JitEngine(prog);
    const b = new JitEngine(decodeProgram(encodeProgram(prog)));
    expect(compilations()).toBe(before + 1);
    expect(b.source()).toBe(a.source());
    expect(a.run(new ExecEnv())).toBe(80235);
    expect(b.run(new ExecEnv())).toBe(80235);
  });

  it('keeps per-engine state apart: stacks and helper registries', () => {
    const counter = assemble('ldxdw %r0, [%r10-8]\nadd %r0, 1\nstxdw [%r10-8], %r0\nexit'); // the stack persists, as in the interpreter
    const a = new JitEngine(counter), b = new JitEngine(counter), i = new Interpreter(counter);
    const env = new ExecEnv();
    expect([a.run(env), a.run(env), b.run(env), a.run(env)]).toEqual([1, 2, 1, 3]);
    expect([i.run(env), i.run(env)]).toEqual([1, 2]);
    const rnd = assemble('call 7\nexit');
    const x = new JitEngine(rnd, { helpers: standardHelpers({ seed: 1 }) });
    const y = new JitEngine(rnd, { helpers: standardHelpers({ seed: 1 }) });
    const first = new Interpreter(rnd, { helpers: standardHelpers({ seed: 1 }) }).run(env);
    expect(x.run(env)).toBe(first);
    expect(x.run(env)).not.toBe(first);
    expect(y.run(env)).toBe(first);
  });

  it('switches between context and caller memory on the same engine', () => {
    const e = new JitEngine(assemble('mov %r0, %r1\nrsh %r0, 32\nexit'));
    const env = new ExecEnv();
    expect(e.run(env)).toBe(0x43545800);
    env.mem = new Uint8Array(1);
    expect(e.run(env)).toBe(0x4d454d00);
    env.mem = null;
    expect(e.run(env)).toBe(0x43545800);
  });

  it('says whether runs read the context, so callers can skip filling it', () => {
    expect(new JitEngine(assemble('ldabsh 12\nexit')).readsContext).toBe(false);
    expect(new JitEngine(assemble('ldxw %r0, [%r1+0]\nexit')).readsContext).toBe(true);
    expect(new JitEngine(assemble('mov %r2, %r1\nadd %r2, %r0\nldxb %r0, [%r2+0]\nexit')).readsContext).toBe(true);
    expect(new JitEngine(assemble('call 7\nexit')).readsContext).toBe(true);
  });

  it('raises V8\'s inlining budget only to integer sizes', () => {
    expect(() => raiseInliningBudget(100)).toThrow(ArgumentError);
    expect(() => raiseInliningBudget(1.5e3 + 0.5)).toThrow(ArgumentError);
    expect(() => raiseInliningBudget()).not.toThrow();
  });

  it('has no checked mode or trace; compileProgram picks the interpreter for them', () => {
    const prog = assemble('mov %r0, 1\nexit');
    expect(() => new JitEngine(prog, { checked: true })).toThrow(/no checked mode/);
    expect(() => new JitEngine(prog, { trace: () => {} })).toThrow(/no checked mode or trace/);
    expect(compileProgram(prog)).toBeInstanceOf(JitEngine);
    expect(compileProgram(prog, { checked: true })).toBeInstanceOf(Interpreter);
  });

  it('refuses what the interpreter refuses, with the same errors', () => {
    for (const src of ['mov %r10, 1\nexit', 'ja +5\nexit', 'call 12345\nexit']) {
      expect(() => new JitEngine(assemble(src))).toThrow(((): Error => { try { new Interpreter(assemble(src)); } catch (e) { return e as Error; } return new Error('none'); })());
    }
    expect(() => new JitEngine([])).toThrow(/empty/);
    expect(() => new JitEngine(assemble('exit'), { budget: 0 })).toThrow(/opts.budget must be an integer of at least 1, not 0/);
    expect(() => new Interpreter(assemble('exit'), { budget: 0 })).toThrow(/opts.budget must be an integer of at least 1, not 0/);
  });
});
