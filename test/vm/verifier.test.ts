/**
 * Each verifier rule with a minimal program that breaks it (and, where it helps, the
 * smallest program that keeps it). Programs are built with the src/ebpf/insn.ts builders.
 */
import { describe, expect, it } from 'vitest';
import {
  BPF_ADD, BPF_ALU64, BPF_AND, BPF_ATOMIC, BPF_B, BPF_CALL, BPF_CMPXCHG, BPF_COMPLEXITY_LIMIT_INSNS, BPF_DIV,
  BPF_DW, BPF_FETCH, BPF_H, BPF_JEQ, BPF_JGT, BPF_JLT, BPF_JMP, BPF_JMP32, BPF_JNE, BPF_JSET, BPF_K, BPF_LDX,
  BPF_LSH, BPF_MEMSX, BPF_MOV, BPF_PSEUDO_CALL, BPF_STX, BPF_SUB, BPF_W, BPF_X, BPF_XCHG,
  R0, R1, R2, R3, R4, R6, R7, R10,
} from '../../src/ebpf/opcodes.js';
import {
  alu32Imm, alu64Imm, alu64Reg, bpfInsn, call, exit, ja, jmp32Imm, jmpImm, jmpReg, ldAbs, ldImm64, ldInd, ldxMem,
  mov32Imm, mov32Reg, mov64Imm, mov64Reg, stMem, stxMem, endianToBe, neg32,
} from '../../src/ebpf/insn.js';
import { HELPER_CBPF_NLATTR, HELPER_GET_PRANDOM_U32 } from '../../src/ebpf/helpers.js';
import { VerifyError } from '../../src/errors.js';
import { assertVerified, verifyProgram } from '../../src/verify/index.js';
import { expectOk, expectReject, prog } from './verifier-helpers.js';

const RAND = HELPER_GET_PRANDOM_U32;
const ret0 = [mov64Imm(R0, 0), exit()];
const atomic = (size: number, dst: number, src: number, off: number, op: number) => bpfInsn(BPF_STX | BPF_ATOMIC | size, dst, src, off, op);

describe('the design example', () => {
  it('rejects `mov r1, 1; call; mov r0, r1; exit`: R1 is unreadable after the call', () => {
    const err = expectReject(prog(mov64Imm(R1, 1), call(RAND), mov64Reg(R0, R1), exit()), 2, /R1 is unreadable: clobbered by the call at insn 1/);
    expect(err.message).toBe('insn 2: R1 is unreadable: clobbered by the call at insn 1 (path 0 -> 2)');
    expect(() => assertVerified(prog(mov64Imm(R1, 1), call(RAND), mov64Reg(R0, R1), exit()))).toThrow(VerifyError);
  });

  it('accepts the same program reading R0 instead', () => {
    expectOk(prog(mov64Imm(R1, 1), call(RAND), mov64Reg(R0, R0), exit()));
  });
});

describe('step 1: control flow and encoding', () => {
  it('rejects an empty program', () => {
    expectReject([], 0, /empty/);
  });

  it('rejects programs longer than the limit (1,000,000 by default)', () => {
    expectReject(prog(mov64Imm(R0, 0), mov64Imm(R0, 0), exit()), 2, /3 instructions, more than the limit of 2/, { maxInsns: 2 });
    const huge = new Array(BPF_COMPLEXITY_LIMIT_INSNS + 1).fill(mov64Imm(R0, 0));
    huge[huge.length - 1] = exit();
    expectReject(huge, BPF_COMPLEXITY_LIMIT_INSNS, /1000001 instructions, more than the limit of 1000000/);
  }, 60_000);

  it('verifies a straight-line program of exactly 1,000,000 instructions', () => {
    const big = new Array(BPF_COMPLEXITY_LIMIT_INSNS).fill(mov64Imm(R0, 1));
    big[big.length - 1] = exit();
    expect(expectOk(big).insnsProcessed).toBe(BPF_COMPLEXITY_LIMIT_INSNS);
  }, 60_000); // about 0.6 s under plain node; vitest's module transform makes it several times slower

  it('rejects unknown opcodes', () => {
    expectReject(prog(bpfInsn(0xe7, 0, 0, 0, 0), ...ret0), 0, /unknown opcode 0xe7/);
    expectReject(prog(bpfInsn(0x8c, 0, 0, 0, 0), ...ret0), 0, /neg has no register form/);
    expectReject(prog(bpfInsn(BPF_LDX | 0x40 | BPF_W, 0, 1, 0, 0), ...ret0), 0, /unknown opcode/);
    expectReject(prog(bpfInsn(BPF_JMP32 | BPF_CALL, 0, 0, 0, RAND), ...ret0), 0, /unknown opcode/);
  });

  it('rejects nonzero reserved fields', () => {
    expectReject(prog(bpfInsn(BPF_ALU64 | BPF_MOV | BPF_K, R0, R1, 0, 0), exit()), 0, /src/);
    expectReject(prog(mov64Imm(R0, 0), bpfInsn(BPF_JMP | 0x90, 0, 0, 0, 1)), 1, /imm/);
    expectReject(prog(bpfInsn(BPF_ALU64 | BPF_MOV | BPF_X, R0, R1, 0, 5), exit()), 0, /imm/);
    expectReject(prog(mov64Imm(R0, 0), bpfInsn(BPF_JMP | 0x00, 0, 0, 0, 1), exit()), 1, /imm/);
    expectReject(prog(mov64Imm(R0, 0), bpfInsn(BPF_JMP | BPF_CALL, R1, 0, 0, RAND), exit()), 1, /dst/);
  });

  it('rejects division by a zero immediate and out-of-range immediate shifts', () => {
    expectReject(prog(mov64Imm(R0, 1), alu64Imm(BPF_DIV, R0, 0), exit()), 1, /division by zero/);
    expectReject(prog(mov64Imm(R0, 1), alu32Imm(BPF_LSH, R0, 32), exit()), 1, /invalid shift 32/);
    expectReject(prog(mov64Imm(R0, 1), alu64Imm(BPF_LSH, R0, 64), exit()), 1, /invalid shift 64/);
    expectOk(prog(mov64Imm(R0, 1), alu64Imm(BPF_LSH, R0, 63), exit()));
  });

  it('rejects writes to R10 (r10 = 0)', () => {
    expectReject(prog(mov64Imm(R10, 0), ...ret0), 0, /r10/);
    expectReject(prog(ldxMem(BPF_W, R10, R1, 0), ...ret0), 0, /r10/);
  });

  it('rejects jumps outside the program', () => {
    expectReject(prog(ja(5), ...ret0), 0, /outside the program/);
    expectReject(prog(jmpImm(BPF_JEQ, R1, 0, -3), ...ret0), 0, /outside the program/);
  });

  it('rejects loops (back edges), with the path that closes them', () => {
    const err = expectReject(prog(mov64Imm(R0, 0), alu64Imm(BPF_ADD, R0, 1), jmpImm(BPF_JLT, R0, 10, -2), exit()), 2, /back-edge from insn 2 to 1/);
    expect(err.path).toEqual([0, 2, 1]);
    expectReject(prog(mov64Imm(R0, 0), ja(-1), exit()), 1, /back-edge from insn 1 to 1/);
  });

  it('rejects a jump into the second half of ld_imm64', () => {
    expectReject(prog(jmpImm(BPF_JEQ, R1, 0, 1), ldImm64(R0, 1, 0), exit()), 0, /second slot of an lddw/);
  });

  it('rejects a truncated ld_imm64', () => {
    expectReject(prog(mov64Imm(R0, 0), exit(), ldImm64(R0, 1, 2)[0]), 2, /second slot/);
  });

  it('rejects unreachable instructions', () => {
    expectReject(prog(mov64Imm(R0, 0), exit(), exit()), 2, /unreachable/);
    expectReject(prog(mov64Imm(R0, 0), ja(1), ja(0), exit()), 2, /unreachable/);
  });

  it('rejects falling off the end', () => {
    expectReject(prog(mov64Imm(R0, 0)), 0, /falls off the end/);
    expectReject(prog(mov64Imm(R0, 0), jmpImm(BPF_JEQ, R0, 0, -2)), 1, /falls off the end/);
  });

  it('rejects calls it does not follow (BPF-to-BPF, callx)', () => {
    expectReject(prog(bpfInsn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 1), exit(), ...ret0), 0, /BPF-to-BPF calls are not supported|src must be 0/);
    expectReject(prog(mov64Imm(R2, 0), bpfInsn(BPF_JMP | BPF_CALL | BPF_X, R2, 0, 0, 0), ...ret0), 1, /indirect calls/);
  });

  it('accepts long jumps (JMP32 JA uses imm) and backward jumps that close no loop', () => {
    // 0 -> 3 -> 1 -> 2, and 3 -> 4 -> 5
    expectOk(prog(bpfInsn(BPF_JMP32, 0, 0, 0, 2), mov64Imm(R0, 1), exit(), jmpImm(BPF_JEQ, R1, 0, -3), ...ret0));
  });
});

describe('step 2: registers', () => {
  it('rejects `exit` alone: R0 unset', () => {
    expectReject(prog(exit()), 0, /R0 \(return value\) is read before it is written/);
  });

  it('rejects reading uninitialised registers in ALU, jumps and stores', () => {
    expectReject(prog(mov64Reg(R0, R3), exit()), 0, /R3 is read before it is written/);
    expectReject(prog(mov64Imm(R0, 0), alu64Reg(BPF_ADD, R0, R4), exit()), 1, /R4/);
    expectReject(prog(alu64Imm(BPF_ADD, R0, 1), exit()), 0, /R0 is read before/);
    expectReject(prog(mov64Imm(R0, 0), jmpImm(BPF_JEQ, R7, 0, 0), exit()), 1, /R7/);
    expectReject(prog(stxMem(BPF_W, R10, R2, -4), ...ret0), 0, /R2/);
  });

  it('rejects R0 holding a pointer at exit', () => {
    expectReject(prog(mov64Reg(R0, R10), exit()), 1, /R0 holds a stack pointer .* at exit/);
    expectReject(prog(mov64Reg(R0, R1), exit()), 1, /R0 holds a context pointer at exit/);
  });

  it('lets a 32-bit mov of a scalar through, but not of a pointer', () => {
    expectOk(prog(mov32Imm(R2, 7), mov32Reg(R0, R2), exit()));
    expectReject(prog(mov32Reg(R0, R1), exit()), 0, /32-bit copy of a pointer/);
  });

  it('follows pointer arithmetic with known constants only', () => {
    expectOk(prog(mov64Imm(R3, -8), mov64Reg(R2, R10), alu64Reg(BPF_ADD, R2, R3),
      stMem(BPF_DW, R2, 0, 1), ldxMem(BPF_DW, R0, R2, 0), exit()));
    expectOk(prog(mov64Imm(R2, -8), alu64Reg(BPF_ADD, R2, R10), stMem(BPF_DW, R2, 0, 1), ldxMem(BPF_DW, R0, R2, 0), exit()));
    expectOk(prog(mov64Reg(R2, R10), alu64Imm(BPF_ADD, R2, -16), stMem(BPF_W, R2, 4, 1), ldxMem(BPF_W, R0, R10, -12), exit()));
    expectOk(prog(alu64Imm(BPF_SUB, R1, 4), alu64Imm(BPF_ADD, R1, 4), ldxMem(BPF_W, R0, R1, 0), exit()));
    expectReject(prog(mov64Reg(R2, R10), alu64Imm(BPF_SUB, R2, 16), ...ret0), 1, /subtraction from a stack pointer/);
    expectReject(prog(call(RAND), mov64Reg(R2, R10), alu64Reg(BPF_ADD, R2, R0), ...ret0), 2, /unknown scalar: pointer offsets must be known/);
    expectReject(prog(mov64Reg(R2, R10), alu64Imm(BPF_AND, R2, -8), ...ret0), 1, /pointer arithmetic with and/);
    expectReject(prog(mov64Reg(R2, R10), alu32Imm(BPF_ADD, R2, -8), ...ret0), 1, /32-bit arithmetic on a pointer/);
    expectReject(prog(mov64Reg(R2, R10), alu64Reg(BPF_ADD, R2, R1), ...ret0), 1, /both hold pointers/);
    expectReject(prog(mov64Reg(R2, R10), endianToBe(R2, 16), ...ret0), 1, /end of a pointer/);
    expectReject(prog(mov64Reg(R2, R10), neg32(R2), ...ret0), 1, /neg of a pointer/);
  });

  it('rejects memory access through a scalar', () => {
    expectReject(prog(mov64Imm(R2, 5), stMem(BPF_W, R2, 0, 1), ...ret0), 1, /R2 holds the constant 5, not a pointer/);
  });

  it('uses known constants to skip branches that cannot be taken', () => {
    // insn 2 reads an uninitialised R3, but no path reaches it: R2 is 1.
    expectOk(prog(mov64Imm(R2, 1), jmpImm(BPF_JEQ, R2, 1, 2), mov64Reg(R0, R3), exit(), mov64Imm(R0, 0), exit()));
    expectReject(prog(mov64Imm(R2, 2), jmpImm(BPF_JEQ, R2, 1, 2), mov64Reg(R0, R3), exit(), mov64Imm(R0, 0), exit()), 2, /R3/);
    // JMP32 compares the low halves only.
    expectOk(prog(ldImm64(R2, 1, 1), jmp32Imm(BPF_JEQ, R2, 1, 2), mov64Reg(R0, R3), exit(), mov64Imm(R0, 0), exit()));
    // JSET, signed and unsigned compares.
    expectOk(prog(mov64Imm(R2, 6), jmpImm(BPF_JSET, R2, 1, 2), mov64Imm(R0, 1), exit(), mov64Reg(R0, R3), exit()));
    expectOk(prog(mov64Imm(R2, -1), jmpImm(BPF_JGT, R2, 5, 2), mov64Reg(R0, R3), exit(), mov64Imm(R0, 0), exit()));
    expectOk(prog(mov64Imm(R2, -1), jmpImm(0x60 /* jsgt */, R2, 5, 2), mov64Imm(R0, 0), exit(), mov64Reg(R0, R3), exit()));
  });

  it('learns a register equals a constant on the equal branch of JEQ/JNE', () => {
    // r3 = rand; if r3 != -8 return; else r2 = fp + r3 is a known stack pointer.
    expectOk(prog(call(RAND), mov64Reg(R3, R0), jmpImm(BPF_JNE, R3, -8, 5),
      mov64Reg(R2, R10), alu64Reg(BPF_ADD, R2, R3), stMem(BPF_DW, R2, 0, 7), ldxMem(BPF_DW, R0, R10, -8), exit(),
      ...ret0));
  });

  it('folds 64-bit constants exactly (ld_imm64, shifts, arsh, movsx)', () => {
    // (0x8000000000000000 >> 63 arithmetic) == -1 -> the branch to the bad read is not taken.
    expectOk(prog(ldImm64(R2, 0, 0x80000000), alu64Imm(0xc0 /* arsh */, R2, 63), jmpImm(BPF_JNE, R2, -1, 2),
      mov64Imm(R0, 0), exit(), mov64Reg(R0, R3), exit()));
    expectOk(prog(mov64Imm(R2, 0xff), bpfInsn(BPF_ALU64 | BPF_MOV | BPF_X, R4, R2, 8, 0), jmpImm(BPF_JNE, R4, -1, 2),
      mov64Imm(R0, 0), exit(), mov64Reg(R0, R3), exit()));
    // mov32 zero-extends: r2 = 0x00000000ffffffff.
    expectOk(prog(mov32Imm(R2, -1), ldImm64(R4, -1, 0), jmpReg(BPF_JNE, R2, R4, 2), mov64Imm(R0, 0), exit(), mov64Reg(R0, R3), exit()));
  });
});

describe('step 2: the stack', () => {
  it('rejects a read before any write', () => {
    expectReject(prog(ldxMem(BPF_W, R0, R10, -4), exit()), 0, /invalid read from stack access at fp-4 size 4: not all bytes initialised/);
  });

  it('rejects `ldxw r0, [r10+0]` and accesses below the 512-byte stack', () => {
    expectReject(prog(ldxMem(BPF_W, R0, R10, 0), exit()), 0, /outside the 512-byte stack/);
    expectReject(prog(stMem(BPF_W, R10, -516, 0), ...ret0), 0, /outside the 512-byte stack/);
    expectOk(prog(stMem(BPF_W, R10, -512, 0), ...ret0));
  });

  it('rejects misaligned stack accesses', () => {
    expectReject(prog(stMem(BPF_DW, R10, -8, 0), ldxMem(BPF_W, R0, R10, -6), exit()), 1, /misaligned stack access at fp-6 size 4/);
    expectReject(prog(stMem(BPF_DW, R10, -12, 0), ...ret0), 0, /misaligned/);
  });

  it('tracks initialisation per byte', () => {
    expectOk(prog(stMem(BPF_W, R10, -4, 7), ldxMem(BPF_W, R0, R10, -4), exit()));
    expectReject(prog(stMem(BPF_B, R10, -4, 7), ldxMem(BPF_W, R0, R10, -4), exit()), 1, /not all bytes initialised/);
    expectOk(prog(stMem(BPF_H, R10, -4, 7), stMem(BPF_H, R10, -2, 7), ldxMem(BPF_W, R0, R10, -4), exit()));
    expectOk(prog(stMem(BPF_W, R10, -8, 7), ldxMem(BPF_B, R0, R10, -5), exit()));
  });

  it('requires the stack to be written on every path before a read', () => {
    const p = prog(call(RAND), jmpImm(BPF_JEQ, R0, 0, 1), stMem(BPF_W, R10, -4, 1), ldxMem(BPF_W, R0, R10, -4), exit());
    const err = expectReject(p, 3, /not all bytes initialised/);
    expect(err.path).toEqual([0, 1, 3]);
  });

  it('keeps pointers spilled with 8-byte stores, and refuses partial spills and fills', () => {
    expectOk(prog(stxMem(BPF_DW, R10, R1, -8), ldxMem(BPF_DW, R2, R10, -8), ldxMem(BPF_W, R0, R2, 0), exit()));
    expectReject(prog(stxMem(BPF_DW, R10, R1, -8), ldxMem(BPF_W, R2, R10, -8), ...ret0), 1, /partial read of a spilled pointer/);
    expectReject(prog(stxMem(BPF_W, R10, R1, -8), ...ret0), 0, /only be spilled with an 8-byte store/);
    // A spilled constant keeps its value; a 4-byte store over the slot turns it into plain data.
    expectOk(prog(stMem(BPF_DW, R10, -8, -16), ldxMem(BPF_DW, R3, R10, -8), mov64Reg(R2, R10), alu64Reg(BPF_ADD, R2, R3),
      stMem(BPF_W, R2, 0, 1), ...ret0));
    expectReject(prog(stMem(BPF_DW, R10, -8, -16), stMem(BPF_W, R10, -4, 0), ldxMem(BPF_DW, R3, R10, -8), mov64Reg(R2, R10), alu64Reg(BPF_ADD, R2, R3), ...ret0), 4, /unknown scalar/);
  });

  it('checks atomic operations: initialised stack, scalar operands, fetch results', () => {
    expectOk(prog(stMem(BPF_DW, R10, -8, 0), mov64Imm(R1, 1), atomic(BPF_DW, R10, R1, -8, BPF_ADD | BPF_FETCH), mov64Reg(R0, R1), exit()));
    expectOk(prog(stMem(BPF_W, R10, -4, 0), mov64Imm(R0, 0), mov64Imm(R1, 1), atomic(BPF_W, R10, R1, -4, BPF_CMPXCHG), exit()));
    expectOk(prog(stMem(BPF_W, R10, -4, 0), mov64Imm(R1, 1), atomic(BPF_W, R10, R1, -4, BPF_XCHG), mov64Reg(R0, R1), exit()));
    expectReject(prog(mov64Imm(R1, 1), atomic(BPF_DW, R10, R1, -8, BPF_ADD), ...ret0), 1, /not all bytes initialised/);
    expectReject(prog(stMem(BPF_DW, R10, -8, 0), atomic(BPF_DW, R10, R1, -8, BPF_ADD), ...ret0), 1, /atomic operations take a scalar/);
    expectReject(prog(stMem(BPF_W, R10, -4, 0), mov64Imm(R1, 1), atomic(BPF_W, R10, R1, -4, BPF_CMPXCHG), ...ret0), 2, /R0 \(compare value\) is read before/);
    expectReject(prog(mov64Imm(R2, 1), atomic(BPF_W, R1, R2, 0, BPF_ADD), ...ret0), 1, /atomic operations on the context/);
  });
});

describe('step 2: the context', () => {
  it('__sk_buff: reads of readable u32 fields, narrow reads, cb[] reads and writes', () => {
    expectOk(prog(ldxMem(BPF_W, R0, R1, 0), exit()));
    expectOk(prog(ldxMem(BPF_W, R0, R1, 68), exit()));
    expectOk(prog(ldxMem(BPF_H, R0, R1, 18), exit()));
    expectOk(prog(ldxMem(BPF_B, R0, R1, 3), exit()));
    expectOk(prog(ldxMem(BPF_DW, R0, R1, 48), exit()));
    expectOk(prog(bpfInsn(BPF_LDX | BPF_MEMSX | BPF_H, R0, R1, 16, 0), exit()));
    expectOk(prog(mov64Imm(R2, 3), stxMem(BPF_W, R1, R2, 52), stMem(BPF_DW, R1, 56, 1), ...ret0));
  });

  it('__sk_buff: rejects out-of-bounds, misaligned, oversized and read-only accesses', () => {
    expectReject(prog(ldxMem(BPF_W, R0, R1, 72), exit()), 0, /invalid __sk_buff access at offset 72 size 4/);
    expectReject(prog(ldxMem(BPF_W, R0, R1, -4), exit()), 0, /invalid __sk_buff access/);
    expectReject(prog(ldxMem(BPF_W, R0, R1, 2), exit()), 0, /misaligned __sk_buff access/);
    expectReject(prog(ldxMem(BPF_DW, R0, R1, 0), exit()), 0, /not a readable u32 field/);
    expectReject(prog(ldxMem(BPF_DW, R0, R1, 64), exit()), 0, /straddles cb/);
    expectReject(prog(stMem(BPF_W, R1, 0, 1), ...ret0), 0, /may only write cb/);
    expectReject(prog(stxMem(BPF_W, R1, R1, 48), ...ret0), 0, /storing a pointer into the context/);
  });

  it('rejects dereferencing a modified context pointer', () => {
    expectReject(prog(alu64Imm(BPF_ADD, R1, 4), ldxMem(BPF_W, R0, R1, 0), exit()), 1, /modified context pointer/);
  });

  it('seccomp_data: aligned 32-bit loads within 64 bytes, nothing else', () => {
    const seccomp = { ctx: 'seccomp' as const };
    expectOk(prog(ldxMem(BPF_W, R0, R1, 0), exit()), seccomp);
    expectOk(prog(ldxMem(BPF_W, R0, R1, 60), exit()), seccomp);
    expectReject(prog(ldxMem(BPF_W, R0, R1, 64), exit()), 0, /outside its 64 bytes/, seccomp);
    expectReject(prog(ldxMem(BPF_W, R0, R1, 2), exit()), 0, /misaligned seccomp_data access/, seccomp);
    expectReject(prog(ldxMem(BPF_H, R0, R1, 0), exit()), 0, /32-bit loads/, seccomp);
    expectReject(prog(ldxMem(BPF_DW, R0, R1, 8), exit()), 0, /32-bit loads/, seccomp);
    expectReject(prog(stMem(BPF_W, R1, 0, 0), ...ret0), 0, /read-only/, seccomp);
    expectReject(prog(mov64Reg(R6, R1), ldAbs(BPF_W, 0), exit()), 1, /only socket-filter/, seccomp);
  });

  it('a memory region: any access inside it, R2 holds its length', () => {
    const mem = { ctx: { size: 8 } };
    expectOk(prog(ldxMem(BPF_W, R0, R1, 2), exit()), mem);
    expectOk(prog(alu64Imm(BPF_ADD, R1, 4), ldxMem(BPF_W, R0, R1, 0), stMem(BPF_W, R1, 0, 9), exit()), mem);
    expectReject(prog(ldxMem(BPF_W, R0, R1, 6), exit()), 0, /invalid memory access at offset 6 size 4: the region is 8 bytes/, mem);
    expectReject(prog(alu64Imm(BPF_ADD, R1, 4), ldxMem(BPF_W, R0, R1, 4), exit()), 1, /offset 8/, mem);
    // R2 is the constant 8: "if r2 != 8 goto bad" never goes to bad.
    expectOk(prog(jmpImm(BPF_JNE, R2, 8, 2), mov64Imm(R0, 0), exit(), mov64Reg(R0, R3), exit()), mem);
    expectReject(prog(stxMem(BPF_DW, R1, R10, 0), ...ret0), 0, /storing a pointer into memory/, mem);
  });
});

describe('step 2: calls and legacy packet loads', () => {
  it('rejects unknown helpers', () => {
    expectReject(prog(call(9999), exit()), 0, /unknown helper 9999/);
    expectReject(prog(call(RAND), exit()), 0, /unknown helper/, { helpers: () => undefined });
    // Even on a path no run takes, so that an engine can bind every call of a verified program.
    expectReject(prog(mov64Imm(R2, 1), jmpImm(BPF_JEQ, R2, 1, 2), call(9999), exit(), ...ret0), 2, /unknown helper 9999/);
  });

  it('rejects calls whose arguments are unreadable', () => {
    expectReject(prog(mov64Reg(R6, R1), mov64Imm(R0, 0), mov64Reg(R1, R6), mov64Reg(R2, R0), call(HELPER_CBPF_NLATTR), exit()), 4, /R3 \(argument 3 of helper cbpf_nlattr\) is read before it is written/);
    expectOk(prog(mov64Imm(R2, 0), mov64Imm(R3, 0), call(HELPER_CBPF_NLATTR), exit()));
    expectReject(prog(call(42), exit()), 0, /R2 \(argument 2 of helper 42\)/, { helpers: (id) => (id === 42 ? { args: 2 } : undefined) });
    expectOk(prog(call(42), exit()), { helpers: (id) => (id === 42 ? { args: 1 } : undefined) });
  });

  it('after a call R1-R5 are unreadable and R0 is a scalar', () => {
    for (const r of [R1, R2, R3, R4, 5]) {
      expectReject(prog(mov64Imm(r, 1), call(RAND), mov64Reg(R0, r), exit()), 2, new RegExp(`R${r} is unreadable: clobbered by the call at insn 1`));
    }
    expectOk(prog(mov64Imm(R6, 1), call(RAND), alu64Reg(BPF_ADD, R0, R6), exit()));
  });

  it('LD_ABS/LD_IND need the context in R6, clobber R1-R5 and leave a scalar in R0', () => {
    expectOk(prog(mov64Reg(R6, R1), ldAbs(BPF_B, 12), exit()));
    expectOk(prog(mov64Reg(R6, R1), mov64Imm(R7, 2), ldInd(BPF_H, R7, 10), exit()));
    expectReject(prog(ldAbs(BPF_B, 12), exit()), 0, /R6 \(implicit context of LD_ABS\) is read before it is written/);
    expectReject(prog(mov64Reg(R6, R10), ldAbs(BPF_B, 12), exit()), 1, /needs the context pointer in R6, but R6 holds a stack pointer/);
    expectReject(prog(mov64Reg(R6, R1), alu64Imm(BPF_ADD, R6, 4), ldAbs(BPF_B, 12), exit()), 2, /context pointer \(offset 4\)/);
    expectReject(prog(mov64Reg(R6, R1), ldInd(BPF_W, R7, 0), exit()), 1, /R7 \(packet offset\)/);
    expectReject(prog(mov64Reg(R6, R1), ldInd(BPF_W, R1, 0), exit()), 1, /takes a scalar offset/);
    expectReject(prog(mov64Reg(R6, R1), ldAbs(BPF_W, 0), mov64Reg(R0, R1), exit()), 2, /R1 is unreadable: clobbered by the LD_ABS\/LD_IND at insn 1/);
  });
});

describe('path reporting', () => {
  it('lists the runs of the path that reaches the violation', () => {
    const p = prog(
      call(RAND), // 0
      jmpImm(BPF_JEQ, R0, 0, 2), // 1 -> 4
      mov64Imm(R0, 0), // 2
      exit(), // 3
      jmpImm(BPF_JGT, R0, 5, 1), // 4 -> 6 (R0 == 0 here, so it falls through)
      mov64Reg(R0, R1), // 5: R1 clobbered
      exit(), // 6
    );
    const err = expectReject(p, 5, /R1 is unreadable/);
    expect(err.path).toEqual([0, 1, 4, 5]);
    expect(err.message).toBe('insn 5: R1 is unreadable: clobbered by the call at insn 0 (path 0 -> 1 -> 4 -> 5)');
  });
});

describe('state pruning', () => {
  // call; then N diamonds "if r0 == i { rX = i }"; then exit.
  function diamonds(n: number, body: (i: number) => ReturnType<typeof mov64Imm>, tail: ReturnType<typeof mov64Imm>[]) {
    const p = [call(RAND), mov64Imm(R7, 0)];
    for (let i = 0; i < n; i++) p.push(jmpImm(BPF_JEQ, R0, i, 1), body(i));
    return prog(p, tail, exit());
  }

  it('merges paths that differ only in dead registers (2^200 paths)', () => {
    const r = expectOk(diamonds(200, (i) => mov64Imm(R2, i), [mov64Imm(R0, 0)]));
    expect(r.insnsProcessed).toBeLessThan(2000);
  });

  it('merges paths that differ only in dead stack bytes', () => {
    const r = expectOk(diamonds(200, (i) => stMem(BPF_W, R10, -4 * ((i % 16) + 1), i), [mov64Imm(R0, 0)]));
    expect(r.insnsProcessed).toBeLessThan(2000);
  });

  it('stays bounded when a live register holds a different constant on every path', () => {
    const r = expectOk(diamonds(200, (i) => mov64Imm(R7, i), [mov64Reg(R0, R7)]));
    expect(r.insnsProcessed).toBeLessThan(200_000);
  });

  it('gives up with "too complex" past the processing limit', () => {
    const r = verifyProgram(diamonds(200, (i) => mov64Imm(R7, i), [mov64Reg(R0, R7)]), { maxProcessed: 500 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.detail).toMatch(/too complex: more than 500 instructions processed/);
  });
});

describe('the result', () => {
  it('counts processed instructions and kept states', () => {
    const r = verifyProgram(prog(call(RAND), jmpImm(BPF_JEQ, R0, 0, 1), mov64Imm(R0, 1), exit()));
    expect(r).toEqual({ ok: true, insnsProcessed: 5, states: 2 });
  });
});

