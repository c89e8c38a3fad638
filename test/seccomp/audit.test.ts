/**
 * The audit warnings of the summary (and of diff, for what B adds): socketcall left open while
 * socket is restricted, arguments compared on their low half only, x32 reachable, a restricted
 * call whose twin is allowed, io_uring allowed. Each names the syscalls and the lines.
 */
import { describe, expect, it } from 'vitest';
import { checkClassic } from '../../src/classic/check.js';
import { type ClassicInsn, insn } from '../../src/classic/insn.js';
import { summarizeSeccomp } from '../../src/seccomp/analyze.js';
import { diffSeccomp } from '../../src/seccomp/diff.js';
import { loadSeccompFilter } from '../../src/seccomp/filter.js';
import { resolveSyscall } from '../../src/seccomp/syscalls/index.js';
import { loadFixtures } from './fixtures.js';

const ALLOW = 0x7fff0000;
const KILL = 0x80000000;
const EPERM = 0x00050001;

/** arch check, then `nr == n -> action` rules, then the default. */
function rules(arch: string, audit: number, list: Array<[string, number]>, dflt: number, guard = false): ClassicInsn[] {
  const prog = [insn(0x20, 0, 0, 4), insn(0x15, 1, 0, audit), insn(0x06, 0, 0, KILL), insn(0x20, 0, 0, 0)];
  if (guard) prog.push(insn(0x35, 0, 1, 0x40000000), insn(0x06, 0, 0, KILL));
  for (const [name, action] of list) prog.push(insn(0x15, 0, 1, resolveSyscall(arch, name)), insn(0x06, 0, 0, action));
  prog.push(insn(0x06, 0, 0, dflt));
  checkClassic(prog, { profile: 'seccomp' });
  return prog;
}

const warningsOf = (prog: ClassicInsn[], arch: string) => summarizeSeccomp(prog, { arch }).warnings;

describe('audit warnings', () => {
  it('socketcall open while socket is restricted (i386)', () => {
    const prog = rules('i386', 0x40000003, [['socket', EPERM]], ALLOW);
    const w = warningsOf(prog, 'i386').find((x) => x.kind === 'socketcall-open')!;
    expect(w.syscalls).toEqual(['socketcall', 'socket']);
    expect(w.pcs).toEqual([prog.length - 1]);
    expect(w.message).toMatch(/^socketcall is allowed \(line \d+\) while socket is restricted/);
    const closed = rules('i386', 0x40000003, [['socket', EPERM], ['socketcall', EPERM]], ALLOW);
    expect(warningsOf(closed, 'i386').map((x) => x.kind)).not.toContain('socketcall-open');
  });

  it('an argument compared on its low 32 bits only, on a 64-bit arch', () => {
    // if (nr == kill) { A = (u32)args[1]; if (A == 9) EPERM } ALLOW
    const prog = [
      insn(0x20, 0, 0, 4), insn(0x15, 1, 0, 0xc000003e), insn(0x06, 0, 0, KILL), insn(0x20, 0, 0, 0),
      insn(0x35, 0, 1, 0x40000000), insn(0x06, 0, 0, KILL),
      insn(0x15, 0, 3, 62), insn(0x20, 0, 0, 24), insn(0x15, 0, 1, 9), insn(0x06, 0, 0, EPERM), insn(0x06, 0, 0, ALLOW),
    ];
    const w = warningsOf(prog, 'x86_64').filter((x) => x.kind === 'low-32-bits');
    expect(w.map((x) => [x.syscalls, x.pcs])).toEqual([[['kill'], [8]]]);
    // libseccomp's filters compare both halves on 64-bit arches (its x32 rules compare 32 bits: they are reported).
    for (const fx of loadFixtures()) {
      for (const arch of fx.arches.filter((a) => !['i386', 'arm', 'x32'].includes(a))) {
        const low = summarizeSeccomp(fx.prog, { arch }).warnings.filter((x) => x.kind === 'low-32-bits' && !x.syscalls![0]!.startsWith('x32:'));
        expect(low, `${fx.name} ${arch}`).toEqual([]);
      }
    }
  });

  it('x32 reachable when the filter names no x32 call', () => {
    const open = rules('x86_64', 0xc000003e, [['ptrace', KILL]], ALLOW);
    const w = warningsOf(open, 'x86_64').find((x) => x.kind === 'x32-reachable')!;
    expect(w.syscalls).toContain('x32:read');
    expect(w.pcs).toEqual([open.length - 1]);
    const guarded = rules('x86_64', 0xc000003e, [['ptrace', KILL]], ALLOW, true);
    expect(warningsOf(guarded, 'x86_64').map((x) => x.kind)).not.toContain('x32-reachable');
  });

  it('a restricted call whose twin is allowed, and io_uring_setup allowed', () => {
    const prog = rules('x86_64', 0xc000003e, [['execve', EPERM], ['io_uring_setup', ALLOW]], ALLOW, true);
    const ws = warningsOf(prog, 'x86_64');
    const twin = ws.find((x) => x.kind === 'twin-allowed')!;
    expect(twin.syscalls).toEqual(['execve', 'execveat']);
    expect(twin.message).toMatch(/^execve is restricted but execveat, which does the same, is allowed \(line \d+\)$/);
    const uring = ws.find((x) => x.kind === 'io-uring-allowed')!;
    expect(uring.pcs).toEqual([prog.length - 2]);
    // An allow-list that leaves both twins to the default refuses neither deliberately.
    const list = rules('x86_64', 0xc000003e, [['read', ALLOW], ['execve', ALLOW], ['execveat', ALLOW]], EPERM, true);
    expect(warningsOf(list, 'x86_64').map((x) => x.kind)).toEqual([]);
  });

  it('diff reports the warnings B adds', () => {
    const a = loadSeccompFilter(rules('x86_64', 0xc000003e, [['read', ALLOW]], EPERM, true));
    const b = loadSeccompFilter(rules('x86_64', 0xc000003e, [['read', ALLOW], ['io_uring_setup', ALLOW]], EPERM, true));
    const d = diffSeccomp(a, b, 'x86_64');
    expect(d.warnings.map((w) => w.kind)).toEqual(['io-uring-allowed']);
    expect(diffSeccomp(b, a, 'x86_64').warnings).toEqual([]);
  }, 60_000);
});
