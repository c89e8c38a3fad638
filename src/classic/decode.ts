/**
 * Reads a classic program from any of the forms users have: raw `struct sock_filter`
 * bytes, `tcpdump -ddd`, `tcpdump -dd`, the bpf_asm/xt_bpf comma form, or a `tcpdump -d`
 * listing. Every malformed input becomes a DecodeError naming the source, the line (text)
 * or byte offset (binary), and what was expected.
 *
 * Format detection (format 'auto'):
 *  1. Bytes that are not text -- a NUL byte, another control byte than TAB/LF/VT/FF/CR,
 *     DEL, or invalid UTF-8 -- are raw records. (Raw programs nearly always hold a zero
 *     byte: code's high byte, jt/jf or k's high bytes; force 'raw' for one that does not.)
 *  2. Otherwise the first non-blank line decides:
 *       `(000) ...`               -> listing (tcpdump -d)
 *       `{ ...`                   -> dd (tcpdump -dd, bpf_asm -c)
 *       a number then a comma     -> comma (bpf_asm, iptables --bytecode)
 *       a number alone            -> ddd (the count line of tcpdump -ddd)
 */
import { type BytesLike, checkOptions, checkString, optOneOf, optString, toBytes } from '../args.js';
import { DecodeError } from '../errors.js';
import { quotable } from '../text.js';
import { ENDIANS, type Endian } from './encode.js';
import { type ClassicInsn, insn } from './insn.js';
import { parseListing } from './listing.js';

export type ClassicFormat = 'raw' | 'ddd' | 'dd' | 'comma' | 'listing';
type TextFormat = Exclude<ClassicFormat, 'raw'>;
export const CLASSIC_FORMATS: readonly ClassicFormat[] = ['raw', 'ddd', 'dd', 'comma', 'listing'];

export interface DecodeClassicOptions {
  format?: 'auto' | ClassicFormat;
  /** Byte order of raw records; little-endian (x86, arm64) by default. */
  endian?: Endian;
  /** Name used in error messages (file name, `<stdin>`). */
  source?: string;
}

const DEFAULT_SOURCE = '<input>';
const EMPTY = 'empty program: no instructions';
const NUMBER_RE = /^(?:0[xX][0-9a-fA-F]+|\d+)$/;

const countMismatch = (count: number, found: number): string =>
  `${count} instruction${count === 1 ? '' : 's'} but ${found} follow${found === 1 ? 's' : ''}`;

/** False when the bytes hold a control byte other than TAB/LF/VT/FF/CR, or DEL: binary, not text. */
export function isTextBytes(bytes: BytesLike): boolean {
  for (const b of toBytes('isTextBytes', 'bytes', bytes)) {
    if ((b < 0x20 && !(b >= 0x09 && b <= 0x0d)) || b === 0x7f) return false;
  }
  return true;
}

/** The text of the input, or undefined when the bytes are binary (rule 1 above). */
function textOf(input: Uint8Array | string): string | undefined {
  if (typeof input === 'string') return input;
  if (!isTextBytes(input)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    return undefined;
  }
}

function splitLines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r?\n/);
}

function detectText(lines: readonly string[], source: string): TextFormat {
  const index = lines.findIndex((l) => l.trim() !== '');
  if (index < 0) throw new DecodeError(source, EMPTY, { line: 1 });
  const first = lines[index]!.trim();
  if (/^\(\s*\d+\s*\)/.test(first)) return 'listing';
  if (first.startsWith('{')) return 'dd';
  if (/^(?:0[xX][0-9a-fA-F]+|\d+)\s*,/.test(first)) return 'comma';
  if (NUMBER_RE.test(first)) return 'ddd';
  throw new DecodeError(
    source,
    `cannot tell the program format from \`${quotable(first)}\`: expected tcpdump -d, -dd or -ddd output, ` +
      'the bpf_asm form `N,code jt jf k,...`, or raw struct sock_filter bytes',
    { line: index + 1 },
  );
}

/** A program's input as decodeClassic takes it: text, or bytes in any of the usual containers. */
function inputOf(fn: string, input: unknown): Uint8Array | string {
  return typeof input === 'string' ? input : toBytes(fn, 'input', input, 'a string or bytes (a Uint8Array, an ArrayBuffer or a DataView)');
}

/** The format `decodeClassic` would read `input` as; DecodeError when it is none of them. */
export function detectClassicFormat(input: BytesLike | string, source: string = DEFAULT_SOURCE): ClassicFormat {
  const data = inputOf('detectClassicFormat', input);
  checkString('detectClassicFormat', 'source', source);
  if (data.length === 0) throw new DecodeError(source, EMPTY);
  const text = textOf(data);
  return text === undefined ? 'raw' : detectText(splitLines(text), source);
}

/** Decodes a classic program; see the module comment for the forms and detection. */
export function decodeClassic(input: BytesLike | string, opts: DecodeClassicOptions = {}): ClassicInsn[] {
  const fn = 'decodeClassic';
  const data = inputOf(fn, input);
  const o = checkOptions(fn, 'opts', opts);
  const source = optString(fn, 'opts.source', o.source) ?? DEFAULT_SOURCE;
  const format = optOneOf(fn, 'opts.format', o.format, ['auto', ...CLASSIC_FORMATS], 'auto');
  const endian = optOneOf(fn, 'opts.endian', o.endian, ENDIANS, 'little');
  return decodeInput(data, format, endian, source);
}

function decodeInput(input: Uint8Array | string, format: 'auto' | ClassicFormat, endian: Endian, source: string): ClassicInsn[] {
  if (format === 'raw' || (format === 'auto' && typeof input !== 'string' && textOf(input) === undefined)) {
    if (typeof input === 'string') throw new DecodeError(source, 'raw struct sock_filter input must be bytes, not text');
    return decodeRaw(input, endian, source);
  }
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8').decode(input);
  const lines = splitLines(text);
  const chosen: TextFormat = format === 'auto' ? detectText(lines, source) : format;
  let prog: ClassicInsn[];
  switch (chosen) {
    case 'ddd': prog = decodeDdd(lines, source); break;
    case 'dd': prog = decodeDd(lines, source); break;
    case 'comma': prog = decodeComma(text, source); break;
    case 'listing': prog = parseListing(lines, source); break;
  }
  if (prog.length === 0) throw new DecodeError(source, EMPTY, { line: 1 });
  return prog;
}

/** `struct sock_filter` records: u16 code, u8 jt, u8 jf, u32 k. */
function decodeRaw(bytes: Uint8Array, endian: Endian, source: string): ClassicInsn[] {
  if (bytes.length === 0) throw new DecodeError(source, EMPTY);
  const tail = bytes.length % 8;
  if (tail !== 0) {
    throw new DecodeError(
      source,
      `${bytes.length} bytes is not a whole number of 8-byte struct sock_filter records (${tail} bytes left over)`,
      { byteOffset: bytes.length - tail },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = endian === 'little';
  const prog: ClassicInsn[] = [];
  for (let at = 0; at < bytes.length; at += 8) {
    prog.push(insn(view.getUint16(at, little), view.getUint8(at + 2), view.getUint8(at + 3), view.getUint32(at + 4, little)));
  }
  return prog;
}

const FIELD_MAX = { code: 0xffff, jt: 0xff, jf: 0xff, k: 0xffffffff } as const;
type Field = keyof typeof FIELD_MAX;

/** A decimal or 0x-hex field, range-checked against its C type. */
function field(text: string, name: Field | 'count', fail: (detail: string) => never): number {
  if (!NUMBER_RE.test(text)) fail(`${name} \`${quotable(text)}\` is not a number`);
  const v = Number(text);
  const max = name === 'count' ? 0xffffffff : FIELD_MAX[name];
  if (v > max) fail(`${name} ${quotable(text)} is out of range (0 to ${name === 'code' ? '0xffff' : max})`);
  return v;
}

/** Four whitespace-separated numbers: `code jt jf k`. */
function insnFields(text: string, fail: (detail: string) => never): ClassicInsn {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 4 || parts[0] === '') {
    fail(`expected \`code jt jf k\` (4 numbers), found \`${quotable(text.trim())}\``);
  }
  const [code, jt, jf, k] = parts as [string, string, string, string];
  return insn(field(code, 'code', fail), field(jt, 'jt', fail), field(jf, 'jf', fail), field(k, 'k', fail));
}

function failAt(source: string, line: number): (detail: string) => never {
  return (detail) => {
    throw new DecodeError(source, detail, { line });
  };
}

/** tcpdump -ddd: a count line, then `code jt jf k` in decimal per line. */
function decodeDdd(lines: readonly string[], source: string): ClassicInsn[] {
  let countLine = -1;
  let count = 0;
  const prog: ClassicInsn[] = [];
  lines.forEach((raw, i) => {
    const text = raw.trim();
    if (text === '') return;
    const fail = failAt(source, i + 1);
    if (countLine < 0) {
      if (!NUMBER_RE.test(text)) fail(`expected the instruction count (tcpdump -ddd's first line), found \`${quotable(text)}\``);
      countLine = i + 1;
      count = field(text, 'count', fail);
      return;
    }
    prog.push(insnFields(text, fail));
  });
  if (countLine > 0 && count !== prog.length) {
    throw new DecodeError(source, `the count line says ${countMismatch(count, prog.length)}`, { line: countLine });
  }
  return prog;
}

const DD_RE = /^\{\s*([^,{}\s]+)\s*,\s*([^,{}\s]+)\s*,\s*([^,{}\s]+)\s*,\s*([^,{}\s]+)\s*\}\s*,?$/;

/** tcpdump -dd: `{ 0x28, 0, 0, 0x0000000c },` per line (also bpf_asm -c's padded variant). */
function decodeDd(lines: readonly string[], source: string): ClassicInsn[] {
  const prog: ClassicInsn[] = [];
  lines.forEach((raw, i) => {
    const text = raw.trim();
    if (text === '') return;
    const fail = failAt(source, i + 1);
    const m = DD_RE.exec(text);
    if (!m) fail(`expected \`{ code, jt, jf, k },\`, found \`${quotable(text)}\``);
    const [, code, jt, jf, k] = m as unknown as [string, string, string, string, string];
    prog.push(insn(field(code, 'code', fail), field(jt, 'jt', fail), field(jf, 'jf', fail), field(k, 'k', fail)));
  });
  return prog;
}

/**
 * bpf_asm / xt_bpf: `N,code jt jf k,code jt jf k,...`, usually one line; bpf_asm ends it
 * with a comma and a newline, which are accepted, as are line breaks after commas.
 */
function decodeComma(text: string, source: string): ClassicInsn[] {
  const body = text.replace(/^\uFEFF/, '');
  const newlines = (s: string): number => s.split('\n').length - 1;
  const fields: Array<{ text: string; line: number }> = [];
  let line = 1;
  for (const piece of body.split(',')) {
    fields.push({ text: piece, line: line + newlines(/^\s*/.exec(piece)![0]) });
    line += newlines(piece);
  }
  // A trailing comma (bpf_asm's output) leaves one empty field at the end.
  if (fields.length > 1 && fields[fields.length - 1]!.text.trim() === '') fields.pop();
  const [countField, ...insnFieldsList] = fields;
  const countFail = failAt(source, countField!.line);
  const countText = countField!.text.trim();
  if (!NUMBER_RE.test(countText)) countFail(`expected the instruction count before the first comma, found \`${quotable(countText)}\``);
  const count = field(countText, 'count', countFail);
  const prog = insnFieldsList.map((f, n) => {
    const fail = failAt(source, f.line);
    if (f.text.trim() === '') fail(`instruction ${n}: empty field between commas`);
    return insnFields(f.text, (detail) => fail(`instruction ${n}: ${detail}`));
  });
  if (count !== prog.length) {
    throw new DecodeError(source, `the count says ${countMismatch(count, prog.length)}`, { line: countField!.line });
  }
  return prog;
}
