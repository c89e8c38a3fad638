/**
 * The classic -> internal translation, instruction by instruction, against the expansions
 * Linux's bpf_convert_filter defines (semantics.md §3). What the kernel says about the
 * output is in kernel.test.ts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type ClassicInsn, insn } from '../../src/classic/insn.js';
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_B, BPF_DIV, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT,
  BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_MEM, BPF_MISC, BPF_MOD, BPF_MSH, BPF_NEG, BPF_RET, BPF_ST,
  BPF_STX, BPF_TAX, BPF_TXA, BPF_W, BPF_X, SKF_AD, SKF_AD_OFF, SKF_LL_OFF, SKF_NET_OFF,
} from '../../src/abi/opcodes.js';
import { disassemble } from '../../src/ebpf/disasm.js';
import { SKB } from '../../src/abi/ctx.js';
import {
  HELPER_CBPF_HATYPE, HELPER_CBPF_NLATTR, HELPER_CBPF_NLATTR_NEST, HELPER_CBPF_PAY_OFFSET,
} from '../../src/ebpf/helpers.js';
import { translateClassic } from '../../src/translate/translate.js';
import { expansion } from '../../src/translate/expansion.js';
import { fixJumps, layout } from '../../src/translate/jumps.js';
import { ja } from '../../src/ebpf/insn.js';
import { TranslateError } from '../../src/errors.js';
import { arbClassicProgram } from '../classic/arbitrary.js';
import { structuralProblems } from './cfg.js';
import { nonZeroUnusedField } from './fields.js';
import { runs } from '../runs.js';

const RET_A = insn(BPF_RET | BPF_A, 0, 0, 0);
const ret = (k: number): ClassicInsn => insn(BPF_RET | BPF_K, 0, 0, k);
const stmt = (code: number, k = 0): ClassicInsn => insn(code, 0, 0, k);
const jump = (code: number, k: number, jt: number, jf: number): ClassicInsn => insn(code, jt, jf, k);
const PROLOGUE = ['r6 = r1', 'w0 = 0', 'w7 = 0'];

/** Disassembly of the translation without the prologue. */
function body(prog: ClassicInsn[], profile: 'socket' | 'seccomp' = 'socket'): string[] {
  const t = translateClassic(prog, { profile });
  expect(disassemble(t.insns).slice(0, 3)).toEqual(PROLOGUE);
  return disassemble(t.insns).slice(3);
}

describe('prologue and register map', () => {
  it('keeps ctx in r6 and zeroes A and X with 32-bit moves', () => {
    const t = translateClassic([RET_A]);
    expect(disassemble(t.insns)).toEqual([...PROLOGUE, 'exit']);
    expect(Array.from(t.origin)).toEqual([-1, -1, -1, 0]);
    expect(t.projectHelpers).toEqual([]);
  });

  it('maps RET K, RET A, LD/LDX IMM, TAX, TXA, NEG', () => {
    expect(body([stmt(BPF_LD | BPF_IMM, 0xdeadbeef), stmt(BPF_LDX | BPF_W | BPF_IMM, 7), stmt(BPF_MISC | BPF_TAX),
      stmt(BPF_MISC | BPF_TXA), stmt(BPF_ALU | BPF_NEG), ret(0xffffffff)])).toEqual([
      'w0 = 3735928559', 'w7 = 7', 'r7 = r0', 'r0 = r7', 'w0 = -w0', 'w0 = 4294967295', 'exit',
    ]);
  });

  it('uses 32-bit ALU with the classic operation, K or X', () => {
    expect(body([stmt(BPF_ALU | BPF_ADD | BPF_K, 0xffffffff), stmt(BPF_ALU | 0x50 | BPF_K, 0xf0), stmt(BPF_ALU | 0x60 | BPF_X), RET_A]))
      .toEqual(['w0 += -1', 'w0 &= 0xf0', 'w0 <<= w7', 'exit']);
  });

  it('puts M[k] in 32-bit stack slots at FP - (4k + 4)', () => {
    expect(body([stmt(BPF_ST, 0), stmt(BPF_STX, 15), stmt(BPF_LD | BPF_MEM, 15), stmt(BPF_LDX | BPF_MEM, 0), RET_A])).toEqual([
      '*(u32 *)(r10 -4) = w0', '*(u32 *)(r10 -64) = w7', 'r0 = *(u32 *)(r10 -64)', 'r7 = *(u32 *)(r10 -4)', 'exit',
    ]);
  });

  it('reads LEN from __sk_buff.len', () => {
    expect(body([stmt(BPF_LD | BPF_W | BPF_LEN), stmt(BPF_LDX | BPF_W | BPF_LEN), RET_A]))
      .toEqual([`r0 = *(u32 *)(r6 +${SKB.len})`, `r7 = *(u32 *)(r6 +${SKB.len})`, 'exit']);
  });
});

describe('packet loads', () => {
  it('become the legacy LD_ABS / LD_IND instructions', () => {
    expect(body([stmt(BPF_LD | BPF_H | BPF_ABS, 12), stmt(BPF_LD | BPF_W | BPF_ABS, 26), stmt(BPF_LD | BPF_B | BPF_IND, 14), RET_A]))
      .toEqual(['r0 = *(u16 *)skb[12]', 'r0 = *(u32 *)skb[26]', 'r0 = *(u8 *)skb[r7 + 14]', 'exit']);
  });

  it('pass a negative IND k through as a signed imm', () => {
    const t = translateClassic([stmt(BPF_LD | BPF_H | BPF_IND, 0xffffffff), RET_A]);
    expect(t.insns[3]).toEqual({ code: BPF_LD | BPF_IND | BPF_H, dst: 0, src: 7, off: 0, imm: -1 });
  });

  it('pass SKF_NET_OFF and SKF_LL_OFF offsets through in the imm', () => {
    const t = translateClassic([
      stmt(BPF_LD | BPF_B | BPF_ABS, (SKF_NET_OFF + 9) >>> 0), stmt(BPF_LD | BPF_H | BPF_ABS, (SKF_LL_OFF + 12) >>> 0), RET_A,
    ]);
    expect(t.insns[3]!.imm).toBe(SKF_NET_OFF + 9);
    expect(t.insns[4]!.imm).toBe(SKF_LL_OFF + 12);
  });

  it('expand MSH keeping A, with the packet byte loaded by LD_ABS', () => {
    expect(body([stmt(BPF_LD | BPF_IMM, 5), stmt(BPF_LDX | BPF_B | BPF_MSH, 14), RET_A])).toEqual([
      'w0 = 5', 'r7 = r0', 'r0 = *(u8 *)skb[14]', 'w0 &= 0xf', 'w0 <<= 2', 'r2 = r7', 'r7 = r0', 'r0 = r2', 'exit',
    ]);
  });
});

describe('ancillary loads', () => {
  const anc = (n: number, size = BPF_W): ClassicInsn => stmt(BPF_LD | size | BPF_ABS, (SKF_AD_OFF + n) >>> 0);
  const cases: Array<[keyof typeof SKF_AD, string[]]> = [
    ['PROTOCOL', [`r0 = *(u32 *)(r6 +${SKB.protocol})`, 'r0 = be16 r0']],
    ['PKTTYPE', [`r0 = *(u32 *)(r6 +${SKB.pkt_type})`]],
    ['IFINDEX', [`r0 = *(u32 *)(r6 +${SKB.ifindex})`]],
    ['NLATTR', ['r1 = r6', 'r2 = r0', 'r3 = r7', `call cbpf_nlattr#${HELPER_CBPF_NLATTR}`]],
    ['NLATTR_NEST', ['r1 = r6', 'r2 = r0', 'r3 = r7', `call cbpf_nlattr_nest#${HELPER_CBPF_NLATTR_NEST}`]],
    ['MARK', [`r0 = *(u32 *)(r6 +${SKB.mark})`]],
    ['QUEUE', [`r0 = *(u32 *)(r6 +${SKB.queue_mapping})`]],
    ['HATYPE', ['r1 = r6', 'r2 = r0', `call cbpf_hatype#${HELPER_CBPF_HATYPE}`]],
    ['RXHASH', [`r0 = *(u32 *)(r6 +${SKB.hash})`]],
    ['CPU', ['call bpf_get_smp_processor_id#8']],
    ['ALU_XOR_X', ['w0 ^= w7']],
    ['VLAN_TAG', [`r0 = *(u32 *)(r6 +${SKB.vlan_tci})`]],
    ['VLAN_TAG_PRESENT', [`r0 = *(u32 *)(r6 +${SKB.vlan_present})`]],
    ['PAY_OFFSET', ['r1 = r6', `call cbpf_pay_offset#${HELPER_CBPF_PAY_OFFSET}`]],
    ['RANDOM', ['call bpf_get_prandom_u32#7']],
    ['VLAN_TPID', [`r0 = *(u32 *)(r6 +${SKB.vlan_proto})`, 'r0 = be16 r0']],
  ];
  it.each(cases)('%s', (name, expected) => {
    for (const size of [BPF_W, BPF_H, BPF_B]) expect(body([anc(SKF_AD[name], size), RET_A])).toEqual([...expected, 'exit']);
  });

  it('lists the project helpers a program calls', () => {
    const t = translateClassic([anc(SKF_AD.PAY_OFFSET), anc(SKF_AD.NLATTR), anc(SKF_AD.RANDOM), anc(SKF_AD.NLATTR), RET_A]);
    expect(t.projectHelpers).toEqual([HELPER_CBPF_NLATTR, HELPER_CBPF_PAY_OFFSET]);
    expect(translateClassic([anc(SKF_AD.RANDOM), anc(SKF_AD.CPU), RET_A]).projectHelpers).toEqual([]);
  });
});

describe('division and modulo by X', () => {
  it('return 0 when X == 0, before the operation', () => {
    for (const [op, sym] of [[BPF_DIV, '/='], [BPF_MOD, '%=']] as const) {
      expect(body([stmt(BPF_ALU | op | BPF_X), RET_A])).toEqual(['if r7 != 0x0 goto pc+2', 'w0 = 0', 'exit', `w0 ${sym} w7`, 'exit']);
    }
  });
  it('by K need no guard (the checker refuses K == 0)', () => {
    expect(body([stmt(BPF_ALU | BPF_DIV | BPF_K, 3), stmt(BPF_ALU | BPF_MOD | BPF_K, 0xffffffff), RET_A]))
      .toEqual(['w0 /= 3', 'w0 %= -1', 'exit']);
  });
});

describe('conditional jumps', () => {
  const jeqK = BPF_JMP | BPF_JEQ | BPF_K;

  it('false branch next: one jump', () => {
    expect(body([jump(jeqK, 0x800, 1, 0), ret(1), ret(2)])).toEqual(['if r0 == 0x800 goto pc+2', 'w0 = 1', 'exit', 'w0 = 2', 'exit']);
  });

  it('true branch next: one inverted jump (JEQ->JNE, JGT->JLE, JGE->JLT)', () => {
    for (const [op, sym] of [[BPF_JEQ, '!='], [BPF_JGT, '<='], [BPF_JGE, '<']] as const) {
      expect(body([jump(BPF_JMP | op | BPF_K, 9, 0, 1), ret(1), ret(2)])[0]).toBe(`if r0 ${sym} 0x9 goto pc+2`);
      expect(body([jump(BPF_JMP | op | BPF_X, 0, 0, 1), ret(1), ret(2)])[0]).toBe(`if r0 ${sym} r7 goto pc+2`);
    }
  });

  it('JSET with the true branch next: jump + JA (no inverse)', () => {
    expect(body([jump(BPF_JMP | BPF_JSET | BPF_K, 4, 0, 1), ret(1), ret(2)]))
      .toEqual(['if r0 & 0x4 goto pc+1', 'goto pc+2', 'w0 = 1', 'exit', 'w0 = 2', 'exit']);
  });

  it('both branches away: jump + JA with offsets from each instruction', () => {
    expect(body([jump(jeqK, 5, 0, 1), jump(BPF_JMP | BPF_JGT | BPF_X, 0, 1, 2), ret(1), ret(2), ret(3)])).toEqual([
      'if r0 != 0x5 goto pc+2', 'if r0 > r7 goto pc+3', 'goto pc+4', 'w0 = 1', 'exit', 'w0 = 2', 'exit', 'w0 = 3', 'exit',
    ]);
  });

  it('K >= 2^31 is compared through TMP loaded with a 32-bit move', () => {
    expect(body([jump(BPF_JMP | BPF_JGT | BPF_K, 0x80000000, 1, 0), ret(1), ret(2)]).slice(0, 2))
      .toEqual(['w2 = 2147483648', 'if r0 > r2 goto pc+2']);
    expect(body([jump(jeqK, 0xffffffff, 0, 1), ret(1), ret(2)]).slice(0, 2)).toEqual(['w2 = 4294967295', 'if r0 != r2 goto pc+2']);
    expect(body([jump(BPF_JMP | BPF_JSET | BPF_K, 0x80000001, 1, 1), ret(1), ret(2)]).slice(0, 3))
      .toEqual(['w2 = 2147483649', 'if r0 & r2 goto pc+1', 'goto pc+0']);
    expect(body([jump(jeqK, 0x7fffffff, 1, 0), ret(1), ret(2)])[0]).toBe('if r0 == 0x7fffffff goto pc+2');
  });

  it('JA keeps its target across expansions', () => {
    expect(body([jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), stmt(BPF_JMP | BPF_JA, 1), stmt(BPF_LDX | BPF_B | BPF_MSH, 14), RET_A]))
      .toEqual(['if r0 != 0x0 goto pc+1', 'goto pc+7', 'r7 = r0', 'r0 = *(u8 *)skb[14]', 'w0 &= 0xf', 'w0 <<= 2', 'r2 = r7', 'r7 = r0', 'r0 = r2', 'exit']);
  });
});

describe('unreachable classic code', () => {
  it('is not emitted (the Linux verifier refuses unreachable instructions)', () => {
    const prog = [stmt(BPF_JMP | BPF_JA, 2), ret(1), stmt(BPF_LD | BPF_IMM, 3), jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 1, 1), ret(7), RET_A];
    const t = translateClassic(prog);
    expect(disassemble(t.insns).slice(3)).toEqual(['goto pc+0', 'if r0 == 0x1 goto pc+1', 'goto pc+0', 'exit']);
    expect(Array.from(t.origin).slice(3)).toEqual([0, 3, 3, 5]);
    expect(structuralProblems(t.insns)).toEqual([]);
  });
});

describe('seccomp profile', () => {
  it('loads seccomp_data words from the context and LEN is 64', () => {
    expect(body([stmt(BPF_LD | BPF_W | BPF_ABS, 4), stmt(BPF_LD | BPF_W | BPF_LEN), stmt(BPF_LDX | BPF_W | BPF_LEN), RET_A], 'seccomp'))
      .toEqual(['r0 = *(u32 *)(r6 +4)', 'w0 = 64', 'w7 = 64', 'exit']);
  });
  it('refuses what seccomp cannot run instead of emitting it', () => {
    for (const bad of [stmt(BPF_LD | BPF_H | BPF_ABS, 0), stmt(BPF_LD | BPF_W | BPF_ABS, 64), stmt(BPF_LD | BPF_W | BPF_ABS, 2),
      stmt(BPF_LD | BPF_W | BPF_IND, 0), stmt(BPF_LDX | BPF_B | BPF_MSH, 0)]) {
      expect(() => translateClassic([bad, RET_A], { profile: 'seccomp' })).toThrow(TranslateError);
    }
  });
});

describe('jump offsets', () => {
  it('out of the s16 range are a TranslateError naming the classic pc', () => {
    // Our expansions are at most 7 instructions (MSH), so no valid classic program needs a
    // jump past 32767 (4094 x 7 = 28658); the fix-up pass still refuses one.
    const far = [expansion([ja(0)], [{ at: 0, target: 2 }]), expansion(new Array(40000).fill(ja(0))), expansion([ja(0)])];
    const lengths = (es: typeof far): number[] => es.map((e) => e.insns.length);
    const addrs = layout(lengths(far), 3);
    expect(() => fixJumps(far[0]!, 0, addrs)).toThrow(/classic instruction 0: jump to 2 needs an offset of 40000/);
    try { fixJumps(far[0]!, 0, addrs); } catch (e) { expect((e as TranslateError).pc).toBe(0); }
    const near = [expansion([ja(0)], [{ at: 0, target: 2 }]), expansion(new Array(32767).fill(ja(0))), expansion([ja(0)])];
    expect(fixJumps(near[0]!, 0, layout(lengths(near), 3))[0]!.off).toBe(32767);
  });

  it('the largest classic jump over the largest expansions still fits', () => {
    // pc 1 jumps over 4093 MSH expansions, which pc 0 makes reachable.
    const prog = [
      jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), stmt(BPF_JMP | BPF_JA, 4093),
      ...new Array(4093).fill(stmt(BPF_LDX | BPF_B | BPF_MSH, 14)), RET_A,
    ];
    expect(prog.length).toBe(4096);
    const t = translateClassic(prog);
    expect(t.insns[4]!.off).toBe(4093 * 7);
    expect(t.insns.length).toBe(3 + 2 + 4093 * 7 + 1);
  });
});

describe('random valid classic programs', () => {
  it('translate into structurally sound programs with zeroed unused fields and an exact origin map', () => {
    fc.assert(fc.property(arbClassicProgram({ maxLength: 48 }), (prog) => {
      const t = translateClassic(prog);
      expect(structuralProblems(t.insns)).toEqual([]);
      for (const i of t.insns) expect(nonZeroUnusedField(i)).toBeUndefined();
      expect(t.origin.length).toBe(t.insns.length);
      // origin is non-decreasing and each classic instruction's group is contiguous
      for (let n = 1; n < t.origin.length; n++) expect(t.origin[n]!).toBeGreaterThanOrEqual(t.origin[n - 1]!);
      expect(disassemble(t.insns)).not.toContain('invalid');
    }), { numRuns: runs(400) });
  });
});
