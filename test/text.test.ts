/** quotable(): what messages do with the input they quote. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeClassic } from '../src/classic/decode.js';
import { insn } from '../src/classic/insn.js';
import { assemble } from '../src/ebpf/asm.js';
import { AsmError, CaptureError, DecodeError, InputError, OutputError } from '../src/errors.js';
import { prepareFilter, type EngineName } from '../src/replay/engine.js';
import { replaySync } from '../src/replay/replay.js';
import type { LinkOptions } from '../src/replay/link.js';
import { parseAction } from '../src/seccomp/actions.js';
import { archByName } from '../src/seccomp/arch.js';
import { parseArg } from '../src/seccomp/data.js';
import { parseErrno } from '../src/seccomp/errno.js';
import { resolveSyscall } from '../src/seccomp/syscalls/index.js';
import { NAME_QUOTE_MAX, QUOTE_MAX, quotable } from '../src/text.js';
import { parseHexBytes } from '../src/vm/conformance.js';

describe('quotable', () => {
  it('writes controls, DEL and C1 controls as escapes', () => {
    expect(quotable('a\x1b[31mb')).toBe('a\\x1b[31mb');
    expect(quotable('nul\x00')).toBe('nul\\x00');
    expect(quotable('\t\n\r\x7f\x85\x9b')).toBe('\\t\\n\\r\\x7f\\x85\\x9b');
  });

  it('writes bidi controls and other invisible format characters as escapes', () => {
    expect(quotable('abc\u202edef')).toBe('abc\\u202edef'); // RIGHT-TO-LEFT OVERRIDE
    expect(quotable('\u2066x\u2069')).toBe('\\u2066x\\u2069'); // isolates
    expect(quotable('\u200b\u200d\u200e\u061c\ufeff\u00ad')).toBe('\\u200b\\u200d\\u200e\\u061c\\ufeff\\xad');
    expect(quotable('line\u2028para\u2029')).toBe('line\\u2028para\\u2029');
    expect(quotable('tag\u{e0041}')).toBe('tag\\u{e0041}');
    expect(quotable('lone \ud800 surrogate')).toBe('lone \\ud800 surrogate');
  });

  it('leaves printable text alone, whatever its script', () => {
    for (const s of ['mov %r0, 1', 'openat', 'café', '日本語', 'emoji 😀', 'back\\slash', "'quotes' `and` \"more\""]) {
      expect(quotable(s)).toBe(s);
    }
  });

  it('cuts a long quote at a whole character or escape and marks the cut', () => {
    const digits = '1'.repeat(1_000_000);
    expect(quotable(digits)).toBe(`${'1'.repeat(QUOTE_MAX)}...`);
    expect(quotable('x'.repeat(QUOTE_MAX))).toBe('x'.repeat(QUOTE_MAX));
    expect(quotable(`${'a'.repeat(38)}\x1bbc`)).toBe(`${'a'.repeat(38)}...`);
    expect(quotable(`${'a'.repeat(39)}😀`)).toBe(`${'a'.repeat(39)}...`);
    expect(quotable('abcdef', 3)).toBe('abc...');
  });

  it('every error that names a file quotes the name', () => {
    const name = `evil\x1b]0;title\x07\u202e.txt`;
    const shown = 'evil\\x1b]0;title\\x07\\u202e.txt';
    expect(new InputError(name, 'no such file').message).toBe(`${shown}: no such file`);
    expect(new OutputError(name, 'permission denied').message).toBe(`${shown}: permission denied`);
    expect(new DecodeError(name, 'bad', { line: 3 }).message).toBe(`${shown}:3: bad`);
    expect(new AsmError(name, 2, 'bad').message).toBe(`${shown}:2: bad`);
    expect(new CaptureError(name, 1, 0, 'empty file').message).toBe(`${shown}: packet 1 at byte 0: empty file`);
    // The error keeps the name as given; only the message escapes it.
    expect(new InputError(name, 'x').path).toBe(name);
    expect(new InputError('p'.repeat(5000), 'name too long').message).toBe(`${'p'.repeat(NAME_QUOTE_MAX)}...: name too long`);
  });
});

describe('library messages quote input through it', () => {
  const hostile = 'x\x1b[2J\u202e\x00';
  const shown = 'x\\x1b[2J\\u202e\\x00';
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('no error');
  };
  const capture = fileURLToPath(new URL('../fixtures/captures/generated/mix-en10mb.pcap', import.meta.url));
  const ret = [insn(0x06, 0, 0, 1)];

  it.each([
    ['assemble', () => assemble(`mov %r0, ${hostile}`)],
    ['decodeClassic', () => decodeClassic(`1\n6 0 0 ${hostile}\n`)],
    ['resolveSyscall', () => resolveSyscall('x86_64', hostile)],
    ['archByName', () => archByName(hostile)],
    ['parseAction', () => parseAction(hostile)],
    ['parseErrno', () => parseErrno(hostile)],
    ['parseArg', () => parseArg(hostile, 64, 'args[0]')],
    ['prepareFilter engine', () => prepareFilter(ret, { engine: hostile as EngineName })],
    ['replay link options', () => replaySync(ret, capture, { link: { vlan: hostile as LinkOptions['vlan'] } })],
    ['parseHexBytes', () => { throw new Error(String(parseHexBytes(hostile))); }],
  ])('%s', (_, f) => {
    const m = message(f);
    expect(m).toContain(shown);
    expect(m).not.toMatch(/[\x00\x1b\u202e]/u);
  });
});
