/**
 * Messages that quote input: whatever the input holds (terminal escapes, NUL, bidi overrides,
 * a million digits), the error is one printable line of bounded length that shows it escaped.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from './run-main.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const seccompFilter = join(root, 'fixtures/seccomp/x86_64-args.bpf');
const classicFilter = join(root, 'fixtures/filters/EN10MB/tcp-port.ddd');
const capture = join(root, 'fixtures/captures/generated/mix-en10mb.pcap');

const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-quoting-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;
const file = (text: string): string => {
  const path = join(tmp, `in${fileNo++}`);
  writeFileSync(path, text);
  return path;
};

/** What quotable() escapes: none of it may reach the terminal. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const MILLION_DIGITS = '9'.repeat(1_000_000);

interface Case {
  what: string;
  args: () => string[];
  /** The quote as the message must show it. */
  shows: string;
}

const cases: Case[] = [
  { what: 'asm: ESC and NUL in an immediate', args: () => ['asm', file('mov %r0, 1\x1b[31m\x00\n'), '-f', 'hex'], shows: "'1\\x1b[31m\\x00'" },
  { what: 'asm: a bidi override in a mnemonic', args: () => ['asm', file('mo\u202ev %r0, 1\n'), '-f', 'hex'], shows: 'invalid mnemonic: mo\\u202ev' },
  { what: 'asm: a bidi override in a jump target', args: () => ['asm', file('ja en\u202ed\nexit\n'), '-f', 'hex'], shows: "'en\\u202ed'" },
  { what: 'asm: a million-digit immediate', args: () => ['asm', file(`mov %r0, ${MILLION_DIGITS}\n`), '-f', 'hex'], shows: `invalid immediate ${'9'.repeat(40)}...: out of the 32-bit range` },
  { what: 'check: ESC in a -ddd field', args: () => ['check', '--input-format', 'ddd', file('1\n6 0 0 1\x1b[2J\n')], shows: 'k `1\\x1b[2J` is not a number' },
  { what: 'check: a million-digit k', args: () => ['check', file(`1\n6 0 0 ${MILLION_DIGITS}\n`)], shows: `k ${'9'.repeat(40)}... is out of range` },
  { what: 'disasm: a bidi override in a tcpdump -d operand', args: () => ['disasm', file('(000) ret      #1\u202e\n')], shows: 'the operand `#1\\u202e`' },
  { what: 'disasm: a million-digit instruction number', args: () => ['disasm', file(`(${MILLION_DIGITS}) ret #1\n`)], shows: `instruction number (${'9'.repeat(40)}...)` },
  { what: 'check: a file name with ESC', args: () => ['check', join(tmp, 'no\x1b[2Jfile')], shows: 'no\\x1b[2Jfile: no such file' },
  { what: 'seccomp: ESC in a syscall name', args: () => ['seccomp', seccompFilter, 'rea\x1bd'], shows: "unknown syscall 'rea\\x1bd' on x86_64" },
  { what: 'seccomp: a bidi override in --arch', args: () => ['seccomp', seccompFilter, 'read', '--arch', 'x86\u202e64'], shows: "unknown architecture 'x86\\u202e64'" },
  { what: 'seccomp: a million-digit argument', args: () => ['seccomp', seccompFilter, 'read', `${MILLION_DIGITS}`], shows: `args[0]: ${'9'.repeat(40)}... does not fit` },
  { what: 'seccomp asm: a zero-width space in an action', args: () => ['seccomp', 'asm', file('return KI\u200bLL\n'), '-f', 'ddd'], shows: "unknown seccomp action 'KI\\u200bLL'" },
  { what: 'seccomp asm: a bidi isolate in an errno name', args: () => ['seccomp', 'asm', file('return ERRNO(EPE\u2066RM)\n'), '-f', 'ddd'], shows: "unknown errno name 'EPE\\u2066RM'" },
  { what: 'replay: ESC in --pkttype', args: () => ['replay', classicFilter, capture, '--pkttype', 'ho\x1bst'], shows: "not 'ho\\x1bst'" },
  { what: 'conformance-plugin: ESC in an extra argument', args: () => ['conformance-plugin', '--program', '95 00 00 00 00 00 00 00', '00', 'x\x1b[0m'], shows: 'unexpected arguments: x\\x1b[0m' },
];

describe('messages quote input escaped and cut', () => {
  it.each(cases)('$what', async ({ args, shows }) => {
    const r = await runMain(args());
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBe(70);
    const lines = r.stderr.split('\n');
    expect(lines, r.stderr).toHaveLength(2); // one line and its newline
    const line = lines[0]!;
    expect(line).toMatch(/^cbpf2ebpf: /);
    expect(line).not.toMatch(HIDDEN);
    expect(line.length).toBeLessThan(400);
    expect(line).toContain(shows);
  });
});
