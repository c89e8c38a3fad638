/**
 * explain: the decisive comparisons of a query's path (those whose other branch, for inputs
 * that differ only in what they compare, gives another verdict), and the rules behind them
 * from a filter's provenance.
 */
import { describe, expect, it } from 'vitest';
import { insn } from '../../src/classic/insn.js';
import { SeccompFilter, formatExplanation, loadSeccompFilter } from '../../src/seccomp/filter.js';
import { loadFixtures } from './fixtures.js';

const ALLOW = 0x7fff0000;
const KILL = 0x80000000;
const EPERM = 0x00050001;

// arch check; nr: ptrace -> KILL, ioctl -> args[1] == 0x5401 -> ALLOW, else EPERM; read -> ALLOW; rest EPERM.
const prog = [
  insn(0x20, 0, 0, 4), insn(0x15, 1, 0, 0xc000003e), insn(0x06, 0, 0, KILL), // 0-2
  insn(0x20, 0, 0, 0), insn(0x15, 0, 1, 101), insn(0x06, 0, 0, KILL), // 3-5
  insn(0x15, 0, 2, 16), insn(0x20, 0, 0, 24), insn(0x15, 2, 3, 0x5401), // 6-8
  insn(0x15, 1, 0, 0), insn(0x06, 0, 0, EPERM), insn(0x06, 0, 0, ALLOW), insn(0x06, 0, 0, EPERM), // 9-12
];
const provenance = [
  'arch', 'arch', 'arch: KILL', undefined, 'ptrace', 'ptrace: KILL', 'ioctl', 'ioctl args[1]', 'ioctl args[1] == 0x5401',
  'read', 'default: EPERM', 'allow', 'ioctl: EPERM',
];

describe('explain', () => {
  const filter = new SeccompFilter(prog, { provenance });

  it('keeps the provenance it was given, one entry per instruction', () => {
    expect(filter.provenance).toEqual(provenance);
    expect(() => new SeccompFilter(prog, { provenance: ['x'] })).toThrow(/one entry per instruction \(13\)/);
    expect(new SeccompFilter(prog).provenance).toBeUndefined();
  });

  it('names the decisive comparisons and their rules', () => {
    const e = filter.explain({ arch: 'x86_64', syscall: 'ioctl', args: [1, 0x5401] });
    expect(e.result.text).toBe('ALLOW');
    expect(e.rule).toBe('allow');
    expect(e.decisive.map((d) => [d.pc, d.condition, d.rule])).toEqual([
      [1, 'arch == ARCH_X86_64', 'arch'],
      [4, 'nr != ptrace', 'ptrace'],
      [6, 'nr == ioctl', 'ioctl'],
      [8, '(u32)args[1] == 0x5401', 'ioctl args[1] == 0x5401'],
    ]);
    expect(e.decisive[3]).toMatchObject({ leftValue: 0x5401, rightValue: 0x5401, taken: true });
    expect(formatExplanation(e)).toContain('  0008: (u32)args[1] == 0x5401  (if (A == 0x5401) goto 0011 else goto 0012; 0x5401 vs 0x5401)  rule: ioctl args[1] == 0x5401\n');
  });

  it('leaves out comparisons whose other branch gives the same verdict', () => {
    // ptrace is KILL under x86_64 and KILL under any other arch: the arch check decides nothing.
    const e = filter.explain({ arch: 'x86_64', syscall: 'ptrace' });
    expect(e.result.text).toBe('KILL_PROCESS');
    expect(e.decisive.map((d) => d.pc)).toEqual([4]);
    // getpid: EPERM. With getpid's arguments, ioctl would be EPERM too: `nr != ioctl` decides nothing...
    const g = filter.explain({ arch: 'x86_64', syscall: 'getpid' });
    expect(g.decisive.map((d) => d.condition)).toEqual(['arch == ARCH_X86_64', 'nr != ptrace', 'nr != read']);
    expect(formatExplanation(g)).toContain('  0009: nr != read  (if (A == read) goto 0011; 0x27 vs 0x0)  rule: read\n');
    // ...but with args[1] == 0x5401 ioctl would be allowed: then it does.
    const h = filter.explain({ arch: 'x86_64', syscall: 'getpid', args: [0, 0x5401] });
    expect(h.decisive.map((d) => d.condition)).toEqual(['arch == ARCH_X86_64', 'nr != ptrace', 'nr != ioctl', 'nr != read']);
  });

  it('on libseccomp filters: the verdict is evaluate()\'s and every decisive comparison lies on the path', () => {
    for (const fx of loadFixtures()) {
      const f = loadSeccompFilter(fx.bytes, { endian: fx.endian });
      for (const c of fx.cases.slice(0, 20)) {
        const q = { arch: c.arch, syscall: c.syscall, args: c.args };
        const e = f.explain(q);
        expect(e.result.value, `${fx.name} ${c.syscall}`).toBe(f.evaluate(q).value);
        const path = new Set(f.trace(q).steps.map((s) => s.pc));
        for (const d of e.decisive) expect(path.has(d.pc)).toBe(true);
      }
    }
  }, 60_000);
});
