/**
 * seccomp-tools–style disassembly: each instruction as pseudo-code (`A = arch`,
 * `if (A != ARCH_X86_64) goto 0010`, `return ERRNO(1)`) beside its raw fields, with syscall
 * numbers named from the table of the arch the path has checked.
 *
 * Where seccomp-tools' text is ambiguous we print more, so that asm.ts reads every line
 * back to the same instruction: a conditional jump whose two targets are equal keeps its
 * comparison (`if (A == 5) goto 0003 else goto 0003`), LEN loads print `len` (not 64),
 * every action shows non-zero data (`TRAP(5)`), and names given by a fallback arch (a
 * filter that checks no arch) come with an `arch NAME` line that says which.
 */
import { checkInteger, checkObject, checkOneOf, checkOptions, checkString, optBoolean } from '../args.js';
import { ENDIANS } from '../classic/encode.js';
import type { ClassicInsn, ClassicProgram } from '../classic/insn.js';
import { checkClassicInsn, checkClassicProgram } from '../classic/shape.js';
import { classicForm } from '../classic/insn.js';
import {
  BPF_ADD, BPF_AND, BPF_B, BPF_DIV, BPF_H, BPF_JEQ, BPF_JGT, BPF_JSET, BPF_LSH, BPF_MOD, BPF_MUL, BPF_OR, BPF_RSH,
  BPF_SUB, BPF_XOR, bpfOp, bpfSize,
} from '../abi/opcodes.js';
import { SECCOMP_DATA } from '../abi/ctx.js';
import { hex } from '../hex.js';
import { formatAction } from './actions.js';
import { archesByAudit, auditArchName, checkArch, type SeccompArch, toArch } from './arch.js';
import { fieldAt } from './data.js';
import { type FlowState, SeccompFlow } from './flow.js';
import { syscallTable } from './syscalls/index.js';

export interface SeccompDisasmOptions {
  /** Arch whose syscall names and byte order apply where no arch check is in force. */
  arch?: SeccompArch | string;
  /** Print the ` line  CODE  JT   JF      K` header (default true). */
  header?: boolean;
  /** Print the raw code/jt/jf/k columns (default true). */
  raw?: boolean;
}

export const DISASM_HEADER = ' line  CODE  JT   JF      K\n=================================\n';

const hex2 = (v: number): string => hex(v, 2);
const hex8 = (v: number): string => hex(v, 8);
export const lineNumber = (pc: number): string => String(checkInteger('lineNumber', 'pc', pc, 0, Number.MAX_SAFE_INTEGER)).padStart(4, '0');

export const ALU_SYMBOLS: ReadonlyMap<number, string> = new Map([
  [BPF_ADD, '+'], [BPF_SUB, '-'], [BPF_MUL, '*'], [BPF_DIV, '/'], [BPF_OR, '|'], [BPF_AND, '&'],
  [BPF_LSH, '<<'], [BPF_RSH, '>>'], [BPF_MOD, '%'], [BPF_XOR, '^'],
]);

/** The arch whose names apply under `state`: the one checked on every path, else the fallback. */
export function archInForce(state: FlowState | undefined, fallback: SeccompArch | undefined): SeccompArch | undefined {
  checkFlowState('archInForce', state);
  if (fallback !== undefined) checkArch('archInForce', 'fallback', fallback);
  if (state && state.arch !== null) return archesByAudit(state.arch)[0];
  return fallback;
}

/** Name of the seccomp_data word at `k` for a byte order (`args[1] >> 32`), or `data[k]`. */
export function dataName(k: number, endian: 'little' | 'big'): string {
  checkInteger('dataName', 'k', k, -0x80000000, 0xffffffff);
  checkOneOf('dataName', 'endian', endian, ENDIANS);
  const f = fieldAt(k, endian);
  if (!f) return `data[${hex(k)}]`;
  switch (f.field) {
    case 'nr': return 'sys_number';
    case 'arch': return 'arch';
    case 'ip': return f.high ? 'instruction_pointer >> 32' : 'instruction_pointer';
    case 'arg': return f.high ? `args[${f.index}] >> 32` : `args[${f.index}]`;
  }
}

function immediate(k: number): string {
  return k < 10 ? String(k) : hex(k);
}

/** The K operand of a comparison, named when A holds nr or arch. */
function compareOperand(i: ClassicInsn, state: FlowState | undefined, arch: SeccompArch | undefined): string {
  if (state?.a === SECCOMP_DATA.nr && arch) {
    const name = syscallTable(arch).byNumber.get(i.k);
    if (name !== undefined && syscallTable(arch).byName.get(name) === i.k) return name;
  }
  if (state?.a === SECCOMP_DATA.arch) return auditArchName(i.k) ?? hex(i.k);
  return hex(i.k);
}

/** A FlowState at its top level, or undefined (ArgumentError from `fn`). */
function checkFlowState(fn: string, state: unknown): void {
  if (state === undefined) return;
  const { a, x, arch } = checkObject(fn, 'state', state as FlowState, 'a FlowState or undefined');
  for (const [name, v] of [['a', a], ['x', x], ['arch', arch]] as const) {
    if (v !== null) checkInteger(fn, `state.${name}`, v, -0x80000000, 0xffffffff);
  }
}

const goto = (pc: number): string => `goto ${lineNumber(pc)}`;

function jumpText(i: ClassicInsn, pc: number, operand: string): string {
  const op = bpfOp(i.code);
  const t = pc + 1 + i.jt;
  const f = pc + 1 + i.jf;
  const positive = op === BPF_JSET ? `A & ${operand}` : `A ${op === BPF_JEQ ? '==' : op === BPF_JGT ? '>' : '>='} ${operand}`;
  if ((i.jt !== 0 && i.jf !== 0) || i.jt === i.jf) return `if (${positive}) ${goto(t)} else ${goto(f)}`;
  if (i.jf === 0) return `if (${positive}) ${goto(t)}`;
  const negative = op === BPF_JSET ? `!(A & ${operand})` : `A ${op === BPF_JEQ ? '!=' : op === BPF_JGT ? '<=' : '<'} ${operand}`;
  return `if (${negative}) ${goto(f)}`;
}

/** The pseudo-code of instruction `pc` under the flow facts at it. */
export function seccompStatement(i: ClassicInsn, pc: number, state: FlowState | undefined, fallback?: SeccompArch): string {
  checkClassicInsn('seccompStatement', 'i', i);
  checkInteger('seccompStatement', 'pc', pc, 0, Number.MAX_SAFE_INTEGER);
  checkFlowState('seccompStatement', state);
  if (fallback !== undefined) checkArch('seccompStatement', 'fallback', fallback);
  return statementOf(i, pc, state, fallback);
}

function statementOf(i: ClassicInsn, pc: number, state: FlowState | undefined, fallback?: SeccompArch): string {
  const f = classicForm(i.code);
  if (!f) return `insn ${hex2(i.code)} ${hex2(i.jt)} ${hex2(i.jf)} ${hex8(i.k)}`;
  const arch = archInForce(state, fallback);
  const endian = arch?.endian ?? 'little';
  const cast = bpfSize(i.code) === BPF_H ? '(u16)' : bpfSize(i.code) === BPF_B ? '(u8)' : '';
  switch (f.kind) {
    case 'ld-abs': return cast ? `A = ${cast}data[${hex(i.k)}]` : `A = ${dataName(i.k, endian)}`;
    case 'ld-ind': return `A = ${cast}data[X + ${hex(i.k)}]`;
    case 'ld-imm': return `A = ${immediate(i.k)}`;
    case 'ld-mem': return `A = mem[${i.k}]`;
    case 'ld-len': return 'A = len';
    case 'ldx-imm': return `X = ${immediate(i.k)}`;
    case 'ldx-mem': return `X = mem[${i.k}]`;
    case 'ldx-len': return 'X = len';
    case 'ldx-msh': return `X = 4 * (data[${hex(i.k)}] & 0xf)`;
    case 'st': return `mem[${i.k}] = A`;
    case 'stx': return `mem[${i.k}] = X`;
    case 'alu-k': {
      const op = bpfOp(i.code);
      const k = op === BPF_LSH || op === BPF_RSH ? String(i.k) : hex(i.k);
      return `A ${ALU_SYMBOLS.get(op)}= ${k}`;
    }
    case 'alu-x': return `A ${ALU_SYMBOLS.get(bpfOp(i.code))}= X`;
    case 'neg': return 'A = -A';
    case 'ja': return goto(pc + 1 + i.k);
    case 'jmp-k': return jumpText(i, pc, compareOperand(i, state, arch));
    case 'jmp-x': return jumpText(i, pc, 'X');
    case 'ret-k': return `return ${formatAction(i.k)}`;
    case 'ret-a': return 'return A';
    case 'tax': return 'X = A';
    case 'txa': return 'A = X';
  }
}

/** One listing line: ` 0001: 0x15 0x00 0x08 0xc000003e  if (A != ARCH_X86_64) goto 0010`. */
export function seccompLine(i: ClassicInsn, pc: number, statement: string, raw = true): string {
  checkClassicInsn('seccompLine', 'i', i);
  checkInteger('seccompLine', 'pc', pc, 0, Number.MAX_SAFE_INTEGER);
  checkString('seccompLine', 'statement', statement);
  optBoolean('seccompLine', 'raw', raw);
  return lineOf(i, pc, statement, raw);
}

function lineOf(i: ClassicInsn, pc: number, statement: string, raw: boolean): string {
  return raw
    ? ` ${lineNumber(pc)}: ${hex2(i.code & 0xffff)} ${hex2(i.jt)} ${hex2(i.jf)} ${hex8(i.k)}  ${statement}`
    : ` ${lineNumber(pc)}: ${statement}`;
}

/** The pseudo-code of every instruction, in order. */
export function seccompStatements(prog: ClassicProgram, opts: SeccompDisasmOptions = {}): string[] {
  return statementsOf('seccompStatements', prog, opts);
}

/** The options of the listing functions, checked (ArgumentError from `fn`). */
function checkDisasmArgs(fn: string, prog: ClassicProgram, opts: SeccompDisasmOptions | undefined): SeccompArch | undefined {
  checkClassicProgram(fn, prog);
  const o = checkOptions(fn, 'opts', opts);
  optBoolean(fn, 'opts.header', o.header);
  optBoolean(fn, 'opts.raw', o.raw);
  return o.arch === undefined ? undefined : checkArch(fn, 'opts.arch', o.arch);
}

function statementsOf(fn: string, prog: ClassicProgram, opts: SeccompDisasmOptions | undefined): string[] {
  const fallback = checkDisasmArgs(fn, prog, opts);
  const flow = new SeccompFlow(prog.length);
  return prog.map((i, pc) => {
    const text = statementOf(i, pc, flow.at(pc), fallback);
    flow.apply(pc, i);
    return text;
  });
}

/** The line that tells asm.ts which arch named things where the filter checks none. */
const archLine = (arch: SeccompArch): string =>
  `arch ${arch.name}  # the syscall names and argument halves where the filter checks no arch\n`;

/**
 * The whole listing, newline-terminated, as `seccomp-tools disasm` lays it out. When the
 * fallback arch named a syscall or placed an argument half somewhere (the text differs from
 * what it would be without one), the listing starts with an `arch NAME` line, so that it
 * assembles back to the same program with no option.
 */
export function disassembleSeccomp(prog: ClassicProgram, opts: SeccompDisasmOptions = {}): string {
  const statements = statementsOf('disassembleSeccomp', prog, opts);
  const fallback = opts.arch === undefined ? undefined : toArch(opts.arch);
  const needsArch = fallback !== undefined && statementsOf('disassembleSeccomp', prog, {}).some((text, pc) => text !== statements[pc]);
  const body = prog.map((i, pc) => `${lineOf(i, pc, statements[pc]!, opts.raw ?? true)}\n`).join('');
  return (needsArch ? archLine(fallback) : '') + (opts.header ?? true ? DISASM_HEADER : '') + body;
}
