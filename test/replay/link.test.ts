/**
 * dissectLink on hand-made headers: the cases the fixture captures do not hold (a NULL header
 * written big-endian, runts of every link type, IPv4 fragments for the payload offset), and
 * that it reuses what it is given. The payload offset's agreement with the kernel's flow
 * dissector, path by path, is test/replay/socket.test.ts's.
 */
import { describe, expect, it } from 'vitest';
import { defaultSkbMeta } from '../../src/abi/ctx.js';
import { defaultLinkOptions, dissectLink, type PacketWindow } from '../../src/replay/link.js';

const win = (bytes: number[], wirelen = bytes.length): PacketWindow =>
  ({ buf: Uint8Array.from(bytes), start: 0, caplen: bytes.length, wirelen });
const scratch = (): PacketWindow => ({ buf: new Uint8Array(0), start: 0, caplen: 0, wirelen: 0 });

function dissect(linktype: number, bytes: number[], opts = {}) {
  const meta = defaultSkbMeta();
  const out = dissectLink(linktype, win(bytes), meta, { ...defaultLinkOptions(), ...opts }, scratch());
  return { meta, out };
}

const ipv4Tcp = (frag = 0): number[] => [0x45, 0, 0, 40, 0, 0, frag >> 8, frag & 0xff, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
  0, 80, 0, 80, 0, 0, 0, 0, 0, 0, 0, 0, 0x60, 2, 0, 0, 0, 0, 0, 0];

describe('dissectLink', () => {
  it('NULL: the address family in either byte order; LOOP: network order', () => {
    expect(dissect(0, [2, 0, 0, 0, 0x45]).meta.protocol).toBe(0x0800);
    expect(dissect(0, [0, 0, 0, 2, 0x45]).meta.protocol).toBe(0x0800);
    for (const af of [10, 24, 28, 30]) {
      expect(dissect(0, [0, 0, 0, af, 0x60]).meta.protocol, `AF ${af} big-endian`).toBe(0x86dd);
      expect(dissect(0, [af, 0, 0, 0, 0x60]).meta.protocol, `AF ${af} little-endian`).toBe(0x86dd);
      expect(dissect(108, [0, 0, 0, af, 0x60]).meta.protocol, `LOOP AF ${af}`).toBe(0x86dd);
    }
    expect(dissect(0, [7, 0, 0, 0]).meta.protocol).toBe(0);
  });

  it('runts get no protocol but keep their link-layer defaults', () => {
    expect(dissect(1, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0]).meta).toMatchObject({ protocol: 0, pktType: 1, netOff: 14 });
    expect(dissect(113, [0, 4, 0, 1]).meta).toMatchObject({ protocol: 0, pktType: 0, netOff: 16 });
    expect(dissect(276, [8, 0, 0, 0]).meta).toMatchObject({ protocol: 0, ifindex: 1, netOff: 20 });
    expect(dissect(0, [2, 0]).meta).toMatchObject({ protocol: 0, netOff: 4 });
    expect(dissect(101, []).meta).toMatchObject({ protocol: 0, netOff: 0, len: 0 });
    expect(dissect(147, [1, 2, 3]).meta).toMatchObject({ protocol: 0, netOff: -1, ifindex: 1, pktType: 0 });
  });

  it('the payload offset: after the TCP header, only after the IP header for later fragments', () => {
    const eth = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0];
    expect(dissect(1, [...eth, ...ipv4Tcp()]).meta.payOffset).toBe(14 + 20 + 24);
    expect(dissect(1, [...eth, ...ipv4Tcp(0x0010)]).meta.payOffset).toBe(14 + 20);
    expect(dissect(1, [...eth, ...ipv4Tcp()], { payOffset: false }).meta.payOffset).toBe(0);
    expect(dissect(101, ipv4Tcp()).meta.payOffset).toBe(44);
  });

  it('the payload offset of the frames issue 10 reported, as Linux 6.18 answers them', () => {
    const eth = (type: string): number[] => [...Buffer.from(`ffffffffffff020000000001${type}`, 'hex')];
    const bytes = (s: string): number[] => [...Buffer.from(s, 'hex')];
    const v6HopByHopUdp = [...eth('86dd'), ...bytes(`6000000000180040${'00'.repeat(32)}1100${'00'.repeat(6)}aaaabbbb00080000`)];
    expect(dissect(1, v6HopByHopUdp).meta.payOffset).toBe(14 + 40 + 8 + 8);
    const tagged = [...eth('8100'), 0, 100, 8, 0, ...ipv4Tcp()];
    expect(dissect(1, tagged).meta.payOffset).toBe(14 + 4 + 20 + 24);
    expect(dissect(1, tagged, { vlan: 'metadata' }).meta.payOffset).toBe(14 + 20 + 24);
    expect(dissect(1, [...eth('0806'), ...bytes('0001080006040001'), ...new Array<number>(20).fill(0)]).meta.payOffset).toBe(14);
    expect(dissect(1, [...eth('86dd'), 0x60, ...new Array<number>(139).fill(0)]).meta.payOffset).toBe(0);
  });

  it('moves an 802.1ad outer tag into metadata, leaving the inner 802.1Q tag in the data', () => {
    const frame = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x88, 0xa8, 0x20, 10, 0x81, 0x00, 0, 100, 8, 0, ...ipv4Tcp()];
    const meta = defaultSkbMeta();
    const s = scratch();
    const w = win(frame, frame.length + 100);
    const out = dissectLink(1, w, meta, { ...defaultLinkOptions(), vlan: 'metadata' }, s);
    expect(out).toBe(s);
    expect(meta).toMatchObject({ vlanPresent: 1, vlanTci: 0x200a, vlanProto: 0x88a8, protocol: 0x8100, len: frame.length + 96 });
    expect([...out.buf.subarray(out.start, out.start + out.caplen)]).toEqual([...frame.slice(0, 12), ...frame.slice(16)]);
    // The same window and scratch buffer serve the next packet: no new buffer once it is big enough.
    const buf = s.buf;
    dissectLink(1, w, meta, { ...defaultLinkOptions(), vlan: 'metadata' }, s);
    expect(s.buf).toBe(buf);
    // A tag left in the packet: nothing in metadata, the frame as captured.
    const plain = dissectLink(1, w, meta, defaultLinkOptions(), s);
    expect(plain).toBe(w);
    expect(meta).toMatchObject({ vlanPresent: 0, vlanTci: 0, protocol: 0x88a8 });
  });
});
