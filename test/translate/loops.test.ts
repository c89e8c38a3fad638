/**
 * Bounded loops (translateClassic's backwardLoops: 'bounded'): libpcap's protochain programs,
 * recorded from tcpdump (fixtures/protochain/record.sh), pass the loop-shape checker, translate,
 * and our VM (interpreter and JIT) running the translation returns libpcap's own verdict
 * (test/native/pcap_filter_harness.c, bpf_filter) on every packet of the generated chains
 * (fixtures/protochain/make-chains.mjs), the fixture captures and tcpdump's test captures.
 * Shapes other than single-entry loops that walk the packet are refused with exit code 65.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultSkbMeta } from '../../src/abi/ctx.js';
import { decodeClassic } from '../../src/classic/decode.js';
import { runClassic } from '../../src/classic/interp.js';
import { type ClassicInsn, insn } from '../../src/classic/insn.js';
import { findBackEdges } from '../../src/classic/loops.js';
import { CheckError, TranslateError } from '../../src/errors.js';
import { type EngineName, prepareFilter } from '../../src/replay/engine.js';
import { checkForLinux } from '../../src/translate/kernel-check.js';
import { DEFAULT_LOOP_BOUND, checkForBoundedLoops } from '../../src/translate/loops.js';
import { translateClassic } from '../../src/translate/translate.js';
import { verifyProgram } from '../../src/verify/index.js';
import { PcapFilterHarness, filterHarnessMissing } from '../classic/pcap-filter-harness.js';
import { tcpdumpMissing } from '../tcpdump.js';
import { type Packet, allPackets, cyclePackets, goldens, protochainDir } from './loops-helpers.js';

const packets = allPackets();

/** Runs the bounded translation of `prog` on our VM engine over `list`. */
function vmVerdicts(prog: Parameters<typeof prepareFilter>[0], list: readonly Packet[], engine: EngineName, loopBound?: number): number[] {
  const f = prepareFilter(prog, { engine, backwardLoops: 'bounded', loopBound });
  return list.map((p) => {
    const meta = { ...defaultSkbMeta(), len: p.wirelen };
    return f.filter.run(p.data, 0, p.data.length, meta);
  });
}

/** How many times libpcap's run of `prog` over `pkt` jumps back (executes a backward ja). */
function jumpsBack(prog: readonly ClassicInsn[], pkt: Uint8Array): number {
  const backPcs = new Set(findBackEdges(prog).map((e) => e.from));
  let n = 0;
  runClassic(prog, { pkt }, { semantics: 'libpcap', budget: 1 << 20, trace: (pc) => { if (backPcs.has(pc)) n++; } });
  return n;
}

describe('protochain goldens', () => {
  it('are recorded for every form, with the backward ja that Linux refuses', () => {
    expect(goldens.length).toBeGreaterThanOrEqual(40);
    for (const g of goldens) {
      expect(findBackEdges(g.prog).length, g.name).toBeGreaterThan(0);
      expect(g.listing, g.name).toMatch(/\bja\s+\d+/);
      expect(() => checkForLinux(g.prog), g.name).toThrow(CheckError);
      expect(() => translateClassic(g.prog), g.name).toThrow(TranslateError);
    }
  });

  it('pass the bounded-loop checker and translate with a counted loop', () => {
    for (const g of goldens) {
      checkForBoundedLoops(g.prog);
      const t = translateClassic(g.prog, { backwardLoops: 'bounded' });
      // The prologue sets the counter; every jump back is guarded by it.
      expect(t.insns.some((i) => i.code === 0xb4 && i.dst === 8 && i.imm === DEFAULT_LOOP_BOUND), g.name).toBe(true);
      const backs = t.insns.filter((i, pc) => (i.code & 0x07) === 0x05 && i.off < 0 && pc >= 0);
      expect(backs.length, g.name).toBe(findBackEdges(g.prog).length);
    }
  });
});

it('a program without backward jumps translates the same with or without the option', () => {
  const tcp80 = decodeClassic('4,40 0 0 12,21 0 1 2048,6 0 0 262144,6 0 0 0');
  expect(translateClassic(tcp80, { backwardLoops: 'bounded' })).toEqual(translateClassic(tcp80));
});

describe('shapes the bounded translation refuses (CheckError, rule loop-shape)', () => {
  // Codes: ldx #k 0x01, ld #k 0x00, ldb [x + k] 0x50, jeq #k 0x15, ja 0x05, ret #k 0x06.
  const ldx0 = insn(0x01, 0, 0, 0);
  const cases: Array<[string, ClassicInsn[], string]> = [
    ['a loop that reads no packet byte', [ldx0, insn(0x00, 0, 0, 1), insn(0x05, 0, 0, -2), insn(0x06, 0, 0, 0)], 'loop-shape'],
    ['a jump before the first instruction', [insn(0x50, 0, 0, 0), insn(0x05, 0, 0, -5), insn(0x06, 0, 0, 0)], 'loop-shape'],
    ['a loop with two entries', [
      ldx0, insn(0x15, 1, 0, 1), insn(0x50, 0, 0, 0), insn(0x50, 0, 0, 1), insn(0x05, 0, 0, -3), insn(0x06, 0, 0, 0),
    ], 'loop-shape'],
    ['a jump back as the last instruction', [ldx0, insn(0x50, 0, 0, 0), insn(0x05, 0, 0, -2)], 'last-not-ret'],
  ];
  for (const [what, prog, rule] of cases) {
    it(what, () => {
      let err: unknown;
      try {
        checkForBoundedLoops(prog);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CheckError);
      expect((err as CheckError).rule).toBe(rule);
      expect((err as CheckError).exitCode).toBe(65);
      expect((err as CheckError).message.split('\n')).toHaveLength(1);
    });
  }

  it('still applies Linux\'s other rules to a looping program', () => {
    const g = goldens.find((x) => x.name === 'ip6-protochain-6' && x.linktype === 'EN10MB')!;
    const bad = g.prog.map((i) => (i.code === 0x60 /* ld M[k] */ ? { ...i, k: 3 } : i));
    expect(() => checkForBoundedLoops(bad)).toThrow(/mem-uninitialised/);
    expect(() => checkForBoundedLoops(g.prog, { profile: 'seccomp' })).toThrow(CheckError);
  });
});

describe.skipIf(filterHarnessMissing !== undefined)('verdicts equal libpcap\'s (bpf_filter)', () => {
  const harness = filterHarnessMissing ? undefined : new PcapFilterHarness();
  afterAll(() => harness?.close());

  it('has packets to replay', () => {
    expect(packets.get('EN10MB')!.length).toBeGreaterThan(800);
  });

  for (const g of goldens) {
    it(`${g.linktype}/${g.name}`, async () => {
      const list = (packets.get(g.linktype) ?? []).filter((p) => runClassic(g.prog, { pkt: p.data }, { semantics: 'libpcap', budget: 1 << 16 }).reason !== 'budget');
      expect(list.length).toBeGreaterThan(0);
      const libpcap = await harness!.filter(g.prog, list.map((p) => ({ wirelen: p.wirelen, bytes: p.data })));
      // libpcap's verdict, except where its walk jumps back more often than the bound allows.
      const want = libpcap.map((v, n) => (jumpsBack(g.prog, list[n]!.data) > DEFAULT_LOOP_BOUND ? 0 : v));
      expect(want.filter((v, n) => v !== libpcap[n]).length, 'packets beyond the bound').toBeLessThanOrEqual(1);
      for (const engine of ['interp', 'jit'] as const) {
        const got = vmVerdicts(g.prog, list, engine);
        const diff = got.findIndex((v, n) => v !== want[n]);
        expect(diff, diff >= 0 ? `${engine}: ${list[diff]!.where}: ${got[diff]} != libpcap ${want[diff]}` : '').toBe(-1);
      }
      if (g.linktype === 'EN10MB') expect(want.filter((v) => v !== 0).length, 'some packets match').toBeGreaterThan(g.name.startsWith('ip-') ? 5 : 20);
    });
  }
});

describe('the bound', () => {
  const g = goldens.find((x) => x.name === 'ip6-protochain-6' && x.linktype === 'EN10MB')!;
  const en = packets.get('EN10MB')!;

  it('a packet whose walk needs more jumps back than the bound gets 0; every other packet libpcap\'s verdict', () => {
    for (const bound of [1, 3, 8]) {
      const got = vmVerdicts(g.prog, en, 'interp', bound);
      en.forEach((p, n) => {
        const ref = runClassic(g.prog, { pkt: p.data }, { semantics: 'libpcap', budget: 1 << 20 });
        const backs = jumpsBack(g.prog, p.data);
        expect(got[n], `${p.where} bound ${bound} (${backs} jumps back)`).toBe(backs > bound ? 0 : ref.ret);
      });
    }
  });

  it('the default bound covers chains of hundreds of headers; the 1100-header chain exceeds it and is dropped', () => {
    const long = en.filter((p) => p.where.includes('chains.pcap') && p.data.length > 2000 && p.data.length === p.wirelen);
    const backs = long.map((p) => jumpsBack(g.prog, p.data));
    expect(backs.filter((n) => n >= 250 && n <= DEFAULT_LOOP_BOUND).length).toBeGreaterThanOrEqual(2);
    expect(backs.filter((n) => n > DEFAULT_LOOP_BOUND)).toHaveLength(1);
    const got = vmVerdicts(g.prog, long, 'jit');
    const ref = long.map((p) => runClassic(g.prog, { pkt: p.data }, { semantics: 'libpcap' }).ret);
    expect(got).toEqual(ref.map((v, n) => (backs[n]! > DEFAULT_LOOP_BOUND ? 0 : v)));
  });

  it('packets on which libpcap never returns get 0', () => {
    const cyc = cyclePackets();
    expect(cyc.length).toBeGreaterThanOrEqual(2);
    for (const name of ['ip-protochain-6', 'ip6-protochain-6', 'protochain-6']) {
      const prog = goldens.find((x) => x.name === name && x.linktype === 'EN10MB')!.prog;
      const cycling = cyc.filter((p) => runClassic(prog, { pkt: p.data }, { semantics: 'libpcap', budget: 1 << 20 }).reason === 'budget');
      expect(vmVerdicts(prog, cycling, 'interp')).toEqual(cycling.map(() => 0));
    }
  });

  it.skipIf(tcpdumpMissing !== undefined)('tcpdump itself hangs on cycle.pcap (killed after 3 s)', () => {
    const r = spawnSync('tcpdump', ['-n', '-r', join(protochainDir, 'cycle.pcap'), 'ip protochain 6'], { timeout: 3000, killSignal: 'SIGKILL', encoding: 'utf8' });
    expect(r.signal).toBe('SIGKILL');
  });
});

describe('our verifier (loops: \'bounded\')', () => {
  it('accepts every golden\'s translation, walking the loop turn by turn', () => {
    for (const g of goldens) {
      const t = translateClassic(g.prog, { backwardLoops: 'bounded' });
      const r = verifyProgram(t.insns, { loops: 'bounded' });
      expect(r.ok, `${g.linktype}/${g.name}: ${r.ok ? '' : r.error.message}`).toBe(true);
      // Every turn is walked: at least one instruction per turn of the bound.
      expect(r.insnsProcessed, g.name).toBeGreaterThan(DEFAULT_LOOP_BOUND);
    }
  });

  it('refuses loops by default, and a loop without its counter test', () => {
    const g = goldens.find((x) => x.name === 'ip6-protochain-6' && x.linktype === 'EN10MB')!;
    const t = translateClassic(g.prog, { backwardLoops: 'bounded' });
    const r = verifyProgram(t.insns);
    expect(r.ok ? '' : r.error.detail).toMatch(/back-edge .* loops are not allowed/);
    // The counter still counts down, but the test waits for a value it never takes: the walk never ends.
    const noExit = t.insns.map((i) => (i.code === 0x15 && i.dst === 8 ? { ...i, imm: 0x7fffffff } : i));
    const r2 = verifyProgram(noExit, { loops: 'bounded', maxProcessed: 200_000 });
    expect(r2.ok ? '' : r2.error.detail).toMatch(/too complex/);
    // A counter that never counts (its decrement made a no-op jump): the second turn is the first one again.
    const noCount = t.insns.map((i) => (i.dst === 8 && i.code === 0x07 ? { ...i, code: 0x05, dst: 0, off: 0, imm: 0 } : i));
    const r3 = verifyProgram(noCount, { loops: 'bounded' });
    expect(r3.ok ? '' : r3.error.detail).toMatch(/loop may not end/);
  });

  it('a smaller bound is walked in fewer steps', () => {
    const g = goldens.find((x) => x.name === 'protochain-6' && x.linktype === 'EN10MB')!;
    const small = verifyProgram(translateClassic(g.prog, { backwardLoops: 'bounded', loopBound: 16 }).insns, { loops: 'bounded' });
    const big = verifyProgram(translateClassic(g.prog, { backwardLoops: 'bounded' }).insns, { loops: 'bounded' });
    expect(small.ok && big.ok).toBe(true);
    expect(big.insnsProcessed / small.insnsProcessed).toBeGreaterThan(20);
  });
});

describe('property: random header chains', () => {
  // Ethernet + IPv6 or IPv4, then a chain of small headers whose next/length bytes come from
  // the values protochain looks at (so the walk goes deep), then random bytes; cut anywhere.
  const nextByte = fc.oneof(
    { arbitrary: fc.constantFrom(0, 43, 44, 60), weight: 10 },
    { arbitrary: fc.constantFrom(51, 6, 17, 58, 59), weight: 2 },
    { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 1 },
  );
  const header = fc.tuple(nextByte, fc.integer({ min: 0, max: 6 }), fc.uint8Array({ minLength: 6, maxLength: 6 }));
  const packet = fc.record({
    v6: fc.boolean(),
    first: nextByte,
    ihl: fc.integer({ min: 5, max: 15 }),
    chain: fc.array(header, { maxLength: 32 }),
    cut: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.nat(), weight: 1 }),
  }).map(({ v6, first, ihl, chain, cut }) => {
    const eth = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, v6 ? 0x86 : 0x08, v6 ? 0xdd : 0x00];
    const ip = v6
      ? [0x60, 0, 0, 0, 0, 0, first, 64, ...new Array(32).fill(1)]
      : [0x40 | ihl, 0, 0, 0, 0, 0, 0, 0, 64, first, 0, 0, ...new Array(ihl * 4 - 12).fill(0)];
    const body = chain.flatMap(([next, len, rest]) => [next, len, ...rest, ...new Array(8 * len).fill(len)]);
    const all = Uint8Array.from([...eth, ...ip, ...body]);
    return all.subarray(0, all.length - (cut % (all.length + 1)));
  });

  it('walks deep: many samples jump back several times, some more than the bound of 8', () => {
    const prog = goldens.find((x) => x.name === 'protochain-6' && x.linktype === 'EN10MB')!.prog;
    const backs = fc.sample(packet, 1000).map((p) => jumpsBack(prog, p));
    expect(backs.filter((n) => n >= 3).length).toBeGreaterThan(50);
    expect(backs.filter((n) => n > 8).length).toBeGreaterThan(0);
  });

  for (const name of ['protochain-6', 'ip6-protochain-17', 'ip-protochain-6']) {
    it(`${name}: the translation on our interpreter gives the classic interpreter's libpcap verdict (or 0 past the bound)`, () => {
      const prog = goldens.find((x) => x.name === name && x.linktype === 'EN10MB')!.prog;
      const f = prepareFilter(prog, { engine: 'interp', backwardLoops: 'bounded', loopBound: 8 });
      fc.assert(fc.property(packet, (pkt) => {
        const ref = runClassic(prog, { pkt }, { semantics: 'libpcap', budget: 1 << 16 });
        const want = ref.reason === 'budget' || jumpsBack(prog, pkt) > 8 ? 0 : ref.ret;
        expect(f.filter.run(pkt, 0, pkt.length, { ...defaultSkbMeta(), len: pkt.length })).toBe(want);
      }), { numRuns: 300 });
    });
  }
});
