/**
 * Internal BPF disassembly in the style of the kernel's print_bpf_insn (bpftool's `xlated`
 * output): C-like statements, `w` registers for 32-bit operands, `goto pc+N`, helper
 * calls by name and id. Covers every RFC 9669 instruction and the legacy packet loads;
 * anything else prints as `invalid`.
 *
 * Immediates read as the value the operation uses: arithmetic in signed decimal, bitwise
 * operands and unsigned/equality jump constants in hex (as a u32 for 32-bit operations, a
 * u64 for 64-bit ones, where the immediate is sign-extended), signed compares in decimal.
 */
import {
  BPF_ABS, BPF_ADD, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_ATOMIC, BPF_CALL, BPF_CMPXCHG,
  BPF_DIV, BPF_DW, BPF_END, BPF_EXIT, BPF_FETCH, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT, BPF_JMP, BPF_JMP32, BPF_JNE, BPF_JSET, BPF_JSGE,
  BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_LD, BPF_LDX, BPF_LSH, BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_MUL,
  BPF_NEG, BPF_OR, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_W, BPF_X, BPF_XCHG, BPF_XOR,
  SIZE_BYTES, bpfClass, bpfMode, bpfOp, bpfSize,
} from './opcodes.js';
import { type Insn, type Program, ldImm64Tails } from './insn.js';
import { checkInsnShape, checkProgramShape } from './shape.js';
import { helperInfo } from './helpers.js';
import { hex, hex64Short } from '../hex.js';

/** Operator of each ALU operation in `dst op= src` form. */
const ALU_SYMBOL: Readonly<Record<number, string>> = {
  [BPF_ADD]: '+=', [BPF_SUB]: '-=', [BPF_MUL]: '*=', [BPF_DIV]: '/=', [BPF_OR]: '|=', [BPF_AND]: '&=',
  [BPF_LSH]: '<<=', [BPF_RSH]: '>>=', [BPF_MOD]: '%=', [BPF_XOR]: '^=', [BPF_MOV]: '=', [BPF_ARSH]: 's>>=',
};
/** Comparison of each conditional jump in `if dst op src` form. */
const JMP_SYMBOL: Readonly<Record<number, string>> = {
  [BPF_JEQ]: '==', [BPF_JGT]: '>', [BPF_JGE]: '>=', [BPF_JSET]: '&', [BPF_JNE]: '!=', [BPF_JSGT]: 's>', [BPF_JSGE]: 's>=',
  [BPF_JLT]: '<', [BPF_JLE]: '<=', [BPF_JSLT]: 's<', [BPF_JSLE]: 's<=',
};
const SIGNED_JUMPS = new Set([BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE]);
const BITWISE = new Set([BPF_AND, BPF_OR, BPF_XOR]);
/** Atomic read-modify-write operations (imm without the FETCH bit). */
const ATOMIC_OPS: Readonly<Record<number, { sym: string; name: string }>> = {
  [BPF_ADD]: { sym: '+=', name: 'add' }, [BPF_OR]: { sym: '|=', name: 'or' },
  [BPF_AND]: { sym: '&=', name: 'and' }, [BPF_XOR]: { sym: '^=', name: 'xor' },
};
/** LD IMM64 src values (RFC 9669 §5.4) other than 0, the plain 64-bit constant. */
const LD_IMM64_KINDS: Readonly<Record<number, (imm: number, next: number) => string>> = {
  1: (imm) => `map_by_fd(${imm})`,
  2: (imm, next) => `map_val(map_by_fd(${imm})) + ${next}`,
  3: (imm) => `var_addr(${imm})`,
  4: (imm) => `code_addr(${imm})`,
  5: (imm) => `map_by_idx(${imm})`,
  6: (imm, next) => `map_val(map_by_idx(${imm})) + ${next}`,
};

export const INVALID = 'invalid';

/** A sign-extended 32-bit immediate as the 64-bit value it stands for. */
const hex64 = (v: number): string => `0x${hex64Short(v, v >> 31)}`;
const rel = (off: number): string => (off < 0 ? `pc${off}` : `pc+${off}`);
const memRef = (reg: number, off: number): string => `(r${reg} ${off < 0 ? off : `+${off}`})`;
const sizeName = (code: number): string => `u${SIZE_BYTES[bpfSize(code)]! * 8}`;

/** The name a helper call prints: kernel helpers with the `bpf_` prefix bpftool uses. */
export function helperName(id: number): string {
  const h = helperInfo(id);
  if (!h) return 'helper';
  return h.project ? h.name : `bpf_${h.name}`;
}

function alu(i: Insn): string {
  const is64 = bpfClass(i.code) === BPF_ALU64;
  const r = is64 ? 'r' : 'w';
  const op = bpfOp(i.code);
  const isX = (i.code & BPF_X) === BPF_X;
  const dst = `${r}${i.dst}`;
  if (op === BPF_NEG) return isX ? INVALID : `${dst} = -${dst}`;
  if (op === BPF_END) {
    if (i.imm !== 16 && i.imm !== 32 && i.imm !== 64) return INVALID;
    if (is64) return isX ? INVALID : `r${i.dst} = bswap${i.imm} r${i.dst}`;
    return `r${i.dst} = ${isX ? 'be' : 'le'}${i.imm} r${i.dst}`;
  }
  const sym = ALU_SYMBOL[op];
  if (sym === undefined) return INVALID;
  if (op === BPF_MOV) {
    if (isX) {
      if (i.off === 0) return `${dst} = ${r}${i.src}`;
      if (i.off === 8 || i.off === 16 || (is64 && i.off === 32)) return `${dst} = (s${i.off})${r}${i.src}`;
      return INVALID;
    }
    if (i.off !== 0) return INVALID;
    return `${dst} = ${is64 ? i.imm : i.imm >>> 0}`;
  }
  let s = sym;
  if (op === BPF_DIV || op === BPF_MOD) {
    if (i.off === 1) s = `s${sym}`;
    else if (i.off !== 0) return INVALID;
  }
  if (isX) return `${dst} ${s} ${r}${i.src}`;
  const imm = BITWISE.has(op) ? (is64 ? hex64(i.imm) : hex(i.imm)) : String(i.imm);
  return `${dst} ${s} ${imm}`;
}

function jmp(i: Insn): string {
  const is32 = bpfClass(i.code) === BPF_JMP32;
  const op = bpfOp(i.code);
  const isX = (i.code & BPF_X) === BPF_X;
  if (op === BPF_JA) {
    if (isX) return INVALID;
    return is32 ? `gotol ${rel(i.imm)}` : `goto ${rel(i.off)}`;
  }
  if (op === BPF_CALL) {
    if (is32 || isX) return INVALID;
    if (i.src === BPF_PSEUDO_CALL) return `call ${rel(i.imm)}`;
    if (i.src === BPF_PSEUDO_KFUNC_CALL) return `call kfunc#${i.imm}`;
    return `call ${helperName(i.imm)}#${i.imm}`;
  }
  if (op === BPF_EXIT) return is32 || isX ? INVALID : 'exit';
  const sym = JMP_SYMBOL[op];
  if (sym === undefined) return INVALID;
  const r = is32 ? 'w' : 'r';
  let rhs: string;
  if (isX) rhs = `${r}${i.src}`;
  else if (SIGNED_JUMPS.has(op)) rhs = String(i.imm);
  else rhs = is32 ? hex(i.imm) : hex64(i.imm);
  return `if ${r}${i.dst} ${sym} ${rhs} goto ${rel(i.off)}`;
}

function ld(i: Insn, next: Insn | undefined): string {
  const mode = bpfMode(i.code);
  const size = bpfSize(i.code);
  if (mode === BPF_IMM) {
    if (size !== BPF_DW || !next || next.code !== 0) return INVALID;
    if (i.src === 0) return `r${i.dst} = 0x${hex64Short(i.imm, next.imm)} ll`;
    const kind = LD_IMM64_KINDS[i.src];
    return kind ? `r${i.dst} = ${kind(i.imm, next.imm)} ll` : INVALID;
  }
  if ((mode === BPF_ABS || mode === BPF_IND) && size !== BPF_DW) {
    if (mode === BPF_ABS) return `r0 = *(${sizeName(i.code)} *)skb[${i.imm}]`;
    const k = i.imm < 0 ? ` - ${-i.imm}` : ` + ${i.imm}`;
    return `r0 = *(${sizeName(i.code)} *)skb[r${i.src}${k}]`;
  }
  return INVALID;
}

function ldx(i: Insn): string {
  const mode = bpfMode(i.code);
  if (mode === BPF_MEM) return `r${i.dst} = *(${sizeName(i.code)} *)${memRef(i.src, i.off)}`;
  if (mode === BPF_MEMSX && bpfSize(i.code) !== BPF_DW) {
    return `r${i.dst} = *(s${SIZE_BYTES[bpfSize(i.code)]! * 8} *)${memRef(i.src, i.off)}`;
  }
  return INVALID;
}

function stx(i: Insn): string {
  const mode = bpfMode(i.code);
  const size = bpfSize(i.code);
  const r = size === BPF_DW ? 'r' : 'w';
  const ptr = `${sizeName(i.code)} *`;
  if (mode === BPF_MEM) return `*(${ptr})${memRef(i.dst, i.off)} = ${r}${i.src}`;
  if (mode !== BPF_ATOMIC || (size !== BPF_W && size !== BPF_DW)) return INVALID;
  const at = `(${ptr})${memRef(i.dst, i.off)}`;
  if (i.imm === BPF_XCHG) return `${r}${i.src} = atomic_xchg(${at}, ${r}${i.src})`;
  if (i.imm === BPF_CMPXCHG) return `${r}0 = atomic_cmpxchg(${at}, ${r}0, ${r}${i.src})`;
  const a = ATOMIC_OPS[i.imm & ~BPF_FETCH];
  if (!a || (i.imm & ~(BPF_FETCH | 0xf0)) !== 0) return INVALID;
  if (i.imm & BPF_FETCH) return `${r}${i.src} = atomic_fetch_${a.name}(${at}, ${r}${i.src})`;
  return `lock *${at} ${a.sym} ${r}${i.src}`;
}

/**
 * Text of one instruction. `next` is the following slot, which LD IMM64 needs (its upper
 * 32 bits); without it an LD IMM64 prints as invalid.
 */
export function disasmInsn(i: Insn, next?: Insn): string {
  checkInsnShape('disasmInsn', 'i', i);
  if (next !== undefined) checkInsnShape('disasmInsn', 'next', next);
  switch (bpfClass(i.code)) {
    case BPF_ALU: case BPF_ALU64: return alu(i);
    case BPF_JMP: case BPF_JMP32: return jmp(i);
    case BPF_LD: return ld(i, next);
    case BPF_LDX: return ldx(i);
    case BPF_ST: return bpfMode(i.code) === BPF_MEM ? `*(${sizeName(i.code)} *)${memRef(i.dst, i.off)} = ${i.imm}` : INVALID;
    case BPF_STX: return stx(i);
  }
  return INVALID;
}

/** One text per slot; the second slot of an LD IMM64 gets ''. */
export function disassemble(prog: Program): string[] {
  checkProgramShape('disassemble', prog);
  const tails = ldImm64Tails(prog);
  return prog.map((i, pc) => (tails[pc] ? '' : disasmInsn(i, prog[pc + 1])));
}
