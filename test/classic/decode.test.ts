import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClassicFormat, decodeClassic, detectClassicFormat } from '../../src/classic/decode.js';
import { disassembleClassic } from '../../src/classic/disasm.js';
import { encodeClassicRaw, formatComma, formatDd, formatDdd } from '../../src/classic/encode.js';
import { CLASSIC_FORMS, type ClassicInsn, insn } from '../../src/classic/insn.js';
import { visibleInListing } from '../../src/classic/listing.js';
import { DecodeError, EXIT_DATAERR } from '../../src/errors.js';
import { runs } from '../runs.js';

// tcpdump -y EN10MB 'ip' in every form.
const IP_PROG = [insn(0x28, 0, 0, 12), insn(0x15, 0, 1, 0x800), insn(0x06, 0, 0, 262144), insn(0x06, 0, 0, 0)];
const IP_DDD = '4\n40 0 0 12\n21 0 1 2048\n6 0 0 262144\n6 0 0 0\n';
const IP_DD = '{ 0x28, 0, 0, 0x0000000c },\n{ 0x15, 0, 1, 0x00000800 },\n{ 0x6, 0, 0, 0x00040000 },\n{ 0x6, 0, 0, 0x00000000 },\n';
const IP_D = '(000) ldh      [12]\n(001) jeq      #0x800           jt 2\tjf 3\n(002) ret      #262144\n(003) ret      #0\n';
const IP_COMMA = '4,40 0 0 12,21 0 1 2048,6 0 0 262144,6 0 0 0,\n';
const IP_BIN = Uint8Array.from([
  0x28, 0, 0, 0, 12, 0, 0, 0, 0x15, 0, 0, 1, 0, 8, 0, 0, 6, 0, 0, 0, 0, 0, 4, 0, 6, 0, 0, 0, 0, 0, 0, 0,
]);

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The DecodeError message decodeClassic throws for `input`. */
function errorOf(input: Uint8Array | string, opts: Parameters<typeof decodeClassic>[1] = {}): string {
  try {
    decodeClassic(input, { source: 'f', ...opts });
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    expect((e as DecodeError).exitCode).toBe(EXIT_DATAERR);
    return (e as Error).message;
  }
  throw new Error('decodeClassic accepted the input');
}

describe('decodeClassic on each form', () => {
  it.each([
    ['ddd', IP_DDD], ['dd', IP_DD], ['listing', IP_D], ['comma', IP_COMMA],
  ] as const)('reads %s text, as a string and as bytes', (format, text) => {
    expect(detectClassicFormat(text)).toBe(format);
    expect(decodeClassic(text)).toEqual(IP_PROG);
    expect(decodeClassic(bytes(text))).toEqual(IP_PROG);
    expect(decodeClassic(text, { format })).toEqual(IP_PROG);
  });

  it('reads raw records, little-endian by default and big-endian on request', () => {
    expect(detectClassicFormat(IP_BIN)).toBe('raw');
    expect(decodeClassic(IP_BIN)).toEqual(IP_PROG);
    const be = encodeClassicRaw(IP_PROG, 'big');
    expect(Array.from(be.subarray(8, 16))).toEqual([0, 0x15, 0, 1, 0, 0, 8, 0]);
    expect(decodeClassic(be, { endian: 'big' })).toEqual(IP_PROG);
    // A view into a larger buffer (as Node's pooled Buffers are) reads from its own offset.
    const padded = new Uint8Array(IP_BIN.length + 5);
    padded.set(IP_BIN, 3);
    expect(decodeClassic(padded.subarray(3, 3 + IP_BIN.length))).toEqual(IP_PROG);
  });

  it('writes each form as the tools do', () => {
    expect(formatDdd(IP_PROG)).toBe(IP_DDD);
    expect(formatDd(IP_PROG)).toBe(IP_DD);
    expect(disassembleClassic(IP_PROG)).toBe(IP_D);
    expect(formatComma(IP_PROG)).toBe(IP_COMMA);
    expect(Array.from(encodeClassicRaw(IP_PROG))).toEqual(Array.from(IP_BIN));
  });

  it('tolerates the usual variations', () => {
    // CRLF, blank lines, no final newline, a BOM.
    expect(decodeClassic(`\uFEFF${IP_DDD.replace(/\n/g, '\r\n')}\r\n\r\n`)).toEqual(IP_PROG);
    expect(decodeClassic(IP_DD.trimEnd())).toEqual(IP_PROG);
    // bpf_asm -c: `{ %#04x, %2u, %2u, %#010x },`
    expect(decodeClassic('{ 0x28,  0,  0, 0x0000000c },\n{ 0x15,  0,  1, 0x00000800 },\n{ 0x06,  0,  0, 0x00040000 },\n{ 0x06,  0,  0, 0000000000 },\n')).toEqual(IP_PROG);
    // xt_bpf / iptables: no trailing comma; spaces; line breaks after commas.
    expect(decodeClassic('4,40 0 0 12,21 0 1 2048,6 0 0 262144,6 0 0 0')).toEqual(IP_PROG);
    expect(decodeClassic('4, 40 0 0 12,\n21 0 1 2048,\n6 0 0 262144,\n6 0 0 0\n')).toEqual(IP_PROG);
    // Hex numbers where decimal is usual.
    expect(decodeClassic('4\n0x28 0 0 0xc\n21 0 1 0x800\n6 0 0 262144\n6 0 0 0\n')).toEqual(IP_PROG);
    // A listing without the (nnn) column and with odd spacing, given its format.
    expect(decodeClassic('ldh [12]\njeq #0x800 jt 2 jf 3\nret #262144\nret #0', { format: 'listing' })).toEqual(IP_PROG);
  });
});

describe('reading a tcpdump -d listing back', () => {
  const one = (line: string): ClassicInsn => decodeClassic(`(000) ${line}\n`, { format: 'listing' })[0]!;

  it('turns absolute targets into relative offsets', () => {
    const prog = decodeClassic('(000) ldh      [12]\n(001) jeq      #0x800           jt 5\tjf 2\n(002) ja       7\n(003) ret      #0\n');
    expect(prog[1]).toEqual(insn(0x15, 3, 0, 0x800));
    expect(prog[2]).toEqual(insn(0x05, 0, 0, 4));
  });

  it('reads backward and negative JA targets back to the same k', () => {
    expect(decodeClassic('(000) ret #0\n(001) ret #0\n(002) ret #0\n(003) ret #0\n(004) ret #0\n(005) ja       -10\n')[5]).toEqual(insn(0x05, 0, 0, 0xfffffff0));
    expect(one('ja       2147483647')).toEqual(insn(0x05, 0, 0, 0x7ffffffe));
  });

  it('reads every operand shape', () => {
    expect(one('ld       [proto]')).toEqual(insn(0x20, 0, 0, 0xfffff000));
    expect(one('ldh      [vlan_tpid]')).toEqual(insn(0x28, 0, 0, 0xfffff03c));
    expect(one('ldb      [-1048576]')).toEqual(insn(0x30, 0, 0, 0xfff00000));
    expect(one('ld       [x + -4]')).toEqual(insn(0x40, 0, 0, 0xfffffffc));
    expect(one('ldb      [x + 14]')).toEqual(insn(0x50, 0, 0, 14));
    expect(one('ld       #0xffffffff')).toEqual(insn(0x00, 0, 0, 0xffffffff));
    expect(one('ld       M[15]')).toEqual(insn(0x60, 0, 0, 15));
    expect(one('ld       #pktlen')).toEqual(insn(0x80, 0, 0, 0));
    expect(one('unimp    0x81')).toEqual(insn(0x81, 0, 0, 0)); // libpcap's image of ldx #pktlen
    expect(one('ldx      #pktlen')).toEqual(insn(0x81, 0, 0, 0));
    expect(one('ldxb     4*([14]&0xf)')).toEqual(insn(0xb1, 0, 0, 14));
    expect(one('add      #-1')).toEqual(insn(0x04, 0, 0, 0xffffffff));
    expect(one('and      x')).toEqual(insn(0x5c, 0, 0, 0));
    expect(one('neg      ')).toEqual(insn(0x84, 0, 0, 0));
    expect(one('jset     x                jt 1\tjf 9')).toEqual(insn(0x4d, 0, 8, 0));
    expect(one('ret      ')).toEqual(insn(0x16, 0, 0, 0));
    expect(one('ret      #-1')).toEqual(insn(0x06, 0, 0, 0xffffffff));
    expect(one('txa      ')).toEqual(insn(0x87, 0, 0, 0));
  });

  it('gives 0 for the fields a listing does not show', () => {
    const prog = [insn(0x07, 1, 2, 3), insn(0x16, 0, 0, 9), insn(0x1d, 1, 2, 77), insn(0x05, 4, 5, 1)];
    expect(decodeClassic(disassembleClassic(prog))).toEqual(prog.map(visibleInListing));
    expect(prog.map(visibleInListing)).toEqual([insn(0x07, 0, 0, 0), insn(0x16, 0, 0, 0), insn(0x1d, 1, 2, 0), insn(0x05, 0, 0, 1)]);
  });
});

describe('detection', () => {
  it('treats bytes that are not text as raw records', () => {
    expect(detectClassicFormat(Uint8Array.from([0x06, 0, 0, 0, 0, 0, 0, 0]))).toBe('raw');
    expect(detectClassicFormat(Uint8Array.from([0x31, 0x01, 0x31, 0x31, 0x31, 0x31, 0x31, 0x31]))).toBe('raw'); // control byte
    expect(detectClassicFormat(Uint8Array.from([0xff, 0xfe, 0x31, 0x31, 0x31, 0x31, 0x31, 0x31]))).toBe('raw'); // not UTF-8
    expect(detectClassicFormat(bytes('4\n'))).toBe('ddd');
  });

  it('names the source and line of text it cannot place', () => {
    expect(() => detectClassicFormat('\nhello\n', 'x.txt')).toThrow(
      'x.txt:2: cannot tell the program format from `hello`: expected tcpdump -d, -dd or -ddd output, the bpf_asm form `N,code jt jf k,...`, or raw struct sock_filter bytes',
    );
    expect(() => detectClassicFormat('', 'x.txt')).toThrow('x.txt: empty program: no instructions');
  });
});

describe('errors', () => {
  it.each(([
    // raw
    [Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0]), {}, 'f (byte 8): 11 bytes is not a whole number of 8-byte struct sock_filter records (3 bytes left over)'],
    [new Uint8Array(0), { format: 'raw' }, 'f: empty program: no instructions'],
    ['6 0 0 0', { format: 'raw' }, 'f: raw struct sock_filter input must be bytes, not text'],
    // ddd
    ['3\n6 0 0 0\n6 0 0 0\n', {}, 'f:1: the count line says 3 instructions but 2 follow'],
    ['1\n6 0 0\n', {}, 'f:2: expected `code jt jf k` (4 numbers), found `6 0 0`'],
    ['1\n6 0 0 0 0\n', {}, 'f:2: expected `code jt jf k` (4 numbers), found `6 0 0 0 0`'],
    ['1\n65536 0 0 0\n', {}, 'f:2: code 65536 is out of range (0 to 0xffff)'],
    ['1\n6 256 0 0\n', {}, 'f:2: jt 256 is out of range (0 to 255)'],
    ['1\n6 0 300 0\n', {}, 'f:2: jf 300 is out of range (0 to 255)'],
    ['1\n6 0 0 4294967296\n', {}, 'f:2: k 4294967296 is out of range (0 to 4294967295)'],
    ['1\n6 0 0 -1\n', {}, 'f:2: k `-1` is not a number'],
    ['1\n6 0 x 0\n', {}, 'f:2: jf `x` is not a number'],
    ['0\n', {}, 'f:1: empty program: no instructions'],
    ['6 0 0 0\n', { format: 'ddd' }, 'f:1: expected the instruction count (tcpdump -ddd\'s first line), found `6 0 0 0`'],
    // dd
    ['{ 0x6, 0, 0, 0x0 },\n{ 0x6, 0, 0 },\n', {}, 'f:2: expected `{ code, jt, jf, k },`, found `{ 0x6, 0, 0 },`'],
    ['{ 0x10000, 0, 0, 0x0 },\n', {}, 'f:1: code 0x10000 is out of range (0 to 0xffff)'],
    ['{ 0x6, 0, 0, 0x100000000 },\n', {}, 'f:1: k 0x100000000 is out of range (0 to 4294967295)'],
    // comma
    ['3,6 0 0 0,6 0 0 0,', {}, 'f:1: the count says 3 instructions but 2 follow'],
    ['2,6 0 0 0,,6 0 0 0', {}, 'f:1: instruction 1: empty field between commas'],
    ['2,6 0 0 0,\n6 0 999 0\n', {}, 'f:2: instruction 1: jf 999 is out of range (0 to 255)'],
    ['x,6 0 0 0', { format: 'comma' }, 'f:1: expected the instruction count before the first comma, found `x`'],
    // listing
    ['(000) ldh      [12]\n(002) ret      #0\n', {}, 'f:2: instruction number (002) where (001) was expected'],
    ['(000) lda      [12]\n', {}, 'f:1: unknown mnemonic `lda`'],
    ['(000) ldh      #12\n', {}, 'f:1: `ldh` does not take the operand `#12`; expected [k] or [x + k]'],
    ['(000) tax      x\n', {}, 'f:1: `tax` does not take the operand `x`; expected no operand'],
    ['(000) ld       [bogus]\n', {}, 'f:1: unknown ancillary field `[bogus]`; libpcap names: proto, type, ifidx, nla, nlan, mark, queue, hatype, rxhash, cpu, xor_x, vlan_tci, vlanp, poff, random, vlan_tpid'],
    ['(000) ld       [12 + 3]\n', {}, 'f:1: cannot read the operand `[12 + 3]` of `ld`'],
    ['(000) jeq      #0x800\n', {}, 'f:1: `jeq` needs its targets: `jt N<TAB>jf N`'],
    ['(000) ret      #0               jt 1\tjf 2\n', {}, 'f:1: `ret` takes no jt/jf targets'],
    ['(000) ldh      [12]\n(001) jeq      #0x800           jt 1\tjf 2\n', {}, 'f:2: jt 1 cannot be reached from instruction 1: targets run from 2 to 257'],
    ['(000) jeq      #0x800           jt 1\tjf 300\n', {}, 'f:1: jf 300 cannot be reached from instruction 0: targets run from 1 to 256'],
    ['(000) ld       #0x100000000\n', {}, 'f:1: k 0x100000000 is out of range (-2147483648 to 4294967295)'],
    ['(000) ld       [-2147483649]\n', {}, 'f:1: k -2147483649 is out of range (-2147483648 to 4294967295)'],
    ['(000) unimp    0x55             jt 1\tjf 2\n', {}, 'f:1: `unimp 0x55`: a listing does not show the operands of an unknown opcode; decode the -dd, -ddd or raw form instead'],
    ['(000) ja       4294967296\n', {}, 'f:1: jump target 4294967296 is out of range (-2147483648 to 4294967295)'],
  ] as Array<[Uint8Array | string, object, string]>).map(([input, opts, message]) => ({ input, opts, message })))('$message', ({ input, opts, message }) => {
    expect(errorOf(input, opts as Parameters<typeof decodeClassic>[1])).toBe(message);
  });
});

// Random programs over the 49 forms with any jt, jf and k.
const progArb = fc.array(
  fc.record({
    code: fc.constantFrom(...CLASSIC_FORMS.map((f) => f.code)),
    jt: fc.integer({ min: 0, max: 255 }),
    jf: fc.integer({ min: 0, max: 255 }),
    k: fc.oneof(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffff000, 0xfffff03c, 0xfff00000, 0xffe00000),
    ),
  }).map(({ code, jt, jf, k }) => insn(code, jt, jf, k)),
  { minLength: 1, maxLength: 100 },
);

describe('round trips (property)', () => {
  it('encode in each form -> decode gives the same program', () => {
    fc.assert(
      fc.property(progArb, (prog) => {
        const cases: Array<[ClassicFormat, Uint8Array | string, object]> = [
          ['ddd', formatDdd(prog), {}],
          ['dd', formatDd(prog), {}],
          ['comma', formatComma(prog), {}],
          ['raw', encodeClassicRaw(prog, 'little'), {}],
          ['raw', encodeClassicRaw(prog, 'big'), { endian: 'big' }],
        ];
        for (const [format, encoded, opts] of cases) {
          expect(decodeClassic(encoded, opts)).toEqual(prog);
          expect(decodeClassic(encoded, { ...opts, format })).toEqual(prog);
        }
        // The listing keeps what it shows; printing it again gives the same text.
        const listing = disassembleClassic(prog);
        const fromListing = decodeClassic(listing);
        expect(fromListing).toEqual(prog.map(visibleInListing));
        expect(disassembleClassic(fromListing)).toBe(listing);
      }),
      { numRuns: runs(300) },
    );
  });
});
