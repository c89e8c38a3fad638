/**
 * Output formats: the listing survives bin -> decode -> listing, hex and JSON carry the
 * exact records, the C initialiser compiles (cc, <linux/bpf.h> and the macros of
 * test/native/bpf_insn_macros.h) into the same bytes, and every format that can says when
 * a program calls a project helper.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classicText } from '../../src/classic/disasm.js';
import { type ClassicInsn, insn } from '../../src/classic/insn.js';
import { BPF_A, BPF_ABS, BPF_LD, BPF_RET, BPF_W, SKF_AD, SKF_AD_OFF } from '../../src/abi/opcodes.js';
import { disassemble } from '../../src/ebpf/disasm.js';
import { decodeProgram, encodeProgram } from '../../src/ebpf/encode.js';
import { formatC, formatHex, formatJson, formatListing, formatProgram, notLoadableReason, projectHelpersOf } from '../../src/ebpf/format.js';
import { bpfInsn, type Insn } from '../../src/ebpf/insn.js';
import { translateClassic } from '../../src/translate/translate.js';
import { annotationOf } from '../../src/translate/annotate.js';
import { arbClassicProgram } from '../classic/arbitrary.js';
import { runs } from '../runs.js';

const RET_A = insn(BPF_RET | BPF_A, 0, 0, 0);
const anc = (n: number): ClassicInsn => insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, (SKF_AD_OFF + n) >>> 0);
const i = bpfInsn;

/** One instance of every RFC 9669 form, with awkward field values. */
const EVERY_FORM: Insn[] = [
  i(0x07, 1, 0, 0, -1), i(0x0f, 1, 2, 0, 0), i(0x04, 3, 0, 0, -0x80000000), i(0x5c, 3, 4, 0, 0), i(0xa4, 0, 0, 0, 0x7fffffff),
  i(0x87, 1, 0, 0, 0), i(0x84, 1, 0, 0, 0), i(0xd4, 1, 0, 0, 64), i(0xdc, 1, 0, 0, 16), i(0xd7, 1, 0, 0, 32),
  i(0xb7, 1, 0, 0, -7), i(0xbc, 1, 2, 0, 0), i(0xbf, 1, 2, 16, 0), i(0x3f, 1, 2, 1, 0), i(0x97, 1, 0, 1, -3), i(0xc7, 1, 0, 0, 63),
  i(0x18, 1, 0, 0, 0x55667788), i(0, 0, 0, 0, 0x11223344), i(0x18, 2, 1, 0, 3), i(0, 0, 0, 0, 0), i(0x18, 2, 0, 0, -1), i(0, 0, 0, 0, -1),
  i(0x20, 0, 0, 0, -0x100000), i(0x48, 0, 7, 0, -1), i(0x61, 1, 10, -4, 0), i(0x91, 1, 10, -1, 0), i(0x79, 0, 1, 32767, 0),
  i(0x62, 10, 0, -4, -0x80000000), i(0x7a, 10, 0, -8, 5), i(0x63, 10, 0, -4, 0), i(0x7b, 10, 1, -32768, 0),
  i(0xc3, 10, 1, -4, 0), i(0xdb, 10, 1, -8, 0x41), i(0xdb, 10, 1, -8, 0xe1), i(0xc3, 10, 1, -4, 0xf1),
  i(0x05, 0, 0, -3, 0), i(0x06, 0, 0, 0, 100000), i(0x15, 1, 0, 2, 0x800), i(0x1d, 1, 2, -2, 0), i(0x46, 1, 0, 1, -1), i(0xde, 1, 2, 0, 0),
  i(0x85, 0, 0, 0, 7), i(0x85, 0, 0, 0, 0x10000), i(0x85, 0, 1, 0, 2), i(0x95, 0, 0, 0, 0), i(0xff, 15, 15, -1, -1), i(0x8d, 1, 0, 0, 0),
];

describe('listing', () => {
  it('is the same from the instructions and from their bin output decoded', () => {
    fc.assert(fc.property(arbClassicProgram({ maxLength: 48 }), (prog) => {
      const t = translateClassic(prog);
      const bin = formatProgram(t.insns, 'bin') as Uint8Array;
      expect(formatListing(decodeProgram(bin))).toBe(formatListing(t.insns));
    }), { numRuns: runs(200) });
    expect(formatListing(decodeProgram(encodeProgram(EVERY_FORM)))).toBe(formatListing(EVERY_FORM));
  });

  it('shows index, raw bytes and text, the LD IMM64 tail with bytes only', () => {
    const lines = formatListing([i(0x18, 1, 0, 0, 1), i(0, 0, 0, 0, 2), i(0x95, 0, 0, 0, 0)]).split('\n');
    expect(lines).toEqual([
      '; internal BPF: 3 instructions (24 bytes)',
      '0: 18 01 00 00 01 00 00 00  r1 = 0x200000001 ll',
      '1: 00 00 00 00 02 00 00 00',
      '2: 95 00 00 00 00 00 00 00  exit',
      '',
    ]);
  });

  it('says in its header and footer when a project helper makes the program unloadable', () => {
    const t = translateClassic([anc(SKF_AD.NLATTR), anc(SKF_AD.PAY_OFFSET), RET_A]);
    const lines = formatListing(t.insns).trimEnd().split('\n');
    expect(lines[1]).toMatch(/^; NOT LOADABLE INTO LINUX: calls project helpers cbpf_nlattr#65536, cbpf_pay_offset#65539/);
    expect(lines.at(-1)).toBe(lines[1]);
    expect(projectHelpersOf(t.insns)).toEqual(t.projectHelpers);
    const loadable = translateClassic([anc(SKF_AD.RANDOM), RET_A]);
    expect(formatListing(loadable.insns)).not.toMatch(/LOADABLE/);
    expect(notLoadableReason(loadable.insns)).toBeUndefined();
  });

  it('annotates each group with the classic instruction it came from', () => {
    fc.assert(fc.property(arbClassicProgram({ maxLength: 32 }), (prog) => {
      const t = translateClassic(prog);
      const text = formatListing(t.insns, annotationOf(prog, t));
      const notes = text.split('\n').filter((l) => /^\s+; /.test(l)).map((l) => l.trim().slice(2));
      const groups = [...new Set(Array.from(t.origin))];
      expect(notes).toEqual(groups.map((pc) => (pc < 0 ? notes[0] : `${pc}: ${classicText(prog[pc]!, pc)}`)));
      expect(notes[0]).toMatch(/^prologue/);
    }), { numRuns: runs(100) });
  });
});

describe('hex and json', () => {
  it('hex holds one little-endian record per line', () => {
    const hex = formatHex(EVERY_FORM);
    const lines = hex.trimEnd().split('\n');
    expect(lines.length).toBe(EVERY_FORM.length);
    expect(lines.every((l) => /^[0-9a-f]{16}$/.test(l))).toBe(true);
    expect(Buffer.from(lines.join(''), 'hex')).toEqual(Buffer.from(encodeProgram(EVERY_FORM)));
  });

  it('json holds the fields, the text, the origin and loadability', () => {
    const prog = [anc(SKF_AD.HATYPE), RET_A];
    const t = translateClassic(prog);
    const doc = JSON.parse(formatJson(t.insns, annotationOf(prog, t))) as {
      loadable: boolean; projectHelpers: number[];
      insns: Array<{
        index: number; code: number; dst: number; src: number; off: number; imm: number; text: string;
        classic: number; classicText?: string;
      }>;
    };
    expect(doc.loadable).toBe(false);
    expect(doc.projectHelpers).toEqual([0x10002]);
    expect(doc.insns.map(({ code, dst, src, off, imm }) => bpfInsn(code, dst, src, off, imm))).toEqual(t.insns);
    expect(doc.insns.map((x) => x.text)).toEqual(disassemble(t.insns));
    expect(doc.insns.map((x) => x.classic)).toEqual(Array.from(t.origin));
    expect(doc.insns[3]!.classicText).toBe('ld [hatype]');
    const plain = JSON.parse(formatJson(EVERY_FORM)) as { loadable: boolean; insns: Array<{ classic?: number }> };
    expect(plain.loadable).toBe(false);
    expect(plain.insns[0]!.classic).toBeUndefined();
  });
});

const ccMissing = spawnSync('cc', ['--version']).status === 0 ? undefined : 'cc not found';
if (ccMissing) console.warn(`C output compile test skipped: ${ccMissing}`);

describe.skipIf(!!ccMissing)(`C output${ccMissing ? ` (skipped: ${ccMissing})` : ''}`, () => {
  const macros = fileURLToPath(new URL('../native/', import.meta.url));

  /** Compiles each C initialiser in a program that writes the array's bytes; returns them. */
  function compileAll(sources: string[]): Buffer[] {
    const dir = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-c-'));
    try {
      // Each array is local, as in the kernel's samples: the macros build compound literals.
      const body = sources.map((src, n) => `static void emit${n}(void) {\n${src}\n` +
        '  unsigned size = sizeof(prog);\n  fwrite(&size, 4, 1, stdout);\n  fwrite(prog, sizeof(prog), 1, stdout);\n}\n').join('\n');
      const main = `int main(void) {\n${sources.map((_, n) => `  emit${n}();`).join('\n')}\n  return 0;\n}\n`;
      writeFileSync(join(dir, 'out.c'), `#include <stdio.h>\n#include "bpf_insn_macros.h"\n${body}\n${main}`);
      execFileSync('cc', ['-std=gnu11', '-Wall', '-Werror', '-I', macros, '-o', join(dir, 'out'), join(dir, 'out.c')], { stdio: 'pipe' });
      const out = execFileSync(join(dir, 'out'), { maxBuffer: 1 << 28 });
      const parts: Buffer[] = [];
      for (let at = 0; at < out.length;) {
        const size = out.readUInt32LE(at);
        parts.push(out.subarray(at + 4, at + 4 + size));
        at += 4 + size;
      }
      return parts;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('compiles with the kernel macros into the same bytes', () => {
    const progs: Insn[][] = [EVERY_FORM, ...fc.sample(arbClassicProgram({ maxLength: 40 }), 60).map((p) => translateClassic(p).insns)];
    const sources = progs.map((p) => formatC(p));
    const bytes = compileAll(sources);
    bytes.forEach((b, n) => expect(b.toString('hex'), sources[n]).toBe(Buffer.from(encodeProgram(progs[n]!)).toString('hex')));
  });

  it('uses the named macros for translated code and warns about project helpers', () => {
    const prog = [anc(SKF_AD.NLATTR), insn(0x28, 0, 0, 12), insn(0x15, 0, 1, 0x800), RET_A, insn(0x06, 0, 0, 0)];
    const c = formatC(translateClassic(prog).insns, annotationOf(prog, translateClassic(prog)));
    expect(c).toMatch(/NOT LOADABLE INTO LINUX/);
    for (const m of ['BPF_MOV64_REG(BPF_REG_6, BPF_REG_1)', 'BPF_MOV32_IMM(BPF_REG_0, 0)', 'BPF_EMIT_CALL(65536', 'BPF_LD_ABS(BPF_H, 12)',
      'BPF_JMP_IMM(BPF_JNE, BPF_REG_0, 0x800, 1)', 'BPF_EXIT_INSN()', '/* 0: ld [nla] */']) expect(c).toContain(m);
    expect(formatC(translateClassic([anc(SKF_AD.RANDOM), RET_A]).insns)).toContain('BPF_EMIT_CALL(BPF_FUNC_get_prandom_u32)');
  });
});
