/**
 * matchPacket / packetMatcher: one packet at a time must give exactly what a replay of the
 * whole capture gives for that packet (the replay is checked against libpcap and the kernel
 * elsewhere), on every engine, link type and metadata option.
 */
import { describe, expect, it } from 'vitest';
import { CaptureReader } from '../../src/capture/reader.js';
import { ArgumentError } from '../../src/errors.js';
import { matchPacket, packetMatcher, replaySync } from '../../src/index.js';
import { capturePath, jobs, program } from './helpers.js';

/** Every packet's bytes and wire length, with its link type. */
function packets(capture: string): Array<{ data: Uint8Array; wirelen: number; linktype: number }> {
  // A damaged capture gives its good packets, as replay's keepGoing does.
  const r = CaptureReader.open(capture, { keepGoing: true, onError: () => undefined });
  const out: Array<{ data: Uint8Array; wirelen: number; linktype: number }> = [];
  while (r.next()) out.push({ data: r.current.copyData(), wirelen: r.current.wirelen, linktype: r.current.linktype });
  r.close();
  return out;
}

describe('packetMatcher agrees with replay on every packet', () => {
  const picks = jobs.filter((j) => !j.capture.includes('trunc') && !j.capture.includes('bad')).filter((_, k) => k % 17 === 0);
  it(`over ${picks.length} filter/capture pairs, three engines, both VLAN placements`, () => {
    expect(picks.length).toBeGreaterThan(10);
    let compared = 0;
    for (const job of picks) {
      const prog = program(job.linktype, job.filter);
      const capture = capturePath(job.capture);
      const input = packets(capture);
      for (const engine of ['jit', 'interp', 'classic'] as const) {
        for (const vlan of ['packet', 'metadata'] as const) {
          let want: number[];
          try {
            want = replaySync(prog, capture, { engine, link: { vlan }, collect: true, keepGoing: true }).results!.map((r) => r.ret);
          } catch {
            continue; // a filter Linux refuses: replay and matcher refuse it alike (below)
          }
          const matchers = new Map<number, ReturnType<typeof packetMatcher>>();
          const matcher = (linktype: number) =>
            matchers.get(linktype) ?? matchers.set(linktype, packetMatcher(prog, { engine, link: { vlan }, linktype })).get(linktype)!;
          const got = input.map((p) => matcher(p.linktype)(p.data, p.wirelen).ret);
          expect(got, `${job.filter} ${job.capture} ${engine} ${vlan}`).toEqual(want);
          compared += input.length;
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });
});

describe('matchPacket', () => {
  const tcpPort = program('EN10MB', 'tcp-port');
  const [http, arp] = (() => {
    const all = packets(capturePath('generated/mix-en10mb.pcap'));
    const rets = replaySync(tcpPort, capturePath('generated/mix-en10mb.pcap'), { collect: true }).results!.map((r) => r.ret);
    return [all[rets.findIndex((r) => r !== 0)]!.data, all[rets.findIndex((r) => r === 0)]!.data];
  })();

  it('says whether a socket keeps the packet, and how much of it', () => {
    expect(matchPacket(tcpPort, http)).toBe(true);
    expect(matchPacket(tcpPort, arp)).toBe(false);
    const v = packetMatcher(tcpPort)(http);
    expect(v).toEqual({ ret: 262144, accepted: true, kept: http.length });
  });

  it('refuses what Linux refuses, and wrong arguments, with typed errors', () => {
    expect(() => matchPacket(program('EN10MB', 'ip-protochain'), http)).toThrow(/jump-out-of-range/);
    expect(() => matchPacket(tcpPort, 'not bytes' as unknown as Uint8Array)).toThrow(ArgumentError);
    expect(() => packetMatcher(tcpPort)(http, -1)).toThrow(ArgumentError);
  });
});
