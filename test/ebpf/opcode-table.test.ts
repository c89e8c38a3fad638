/**
 * The opcode table (src/ebpf/opcode-table.ts) against what is outside our code: every code
 * byte the bpf_conformance suite uses is in the table, and every table entry the suite does
 * not use is on a short, explained list; the running kernel loads a program made of each
 * code byte with operands that suit it exactly when the table has that byte (bar the one
 * instruction Linux lacks). Plus the table's own consistency: each entry agrees with the
 * code bits and with validation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  BPF_ADD, BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_CALL, BPF_DW, BPF_END, BPF_EXIT, BPF_IMM, BPF_IND, BPF_JMP,
  BPF_JMP32, BPF_LD, BPF_LDX, BPF_NEG, BPF_ST, BPF_STX, BPF_X, R0, R1, R10, R6, R7, SIZE_BYTES, bpfClass, bpfMode, bpfOp, bpfSize,
} from '../../src/ebpf/opcodes.js';
import { ARG_REGS, OPCODES, insnRegs } from '../../src/ebpf/opcode-table.js';
import { type Insn, bpfInsn, exit, ldImm64Tails, mov64Imm, mov64Reg, stMem } from '../../src/ebpf/insn.js';
import { findEncodingProblem } from '../../src/ebpf/validate.js';
import { HELPER_GET_PRANDOM_U32 } from '../../src/ebpf/helpers.js';
import { dataFiles, parseDataFile, testProgram } from '../../src/vm/conformance.js';
import { kernelMissing, kernelReason } from '../vm/kernel-verdict.js';
import { kernelOracle } from '../translate/kernel.js';
import { encodeProgram } from '../../src/ebpf/encode.js';

const hex = (c: number): string => `0x${c.toString(16).padStart(2, '0')}`;
const VALID = OPCODES.flatMap((e, code) => (e ? [code] : []));

/**
 * One program per code byte whose other fields suit the code's class, so that a valid
 * opcode loads: ALU on r0 with r1 (imm 16: a byte-swap width, a shift and a divisor that
 * are fine), jumps to the next instruction, a helper call, loads and stores on the stack,
 * packet loads with R6 = ctx, an atomic add.
 */
function probe(code: number): Insn[] {
  const cls = bpfClass(code), op = bpfOp(code), isX = (code & BPF_X) !== 0;
  const ret = [mov64Imm(R0, 0), exit()];
  switch (cls) {
    case BPF_ALU: case BPF_ALU64:
      if (op === BPF_NEG) return [mov64Imm(R0, 0), bpfInsn(code, R0, 0, 0, 0), exit()];
      if (op === BPF_END) return [mov64Imm(R0, 0), bpfInsn(code, R0, 0, 0, 16), exit()];
      return [mov64Imm(R0, 0), mov64Imm(R1, 1), bpfInsn(code, R0, isX ? R1 : 0, 0, isX ? 0 : 16), exit()];
    case BPF_JMP: case BPF_JMP32:
      if (op === BPF_CALL) {
        return [mov64Imm(R1, HELPER_GET_PRANDOM_U32), bpfInsn(code, isX ? R1 : 0, 0, 0, isX ? 0 : HELPER_GET_PRANDOM_U32), exit()];
      }
      if (op === BPF_EXIT) return [mov64Imm(R0, 0), bpfInsn(code, 0, 0, 0, 0)];
      return [mov64Imm(R0, 0), mov64Imm(R1, 0), bpfInsn(code, isX || op !== 0 ? R0 : 0, isX ? R1 : 0, 0, 0), exit()];
    case BPF_LD:
      if (bpfMode(code) === BPF_IMM && bpfSize(code) === BPF_DW) return [bpfInsn(code, R0, 0, 0, 1), bpfInsn(0, 0, 0, 0, 0), exit()];
      return [mov64Reg(R6, R1), mov64Imm(R7, 0), bpfInsn(code, 0, bpfMode(code) === BPF_IND ? R7 : 0, 0, 0), exit()];
    case BPF_LDX:
      return [stMem(BPF_DW, R10, -8, 0), bpfInsn(code, R0, R10, -8, 0), exit()];
    case BPF_ST:
      return [bpfInsn(code, R10, 0, -8, 0), ...ret];
    default: // STX
      return [stMem(BPF_DW, R10, -8, 0), mov64Imm(R1, 1), bpfInsn(code, R10, R1, -8, bpfMode(code) === BPF_ATOMIC ? BPF_ADD : 0), ...ret];
  }
}

describe('the opcode table', () => {
  it('has the 126 opcodes of RFC 9669, legacy packet loads included', () => {
    expect(VALID.length).toBe(126);
  });

  it('agrees with the code bits of each entry', () => {
    for (const code of VALID) {
      const e = OPCODES[code]!;
      expect(e.code).toBe(code);
      expect(e.cls).toBe(bpfClass(code));
      if (e.op >= 0) expect(e.op, hex(code)).toBe(bpfOp(code));
      if (e.mode >= 0) {
        expect(e.mode, hex(code)).toBe(bpfMode(code));
        expect(e.size, hex(code)).toBe(SIZE_BYTES[bpfSize(code)]);
      } else {
        expect(e.source, hex(code)).toBe(code & BPF_X);
      }
      expect(e.width, hex(code)).toBe(e.cls === BPF_ALU || e.cls === BPF_JMP32 ? 32 : 64);
      expect(e.end === 'fall', hex(code)).toBe(e.cls !== BPF_JMP && e.cls !== BPF_JMP32 || e.kind === 'callx');
    }
    expect(new Set(VALID.map((c) => `${OPCODES[c]!.mnemonic}/${OPCODES[c]!.width}`)).size).toBe(VALID.length);
  });

  it('is what validation accepts: each probe program is valid exactly when its code is in the table', () => {
    for (let code = 0; code < 256; code++) {
      const problem = findEncodingProblem(probe(code));
      expect(problem === null, `${hex(code)}: ${problem?.[1]}`).toBe(OPCODES[code] !== undefined);
    }
  });

  it('gives the registers each kind reads and writes', () => {
    const r = (i: Insn) => { const u = insnRegs(i, () => 2); return [u.reads, u.writes, u.clobbers, u.values]; };
    expect(r(bpfInsn(BPF_ALU64 | 0xb0 | BPF_X, 3, 4, 0, 0))).toEqual([1 << 4, 1 << 3, 0, 1 << 4]); // mov r3, r4
    expect(r(bpfInsn(BPF_ALU | BPF_ADD, 3, 0, 0, 1))).toEqual([1 << 3, 1 << 3, 0, 1 << 3]);
    expect(r(bpfInsn(BPF_LD | BPF_IND | 0x10, 0, 7, 0, 1))).toEqual([(1 << R6) | (1 << R7), 1, ARG_REGS, (1 << R6) | (1 << R7)]);
    expect(r(bpfInsn(BPF_STX | BPF_ATOMIC | BPF_DW, 2, 3, 0, 0xf1))).toEqual([0b1101, 1, 0, 0b1001]); // cmpxchg
    expect(r(bpfInsn(BPF_STX | BPF_ATOMIC | BPF_DW, 2, 3, 0, 0x01))).toEqual([0b1100, 1 << 3, 0, 1 << 3]); // fetch add
    expect(r(bpfInsn(BPF_JMP | BPF_CALL, 0, 0, 0, 7))).toEqual([0b110, 1, ARG_REGS, 0b110]);
    expect(r(bpfInsn(BPF_JMP | BPF_CALL, 0, 1, 0, 7))).toEqual([0, 0, 0, 0]); // local call
    expect(r(bpfInsn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0))).toEqual([1, 0, 0, 1]);
  });
});

const suite = fileURLToPath(new URL('../../../shared/conformance/bpf_conformance', import.meta.url));
const suiteMissing = existsSync(join(suite, 'tests')) ? undefined : `no bpf_conformance suite at ${suite}`;
if (suiteMissing) console.warn(`opcode table vs bpf_conformance skipped: ${suiteMissing}`);

/** Table entries no bpf_conformance program uses (the suite has no packet, so no legacy packet loads). */
const NOT_IN_SUITE = [0x20, 0x28, 0x30, 0x40, 0x48, 0x50];

describe.skipIf(suiteMissing !== undefined)(`the opcode table against bpf_conformance${suiteMissing ? ` (skipped: ${suiteMissing})` : ''}`, () => {
  it('has every code the suite uses, and the suite uses every entry but the packet loads', () => {
    const used = new Set<number>();
    for (const f of dataFiles(join(suite, 'tests'))) {
      const prog = testProgram(parseDataFile(readFileSync(f, 'utf8'), f));
      const tails = ldImm64Tails(prog);
      prog.forEach((i, pc) => { if (!tails[pc]) used.add(i.code); });
    }
    expect([...used].filter((c) => OPCODES[c] === undefined).map(hex)).toEqual([]);
    expect(VALID.filter((c) => !used.has(c)).map(hex)).toEqual(NOT_IN_SUITE.map(hex));
  });
});

/** RFC 9669's callx (BPF_JMP | BPF_CALL | BPF_X): Linux has no such instruction. */
const NOT_IN_LINUX = [0x8d];
/**
 * Linux's own extension, which RFC 9669 does not define: may_goto (BPF_JMP | BPF_JCOND,
 * Linux 6.9), a bounded-loop escape only the kernel's verifier can give meaning to.
 */
const ONLY_IN_LINUX = [0xe5];

/** The kernel must know all of RFC 9669 (sign extension, bswap, gotol: 6.6) and may_goto (6.9). */
const [major = 0, minor = 0] = release().split('.').map(Number);
const kernelWhy = kernelMissing ?? (major * 100 + minor < 609 ? `kernel ${release()} predates 6.9` : undefined);

describe.skipIf(kernelWhy !== undefined)(`the opcode table against the kernel${kernelWhy ? ` (skipped: ${kernelWhy})` : ''}`, () => {
  it('the kernel loads a probe program exactly for the codes in the table', () => {
    const wrong: string[] = [];
    const verdicts = kernelOracle('privileged').oracle!.loadMany(Array.from({ length: 256 }, (_, code) => encodeProgram(probe(code))));
    for (let code = 0; code < 256; code++) {
      const v = verdicts[code]!;
      const expected = (OPCODES[code] !== undefined && !NOT_IN_LINUX.includes(code)) || ONLY_IN_LINUX.includes(code);
      if (v.ok !== expected) wrong.push(`${hex(code)}: ${v.ok ? 'loaded' : kernelReason(v)}`);
    }
    expect(wrong).toEqual([]);
  });
});
