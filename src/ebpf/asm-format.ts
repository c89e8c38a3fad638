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
  ALU_OP_NAMES, ATOMIC_ALU_OPS, BPF_ALU64, BPF_AND, BPF_CMPXCHG, BPF_DIV, BPF_FETCH, BPF_JMP32, BPF_JSGE, BPF_JSGT,
  BPF_JSLE, BPF_JSLT, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_OR, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_X, BPF_XCHG,
  BPF_XOR, JMP_OP_NAMES, SIZE_NAMES,
} from './opcodes.js';
import { type OpcodeInfo, OPCODES, selectsValidOperation } from './opcode-table.js';
import { type Insn, type Program, branchTarget, isLdImm64 } from './insn.js';
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

function alu(i: Insn, info: OpcodeInfo): string {
  const is64 = info.width === 64;
  const suffix = is64 ? '' : '32';
  const op = info.op;
  const isX = info.source === BPF_X;
  if (op === BPF_MOV && isX && i.off !== 0) return `movsx${i.off}${is64 ? '64' : '32'} ${reg(i.dst)}, ${reg(i.src)}`;
  let name = ALU_OP_NAMES[op]!;
  if ((op === BPF_DIV || op === BPF_MOD) && i.off === 1) name = `s${name}`;
  return `${name}${suffix} ${reg(i.dst)}, ${isX ? reg(i.src) : formatImm(i.imm, HEX_ALU_OPS.has(op))}`;
}

function call(i: Insn, target: string): string {
  if (i.src === BPF_PSEUDO_CALL) return `call local ${target}`;
  if (i.src === BPF_PSEUDO_KFUNC_CALL) return `call runtime ${formatImm(i.imm)}`;
  return `call ${formatImm(i.imm)}`;
}

function atomic(i: Insn, info: OpcodeInfo): string {
  const where = `${formatMem(i.dst, i.off)}, ${reg(i.src)}`;
  const w = info.size === 4 ? '32' : '';
  if (i.imm === BPF_XCHG) return `lock xchg${w} ${where}`;
  if (i.imm === BPF_CMPXCHG) return `lock cmpxchg${w} ${where}`;
  return `lock ${i.imm & BPF_FETCH ? 'fetch ' : ''}${ATOMIC_NAMES[i.imm & ~BPF_FETCH]!}${w} ${where}`;
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
  const info = OPCODES[i.code];
  const text = info !== undefined && selectsValidOperation(info, i) ? validText(i, info, next, target) : null;
  return text ?? `invalid code=${hex(i.code, 2)} dst=${i.dst} src=${i.src} off=${i.off} imm=${i.imm}`;
}

/** The text of an instruction whose opcode and operation are valid (null: the syntax has no form for it). */
function validText(i: Insn, info: OpcodeInfo, next: Insn | undefined, target: string | undefined): string | null {
  const sz = SIZE_NAMES[info.code & 0x18]!;
  // Jumps and local calls: relative to the next instruction; JA32 and calls carry it in imm.
  const to = (): string => target ?? formatRel(info.kind === 'call' || (info.cls === BPF_JMP32 && info.kind === 'ja') ? i.imm : i.off);
  switch (info.kind) {
    case 'alu': return alu(i, info);
    case 'neg': return `neg${info.width === 64 ? '' : '32'} ${reg(i.dst)}`;
    case 'end': return `${info.cls === BPF_ALU64 ? 'swap' : info.source === BPF_X ? 'be' : 'le'}${i.imm} ${reg(i.dst)}`;
    case 'ja': return `${info.cls === BPF_JMP32 ? 'ja32' : 'ja'} ${to()}`;
    case 'exit': return 'exit';
    case 'callx': return `call ${reg(i.dst)}`;
    case 'call': return call(i, to());
    case 'jcond': {
      const operand = info.source === BPF_X ? reg(i.src) : formatImm(i.imm, !SIGNED_JMP_OPS.has(info.op));
      return `${JMP_OP_NAMES[info.op]!}${info.width === 32 ? '32' : ''} ${reg(i.dst)}, ${operand}, ${to()}`;
    }
    case 'lddw': return `lddw ${reg(i.dst)}, 0x${hex64Short(i.imm, next?.imm ?? 0)}`;
    case 'ldabs': return `ldabs${sz} ${formatImm(i.imm)}`;
    case 'ldind': return `ldind${sz} ${reg(i.src)}, ${formatImm(i.imm)}`;
    case 'ldx': return `ldx${info.mode === BPF_MEMSX ? 's' : ''}${sz} ${reg(i.dst)}, ${formatMem(i.src, i.off)}`;
    case 'st': return `st${sz} ${formatMem(i.dst, i.off)}, ${formatImm(i.imm, true)}`;
    case 'stx': return `stx${sz} ${formatMem(i.dst, i.off)}, ${reg(i.src)}`;
    case 'atomic': return atomic(i, info);
  }
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
      if (isLdImm64(prog[pc]!)) pc++;
    }
  }
  for (let pc = 0; pc < prog.length; pc++) {
    const i = prog[pc]!;
    if (targets.has(pc)) lines.push(`L${pc}:`);
    const t = opts.labels ? branchTarget(i, pc) : null;
    const label = t !== null && targets.has(t) ? `L${t}` : undefined;
    lines.push(insnText(i, prog[pc + 1], label));
    if (isLdImm64(i)) pc++;
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
