/**
 * Output formats of internal programs: an annotated listing, raw bytes, hex, JSON and C
 * (kernel BPF_* macros). Everything here is a function of the instructions alone, plus the
 * origin map and the text of each source instruction when annotating (the translator
 * provides both: translate/annotate.ts), so decoding the `bin` output and formatting it
 * again gives the same listing.
 */
import { argFail, checkOneOf, checkOptions, optBoolean, optFunction, optString } from '../args.js';
import {
  ALU_OP_NAMES, BPF_ABS, BPF_ADD, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ATOMIC, BPF_B, BPF_CALL, BPF_CMPXCHG, BPF_DW,
  BPF_END, BPF_EXIT, BPF_FETCH, BPF_H, BPF_IND, BPF_OR, BPF_W, BPF_XOR, BPF_JA, BPF_JMP, BPF_JMP32, BPF_LD, BPF_LDX, BPF_MEM, BPF_MOV, BPF_ST, BPF_STX,
  BPF_X, BPF_XCHG, JMP_OP_NAMES, bpfClass, bpfMode, bpfOp, bpfSize,
} from './opcodes.js';
import { type Insn, type Program, isLdImm64, ldImm64Tails } from './insn.js';
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

const isHelperCall = (i: Insn): boolean => i.code === (BPF_JMP | BPF_CALL) && i.src === 0;

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
const cSize = (code: number): string => C_SIZE[bpfSize(code)]!;
const cAluOp = (code: number): string => `BPF_${ALU_OP_NAMES[bpfOp(code)]!.toUpperCase()}`;
const cJmpOp = (code: number): string => `BPF_${JMP_OP_NAMES[bpfOp(code)]!.toUpperCase()}`;
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
  const cls = bpfClass(i.code);
  const isX = (i.code & BPF_X) === BPF_X;
  const regForm = i.off === 0 && i.imm === 0;
  const immForm = i.off === 0 && i.src === 0;
  switch (cls) {
    case BPF_ALU: case BPF_ALU64: {
      const op = bpfOp(i.code);
      if (ALU_OP_NAMES[op] === undefined) break;
      const w = cls === BPF_ALU64 ? '64' : '32';
      if (op === BPF_END) {
        if (cls === BPF_ALU && i.src === 0 && i.off === 0 && (i.imm === 16 || i.imm === 32 || i.imm === 64)) {
          return one(`BPF_ENDIAN(${isX ? 'BPF_TO_BE' : 'BPF_TO_LE'}, ${cReg(i.dst)}, ${i.imm})`);
        }
        break;
      }
      if (op === BPF_MOV) {
        if (isX && regForm) return one(`BPF_MOV${w}_REG(${cReg(i.dst)}, ${cReg(i.src)})`);
        if (!isX && immForm) return one(`BPF_MOV${w}_IMM(${cReg(i.dst)}, ${cImm(i.imm)})`);
        break;
      }
      if (isX && regForm) return one(`BPF_ALU${w}_REG(${cAluOp(i.code)}, ${cReg(i.dst)}, ${cReg(i.src)})`);
      if (!isX && immForm) return one(`BPF_ALU${w}_IMM(${cAluOp(i.code)}, ${cReg(i.dst)}, ${cImm(i.imm, BITWISE_OPS.has(op))})`);
      break;
    }
    case BPF_LD: {
      const mode = bpfMode(i.code);
      if (isLdImm64(i) && next && next.code === 0 && next.dst === 0 && next.src === 0 && next.off === 0 && i.off === 0) {
        const value = `0x${hex64Short(i.imm, next.imm)}ULL`;
        const text = i.src === 0 ? `BPF_LD_IMM64(${cReg(i.dst)}, ${value})` : `BPF_LD_IMM64_RAW(${cReg(i.dst)}, ${i.src}, ${value})`;
        return { text, slots: 2 };
      }
      if (bpfSize(i.code) === BPF_DW || i.dst !== 0 || i.off !== 0) break;
      if (mode === BPF_ABS && i.src === 0) return one(`BPF_LD_ABS(${cSize(i.code)}, ${cImm(i.imm)})`);
      if (mode === BPF_IND) return one(`BPF_LD_IND(${cSize(i.code)}, ${cReg(i.src)}, ${cImm(i.imm)})`);
      break;
    }
    case BPF_LDX:
      if (bpfMode(i.code) === BPF_MEM && i.imm === 0) return one(`BPF_LDX_MEM(${cSize(i.code)}, ${cReg(i.dst)}, ${cReg(i.src)}, ${i.off})`);
      break;
    case BPF_ST:
      if (bpfMode(i.code) === BPF_MEM && i.src === 0) return one(`BPF_ST_MEM(${cSize(i.code)}, ${cReg(i.dst)}, ${i.off}, ${cImm(i.imm)})`);
      break;
    case BPF_STX: {
      const mode = bpfMode(i.code);
      if (mode === BPF_MEM && i.imm === 0) return one(`BPF_STX_MEM(${cSize(i.code)}, ${cReg(i.dst)}, ${cReg(i.src)}, ${i.off})`);
      if (mode === BPF_ATOMIC) {
        const op = atomicOpExpr(i.imm);
        if (op) return one(`BPF_ATOMIC_OP(${cSize(i.code)}, ${op}, ${cReg(i.dst)}, ${cReg(i.src)}, ${i.off})`);
      }
      break;
    }
    case BPF_JMP: case BPF_JMP32: {
      const op = bpfOp(i.code);
      const w = cls === BPF_JMP ? 'JMP' : 'JMP32';
      if (cls === BPF_JMP && op === BPF_JA && !isX && i.dst === 0 && i.src === 0 && i.imm === 0) return one(`BPF_JMP_A(${i.off})`);
      if (cls === BPF_JMP && op === BPF_EXIT && !isX && i.dst === 0 && i.src === 0 && i.off === 0 && i.imm === 0) return one('BPF_EXIT_INSN()');
      if (cls === BPF_JMP && op === BPF_CALL && !isX && i.dst === 0 && i.src === 0 && i.off === 0) return one(`BPF_EMIT_CALL(${cHelper(i.imm)})`);
      if (op === BPF_JA || op === BPF_CALL || op === BPF_EXIT || JMP_OP_NAMES[op] === undefined) break;
      if (isX && i.imm === 0) return one(`BPF_${w}_REG(${cJmpOp(i.code)}, ${cReg(i.dst)}, ${cReg(i.src)}, ${i.off})`);
      if (!isX && i.src === 0) return one(`BPF_${w}_IMM(${cJmpOp(i.code)}, ${cReg(i.dst)}, ${cImm(i.imm, true)}, ${i.off})`);
      break;
    }
  }
  return one(cRaw(i));
}

function atomicOpExpr(imm: number): string | undefined {
  if (imm === BPF_XCHG) return 'BPF_XCHG';
  if (imm === BPF_CMPXCHG) return 'BPF_CMPXCHG';
  const base = imm & ~BPF_FETCH;
  if (![BPF_ADD, BPF_OR, BPF_AND, BPF_XOR].includes(base) || (imm & ~(0xf0 | BPF_FETCH)) !== 0) return undefined;
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
