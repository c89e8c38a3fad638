/**
 * The interpreter instruction group by instruction group, with expected values worked out
 * from RFC 9669 (and checked against BigInt where arithmetic is involved), plus faults,
 * budget, checked mode, helpers and the legacy packet loads.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/ebpf/asm.js';
import { defaultSkbMeta, SKB, SKB_CTX_SIZE, writeSkbContext, type SkbMeta } from '../../src/abi/ctx.js';
import {
  HELPER_CBPF_HATYPE, HELPER_CBPF_NLATTR, HELPER_CBPF_NLATTR_NEST, HELPER_CBPF_PAY_OFFSET,
  HELPER_GET_PRANDOM_U32, HELPER_GET_SMP_PROCESSOR_ID,
} from '../../src/ebpf/helpers.js';
import { bpfInsn, type Insn } from '../../src/ebpf/insn.js';
import { VerifyError, VmError } from '../../src/errors.js';
import { HelperRegistry, standardHelpers } from '../../src/vm/helpers.js';
import { DEFAULT_BUDGET, Interpreter, type InterpreterOptions } from '../../src/vm/interp.js';
import { REGION_BASE, REGION_CTX, REGION_MEM, REGION_STACK, STACK_BYTES } from '../../src/vm/memory.js';
import { ExecEnv } from '../../src/vm/types.js';
import { minimum, runs } from '../runs.js';

interface Run {
  r0: bigint;
  steps: number;
  vm: Interpreter;
}

/** Assembles and runs `src` once; R0 as an unsigned 64-bit BigInt. */
function run(src: string | Insn[], env: ExecEnv = new ExecEnv(), opts: InterpreterOptions = {}): Run {
  const prog = typeof src === 'string' ? assemble(src) : src;
  const vm = new Interpreter(prog, opts);
  const lo = vm.run(env);
  return { r0: (BigInt(vm.r0hi) << 32n) | BigInt(lo), steps: vm.steps, vm };
}
const r0 = (src: string, env?: ExecEnv, opts?: InterpreterOptions): bigint => run(src, env, opts).r0;
const memEnv = (bytes: number[] | Uint8Array): ExecEnv => {
  const env = new ExecEnv();
  env.mem = Uint8Array.from(bytes);
  return env;
};
/** The VmError a run throws. */
function fault(src: string | Insn[], env?: ExecEnv, opts?: InterpreterOptions): VmError {
  try {
    run(src, env, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(VmError);
    return e as VmError;
  }
  throw new Error('expected a VmError');
}
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const hex = (v: bigint): string => `0x${u64(v).toString(16)}`;

describe('ALU', () => {
  it('32-bit operations work on the low half and zero-extend', () => {
    expect(r0('lddw %r0, 0xffffffff00000005\nadd32 %r0, 3\nexit')).toBe(8n);
    expect(r0('mov32 %r0, 0\nsub32 %r0, 1\nexit')).toBe(0xffffffffn);
    expect(r0('mov32 %r0, 0x10000\nmul32 %r0, 0x10001\nexit')).toBe(0x10000n);
    expect(r0('mov32 %r0, -1\nrsh32 %r0, 28\nexit')).toBe(0xfn);
    expect(r0('mov32 %r0, -16\narsh32 %r0, 2\nexit')).toBe(0xfffffffcn);
    expect(r0('mov32 %r0, 5\nneg32 %r0\nexit')).toBe(0xfffffffbn);
    expect(r0('lddw %r1, 0x1234567800000003\nmov32 %r0, %r1\nexit')).toBe(3n);
    expect(r0('mov %r0, -1\nxor32 %r0, 0xff\nexit')).toBe(0xffffff00n);
  });

  it('64-bit operations sign-extend the immediate', () => {
    expect(r0('mov %r0, -1\nexit')).toBe(u64(-1n));
    expect(r0('mov %r0, 0\nadd %r0, -2\nexit')).toBe(u64(-2n));
    expect(r0('lddw %r0, 0xffffffff\nadd %r0, 1\nexit')).toBe(0x100000000n);
    expect(r0('mov %r0, 0\nsub %r0, 1\nexit')).toBe(u64(-1n));
    expect(r0('lddw %r0, 0x123456789\nmul %r0, 0x10\nexit')).toBe(0x1234567890n);
    expect(r0('lddw %r0, 0xffffffff00000000\nand %r0, -1\nexit')).toBe(0xffffffff00000000n);
    expect(r0('mov %r0, 1\nlsh %r0, 63\nexit')).toBe(1n << 63n);
    expect(r0('mov %r0, 1\nlsh %r0, 63\narsh %r0, 62\nexit')).toBe(u64(-2n));
    expect(r0('mov %r0, 1\nneg %r0\nexit')).toBe(u64(-1n));
  });

  it('register shift amounts are masked (&31, &63)', () => {
    expect(r0('mov32 %r0, 1\nmov32 %r1, 33\nlsh32 %r0, %r1\nexit')).toBe(2n);
    expect(r0('mov %r0, 1\nmov %r1, 65\nlsh %r0, %r1\nexit')).toBe(2n);
    expect(r0('mov %r0, -1\nmov %r1, 64\nrsh %r0, %r1\nexit')).toBe(u64(-1n));
  });

  it('division by zero gives 0; modulo by zero keeps dst (ALU64) or its low half (ALU)', () => {
    expect(r0('mov %r0, 7\nmov %r1, 0\ndiv %r0, %r1\nexit')).toBe(0n);
    expect(r0('mov32 %r0, 7\nmov32 %r1, 0\ndiv32 %r0, %r1\nexit')).toBe(0n);
    expect(r0('lddw %r0, 0x100000007\nmov %r1, 0\nmod %r0, %r1\nexit')).toBe(0x100000007n);
    expect(r0('lddw %r0, 0x100000007\nmov %r1, 0\nmod32 %r0, %r1\nexit')).toBe(7n);
    expect(r0('lddw %r0, 0x100000007\nmov %r1, 0\nsmod %r0, %r1\nexit')).toBe(0x100000007n);
    expect(r0('lddw %r0, 0x100000007\nmov %r1, 0\nsmod32 %r0, %r1\nexit')).toBe(7n);
    expect(r0('mov %r0, -7\nmov %r1, 0\nsdiv %r0, %r1\nexit')).toBe(0n);
  });

  it('unsigned division uses the full 64 bits; 32-bit division the low halves', () => {
    expect(r0('lddw %r0, 0xffffffffffffffff\nlddw %r1, 0x100000000\ndiv %r0, %r1\nexit')).toBe(0xffffffffn);
    expect(r0('lddw %r0, 0xfedcba9876543210\nmov %r1, 7\nmod %r0, %r1\nexit')).toBe(0xfedcba9876543210n % 7n);
    expect(r0('mov32 %r0, 12\nlddw %r1, 0x100000004\ndiv32 %r0, %r1\nexit')).toBe(3n);
    // The immediate is sign-extended, then the division is unsigned.
    expect(r0('lddw %r0, 0xfffffffffffffff0\ndiv %r0, -1\nexit')).toBe(0n);
    expect(r0('mov32 %r0, -1\ndiv32 %r0, -1\nexit')).toBe(1n);
  });

  it('signed division truncates toward zero; INT_MIN / -1 = INT_MIN, INT_MIN % -1 = 0', () => {
    expect(r0('mov %r0, -7\nsdiv %r0, 2\nexit')).toBe(u64(-3n));
    expect(r0('mov %r0, -7\nsmod %r0, 2\nexit')).toBe(u64(-1n));
    expect(r0('mov %r0, 7\nsmod %r0, -2\nexit')).toBe(1n);
    expect(r0('mov32 %r0, -7\nsdiv32 %r0, 2\nexit')).toBe(0xfffffffdn);
    expect(r0('lddw %r0, 0x8000000000000000\nsdiv %r0, -1\nexit')).toBe(1n << 63n);
    expect(r0('lddw %r0, 0x8000000000000000\nsmod %r0, -1\nexit')).toBe(0n);
    expect(r0('mov32 %r0, 0x80000000\nsdiv32 %r0, -1\nexit')).toBe(0x80000000n);
    expect(r0('mov32 %r0, 0x80000000\nsmod32 %r0, -1\nexit')).toBe(0n);
  });

  it('64-bit division matches BigInt on random operands', () => {
    const op = fc.constantFrom('div', 'mod', 'sdiv', 'smod');
    const v = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    fc.assert(fc.property(op, v, v, (name, a, b) => {
      const got = r0(`lddw %r0, ${hex(a)}\nlddw %r1, ${hex(b)}\n${name} %r0, %r1\nexit`);
      const sa = BigInt.asIntN(64, a), sb = BigInt.asIntN(64, b);
      const want = {
        div: b === 0n ? 0n : a / b,
        mod: b === 0n ? a : a % b,
        sdiv: sb === 0n ? 0n : sa / sb,
        smod: sb === 0n ? sa : sa % sb,
      }[name]!;
      expect(hex(got)).toBe(hex(want));
    }), { numRuns: runs(500) });
  });

  it('movsx sign-extends 8, 16 and 32 bits', () => {
    expect(r0('mov32 %r1, 0x80\nmovsx864 %r0, %r1\nexit')).toBe(u64(-128n));
    expect(r0('mov32 %r1, 0x80\nmovsx832 %r0, %r1\nexit')).toBe(0xffffff80n);
    expect(r0('mov32 %r1, 0x8001\nmovsx1664 %r0, %r1\nexit')).toBe(u64(-0x7fffn));
    expect(r0('mov32 %r1, 0x8001\nmovsx1632 %r0, %r1\nexit')).toBe(0xffff8001n);
    expect(r0('mov32 %r1, 0x80000001\nmovsx3264 %r0, %r1\nexit')).toBe(u64(-0x7fffffffn));
    expect(r0('mov32 %r1, 0x7f\nmovsx864 %r0, %r1\nexit')).toBe(0x7fn);
  });

  it('byte order: le truncates, be and the ALU64 swap reverse bytes', () => {
    const v = '0x8877665544332211';
    expect(r0(`lddw %r0, ${v}\nle16 %r0\nexit`)).toBe(0x2211n);
    expect(r0(`lddw %r0, ${v}\nle32 %r0\nexit`)).toBe(0x44332211n);
    expect(r0(`lddw %r0, ${v}\nle64 %r0\nexit`)).toBe(0x8877665544332211n);
    expect(r0(`lddw %r0, ${v}\nbe16 %r0\nexit`)).toBe(0x1122n);
    expect(r0(`lddw %r0, ${v}\nbe32 %r0\nexit`)).toBe(0x11223344n);
    expect(r0(`lddw %r0, ${v}\nbe64 %r0\nexit`)).toBe(0x1122334455667788n);
    expect(r0(`lddw %r0, ${v}\nswap16 %r0\nexit`)).toBe(0x1122n);
    expect(r0(`lddw %r0, ${v}\nbswap32 %r0\nexit`)).toBe(0x11223344n);
    expect(r0(`lddw %r0, ${v}\nswap64 %r0\nexit`)).toBe(0x1122334455667788n);
  });
});

describe('jumps', () => {
  const v = fc.oneof(
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    fc.constantFrom(0n, 1n, (1n << 64n) - 1n, 1n << 63n, 0xffffffffn, 0x80000000n),
  );
  const conds: Record<string, (a: bigint, b: bigint, bits: number) => boolean> = {
    jeq: (a, b) => a === b, jne: (a, b) => a !== b, jset: (a, b) => (a & b) !== 0n,
    jgt: (a, b) => a > b, jge: (a, b) => a >= b, jlt: (a, b) => a < b, jle: (a, b) => a <= b,
    jsgt: (a, b, n) => BigInt.asIntN(n, a) > BigInt.asIntN(n, b), jsge: (a, b, n) => BigInt.asIntN(n, a) >= BigInt.asIntN(n, b),
    jslt: (a, b, n) => BigInt.asIntN(n, a) < BigInt.asIntN(n, b), jsle: (a, b, n) => BigInt.asIntN(n, a) <= BigInt.asIntN(n, b),
  };

  it('every condition, JMP (64 bits) and JMP32 (low halves), register and immediate', () => {
    fc.assert(fc.property(fc.constantFrom(...Object.keys(conds)), fc.boolean(), fc.boolean(), v, v, (name, is32, useImm, a, b0) => {
      // An immediate is an int32, sign-extended to 64 bits for JMP.
      const b = useImm ? u64(BigInt.asIntN(32, b0)) : b0;
      const operand = useImm ? String(BigInt.asIntN(32, b0)) : '%r2';
      const src = `lddw %r1, ${hex(a)}\nlddw %r2, ${hex(b)}\nmov %r0, 1\n${name}${is32 ? '32' : ''} %r1, ${operand}, +1\nmov %r0, 0\nexit`;
      const bits = is32 ? 32 : 64;
      const mask = (1n << BigInt(bits)) - 1n;
      expect(r0(src)).toBe(conds[name]!(a & mask, b & mask, bits) ? 1n : 0n);
    }), { numRuns: runs(1500) });
  });

  it('ja uses off, ja32 uses imm', () => {
    expect(r0('mov %r0, 1\nja +1\nmov %r0, 2\nexit')).toBe(1n);
    expect(r0('mov %r0, 1\nja32 +1\nmov %r0, 2\nexit')).toBe(1n);
    // A hand-made JMP32 JA with a 32-bit offset beyond the 16 bits of off.
    const far = 40000;
    const prog = [
      bpfInsn(0xb7, 0, 0, 0, 7), bpfInsn(0x06, 0, 0, 0, far),
      ...Array.from({ length: far }, () => bpfInsn(0xb7, 0, 0, 0, 9)), bpfInsn(0x95, 0, 0, 0, 0),
    ];
    const res = run(prog);
    expect(res.r0).toBe(7n);
    expect(res.steps).toBe(3);
  });
});

describe('memory', () => {
  it('loads and stores of every size on the stack, little-endian', () => {
    expect(r0('lddw %r1, 0x1122334455667788\nstxdw [%r10-8], %r1\nldxw %r0, [%r10-8]\nexit')).toBe(0x55667788n);
    expect(r0('lddw %r1, 0x1122334455667788\nstxdw [%r10-8], %r1\nldxh %r0, [%r10-2]\nexit')).toBe(0x1122n);
    expect(r0('lddw %r1, 0x1122334455667788\nstxdw [%r10-8], %r1\nldxb %r0, [%r10-1]\nexit')).toBe(0x11n);
    expect(r0('stdw [%r10-8], -2\nldxdw %r0, [%r10-8]\nexit')).toBe(u64(-2n));
    expect(r0('stw [%r10-4], 0x12345678\nsth [%r10-4], 0x1111\nstb [%r10-1], 0x22\nldxw %r0, [%r10-4]\nexit')).toBe(0x22341111n);
    expect(r0('mov32 %r1, 0x1ff\nstxb [%r10-1], %r1\nstxh [%r10-4], %r1\nldxw %r0, [%r10-4]\nexit')).toBe(0xff0001ffn);
  });

  it('LDX MEMSX sign-extends', () => {
    expect(r0('stb [%r10-1], 0x80\nldxsb %r0, [%r10-1]\nexit')).toBe(u64(-128n));
    expect(r0('sth [%r10-2], 0x8000\nldxsh %r0, [%r10-2]\nexit')).toBe(u64(-32768n));
    expect(r0('stw [%r10-4], -5\nldxsw %r0, [%r10-4]\nexit')).toBe(u64(-5n));
  });

  it('R1 and R2 describe caller memory, which is writable', () => {
    const env = memEnv([1, 2, 3, 4, 5]);
    expect(r0('mov %r0, %r2\nexit', env)).toBe(5n);
    expect(r0('stb [%r1+4], 0x99\nldxb %r0, [%r1+4]\nexit', env)).toBe(0x99n);
    expect(env.mem![4]).toBe(0x99);
  });

  it('R1 points at the context when there is no caller memory', () => {
    const env = new ExecEnv();
    env.ctx = new Uint8Array(SKB_CTX_SIZE);
    const meta = { ...defaultSkbMeta(), len: 1234, mark: 0xdeadbeef };
    writeSkbContext(meta, new DataView(env.ctx.buffer));
    expect(r0(`ldxw %r0, [%r1+${SKB.len}]\nexit`, env)).toBe(1234n);
    expect(r0(`ldxw %r0, [%r1+${SKB.mark}]\nexit`, env)).toBe(0xdeadbeefn);
  });

  it('pointers carry their region in the upper half', () => {
    expect(r0('mov %r0, %r10\nexit')).toBe((BigInt(REGION_STACK) << 32n) | BigInt(REGION_BASE + STACK_BYTES));
    expect(r0('mov %r0, %r1\nexit')).toBe((BigInt(REGION_CTX) << 32n) | BigInt(REGION_BASE));
    expect(r0('mov %r0, %r1\nexit', memEnv([]))).toBe((BigInt(REGION_MEM) << 32n) | BigInt(REGION_BASE));
  });

  it('a pointer moved before its region and back reads from it, as Linux lets a verified program do', () => {
    expect(r0('sub %r1, 1\nldxb %r0, [%r1+1]\nexit', memEnv([42]))).toBe(42n);
    expect(r0('sub %r1, 0x1fffffff\nadd %r1, 0x1fffffff\nldxb %r0, [%r1]\nexit', memEnv([9]))).toBe(9n);
    expect(r0('stb [%r10-1], 7\nmov %r2, %r10\nsub %r2, 5000\nldxb %r0, [%r2+4999]\nexit')).toBe(7n);
  });

  it('atomics: add/or/and/xor with and without fetch, xchg, cmpxchg, 32 and 64 bits', () => {
    const pre = 'lddw %r1, 0x100000003\nstxdw [%r10-8], %r1\n';
    expect(r0(`${pre}mov %r2, 5\nlock add [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit`)).toBe(0x100000008n);
    expect(r0(`${pre}mov %r2, 5\nlock fetch add [%r10-8], %r2\nmov %r0, %r2\nexit`)).toBe(0x100000003n);
    expect(r0(`${pre}mov %r2, -1\nlock add32 [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit`)).toBe(0x100000002n);
    expect(r0(`${pre}mov %r2, 0xc\nlock or [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit`)).toBe(0x10000000fn);
    expect(r0(`${pre}mov %r2, 2\nlock fetch and32 [%r10-8], %r2\nldxdw %r0, [%r10-8]\nadd %r0, %r2\nexit`)).toBe(0x100000002n + 3n);
    expect(r0(`${pre}mov %r2, 1\nlock fetch xor [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit`)).toBe(0x100000002n);
    expect(r0(`${pre}mov %r2, 9\nlock xchg [%r10-8], %r2\nldxdw %r0, [%r10-8]\nadd %r0, %r2\nexit`)).toBe(9n + 0x100000003n);
    // 32-bit fetches zero-extend the old value.
    expect(r0('stw [%r10-4], -1\nmov %r2, 0\nlock xchg32 [%r10-4], %r2\nmov %r0, %r2\nexit')).toBe(0xffffffffn);
    // cmpxchg: store when memory equals R0; R0 gets the old value.
    expect(r0(`${pre}lddw %r0, 0x100000003\nmov %r2, 7\nlock cmpxchg [%r10-8], %r2\nldxdw %r3, [%r10-8]\nadd %r0, %r3\nexit`)).toBe(0x100000003n + 7n);
    expect(r0(`${pre}mov %r0, 3\nmov %r2, 7\nlock cmpxchg [%r10-8], %r2\nldxdw %r3, [%r10-8]\nadd %r0, %r3\nexit`)).toBe(0x100000003n + 0x100000003n);
    expect(r0(`${pre}mov %r0, 3\nmov %r2, 7\nlock cmpxchg32 [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit`)).toBe(0x100000007n);
  });
});

describe('faults', () => {
  it('a bad access names the pc, the instruction, the address and the region', () => {
    const e = fault('mov %r0, 0\nldxw %r0, [%r1+4]\nexit', memEnv([1, 2]));
    expect(e.pc).toBe(1);
    expect(e.message).toBe('insn 1: ldxw %r0, [%r1+4]: read of 4 bytes at 0x4d454d0040000004: outside the mem region (offset 4, mem has 2 bytes)');
  });

  it('stack accesses outside the frame fault, both ends', () => {
    expect(fault('ldxb %r0, [%r10+0]\nexit').message).toMatch(/insn 0: ldxb %r0, \[%r10\]: read of 1 byte at 0x53544b0040001000: outside the stack \(stack offset 4096, this frame may use \[3584, 4096\)\)/);
    expect(fault('stb [%r10-513], 1\nexit').message).toMatch(/write of 1 byte at 0x53544b0040000dff: outside the stack/);
    expect(fault('ldxdw %r0, [%r10-4]\nexit').message).toMatch(/read of 8 bytes at 0x53544b0040000ffc/);
  });

  it('a number is not a pointer, and pointers do not wrap into another region', () => {
    expect(fault('mov %r1, 64\nldxb %r0, [%r1]\nexit').message).toMatch(/read of 1 byte at 0x0000000000000040: not a pointer/);
    expect(fault('ldxb %r0, [%r1-1]\nexit', memEnv([1])).message).toMatch(/at 0x4d454d003fffffff: outside the mem region \(offset -1, mem has 1 byte\)/);
    // Only a pointer moved 2^30 bytes away, past what Linux allows, leaves its region's tag.
    expect(fault('lddw %r2, 0x40000000\nsub %r1, %r2\nsub %r1, 1\nldxb %r0, [%r1]\nexit', memEnv([1])).message)
      .toMatch(/at 0x4d454cffffffffff: not a pointer/);
    expect(fault('mov32 %r1, %r1\nstxw [%r1], %r1\nexit', memEnv([1, 2, 3, 4])).message).toMatch(/write of 4 bytes at 0x0000000040000000: not a pointer/);
  });

  it('the budget stops loops', () => {
    const e = fault('mov %r0, 0\nL:\nadd %r0, 1\nja L\nexit', new ExecEnv(), { budget: 1000 });
    expect(e.message).toMatch(/instruction budget of 1000 exhausted/);
    expect(DEFAULT_BUDGET).toBe(1_000_000);
    expect(run('mov %r0, 0\nexit', new ExecEnv(), { budget: 2 }).steps).toBe(2);
    expect(() => run('mov %r0, 0\nexit', new ExecEnv(), { budget: 1 })).toThrow(/budget of 1 exhausted/);
  });

  it('running past the end is a fault', () => {
    expect(fault('mov %r0, 0').message).toBe('insn 1: execution ran past the last instruction (no exit)');
  });

  it('refuses malformed programs and unknown helpers before running', () => {
    expect(() => new Interpreter([bpfInsn(0x07, 0, 0, 1, 1), bpfInsn(0x95, 0, 0, 0, 0)])).toThrow(VerifyError);
    expect(() => new Interpreter(assemble('mov %r10, 1\nexit'))).toThrow(/read-only frame pointer/);
    // FETCH and XCHG write src; CMPXCHG and plain atomics only read it.
    for (const op of ['fetch or', 'fetch add', 'xchg']) {
      expect(() => new Interpreter(assemble(`mov %r1, 0\nlock ${op} [%r1+0], %r10\nexit`)), op).toThrow(/insn 1: .*writes r10, the read-only frame pointer/);
    }
    for (const op of ['or', 'cmpxchg']) expect(() => new Interpreter(assemble(`mov %r1, 0\nlock ${op} [%r1+0], %r10\nmov %r0, 0\nexit`)), op).not.toThrow();
    expect(() => new Interpreter(assemble('ja +5\nexit'))).toThrow(/target 6 is outside the program/);
    expect(() => new Interpreter(assemble('call 12345\nexit'))).toThrow(/no helper with id 12345/);
    expect(() => new Interpreter([])).toThrow(/empty/);
  });

  it('callx with an unknown id faults at run time', () => {
    expect(fault('mov %r2, 999\ncall %r2\nexit').message).toMatch(/insn 1: callx r2: no helper with id 999/);
  });
});

describe('calls', () => {
  it('local calls get a fresh frame and keep the caller\'s R6-R9', () => {
    const src = `
      mov %r6, 6
      stdw [%r10-8], 42
      mov %r1, %r10
      call local f
      ldxdw %r1, [%r10-8]
      add %r0, %r1
      add %r0, %r6
      exit
    f:
      mov %r6, 100
      stdw [%r10-8], 1000       # the callee's own slot
      ldxdw %r0, [%r1-8]        # the caller's slot through a pointer
      exit`;
    expect(r0(src)).toBe(42n + 42n + 6n);
  });

  it('calls nest at most 8 frames deep', () => {
    expect(r0('mov %r0, 0\ncall local f\nexit\nf:\nadd %r0, 1\njeq %r0, 7, +1\ncall local f\nexit')).toBe(7n);
    expect(fault('mov %r0, 0\ncall local f\nexit\nf:\nadd %r0, 1\njeq %r0, 8, +1\ncall local f\nexit').message).toMatch(/deeper than 8 frames/);
  });

  it('callx calls the helper whose id is in the register', () => {
    const helpers = new HelperRegistry().register(77, (f) => { f.lo[0] = (f.lo[1]! * 2) | 0; f.hi[0] = 0; }, { args: 1 });
    expect(r0('mov %r1, 21\nmov %r3, 77\ncall %r3\nexit', new ExecEnv(), { helpers })).toBe(42n);
  });

  it('a helper returning false ends the program with R0 as written', () => {
    const helpers = new HelperRegistry().register(1, (f) => { f.lo[0] = 5; f.hi[0] = 0; return false; });
    expect(r0('call 1\nmov %r0, 9\nexit', new ExecEnv(), { helpers })).toBe(5n);
  });

  it('a throwing helper becomes a VmError naming it', () => {
    const helpers = new HelperRegistry().register(3, () => { throw new Error('boom'); }, { name: 'bad', args: 0 });
    expect(fault('call 3\nexit', new ExecEnv(), { helpers }).message).toBe('insn 0: helper bad (3) failed: boom');
  });
});

describe('checked mode', () => {
  const foo = new HelperRegistry().register(1, (f) => { f.lo[0] = 0; f.hi[0] = 0; }, { name: 'foo', args: 0 });

  it('reports the design example: R1 read after a call', () => {
    const e = fault('mov %r1, 1\ncall 1\nmov %r0, %r1\nexit', new ExecEnv(), { checked: true, helpers: foo });
    expect(e.pc).toBe(2);
    expect(e.message).toBe('insn 2: mov %r0, %r1: reads r1, which holds nothing: the call at insn 1 (call 1) clobbered r1-r5');
  });

  it('is silent when off, and allows writing before reading', () => {
    expect(r0('mov %r1, 1\ncall 1\nmov %r0, %r1\nexit', new ExecEnv(), { helpers: foo })).toBe(1n);
    expect(r0('mov %r1, 1\ncall 1\nmov %r1, 3\nmov %r0, %r1\nexit', new ExecEnv(), { checked: true, helpers: foo })).toBe(3n);
  });

  it('registers never written are unreadable, R1/R10 (and R2 with memory) are not', () => {
    expect(fault('mov %r0, %r3\nexit', new ExecEnv(), { checked: true }).message).toBe('insn 0: mov %r0, %r3: reads r3, which holds nothing: it was never written');
    expect(fault('exit', new ExecEnv(), { checked: true }).message).toMatch(/reads r0/);
    expect(r0('mov %r0, %r2\nadd %r0, %r1\nsub %r0, %r1\nexit', memEnv([1, 2]), { checked: true })).toBe(2n);
  });

  it('checks helper arguments, and packet loads clobber R1-R5 too', () => {
    const env = new ExecEnv();
    env.setPacket(new Uint8Array(20), 0, 20);
    expect(fault('ldabsb 0\nmov %r0, %r5\nexit', env, { checked: true }).message).toMatch(/the packet load at insn 0 \(ldabsb 0\) clobbered r1-r5/);
    expect(fault('call 7\nmov %r2, 1\ncall 0x10002\nexit', env, { checked: true }).message).toMatch(/insn 2: call 65538: reads r1/);
  });

  it('a called function starts with nothing in R0 and R6-R9; the caller\'s come back', () => {
    expect(fault('mov %r6, 1\nmov %r0, 0\ncall local f\nexit\nf:\nmov %r0, %r6\nexit', new ExecEnv(), { checked: true }).message)
      .toMatch(/insn 4: mov %r0, %r6: reads r6.*a called function starts with nothing/);
    expect(r0('mov %r6, 5\ncall local f\nadd %r0, %r6\nexit\nf:\nmov %r0, 1\nexit', new ExecEnv(), { checked: true })).toBe(6n);
  });
});

describe('trace', () => {
  it('sees every instruction with the registers before it runs', () => {
    const seen: string[] = [];
    run('mov %r0, 1\nadd %r0, 2\nexit', new ExecEnv(), { trace: (pc, lo) => seen.push(`${pc}:${lo[0]}`) });
    expect(seen).toEqual(['0:0', '1:1', '2:3']);
  });
});

describe('helpers', () => {
  function skbEnv(pkt: Uint8Array, meta: Partial<SkbMeta> = {}): ExecEnv {
    const env = new ExecEnv();
    env.setPacket(pkt, 0, pkt.length);
    env.meta = { ...defaultSkbMeta(), len: pkt.length, ...meta };
    env.ctx = new Uint8Array(SKB_CTX_SIZE);
    writeSkbContext(env.meta, new DataView(env.ctx.buffer));
    return env;
  }
  const call = (id: number, a = 0, x = 0): string => `mov %r1, %r1\nmov %r2, ${a}\nmov %r3, ${x}\ncall ${id}\nexit`;

  it('get_smp_processor_id, cbpf_hatype and cbpf_pay_offset read the packet metadata', () => {
    const env = skbEnv(new Uint8Array(4), { cpu: 3, hatype: 772, payOffset: 54 });
    expect(r0(call(HELPER_GET_SMP_PROCESSOR_ID), env)).toBe(3n);
    expect(r0(call(HELPER_CBPF_HATYPE, 99), env)).toBe(772n);
    expect(r0(call(HELPER_CBPF_PAY_OFFSET), env)).toBe(54n);
    env.meta = null; // no device: hatype gives A back
    expect(r0(call(HELPER_CBPF_HATYPE, 99), env)).toBe(99n);
  });

  it('get_prandom_u32 is a seeded sequence', () => {
    const a = run(`call ${HELPER_GET_PRANDOM_U32}\nexit`, new ExecEnv(), { helpers: standardHelpers({ seed: 1 }) });
    const b = run(`call ${HELPER_GET_PRANDOM_U32}\nexit`, new ExecEnv(), { helpers: standardHelpers({ seed: 1 }) });
    expect(a.r0).toBe(b.r0);
    expect(a.r0).toBeLessThan(1n << 32n);
    expect(a.vm.run(new ExecEnv())).not.toBe(Number(a.r0));
  });

  it('cbpf_nlattr and cbpf_nlattr_nest search netlink attributes like nla_find', () => {
    // nlmsghdr (16 bytes) + genlmsghdr (4), then attributes: u16 len, u16 type (little-endian),
    // payload, padding to 4 bytes.
    const attr = (len: number, type: number, payload: number[]): number[] => {
      const out = [len & 0xff, len >> 8, type & 0xff, type >> 8, ...payload];
      while (out.length % 4) out.push(0);
      return out;
    };
    const pkt = Uint8Array.from([
      ...new Array(20).fill(0),
      ...attr(8, 1, [0xaa, 0xbb, 0xcc, 0xdd]), //                    at 20
      ...attr(5, 2, [0x11]), //                                      at 28 (padded to 8)
      ...attr(20, 0x8003, [...attr(8, 4, [1, 2, 3, 4]), ...attr(8, 0x4005, [5, 6, 7, 8])]), // at 36, nested: 40, 48
      ...attr(4, 6, []), //                                          at 56
    ]);
    expect(pkt.length).toBe(60);
    const env = skbEnv(pkt);
    const find = (a: number, x: number): bigint => r0(call(HELPER_CBPF_NLATTR, a, x), env);
    const nest = (a: number, x: number): bigint => r0(call(HELPER_CBPF_NLATTR_NEST, a, x), env);
    expect(find(20, 1)).toBe(20n);
    expect(find(20, 2)).toBe(28n);
    expect(find(20, 3)).toBe(36n); // the NESTED flag (0x8000) is not part of the type
    expect(find(20, 6)).toBe(56n);
    expect(find(20, 4)).toBe(0n); // inside the nest: not at the top level
    expect(find(28, 1)).toBe(0n); // the search starts at A
    expect(find(pkt.length - 3, 1)).toBe(0n); // no room for a header at A
    expect(nest(36, 4)).toBe(40n);
    expect(nest(36, 5)).toBe(48n); // the NET_BYTEORDER flag (0x4000) is masked too
    expect(nest(36, 6)).toBe(0n);
    expect(nest(20, 1)).toBe(0n);
    // An attribute whose length runs past the packet ends the search.
    const cut = skbEnv(pkt.subarray(0, 50));
    expect(r0(call(HELPER_CBPF_NLATTR, 20, 6), cut)).toBe(0n);
    expect(r0(call(HELPER_CBPF_NLATTR_NEST, 36, 4), cut)).toBe(0n);
  });

  it('users can register their own helpers, and the registry says what it holds', () => {
    const helpers = standardHelpers().register(0x20000, (f) => { f.lo[0] = 123; f.hi[0] = 1; }, { name: 'mine', args: 0 });
    expect(r0('call 0x20000\nexit', new ExecEnv(), { helpers })).toBe((1n << 32n) | 123n);
    expect(helpers.get(0x20000)?.name).toBe('mine');
    expect(helpers.list().map((h) => h.id)).toEqual([7, 8, 0x10000, 0x10001, 0x10002, 0x10003, 0x20000]);
    expect(() => helpers.register(-1, () => {})).toThrow(/^register: id must be an integer from 0 to 2147483647, not -1$/);
  });
});

describe('legacy packet loads (LD ABS / LD IND)', () => {
  const pkt = Uint8Array.from({ length: 64 }, (_, k) => k);
  function pktEnv(meta: Partial<SkbMeta> = {}, start = 0, len = pkt.length, buf = pkt): ExecEnv {
    const env = new ExecEnv();
    env.setPacket(buf, start, len);
    env.meta = { ...defaultSkbMeta(), len, ...meta };
    return env;
  }

  it('read big-endian into a zero-extended R0', () => {
    const env = pktEnv();
    expect(r0('ldabsb 5\nexit', env)).toBe(5n);
    expect(r0('ldabsh 12\nexit', env)).toBe(0x0c0dn);
    expect(r0('ldabsw 60\nexit', env)).toBe(0x3c3d3e3fn);
    expect(r0('mov %r7, 10\nldindw %r7, 2\nexit', env)).toBe(0x0c0d0e0fn);
  });

  it('read from the slice of a larger buffer', () => {
    const buf = new Uint8Array(100);
    buf.set([0xde, 0xad, 0xbe, 0xef], 30);
    expect(r0('ldabsw 0\nexit', pktEnv({}, 30, 4, buf))).toBe(0xdeadbeefn);
    expect(r0('mov %r0, 1\nldabsb 4\nexit', pktEnv({}, 30, 4, buf))).toBe(0n);
  });

  it('a load past the packet ends the program with 0', () => {
    const env = pktEnv();
    expect(run('mov %r0, 7\nldabsw 61\nmov %r0, 9\nexit', env).r0).toBe(0n);
    expect(run('mov %r0, 7\nldabsw 61\nmov %r0, 9\nexit', env).steps).toBe(2);
    expect(r0('lddw %r0, 0x100000000\nldabsb 64\nexit', env)).toBe(0n);
    // Inside a called function too: the whole program ends.
    expect(r0('mov %r6, %r1\ncall local f\nmov %r0, 5\nexit\nf:\nldabsb 100\nexit', env)).toBe(0n);
  });

  it('LD IND adds X and k as a signed 32-bit offset that wraps', () => {
    const env = pktEnv();
    expect(r0('mov32 %r7, 0x3e\nldindb %r7, -1\nexit', env)).toBe(0x3dn);
    expect(r0('mov32 %r7, -1\nldindb %r7, 1\nexit', env)).toBe(0n); // 0xffffffff + 1 wraps to byte 0
    expect(r0('mov32 %r7, 0\nldindb %r7, 1\nexit', env)).toBe(1n);
    expect(r0('mov32 %r7, 0x7fffffff\nmov %r0, 1\nldindb %r7, 1\nexit', env)).toBe(0n); // wraps negative: fails
    expect(r0('lddw %r7, 0x500000002\nldindb %r7, 0\nexit', env)).toBe(2n); // only the low half counts
  });

  it('negative offsets: SKF_NET_OFF from the network header, SKF_LL_OFF from the link header', () => {
    const NET = -0x100000, LL = -0x200000;
    const env = pktEnv({ netOff: 14 });
    expect(r0(`ldabsb ${NET}\nexit`, env)).toBe(14n);
    expect(r0(`ldabsh ${NET + 2}\nexit`, env)).toBe(0x1011n);
    expect(r0(`ldabsb ${LL + 3}\nexit`, env)).toBe(3n);
    expect(r0(`mov32 %r7, ${NET}\nldindb %r7, 1\nexit`, env)).toBe(15n);
    expect(r0(`mov %r0, 1\nldabsw ${NET + 47}\nexit`, env)).toBe(0n); // 14 + 47 + 4 > 64
    expect(r0(`mov %r0, 1\nldabsb ${LL - 1}\nexit`, env)).toBe(0n); // below SKF_LL_OFF
    expect(r0(`mov %r0, 1\nldabsb -1\nexit`, env)).toBe(0n); // ancillary range (not translated here)
    expect(r0(`mov %r0, 1\nldabsb ${NET}\nexit`, pktEnv({ netOff: -1 }))).toBe(0n); // no network header
    const noMeta = pktEnv();
    noMeta.meta = null;
    expect(r0(`mov %r0, 1\nldabsb ${NET}\nexit`, noMeta)).toBe(0n);
  });

  it('runs allocation-free and resets between runs', () => {
    const vm = new Interpreter(assemble('ldxdw %r0, [%r10-8]\nadd %r0, 1\nstxdw [%r10-8], %r0\nexit'));
    const env = new ExecEnv();
    expect(vm.run(env)).toBe(1);
    expect(vm.run(env)).toBe(2); // the stack is not cleared between runs (programs must write before reading)
    expect(vm.steps).toBe(4);
  });
});

describe('superinstructions (on unless checked mode or trace is on)', () => {
  const pkt = Uint8Array.from({ length: 40 }, (_, k) => k);
  const env = (): ExecEnv => { const e = new ExecEnv(); e.setPacket(pkt, 0, pkt.length); return e; };
  /** Result and steps with superinstructions, and one instruction at a time. */
  const both = (src: string, opts: InterpreterOptions = {}): [string, string] => {
    const go = (o: InterpreterOptions): string => {
      try {
        const r = run(src, env(), o);
        return `${r.r0} in ${r.steps}`;
      } catch (e) {
        return (e as Error).message;
      }
    };
    return [go(opts), go({ ...opts, trace: () => {} })];
  };
  const same = (src: string, want: string, opts?: InterpreterOptions): void => {
    const [fused, plain] = both(src, opts);
    expect(plain).toBe(want);
    expect(fused).toBe(want);
  };
  const prologue = 'mov %r6, %r1\nmov32 %r0, 0\nmov32 %r7, 0\n';
  const msh = 'mov %r7, %r0\nldabsb 14\nand32 %r0, 0xf\nlsh32 %r0, 2\nmov %r2, %r7\nmov %r7, %r0\nmov %r0, %r2\n';

  it('load + conditional jump: both outcomes, a jump into the second half, a failed load', () => {
    same('ldabsh 12\njeq %r0, 0x0c0d, +1\nexit\nmov %r0, 7\nexit', '7 in 4');
    same('ldabsh 12\njne %r0, 0x0c0d, +1\nexit\nmov %r0, 7\nexit', '3085 in 3');
    same('ldabsb 3\njset %r0, 2, +1\nexit\nmov %r0, 7\nexit', '7 in 4');
    same('ldabsw 36\njgt %r0, 0x24252626, +1\nexit\nmov %r0, 7\nexit', '7 in 4');
    same('mov %r7, 30\nldindh %r7, 2\njge %r0, 0x2021, +1\nexit\nmov %r0, 7\nexit', '7 in 5');
    same('mov %r0, 1\nja +1\nldabsb 1\njeq %r0, 1, +1\nexit\nmov %r0, 7\nexit', '7 in 5'); // lands on the jump
    same('mov %r0, 9\nldabsh 39\njeq %r0, 0, +1\nexit\nmov %r0, 7\nexit', '0 in 2');
  });

  it('the prologue, the MSH sequence and mov r0, K; exit', () => {
    same(`${prologue}mov32 %r0, 0x1234\n${msh}add %r0, %r7\nexit`, `${0x1234 + 4 * (14 & 0xf)} in 13`);
    same(`${prologue}ldabsb 20\nmov %r7, %r0\nldabsb 99\nand32 %r0, 0xf\nlsh32 %r0, 2\nmov %r2, %r7\nmov %r7, %r0\nmov %r0, %r2\nexit`, '0 in 6');
    same(`${prologue}mov64 %r0, -1\nexit`, `${(1n << 64n) - 1n} in 5`);
    same('call local f\nadd %r0, 1\nexit\nf:\nmov32 %r0, 4\nexit', '5 in 5'); // exit from a function
  });

  it('a budget that runs out inside a superinstruction stops at the same instruction', () => {
    const src = `${prologue}${msh}ldabsh 12\njeq %r0, 0x0c0d, +1\nexit\nmov32 %r0, 1\nexit`;
    expect(both(src)[0]).toBe('1 in 14');
    const path = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14]; // the pcs executed, in order
    for (let budget = 1; budget <= 14; budget++) {
      const [fused, plain] = both(src, { budget });
      expect(fused).toBe(plain);
      if (budget < 14) expect(fused).toMatch(new RegExp(`^insn ${path[budget]}: instruction budget of ${budget} exhausted`));
      else expect(fused).toBe('1 in 14');
    }
  });
});

describe('robustness', () => {
  it('random valid programs either return or throw VmError: never a JS error, never out of bounds', async () => {
    const { arbProgram } = await import('./arbitrary.js');
    const { findEncodingProblem } = await import('../../src/ebpf/validate.js');
    let ran = 0, faulted = 0;
    fc.assert(fc.property(arbProgram, fc.uint8Array({ maxLength: 32 }), fc.boolean(), fc.boolean(), (prog, bytes, withMem, checked) => {
      fc.pre(findEncodingProblem(prog) === null);
      const env = new ExecEnv();
      env.setPacket(bytes, 0, bytes.length);
      env.ctx = new Uint8Array(SKB_CTX_SIZE);
      env.meta = defaultSkbMeta();
      if (withMem) env.mem = bytes.slice();
      let vm: Interpreter;
      try {
        vm = new Interpreter(prog, { budget: 10_000, checked });
      } catch (e) {
        expect((e as Error).message).toMatch(/no helper with id/); // the only load-time refusal left
        return;
      }
      try {
        const r = vm.run(env);
        expect(r).toBeGreaterThanOrEqual(0);
        expect(r).toBeLessThanOrEqual(0xffffffff);
        ran++;
      } catch (e) {
        if (!(e instanceof VmError)) throw e;
        expect(e.pc).toBeGreaterThanOrEqual(0);
        expect(e.pc).toBeLessThanOrEqual(prog.length);
        faulted++;
      }
    }), { numRuns: runs(3000) });
    expect(ran).toBeGreaterThan(minimum(100));
    expect(faulted).toBeGreaterThan(minimum(100));
  }, 600_000);
});
