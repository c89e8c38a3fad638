/**
 * Per-instruction expansion of classic BPF into internal BPF, following Linux's
 * bpf_convert_filter (semantics.md §3). Jump offsets are left to the fix-up pass: each
 * jump is recorded with the classic pc it goes to.
 */
import { type ClassicInsn, classicForm, loadWidth } from '../classic/insn.js';
import { ancillaryOf, BPF_MEMWORDS, SKF_AD_OFF } from '../abi/opcodes.js';
import {
  BPF_AND, BPF_B, BPF_DIV, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT, BPF_JMP, BPF_JNE,
  BPF_K, BPF_LSH, BPF_MOD, BPF_RSH, BPF_W, BPF_X, bpfOp, bpfSize,
} from '../ebpf/opcodes.js';
import {
  alu32Imm, alu32Reg, bpfInsn, exit, ja, jmpImm, ldAbs, ldInd, ldxMem, mov32Imm, mov64Reg,
  neg32, stxMem, type Insn,
} from '../ebpf/insn.js';
import { TranslateError } from '../errors.js';
import { expandAncillary } from './ancillary.js';
import { expansion, type Expansion, type PendingJump } from './expansion.js';
import { REG_A, REG_CTX, REG_FP, REG_TMP, REG_X, scratchOffset } from './regs.js';
import { SKB, SECCOMP_DATA_SIZE } from '../abi/ctx.js';

export type Profile = 'socket' | 'seccomp';

/** The opposite test for a jump whose true branch is the next instruction; JSET has none. */
const INVERSE: Readonly<Record<number, number>> = { [BPF_JEQ]: BPF_JNE, [BPF_JGT]: BPF_JLE, [BPF_JGE]: BPF_JLT };

export function expandClassic(i: ClassicInsn, pc: number, profile: Profile): Expansion {
  const f = classicForm(i.code);
  if (!f) throw new TranslateError(pc, `code 0x${i.code.toString(16)} is not a classic instruction Linux accepts`);
  const k = i.k | 0;
  switch (f.kind) {
    case 'ld-abs': return profile === 'seccomp' ? seccompLoad(i, pc) : packetLoad(i, pc);
    case 'ld-ind':
      if (profile === 'seccomp') throw notSeccomp(pc, 'indirect packet loads');
      // The legacy load adds X and the signed k as a 32-bit offset, exactly the classic [x + k].
      return expansion([ldInd(bpfSize(i.code), REG_X, k)]);
    case 'ldx-msh': return msh(i, pc, profile);
    case 'ld-imm': return expansion([mov32Imm(REG_A, k)]);
    case 'ldx-imm': return expansion([mov32Imm(REG_X, k)]);
    case 'ld-len': return expansion([lengthLoad(REG_A, profile)]);
    case 'ldx-len': return expansion([lengthLoad(REG_X, profile)]);
    case 'ld-mem': return expansion([ldxMem(BPF_W, REG_A, REG_FP, scratch(i, pc))]);
    case 'ldx-mem': return expansion([ldxMem(BPF_W, REG_X, REG_FP, scratch(i, pc))]);
    case 'st': return expansion([stxMem(BPF_W, REG_FP, REG_A, scratch(i, pc))]);
    case 'stx': return expansion([stxMem(BPF_W, REG_FP, REG_X, scratch(i, pc))]);
    case 'tax': return expansion([mov64Reg(REG_X, REG_A)]);
    case 'txa': return expansion([mov64Reg(REG_A, REG_X)]);
    case 'neg': return expansion([neg32(REG_A)]);
    case 'alu-k': return aluK(i, pc);
    case 'alu-x': return aluX(i);
    case 'ret-k': return expansion([mov32Imm(REG_A, k), exit()]);
    case 'ret-a': return expansion([exit()]);
    case 'ja': return expansion([ja(0)], [{ at: 0, target: pc + 1 + i.k }]);
    case 'jmp-k': case 'jmp-x': return conditional(i, pc);
  }
}

function notSeccomp(pc: number, what: string): TranslateError {
  return new TranslateError(pc, `${what} are not allowed in seccomp filters`);
}

function scratch(i: ClassicInsn, pc: number): number {
  if (i.k >= BPF_MEMWORDS) throw new TranslateError(pc, `scratch word M[${i.k}] does not exist (M[0]..M[15])`);
  return scratchOffset(i.k);
}

/** LEN: skb->len through `__sk_buff.len`; seccomp programs see the constant size of seccomp_data. */
function lengthLoad(dst: number, profile: Profile): Insn {
  return profile === 'seccomp' ? mov32Imm(dst, SECCOMP_DATA_SIZE) : ldxMem(BPF_W, dst, REG_CTX, SKB.len);
}

function packetLoad(i: ClassicInsn, pc: number): Expansion {
  const anc = ancillaryOf(i.k);
  if (anc) return expandAncillary(anc);
  if ((i.k | 0) < 0 && (i.k | 0) >= SKF_AD_OFF) throw new TranslateError(pc, `unknown ancillary offset ${i.k | 0}`);
  // SKF_NET_OFF / SKF_LL_OFF offsets go through unchanged: the legacy load resolves them.
  // Classic and internal BPF share the size bits, so the classic code's size is the load's.
  return expansion([ldAbs(bpfSize(i.code), i.k | 0)]);
}

/** seccomp: LD W ABS k is a 32-bit read of struct seccomp_data at k (the context). */
function seccompLoad(i: ClassicInsn, pc: number): Expansion {
  if (loadWidth(i.code) !== 4) throw notSeccomp(pc, 'half-word and byte loads');
  if (i.k >= SECCOMP_DATA_SIZE || i.k % 4 !== 0) {
    throw new TranslateError(pc, `seccomp_data offset ${i.k | 0} is not an aligned word below ${SECCOMP_DATA_SIZE}`);
  }
  return expansion([ldxMem(BPF_W, REG_A, REG_CTX, i.k)]);
}

/**
 * X = 4 * (P[k] & 0xf), A preserved. k is a plain packet offset even in the SKF_AD area (Linux
 * has no ancillary MSH), so it goes to the load unchanged, like SKF_NET_OFF and SKF_LL_OFF. The
 * packet load writes R0 (= A) and clobbers R1-R5, so A waits in X (about to be overwritten
 * anyway) and the swap afterwards goes through TMP.
 */
function msh(i: ClassicInsn, pc: number, profile: Profile): Expansion {
  if (profile === 'seccomp') throw notSeccomp(pc, 'ldxb 4*([k]&0xf) loads');
  return expansion([
    mov64Reg(REG_X, REG_A),
    ldAbs(BPF_B, i.k | 0),
    alu32Imm(BPF_AND, REG_A, 0xf),
    alu32Imm(BPF_LSH, REG_A, 2),
    mov64Reg(REG_TMP, REG_X),
    mov64Reg(REG_X, REG_A),
    mov64Reg(REG_A, REG_TMP),
  ]);
}

function aluK(i: ClassicInsn, pc: number): Expansion {
  const op = bpfOp(i.code);
  if ((op === BPF_DIV || op === BPF_MOD) && i.k === 0) throw new TranslateError(pc, 'division by constant zero');
  if ((op === BPF_LSH || op === BPF_RSH) && i.k >= 32) throw new TranslateError(pc, `shift by ${i.k} (>= 32)`);
  return expansion([alu32Imm(op, REG_A, i.k | 0)]);
}

/** A op= X; division and modulo by X == 0 end the filter with 0, as in classic BPF. */
function aluX(i: ClassicInsn): Expansion {
  const op = bpfOp(i.code);
  const body = alu32Reg(op, REG_A, REG_X);
  if (op !== BPF_DIV && op !== BPF_MOD) return expansion([body]);
  // X's upper half is always zero here, so a 64-bit test of X is the 32-bit test.
  return expansion([jmpImm(BPF_JNE, REG_X, 0, 2), mov32Imm(REG_A, 0), exit(), body]);
}

/**
 * JEQ/JGT/JGE/JSET against K or X as 64-bit compares of A. Immediates are sign-extended,
 * so K >= 2^31 goes through TMP with a 32-bit (zero-extending) move. A false branch to the
 * next instruction needs one jump; a true branch to the next one needs one inverted jump
 * (not for JSET); otherwise a jump to the true target and a JA to the false one.
 */
function conditional(i: ClassicInsn, pc: number): Expansion {
  const insns: Insn[] = [];
  const jumps: PendingJump[] = [];
  const op = bpfOp(i.code);
  let src: number;
  let srcReg = 0;
  let imm = 0;
  if ((i.code & BPF_X) === BPF_X) {
    src = BPF_X;
    srcReg = REG_X;
  } else if (i.k >= 0x80000000) {
    insns.push(mov32Imm(REG_TMP, i.k | 0));
    src = BPF_X;
    srcReg = REG_TMP;
  } else {
    src = BPF_K;
    imm = i.k;
  }
  const branch = (jop: number, target: number): void => {
    jumps.push({ at: insns.length, target });
    insns.push(bpfInsn(BPF_JMP | jop | src, REG_A, srcReg, 0, imm));
  };
  const onTrue = pc + 1 + i.jt;
  const onFalse = pc + 1 + i.jf;
  const inverse = INVERSE[op];
  if (i.jf === 0) {
    branch(op, onTrue);
  } else if (i.jt === 0 && inverse !== undefined) {
    branch(inverse, onFalse);
  } else {
    branch(op, onTrue);
    jumps.push({ at: insns.length, target: onFalse });
    insns.push(ja(0));
  }
  return expansion(insns, jumps);
}
