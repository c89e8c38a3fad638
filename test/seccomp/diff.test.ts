/**
 * diffSeccomp against evaluate(): for random queries, the two filters' verdicts differ exactly
 * when a region of the diff holds the query; on random filter pairs and on pairs libseccomp
 * builds (python3-seccomp). And --stricter's answer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClassicInsn, insn } from '../../src/classic/insn.js';
import { type SeccompArch } from '../../src/seccomp/arch.js';
import { buildSeccompData } from '../../src/seccomp/data.js';
import { diffRegionMatches, diffSeccomp, formatDiff } from '../../src/seccomp/diff.js';
import { inputWords } from '../../src/seccomp/explore.js';
import { type SeccompFilter, loadSeccompFilter } from '../../src/seccomp/filter.js';
import { syscallTable } from '../../src/seccomp/syscalls/index.js';
import { arbArg, arbSeccompFilter } from './arbitrary.js';
import { NO_PYSECCOMP, SECCOMP_PYTHON, pySeccomp } from './libseccomp.js';

/** Checks the diff of a and b on `runs` random queries of `arch` (and some of other arches). */
function diffAgrees(a: SeccompFilter, b: SeccompFilter, arch: SeccompArch, runs: number, consts: readonly number[] = []): void {
  const d = diffSeccomp(a, b, arch);
  expect(d.exceeded).toEqual([]);
  const numbers = [...syscallTable(arch).byName.values()];
  const arg = fc.oneof(arbArg(), fc.constantFrom(...consts, 0).map((c) => BigInt(c >>> 0)));
  fc.assert(fc.property(fc.nat(), fc.array(arg, { minLength: 6, maxLength: 6 }), fc.nat({ max: 9 }), (pick, args, foreign) => {
    const nr = pick % 6 === 0 ? pick >>> 0 : numbers[pick % numbers.length]!;
    const used = arch.bits === 32 ? args.map((x) => x & 0xffffffffn) : args;
    const input = { arch, syscall: nr, args: used, ...(foreign === 0 ? { auditArch: 0x12345678 } : {}) };
    const data = buildSeccompData(input);
    const words = inputWords(data);
    const differ = a.evaluateData(data).value !== b.evaluateData(data).value;
    const hits = d.regions.filter((r) => diffRegionMatches(r, words));
    expect(hits.length > 0, `nr ${nr} args ${used.join(',')} foreign ${foreign === 0}`).toBe(differ);
    // A region's verdicts are each filter's (null: `ret a`, whose value depends on the input).
    for (const h of hits) {
      if (h.a.value !== null) expect(h.a.value).toBe(a.evaluateData(data).value);
      if (h.b.value !== null) expect(h.b.value).toBe(b.evaluateData(data).value);
    }
  }), { numRuns: runs });
  expect(d.equivalent).toBe(d.regions.length === 0);
}

describe('diff against evaluate', () => {
  it('random filter pairs on one arch', () => {
    fc.assert(fc.property(arbSeccompFilter({ maxLength: 24 }), arbSeccompFilter({ maxLength: 24 }), ({ arch, prog }, other) => {
      // The second filter on the first's arch: reuse its body with the first's arch check.
      const b = loadSeccompFilter(other.prog);
      diffAgrees(loadSeccompFilter(prog), b, arch, 60);
    }), { numRuns: 10 });
  }, 180_000);

  it('a filter and a copy with one return changed: exactly that path differs', () => {
    const ALLOW = 0x7fff0000;
    const prog: ClassicInsn[] = [
      insn(0x20, 0, 0, 4), insn(0x15, 1, 0, 0xc000003e), insn(0x06, 0, 0, 0x80000000),
      insn(0x20, 0, 0, 0), insn(0x15, 0, 3, 16), insn(0x20, 0, 0, 24), insn(0x15, 0, 1, 0x5401),
      insn(0x06, 0, 0, 0x00050001), insn(0x06, 0, 0, ALLOW),
    ];
    const changed = prog.slice();
    changed[7] = insn(0x06, 0, 0, 0x00050002);
    const d = diffSeccomp(loadSeccompFilter(prog), loadSeccompFilter(changed), 'x86_64');
    expect(d.regions.map((r) => [r.syscall, r.conditions.join(' && '), r.a.text, r.b.text])).toEqual([
      ['ioctl', '(u32)args[1] == 0x5401', 'ERRNO(1)', 'ERRNO(2)'],
    ]);
    expect(d.stricter).toBe(true);
    expect(formatDiff(d)).toContain('  ioctl (16): (u32)args[1] == 0x5401: ERRNO(1) -> ERRNO(2)\n');
    const same = diffSeccomp(loadSeccompFilter(prog), loadSeccompFilter(prog), 'x86_64');
    expect(same.equivalent).toBe(true);
    expect(formatDiff(same)).toMatch(/no differences\nB is at least as strict as A\n$/);
  });
});

describe.skipIf(!SECCOMP_PYTHON)(`libseccomp-built pairs (${SECCOMP_PYTHON ? 'python3-seccomp' : NO_PYSECCOMP})`, () => {
  const build = (body: string): SeccompFilter => {
    const hex = pySeccomp<string>(`
import seccomp, json, os, tempfile
f = seccomp.SyscallFilter(defaction=seccomp.ERRNO(1))
for n in ["read", "write", "openat", "close", "mmap", "futex"]:
    f.add_rule(seccomp.ALLOW, n)
f.add_rule(seccomp.ALLOW, "ioctl", seccomp.Arg(1, seccomp.EQ, 0x5401))
f.add_rule(seccomp.ALLOW, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, 0x7e020000, 0))
${body}
fd, path = tempfile.mkstemp()
with os.fdopen(fd, 'wb') as o:
    f.export_bpf(o)
data = open(path, 'rb').read()
os.unlink(path)
print(json.dumps(data.hex()))
`);
    return loadSeccompFilter(Uint8Array.from(Buffer.from(hex, 'hex')));
  };

  it('a profile and its loosened version: the regions, --stricter both ways', () => {
    const a = build('');
    const b = build(`
f.add_rule(seccomp.ALLOW, "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, 0xff00, 0x5400))
f.add_rule(seccomp.ALLOW, "ptrace")
f.add_rule(seccomp.KILL, "mount")
f.add_rule(seccomp.ALLOW, "prctl", seccomp.Arg(0, seccomp.GT, 20))
`);
    const consts = [0x5401, 0x5400, 0x54ff, 0x7e020000, 20, 21, 0xff00];
    diffAgrees(a, b, a.arch, 400, consts);
    const d = diffSeccomp(a, b, 'x86_64');
    expect(d.stricter).toBe(false);
    expect([...new Set(d.looser.map((r) => r.syscall))].sort()).toEqual(['ioctl', 'prctl', 'ptrace']);
    expect(diffSeccomp(b, a, 'x86_64').stricter).toBe(true);
    expect(d.regions.find((r) => r.syscall === 'mount')).toMatchObject({ conditions: [], a: { text: 'ERRNO(1)' }, b: { text: 'KILL' } });
  }, 120_000);
});
