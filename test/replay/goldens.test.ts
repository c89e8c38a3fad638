/**
 * `replay --results` against libpcap: every tcpdump-compiled filter of fixtures/filters over
 * every fixture capture of its link type family must return, packet by packet, what
 * libpcap's own reader and bpf_filter returned (goldens recorded by
 * fixtures/replay/record.mjs with test/native/pcap_replay_harness.c).
 *
 * - classic engine, libpcap semantics: every golden, protochain included.
 * - interp engine (the translated program, Linux semantics): every golden except the
 *   divergences listed below, each with its reason (semantics.md §6). The list is checked
 *   to be true: a listed divergence must really differ, and everything else must not.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ancillaryOf } from '../../src/abi/opcodes.js';
import { classicForm } from '../../src/classic/insn.js';
import { CheckError } from '../../src/errors.js';
import { main } from '../../src/cli/main.js';
import { replaySync, type ReplayOptions } from '../../src/replay/replay.js';
import {
  capturePath, filterIndex, filterPath, jobs, libpcapReplay, program, readGolden, replayHarnessMissing,
  type Golden, type GoldenJob,
} from './helpers.js';

/** Where the translated filter, run as Linux runs it, does not return what libpcap returns. */
const DIVERGENCES: Record<string, { linktypes: readonly string[]; refused: boolean; reason: string }> = {
  'ip-protochain': {
    linktypes: ['EN10MB', 'LINUX_SLL', 'LINUX_SLL2', 'RAW', 'NULL'],
    refused: true,
    reason: "tcpdump compiles protochain to a loop (a backward ja); Linux's checker refuses backward jumps, libpcap runs them",
  },
  'ip6-protochain': {
    linktypes: ['EN10MB', 'LINUX_SLL', 'LINUX_SLL2', 'RAW', 'NULL'],
    refused: true,
    reason: "tcpdump compiles protochain to a loop (a backward ja); Linux's checker refuses backward jumps, libpcap runs them",
  },
  inbound: {
    // On LINUX_SLL and LINUX_SLL2 `inbound` reads the packet type from the cooked header instead.
    linktypes: ['EN10MB', 'RAW', 'NULL'],
    refused: false,
    reason: 'compiled to the SKF_AD_PKTTYPE ancillary load: Linux answers it from skb->pkt_type (not PACKET_OUTGOING here, so the packet is kept); ' +
      "libpcap's userland bpf_filter has no packet type, the load fails and the filter returns 0",
  },
};

const divergence = (job: { linktype: string; filter: string }) => {
  const d = DIVERGENCES[job.filter];
  return d && d.linktypes.includes(job.linktype) ? d : undefined;
};

interface Ours {
  results: number[];
  captureError?: { packetNumber: number; message: string };
}

function ours(job: GoldenJob, opts: ReplayOptions): Ours {
  const r = replaySync(program(job.linktype, job.filter), capturePath(job.capture), { ...opts, keepGoing: true, collect: true });
  return { results: r.results!.map((p) => p.ret), ...(r.captureError ? { captureError: r.captureError } : {}) };
}

/** Our results end where libpcap's reading ended, for the same reason. */
function expectSameEnd(job: GoldenJob, got: Ours, golden: Golden): void {
  if (golden.end.kind === 'end') {
    expect(got.captureError?.message, `${job.golden}: libpcap read it to the end`).toBeUndefined();
  } else {
    expect(got.captureError, `${job.golden}: libpcap stopped (${golden.end.message})`).toBeDefined();
    expect(got.captureError!.packetNumber, `${job.golden}: the packet libpcap could not read`).toBe(golden.results.length + 1);
  }
}

const byFilter = new Map<string, GoldenJob[]>();
for (const j of jobs) {
  const key = `${j.linktype}/${j.filter}`;
  byFilter.set(key, [...(byFilter.get(key) ?? []), j]);
}

describe('the goldens cover every filter over every capture of its link type', () => {
  it('every tcpdump-compiled filter has goldens, over captures of every link type family', () => {
    for (const f of filterIndex) expect(byFilter.get(`${f.linktype}/${f.name}`)?.length, `${f.linktype}/${f.name}`).toBeGreaterThan(0);
    expect(jobs.length).toBeGreaterThan(3000);
    const captures = new Set(jobs.map((j) => j.capture));
    for (const c of ['generated/mix-en10mb.pcap', 'generated/mix-sll.pcap', 'generated/mix-sll2.pcapng', 'generated/mix-raw.pcap', 'generated/mix-ipv4.pcap',
      'generated/mix-ipv6.pcap', 'generated/mix-null.pcap', 'generated/mix-loop.pcap', 'generated/be.pcapng', 'generated/spb.pcapng',
      'generated/tsresol.pcapng', 'generated/trunc-data.pcap', 'tcpdump/mptcp-v1.pcap', 'tcpdump/802.1ad_QinQ.pcap']) {
      expect(captures.has(c), c).toBe(true);
    }
    // Some packets are kept and some dropped: the goldens are not all one answer.
    const all = jobs.flatMap((j) => readGolden(j).results);
    expect(all.filter((v) => v !== 0).length).toBeGreaterThan(1000);
    expect(all.filter((v) => v === 0).length).toBeGreaterThan(1000);
  });
});

describe('classic engine, libpcap semantics: exactly libpcap, protochain included', () => {
  for (const [key, list] of byFilter) {
    it(key, () => {
      for (const job of list) {
        const golden = readGolden(job);
        const got = ours(job, { engine: 'classic', semantics: 'libpcap' });
        expect(got.results, job.golden).toEqual(golden.results);
        expectSameEnd(job, got, golden);
      }
    });
  }
});

describe('interp engine (translated, Linux semantics): libpcap, except the listed divergences', () => {
  for (const [key, list] of byFilter) {
    const d = divergence(list[0]!);
    it(d ? `${key} (diverges: ${d.reason})` : key, () => {
      let differs = 0;
      for (const job of list) {
        const golden = readGolden(job);
        if (d?.refused) {
          expect(() => ours(job, { engine: 'interp' }), job.golden).toThrow(CheckError);
          expect(() => ours(job, { engine: 'interp' })).toThrow(/Linux refuses backward jumps .*--engine classic --semantics libpcap/);
          continue;
        }
        const got = ours(job, { engine: 'interp' });
        expectSameEnd(job, got, golden);
        if (d) {
          // What Linux answers instead: the reference classic interpreter with Linux semantics.
          expect(got.results, job.golden).toEqual(ours(job, { engine: 'classic', semantics: 'linux' }).results);
          if (JSON.stringify(got.results) !== JSON.stringify(golden.results)) differs++;
        } else {
          expect(got.results, job.golden).toEqual(golden.results);
        }
      }
      if (d && !d.refused) expect(differs, `${key} is listed as a divergence: some capture must show it`).toBeGreaterThan(0);
    });
  }

  it('the divergences are the only filters Linux refuses or answers differently', () => {
    for (const f of filterIndex) {
      const d = divergence({ linktype: f.linktype, filter: f.name });
      expect(d?.refused ?? false, `${f.linktype}/${f.name}`).toBe(f.backwardJump);
      const prog = program(f.linktype, f.name);
      const ancillary = prog.some((i) => classicForm(i.code)?.kind === 'ld-abs' && ancillaryOf(i.k) !== undefined);
      // A listed answer-divergence is an ancillary load; the other ancillary filters (outbound,
      // ifindex 2) agree here because the default metadata makes Linux answer 0 too.
      if (d && !d.refused) expect(ancillary, `${f.linktype}/${f.name}`).toBe(true);
    }
  });
});

describe('through the CLI', () => {
  let out: string[] = [];
  beforeEach(() => {
    out = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  const picks: Array<[string, string, string, string[]]> = [
    ['EN10MB', 'tcp-port', 'generated/mix-en10mb.pcap', []],
    ['EN10MB', 'vlan-tcp-port', 'tcpdump/802.1ad_QinQ.pcap', []],
    ['LINUX_SLL2', 'inbound', 'generated/mix-sll2.pcapng', []],
    ['RAW', 'tcp-http-get', 'generated/mix-raw.pcap', ['--engine', 'classic']],
    ['EN10MB', 'ip6-protochain', 'generated/mix-en10mb.pcap', ['--engine', 'classic', '--semantics', 'libpcap']],
    ['NULL', 'ip6', 'generated/mix-null.pcap', []],
  ];
  for (const [lt, name, capture, extra] of picks) {
    it(`replay ${lt}/${name} ${capture} --results ${extra.join(' ')}`, async () => {
      const job = jobs.find((j) => j.linktype === lt && j.filter === name && j.capture === capture)!;
      const code = await main(['replay', filterPath(lt, name), capturePath(capture), '--results', ...extra]);
      expect(code).toBe(0);
      expect(out.join('')).toBe(readGolden(job).results.map((v) => `${v}\n`).join(''));
    });
  }
});

describe.skipIf(replayHarnessMissing() !== undefined)('the goldens are what the installed libpcap answers now (live)', () => {
  it('every golden', () => {
    const live = libpcapReplay(jobs);
    jobs.forEach((job, k) => expect(live[k], job.golden).toEqual(readGolden(job)));
  });
});
