/**
 * The exhaustive analysis against the reference classic interpreter (every input falls in
 * exactly one explored path, and that path returns what the interpreter returns), against
 * the rules of the libseccomp fixtures, and its warnings on filters built to have (or not
 * have) each mistake.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkClassic } from '../../src/classic/check.js';
import { type ClassicInsn, insn } from '../../src/classic/insn.js';
import { runClassic } from '../../src/classic/interp.js';
import { formatAction, parseAction } from '../../src/seccomp/actions.js';
import { archByName } from '../../src/seccomp/arch.js';
import { formatSummary, outcomeText, summarizeSeccomp, syscallOutcome } from '../../src/seccomp/analyze.js';
import { buildSeccompData } from '../../src/seccomp/data.js';
import { pointDomain } from '../../src/seccomp/domain.js';
import { WORD_ARCH, WORD_NR, exploreSeccomp, inputWords, matchingVerdicts, verdictFor } from '../../src/seccomp/explore.js';
import { resolveSyscall, syscallTable } from '../../src/seccomp/syscalls/index.js';
import { arbArg, arbSeccompFilter } from './arbitrary.js';
import { loadFixtures } from './fixtures.js';
import { runs } from '../runs.js';

const fixtures = loadFixtures();

function reference(prog: readonly ClassicInsn[], data: Uint8Array): number {
  return runClassic(prog, { pkt: new Uint8Array(0) }, { semantics: 'linux', seccomp: data }).ret;
}

/** The verdict whose region holds the input (at most one explicit region may), and its value. */
function answer(x: ReturnType<typeof exploreSeccomp>, words: Uint32Array): number {
  const explicit = matchingVerdicts(x, words);
  const rest = x.verdicts.filter((v) => v.boxes === null).length;
  expect(rest, 'at most one verdict kept as the rest').toBeLessThanOrEqual(1);
  expect(explicit, 'one region holds an input, or none when the rest does').toBe(rest === 0 ? 1 : explicit);
  expect(explicit).toBeLessThanOrEqual(1);
  const hit = verdictFor(x, words);
  expect(hit, 'some verdict holds every input').toBeDefined();
  return hit!.value;
}

describe('exploration agrees with the reference interpreter', () => {
  it('random filters, random inputs: one region holds the input, and its verdict is what the interpreter returns', () => {
    fc.assert(fc.property(arbSeccompFilter(), fc.nat(), fc.array(arbArg(), { minLength: 6, maxLength: 6 }), fc.boolean(),
      ({ arch, prog }, pick, args, foreign) => {
        const numbers = [...syscallTable(arch).byName.values()];
        const nr = pick % 5 === 0 ? pick : numbers[pick % numbers.length]!;
        const input = {
          arch, syscall: nr, args: arch.bits === 32 ? args.map((a) => a & 0xffffffffn) : args,
          ...(foreign ? { auditArch: 0x12345678 } : {}),
        };
        const data = buildSeccompData(input);
        const words = inputWords(data);
        const expected = reference(prog, data);
        expect(answer(exploreSeccomp(prog), words)).toBe(expected);
        if (!foreign) {
          const fixed = new Map([[WORD_ARCH, pointDomain(arch.audit)], [WORD_NR, pointDomain(nr)]]);
          expect(answer(exploreSeccomp(prog, { words: fixed }), words)).toBe(expected);
        }
      }), { numRuns: runs(500) });
  });

  it('splits on comparisons between two input words and on division by X', () => {
    // A = args[0]; X = args[1]; if (A > X) ERRNO(1); A /= X; if (A == 3) ERRNO(2); ALLOW
    const filter = [
      insn(0x20, 0, 0, 24), // A = args[1]
      insn(0x07, 0, 0, 0), // X = A
      insn(0x20, 0, 0, 16), // A = args[0]
      insn(0x2d, 0, 1, 0), // if (A > X) goto 4
      insn(0x06, 0, 0, 0x00050001),
      insn(0x3c, 0, 0, 0), // A /= X
      insn(0x15, 0, 1, 3), // if (A == 3)
      insn(0x06, 0, 0, 0x00050002),
      insn(0x06, 0, 0, 0x7fff0000),
    ];
    checkClassic(filter, { profile: 'seccomp' });
    const x = exploreSeccomp(filter);
    for (const [a0, a1] of [[5n, 1n], [0n, 0n], [9n, 3n], [3n, 1n], [7n, 9n], [6n, 2n]] as const) {
      const data = buildSeccompData({ arch: 'x86_64', syscall: 0, args: [a0, a1] });
      expect(answer(x, inputWords(data)), `${a0} ${a1}`).toBe(reference(filter, data));
    }
    const o = syscallOutcome(filter, 'x86_64', 0);
    expect(o.depends).toEqual(['args']);
  });
});

describe('libseccomp fixtures', () => {
  for (const fx of fixtures) {
    it(`${fx.name}: the analysis gives every rule's case the rule's action`, () => {
      for (const c of fx.cases) {
        const arch = archByName(c.arch);
        const nr = resolveSyscall(arch, c.syscall);
        const x = exploreSeccomp(fx.prog, { words: new Map([[WORD_ARCH, pointDomain(arch.audit)], [WORD_NR, pointDomain(nr)]]) });
        const words = inputWords(buildSeccompData({ arch, syscall: nr, args: c.args }));
        expect(formatAction(answer(x, words)), `${c.arch} ${c.syscall}(${c.args.join(', ')})`).toBe(formatAction(parseAction(c.expect)));
      }
    });

    it(`${fx.name}: summary for each arch: named syscalls get their rules, the rest the default`, () => {
      for (const archName of fx.arches) {
        const s = summarizeSeccomp(fx.prog, { arch: archName });
        const byName = new Map(s.syscalls.map((x) => [x.name, x]));
        const ruled = new Set(fx.rules.filter((r) => !r.arches || r.arches.includes(archName)).map((r) => r.syscall));
        for (const x of s.syscalls) {
          if (ruled.has(x.name)) continue;
          expect(outcomeText(x.outcome), `${archName} ${x.name}`).toBe(formatAction(parseAction(fx.default)));
        }
        for (const r of fx.rules) {
          if (r.arches && !r.arches.includes(archName)) continue;
          const o = byName.get(r.syscall)!.outcome;
          if (r.args.length === 0) expect(outcomeText(o), r.syscall).toBe(formatAction(parseAction(r.action)));
          else expect(o.depends, r.syscall).toContain('args');
        }
        expect(s.numbers.otherwise.text).toBe(formatAction(parseAction(fx.default)));
        expect(s.otherArches.otherwise.text).toBe(formatAction(parseAction(fx.badarch)));
        // Every case of another arch is one of the filter's own arches.
        for (const c of s.otherArches.cases) expect(fx.arches.map((a) => archByName(a).audit)).toContain(c.arch);
        // libseccomp's filters check the arch first and reach every instruction.
        expect(s.warnings.filter((w) => w.kind === 'no-arch-check' || w.kind === 'unreachable' || w.kind === 'x32-bypass')).toEqual([]);
        expect(s.warnings.some((w) => w.kind === 'default-allow')).toBe(fx.default === 'ALLOW');
      }
    });
  }

  it('prints argument conditions as expressions', () => {
    const fx = fixtures.find((f) => f.name === 'x86_64-args')!;
    const s = summarizeSeccomp(fx.prog, { arch: 'x86_64' });
    const text = (name: string): string => outcomeText(s.syscalls.find((x) => x.name === name)!.outcome);
    expect(text('getpid')).toBe('args[0] == 0x1 -> ERRNO(1); otherwise ALLOW');
    expect(text('getppid')).toBe('args[0] == 0x100000002 -> ERRNO(2); otherwise ALLOW');
    expect(text('ioctl')).toBe('((u32)args[1] & 0xffffff00) == 0x5400 -> ERRNO(25); otherwise ALLOW');
    expect(text('read')).toBe('ALLOW');
    const summary = formatSummary(s, { view: 'syscall' });
    expect(summary).toMatch(/^ {2}getpid +39 {2}args\[0\] == 0x1 -> ERRNO\(1\); otherwise ALLOW$/m);
    expect(summary).toMatch(/^x32 \(nr \| 0x40000000\): KILL_PROCESS/m);
  });

  it('is fast on a filter of hundreds of instructions', () => {
    const fx = fixtures.find((f) => f.name === 'x86_64-large')!;
    expect(fx.prog.length).toBeGreaterThan(300);
    const t0 = performance.now();
    const s = summarizeSeccomp(fx.prog, { arch: 'x86_64' });
    const ms = performance.now() - t0;
    expect(s.syscalls.length).toBeGreaterThan(350);
    expect(ms).toBeLessThan(10_000);
  });
});

describe('warnings', () => {
  const ALLOW = 0x7fff0000;
  const KILL = 0x80000000;
  const kinds = (prog: ClassicInsn[], arch = 'x86_64'): string[] => {
    checkClassic(prog, { profile: 'seccomp' });
    // The structural warnings (the audit's own have their tests in audit.test.ts).
    const structural = ['no-arch-check', 'x32-bypass', 'unreachable', 'default-allow'];
    return summarizeSeccomp(prog, { arch }).warnings.map((w) => w.kind).filter((k) => structural.includes(k));
  };

  it('no arch check before the syscall number', () => {
    const prog = [insn(0x20, 0, 0, 0), insn(0x15, 0, 1, 59), insn(0x06, 0, 0, KILL), insn(0x06, 0, 0, ALLOW)];
    const s = summarizeSeccomp(prog, { arch: 'x86_64' });
    const w = s.warnings.find((x) => x.kind === 'no-arch-check')!;
    expect(w.pcs).toEqual([1]);
    expect(w.message).toMatch(/^line 0001 compares the syscall number before any check of arch/);
  });

  it('x32 bypass: a deny-list that checks the arch but not nr >= 0x40000000', () => {
    const prog = [
      insn(0x20, 0, 0, 4), insn(0x15, 1, 0, 0xc000003e), insn(0x06, 0, 0, KILL),
      insn(0x20, 0, 0, 0), insn(0x15, 0, 1, 59), insn(0x06, 0, 0, KILL), insn(0x15, 0, 1, 101), insn(0x06, 0, 0, KILL),
      insn(0x06, 0, 0, ALLOW),
    ];
    const s = summarizeSeccomp(prog, { arch: 'x86_64' });
    const w = s.warnings.find((x) => x.kind === 'x32-bypass')!;
    expect(w.syscalls).toEqual(['execve', 'ptrace']);
    expect(w.message).toMatch(/x32 bypass: execve, ptrace are refused as x86_64 calls but allowed as x32 calls/);
    expect(kinds(prog)).toEqual(['x32-bypass', 'default-allow']);
    // The same filter with the x32 guard libseccomp emits: no bypass.
    const guarded = [
      insn(0x20, 0, 0, 4), insn(0x15, 1, 0, 0xc000003e), insn(0x06, 0, 0, KILL),
      insn(0x20, 0, 0, 0), insn(0x35, 0, 1, 0x40000000), insn(0x06, 0, 0, KILL),
      insn(0x15, 0, 1, 59), insn(0x06, 0, 0, KILL), insn(0x06, 0, 0, ALLOW),
    ];
    expect(kinds(guarded)).toEqual(['default-allow']);
  });

  it('unreachable instructions, including ones only an impossible path leads to', () => {
    const prog = [
      insn(0x20, 0, 0, 4), insn(0x15, 0, 5, 0xc00000b7), insn(0x20, 0, 0, 0),
      insn(0x15, 0, 2, 63), // if (A == read)
      insn(0x15, 0, 1, 64), // if (A == write): never true when A == read
      insn(0x06, 0, 0, 0x00050001),
      insn(0x06, 0, 0, ALLOW), insn(0x06, 0, 0, KILL),
    ];
    const s = summarizeSeccomp(prog, { arch: 'aarch64' });
    expect(s.unreachable).toEqual([5]);
    expect(s.warnings.map((w) => w.message)).toContain('line 0005 is unreachable: no input gets there');
  });

  it('a lone ret nothing leads to is filler, not an unreachable rule', () => {
    const prog = [
      insn(0x20, 0, 0, 4), insn(0x15, 0, 2, 0xc000003e), insn(0x20, 0, 0, 0), insn(0x06, 0, 0, ALLOW),
      insn(0x06, 0, 0, KILL), insn(0x06, 0, 0, 0),
    ];
    const s = summarizeSeccomp(prog, { arch: 'x86_64' });
    expect(s.unreachable).toEqual([5]);
    expect(s.warnings.map((w) => w.kind)).not.toContain('unreachable');
    // A dead comparison is reported, with the ret only it leads to.
    const dead = [
      insn(0x20, 0, 0, 4), insn(0x15, 0, 4, 0xc000003e), insn(0x06, 0, 0, ALLOW),
      insn(0x20, 0, 0, 0), insn(0x15, 0, 1, 1), insn(0x06, 0, 0, 0), insn(0x06, 0, 0, KILL),
    ];
    expect(summarizeSeccomp(dead, { arch: 'x86_64' }).warnings.find((w) => w.kind === 'unreachable')!.pcs).toEqual([3, 4, 5]);
  });

  it('a default of ALLOW', () => {
    const prog = [insn(0x20, 0, 0, 4), insn(0x15, 1, 0, 0xc000003e), insn(0x06, 0, 0, KILL), insn(0x06, 0, 0, ALLOW)];
    const s = summarizeSeccomp(prog, { arch: 'x86_64' });
    expect(s.warnings.find((w) => w.kind === 'default-allow')!.message).toMatch(/^the default action is ALLOW \(line 0003\)/);
  });
});
