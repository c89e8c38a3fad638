/**
 * Output formats of internal programs: an annotated listing, raw bytes, hex, JSON and C
 * (kernel BPF_* macros). Everything here is a function of the instructions alone, plus the
 * origin map and the text of each source instruction when annotating (the translator
 * provides both: translate/annotate.ts), so decoding the `bin` output and formatting it
 * again gives the same listing.
 */
import { argFail, checkOneOf, checkOptions, optBoolean, optFunction, optString } from '../args.js';
import {
  ALU_OP_NAMES, BPF_ALU, BPF_AND, BPF_B, BPF_CMPXCHG, BPF_DW, BPF_FETCH, BPF_H, BPF_JMP, BPF_MEM, BPF_MOV, BPF_OR,
  BPF_W, BPF_X, BPF_XCHG, BPF_XOR, JMP_OP_NAMES,
} from './opcodes.js';
import { ATOMIC_IMMS, OPCODES } from './opcode-table.js';
import { type Insn, type Program, ldImm64Tails } from './insn.js';
import { encodeProgram } from './encode.js';
import { helperInfo, isProjectHelper } from './helpers.js';
import { disasmInsn, helperName } from './disasm.js';
import { checkProgramShape } from './shape.js';
import { hex, hex64Short } from '../hex.js';

export const OUTPUT_FORMATS = ['listing', 'bin', 'hex', 'json', 'c'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface FormatOptions {
  /** Show, before each group, the classic instruction it came from (needs origin and sourceText). */
  annotate?: boolean;
  /** Classic pc of each internal instruction, -1 for the prologue (Translation.origin). */
  origin?: Int32Array;
  /** The text of the classic instruction at a classic pc (undefined past the program). */
  sourceText?: (classicPc: number) => string | undefined;
}

/** What formatProgram returns in each format: the bytes of `bin`, the text of the others. */
export interface FormattedProgram {
  listing: string;
  bin: Uint8Array;
  hex: string;
  json: string;
  c: string;
}

/**
 * The program and options of a formatter, checked (ArgumentError from `fn`): the origin map
 * of an annotation must be what translateClassic gave.
 */
function checkFormatArgs(fn: string, prog: Program, opts: FormatOptions | undefined): FormatOptions {
  checkProgramShape(fn, prog);
  const o = checkOptions(fn, 'opts', opts);
  optBoolean(fn, 'opts.annotate', o.annotate);
  if (o.origin !== undefined && !(o.origin instanceof Int32Array)) argFail(fn, 'opts.origin', 'an Int32Array (Translation.origin)', o.origin);
  optFunction(fn, 'opts.sourceText', o.sourceText);
  return o;
}

const isHelperCall = (i: Insn): boolean => OPCODES[i.code]?.kind === 'call' && i.src === 0;

/** Project helper ids a program calls, ascending. Non-empty means Linux cannot load it. */
export function projectHelpersOf(prog: Program): number[] {
  checkProgramShape('projectHelpersOf', prog);
  const ids = new Set<number>();
  const tails = ldImm64Tails(prog);
  prog.forEach((i, pc) => { if (!tails[pc] && isHelperCall(i) && isProjectHelper(i.imm)) ids.add(i.imm); });
  return [...ids].sort((a, b) => a - b);
}

/** One sentence saying why the program cannot go into Linux, or undefined if it can. */
export function notLoadableReason(prog: Program): string | undefined {
  const ids = projectHelpersOf(prog);
  if (ids.length === 0) return undefined;
  const names = ids.map((id) => `${helperName(id)}#${id}`).join(', ');
  return `NOT LOADABLE INTO LINUX: calls project helper${ids.length > 1 ? 's' : ''} ${names}, which only cbpf2ebpf's VM provides`;
}

const rawBytes = (bytes: Uint8Array, pc: number): string =>
  Array.from(bytes.subarray(pc * 8, pc * 8 + 8), (b) => b.toString(16).padStart(2, '0')).join(' ');

/** Comment text for the classic instruction behind internal slot `pc`, when it starts a group. */
function groupHeading(pc: number, opts: FormatOptions): string | undefined {
  const { origin, sourceText } = opts;
  if (!opts.annotate || !origin || !sourceText || pc >= origin.length) return undefined;
  const from = origin[pc]!;
  if (pc > 0 && origin[pc - 1] === from) return undefined;
  if (from < 0) return 'prologue: ctx -> r6, A (r0) = X (r7) = 0';
  const text = sourceText(from);
  return text !== undefined ? `${from}: ${text}` : undefined;
}

/** `index: raw bytes  text`, one line per 8-byte slot, with a header (and footer when not loadable). */
export function formatListing(prog: Program, opts: FormatOptions = {}): string {
  checkFormatArgs('formatListing', prog, opts);
  const bytes = encodeProgram(prog);
  const tails = ldImm64Tails(prog);
  const width = String(Math.max(prog.length - 1, 0)).length;
  const reason = notLoadableReason(prog);
  const lines: string[] = [`; internal BPF: ${prog.length} instruction${prog.length === 1 ? '' : 's'} (${bytes.length} bytes)`];
  if (reason) lines.push(`; ${reason}`);
  prog.forEach((i, pc) => {
    const heading = groupHeading(pc, opts);
    if (heading !== undefined) lines.push(`${' '.repeat(width + 2)}; ${heading}`);
    const text = tails[pc] ? '' : disasmInsn(i, prog[pc + 1]);
    lines.push(`${String(pc).padStart(width)}: ${rawBytes(bytes, pc)}${text ? `  ${text}` : ''}`);
  });
  if (reason) lines.push(`; ${reason}`);
  return `${lines.join('\n')}\n`;
}

/** One instruction per line as 16 hex digits, in memory (little-endian record) order. */
export function formatHex(prog: Program): string {
  checkProgramShape('formatHex', prog);
  const bytes = encodeProgram(prog);
  return prog.map((_, pc) => `${rawBytes(bytes, pc).replaceAll(' ', '')}\n`).join('');
}

export function formatJson(prog: Program, opts: FormatOptions = {}): string {
  checkFormatArgs('formatJson', prog, opts);
  const tails = ldImm64Tails(prog);
  const helpers = projectHelpersOf(prog);
  const rows = prog.map((i, pc) => {
    const row: Record<string, unknown> = {
      index: pc, code: i.code, dst: i.dst, src: i.src, off: i.off, imm: i.imm,
      text: tails[pc] ? '' : disasmInsn(i, prog[pc + 1]),
    };
    if (opts.origin && pc < opts.origin.length) {
      row.classic = opts.origin[pc];
      const text = opts.annotate ? opts.sourceText?.(opts.origin[pc]!) : undefined;
      if (text !== undefined) row.classicText = text;
    }
    return `    ${JSON.stringify(row)}`;
  });
  return `{\n  "loadable": ${helpers.length === 0},\n  "projectHelpers": ${JSON.stringify(helpers)},\n  "insns": [\n${rows.join(',\n')}\n  ]\n}\n`;
}

// ---- C, with the macros of the kernel's include/linux/filter.h and tools/include/linux/filter.h.

const cReg = (r: number): string => (r <= 10 ? `BPF_REG_${r}` : String(r));
const C_SIZE: Readonly<Record<number, string>> = { [BPF_W]: 'BPF_W', [BPF_H]: 'BPF_H', [BPF_B]: 'BPF_B', [BPF_DW]: 'BPF_DW' };
const cAluOp = (op: number): string => `BPF_${ALU_OP_NAMES[op]!.toUpperCase()}`;
const cJmpOp = (op: number): string => `BPF_${JMP_OP_NAMES[op]!.toUpperCase()}`;
/**
 * A 32-bit immediate as a C int constant, in the base the disassembly uses: hex (when
 * non-negative) for bit masks and jump constants, decimal otherwise. INT_MIN has no
 * literal of type int.
 */
function cImm(v: number, inHex = false): string {
  if (v === -0x80000000) return '(-2147483647 - 1)';
  return inHex && v >= 10 ? hex(v) : String(v);
}
const BITWISE_OPS = new Set([BPF_OR, BPF_AND, BPF_XOR]);
const cRaw = (i: Insn): string => `BPF_RAW_INSN(${hex(i.code, 2)}, ${cReg(i.dst)}, ${cReg(i.src)}, ${i.off}, ${cImm(i.imm)})`;

/** The kernel macro for one slot when it reproduces the instruction exactly, else BPF_RAW_INSN. */
function cMacro(i: Insn, next: Insn | undefined): { text: string; slots: 1 | 2 } {
  const one = (text: string): { text: string; slots: 1 } => ({ text, slots: 1 });
  const info = OPCODES[i.code];
  if (info === undefined) return one(cRaw(i));
  const isX = info.source === BPF_X;
  const regForm = i.off === 0 && i.imm === 0;
  const immForm = i.off === 0 && i.src === 0;
  const w = info.width === 64 ? '64' : '32';
  const j = info.cls === BPF_JMP ? 'JMP' : 'JMP32';
  const size = C_SIZE[info.code & 0x18]!;
  switch (info.kind) {
    case 'end':
      if (info.cls === BPF_ALU && i.src === 0 && i.off === 0 && (i.imm === 16 || i.imm === 32 || i.imm === 64)) {
        return one(`BPF_ENDIAN(${isX ? 'BPF_TO_BE' : 'BPF_TO_LE'}, ${cReg(i.dst)}, ${i.imm})`);
      }
      break;
    case 'neg': case 'alu':
      if (info.op === BPF_MOV) {
        if (isX && regForm) return one(`BPF_MOV${w}_REG(${cReg(i.dst)}, ${cReg(i.src)})`);
        if (!isX && immForm) return one(`BPF_MOV${w}_IMM(${cReg(i.dst)}, ${cImm(i.imm)})`);
        break;
      }
      if (isX && regForm) return one(`BPF_ALU${w}_REG(${cAluOp(info.op)}, ${cReg(i.dst)}, ${cReg(i.src)})`);
      if (!isX && immForm) return one(`BPF_ALU${w}_IMM(${cAluOp(info.op)}, ${cReg(i.dst)}, ${cImm(i.imm, BITWISE_OPS.has(info.op))})`);
      break;
    case 'lddw':
      if (next && next.code === 0 && next.dst === 0 && next.src === 0 && next.off === 0 && i.off === 0) {
        const value = `0x${hex64Short(i.imm, next.imm)}ULL`;
        const text = i.src === 0 ? `BPF_LD_IMM64(${cReg(i.dst)}, ${value})` : `BPF_LD_IMM64_RAW(${cReg(i.dst)}, ${i.src}, ${value})`;
        return { text, slots: 2 };
      }
      break;
    case 'ldabs':
      if (i.dst === 0 && i.off === 0 && i.src === 0) return one(`BPF_LD_ABS(${size}, ${cImm(i.imm)})`);
      break;
    case 'ldind':
      if (i.dst === 0 && i.off === 0) return one(`BPF_LD_IND(${size}, ${cReg(i.src)}, ${cImm(i.imm)})`);
      break;
    case 'ldx':
      if (info.mode === BPF_MEM && i.imm === 0) return one(`BPF_LDX_MEM(${size}, ${cReg(i.dst)}, ${cReg(i.src)}, ${i.off})`);
      break;
    case 'st':
      if (i.src === 0) return one(`BPF_ST_MEM(${size}, ${cReg(i.dst)}, ${i.off}, ${cImm(i.imm)})`);
      break;
    case 'stx':
      if (i.imm === 0) return one(`BPF_STX_MEM(${size}, ${cReg(i.dst)}, ${cReg(i.src)}, ${i.off})`);
      break;
    case 'atomic': {
      const op = atomicOpExpr(i.imm);
      if (op) return one(`BPF_ATOMIC_OP(${size}, ${op}, ${cReg(i.dst)}, ${cReg(i.src)}, ${i.off})`);
      break;
    }
    case 'ja':
      if (info.cls === BPF_JMP && i.dst === 0 && i.src === 0 && i.imm === 0) return one(`BPF_JMP_A(${i.off})`);
      break;
    case 'exit':
      if (i.dst === 0 && i.src === 0 && i.off === 0 && i.imm === 0) return one('BPF_EXIT_INSN()');
      break;
    case 'call':
      if (i.dst === 0 && i.src === 0 && i.off === 0) return one(`BPF_EMIT_CALL(${cHelper(i.imm)})`);
      break;
    case 'callx':
      break;
    case 'jcond':
      if (isX && i.imm === 0) return one(`BPF_${j}_REG(${cJmpOp(info.op)}, ${cReg(i.dst)}, ${cReg(i.src)}, ${i.off})`);
      if (!isX && i.src === 0) return one(`BPF_${j}_IMM(${cJmpOp(info.op)}, ${cReg(i.dst)}, ${cImm(i.imm, true)}, ${i.off})`);
      break;
  }
  return one(cRaw(i));
}

function atomicOpExpr(imm: number): string | undefined {
  if (imm === BPF_XCHG) return 'BPF_XCHG';
  if (imm === BPF_CMPXCHG) return 'BPF_CMPXCHG';
  const base = imm & ~BPF_FETCH;
  if (!ATOMIC_IMMS.has(imm)) return undefined;
  const name = `BPF_${ALU_OP_NAMES[base]!.toUpperCase()}`;
  return imm & BPF_FETCH ? `${name} | BPF_FETCH` : name;
}

/** Kernel helpers by their UAPI enum name; project helpers by number, with a warning comment. */
function cHelper(id: number): string {
  const h = helperInfo(id);
  if (!h) return String(id);
  return h.project ? `${id} /* ${h.name}: cbpf2ebpf VM only */` : `BPF_FUNC_${h.name}`;
}

/** A `struct bpf_insn` array initialiser; each entry ends with the disassembly as a comment. */
export function formatC(prog: Program, opts: FormatOptions & { name?: string } = {}): string {
  checkFormatArgs('formatC', prog, opts);
  const name = optString('formatC', 'opts.name', opts.name);
  if (name !== undefined && !/^[A-Za-z_]\w*$/.test(name)) argFail('formatC', 'opts.name', 'a C identifier', name);
  const tails = ldImm64Tails(prog);
  const reason = notLoadableReason(prog);
  const lines: string[] = [
    `/* internal BPF: ${prog.length} instruction${prog.length === 1 ? '' : 's'}; BPF_* macros of the kernel's linux/filter.h */`,
  ];
  if (reason) lines.push(`/* ${reason} */`);
  lines.push(`struct bpf_insn ${name ?? 'prog'}[] = {`);
  for (let pc = 0; pc < prog.length; pc++) {
    const heading = groupHeading(pc, opts);
    if (heading !== undefined) lines.push(`\t/* ${heading.replaceAll('*/', '* /')} */`);
    const i = prog[pc]!;
    const m = tails[pc] ? { text: cRaw(i), slots: 1 as const } : cMacro(i, prog[pc + 1]);
    const text = tails[pc] ? 'second half of the 64-bit immediate' : disasmInsn(i, prog[pc + 1]);
    lines.push(`\t${m.text},\t/* ${pc}: ${text.replaceAll('*/', '* /')} */`);
    if (m.slots === 2) pc++;
  }
  lines.push('};');
  return `${lines.join('\n')}\n`;
}

/** The bytes (`bin`) or text (the other formats) of `prog` in `format`. */
export function formatProgram<F extends OutputFormat>(prog: Program, format: F, opts: FormatOptions = {}): FormattedProgram[F] {
  checkOneOf('formatProgram', 'format', format, OUTPUT_FORMATS);
  checkFormatArgs('formatProgram', prog, opts);
  const out: { [K in OutputFormat]: () => FormattedProgram[K] } = {
    bin: () => encodeProgram(prog),
    hex: () => formatHex(prog),
    json: () => formatJson(prog, opts),
    c: () => formatC(prog, opts),
    listing: () => formatListing(prog, opts),
  };
  return out[format]();
}
