/**
 * Assembler for the uBPF syntax of the bpf_conformance suite (`-- asm` sections), one
 * instruction per line:
 *
 *   add32 %r0, 1          add %r0, %r1            (no suffix or 64: ALU64; 32: ALU)
 *   sdiv32 %r0, -3        smod %r1, %r2           neg %r0        movsx1664 %r1, %r2
 *   be16 %r0   le32 %r0   swap64 %r0 (= bswap64)  lddw %r1, 0x1122334455667788
 *   ldxw %r0, [%r1+4]     ldxsb %r0, [%r10-1]     stw [%r10-8], 7   stxdw [%r10-8], %r1
 *   lock add [%r10-8], %r1    lock fetch xor32 [%r1], %r2    lock xchg / cmpxchg[32] ...
 *   ldabsh 12             ldindb %r7, 14          (legacy packet loads)
 *   jeq %r1, 0x800, label     jsgt32 %r1, %r2, +3     ja label     ja32 +1000
 *   call 7   call get_prandom_u32   call local func   call %r2 (callx)   exit
 *
 * `label:` names the next instruction; `exit` also names the first exit instruction unless
 * a label of that name exists (the suite's convention). Comments start with `#` or `;`.
 * Numbers are decimal or 0x hex, optionally signed; 32-bit immediates must fit int32
 * (decimal) or 32 bits (hex), offsets int16. Errors are AsmError(source, line, message).
 *
 * Assembling does not validate the program as a whole (src/ebpf/validate.ts does that).
 */
import {
  ALU_OP_NAMES, ATOMIC_ALU_OPS, BPF_ABS, BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_B, BPF_CALL, BPF_CMPXCHG, BPF_DIV, BPF_DW,
  BPF_END, BPF_EXIT, BPF_FETCH, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JMP, BPF_JMP32, BPF_K, BPF_LD, BPF_LDX, BPF_MEM,
  BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_NEG, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_ST, BPF_STX, BPF_TO_BE, BPF_TO_LE,
  BPF_W, BPF_X, BPF_XCHG, JMP_OP_NAMES, MAX_BPF_REG,
} from './opcodes.js';
import { bpfInsn, type Insn } from './insn.js';
import { HELPERS } from './helpers.js';
import { checkString } from '../args.js';
import { AsmError } from '../errors.js';
import { quotable } from '../text.js';

/** Operation codes by mnemonic: the shared name tables read backwards. */
const opsByName = (names: Readonly<Record<number, string>>, ops: readonly number[]): Readonly<Record<string, number>> =>
  Object.fromEntries(ops.map((op) => [names[op]!, op]));
const ALU_OPS: Readonly<Record<string, number>> = {
  ...opsByName(ALU_OP_NAMES, Object.keys(ALU_OP_NAMES).map(Number)), sdiv: BPF_DIV, smod: BPF_MOD,
};
const JMP_OPS = opsByName(JMP_OP_NAMES, Object.keys(JMP_OP_NAMES).map(Number));
const SIZES: Readonly<Record<string, number>> = { b: BPF_B, h: BPF_H, w: BPF_W, dw: BPF_DW };
const ATOMIC_OPS = opsByName(ALU_OP_NAMES, ATOMIC_ALU_OPS);
const HELPER_IDS: ReadonlyMap<string, number> = new Map(HELPERS.flatMap((h) => [[h.name, h.id], [`bpf_${h.name}`, h.id]] as [string, number][]));

const LABEL = /^[A-Za-z_.$][\w.$]*$/;
const NUMBER = /^([+-]?)(0x[0-9a-f]+|\d+)$/i;

/** An error at the current line; thrown by the operand parsers and rewrapped with the line. */
class LineError extends Error {}

function fail(message: string): never {
  throw new LineError(message);
}

/** A number as a BigInt (parsing only; the VM never sees BigInt). */
function parseNumber(text: string, what: string): bigint {
  const m = NUMBER.exec(text);
  if (!m) fail(`invalid ${what} '${quotable(text)}': expected a decimal or 0x hex number`);
  const hex = /^0x/i.test(m[2]!);
  const digits = (hex ? m[2]!.slice(2) : m[2]!).replace(/^0+(?=.)/, '');
  // No field is wider than 64 bits (20 digits): a longer number is out of every range, and
  // BigInt would take seconds over the millions of digits an input may hold.
  const magnitude = digits.length > 20 ? 1n << 65n : BigInt(hex ? `0x${digits}` : digits);
  return m[1] === '-' ? -magnitude : magnitude;
}

/** A 32-bit immediate: decimal within int32, hex within 32 bits (a bit pattern). */
function parseImm32(text: string): number {
  const v = parseNumber(text, 'immediate');
  const isHex = /0x/i.test(text);
  const lowest = -(1n << 31n);
  const highest = isHex ? (1n << 32n) - 1n : (1n << 31n) - 1n;
  if (v < lowest || v > highest) {
    fail(`invalid immediate ${quotable(text)}: out of the 32-bit range (${isHex ? '0x0..0xffffffff' : '-2147483648..2147483647'})`);
  }
  return Number(BigInt.asIntN(32, v));
}

function parseImm64(text: string): [lo: number, hi: number] {
  const v = parseNumber(text, 'immediate');
  if (v < -(1n << 63n) || v > (1n << 64n) - 1n) fail(`invalid immediate ${quotable(text)}: out of the 64-bit range`);
  const u = BigInt.asUintN(64, v);
  return [Number(BigInt.asIntN(32, u)), Number(BigInt.asIntN(32, u >> 32n))];
}

function parseReg(text: string): number {
  const m = /^%?r(\d+)$/i.exec(text);
  if (!m) fail(`invalid register '${quotable(text)}': expected %r0-%r10`);
  const r = Number(m[1]);
  if (r >= MAX_BPF_REG) fail(`invalid register: ${quotable(text)} (registers are %r0-%r10)`);
  return r;
}

function parseOffset(sign: string, digits: string, original: string): number {
  const v = parseNumber(`${sign}${digits}`, 'offset');
  if (v < -32768n || v > 32767n) fail(`invalid offset ${quotable(original)}: out of the 16-bit range (-32768..32767)`);
  return Number(v);
}

/** `[%rN]`, `[%rN+off]` or `[%rN-off]`. */
function parseMem(text: string): [reg: number, off: number] {
  const m = /^\[\s*(%?r\d+)\s*(?:([+-])\s*(0x[0-9a-f]+|\d+))?\s*\]$/i.exec(text);
  if (!m) fail(`invalid memory operand '${quotable(text)}': expected [%rN], [%rN+off] or [%rN-off]`);
  return [parseReg(m[1]!), m[2] ? parseOffset(m[2], m[3]!, text) : 0];
}

const isRegOperand = (text: string): boolean => /^%?r\d+$/i.test(text);

/** A pending reference to a label, resolved once every label is known. */
interface Fixup {
  index: number; // in the output
  label: string;
  line: number;
  field: 'off' | 'imm';
}

/** Splits `a, [b+1], c` at the top-level commas. */
function splitOperands(text: string): string[] {
  if (text.trim() === '') return [];
  const out: string[] = [];
  let depth = 0, start = 0;
  for (let k = 0; k < text.length; k++) {
    const ch = text[k];
    if (ch === '[') depth++;
    else if (ch === ']') depth--;
    else if (ch === ',' && depth === 0) { out.push(text.slice(start, k).trim()); start = k + 1; }
  }
  out.push(text.slice(start).trim());
  if (out.some((o) => o === '')) fail('empty operand (a stray comma?)');
  return out;
}

function expectCount(mnemonic: string, ops: string[], n: number, form: string): void {
  if (ops.length !== n) fail(`invalid number of operands for ${mnemonic}: expected ${n} (${mnemonic} ${form}), got ${ops.length}`);
}

export interface AsmResult {
  program: Insn[];
  /** Source line of each instruction slot (the second slot of lddw repeats the first's). */
  lines: number[];
  /** Labels and the slot each names. */
  labels: Map<string, number>;
}

/** Assembles uBPF-syntax text; throws AsmError on the first bad line. */
export function assemble(text: string, source = '<asm>'): Insn[] {
  checkString('assemble', 'text', text);
  checkString('assemble', 'source', source);
  return assembleWithInfo(text, source).program;
}

export function assembleWithInfo(text: string, source = '<asm>'): AsmResult {
  checkString('assembleWithInfo', 'text', text);
  checkString('assembleWithInfo', 'source', source);
  const out: Insn[] = [];
  const lines: number[] = [];
  const labels = new Map<string, number>();
  const fixups: Fixup[] = [];
  let firstExit = -1;
  const srcLines = text.split(/\r?\n/);

  for (let n = 0; n < srcLines.length; n++) {
    const lineNo = n + 1;
    let line = srcLines[n]!;
    const hash = line.search(/[#;]/);
    if (hash >= 0) line = line.slice(0, hash);
    line = line.trim();
    try {
      // Leading labels: `name:` (possibly several, possibly followed by an instruction).
      for (let m = /^([^\s:[\]%,]+)\s*:/.exec(line); m; m = /^([^\s:[\]%,]+)\s*:/.exec(line)) {
        const name = m[1]!;
        if (!LABEL.test(name)) fail(`invalid label name '${quotable(name)}'`);
        if (labels.has(name)) fail(`duplicate label '${quotable(name)}' (first defined for instruction ${labels.get(name)})`);
        labels.set(name, out.length);
        line = line.slice(m[0].length).trim();
      }
      if (line === '') continue;
      const sp = line.search(/\s/);
      const mnemonic = (sp < 0 ? line : line.slice(0, sp)).toLowerCase();
      const rest = sp < 0 ? '' : line.slice(sp + 1).trim();
      const emit = (i: Insn): void => { out.push(i); lines.push(lineNo); };
      const target = (operand: string, field: 'off' | 'imm', limit16: boolean): number => {
        if (/^[+-]/.test(operand)) {
          const v = parseNumber(operand, 'jump offset');
          const max = limit16 ? 32767n : 2147483647n;
          if (v < -max - 1n || v > max) fail(`invalid jump offset ${quotable(operand)}: out of the ${limit16 ? '16' : '32'}-bit range`);
          return Number(v);
        }
        if (!LABEL.test(operand)) fail(`invalid jump target '${quotable(operand)}': expected a label or +N/-N`);
        fixups.push({ index: out.length, label: operand, line: lineNo, field });
        return 0;
      };

      if (mnemonic === 'lock') {
        encodeAtomic(rest, emit);
        continue;
      }
      const ops = splitOperands(rest);
      encodeOne(mnemonic, ops, emit, target);
      if (mnemonic === 'exit' && firstExit < 0) firstExit = out.length - 1;
    } catch (e) {
      if (e instanceof LineError) throw new AsmError(source, lineNo, e.message);
      throw e;
    }
  }

  for (const f of fixups) {
    let at = labels.get(f.label);
    if (at === undefined && f.label === 'exit' && firstExit >= 0) at = firstExit;
    if (at === undefined) throw new AsmError(source, f.line, `invalid label: ${quotable(f.label)} (not defined)`);
    if (at >= out.length) throw new AsmError(source, f.line, `label ${quotable(f.label)} names no instruction (it is at the end of the program)`);
    const rel = at - f.index - 1;
    const i = out[f.index]!;
    if (f.field === 'off') {
      if (rel < -32768 || rel > 32767) throw new AsmError(source, f.line, `label ${quotable(f.label)} is ${rel} instructions away: a 16-bit jump offset cannot reach it (use ja32)`);
      out[f.index] = bpfInsn(i.code, i.dst, i.src, rel, i.imm);
    } else {
      out[f.index] = bpfInsn(i.code, i.dst, i.src, i.off, rel);
    }
  }
  return { program: out, lines, labels };
}

type Emit = (i: Insn) => void;
type Target = (operand: string, field: 'off' | 'imm', limit16: boolean) => number;

/** One assembler form: the mnemonics it reads (a pattern whose groups it gets) and how it encodes them. */
interface AsmForm {
  readonly mnemonic: RegExp;
  encode(m: RegExpExecArray, ops: string[], emit: Emit, target: Target): void;
}

/** ALU and ALU64: `op`, `op32`, `op64` with a register or an immediate source; `neg` takes one operand. */
function encodeAlu(m: RegExpExecArray, ops: string[], emit: Emit): void {
  const [mnemonic, name] = [m[0], m[1]!];
  const cls = m[2] === '32' ? BPF_ALU : BPF_ALU64;
  if (name === 'neg') {
    expectCount(mnemonic, ops, 1, '%rD');
    emit(bpfInsn(cls | BPF_NEG | BPF_K, parseReg(ops[0]!), 0, 0, 0));
    return;
  }
  expectCount(mnemonic, ops, 2, '%rD, %rS|imm');
  const dst = parseReg(ops[0]!);
  const off = name === 'sdiv' || name === 'smod' ? 1 : 0;
  const op = ALU_OPS[name]!;
  if (isRegOperand(ops[1]!)) emit(bpfInsn(cls | op | BPF_X, dst, parseReg(ops[1]!), off, 0));
  else emit(bpfInsn(cls | op | BPF_K, dst, 0, off, parseImm32(ops[1]!)));
}

/** `movsx{8,16,32}{32,64}`: a sign-extending move, the width in off. */
function encodeMovsx(m: RegExpExecArray, ops: string[], emit: Emit): void {
  const mnemonic = m[0], from = Number(m[1]), cls = m[2] === '32' ? BPF_ALU : BPF_ALU64;
  if (from === 32 && cls === BPF_ALU) fail('invalid mnemonic: movsx3232 (a 32-bit move cannot sign-extend 32 bits; use mov32)');
  expectCount(mnemonic, ops, 2, '%rD, %rS');
  if (!isRegOperand(ops[1]!)) fail(`${mnemonic} takes a register source, got '${quotable(ops[1]!)}'`);
  emit(bpfInsn(cls | BPF_MOV | BPF_X, parseReg(ops[0]!), parseReg(ops[1]!), from, 0));
}

/** `le`, `be`, `swap`/`bswap` with the width in imm. */
function encodeEndian(m: RegExpExecArray, ops: string[], emit: Emit): void {
  expectCount(m[0], ops, 1, '%rD');
  const code = m[1] === 'le' ? BPF_ALU | BPF_END | BPF_TO_LE : m[1] === 'be' ? BPF_ALU | BPF_END | BPF_TO_BE : BPF_ALU64 | BPF_END | BPF_TO_LE;
  emit(bpfInsn(code, parseReg(ops[0]!), 0, 0, Number(m[2])));
}

/** `lddw %rD, imm64`: two slots. */
function encodeLddw(m: RegExpExecArray, ops: string[], emit: Emit): void {
  expectCount(m[0], ops, 2, '%rD, imm64');
  const [lo, hi] = parseImm64(ops[1]!);
  emit(bpfInsn(BPF_LD | BPF_IMM | BPF_DW, parseReg(ops[0]!), 0, 0, lo));
  emit(bpfInsn(0, 0, 0, 0, hi));
}

/** The legacy packet loads `ldabs{b,h,w} imm` and `ldind{b,h,w} %rS, imm`. */
function encodePacketLoad(m: RegExpExecArray, ops: string[], emit: Emit): void {
  const size = SIZES[m[2]!]!;
  if (m[1] === 'abs') {
    expectCount(m[0], ops, 1, 'imm');
    emit(bpfInsn(BPF_LD | BPF_ABS | size, 0, 0, 0, parseImm32(ops[0]!)));
  } else {
    expectCount(m[0], ops, 2, '%rS, imm');
    emit(bpfInsn(BPF_LD | BPF_IND | size, 0, parseReg(ops[0]!), 0, parseImm32(ops[1]!)));
  }
}

/** `ldx[s]{b,h,w,dw} %rD, [%rS+off]` (no sign-extending dw). */
function encodeLdx(m: RegExpExecArray, ops: string[], emit: Emit): void {
  if (m[1] && m[2] === 'dw') fail(`invalid mnemonic: ${quotable(m[0])}`);
  expectCount(m[0], ops, 2, '%rD, [%rS+off]');
  const [src, off] = parseMem(ops[1]!);
  emit(bpfInsn(BPF_LDX | (m[1] ? BPF_MEMSX : BPF_MEM) | SIZES[m[2]!]!, parseReg(ops[0]!), src, off, 0));
}

/** `stx{b,h,w,dw} [%rD+off], %rS` and `st{b,h,w,dw} [%rD+off], imm`. */
function encodeStore(m: RegExpExecArray, ops: string[], emit: Emit): void {
  const size = SIZES[m[2]!]!;
  if (m[1]) {
    expectCount(m[0], ops, 2, '[%rD+off], %rS');
    const [dst, off] = parseMem(ops[0]!);
    emit(bpfInsn(BPF_STX | BPF_MEM | size, dst, parseReg(ops[1]!), off, 0));
  } else {
    expectCount(m[0], ops, 2, '[%rD+off], imm');
    const [dst, off] = parseMem(ops[0]!);
    emit(bpfInsn(BPF_ST | BPF_MEM | size, dst, 0, off, parseImm32(ops[1]!)));
  }
}

/** `ja label|+N` (16-bit off) and `ja32 label|+N` (32-bit imm). */
function encodeJa(m: RegExpExecArray, ops: string[], emit: Emit, target: Target): void {
  expectCount(m[0], ops, 1, 'label|+N');
  if (m[1] === undefined) emit(bpfInsn(BPF_JMP | BPF_JA, 0, 0, target(ops[0]!, 'off', true), 0));
  else emit(bpfInsn(BPF_JMP32 | BPF_JA, 0, 0, 0, target(ops[0]!, 'imm', false)));
}

/** Conditional jumps, 64-bit or `...32`, against a register or an immediate. */
function encodeJcc(m: RegExpExecArray, ops: string[], emit: Emit, target: Target): void {
  expectCount(m[0], ops, 3, '%rD, %rS|imm, label|+N');
  const cls = m[2] ? BPF_JMP32 : BPF_JMP;
  const op = JMP_OPS[m[1]!]!;
  const dst = parseReg(ops[0]!);
  if (isRegOperand(ops[1]!)) {
    const src = parseReg(ops[1]!);
    emit(bpfInsn(cls | op | BPF_X, dst, src, target(ops[2]!, 'off', true), 0));
  } else {
    const imm = parseImm32(ops[1]!);
    emit(bpfInsn(cls | op | BPF_K, dst, 0, target(ops[2]!, 'off', true), imm));
  }
}

function encodeExit(m: RegExpExecArray, ops: string[], emit: Emit): void {
  expectCount(m[0], ops, 0, '');
  emit(bpfInsn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

/** Every form the assembler reads, tried in order; the first whose pattern matches encodes. */
const ASM_FORMS: readonly AsmForm[] = [
  { mnemonic: /^(add|sub|mul|div|sdiv|or|and|lsh|rsh|mod|smod|xor|mov|arsh|neg)(32|64)?$/, encode: encodeAlu },
  { mnemonic: /^movsx(8|16|32)(32|64)$/, encode: encodeMovsx },
  { mnemonic: /^(le|be|swap|bswap)(16|32|64)$/, encode: encodeEndian },
  { mnemonic: /^lddw$/, encode: encodeLddw },
  { mnemonic: /^ld(abs|ind)(b|h|w)$/, encode: encodePacketLoad },
  { mnemonic: /^ldx(s?)(b|h|w|dw)$/, encode: encodeLdx },
  { mnemonic: /^st(x?)(b|h|w|dw)$/, encode: encodeStore },
  { mnemonic: /^ja(32)?$/, encode: encodeJa },
  { mnemonic: /^(jeq|jgt|jge|jset|jne|jsgt|jsge|jlt|jle|jslt|jsle)(32)?$/, encode: encodeJcc },
  { mnemonic: /^call$/, encode: (_m, ops, emit, target) => encodeCall(ops, emit, target) },
  { mnemonic: /^exit$/, encode: encodeExit },
];

function encodeOne(mnemonic: string, ops: string[], emit: Emit, target: Target): void {
  for (const form of ASM_FORMS) {
    const m = form.mnemonic.exec(mnemonic);
    if (m) return form.encode(m, ops, emit, target);
  }
  fail(`invalid mnemonic: ${quotable(mnemonic)}`);
}

/** `call N|name|%rN`, `call helper N|%rN`, `call local label|+N`, `call runtime N`. */
function encodeCall(ops: string[], emit: Emit, target: Target): void {
  if (ops.length === 1) {
    const [mode, what] = ops[0]!.split(/\s+/, 2) as [string, string | undefined];
    if (what !== undefined) return encodeCallMode(mode, what, emit, target);
    return encodeCallMode('helper', mode, emit, target);
  }
  fail(`invalid number of operands for call: expected 'call N', 'call local label' or 'call %rN', got ${ops.length}`);
}

function encodeCallMode(mode: string, what: string, emit: Emit, target: Target): void {
  const call = BPF_JMP | BPF_CALL;
  switch (mode.toLowerCase()) {
    case 'helper':
      if (isRegOperand(what)) { emit(bpfInsn(call | BPF_X, parseReg(what), 0, 0, 0)); return; }
      if (NUMBER.test(what)) { emit(bpfInsn(call, 0, 0, 0, parseImm32(what))); return; }
      {
        const id = HELPER_IDS.get(what);
        if (id === undefined) fail(`invalid call target '${quotable(what)}': not a helper id or name (a function in this program needs 'call local ${quotable(what)}')`);
        emit(bpfInsn(call, 0, 0, 0, id));
      }
      return;
    case 'local':
      emit(bpfInsn(call, 0, BPF_PSEUDO_CALL, 0, target(what, 'imm', false)));
      return;
    case 'runtime':
      emit(bpfInsn(call, 0, BPF_PSEUDO_KFUNC_CALL, 0, parseImm32(what)));
      return;
  }
  fail(`invalid call mode '${quotable(mode)}': expected helper, local or runtime`);
}

/** `lock [fetch] add|or|and|xor[32] [%rD+off], %rS` and `lock xchg|cmpxchg[32] [%rD+off], %rS`. */
function encodeAtomic(rest: string, emit: Emit): void {
  const form = 'lock [fetch] add|or|and|xor[32] [%rD+off], %rS, or lock xchg|cmpxchg[32] [%rD+off], %rS';
  const m = /^(fetch\s+)?([a-z]+?)(32)?(?:\s+(.*))?$/i.exec(rest);
  if (!m || rest === '') fail(`invalid number of operands for lock: expected ${form}`);
  const fetch = m[1] !== undefined;
  const name = m[2]!.toLowerCase();
  const size = m[3] ? BPF_W : BPF_DW;
  let imm: number;
  if (name === 'xchg' || name === 'cmpxchg') {
    if (fetch) fail(`lock ${name} always fetches; write it without 'fetch'`);
    imm = name === 'xchg' ? BPF_XCHG : BPF_CMPXCHG;
  } else if (ATOMIC_OPS[name] !== undefined) {
    imm = ATOMIC_OPS[name]! | (fetch ? BPF_FETCH : 0);
  } else {
    fail(`invalid atomic operation '${quotable(name)}': expected add, or, and, xor, xchg or cmpxchg`);
  }
  const ops = splitOperands(m[4] ?? '');
  if (ops.length !== 2) fail(`invalid number of operands for lock ${name}: expected 2 ([%rD+off], %rS), got ${ops.length}`);
  const [dst, off] = parseMem(ops[0]!);
  emit(bpfInsn(BPF_STX | BPF_ATOMIC | size, dst, parseReg(ops[1]!), off, imm));
}
