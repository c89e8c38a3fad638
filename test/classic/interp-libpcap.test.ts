/**
 * The 'libpcap' semantics of the reference interpreter against libpcap 1.10.3 itself
 * (bpf_filter and pcap_filter_with_aux_data, through test/native/pcap_filter_harness.c).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureReader } from '../../src/capture/reader.js';
import { checkClassic } from '../../src/classic/check.js';
import { decodeClassic } from '../../src/classic/decode.js';
import { type ClassicProgram, insn } from '../../src/classic/insn.js';
import { runClassic } from '../../src/classic/interp.js';
import { defaultSkbMeta } from '../../src/abi/ctx.js';
import { arbClassicProgram, arbPacket } from './arbitrary.js';
import { PcapFilterHarness, type PcapRun, filterHarnessHasAux, filterHarnessMissing } from './pcap-filter-harness.js';
import { runs } from '../runs.js';

const why = filterHarnessMissing ? ` (skipped: ${filterHarnessMissing})` : '';
const auxWhy = filterHarnessHasAux ? '' : ' (skipped: needs libpcap.a for pcap_filter_with_aux_data)';

/** Our interpreter's answer for one harness run. */
function ours(prog: ClassicProgram, r: PcapRun): number {
  const meta = { ...defaultSkbMeta(), len: r.wirelen, vlanPresent: r.aux?.present ?? 0, vlanTci: r.aux?.tag ?? 0 };
  return runClassic(prog, { pkt: r.bytes, meta }, { semantics: 'libpcap', auxData: r.aux !== undefined }).ret;
}

const fixtures = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** Up to `limit` packets of every capture under fixtures/captures/tcpdump, by link type. */
function capturedPackets(limit = 300): Map<number, PcapRun[]> {
  const byLinktype = new Map<number, PcapRun[]>();
  for (const dir of ['captures/tcpdump']) {
    for (const name of readdirSync(join(fixtures, dir)).filter((n) => /\.pcap(ng)?$/.test(n))) {
      const r = CaptureReader.open(join(fixtures, dir, name));
      try {
        for (let n = 0; n < limit && r.next(); n++) {
          const rec = r.current;
          const list = byLinktype.get(rec.linktype) ?? [];
          list.push({ wirelen: rec.wirelen, bytes: rec.copyData() });
          byLinktype.set(rec.linktype, list);
        }
      } finally {
        r.close();
      }
    }
  }
  return byLinktype;
}

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const seq = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

describe.skipIf(filterHarnessMissing !== undefined)(`libpcap semantics against libpcap 1.10.3${why}`, () => {
  let pcap: PcapFilterHarness;
  beforeAll(() => { pcap = new PcapFilterHarness(); });
  afterAll(() => pcap?.close());

  async function same(prog: ClassicProgram, runs: PcapRun[]): Promise<number[]> {
    const theirs = await pcap.filter(prog, runs);
    expect(runs.map((r) => ours(prog, r))).toEqual(theirs);
    return theirs;
  }

  /** Random valid programs over random packets; returns how many (program, packet) runs were compared. */
  async function compareRandom(arb: fc.Arbitrary<ClassicProgram>, numRuns: number): Promise<number> {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(arb, fc.array(arbPacket(), { minLength: 1, maxLength: 6 }), async (prog, pkts) => {
        checkClassic(prog); // the generator's promise: Linux accepts every program
        const req = pkts.map((p) => ({ wirelen: p.wirelen, bytes: p.bytes }));
        const theirs = await pcap.filter(prog, req);
        compared += req.length;
        expect(req.map((r) => ours(prog, r))).toEqual(theirs);
      }),
      { numRuns: runs(numRuns) },
    );
    return compared;
  }

  it('agrees with bpf_filter on 3000 random valid programs over random packets', async () => {
    // libpcap fails every ancillary and negative-offset load, so leave them out here to run deeper.
    const compared = await compareRandom(arbClassicProgram({ ancillary: false, negativeOffsets: false }), 3000);
    expect(compared).toBeGreaterThan(runs(3000));
  }, 120_000);

  it('agrees with bpf_filter on 1000 random programs with ancillary and SKF_NET_OFF/SKF_LL_OFF loads', async () => {
    expect(await compareRandom(arbClassicProgram(), 1000)).toBeGreaterThan(runs(1000));
  }, 120_000);

  it('agrees on long programs (up to 300 instructions) with packets up to 300 bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        arbClassicProgram({ minLength: 50, maxLength: 300, packetSpan: 256 }),
        fc.array(arbPacket({ maxLength: 300 }), { minLength: 1, maxLength: 4 }),
        async (prog, pkts) => {
          const req = pkts.map((p) => ({ wirelen: p.wirelen, bytes: p.bytes }));
          expect(req.map((r) => ours(prog, r))).toEqual(await pcap.filter(prog, req));
        },
      ),
      { numRuns: runs(300) },
    );
  }, 120_000);

  it.skipIf(!filterHarnessHasAux)(`agrees with pcap_filter_with_aux_data on random programs and VLAN data${auxWhy}`, async () => {
    await fc.assert(
      fc.asyncProperty(
        arbClassicProgram(),
        fc.array(
          fc.record({ p: arbPacket(), present: fc.constantFrom(0, 1), tci: fc.nat({ max: 0xffff }) }),
          { minLength: 1, maxLength: 4 },
        ),
        async (prog, pkts) => {
          // pcap-linux.c hands the filter TCI & 0x0fff and a 0/1 flag; the interpreter does the same from SkbMeta.
          const req = pkts.map(({ p, present, tci }) => ({ wirelen: p.wirelen, bytes: p.bytes, aux: { present, tag: tci & 0x0fff } }));
          const meta = (r: (typeof req)[number], tci: number) =>
            ({ ...defaultSkbMeta(), len: r.wirelen, vlanPresent: r.aux.present, vlanTci: tci });
          const mine = req.map((r, n) => runClassic(prog, { pkt: r.bytes, meta: meta(r, pkts[n]!.tci) }, { semantics: 'libpcap', auxData: true }).ret);
          expect(mine).toEqual(await pcap.filter(prog, req));
        },
      ),
      { numRuns: runs(1000) },
    );
  }, 120_000);

  it('agrees on every recorded tcpdump filter over the real captures of its link type (protochain loops included)', async () => {
    const index = JSON.parse(readFileSync(join(fixtures, 'filters/index.json'), 'utf8')) as Array<{ name: string; linktype: string; pcapLinktype: number }>;
    const packets = capturedPackets();
    let compared = 0;
    let accepted = 0;
    for (const f of index) {
      const runs = packets.get(f.pcapLinktype);
      if (!runs) continue;
      const prog = decodeClassic(readFileSync(join(fixtures, 'filters', f.linktype, `${f.name}.ddd`)), { format: 'ddd' });
      const theirs = await pcap.filter(prog, runs);
      expect(runs.map((r) => ours(prog, r)), `${f.linktype}/${f.name}`).toEqual(theirs);
      compared += runs.length;
      accepted += theirs.filter((v) => v !== 0).length;
    }
    expect(compared).toBeGreaterThan(1000);
    expect(accepted).toBeGreaterThan(100);
  }, 120_000);

  // ---- hand-picked cases where libpcap and Linux part ways (semantics.md §6) ----

  it('[x + k] with a negative k or an X + k that wraps fails the load', async () => {
    const prog = [insn(0x01, 0, 0, 0x3e), insn(0x50, 0, 0, 0xffffffff), insn(0x16, 0, 0, 0)]; // ldx #0x3e; ldb [x - 1]; ret a
    expect(await same(prog, [{ wirelen: 100, bytes: seq(100) }])).toEqual([0]);
    const wrap = [insn(0x01, 0, 0, 0xffffffff), insn(0x50, 0, 0, 1), insn(0x16, 0, 0, 0)]; // ldx #-1; ldb [x + 1]
    expect(await same(wrap, [{ wirelen: 100, bytes: seq(100) }])).toEqual([0]);
    for (const code of [0x40, 0x48, 0x50]) {
      await same([insn(0x01, 0, 0, 2), insn(code, 0, 0, 0xfffffffe), insn(0x16, 0, 0, 0)], [{ wirelen: 8, bytes: seq(8) }]);
    }
  });

  it('loads are bounded by the captured length and LEN is the wire length', async () => {
    for (const code of [0x20, 0x28, 0x30]) {
      const prog = [insn(code, 0, 0, 6), insn(0x16, 0, 0, 0)];
      await same(prog, [6, 7, 8, 9, 10, 11].map((n) => ({ wirelen: 1500, bytes: seq(n) })));
    }
    const len = [insn(0x80, 0, 0, 0), insn(0x16, 0, 0, 0)];
    expect(await same(len, [{ wirelen: 1514, bytes: seq(60) }])).toEqual([1514]);
    const ldxlen = [insn(0x81, 0, 0, 0), insn(0x87, 0, 0, 0), insn(0x16, 0, 0, 0)];
    expect(await same(ldxlen, [{ wirelen: 99, bytes: seq(10) }])).toEqual([99]);
    const msh = [insn(0xb1, 0, 0, 14), insn(0x87, 0, 0, 0), insn(0x16, 0, 0, 0)];
    await same(msh, [{ wirelen: 20, bytes: seq(14) }, { wirelen: 20, bytes: seq(15) }]);
  });

  it('shifts by X of 32 or more give 0; shifts by a constant use the hardware count (x86 masks it)', async () => {
    for (const x of [0, 1, 31, 32, 33, 64, 0xffffffff]) {
      for (const op of [0x6c, 0x7c]) {
        const prog = [insn(0x00, 0, 0, 0x80000001), insn(0x01, 0, 0, x), insn(op, 0, 0, 0), insn(0x16, 0, 0, 0)];
        await same(prog, [{ wirelen: 0, bytes: bytes() }]);
      }
    }
    // Linux refuses these; libpcap 1.10.3 runs them unchecked.
    for (const k of [32, 33, 63]) {
      for (const op of [0x64, 0x74]) {
        await same([insn(0x00, 0, 0, 0x80000003), insn(op, 0, 0, k), insn(0x16, 0, 0, 0)], [{ wirelen: 0, bytes: bytes() }]);
      }
    }
  });

  it('division or modulo by X == 0 returns 0', async () => {
    for (const op of [0x3c, 0x9c]) {
      expect(await same([insn(0x00, 0, 0, 7), insn(op, 0, 0, 0), insn(0x06, 0, 0, 5)], [{ wirelen: 0, bytes: bytes() }])).toEqual([0]);
    }
  });

  it('executes backward ja (a counted loop)', async () => {
    const prog = [
      insn(0x01, 0, 0, 5), // ldx #5
      insn(0x87, 0, 0, 0), // (1) txa
      insn(0x14, 0, 0, 1), // sub #1
      insn(0x07, 0, 0, 0), // tax
      insn(0x15, 1, 0, 0), // jeq #0 -> 6
      insn(0x05, 0, 0, -5 >>> 0), // ja 1
      insn(0x06, 0, 0, 42), // ret #42
    ];
    expect(await same(prog, [{ wirelen: 0, bytes: bytes() }])).toEqual([42]);
    const r = runClassic(prog, { pkt: bytes() }, { semantics: 'libpcap' });
    expect(r.steps).toBe(1 + 5 * 4 + 4 + 1);
  });

  it('ancillary loads: only ldb of the two VLAN offsets, only with aux data; everything else fails', async () => {
    const runs: PcapRun[] = [{ wirelen: 64, bytes: seq(64) }];
    for (const n of [0, 4, 8, 20, 32, 44, 48, 56, 60]) {
      for (const code of [0x20, 0x28, 0x30]) {
        expect(await same([insn(code, 0, 0, (-0x1000 + n) >>> 0), insn(0x06, 0, 0, 9)], runs)).toEqual([0]);
      }
    }
  });

  it.skipIf(!filterHarnessHasAux)(`VLAN aux data answers ldb [vlan_tci] and ldb [vlanp]${auxWhy}`, async () => {
    const tci = [insn(0x30, 0, 0, 0xfffff02c), insn(0x16, 0, 0, 0)];
    const present = [insn(0x30, 0, 0, 0xfffff030), insn(0x16, 0, 0, 0)];
    const runs: PcapRun[] = [
      { wirelen: 4, bytes: seq(4), aux: { present: 1, tag: 0x123 } },
      { wirelen: 4, bytes: seq(4), aux: { present: 0, tag: 0 } },
    ];
    expect(await same(tci, runs)).toEqual([0x123, 0]);
    expect(await same(present, runs)).toEqual([1, 0]);
    // ld/ldh of the same offsets are ordinary (failing) packet loads even with aux data.
    expect(await same([insn(0x28, 0, 0, 0xfffff02c), insn(0x16, 0, 0, 0)], runs)).toEqual([0, 0]);
  });

  it('jset with jt = 0 and all conditional jumps compare unsigned', async () => {
    for (const op of [0x15, 0x25, 0x35, 0x45]) {
      for (const k of [0, 1, 0x7fffffff, 0x80000000, 0xffffffff]) {
        const prog = [insn(0x20, 0, 0, 0), insn(op, 0, 1, k), insn(0x06, 0, 0, 1), insn(0x06, 0, 0, 2)];
        const words = [bytes(0x80, 0, 0, 0), bytes(0xff, 0xff, 0xff, 0xff), bytes(0, 0, 0, 0), bytes(0x7f, 0xff, 0xff, 0xff)];
        await same(prog, words.map((b) => ({ wirelen: 4, bytes: b })));
      }
    }
  });

  it('bpf_validate accepts every program the Linux checker accepts', async () => {
    await fc.assert(fc.asyncProperty(arbClassicProgram(), async (prog) => {
      expect(await pcap.validate(prog)).toBe(true);
    }), { numRuns: runs(300) });
  });
});
