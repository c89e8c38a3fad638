/**
 * The running kernel as the judge of bounded loops: the bounded translation of each protochain
 * golden is loaded with bpf(BPF_PROG_LOAD) as a BPF_PROG_TYPE_SOCKET_FILTER (the Linux verifier
 * must accept the loop) and run with BPF_PROG_TEST_RUN over the packets of the loop tests
 * (test/native/bpf_load.c); every return value must be libpcap's verdict (bpf_filter, through
 * test/native/pcap_filter_harness.c). Skips with a message when cc, bpf() or libpcap-dev is
 * missing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runClassic } from '../../src/classic/interp.js';
import { encodeProgram } from '../../src/ebpf/encode.js';
import { exit, mov32Imm } from '../../src/ebpf/insn.js';
import { DEFAULT_LOOP_BOUND, MAX_LOOP_BOUND } from '../../src/translate/loops.js';
import { translateClassic } from '../../src/translate/translate.js';
import { PcapFilterHarness, filterHarnessMissing } from '../classic/pcap-filter-harness.js';
import { kernel, kernelOracle, kernelUnavailable } from './kernel.js';
import { allPackets, cyclePackets, goldens } from './loops-helpers.js';

/** The kernel's test run takes at most about a page of data (as in test/replay/kernel.test.ts). */
const MAX_PACKET = 3000;

const skip = kernelUnavailable ?? filterHarnessMissing;
if (skip) console.warn(`bounded-loop kernel tests skipped: ${skip}`);

describe.skipIf(skip !== undefined)('bounded loops in the running kernel', () => {
  const harness = skip ? undefined : new PcapFilterHarness();
  afterAll(() => harness?.close());
  const packets = allPackets();
  // Every EN10MB golden; two of each other link type.
  const chosen = goldens.filter((g) => g.linktype === 'EN10MB' || g.name === 'ip6-protochain-6' || g.name === 'protochain-6');

  it('loads every golden\'s translation, and each test run returns libpcap\'s verdict', async () => {
    const jobs = [];
    const wants: number[][] = [];
    for (const g of chosen) {
      const list = (packets.get(g.linktype) ?? [])
        .filter((p) => p.data.length <= MAX_PACKET)
        .filter((p) => runClassic(g.prog, { pkt: p.data }, { semantics: 'libpcap', budget: 1 << 16 }).reason !== 'budget');
      // The kernel's skb holds the captured bytes only, so libpcap is given them as the whole packet (len).
      wants.push(await harness!.filter(g.prog, list.map((p) => ({ wirelen: p.data.length, bytes: p.data }))));
      jobs.push({ prog: encodeProgram(translateClassic(g.prog, { backwardLoops: 'bounded' }).insns), packets: list.map((p) => p.data), name: `${g.linktype}/${g.name}`, list });
    }
    // The test run refuses some packets whatever the program (EINVAL: it parses a header the
    // ethertype announces); a program that only returns 0 finds which.
    const probe = encodeProgram([mov32Imm(0, 0), exit()]);
    const refused = kernel!.runMany(jobs.map((j) => ({ prog: probe, packets: j.packets })));
    const got = kernel!.runMany(jobs);
    let runs = 0, matches = 0, notRun = 0;
    jobs.forEach((j, n) => {
      const want = wants[n]!.map((v, k) => (typeof refused[n]![k] === 'string' ? refused[n]![k]! : v));
      notRun += refused[n]!.filter((v) => typeof v === 'string').length;
      const diff = got[n]!.findIndex((v, k) => v !== want[k]);
      expect(diff, diff >= 0 ? `${j.name}: ${j.list[diff]!.where}: kernel ${got[n]![diff]} != libpcap ${want[diff]}` : '').toBe(-1);
      runs += got[n]!.length;
      matches += wants[n]!.filter((v) => v !== 0).length;
    });
    expect(runs).toBeGreaterThan(10000);
    expect(notRun).toBeLessThan(runs / 10);
    expect(matches).toBeGreaterThan(300);
    console.log(`bounded loops: ${jobs.length} programs loaded, ${runs - notRun} kernel test runs equal libpcap (${matches} matches; ${notRun} packets the test run refuses)`);
  }, 300_000);

  it('drops the packets on which libpcap loops forever', () => {
    const g = goldens.find((x) => x.name === 'ip-protochain-6' && x.linktype === 'EN10MB')!;
    const cyc = cyclePackets().filter((p) => runClassic(g.prog, { pkt: p.data }, { semantics: 'libpcap', budget: 1 << 20 }).reason === 'budget');
    expect(cyc.length).toBeGreaterThan(0);
    const got = kernel!.run(encodeProgram(translateClassic(g.prog, { backwardLoops: 'bounded' }).insns), cyc.map((p) => p.data));
    expect(got).toEqual(cyc.map(() => 0));
  });

  it('loads with CAP_BPF alone (no CAP_SYS_ADMIN, no CAP_PERFMON)', (ctx) => {
    const restricted = kernelOracle('restricted');
    if (!restricted.oracle) {
      ctx.skip(`restricted mode unavailable: ${restricted.why}`);
      return;
    }
    const g = goldens.find((x) => x.name === 'protochain-6' && x.linktype === 'EN10MB')!;
    const r = restricted.oracle.load(encodeProgram(translateClassic(g.prog, { backwardLoops: 'bounded' }).insns));
    expect(r.ok, r.log).toBe(true);
  });

  it('refuses the loop without the bound (the verifier cannot prove it ends) and past what it can walk', () => {
    const g = goldens.find((x) => x.name === 'ip6-protochain-6' && x.linktype === 'EN10MB')!;
    const t = translateClassic(g.prog, { backwardLoops: 'bounded' });
    // With the counter test never true (r8 == 0x7fffffff), the loop has no bound.
    const unbounded = t.insns.map((i) => (i.code === 0x15 && i.dst === 8 ? { ...i, imm: 0x7fffffff } : i));
    expect(kernel!.load(encodeProgram(unbounded)).ok).toBe(false);
    expect(kernel!.load(encodeProgram(t.insns)).ok).toBe(true);
    expect(DEFAULT_LOOP_BOUND).toBeLessThan(MAX_LOOP_BOUND);
  });
});
