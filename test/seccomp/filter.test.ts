/**
 * Loading and evaluating seccomp filters through the whole pipeline (decoder, seccomp
 * checker, translator, VM): verdicts on the libseccomp fixtures match the rules that built
 * them; the VM agrees with the reference classic interpreter on random filters and inputs;
 * the returning line, traces, stacking and the input forms.
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatComma, formatDdd, encodeClassicRaw } from '../../src/classic/encode.js';
import { insn } from '../../src/classic/insn.js';
import { runClassic } from '../../src/classic/interp.js';
import { CheckError, DecodeError, InputError, UsageError } from '../../src/errors.js';
import { formatAction, parseAction } from '../../src/seccomp/actions.js';
import { buildSeccompData } from '../../src/seccomp/data.js';
import { disassembleSeccomp } from '../../src/seccomp/disasm.js';
import { evaluateStack, formatTrace, loadSeccompFilter } from '../../src/seccomp/filter.js';
import { syscallTable } from '../../src/seccomp/syscalls/index.js';
import { arbArg, arbSeccompFilter } from './arbitrary.js';
import { loadFixtures } from './fixtures.js';
import { runs } from '../runs.js';

const fixtures = loadFixtures();
const ALLOW = 0x7fff0000;
const KILL_PROCESS = 0x80000000;

describe('libseccomp fixtures: verdicts match the rules that built them', () => {
  for (const fx of fixtures) {
    it(`${fx.name} (${fx.cases.length} cases)`, () => {
      const filter = loadSeccompFilter(fx.path);
      expect(filter.endian).toBe(fx.endian);
      expect(filter.prog).toEqual(fx.prog);
      for (const c of fx.cases) {
        const r = filter.evaluate({ arch: c.arch, syscall: c.syscall, args: c.args });
        const what = `${c.arch} ${c.syscall}(${c.args.join(', ')})`;
        expect(r.text, what).toBe(formatAction(parseAction(c.expect)));
        expect(r.value, what).toBe(parseAction(c.expect));
        expect(fx.prog[r.pc]!.code & 0x07, `${what}: pc ${r.pc} is a ret`).toBe(0x06);
        expect(fx.prog[r.pc]!.k, what).toBe(r.value);
      }
    });
  }
});

describe('the VM agrees with the reference classic interpreter', () => {
  it('random filters and syscalls: same value, and the pc is the RET that returned it', () => {
    fc.assert(fc.property(arbSeccompFilter(), fc.nat(), fc.array(arbArg(), { minLength: 6, maxLength: 6 }), arbArg(),
      ({ arch, prog }, pick, args, ip) => {
        const filter = loadSeccompFilter(prog, { arch });
        const numbers = [...syscallTable(arch).byName.values()];
        const query = {
          syscall: numbers[pick % numbers.length]!,
          args: arch.bits === 32 ? args.map((a) => a & 0xffffffffn) : args,
          ip: arch.bits === 32 ? ip & 0xffffffffn : ip,
        };
        const data = buildSeccompData({ arch, ...query });
        const ref = runClassic(prog, { pkt: new Uint8Array(0) }, { semantics: 'linux', seccomp: data });
        const r = filter.evaluate(query);
        expect(r.value).toBe(ref.ret);
        expect(r.pc).toBe(ref.pc);
        const t = filter.trace(query);
        expect(t.result).toEqual(r);
        expect(t.steps[t.steps.length - 1]!.pc).toBe(r.pc);
        expect(t.steps[0]!.pc).toBe(0);
      }), { numRuns: runs(300) });
  });
});

describe('results', () => {
  it('decodes actions, caps ERRNO at 4095, treats unknown actions as KILL_PROCESS', () => {
    const f = (k: number) => loadSeccompFilter([insn(0x06, 0, 0, k)]).evaluate({ arch: 'x86_64', syscall: 'read' });
    expect(f(0x00050000 | 5000)).toMatchObject({ action: 'ERRNO', data: 5000, errno: 4095, known: true, text: 'ERRNO(5000)', pc: 0 });
    expect(f(0x7ff00007)).toMatchObject({ action: 'TRACE', data: 7, text: 'TRACE(7)' });
    expect(f(0)).toMatchObject({ action: 'KILL_THREAD', text: 'KILL' });
    expect(f(0x12340005)).toMatchObject({ action: 'KILL_PROCESS', data: 5, known: false, value: 0x12340005, text: '0x12340005' });
    expect(f(0x00030001)).toMatchObject({ action: 'TRAP', data: 1, text: 'TRAP(1)' });
  });

  it('reports the division that ended a filter on X == 0', () => {
    // A = args[0]; X = A; A = 7; A /= X; return ALLOW
    const prog = [insn(0x20, 0, 0, 16), insn(0x07, 0, 0, 0), insn(0x00, 0, 0, 7), insn(0x3c, 0, 0, 0), insn(0x06, 0, 0, ALLOW)];
    const filter = loadSeccompFilter(prog);
    expect(filter.evaluate({ arch: 'x86_64', syscall: 0, args: [0] })).toMatchObject({ value: 0, pc: 3, action: 'KILL_THREAD' });
    expect(filter.evaluate({ arch: 'x86_64', syscall: 0, args: [7] })).toMatchObject({ value: ALLOW, pc: 4 });
  });

  it('stacks filters with the kernel precedence: lowest action wins, ties to the newest', () => {
    const ret = (k: number) => loadSeccompFilter([insn(0x06, 0, 0, k)]);
    const q = { arch: 'x86_64', syscall: 'getpid' };
    const errno1 = ret(0x00050001), errno2 = ret(0x00050002), trap = ret(0x00030000), allow = ret(ALLOW), log = ret(0x7ffc0000);
    expect(evaluateStack([errno1, errno2], q)).toMatchObject({ value: 0x00050002, filter: 1 });
    expect(evaluateStack([errno2, errno1], q)).toMatchObject({ value: 0x00050001, filter: 1 });
    expect(evaluateStack([trap, errno1, allow], q)).toMatchObject({ action: 'TRAP', filter: 0 });
    expect(evaluateStack([allow, log], q)).toMatchObject({ action: 'LOG', filter: 1 });
    expect(evaluateStack([allow, ret(ALLOW | 5)], q)).toMatchObject({ value: ALLOW, filter: -1 });
    expect(evaluateStack([ret(KILL_PROCESS), ret(0)], q)).toMatchObject({ action: 'KILL_PROCESS', filter: 0 });
    // (s32): an unknown action below ALLOW beats it; KILL_PROCESS (negative) beats everything.
    expect(evaluateStack([allow, ret(0x7ffe0000)], q)).toMatchObject({ action: 'KILL_PROCESS', known: false, filter: 1 });
  });

  it('refuses a chain the kernel would refuse', () => {
    const big = loadSeccompFilter(Array.from({ length: 4096 }, (_, n) => insn(0x06, 0, 0, n === 4095 ? ALLOW : ALLOW)));
    expect(() => evaluateStack(Array.from({ length: 9 }, () => big), { arch: 'x86_64', syscall: 0 })).toThrow(CheckError);
  });

  it('traces the path with the values it saw', () => {
    const fx = fixtures.find((f) => f.name === 'x86_64-allowlist')!;
    const filter = loadSeccompFilter(fx.path);
    const t = filter.trace({ arch: 'x86_64', syscall: 'execve' });
    const text = formatTrace(t);
    expect(text.split('\n')[0]).toMatch(/^ 0000: A = arch +# A = 0xc000003e \(ARCH_X86_64\)$/);
    expect(text).toMatch(/^ 0002: A = sys_number +# A = 0x3b \(execve\)$/m);
    expect(text).toMatch(/# => KILL_PROCESS$/);
    expect(t.result.action).toBe('KILL_PROCESS');
  });
});

describe('loading', () => {
  const fx = fixtures.find((f) => f.name === 'multiarch')!;
  const q = { arch: 'i386', syscall: 'getppid', args: [7] };

  it('reads every input form to the same filter', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cbpf-seccomp-'));
    const forms: Record<string, string | Uint8Array> = {
      raw: fx.bytes,
      ddd: formatDdd(fx.prog),
      comma: formatComma(fx.prog),
      asm: disassembleSeccomp(fx.prog),
    };
    for (const [name, content] of Object.entries(forms)) {
      const path = join(dir, name);
      writeFileSync(path, content);
      const filter = loadSeccompFilter(path);
      expect(filter.prog, name).toEqual(fx.prog);
      expect(filter.evaluate(q).text, name).toBe('ERRNO(1)');
      expect(loadSeccompFilter(readFileSync(path)).prog, name).toEqual(fx.prog);
    }
  });

  it('tells big-endian records (libseccomp on s390x) by the checker, or as told', () => {
    const s390 = fixtures.find((f) => f.name === 's390x')!;
    expect(loadSeccompFilter(s390.bytes).endian).toBe('big');
    expect(loadSeccompFilter(encodeClassicRaw(s390.prog, 'little')).endian).toBe('little');
    expect(() => loadSeccompFilter(s390.bytes, { endian: 'little' })).toThrow(CheckError);
  });

  it('defaults the arch to the first one the filter checks', () => {
    expect(loadSeccompFilter(fx.path).arch.name).toBe('x86_64');
    expect(loadSeccompFilter(fixtures.find((f) => f.name === 'aarch64')!.path).arch.name).toBe('aarch64');
    expect(loadSeccompFilter(fixtures.find((f) => f.name === 'aarch64')!.path).evaluate({ syscall: 'read' }).text).toBe('ALLOW');
  });

  it('reports bad input with the typed errors', () => {
    expect(() => loadSeccompFilter('/nonexistent/filter.bpf')).toThrow(InputError);
    expect(() => loadSeccompFilter(new Uint8Array([1, 2, 3]))).toThrow(DecodeError);
    // ld [1] is not an aligned word of seccomp_data: the seccomp checker's rule.
    const bad = encodeClassicRaw([insn(0x20, 0, 0, 1), insn(0x06, 0, 0, ALLOW)]);
    let err: unknown;
    try { loadSeccompFilter(bad); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(CheckError);
    expect((err as CheckError).rule).toBe('seccomp-load');
    const filter = loadSeccompFilter(fx.path);
    expect(() => filter.evaluate({ arch: 'aarch64', syscall: 'open' })).toThrow(UsageError);
    expect(() => filter.evaluate({ arch: 'i386', syscall: 'read', args: [2n ** 32n] })).toThrow(/does not fit a 32-bit register/);
    expect(() => filter.evaluate({ arch: 'x86_64', syscall: 'read', args: [1, 2, 3, 4, 5, 6, 7] })).toThrow(UsageError);
  });
});
