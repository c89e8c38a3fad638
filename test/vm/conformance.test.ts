/**
 * The bpf_conformance suite (../shared/conformance/bpf_conformance), one test case per file:
 * every tests/*.data must give its `-- result`, every negative/*.data must be refused.
 * Skips with a message when the suite is not beside the repository.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dataFiles, negativeRefused, parseDataFile, runConformanceFile, runConformanceTest } from '../../src/vm/conformance.js';

const suite = fileURLToPath(new URL('../../../shared/conformance/bpf_conformance', import.meta.url));
const missing = existsSync(join(suite, 'tests')) ? undefined : `no bpf_conformance suite at ${suite}`;
if (missing) console.warn(`conformance tests skipped: ${missing}`);

describe.skipIf(missing !== undefined)(`bpf_conformance tests/${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const files = missing ? [] : dataFiles(join(suite, 'tests'));
  it('has the whole suite', () => expect(files.length).toBe(313));
  for (const f of files) {
    it(basename(f), () => {
      const o = runConformanceFile(f);
      expect(o.detail).not.toMatch(/^(assembly|load|run):/);
      expect(o.status, o.detail).toBe('pass');
    });
  }
});

describe.skipIf(missing !== undefined)(`bpf_conformance negative/${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const files = missing ? [] : dataFiles(join(suite, 'negative'));
  it('has the negative files', () => expect(files.length).toBeGreaterThanOrEqual(60));
  for (const f of files) {
    it(`refuses ${basename(f)}`, () => {
      const o = runConformanceFile(f);
      expect(negativeRefused(o), o.detail).toBe(true);
    });
  }
});

describe('the .data format', () => {
  it('reads sections, comments, raw words and bytes, 64-bit results', () => {
    const t = parseDataFile('# c\n-- asm\nmov %r0, 1 # one\nexit\n-- mem\n01 02\n03\n-- result\n0x8000000000000001\n-- c\nint x--;\n');
    expect(t.asm).toContain('mov %r0, 1');
    expect([...t.mem]).toEqual([1, 2, 3]);
    expect(t.result).toEqual({ lo: 1, hi: -0x80000000 });
    expect(t.unusable).toBeUndefined();
    expect(parseDataFile('-- raw\nb7 00 00 00 05 00 00 00\n95 00 00 00 00 00 00 00\n-- result\n5').raw?.length).toBe(16);
    expect(parseDataFile('-- asm\nexit\n-- what\n').unusable).toMatch(/unknown directive '-- what'/);
    expect(parseDataFile('-- mem\nzz\n').unusable).toMatch(/not hex bytes/);
  });

  it('compares all 64 bits of R0 and checks expected errors', () => {
    const run = (text: string) => runConformanceTest(parseDataFile(text, 't'));
    expect(run('-- asm\nlddw %r0, 0x100000001\nexit\n-- result\n0x1').status).toBe('fail');
    expect(run('-- asm\nlddw %r0, 0x100000001\nexit\n-- result\n4294967297').status).toBe('pass');
    expect(run('-- asm\nldxb %r0, [%r1+5]\nexit\n-- mem\n00\n-- error\noutside the mem region').status).toBe('pass');
    expect(run('-- asm\nldxb %r0, [%r1+5]\nexit\n-- mem\n00\n-- result\n0x0')).toMatchObject({ status: 'refused', detail: expect.stringMatching(/^run: insn 0/) });
    expect(run('-- asm\nmov %r0, 0\nexit\n-- error\nInvalid').status).toBe('fail');
    expect(run('-- asm\n-- result\n0x0')).toMatchObject({ status: 'refused', detail: expect.stringMatching(/no instructions/) });
    // Helper 5 is the suite's unwind: R0 = R1, and 0 stops the program.
    expect(run('-- asm\nmov %r1, 0\ncall 5\nmov %r0, 2\nexit\n-- result\n0x0').status).toBe('pass');
  });
});
