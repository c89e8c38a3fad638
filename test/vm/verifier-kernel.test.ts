/**
 * Our verifier against the real one. The kernel loads each program as a socket filter with
 * CAP_BPF but without CAP_PERFMON/CAP_SYS_ADMIN ("restricted"), the mode whose rules are
 * closest to ours, and the two verdicts must agree. Translations of classic programs must
 * load, and randomly mutated translations give a soundness check: whatever we accept, the
 * kernel (as root) accepts too.
 *
 * Known, deliberate differences, kept out of the table (we are stricter):
 *   - bounded loops (the kernel follows them when CAP_BPF is held; we reject every back edge);
 *   - BPF-to-BPF calls, variable pointer offsets, __sk_buff fields past `hash`;
 *   - branches the kernel proves dead from value ranges (we only use exact constants);
 * and one where we are more permissive than restricted mode: comparing pointers.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeClassic } from '../../src/classic/decode.js';
import {
  BPF_ADD, BPF_ALU64, BPF_ATOMIC, BPF_B, BPF_DIV, BPF_DW, BPF_FETCH, BPF_H, BPF_JEQ, BPF_JGT, BPF_JMP32,
  BPF_K, BPF_LDX, BPF_LSH, BPF_MEMSX, BPF_MOV, BPF_STX, BPF_SUB, BPF_W, R0, R1, R2, R3, R6, R7, R10,
} from '../../src/ebpf/opcodes.js';
import {
  type Insn, alu32Imm, alu64Imm, alu64Reg, bpfInsn, call, exit, ja, jmpImm, ldAbs, ldImm64, ldInd, ldxMem,
  mov32Reg, mov64Imm, mov64Reg, stMem, stxMem,
} from '../../src/ebpf/insn.js';
import { HELPER_GET_PRANDOM_U32, HELPER_GET_SMP_PROCESSOR_ID } from '../../src/ebpf/helpers.js';
import { translateClassic } from '../../src/translate/translate.js';
import { verifyProgram } from '../../src/verify/index.js';
import { arbClassicProgram } from '../classic/arbitrary.js';
import { kernelMissing, kernelReason, kernelVerdict, restrictedMissing } from './kernel-verdict.js';
import { mutate, mutationArb, randomProgramArb } from './verifier-arbitrary.js';
import { prog } from './verifier-helpers.js';
import { runs } from '../runs.js';

const RAND = HELPER_GET_PRANDOM_U32;
const ret0 = [mov64Imm(R0, 0), exit()];

const CASES: Array<[string, Insn[]]> = [
  // accepted
  ['return 0', prog(...ret0)],
  ['call, then read R0', prog(mov64Imm(R1, 1), call(RAND), mov64Reg(R0, R0), exit())],
  ['get_smp_processor_id', prog(call(HELPER_GET_SMP_PROCESSOR_ID), exit())],
  ['stack write then read', prog(stMem(BPF_W, R10, -4, 7), ldxMem(BPF_W, R0, R10, -4), exit())],
  ['stack: two halves then a word', prog(stMem(BPF_H, R10, -4, 7), stMem(BPF_H, R10, -2, 7), ldxMem(BPF_W, R0, R10, -4), exit())],
  ['stack at -512', prog(stMem(BPF_W, R10, -512, 0), ldxMem(BPF_W, R0, R10, -512), exit())],
  ['__sk_buff len, hash', prog(ldxMem(BPF_W, R0, R1, 0), ldxMem(BPF_W, R2, R1, 68), alu64Reg(BPF_ADD, R0, R2), exit())],
  ['__sk_buff narrow loads', prog(ldxMem(BPF_H, R0, R1, 18), ldxMem(BPF_B, R2, R1, 3), exit())],
  ['__sk_buff cb[] 8-byte load', prog(ldxMem(BPF_DW, R0, R1, 48), exit())],
  ['__sk_buff sign-extending load', prog(bpfInsn(BPF_LDX | BPF_MEMSX | BPF_H, R0, R1, 16, 0), exit())],
  ['cb[] stores', prog(mov64Imm(R2, 3), stxMem(BPF_W, R1, R2, 52), stMem(BPF_DW, R1, 56, 1), ...ret0)],
  ['LD_ABS with R6 = ctx', prog(mov64Reg(R6, R1), ldAbs(BPF_B, 12), exit())],
  ['LD_IND', prog(mov64Reg(R6, R1), mov64Imm(R7, 2), ldInd(BPF_H, R7, 10), exit())],
  ['spill and fill the context pointer', prog(stxMem(BPF_DW, R10, R1, -8), ldxMem(BPF_DW, R2, R10, -8), ldxMem(BPF_W, R0, R2, 0), exit())],
  ['stack pointer plus a constant register', prog(mov64Imm(R3, -8), mov64Reg(R2, R10), alu64Reg(BPF_ADD, R2, R3), stMem(BPF_DW, R2, 0, 1), ldxMem(BPF_DW, R0, R2, 0), exit())],
  ['a dead branch reading an unset register', prog(mov64Imm(R2, 1), jmpImm(BPF_JEQ, R2, 1, 2), mov64Reg(R0, R3), exit(), ...ret0)],
  ['atomic fetch-add on the stack', prog(stMem(BPF_DW, R10, -8, 0), mov64Imm(R1, 1), bpfInsn(BPF_STX | BPF_ATOMIC | BPF_DW, R10, R1, -8, BPF_ADD | BPF_FETCH), mov64Reg(R0, R1), exit())],
  ['long jump and a backward jump closing no loop', prog(call(RAND), bpfInsn(BPF_JMP32, 0, 0, 0, 2), mov64Imm(R0, 1), exit(), jmpImm(BPF_JEQ, R0, 0, -3), ...ret0)],
  ['two paths joining', prog(call(RAND), jmpImm(BPF_JEQ, R0, 0, 1), mov64Imm(R0, 1), exit())],
  ['ld_imm64', prog(ldImm64(R0, 1, 2), exit())],
  ['context pointer moved away and back', prog(alu64Imm(BPF_SUB, R1, 4), alu64Imm(BPF_ADD, R1, 4), ldxMem(BPF_W, R0, R1, 0), exit())],
  ['constant plus stack pointer', prog(mov64Imm(R2, -8), alu64Reg(BPF_ADD, R2, R10), stMem(BPF_DW, R2, 0, 1), ...ret0)],
  // rejected
  ['exit alone (R0 unset)', prog(exit())],
  ['R1 read after a call', prog(mov64Imm(R1, 1), call(RAND), mov64Reg(R0, R1), exit())],
  ['r10 = 0', prog(mov64Imm(R10, 0), ...ret0)],
  ['stack read before write', prog(ldxMem(BPF_W, R0, R10, -4), exit())],
  ['stack read of a partly written word', prog(stMem(BPF_B, R10, -4, 7), ldxMem(BPF_W, R0, R10, -4), exit())],
  ['ldxw r0, [r10+0]', prog(ldxMem(BPF_W, R0, R10, 0), exit())],
  ['stack below 512 bytes', prog(stMem(BPF_W, R10, -516, 0), ...ret0)],
  ['misaligned stack access', prog(stMem(BPF_DW, R10, -8, 0), ldxMem(BPF_W, R0, R10, -6), exit())],
  ['__sk_buff tc_classid (72)', prog(ldxMem(BPF_W, R0, R1, 72), exit())],
  ['__sk_buff past its end', prog(ldxMem(BPF_W, R0, R1, 4096), exit())],
  ['misaligned __sk_buff load', prog(ldxMem(BPF_W, R0, R1, 2), exit())],
  ['8-byte load of a u32 field', prog(ldxMem(BPF_DW, R0, R1, 0), exit())],
  ['store to __sk_buff len', prog(stMem(BPF_W, R1, 0, 1), ...ret0)],
  ['modified context pointer', prog(alu64Imm(BPF_ADD, R1, 4), ldxMem(BPF_W, R0, R1, 0), exit())],
  ['infinite loop', prog(mov64Imm(R0, 0), ja(-1), exit())],
  ['unreachable instruction', prog(mov64Imm(R0, 0), exit(), exit())],
  ['jump out of range', prog(ja(5), ...ret0)],
  ['falls off the end', prog(mov64Imm(R0, 0))],
  ['jump into ld_imm64', prog(call(RAND), jmpImm(BPF_JEQ, R0, 0, 1), ldImm64(R0, 1, 0), exit())],
  ['unknown opcode', prog(bpfInsn(0xe7, 0, 0, 0, 0), ...ret0)],
  ['mov K with a source register', prog(bpfInsn(BPF_ALU64 | BPF_MOV | BPF_K, R0, R1, 0, 0), exit())],
  ['division by zero immediate', prog(mov64Imm(R0, 1), alu64Imm(BPF_DIV, R0, 0), exit())],
  ['shift by 32 in 32 bits', prog(mov64Imm(R0, 1), alu32Imm(BPF_LSH, R0, 32), exit())],
  ['LD_ABS with R6 unset', prog(ldAbs(BPF_B, 12), exit())],
  ['LD_ABS with R6 = stack', prog(mov64Reg(R6, R10), ldAbs(BPF_B, 12), exit())],
  ['R1 read after LD_ABS', prog(mov64Reg(R6, R1), ldAbs(BPF_W, 0), mov64Reg(R0, R1), exit())],
  ['partial fill of a spilled pointer', prog(stxMem(BPF_DW, R10, R1, -8), ldxMem(BPF_W, R2, R10, -8), ...ret0)],
  ['4-byte spill of a pointer', prog(stxMem(BPF_W, R10, R1, -8), ...ret0)],
  ['stack pointer plus an unknown scalar', prog(call(RAND), mov64Reg(R2, R10), alu64Reg(BPF_ADD, R2, R0), ...ret0)],
  ['pointer returned in R0', prog(mov64Reg(R0, R10), exit())],
  ['32-bit copy of a pointer', prog(mov32Reg(R0, R1), exit())],
  ['unknown helper', prog(call(9999), exit())],
  ['atomic on uninitialised stack', prog(mov64Imm(R1, 1), bpfInsn(BPF_STX | BPF_ATOMIC | BPF_DW, R10, R1, -8, BPF_ADD), ...ret0)],
  ['jump on an unset register', prog(mov64Imm(R0, 0), jmpImm(BPF_JGT, R7, 0, 0), exit())],
  ['store through a scalar', prog(mov64Imm(R2, 5), stMem(BPF_W, R2, 0, 1), ...ret0)],
  ['subtraction from a stack pointer', prog(mov64Reg(R2, R10), alu64Imm(BPF_SUB, R2, 8), ...ret0)],
];

describe.skipIf(restrictedMissing !== undefined)('our verdict equals the kernel\'s (socket filter, CAP_BPF only)', () => {
  it('the table holds both verdicts', () => {
    const oks = CASES.filter(([, p]) => kernelVerdict(p, 'restricted').ok).length;
    expect(oks).toBeGreaterThan(10);
    expect(CASES.length - oks).toBeGreaterThan(10);
  });

  it.each(CASES)('%s', (_, p) => {
    const kernel = kernelVerdict(p, 'restricted');
    const ours = verifyProgram(p);
    const why = `kernel: ${kernel.ok ? 'accepts' : `rejects (${kernelReason(kernel)})`}; ours: ${ours.ok ? 'accepts' : `rejects (${ours.error.message})`}`;
    expect(ours.ok, why).toBe(kernel.ok);
  });
});

interface Golden { name: string; linktype: string; backwardJump: boolean }
const goldenDir = new URL('../../fixtures/filters/', import.meta.url);
const goldens = (JSON.parse(readFileSync(new URL('index.json', goldenDir), 'utf8')) as Golden[]).filter((g) => !g.backwardJump && g.linktype === 'EN10MB');

describe.skipIf(restrictedMissing !== undefined)('translations both verifiers accept', () => {
  it.each(goldens.map((g) => [g.name, g] as const))('tcpdump golden %s', (_, g) => {
    const { insns } = translateClassic(decodeClassic(readFileSync(new URL(`${g.linktype}/${g.name}.ddd`, goldenDir))));
    expect(verifyProgram(insns).ok).toBe(true);
    const kernel = kernelVerdict(insns, 'restricted');
    expect(kernel.ok, kernelReason(kernel)).toBe(true);
  });

  it('random classic programs without project helpers', () => {
    fc.assert(fc.property(arbClassicProgram({ maxLength: 40 }), (classic) => {
      const t = translateClassic(classic);
      fc.pre(t.projectHelpers.length === 0);
      expect(verifyProgram(t.insns).ok).toBe(true);
      const kernel = kernelVerdict(t.insns, 'restricted');
      expect(kernel.ok, kernelReason(kernel)).toBe(true);
    }), { numRuns: runs(60) });
  }, 120_000);
});

describe.skipIf(kernelMissing !== undefined)('soundness against the kernel: what we accept, Linux accepts', () => {
  it('holds for random short programs', () => {
    const numRuns = runs(2000);
    let accepted = 0;
    fc.assert(fc.property(randomProgramArb, (p) => {
      if (!verifyProgram(p).ok) return;
      accepted++;
      const kernel = kernelVerdict(p, 'privileged');
      expect(kernel.ok, `we accept, the kernel rejects: ${kernelReason(kernel)}`).toBe(true);
    }), { numRuns });
    console.info(`random programs: ${accepted} accepted by us (and by the kernel)`);
    expect(accepted).toBeGreaterThan(numRuns / 10);
  }, 300_000);

  it('holds for randomly mutated translations (one or two field changes)', () => {
    let accepted = 0, rejected = 0;
    const mutations = fc.array(mutationArb, { minLength: 1, maxLength: 2 });
    fc.assert(fc.property(arbClassicProgram({ maxLength: 24, ancillary: false }), mutations, (classic, ms) => {
      let p = translateClassic(classic).insns;
      for (const m of ms) p = mutate(p, m);
      if (p.length === 0) return;
      const ours = verifyProgram(p);
      if (!ours.ok) {
        rejected++;
        return;
      }
      accepted++;
      const kernel = kernelVerdict(p, 'privileged');
      expect(kernel.ok, `we accept, the kernel rejects: ${kernelReason(kernel)}`).toBe(true);
    }), { numRuns: runs(400) });
    // The property only means something if both outcomes happen often.
    expect(accepted).toBeGreaterThan(runs(40));
    expect(rejected).toBeGreaterThan(runs(40));
  }, 300_000);
});

