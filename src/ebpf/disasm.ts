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
  BPF_ADD, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_CMPXCHG, BPF_DIV, BPF_FETCH, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT,
  BPF_JMP32, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_LSH, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_MUL,
  BPF_OR, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_RSH, BPF_SUB, BPF_X, BPF_XCHG, BPF_XOR,
} from './opcodes.js';
import { type OpcodeInfo, OPCODES, selectsValidOperation } from './opcode-table.js';
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

/** The name a helper call prints: kernel helpers with the `bpf_` prefix bpftool uses. */
export function helperName(id: number): string {
  const h = helperInfo(id);
  if (!h) return 'helper';
  return h.project ? h.name : `bpf_${h.name}`;
}

function alu(i: Insn, info: OpcodeInfo): string {
  const is64 = info.width === 64;
  const r = is64 ? 'r' : 'w';
  const op = info.op;
  const isX = info.source === BPF_X;
  const dst = `${r}${i.dst}`;
  if (op === BPF_MOV) {
    if (isX) return i.off === 0 ? `${dst} = ${r}${i.src}` : `${dst} = (s${i.off})${r}${i.src}`;
    return `${dst} = ${is64 ? i.imm : i.imm >>> 0}`;
  }
  const s = (op === BPF_DIV || op === BPF_MOD) && i.off === 1 ? `s${ALU_SYMBOL[op]!}` : ALU_SYMBOL[op]!;
  if (isX) return `${dst} ${s} ${r}${i.src}`;
  const imm = BITWISE.has(op) ? (is64 ? hex64(i.imm) : hex(i.imm)) : String(i.imm);
  return `${dst} ${s} ${imm}`;
}

function jcond(i: Insn, info: OpcodeInfo): string {
  const r = info.width === 32 ? 'w' : 'r';
  let rhs: string;
  if (info.source === BPF_X) rhs = `${r}${i.src}`;
  else if (SIGNED_JUMPS.has(info.op)) rhs = String(i.imm);
  else rhs = info.width === 32 ? hex(i.imm) : hex64(i.imm);
  return `if ${r}${i.dst} ${JMP_SYMBOL[info.op]!} ${rhs} goto ${rel(i.off)}`;
}

function call(i: Insn): string {
  if (i.src === BPF_PSEUDO_CALL) return `call ${rel(i.imm)}`;
  if (i.src === BPF_PSEUDO_KFUNC_CALL) return `call kfunc#${i.imm}`;
  return `call ${helperName(i.imm)}#${i.imm}`;
}

function lddw(i: Insn, next: Insn | undefined): string {
  if (!next || next.code !== 0) return INVALID;
  if (i.src === 0) return `r${i.dst} = 0x${hex64Short(i.imm, next.imm)} ll`;
  const kind = LD_IMM64_KINDS[i.src];
  return kind ? `r${i.dst} = ${kind(i.imm, next.imm)} ll` : INVALID;
}

function atomic(i: Insn, info: OpcodeInfo): string {
  const r = info.size === 8 ? 'r' : 'w';
  const at = `(u${info.size * 8} *)${memRef(i.dst, i.off)}`;
  if (i.imm === BPF_XCHG) return `${r}${i.src} = atomic_xchg(${at}, ${r}${i.src})`;
  if (i.imm === BPF_CMPXCHG) return `${r}0 = atomic_cmpxchg(${at}, ${r}0, ${r}${i.src})`;
  const a = ATOMIC_OPS[i.imm & ~BPF_FETCH]!;
  if (i.imm & BPF_FETCH) return `${r}${i.src} = atomic_fetch_${a.name}(${at}, ${r}${i.src})`;
  return `lock *${at} ${a.sym} ${r}${i.src}`;
}

/**
 * Text of one instruction. `next` is the following slot, which LD IMM64 needs (its upper
 * 32 bits); without it an LD IMM64 prints as invalid. What is invalid is the opcode table's
 * call (opcode-table.ts): an opcode it lacks, or an operation-selecting field (the off of
 * sdiv and movsx, the imm of a byte swap or an atomic operation) it does not allow.
 */
export function disasmInsn(i: Insn, next?: Insn): string {
  checkInsnShape('disasmInsn', 'i', i);
  if (next !== undefined) checkInsnShape('disasmInsn', 'next', next);
  const info = OPCODES[i.code];
  if (info === undefined || !selectsValidOperation(info, i)) return INVALID;
  const u = `u${info.size * 8}`;
  switch (info.kind) {
    case 'alu': return alu(i, info);
    case 'neg': return `${info.width === 64 ? 'r' : 'w'}${i.dst} = -${info.width === 64 ? 'r' : 'w'}${i.dst}`;
    case 'end':
      if (info.cls === BPF_ALU64) return `r${i.dst} = bswap${i.imm} r${i.dst}`;
      return `r${i.dst} = ${info.source === BPF_X ? 'be' : 'le'}${i.imm} r${i.dst}`;
    case 'jcond': return jcond(i, info);
    case 'ja': return info.cls === BPF_JMP32 ? `gotol ${rel(i.imm)}` : `goto ${rel(i.off)}`;
    case 'call': return call(i);
    case 'callx': return INVALID; // print_bpf_insn has no form for it (the kernel has no callx)
    case 'exit': return 'exit';
    case 'lddw': return lddw(i, next);
    case 'ldabs': return `r0 = *(${u} *)skb[${i.imm}]`;
    case 'ldind': return `r0 = *(${u} *)skb[r${i.src}${i.imm < 0 ? ` - ${-i.imm}` : ` + ${i.imm}`}]`;
    case 'ldx': return `r${i.dst} = *(${info.mode === BPF_MEMSX ? 's' : 'u'}${info.size * 8} *)${memRef(i.src, i.off)}`;
    case 'st': return `*(${u} *)${memRef(i.dst, i.off)} = ${i.imm}`;
    case 'stx': return `*(${u} *)${memRef(i.dst, i.off)} = ${info.size === 8 ? 'r' : 'w'}${i.src}`;
    case 'atomic': return atomic(i, info);
  }
}

/** One text per slot; the second slot of an LD IMM64 gets ''. */
export function disassemble(prog: Program): string[] {
  checkProgramShape('disassemble', prog);
  const tails = ldImm64Tails(prog);
  return prog.map((i, pc) => (tails[pc] ? '' : disasmInsn(i, prog[pc + 1])));
}
