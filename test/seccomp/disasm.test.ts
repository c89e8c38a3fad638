/**
 * The seccomp-tools–style disassembler and its assembler: every program reads back to
 * itself (libseccomp-generated fixtures, random seccomp programs, random arch-checked
 * filters), names follow the arch check in force, and bad text gets AsmError with its line.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { insn } from '../../src/classic/insn.js';
import { AsmError } from '../../src/errors.js';
import { archByName } from '../../src/seccomp/arch.js';
import { assembleSeccomp, assembleSeccompText, canonicalClassic } from '../../src/seccomp/asm.js';
import { disassembleSeccomp, seccompStatements } from '../../src/seccomp/disasm.js';
import { loadSeccompFilter } from '../../src/seccomp/filter.js';
import { arbClassicProgram } from '../classic/arbitrary.js';
import { FILTER_ARCHES, arbSeccompFilter } from './arbitrary.js';
import { loadFixtures } from './fixtures.js';
import { minimum, runs } from '../runs.js';

const fixtures = loadFixtures();

describe('libseccomp fixtures', () => {
  it('there are fixtures', () => expect(fixtures.length).toBeGreaterThanOrEqual(8));
  for (const fx of fixtures) {
    it(`${fx.name}: disasm reads back to the same program`, () => {
      const text = disassembleSeccomp(fx.prog);
      expect(assembleSeccomp(text)).toEqual(fx.prog);
      // Without the raw columns too: the pseudo-code alone carries everything.
      expect(assembleSeccomp(disassembleSeccomp(fx.prog, { raw: false, header: false }))).toEqual(fx.prog);
    });
    it(`${fx.name}: checks every arch by name and names its syscalls`, () => {
      const text = disassembleSeccomp(fx.prog);
      for (const arch of fx.arches) {
        if (arch === 'x32') continue;
        expect(text).toContain(archByName(arch).auditName);
      }
      for (const rule of fx.rules) {
        if (rule.arches && !rule.arches.includes(fx.arches[0]!)) continue;
        expect(text, rule.syscall).toMatch(new RegExp(`A [!=]= ${rule.syscall}\\)`));
      }
    });
  }

  it('prints the multi-arch filter as seccomp-tools does', () => {
    const fx = fixtures.find((f) => f.name === 'multiarch')!;
    const lines = disassembleSeccomp(fx.prog).split('\n');
    expect(lines[0]).toBe(' line  CODE  JT   JF      K');
    expect(lines[1]).toBe('=================================');
    expect(lines[2]).toBe(' 0000: 0x20 0x00 0x00 0x00000004  A = arch');
    expect(lines[3]).toMatch(/^ 0001: 0x15 0x00 0x[0-9a-f]{2} 0xc000003e {2}if \(A != ARCH_X86_64\) goto \d{4}$/);
    expect(lines[4]).toBe(' 0002: 0x20 0x00 0x00 0x00000000  A = sys_number');
    // i386's section names i386 numbers: 11 is execve there, 59 on x86_64.
    expect(lines.some((l) => / 0x0000000b {2}if \(A == execve\)/.test(l))).toBe(true);
    expect(lines.some((l) => / 0x0000003b {2}if \(A == execve\)/.test(l))).toBe(true);
    expect(lines.some((l) => /return ERRNO\(38\)$/.test(l))).toBe(true);
  });

  it('places the argument halves by the byte order of the arch in force', () => {
    const s390 = fixtures.find((f) => f.name === 's390x')!;
    const text = disassembleSeccomp(s390.prog);
    // libseccomp loads the high half of a big-endian u64 from the lower offset.
    expect(text).toMatch(/0x00000010 {2}A = args\[0\] >> 32/);
    expect(text).toMatch(/0x00000014 {2}A = args\[0\]$/m);
    const x86 = fixtures.find((f) => f.name === 'x86_64-args')!;
    expect(disassembleSeccomp(x86.prog)).toMatch(/0x00000014 {2}A = args\[0\] >> 32/);
  });
});

describe('round trip', () => {
  it('random seccomp-valid programs read back to themselves, with any fallback arch', () => {
    fc.assert(fc.property(arbClassicProgram({ profile: 'seccomp', maxLength: 40 }), fc.option(fc.constantFrom(...FILTER_ARCHES)), (prog, arch) => {
      const opts = arch ? { arch } : {};
      const text = disassembleSeccomp(prog, opts);
      expect(assembleSeccomp(text, opts)).toEqual(prog);
      // The pseudo-code alone gives the program with the ignored fields zeroed.
      expect(assembleSeccomp(disassembleSeccomp(prog, { ...opts, raw: false }), opts)).toEqual(prog.map(canonicalClassic));
    }), { numRuns: runs(400) });
  });

  it('random arch-checked filters read back to themselves and name their syscalls', () => {
    let named = 0;
    fc.assert(fc.property(arbSeccompFilter(), ({ prog }) => {
      const text = disassembleSeccomp(prog);
      if (/if \(A [!=<>]=? [a-z_]\w*\)/.test(text)) named++;
      expect(assembleSeccomp(text)).toEqual(prog);
    }), { numRuns: runs(400) });
    expect(named).toBeGreaterThanOrEqual(minimum(20));
  });

  it('reads every one of the 49 forms and unknown codes', () => {
    const prog = [
      insn(0x28, 0, 0, 12), insn(0x30, 0, 0, 3), insn(0x40, 0, 0, 4), insn(0x48, 0, 0, 2), insn(0x50, 0, 0, 1),
      insn(0xb1, 0, 0, 14), insn(0x94, 0, 0, 7), insn(0x9c, 0, 0, 0), insn(0x80, 0, 0, 0), insn(0x81, 0, 0, 0),
      insn(0x84, 0, 0, 0), insn(0x45, 0, 1, 0x10), insn(0x4d, 1, 0, 0), insn(0x3d, 1, 1, 0), insn(0x0e, 0, 0, 0),
      insn(0x20, 0, 0, 65), insn(0x20, 0, 0, 6), insn(0x06, 0, 0, 0x7ff80003), insn(0x06, 0, 0, 0x00030005),
      insn(0x16, 0, 0, 0),
    ];
    const statements = seccompStatements(prog);
    expect(statements).toEqual([
      'A = (u16)data[0xc]', 'A = (u8)data[0x3]', 'A = data[X + 0x4]', 'A = (u16)data[X + 0x2]', 'A = (u8)data[X + 0x1]',
      'X = 4 * (data[0xe] & 0xf)', 'A %= 0x7', 'A %= X', 'A = len', 'X = len',
      'A = -A', 'if (!(A & 0x10)) goto 0013', 'if (A & X) goto 0014', 'if (A >= X) goto 0015 else goto 0015',
      'insn 0x0e 0x00 0x00 0x00000000', 'A = data[0x41]', 'A = data[0x6]', 'return 0x7ff80003', 'return TRAP(5)', 'return A',
    ]);
    expect(assembleSeccomp(disassembleSeccomp(prog))).toEqual(prog);
  });
});

describe('assembler', () => {
  it('reads hand-written pseudo-code with comments and an arch for names', () => {
    const text = [
      '# allow read, refuse the rest',
      'A = arch',
      'if (A != ARCH_AARCH64) goto 0005   // other arches die',
      'A = sys_number',
      'if (A == read) goto 0004 else goto 0006',
      'return ALLOW',
      'return KILL_PROCESS',
      'return ERRNO(EACCES)',
    ].join('\n');
    expect(assembleSeccomp(text)).toEqual([
      insn(0x20, 0, 0, 4), insn(0x15, 0, 3, 0xc00000b7), insn(0x20, 0, 0, 0), insn(0x15, 0, 2, 63),
      insn(0x06, 0, 0, 0x7fff0000), insn(0x06, 0, 0, 0x80000000), insn(0x06, 0, 0, 0x0005000d),
    ]);
    expect(assembleSeccomp('A = sys_number\nif (A == execve) goto 0003\nreturn ALLOW\nreturn KILL', { arch: 'i386' })[1]!.k).toBe(11);
  });

  it('reads labels: `goto ok` ... `ok: return ALLOW`, a label alone on its line names the next instruction', () => {
    const labelled = [
      'A = arch',
      'if (A != ARCH_X86_64) goto kill',
      'A = sys_number',
      'if (A == open) goto deny',
      'if (A == execve) goto deny else goto check_kill',
      'check_kill: if (A != kill) goto ok',
      '  A = args[1]          # the signal',
      '  if (A & 0x80) goto deny',
      'ok:',
      '  return ALLOW',
      'deny: return ERRNO(EPERM)',
      'kill: die.now: return KILL_PROCESS   # two labels on one instruction',
    ].join('\n');
    const numbered = [
      'A = arch', 'if (A != ARCH_X86_64) goto 0010', 'A = sys_number', 'if (A == open) goto 0009',
      'if (A == execve) goto 0009 else goto 0005', 'if (A != kill) goto 0008', 'A = args[1]', 'if (A & 0x80) goto 0009',
      'return ALLOW', 'return ERRNO(1)', 'return KILL_PROCESS',
    ].join('\n');
    const prog = assembleSeccomp(labelled);
    expect(prog).toEqual(assembleSeccomp(numbered));
    expect(prog[4]).toEqual(insn(0x15, 4, 0, 59));
    expect(assembleSeccomp('goto end\nreturn KILL\nend: return ALLOW')).toEqual([insn(0x05, 0, 0, 1), insn(0x06, 0, 0, 0), insn(0x06, 0, 0, 0x7fff0000)]);
    // A text that starts with a label is pseudo-code to the loader too.
    expect(loadSeccompFilter(new TextEncoder().encode('start: goto end\nreturn KILL\nend: return ALLOW')).evaluate({ syscall: 'read' }).text).toBe('ALLOW');
    // Numbered listing lines take labels too.
    expect(assembleSeccomp(' 0000: goto end\n 0001: return KILL\n 0002: end: return ALLOW')).toEqual(assembleSeccomp('goto 0002\nreturn KILL\nreturn ALLOW'));
  });

  it('reports labels it cannot use, with the line', () => {
    const bad = (text: string, line: number, detail: RegExp): void => {
      let err: unknown;
      try { assembleSeccomp(text, { source: 'f.asm' }); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(AsmError);
      expect((err as AsmError).line, text).toBe(line);
      expect((err as AsmError).message).toMatch(detail);
    };
    bad('goto allwo\nreturn KILL\nallow: return ALLOW', 1, /^f\.asm:1: unknown label 'allwo' \(did you mean 'allow'\?\)$/);
    bad('goto nowhere\nreturn ALLOW', 1, /^f\.asm:1: unknown label 'nowhere'$/);
    bad('top: A = sys_number\nif (A == 0) goto top\nreturn ALLOW', 2, /jump target 'top' is line 0: classic jumps go forward, to a line after 1$/);
    bad('self: goto self\nreturn ALLOW', 1, /jump target 'self' is line 0/);
    bad('ok: return ALLOW\nok: return KILL', 2, /label 'ok' is already defined on line 1$/);
    bad('return ALLOW\nend:\n# nothing', 2, /label 'end' names no instruction: nothing follows it$/);
    const far = ['A = sys_number', 'if (A == 0) goto far', ...Array<string>(300).fill('A = 1'), 'far: return ALLOW'].join('\n');
    bad(far, 2, /jt offset 300 does not fit the 8-bit jt\/jf field/);
    // A ja reaches further than 255.
    expect(assembleSeccomp(far.replace('if (A == 0) goto far', 'goto far'))[1]).toEqual(insn(0x05, 0, 0, 300));
  });

  it('takes its arch from an arch line before the first instruction, over the option', () => {
    const text = 'arch aarch64\nA = sys_number\nif (A == read) goto 0003\nreturn ALLOW\nreturn KILL';
    expect(assembleSeccomp(text)[1]!.k).toBe(63);
    expect(assembleSeccomp(text, { arch: 'x86_64' })[1]!.k).toBe(63);
    expect(assembleSeccompText(text).arch?.name).toBe('aarch64');
    expect(assembleSeccompText('return ALLOW', { arch: 'i386' }).arch?.name).toBe('i386');
    expect(assembleSeccompText('return ALLOW').arch).toBeUndefined();
    const bad = (t: string, line: number, detail: RegExp): void => {
      let err: unknown;
      try { assembleSeccomp(t); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(AsmError);
      expect((err as AsmError).line).toBe(line);
      expect((err as AsmError).message).toMatch(detail);
    };
    bad('arch aarch46\nreturn ALLOW', 1, /unknown architecture 'aarch46' \(did you mean 'aarch64'\?/);
    bad('A = sys_number\narch x86_64\nreturn ALLOW', 2, /the arch line comes before the first instruction/);
    bad('arch x86_64\n# again\narch i386\nreturn ALLOW', 3, /a second arch line \(line 1 gave one\)/);
  });

  it('reports the line of what it cannot read', () => {
    const bad = (text: string, line: number, detail: RegExp): void => {
      let err: unknown;
      try { assembleSeccomp(text, { source: 'f.asm' }); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(AsmError);
      expect((err as AsmError).line).toBe(line);
      expect((err as AsmError).message).toMatch(detail);
      expect((err as AsmError).message.startsWith(`f.asm:${line}: `)).toBe(true);
    };
    bad('A = sys_number\nif (A == read) goto 0003\nreturn ALLOW\nreturn KILL', 2, /needs an arch/);
    bad('A = arch\n\nfrobnicate\nreturn ALLOW', 3, /cannot read 'frobnicate'/);
    bad('A = arch\nif (A == ARCH_X86_64) goto 0000\nreturn ALLOW', 2, /must be a line after 1/);
    bad('A = arch\nif (A == ARCH_X86_64) goto 0300\nreturn ALLOW', 2, /does not fit the 8-bit/);
    bad('return ERRNO(EWHAT)', 1, /unknown errno name/);
    bad(' 0000: A = arch\n 0002: return ALLOW', 2, /out of sequence/);
    bad('A = arch\nif (A != ARCH_X86_64) goto 0005\nA = sys_number\nif (A == open_sesame) goto 0005\nreturn ALLOW\nreturn KILL', 4, /unknown syscall 'open_sesame' on x86_64/);
    // A jump whose two targets are the same line checks nothing: no arch is in force after it.
    bad('A = arch\nif (A == ARCH_X86_64) goto 0002 else goto 0002\nA = sys_number\nif (A == read) goto 0005\nreturn ALLOW\nreturn KILL', 4, /needs an arch/);
    bad('# nothing\n', 1, /no instructions/);
  });
});
