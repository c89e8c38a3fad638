/**
 * Prints internal BPF in the uBPF assembler syntax of the bpf_conformance suite, the
 * syntax src/ebpf/asm.ts reads: `mov32 %r0, 1`, `ldxh %r2, [%r1+12]`, `jne %r3, 0x800, +4`,
 * `lddw %r1, 0x100000000`, `lock fetch add [%r10-8], %r1`, `call 7`, `call local +3`.
 * Every valid instruction prints so that assembling the text gives it back unchanged.
 *
 * Immediates print in decimal when small and as the hex of their 32-bit pattern otherwise
 * (0xffff0000 assembles to the same imm as -65536); jump and call offsets as +N/-N, or as
 * labels with `labels: true`.
 */
import {
  ATOMIC_ALU_OPS, BPF_ABS, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ATOMIC, BPF_CALL, BPF_CMPXCHG, BPF_DIV, BPF_DW, BPF_END,
  BPF_EXIT, BPF_FETCH, BPF_IMM, BPF_IND, BPF_JA, BPF_JMP, BPF_JMP32, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_LD,
  BPF_LDX, BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_NEG, BPF_OR, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_ST,
  BPF_STX, BPF_W, BPF_X, BPF_XCHG, BPF_XOR, ALU_OP_NAMES, JMP_OP_NAMES, SIZE_NAMES, bpfClass, bpfMode, bpfOp, bpfSize,
} from './opcodes.js';
import { type Insn, type Program, branchTarget } from './insn.js';
import { checkOptions, optBoolean, optString } from '../args.js';
import { hex, hex64Short } from '../hex.js';
import { checkInsnShape, checkProgramShape } from './shape.js';

const ATOMIC_NAMES: Readonly<Record<number, string>> = Object.fromEntries(ATOMIC_ALU_OPS.map((op) => [op, ALU_OP_NAMES[op]!]));

const reg = (r: number): string => `%r${r}`;

/**
 * A 32-bit immediate. Arithmetic operands, shift counts, signed compares and offsets read
 * best in decimal; bit patterns (and/or/xor/mov, unsigned and equality compares, stores)
 * in hex, except small or slightly negative values (-1 reads better than 0xffffffff).
 */
function formatImm(imm: number, inHex = false): string {
  return !inHex || (imm > -4096 && imm < 10) ? String(imm) : hex(imm);
}

const HEX_ALU_OPS: ReadonlySet<number> = new Set([BPF_OR, BPF_AND, BPF_XOR, BPF_MOV]);
const SIGNED_JMP_OPS: ReadonlySet<number> = new Set([BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE]);

function formatMem(base: number, off: number): string {
  if (off === 0) return `[${reg(base)}]`;
  return `[${reg(base)}${off < 0 ? '-' : '+'}${Math.abs(off)}]`;
}

const formatRel = (n: number): string => (n < 0 ? String(n) : `+${n}`);

function alu(i: Insn): string | null {
  const is64 = bpfClass(i.code) === BPF_ALU64;
  const suffix = is64 ? '' : '32';
  const op = bpfOp(i.code);
  const isX = (i.code & BPF_X) !== 0;
  if (op === BPF_NEG) return isX ? null : `neg${suffix} ${reg(i.dst)}`;
  if (op === BPF_END) {
    const name = is64 ? (isX ? null : 'swap') : isX ? 'be' : 'le';
    return name ? `${name}${i.imm} ${reg(i.dst)}` : null;
  }
  let name = ALU_OP_NAMES[op];
  if (name === undefined) return null;
  if (op === BPF_MOV && isX && i.off !== 0) return `movsx${i.off}${is64 ? '64' : '32'} ${reg(i.dst)}, ${reg(i.src)}`;
  if ((op === BPF_DIV || op === BPF_MOD) && i.off === 1) name = `s${name}`;
  return `${name}${suffix} ${reg(i.dst)}, ${isX ? reg(i.src) : formatImm(i.imm, HEX_ALU_OPS.has(op))}`;
}

function jmp(i: Insn, target: string): string | null {
  const is32 = bpfClass(i.code) === BPF_JMP32;
  const op = bpfOp(i.code);
  const isX = (i.code & BPF_X) !== 0;
  if (op === BPF_JA) return `${is32 ? 'ja32' : 'ja'} ${target}`;
  if (op === BPF_EXIT) return 'exit';
  if (op === BPF_CALL) {
    if (isX) return `call ${reg(i.dst)}`;
    if (i.src === BPF_PSEUDO_CALL) return `call local ${target}`;
    if (i.src === BPF_PSEUDO_KFUNC_CALL) return `call runtime ${formatImm(i.imm)}`;
    return `call ${formatImm(i.imm)}`;
  }
  const name = JMP_OP_NAMES[op];
  if (name === undefined) return null;
  return `${name}${is32 ? '32' : ''} ${reg(i.dst)}, ${isX ? reg(i.src) : formatImm(i.imm, !SIGNED_JMP_OPS.has(op))}, ${target}`;
}

function mem(i: Insn, next: Insn | undefined): string | null {
  const cls = bpfClass(i.code);
  const mode = bpfMode(i.code);
  const sz = SIZE_NAMES[bpfSize(i.code)]!;
  switch (cls) {
    case BPF_LD:
      if (i.code === (BPF_LD | BPF_IMM | BPF_DW)) {
        return `lddw ${reg(i.dst)}, 0x${hex64Short(i.imm, next?.imm ?? 0)}`;
      }
      if (mode === BPF_ABS) return `ldabs${sz} ${formatImm(i.imm)}`;
      if (mode === BPF_IND) return `ldind${sz} ${reg(i.src)}, ${formatImm(i.imm)}`;
      return null;
    case BPF_LDX:
      if (mode !== BPF_MEM && mode !== BPF_MEMSX) return null;
      return `ldx${mode === BPF_MEMSX ? 's' : ''}${sz} ${reg(i.dst)}, ${formatMem(i.src, i.off)}`;
    case BPF_ST:
      return mode === BPF_MEM ? `st${sz} ${formatMem(i.dst, i.off)}, ${formatImm(i.imm, true)}` : null;
    case BPF_STX: {
      const where = `${formatMem(i.dst, i.off)}, ${reg(i.src)}`;
      if (mode === BPF_MEM) return `stx${sz} ${where}`;
      if (mode !== BPF_ATOMIC) return null;
      const w = bpfSize(i.code) === BPF_W ? '32' : '';
      if (i.imm === BPF_XCHG) return `lock xchg${w} ${where}`;
      if (i.imm === BPF_CMPXCHG) return `lock cmpxchg${w} ${where}`;
      const name = ATOMIC_NAMES[i.imm & ~BPF_FETCH];
      if (name === undefined) return null;
      return `lock ${i.imm & BPF_FETCH ? 'fetch ' : ''}${name}${w} ${where}`;
    }
  }
  return null;
}

/**
 * One instruction in uBPF syntax. `next` is the following slot (LD IMM64 takes its upper
 * half from it); `target` replaces the +N/-N of a jump or local call (a label). An
 * encoding the syntax cannot express prints as `invalid`, with its fields.
 */
export function formatInsn(i: Insn, next?: Insn, target?: string): string {
  checkInsnShape('formatInsn', 'i', i);
  if (next !== undefined) checkInsnShape('formatInsn', 'next', next);
  optString('formatInsn', 'target', target);
  return insnText(i, next, target);
}

function insnText(i: Insn, next?: Insn, target?: string): string {
  const cls = bpfClass(i.code);
  let text: string | null;
  if (cls === BPF_ALU || cls === BPF_ALU64) text = alu(i);
  else if (cls === BPF_JMP || cls === BPF_JMP32) {
    const rel = bpfOp(i.code) === BPF_CALL || (cls === BPF_JMP32 && bpfOp(i.code) === BPF_JA) ? i.imm : i.off;
    text = jmp(i, target ?? formatRel(rel));
  } else text = mem(i, next);
  return text ?? `invalid code=${hex(i.code, 2)} dst=${i.dst} src=${i.src} off=${i.off} imm=${i.imm}`;
}

export interface AsmFormatOptions {
  /** Name jump and call targets `L<pc>` and print the labels (default: relative +N/-N). */
  labels?: boolean;
}

/** A whole program, one instruction per line (LD IMM64 takes one line for its two slots). */
export function formatAsm(prog: Program, opts: AsmFormatOptions = {}): string {
  checkProgramShape('formatAsm', prog);
  optBoolean('formatAsm', 'opts.labels', checkOptions('formatAsm', 'opts', opts).labels);
  const lines: string[] = [];
  const targets = new Set<number>();
  if (opts.labels) {
    for (let pc = 0; pc < prog.length; pc++) {
      const t = branchTarget(prog[pc]!, pc);
      if (t !== null && t >= 0 && t < prog.length) targets.add(t);
      if (prog[pc]!.code === (BPF_LD | BPF_IMM | BPF_DW)) pc++;
    }
  }
  for (let pc = 0; pc < prog.length; pc++) {
    const i = prog[pc]!;
    if (targets.has(pc)) lines.push(`L${pc}:`);
    const t = opts.labels ? branchTarget(i, pc) : null;
    const label = t !== null && targets.has(t) ? `L${t}` : undefined;
    lines.push(insnText(i, prog[pc + 1], label));
    if (i.code === (BPF_LD | BPF_IMM | BPF_DW)) pc++;
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
