/**
 * Reads the pseudo-code disasm.ts prints (seccomp-tools' style) back into a classic program.
 *
 * A line is `[NNNN:] [label:] [0xCC 0xTT 0xFF 0xKKKKKKKK] statement [# comment]`; the header
 * lines of the listing, blank lines and comments are skipped. The raw columns are ignored when
 * a statement follows them (the statement is what people edit) and used alone otherwise.
 * Jumps name their target by line number (`goto 0012`, as disasm prints them) or by a label
 * (`goto ok` ... `ok: return ALLOW`; a label alone on its line names the next instruction).
 * Syscall and arch names resolve the way the disassembler printed them: a syscall name in
 * `if (A == read)` is looked up in the table of the arch the path has checked, and
 * `args[i] >> 32` is placed for that arch's byte order, so this runs the same flow pass
 * (flow.ts) as it parses. Where no arch check is in force, the arch is the one an `arch NAME`
 * line before the first instruction gives (disasm prints one when it named anything by a
 * fallback arch), else the caller's option. Fields an instruction ignores (a k on `A += X`)
 * are not in the pseudo-code: they come from the raw columns when those are present, else
 * they are 0.
 */
import { checkOptions, checkString, optString } from '../args.js';
import { AsmError, Cbpf2ebpfError } from '../errors.js';
import { quotable } from '../text.js';
import { closestName } from '../suggest.js';
import { type ClassicInsn, classicForm, insn } from '../classic/insn.js';
import { checkClassicInsn } from '../classic/shape.js';
import {
  BPF_A, BPF_ABS, BPF_ALU, BPF_B, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_K,
  BPF_LD, BPF_LDX, BPF_LEN, BPF_MEM, BPF_MISC, BPF_MSH, BPF_NEG, BPF_RET, BPF_ST, BPF_STX, BPF_TAX, BPF_TXA, BPF_W, BPF_X,
} from '../abi/opcodes.js';
import { SECCOMP_DATA } from '../abi/ctx.js';
import { parseAction } from './actions.js';
import { auditArchValue, checkArch, type SeccompArch, toArch } from './arch.js';
import { offsetOf } from './data.js';
import { ALU_SYMBOLS, archInForce } from './disasm.js';
import { type FlowState, SeccompFlow } from './flow.js';
import { syscallTable } from './syscalls/index.js';

export interface SeccompAsmOptions {
  /**
   * Arch for syscall names and byte order where no arch check is in force (as for disasm);
   * an `arch NAME` line in the text takes precedence, as the names were written for it.
   */
  arch?: SeccompArch | string;
  /** Name used in error messages. */
  source?: string;
}

const ALU_OPS = new Map<string, number>([...ALU_SYMBOLS].map(([op, sym]) => [sym, op]));

class LineError extends Error {}
const fail = (detail: string): never => { throw new LineError(detail); };

const NUMBER = /^(?:0x[0-9a-f]+|\d+)$/i;

function number(text: string, what: string): number {
  const t = text.trim();
  if (!NUMBER.test(t)) fail(`expected a number for ${what}, got '${quotable(text)}'`);
  const v = Number(t);
  if (v > 0xffffffff) fail(`${what} ${quotable(text)} does not fit 32 bits`);
  return v >>> 0;
}

function memIndex(text: string): number {
  return number(text, 'a scratch memory index');
}

/** The program a text assembles to, and the arch that named things where no arch check is in force. */
export interface SeccompAssembly {
  readonly prog: ClassicInsn[];
  /** The text's `arch` line, else the option; undefined when neither gave one. */
  readonly arch: SeccompArch | undefined;
}

interface Context {
  readonly pc: number;
  readonly state: FlowState | undefined;
  readonly arch: SeccompArch | undefined;
  /** Label -> the instruction it names. */
  readonly labels: ReadonlyMap<string, number>;
}

/** `sys_number`, `args[2] >> 32`, `data[0x10]`...: the offset of a seccomp_data word. */
function dataOffset(text: string, ctx: Context): number | undefined {
  const t = text.replace(/\s+/g, ' ').trim();
  const endian = ctx.arch?.endian ?? 'little';
  if (t === 'sys_number' || t === 'nr') return SECCOMP_DATA.nr;
  if (t === 'arch') return SECCOMP_DATA.arch;
  if (t === 'instruction_pointer') return offsetOf('ip', 0, false, endian);
  if (t === 'instruction_pointer >> 32') return offsetOf('ip', 0, true, endian);
  let m = /^args\[([0-5])\]( >> 32)?$/.exec(t);
  if (m) return offsetOf('arg', Number(m[1]), m[2] !== undefined, endian);
  m = /^data\[(\S+)\]$/.exec(t);
  if (m) return number(m[1]!, 'a data offset');
  return undefined;
}

/** The K of a comparison: a number, an AUDIT_ARCH name, or a syscall name of the arch in force. */
function compareConstant(text: string, ctx: Context): number {
  const t = text.trim();
  if (NUMBER.test(t)) return number(t, 'a constant');
  const audit = auditArchValue(t);
  if (audit !== undefined) return audit;
  if (/^[A-Za-z_]\w*$/.test(t)) {
    if (!ctx.arch) fail(`syscall name '${quotable(t)}' needs an arch: no arch check is in force here (give one with --arch)`);
    const nr = syscallTable(ctx.arch!).byName.get(t);
    if (nr === undefined) fail(`unknown syscall '${quotable(t)}' on ${ctx.arch!.name}`);
    return nr!;
  }
  return fail(`cannot read '${quotable(text)}' as a constant`);
}

/** A label: a C identifier (dots allowed), so that it never reads as a line number or an operand. */
const LABEL_NAME = '[A-Za-z_][\\w.]*';
const TARGET = `(\\d+|${LABEL_NAME})`;
const LABELLED = new RegExp(`^(${LABEL_NAME})\\s*:\\s*(.*)$`);

/** A jump target (a line number or a label) as the offset from the instruction after `ctx.pc`. */
function target(text: string, ctx: Context): number {
  let line: number;
  if (/^\d+$/.test(text)) {
    line = Number(text);
    if (line <= ctx.pc) fail(`jump target ${quotable(text)} must be a line after ${ctx.pc}`);
  } else {
    const at = ctx.labels.get(text);
    if (at === undefined) {
      const close = closestName(text, ctx.labels.keys());
      return fail(`unknown label '${quotable(text)}'${close !== undefined ? ` (did you mean '${close}'?)` : ''}`);
    }
    line = at;
    if (line <= ctx.pc) fail(`jump target '${quotable(text)}' is line ${line}: classic jumps go forward, to a line after ${ctx.pc}`);
  }
  return line - ctx.pc - 1;
}

function branch(offset: number, what: string): number {
  if (offset > 255) fail(`${what} offset ${offset} does not fit the 8-bit jt/jf field`);
  return offset;
}

const JUMP_OPS: Record<string, { op: number; negated: boolean }> = {
  '==': { op: BPF_JEQ, negated: false }, '!=': { op: BPF_JEQ, negated: true },
  '>': { op: BPF_JGT, negated: false }, '<=': { op: BPF_JGT, negated: true },
  '>=': { op: BPF_JGE, negated: false }, '<': { op: BPF_JGE, negated: true },
  '&': { op: BPF_JSET, negated: false },
};

function conditional(cond: string, thenText: string, elseText: string | undefined, ctx: Context): ClassicInsn {
  let op: number;
  let negated: boolean;
  let operand: string;
  const c = cond.trim();
  const notSet = /^!\s*\(\s*A\s*&\s*(.+?)\s*\)$/.exec(c);
  if (notSet) {
    op = BPF_JSET; negated = true; operand = notSet[1]!;
  } else {
    const m = /^A\s*(==|!=|>=|<=|>|<|&)\s*(.+)$/.exec(c);
    if (!m) return fail(`cannot read the condition '${quotable(cond)}'`);
    ({ op, negated } = JUMP_OPS[m[1]!]!);
    operand = m[2]!;
  }
  const src = operand.trim() === 'X' ? BPF_X : BPF_K;
  const k = src === BPF_X ? 0 : compareConstant(operand, ctx);
  const first = target(thenText, ctx);
  if (elseText !== undefined) {
    if (negated) fail('a negated condition takes no else branch');
    return insn(BPF_JMP | op | src, branch(first, 'jt'), branch(target(elseText, ctx), 'jf'), k);
  }
  return negated
    ? insn(BPF_JMP | op | src, 0, branch(first, 'jf'), k)
    : insn(BPF_JMP | op | src, branch(first, 'jt'), 0, k);
}

function load(reg: 'A' | 'X', rhs: string, ctx: Context): ClassicInsn {
  const cls = reg === 'A' ? BPF_LD : BPF_LDX;
  const r = rhs.replace(/\s+/g, ' ').trim();
  let m: RegExpExecArray | null;
  if (reg === 'A' && r === 'X') return insn(BPF_MISC | BPF_TXA, 0, 0, 0);
  if (reg === 'X' && r === 'A') return insn(BPF_MISC | BPF_TAX, 0, 0, 0);
  if (reg === 'A' && r === '-A') return insn(BPF_ALU | BPF_NEG, 0, 0, 0);
  if (r === 'len') return insn(cls | BPF_W | BPF_LEN, 0, 0, 0);
  if ((m = /^mem\[(\S+)\]$/.exec(r))) return insn(cls | BPF_MEM, 0, 0, memIndex(m[1]!));
  if (NUMBER.test(r)) return insn(cls | (reg === 'X' ? BPF_W : 0) | BPF_IMM, 0, 0, number(r, 'an immediate'));
  if (reg === 'X') {
    m = /^4 ?\* ?\( ?data\[(\S+)\] ?& ?0xf ?\)$/.exec(r);
    if (m) return insn(BPF_LDX | BPF_B | BPF_MSH, 0, 0, number(m[1]!, 'a data offset'));
    return fail(`cannot load X from '${quotable(rhs)}'`);
  }
  m = /^(\(u16\)|\(u8\))? ?data\[X ?\+ ?(\S+)\]$/.exec(r);
  if (m) return insn(BPF_LD | sizeOf(m[1]) | BPF_IND, 0, 0, number(m[2]!, 'an offset'));
  m = /^(\(u16\)|\(u8\)) ?data\[(\S+)\]$/.exec(r);
  if (m) return insn(BPF_LD | sizeOf(m[1]) | BPF_ABS, 0, 0, number(m[2]!, 'a data offset'));
  const off = dataOffset(r, ctx);
  if (off !== undefined) return insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, off);
  return fail(`cannot load A from '${quotable(rhs)}'`);
}

function sizeOf(cast: string | undefined): number {
  return cast === '(u16)' ? BPF_H : cast === '(u8)' ? BPF_B : BPF_W;
}

const GOTO = new RegExp(`^goto\\s+${TARGET}$`);
const IF_GOTO = new RegExp(`^if\\s*\\((.*)\\)\\s*goto\\s+${TARGET}(?:\\s+else\\s+goto\\s+${TARGET})?$`);

/** One statement at `ctx.pc`. */
function statement(text: string, ctx: Context): ClassicInsn {
  const t = text.trim();
  let m: RegExpExecArray | null;
  if ((m = /^return\s+(.+)$/.exec(t))) {
    if (m[1]!.trim() === 'A') return insn(BPF_RET | BPF_A, 0, 0, 0);
    try {
      return insn(BPF_RET | BPF_K, 0, 0, parseAction(m[1]!));
    } catch (e) {
      return fail(e instanceof Error ? e.message : String(e));
    }
  }
  if ((m = GOTO.exec(t))) return insn(BPF_JMP | BPF_JA, 0, 0, target(m[1]!, ctx));
  if ((m = IF_GOTO.exec(t))) {
    return conditional(m[1]!, m[2]!, m[3], ctx);
  }
  if ((m = /^mem\[(\S+)\]\s*=\s*([AX])$/.exec(t))) {
    return insn(m[2] === 'A' ? BPF_ST : BPF_STX, 0, 0, memIndex(m[1]!));
  }
  if ((m = /^A\s*(\+|-|\*|\/|\||&|<<|>>|%|\^)=\s*(.+)$/.exec(t))) {
    const op = ALU_OPS.get(m[1]!)!;
    const operand = m[2]!.trim();
    return operand === 'X'
      ? insn(BPF_ALU | op | BPF_X, 0, 0, 0)
      : insn(BPF_ALU | op | BPF_K, 0, 0, number(operand, 'an ALU operand'));
  }
  if ((m = /^([AX])\s*=\s*(.+)$/.exec(t))) return load(m[1] as 'A' | 'X', m[2]!, ctx);
  if ((m = /^insn\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)$/.exec(t))) {
    return insn(number(m[1]!, 'code'), number(m[2]!, 'jt'), number(m[3]!, 'jf'), number(m[4]!, 'k'));
  }
  return fail(`cannot read '${quotable(t)}'`);
}

/**
 * An instruction with the fields its form ignores set to 0 (jt/jf outside conditional jumps;
 * k of the X forms, NEG, LEN loads, RET A, TAX and TXA): what the pseudo-code shows.
 */
export function canonicalClassic(i: ClassicInsn): ClassicInsn {
  checkClassicInsn('canonicalClassic', 'i', i);
  const kind = classicForm(i.code)?.kind;
  if (kind === undefined || kind === 'jmp-k') return i;
  if (kind === 'jmp-x') return insn(i.code, i.jt, i.jf, 0);
  const ignoresK = kind === 'alu-x' || kind === 'neg' || kind === 'ld-len' || kind === 'ldx-len' || kind === 'ret-a' ||
    kind === 'tax' || kind === 'txa';
  return insn(i.code, 0, 0, ignoresK ? 0 : i.k);
}

const sameInsn = (a: ClassicInsn, b: ClassicInsn): boolean => a.code === b.code && a.jt === b.jt && a.jf === b.jf && a.k === b.k;

const RAW = /^(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)(?:\s+|$)/i;

/** The text of a line without its comment (`# ...` or `// ...`). */
const uncommented = (line: string): string => line.replace(/(?:#|\/\/).*$/, '').trim();

/** `arch x86_64`: the arch of names where no arch check is in force (disasm's first line when it used one). */
const ARCH_LINE = /^arch\s+(\S+)$/i;

/** Lines of the listing's header, skipped. */
const isHeader = (body: string): boolean => /^line\s+CODE\b/i.test(body) || /^=+$/.test(body);

/**
 * Whether text reads as this pseudo-code rather than another text form of a classic program
 * (tcpdump -d/-dd/-ddd, the comma form): from its first line that is not blank or a comment.
 */
export function looksLikeSeccompAsm(text: string): boolean {
  checkString('looksLikeSeccompAsm', 'text', text);
  for (const raw of text.split(/\r?\n/)) {
    const line = uncommented(raw);
    if (line === '') continue;
    return ARCH_LINE.test(line) || LABELLED.test(line) ||
      /^(?:line\s+CODE\b|\d+\s*:|[AX]\s*[-+*/|&^%<>]*=|mem\[|if\s*\(|goto\s|return\s)/.test(line);
  }
  return false;
}

/** Both entry points; `fn` names the one called in ArgumentErrors. */
function assemble(fn: string, text: string, opts: SeccompAsmOptions): SeccompAssembly {
  checkString(fn, 'text', text);
  const o = checkOptions(fn, 'opts', opts);
  const source = optString(fn, 'opts.source', o.source) ?? '<input>';
  const option = o.arch === undefined ? undefined : checkArch(fn, 'opts.arch', o.arch);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const pending: Array<{ line: number; body: string; raw: ClassicInsn | undefined }> = [];
  const labels = new Map<string, number>();
  const labelLines = new Map<string, number>();
  let archLine: { arch: SeccompArch; line: number } | undefined;

  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    let body = uncommented(raw);
    if (body === '' || isHeader(body)) return;
    const archName = ARCH_LINE.exec(body);
    if (archName) {
      if (archLine) throw new AsmError(source, lineNo, `a second arch line (line ${archLine.line} gave one)`);
      if (pending.length > 0) throw new AsmError(source, lineNo, 'the arch line comes before the first instruction');
      try {
        archLine = { arch: toArch(archName[1]!), line: lineNo };
      } catch (e) {
        if (e instanceof Cbpf2ebpfError) throw new AsmError(source, lineNo, e.message);
        throw e;
      }
      return;
    }
    const numbered = /^(\d+)\s*:\s*(.*)$/.exec(body);
    if (numbered) {
      if (Number(numbered[1]) !== pending.length) {
        throw new AsmError(source, lineNo, `line number ${quotable(numbered[1]!)} is out of sequence (expected ${pending.length})`);
      }
      body = numbered[2]!;
    }
    let labelled: RegExpExecArray | null;
    while ((labelled = LABELLED.exec(body))) {
      const name = labelled[1]!;
      const earlier = labelLines.get(name);
      if (earlier !== undefined) throw new AsmError(source, lineNo, `label '${quotable(name)}' is already defined on line ${earlier}`);
      labels.set(name, pending.length);
      labelLines.set(name, lineNo);
      body = labelled[2]!;
    }
    if (body === '') return;
    const cols = RAW.exec(body);
    let rawInsn: ClassicInsn | undefined;
    if (cols) {
      rawInsn = insn(Number(cols[1]), Number(cols[2]), Number(cols[3]), Number(cols[4]));
      body = body.slice(cols[0].length).trim();
    }
    pending.push({ line: lineNo, body, raw: rawInsn });
  });
  if (pending.length === 0) throw new AsmError(source, 1, 'no instructions');
  for (const [name, at] of labels) {
    if (at === pending.length) throw new AsmError(source, labelLines.get(name)!, `label '${quotable(name)}' names no instruction: nothing follows it`);
  }

  const fallback = archLine?.arch ?? option;
  const flow = new SeccompFlow(pending.length);
  const prog = pending.map((p, pc) => {
    const state = flow.at(pc);
    const ctx: Context = { pc, state, arch: archInForce(state, fallback), labels };
    let result: ClassicInsn;
    try {
      result = p.body === '' && p.raw ? p.raw : statement(p.body, ctx);
      // The raw columns keep the fields the statement does not show (a k on `A += X`...).
      if (p.raw && p.body !== '' && sameInsn(canonicalClassic(p.raw), result)) result = p.raw;
    } catch (e) {
      if (e instanceof LineError) throw new AsmError(source, p.line, e.message);
      if (e instanceof Cbpf2ebpfError) throw new AsmError(source, p.line, e.message);
      throw e;
    }
    flow.apply(pc, result);
    return result;
  });
  return { prog, arch: fallback };
}

/**
 * Parses the pseudo-code listing into a classic program, and says which arch named things
 * where no arch check is in force. Throws AsmError with the line.
 */
export function assembleSeccompText(text: string, opts: SeccompAsmOptions = {}): SeccompAssembly {
  return assemble('assembleSeccompText', text, opts);
}

/** Parses the pseudo-code listing into a classic program. Throws AsmError with the line. */
export function assembleSeccomp(text: string, opts: SeccompAsmOptions = {}): ClassicInsn[] {
  return assemble('assembleSeccomp', text, opts).prog;
}
