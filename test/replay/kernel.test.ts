/**
 * The replay's VM against the running kernel: every translated tcpdump filter of
 * fixtures/filters is loaded as a socket filter and run with BPF_PROG_TEST_RUN over every
 * packet of the fixture captures of its link type family (test/native/bpf_load.c --stream);
 * our engine must return what the kernel returns.
 *
 * The kernel's test run is not a packet socket: it builds the skb from an Ethernet header
 * (bpf_load prepends a copy of the packet's first 14 bytes), so skb->protocol and pkt_type
 * come from eth_type_trans on the loopback device and skb->len is the packet length. Rather
 * than guess them, each packet's `__sk_buff` fields are read from the kernel with probe
 * programs and given to our engine as its SkbMeta, so the comparison is of the programs
 * alone. Skips with a message when cc or bpf() is unavailable.
 */
import { describe, expect, it } from 'vitest';
import { CaptureReader } from '../../src/capture/reader.js';
import { SKB, defaultSkbMeta, type SkbMeta } from '../../src/abi/ctx.js';
import { encodeProgram } from '../../src/ebpf/encode.js';
import { exit, ldxMem } from '../../src/ebpf/insn.js';
import { BPF_W } from '../../src/ebpf/opcodes.js';
import { prepareFilter } from '../../src/replay/engine.js';
import { defaultLinkOptions, dissectLink } from '../../src/replay/link.js';
import { kernel, kernelUnavailable } from '../translate/kernel.js';
import { capturePath, filterIndex, jobs, program } from './helpers.js';

/** The kernel's test run takes at most about a page of data. */
const MAX_PACKET = 3000;

/** Distinct packets (captured bytes) of the captures each filter family is replayed over. */
function familyPackets(): Map<string, Uint8Array[]> {
  const out = new Map<string, Uint8Array[]>();
  const seen = new Set<string>();
  for (const j of jobs) {
    const key = `${j.linktype} ${j.capture}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const list = out.get(j.linktype) ?? [];
    out.set(j.linktype, list);
    let reader: CaptureReader;
    try {
      reader = CaptureReader.open(capturePath(j.capture), { keepGoing: true, onError: () => {} });
    } catch {
      continue; // captures that cannot be opened have no packets
    }
    while (reader.next()) {
      const r = reader.current;
      if (r.caplen <= MAX_PACKET) list.push(r.copyData());
    }
    reader.close();
  }
  for (const [k, list] of out) {
    const unique = new Map(list.map((p) => [Buffer.from(p).toString('hex'), p]));
    out.set(k, [...unique.values()]);
  }
  return out;
}

const bswap16 = (v: number): number => ((v & 0xff) << 8) | ((v >>> 8) & 0xff);

/** Reads the `__sk_buff` fields the kernel's test run gives each packet. */
function kernelMeta(packets: readonly Uint8Array[]): SkbMeta[] {
  const fields: number[] = [
    SKB.len, SKB.pkt_type, SKB.mark, SKB.queue_mapping, SKB.protocol, SKB.vlan_present, SKB.vlan_tci, SKB.vlan_proto,
    SKB.priority, SKB.ifindex, SKB.hash,
  ];
  const runs = kernel!.runMany(fields.map((off) => ({ prog: encodeProgram([ldxMem(BPF_W, 0, 1, off), exit()]), packets })));
  return packets.map((_, n) => {
    const v = (f: number): number => {
      const x = runs[fields.indexOf(f)]![n];
      if (typeof x !== 'number') throw new Error(`probe of __sk_buff offset ${f} failed: ${x}`);
      return x;
    };
    return {
      ...defaultSkbMeta(),
      len: v(SKB.len),
      pktType: v(SKB.pkt_type),
      mark: v(SKB.mark),
      queueMapping: v(SKB.queue_mapping),
      protocol: bswap16(v(SKB.protocol)),
      vlanPresent: v(SKB.vlan_present),
      vlanTci: v(SKB.vlan_tci),
      vlanProto: bswap16(v(SKB.vlan_proto)),
      priority: v(SKB.priority),
      ifindex: v(SKB.ifindex),
      hash: v(SKB.hash),
      // The test run resets the network header to the start of the data it hands over.
      netOff: 0,
    };
  });
}

describe.skipIf(!kernel)(`BPF_PROG_TEST_RUN of the replayed filters${kernelUnavailable ? ` (skipped: ${kernelUnavailable})` : ''}`, () => {
  const packetsByFamily = familyPackets();

  for (const [family, packets] of packetsByFamily) {
    it(`${family}: every translated filter returns what the kernel returns, on ${packets.length} packets`, () => {
      const metas = kernelMeta(packets);
      metas.forEach((m, n) => expect(m.len, `packet ${n}: skb->len is the packet length`).toBe(packets[n]!.length));
      if (family === 'EN10MB') {
        // Our link step derives skb->protocol from the ethertype as eth_type_trans does.
        const meta = defaultSkbMeta();
        const scratch = { buf: new Uint8Array(0), start: 0, caplen: 0, wirelen: 0 };
        let checked = 0;
        packets.forEach((p, n) => {
          if (p.length < 14 || ((p[12]! << 8) | p[13]!) < 0x600) return;
          dissectLink(1, { buf: p, start: 0, caplen: p.length, wirelen: p.length }, meta, defaultLinkOptions(), scratch);
          expect(meta.protocol, `packet ${n}`).toBe(metas[n]!.protocol);
          checked++;
        });
        expect(checked).toBeGreaterThan(100);
      }
      const filters = filterIndex.filter((f) => f.linktype === family && !f.backwardJump);
      const prepared = filters.map((f) => prepareFilter(program(family, f.name), { engine: 'interp' }))
        .filter((p) => p.translation!.projectHelpers.length === 0);
      expect(prepared.length).toBeGreaterThan(20);
      const runs = kernel!.runMany(prepared.map((p) => ({ prog: encodeProgram(p.translation!.insns), packets })));
      let compared = 0, kept = 0;
      prepared.forEach((p, k) => {
        const mismatches: string[] = [];
        packets.forEach((pkt, n) => {
          const theirs = runs[k]![n];
          if (typeof theirs !== 'number') return; // a packet the kernel would not run (too big)
          const mine = p.filter.run(pkt, 0, pkt.length, metas[n]!);
          if (mine !== theirs) mismatches.push(`packet ${Buffer.from(pkt).toString('hex')}: kernel ${theirs}, ours ${mine}`);
          compared++;
          if (theirs !== 0) kept++;
        });
        expect(mismatches, filters[k]!.name).toEqual([]);
      });
      expect(compared).toBeGreaterThan(prepared.length * 20);
      expect(kept).toBeGreaterThan(0);
    });
  }
});
