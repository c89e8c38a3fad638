/**
 * `seccomp disasm F | seccomp asm -` gives F back, whatever disasm printed: syscall names
 * (from an arch check, or from the fallback arch of a filter that checks none), every action,
 * arch checks, jset, argument and instruction-pointer halves in either byte order, fields an
 * instruction ignores. Held on the libseccomp fixtures, on filters libseccomp builds from
 * random rules (python3-seccomp), on hand-written filters in the style of seccomp-tools'
 * samples (CTF filters that check no arch), and on random programs; through the library
 * functions the command runs and through the command itself.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeClassic } from '../../src/classic/decode.js';
import { encodeClassicRaw, formatDdd } from '../../src/classic/encode.js';
import { type ClassicInsn, type ClassicProgram, insn } from '../../src/classic/insn.js';
import { ARCHES } from '../../src/seccomp/arch.js';
import { assembleSeccomp, assembleSeccompText, canonicalClassic } from '../../src/seccomp/asm.js';
import { disassembleSeccomp } from '../../src/seccomp/disasm.js';
import { loadSeccompFilter } from '../../src/seccomp/filter.js';
import { arbClassicProgram } from '../classic/arbitrary.js';
import { launcherBuilt, notBuiltNote, runBinBytes, runMain } from '../cli/run-main.js';
import { FILTER_ARCHES, arbSeccompFilter } from './arbitrary.js';
import { loadFixtures } from './fixtures.js';
import { NO_PYSECCOMP, SECCOMP_PYTHON, pySeccomp } from './libseccomp.js';

const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-roundtrip-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ARCH_NAMES = ARCHES.map((a) => a.name);

/**
 * What the commands do, in the library: disasm names what it can with the filter's arch as
 * the fallback (`seccomp disasm` passes SeccompFilter.arch), asm reads it with no option.
 */
function roundTrip(prog: ClassicProgram, arch?: string, raw = true): ClassicInsn[] {
  return assembleSeccomp(disassembleSeccomp(prog, { ...(arch !== undefined ? { arch } : {}), raw }));
}

/** `seccomp disasm FILE [ARGS]`, written to a file, then `seccomp asm` of it with `asmArgs`. */
async function throughCommands(file: string, disasmArgs: string[] = [], asmArgs: string[] = []): Promise<{ listing: string; out: Buffer }> {
  const d = await runMain(['seccomp', 'disasm', file, ...disasmArgs]);
  expect(d.code, d.stderr).toBe(0);
  const listing = join(tmp, 'listing.asm');
  writeFileSync(listing, d.stdout);
  const a = await runMain(['seccomp', 'asm', listing, ...asmArgs], 'bytes');
  expect(a.code, `${a.stderr}\n${d.stdout}`).toBe(0);
  return { listing: d.stdout, out: a.stdout };
}

// Building blocks of the hand-written filters (codes of linux/filter.h).
const ld = (k: number): ClassicInsn => insn(0x20, 0, 0, k);
const ldMem = (k: number): ClassicInsn => insn(0x60, 0, 0, k);
const st = (k: number): ClassicInsn => insn(0x02, 0, 0, k);
const jeq = (k: number, jt: number, jf: number): ClassicInsn => insn(0x15, jt, jf, k);
const jge = (k: number, jt: number, jf: number): ClassicInsn => insn(0x35, jt, jf, k);
const jgt = (k: number, jt: number, jf: number): ClassicInsn => insn(0x25, jt, jf, k);
const jset = (k: number, jt: number, jf: number): ClassicInsn => insn(0x45, jt, jf, k);
const ret = (k: number): ClassicInsn => insn(0x06, 0, 0, k);
const ALLOW = 0x7fff0000, KILL = 0, KILL_PROCESS = 0x80000000, ERRNO = (n: number) => 0x00050000 | n;
const X86_64 = 0xc000003e, AARCH64 = 0xc00000b7;

/** A deny-list that checks no arch: `if (A != nr) goto next; return KILL` for each number. */
function denyEach(numbers: number[], otherwise: number): ClassicInsn[] {
  return [ld(0), ...numbers.flatMap((nr) => [jeq(nr, 0, 1), ret(KILL)]), ret(otherwise)];
}

/**
 * Filters written the way seccomp-tools' sample filters are (CTF challenges, hand-made
 * policies): no arch check, 64-bit arguments through scratch memory, x32 numbers, the
 * instruction pointer, every action, and raw fields the pseudo-code does not show.
 */
const SAMPLES: ReadonlyArray<{ name: string; prog: ClassicInsn[] }> = [
  // x86_64 numbers, no arch check: open, openat, execve, execveat, clone, fork, vfork, creat.
  { name: 'deny-list without an arch check', prog: denyEach([2, 257, 59, 322, 56, 57, 58, 85], ALLOW) },
  {
    name: '64-bit argument through scratch memory',
    prog: [
      ld(4), jeq(X86_64, 0, 12), ld(0), jeq(62, 0, 9), // kill(): args[0] must be 0x1234
      ld(16), st(0), ld(20), st(1), jeq(0, 0, 3), ldMem(0), jeq(0x1234, 1, 0),
      ret(ALLOW), ret(ERRNO(1)), ret(ALLOW), ret(KILL_PROCESS),
    ],
  },
  {
    name: 'x32 numbers beside x86_64 ones',
    prog: [
      ld(4), jeq(X86_64, 0, 8), ld(0), jge(0x40000000, 0, 3),
      jeq(0x40000000, 4, 0), jeq(0x40000001, 3, 0), ret(ERRNO(38)),
      jeq(0, 1, 0), jeq(1, 0, 1), ret(ALLOW), ret(KILL_PROCESS),
    ],
  },
  {
    name: 'aarch64 allow-list',
    prog: [
      ld(4), jeq(AARCH64, 0, 10), ld(0),
      ...[29, 63, 64, 73, 94, 98, 215].map((nr, i) => jeq(nr, 7 - i, 0)),
      ret(KILL_PROCESS), ret(ALLOW), ret(KILL),
    ],
  },
  {
    name: 'instruction pointer halves and jset, no arch check',
    prog: [
      ld(8), jset(0xfff, 9, 0), ld(12), jgt(0x7fff, 7, 0), ld(0), jeq(1, 0, 4),
      ld(32), jset(0x80000000, 3, 0), ld(36), jset(0xffffffff, 0, 1), ret(ERRNO(22)), ret(ALLOW), ret(KILL),
    ],
  },
  {
    name: 'every action',
    prog: [
      ld(0), jeq(39, 0, 1), ret(0x00030005), jeq(110, 0, 1), ret(0x7ff00007), jeq(102, 0, 1), ret(0x7ffc0000),
      jeq(104, 0, 1), ret(0x7fc00000), jeq(107, 0, 1), ret(KILL), jeq(108, 0, 1), ret(KILL_PROCESS),
      jeq(186, 0, 1), ret(ERRNO(4095)), jeq(63, 0, 1), ret(0x12340000), insn(0x80, 0, 0, 0), insn(0x16, 0, 0, 0),
    ],
  },
  {
    name: 'fields the pseudo-code does not show (a ja with jt/jf, A += X with k)',
    prog: [
      insn(0x05, 0x27, 0x0f, 0), ld(0), insn(0x07, 0, 0, 0), insn(0x0c, 3, 4, 77), insn(0x87, 0, 0, 9), insn(0x2d, 0, 1, 0),
      ret(ALLOW), ret(KILL),
    ],
  },
];

describe('the hand-written samples', () => {
  it('are filters the kernel accepts', () => {
    for (const s of SAMPLES) expect(() => loadSeccompFilter(s.prog), s.name).not.toThrow();
  });

  for (const s of SAMPLES) {
    it(`${s.name}: disasm | asm gives the same bytes, whatever arch disasm names things for`, async () => {
      const file = join(tmp, 'sample.bpf');
      writeFileSync(file, encodeClassicRaw(s.prog));
      const { out } = await throughCommands(file);
      expect(decodeClassic(out, { format: 'raw' }), s.name).toEqual(s.prog);
      expect(out.equals(Buffer.from(encodeClassicRaw(s.prog))), s.name).toBe(true);
      for (const arch of ARCH_NAMES) {
        const r = await throughCommands(file, ['--arch', arch], ['-f', 'ddd']);
        expect(r.out.toString(), `${s.name} --arch ${arch}`).toBe(formatDdd(s.prog));
      }
    });
  }

  it('a filter that checks no arch names syscalls for the fallback and says which, on an arch line', async () => {
    const file = join(tmp, 'denylist.bpf');
    writeFileSync(file, encodeClassicRaw(SAMPLES[0]!.prog));
    const x86 = (await throughCommands(file, ['--arch', 'x86_64'])).listing.split('\n');
    expect(x86[0]).toBe('arch x86_64  # the syscall names and argument halves where the filter checks no arch');
    expect(x86[1]).toBe(' line  CODE  JT   JF      K');
    expect(x86[4]).toBe(' 0001: 0x15 0x00 0x01 0x00000002  if (A != open) goto 0003');
    // The same numbers are other calls on aarch64: 2 is io_submit there.
    const arm = (await throughCommands(file, ['--arch', 'aarch64', '--no-raw'])).listing.split('\n');
    expect(arm[0]).toMatch(/^arch aarch64 /);
    expect(arm[4]).toBe(' 0001: if (A != io_submit) goto 0003');
    // The listing is a filter to the evaluator too, and its queries default to that arch.
    const listing = join(tmp, 'denylist-aarch64.asm');
    writeFileSync(listing, arm.join('\n'));
    expect((await runMain(['seccomp', listing, 'io_submit', '-q'])).stdout).toBe('KILL\n');
    expect(loadSeccompFilter(listing).arch.name).toBe('aarch64');
  });

  it('the arch line places argument halves too: on s390x the high half comes first', () => {
    const prog = SAMPLES[4]!.prog;
    const text = disassembleSeccomp(prog, { arch: 's390x', raw: false });
    expect(text.split('\n')[0]).toMatch(/^arch s390x /);
    expect(text).toContain(' 0000: A = instruction_pointer >> 32\n');
    expect(text).toContain(' 0006: A = args[2] >> 32\n');
    expect(assembleSeccomp(text)).toEqual(prog);
    // Without the arch line the names have no arch, and another arch reads another program.
    const bare = text.split('\n').slice(1).join('\n');
    expect(() => assembleSeccomp(bare)).toThrow(/syscall name 'exit' needs an arch/);
    expect(assembleSeccomp(bare, { arch: 'x86_64' })).not.toEqual(prog);
  });

  it('no arch line where the fallback changes nothing', () => {
    const fx = loadFixtures().find((f) => f.name === 'x86_64-args')!;
    for (const arch of ARCH_NAMES) expect(disassembleSeccomp(fx.prog, { arch }).startsWith(' line  CODE'), arch).toBe(true);
    // A filter with no names and no argument loads needs none either.
    expect(disassembleSeccomp([ld(0), jgt(999, 0, 1), ret(KILL), ret(ALLOW)], { arch: 's390x' }).startsWith(' line  CODE')).toBe(true);
  });
});

describe('the libseccomp fixtures', () => {
  const fixtures = loadFixtures();
  for (const fx of fixtures) {
    it(`${fx.name}: the same program through text, with any fallback arch`, () => {
      for (const arch of [undefined, ...ARCH_NAMES]) {
        expect(roundTrip(fx.prog, arch), `${fx.name} ${arch}`).toEqual(fx.prog);
        expect(roundTrip(fx.prog, arch, false), `${fx.name} ${arch} --no-raw`).toEqual(fx.prog.map(canonicalClassic));
      }
    });
  }
});

/** One libseccomp filter: arches, default and bad-arch actions, rules; actions as [name, data?]. */
interface LibseccompSpec {
  arches: string[];
  default: [string, number?];
  badarch: [string, number?];
  optimize: boolean;
  rules: Array<{ syscall: string; action: [string, number?]; args: Array<[number, string, string, string?]> }>;
}

/** Builds each spec with libseccomp and prints the exported records (hex); a rule libseccomp refuses is left out. */
const BUILD = `
import json, sys, tempfile, seccomp as sc
ACTIONS = {'ALLOW': sc.ALLOW, 'KILL_PROCESS': sc.KILL_PROCESS, 'KILL': sc.KILL, 'TRAP': sc.TRAP, 'LOG': sc.LOG, 'NOTIFY': sc.NOTIFY}
OPS = {'EQ': sc.EQ, 'NE': sc.NE, 'LT': sc.LT, 'LE': sc.LE, 'GT': sc.GT, 'GE': sc.GE, 'MASKED_EQ': sc.MASKED_EQ}
def action(a):
    if a[0] == 'ERRNO': return sc.ERRNO(a[1])
    if a[0] == 'TRACE': return sc.TRACE(a[1])
    return ACTIONS[a[0]]
out = []
for spec in json.load(sys.stdin):
    f = sc.SyscallFilter(action(spec['default']))
    f.set_attr(sc.Attr.ACT_BADARCH, action(spec['badarch']))
    if spec['optimize']: f.set_attr(sc.Attr.CTL_OPTIMIZE, 2)
    f.remove_arch(sc.Arch.NATIVE)
    for a in spec['arches']: f.add_arch(getattr(sc.Arch, a))
    for r in spec['rules']:
        args = [sc.Arg(c[0], OPS[c[1]], int(c[3], 16), int(c[2], 16)) if c[1] == 'MASKED_EQ' else sc.Arg(c[0], OPS[c[1]], int(c[2], 16))
                for c in r['args']]
        try: f.add_rule(action(r['action']), r['syscall'], *args)
        except Exception: pass
    with tempfile.TemporaryFile() as fh:
        f.export_bpf(fh)
        fh.seek(0)
        out.append(fh.read().hex())
print(json.dumps(out))
`;
import { minimum, runs } from '../runs.js';

// libseccomp takes ERRNO and TRACE data below 4095.
const arbAction = (...names: string[]): fc.Arbitrary<[string, number?]> => fc.oneof(
  fc.constantFrom(...names).map((n): [string, number?] => [n]),
  fc.tuple(fc.constantFrom('ERRNO', 'TRACE'), fc.integer({ min: 0, max: 4094 })).map(([n, d]): [string, number?] => [n, d]),
);
const arbValue = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: 0xffffn }), fc.constantFrom(0n, 0xffffffffn, 1n << 32n),
).map((v) => `0x${v.toString(16)}`);
const SYSCALLS = ['read', 'write', 'openat', 'close', 'mmap', 'ioctl', 'kill', 'socket', 'futex', 'clone', 'getpid', 'prctl', 'personality', 'execve'];
const arbSpec: fc.Arbitrary<LibseccompSpec> = fc.record({
  // libseccomp keeps one byte order per filter: s390x alone, or little-endian arches together.
  arches: fc.oneof(
    fc.constant<string[]>(['S390X']),
    fc.uniqueArray(fc.constantFrom('X86_64', 'X32', 'X86', 'AARCH64', 'ARM', 'RISCV64', 'PPC64LE'), { minLength: 1, maxLength: 3 }),
  ),
  default: arbAction('ALLOW', 'KILL_PROCESS', 'KILL', 'TRAP', 'LOG'),
  badarch: arbAction('KILL_PROCESS', 'KILL', 'TRAP'),
  optimize: fc.boolean(),
  rules: fc.array(fc.record({
    syscall: fc.constantFrom(...SYSCALLS),
    action: arbAction('ALLOW', 'KILL_PROCESS', 'KILL', 'TRAP', 'LOG', 'NOTIFY'),
    args: fc.uniqueArray(
      fc.tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom('EQ', 'NE', 'LT', 'LE', 'GT', 'GE', 'MASKED_EQ'), arbValue, arbValue)
        .map(([i, op, v, mask]): [number, string, string, string?] => (op === 'MASKED_EQ' ? [i, op, v, mask] : [i, op, v])),
      { maxLength: 3, selector: (c) => c[0] },
    ),
  }), { maxLength: 12 }),
});

describe.skipIf(!SECCOMP_PYTHON)(`filters libseccomp builds from random rules${SECCOMP_PYTHON ? '' : ` (skipped: ${NO_PYSECCOMP})`}`, () => {
  it('read back to the program libseccomp exported, in the library and through the commands', async () => {
    let filters = 0;
    let named = 0;
    await fc.assert(fc.asyncProperty(fc.array(arbSpec, { minLength: 12, maxLength: 12 }), async (specs) => {
      const built = pySeccomp<string[]>(BUILD, specs).map((hex) => Buffer.from(hex, 'hex'));
      for (const [n, bytes] of built.entries()) {
        const f = loadSeccompFilter(bytes);
        const text = f.disasm();
        if (/if \(A [!=]= [a-z_]\w*\)/.test(text)) named++;
        expect(assembleSeccomp(text), text).toEqual(f.prog);
        expect(assembleSeccomp(f.disasm({ raw: false })), text).toEqual(f.prog.map(canonicalClassic));
        if (n < 3) {
          const file = join(tmp, 'libseccomp.bpf');
          writeFileSync(file, bytes);
          expect((await throughCommands(file)).out.equals(bytes), text).toBe(true);
        }
        filters++;
      }
    }), { numRuns: runs(5) });
    expect(filters).toBe(12 * runs(5));
    expect(named).toBeGreaterThan(minimum(30));
  }, 120_000);
});

describe('random programs', () => {
  const arbFallback = fc.option(fc.constantFrom(...ARCH_NAMES), { nil: undefined });

  it('arch-shaped filters, with or without an arch check, read back with no option whatever the fallback', () => {
    let archLines = 0;
    fc.assert(fc.property(arbSeccompFilter(), arbFallback, ({ prog }, arch) => {
      const text = disassembleSeccomp(prog, arch !== undefined ? { arch } : {});
      if (text.startsWith('arch ')) archLines++;
      expect(assembleSeccomp(text)).toEqual(prog);
      expect(roundTrip(prog, arch, false)).toEqual(prog.map(canonicalClassic));
    }), { numRuns: runs(400) });
    // About 6.5% of runs print an arch line (26 of 400 on average, 16 to 37 over 30 seeds): at
    // least 5 says the case was exercised without failing one run in five as 20 did.
    expect(archLines).toBeGreaterThanOrEqual(minimum(5));
  });

  it('any seccomp-valid program reads back with no option whatever the fallback', () => {
    fc.assert(fc.property(arbClassicProgram({ profile: 'seccomp', maxLength: 40 }), arbFallback, (prog, arch) => {
      expect(roundTrip(prog, arch)).toEqual(prog);
      expect(roundTrip(prog, arch, false)).toEqual(prog.map(canonicalClassic));
    }), { numRuns: runs(400) });
  });

  it('asm says which arch named things, for -f disasm to print the same listing again', () => {
    fc.assert(fc.property(arbSeccompFilter(), fc.constantFrom(...FILTER_ARCHES), ({ prog }, arch) => {
      const text = disassembleSeccomp(prog, { arch });
      const { prog: again, arch: named } = assembleSeccompText(text);
      expect(disassembleSeccomp(again, named ? { arch: named } : {})).toBe(text);
    }), { numRuns: runs(200) });
  });
});

const built = launcherBuilt('seccomp');

describe.skipIf(!built)(`bin/cbpf2ebpf seccomp disasm F | seccomp asm -${notBuiltNote(built)}`, () => {
  it('a filter that checks no arch comes back byte for byte through a pipe', () => {
    const file = join(tmp, 'pipe.bpf');
    for (const s of [SAMPLES[0]!, SAMPLES[4]!]) {
      writeFileSync(file, encodeClassicRaw(s.prog));
      for (const arch of [['--arch', 'aarch64'], ['--arch', 's390x']]) {
        const d = runBinBytes(['seccomp', 'disasm', file, ...arch]);
        expect(d.status, d.stderr.toString()).toBe(0);
        const a = runBinBytes(['seccomp', 'asm', '-', '-f', 'ddd'], { input: d.stdout });
        expect(a.status, a.stderr.toString()).toBe(0);
        expect(a.stdout.toString(), `${s.name} ${arch.join(' ')}`).toBe(formatDdd(s.prog));
      }
      const d = runBinBytes(['seccomp', 'disasm', file]);
      const a = runBinBytes(['seccomp', 'asm', '-'], { input: d.stdout });
      expect(a.stdout.equals(readFileSync(file)), s.name).toBe(true);
    }
  }, 60_000);
});
