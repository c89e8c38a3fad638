/**
 * The bpf_conformance suite (../shared/conformance/bpf_conformance) on the JIT: every
 * tests/*.data must give its `-- result`, every negative/*.data must be refused, and the
 * JIT must agree with the interpreter on each file's outcome, word for word (faults
 * included). Skips with a message when the suite is not beside the repository.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dataFiles, negativeRefused, runConformanceFile, type EngineFactory } from '../../src/vm/conformance.js';
import { JitEngine } from '../../src/vm/jit/index.js';

const suite = fileURLToPath(new URL('../../../shared/conformance/bpf_conformance', import.meta.url));
const missing = existsSync(join(suite, 'tests')) ? undefined : `no bpf_conformance suite at ${suite}`;
if (missing) console.warn(`JIT conformance tests skipped: ${missing}`);

let built = 0;
const jit: EngineFactory = (prog, opts) => {
  const e = new JitEngine(prog, opts);
  built++;
  return e;
};

describe.skipIf(missing !== undefined)(`bpf_conformance tests/ on the JIT${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const files = missing ? [] : dataFiles(join(suite, 'tests'));
  it('has the whole suite', () => expect(files.length).toBe(313));
  for (const f of files) {
    it(basename(f), () => {
      const before = built;
      const o = runConformanceFile(f, { engine: jit });
      expect(o.detail).not.toMatch(/^(assembly|load|run):/);
      expect(o.status, o.detail).toBe('pass');
      expect(runConformanceFile(f)).toEqual(o);
      // Programs that load ran on the JIT (those meant to be refused never reach an engine).
      if (o.r0 !== undefined) expect(built).toBe(before + 1);
    });
  }
});

describe.skipIf(missing !== undefined)(`bpf_conformance negative/ on the JIT${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const files = missing ? [] : dataFiles(join(suite, 'negative'));
  for (const f of files) {
    it(`refuses ${basename(f)}`, () => {
      const o = runConformanceFile(f, { engine: jit });
      expect(negativeRefused(o), o.detail).toBe(true);
      expect(runConformanceFile(f)).toEqual(o);
    });
  }
});
