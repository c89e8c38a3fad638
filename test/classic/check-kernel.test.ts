/**
 * checkForLinux against the running kernel: every program is also handed to Linux as a
 * socket filter (SO_ATTACH_FILTER) and as a seccomp filter, and both must agree on
 * accept/refuse. The kernel only says EINVAL, so the rule itself is covered by check.test.ts.
 * Long programs also meet the limits of the kernel's own translation: a jump offset past 16
 * bits (EINVAL, which checkForLinux must refuse) and the socket's option memory (ENOMEM, which
 * linuxWarnings must announce).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkForLinux, linuxWarnings } from '../../src/translate/kernel-check.js';
import { decodeClassic } from '../../src/classic/decode.js';
import { CLASSIC_FORMS, type ClassicInsn, type ClassicProgram, insn } from '../../src/classic/insn.js';
import { SKF_AD, SKF_AD_OFF, SKF_LL_OFF, SKF_NET_OFF } from '../../src/abi/opcodes.js';
import { CheckError } from '../../src/errors.js';
import { DEFAULT_OPTMEM_MAX, kernelSocketCharge } from '../../src/translate/kernel-layout.js';
import { arbClassicProgram, fixScratchMemory } from './arbitrary.js';
import { EINVAL, KernelCheckHarness, kernelCheckMissing } from './kernel-check-harness.js';
import { minimum, runs } from '../runs.js';

const why = kernelCheckMissing ? ` (skipped: ${kernelCheckMissing})` : '';

function ours(prog: ClassicProgram, profile: 'socket' | 'seccomp'): boolean {
  try {
    checkForLinux(prog, { profile });
    return true;
  } catch (e) {
    if (!(e instanceof CheckError)) throw e;
    return false;
  }
}

/** One edit that often breaks a valid program in one of the ways the checker looks at. */
interface Mutation { at: number; what: number; value: number }

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat({ max: 1000 }),
  what: fc.nat({ max: 9 }),
  value: fc.oneof(
    fc.nat({ max: 0xffffffff }),
    fc.constantFrom(0, 1, 3, 4, 15, 16, 31, 32, 60, 63, 64, 0xfffff000, 0xfffff001, 0xfffff02c, 0xfffff03c, 0xfffff040,
      0xfff00000, 0xffe00000, 0xffffffff),
  ),
});

function mutate(prog: ClassicProgram, muts: readonly Mutation[]): ClassicProgram {
  const out: ClassicInsn[] = [...prog];
  for (const m of muts) {
    if (out.length === 0) break;
    const pc = m.at % out.length;
    const i = out[pc]!;
    switch (m.what) {
      case 0: out[pc] = insn(CLASSIC_FORMS[m.value % CLASSIC_FORMS.length]!.code, i.jt, i.jf, i.k); break;
      case 1: out[pc] = insn(m.value & 0xffff, i.jt, i.jf, i.k); break; // any code at all
      case 2: case 3: out[pc] = insn(i.code, i.jt, i.jf, m.value); break;
      case 4: out[pc] = insn(i.code, m.value & 0xff, i.jf, i.k); break;
      case 5: out[pc] = insn(i.code, i.jt, m.value & 0xff, i.k); break;
      case 6: out.pop(); break;
      case 7: out.push(insn(CLASSIC_FORMS[m.value % CLASSIC_FORMS.length]!.code, 0, 0, m.value)); break;
      case 8: out[pc] = insn(0x05, 0, 0, m.value % (out.length + 2)); break; // ja near the edge
      default: out[pc] = insn((m.value & 1) ? 0x60 : 0x61, 0, 0, m.value % 17); break; // M[] reads
    }
  }
  return out;
}

const arbMutated = (profile: 'socket' | 'seccomp'): fc.Arbitrary<ClassicProgram> =>
  fc.tuple(arbClassicProgram({ maxLength: 24, profile }), fc.array(mutationArb, { maxLength: 3 }))
    .map(([p, m]) => mutate(p, m));

describe.skipIf(kernelCheckMissing !== undefined)(`checkForLinux against the running kernel${why}`, () => {
  let kernel: KernelCheckHarness;
  beforeAll(() => { kernel = new KernelCheckHarness(); });
  afterAll(() => kernel?.close());

  async function agree(prog: ClassicProgram, profile: 'socket' | 'seccomp'): Promise<boolean> {
    const errno = await kernel.check(prog, profile);
    expect([0, EINVAL], `errno ${errno}`).toContain(errno);
    expect(ours(prog, profile), `${profile}: kernel says ${errno === 0 ? 'accept' : 'EINVAL'} for ${JSON.stringify(prog)}`).toBe(errno === 0);
    return errno === 0;
  }

  it('agrees as a socket filter on 4000 mutated programs', async () => {
    let accepted = 0;
    await fc.assert(fc.asyncProperty(arbMutated('socket'), async (prog) => {
      if (await agree(prog, 'socket')) accepted++;
    }), { numRuns: runs(4000) });
    // The mutations must leave both outcomes well represented, or the comparison says little.
    expect(accepted).toBeGreaterThan(minimum(800));
    expect(accepted).toBeLessThan(3200);
  }, 120_000);

  it('agrees as a seccomp filter on 600 mutated programs', async () => {
    let accepted = 0;
    await fc.assert(fc.asyncProperty(arbMutated('seccomp'), async (prog) => {
      if (await agree(prog, 'seccomp')) accepted++;
    }), { numRuns: runs(600) });
    expect(accepted).toBeGreaterThan(minimum(120));
    expect(accepted).toBeLessThan(480);
  }, 120_000);

  it('agrees on every one of the 49 codes and every code around them, both profiles', async () => {
    const codes = new Set<number>();
    for (const f of CLASSIC_FORMS) for (let d = -8; d <= 8; d++) codes.add((f.code + d) & 0xffff);
    for (let c = 0; c < 0x100; c++) codes.add(c);
    for (const code of codes) {
      // ld #0; st M[4]; <code> k=4 (ja k=0); ret #0
      const prog = [insn(0x00, 0, 0, 0), insn(0x02, 0, 0, 4), insn(code, 0, 0, code === 0x05 ? 0 : 4), insn(0x06, 0, 0, 0)];
      await agree(prog, 'socket');
      await agree(prog, 'seccomp');
    }
  }, 60_000);

  it('agrees on every recorded tcpdump filter and libseccomp filter in fixtures/', async () => {
    const fixtures = fileURLToPath(new URL('../../fixtures/', import.meta.url));
    let verdicts = 0;
    let refusedSocket = 0;
    for (const lt of readdirSync(join(fixtures, 'filters'), { withFileTypes: true }).filter((d) => d.isDirectory())) {
      for (const name of readdirSync(join(fixtures, 'filters', lt.name)).filter((n) => n.endsWith('.ddd'))) {
        const prog = decodeClassic(readFileSync(join(fixtures, 'filters', lt.name, name)), { format: 'ddd' });
        if (!(await agree(prog, 'socket'))) refusedSocket++; // the protochain filters jump backwards
        await agree(prog, 'seccomp');
        verdicts += 2;
      }
    }
    for (const name of readdirSync(join(fixtures, 'seccomp')).filter((n) => n.endsWith('.bpf'))) {
      // Records are in the byte order of the filter's arch (s390x: big-endian), as its JSON says.
      const meta = JSON.parse(readFileSync(join(fixtures, 'seccomp', name.replace(/\.bpf$/, '.json')), 'utf8')) as { endian?: 'little' | 'big' };
      const prog = decodeClassic(readFileSync(join(fixtures, 'seccomp', name)), { format: 'raw', endian: meta.endian ?? 'little' });
      expect(await agree(prog, 'seccomp'), name).toBe(true);
      await agree(prog, 'socket');
      verdicts += 2;
    }
    expect(verdicts).toBeGreaterThan(300);
    expect(refusedSocket).toBeGreaterThan(0);
  }, 60_000);

  it('agrees on the hand-written edge cases', async () => {
    const ret = insn(0x06, 0, 0, 0);
    const cases: ClassicProgram[] = [
      [],
      [ret],
      [...Array.from({ length: 4095 }, () => insn(0x00, 0, 0, 1)), ret],
      [...Array.from({ length: 4096 }, () => insn(0x00, 0, 0, 1)), ret],
      [ret, insn(0x60, 0, 0, 0), insn(0x16, 0, 0, 0)], // dead load after ret still checked
      [insn(0x05, 0, 0, 1), insn(0x60, 0, 0, 7), ret], // dead load after ja passes
      [insn(0x05, 0, 0, 0), insn(0x60, 0, 0, 7), ret],
      [insn(0x60, 0, 0, 0), insn(0x00, 0, 0, 0)],
      [insn(0x01, 0, 0, 0x3e), insn(0x50, 0, 0, 0xffffffff), insn(0x16, 0, 0, 0)],
      [insn(0x45, 0, 1, 4), ret, ret],
      [insn(0x05, 0, 0, 0xffffffff), ret],
      [insn(0x15, 255, 255, 0), ...Array.from({ length: 255 }, () => ret)],
      [insn(0x15, 255, 255, 0), ...Array.from({ length: 256 }, () => ret)],
      ...[0x20, 0x28, 0x30].flatMap((code) =>
        [0xfffff000, 0xfffff001, 0xfffff03c, 0xfffff040, 0xffffffff, 0xffffefff, 0xfff00000, 0xffe00000, 0, 60, 62, 64]
          .map((k) => [insn(code, 0, 0, k), insn(0x16, 0, 0, 0)])),
      [insn(0x80, 0, 0, 0), insn(0x81, 0, 0, 0), insn(0x16, 0, 0, 0)],
      [insn(0x64, 0, 0, 31), ret], [insn(0x64, 0, 0, 32), ret], [insn(0x74, 0, 0, 32), ret],
      [insn(0x34, 0, 0, 0), ret], [insn(0x94, 0, 0, 0), ret], [insn(0x94, 0, 0, 3), ret],
      [insn(0x02, 0, 0, 16), ret], [insn(0x02, 0, 0, 15), ret],
      [insn(0x0e, 0, 0, 0)], [insn(0x21, 0, 0, 0), ret],
    ];
    for (const prog of cases) {
      await agree(prog, 'socket');
      await agree(prog, 'seccomp');
    }
  }, 60_000);
});

const ENOMEM = 12;
const optmemPath = '/proc/sys/net/core/optmem_max';
/** The limit the kernel charges socket filters against here. */
const optmem = existsSync(optmemPath) ? Number(readFileSync(optmemPath, 'utf8')) : DEFAULT_OPTMEM_MAX;

/** Whether checkForLinux refuses `prog` for the kernel's translation (any other refusal is a test bug). */
function oursOverflows(prog: ClassicProgram): boolean {
  try {
    checkForLinux(prog);
    return false;
  } catch (e) {
    if (!(e instanceof CheckError)) throw e;
    expect(e.rule, e.message).toBe('jump-offset-overflow');
    return true;
  }
}

/** The smallest n in [1, max] for which `refused(n)` holds (it must be monotone), or max + 1. */
async function smallest(max: number, refused: (n: number) => Promise<boolean> | boolean): Promise<number> {
  let lo = 1, hi = max + 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (await refused(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const ret1 = insn(0x06, 0, 0, 1);
const ldBig = insn(0x20, 0, 0, 40000);

describe.skipIf(kernelCheckMissing !== undefined)(`the kernel's translation limits against the running kernel${why}`, () => {
  let kernel: KernelCheckHarness;
  beforeAll(() => { kernel = new KernelCheckHarness(); });
  afterAll(() => kernel?.close());

  const einval = async (prog: ClassicProgram): Promise<boolean> => (await kernel.check(prog, 'socket')) === EINVAL;

  /** ja over `filler` x ld [40000] and n x `i`, then ret #1 twice (room for jt/jf = 1). */
  const span = (i: ClassicInsn, filler: number) => (n: number): ClassicProgram =>
    [insn(0x05, 0, 0, filler + n), ...new Array<ClassicInsn>(filler).fill(ldBig), ...new Array<ClassicInsn>(n).fill(i), ret1, ret1];

  it("issue 10's table: the smallest N for which ja N over N loads is refused", async () => {
    const kinds: Array<[string, ClassicInsn]> = [
      ['ldx msh [40000]', insn(0xb1, 0, 0, 40000)], ['ldx msh [14]', insn(0xb1, 0, 0, 14)], ['ld [40000]', ldBig],
      ['ldh [14]', insn(0x28, 0, 0, 14)], ['ldb [1]', insn(0x30, 0, 0, 1)], ['ldb [0]', insn(0x30, 0, 0, 0)], ['ld [x+5]', insn(0x40, 0, 0, 5)],
    ];
    for (const [name, i] of kinds) {
      const build = span(i, 0);
      const theirs = await smallest(4093, (n) => einval(build(n)));
      expect(theirs, `${name}: the kernel refuses from some N`).toBeLessThan(4094);
      expect(await smallest(4093, (n) => oursOverflows(build(n))), name).toBe(theirs);
    }
  }, 120_000);

  it('every form, after 2000 ld [40000]: the same smallest refused count, so the same expansion length', async () => {
    const forms: ClassicInsn[] = [];
    for (const f of CLASSIC_FORMS) {
      switch (f.kind) {
        case 'ld-abs':
          for (const k of [0, 1, 14, 0x7fff, 0x8000, 40000, 0x7fffffff, SKF_NET_OFF, SKF_LL_OFF + 4]) {
            forms.push(insn(f.code, 0, 0, k >>> 0));
          }
          break;
        case 'ld-ind': for (const k of [0, 5, -1]) forms.push(insn(f.code, 0, 0, k >>> 0)); break;
        case 'ldx-msh': for (const k of [0, 14, 40000, SKF_NET_OFF]) forms.push(insn(f.code, 0, 0, k >>> 0)); break;
        case 'jmp-k': case 'jmp-x':
          for (const [jt, jf] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
            forms.push(insn(f.code, jt!, jf!, 7));
            if (f.kind === 'jmp-k') forms.push(insn(f.code, jt!, jf!, 0x80000000));
          }
          break;
        case 'ja': forms.push(insn(f.code, 0, 0, 0)); break;
        default: forms.push(insn(f.code, 0, 0, 1)); // k = 1: no division by 0, a shift below 32, M[1]
      }
    }
    for (const v of Object.values(SKF_AD)) for (const code of [0x20, 0x30]) forms.push(insn(code, 0, 0, (SKF_AD_OFF + v) >>> 0));
    for (const i of forms) {
      const build = span(i, 2000);
      const theirs = await smallest(2093, (n) => einval(build(n)));
      expect(await smallest(2093, (n) => oursOverflows(build(n))), JSON.stringify(i)).toBe(theirs);
    }
    expect(forms.length).toBeGreaterThan(100);
  }, 240_000);

  it('a short jump is refused once it lands past internal instruction 32767 (the first layout pass)', async () => {
    for (const jump of [insn(0x15, 0, 0, 1), insn(0x15, 1, 1, 0x80000000), insn(0x45, 0, 1, 1), insn(0x05, 0, 0, 1)]) {
      for (const load of [ldBig, insn(0xb1, 0, 0, 14), insn(0x50, 0, 0, 3)]) {
        const build = (n: number): ClassicProgram => [...new Array<ClassicInsn>(n).fill(load), jump, ret1, ret1, ret1];
        const theirs = await smallest(4092, (n) => einval(build(n)));
        expect(theirs, 'the kernel refuses from some n').toBeLessThan(4093);
        expect(await smallest(4092, (n) => oursOverflows(build(n))), JSON.stringify([load, jump])).toBe(theirs);
      }
    }
  }, 120_000);

  it('random long programs: EINVAL exactly when check refuses, ENOMEM exactly when the charge reaches optmem_max', async () => {
    const loads = [
      ldBig, insn(0x28, 0, 0, 14), insn(0x30, 0, 0, 0), insn(0xb1, 0, 0, 14), insn(0xb1, 0, 0, 40000), insn(0x48, 0, 0, 2),
      insn(0x20, 0, 0, (SKF_NET_OFF + 2) >>> 0), insn(0x20, 0, 0, (SKF_AD_OFF + SKF_AD.IFINDEX) >>> 0),
      insn(0x3c, 0, 0, 0), insn(0x04, 0, 0, 3),
    ];
    const arbLong = fc.record({
      len: fc.integer({ min: 1000, max: 4096 }),
      picks: fc.array(fc.nat({ max: 0xffffff }), { minLength: 4096, maxLength: 4096 }),
    }).map(({ len, picks }) => {
      const prog = picks.slice(0, len - 1).map((p, pc) => {
        const room = len - pc - 2;
        switch (p % 12) {
          case 0: return insn(0x05, 0, 0, (p >> 4) % (room + 1));
          case 1: return insn(0x15, (p >> 4) % (Math.min(room, 255) + 1), (p >> 12) % (Math.min(room, 255) + 1), p & 0x10 ? 0x80000000 : 1);
          default: return loads[(p >> 4) % loads.length]!;
        }
      });
      return fixScratchMemory([...prog, ret1]);
    });
    let refused = 0, enomem = 0, loaded = 0;
    await fc.assert(fc.asyncProperty(arbLong, async (prog) => {
      const errno = await kernel.check(prog, 'socket');
      expect([0, EINVAL, ENOMEM], `errno ${errno}`).toContain(errno);
      expect(oursOverflows(prog), `kernel errno ${errno}`).toBe(errno === EINVAL);
      if (errno === EINVAL) {
        refused++;
        return;
      }
      expect(kernelSocketCharge(prog) >= optmem, `charge ${kernelSocketCharge(prog)}, errno ${errno}`).toBe(errno === ENOMEM);
      if (optmem === DEFAULT_OPTMEM_MAX) expect(linuxWarnings(prog).length).toBe(errno === ENOMEM ? 1 : 0);
      if (errno === ENOMEM) enomem++;
      else loaded++;
    }), { numRuns: runs(300), endOnFailure: true }); // shrinking 4096-instruction programs takes minutes
    // All three outcomes must come up, or the comparison says little.
    expect(Math.min(refused, enomem, loaded)).toBeGreaterThan(minimum(20));
  }, 240_000);
});
