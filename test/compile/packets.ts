/**
 * The packets the compiler's verdicts are compared on: every packet of the repo's captures and
 * of the libpcap/tcpdump test captures (when present), plus generated frames aimed at what the
 * goldens' expressions test (their addresses, ports, protocols, LLC and SNAP frames, fragments),
 * and each Ethernet frame carrying IP re-framed for the other link types.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureReader } from '../../src/capture/reader.js';

export interface TestPacket {
  bytes: Uint8Array;
  wirelen: number;
  source: string;
}

export const TCPDUMP_TESTS = '/work/shared/captures/tcpdump-tests';
const FIXTURES = fileURLToPath(new URL('../../fixtures/captures/', import.meta.url));

function captureFiles(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...captureFiles(p));
    else if (/\.(pcap|pcapng|cap)$/.test(n)) out.push(p);
  }
  return out.sort();
}

function add(by: Map<number, TestPacket[]>, linktype: number, p: TestPacket): void {
  const list = by.get(linktype) ?? [];
  list.push(p);
  by.set(linktype, list);
}

const be16 = (v: number): number[] => [v >> 8, v & 0xff];
const ip4 = (s: string): number[] => s.split('.').map(Number);
function ip6(s: string): number[] {
  const [a, b = ''] = s.split('::');
  const w = (h: string): number[] => (h ? h.split(':').map((x) => parseInt(x, 16)) : []);
  const head = w(a!);
  const tail = s.includes('::') ? w(b) : [];
  const all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  return all.flatMap(be16);
}
function csumless(bytes: number[]): Uint8Array {
  return Uint8Array.from(bytes);
}

const MACS = [[0, 0x11, 0x22, 0x33, 0x44, 0x55], [1, 2, 3, 4, 5, 6], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [1, 0, 0x5e, 0, 0, 1]];
const V4 = ['1.2.3.4', '5.6.7.8', '10.0.0.1', '10.1.0.9', '192.168.1.1', '172.16.5.4', '127.0.0.1', '0.0.0.10', '224.0.0.1', '255.255.255.255', '9.9.9.9'];
const V6 = ['::1', 'fe80::1', '2001:db8::1', '2001:db9::2', 'ff02::1', '::ffff:102:304'];
const PORTS = [80, 53, 22, 443, 1024, 67, 9, 5500, 85, 0x4747];

function ether(dst: number[], src: number[], type: number, payload: number[]): number[] {
  return [...dst, ...src, ...be16(type), ...payload];
}

function transport(proto: number, sport: number, dport: number, flags: number): number[] {
  switch (proto) {
    case 6: return [...be16(sport), ...be16(dport), 0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0x20, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78];
    case 17: return [...be16(sport), ...be16(dport), 0, 12, 0, 0, 0x12, 0x34, 0x56, 0x78];
    case 132: return [...be16(sport), ...be16(dport), 0, 0, 0, 1, 0, 0, 0, 0];
    case 1: return [sport & 0xff, 0, 0, 0, 0, 1, 0, 1];
    case 58: return [sport & 0xff, 0, 0, 0, 0, 1, 0, 1];
    default: return [0x11, 0x21, 0, 0, 0, 0, 0, 0];
  }
}

function ipv4(src: string, dst: string, proto: number, l4: number[], frag = 0, ihl = 5): number[] {
  const opts = new Array<number>((ihl - 5) * 4).fill(1);
  const total = 20 + opts.length + l4.length;
  return [0x40 | ihl, 0, ...be16(total), 0, 1, ...be16(frag), 64, proto, 0, 0, ...ip4(src), ...ip4(dst), ...opts, ...l4];
}

function ipv6(src: string, dst: string, nxt: number, l4: number[], fragHeader = false): number[] {
  const body = fragHeader ? [nxt, 0, 0, 0, 0, 0, 0, 1, ...l4] : l4;
  return [0x60, 0, 0, 0, ...be16(body.length), fragHeader ? 44 : nxt, 64, ...ip6(src), ...ip6(dst), ...body];
}

/** Ethernet frames for the goldens' expressions. */
export function generatedEthernet(): Uint8Array[] {
  const out: Uint8Array[] = [];
  let n = 0;
  const mac = (): number[] => MACS[n++ % MACS.length]!;
  for (const proto of [6, 17, 132, 1, 2, 9, 103, 112, 50, 51, 47]) {
    for (let i = 0; i < V4.length; i++) {
      const src = V4[i]!;
      const dst = V4[(i * 3 + 1) % V4.length]!;
      const sport = PORTS[i % PORTS.length]!;
      const dport = PORTS[(i + 3) % PORTS.length]!;
      const l4 = transport(proto, sport, dport, [0x02, 0x12, 0x10, 0x11, 0x04][i % 5]!);
      out.push(csumless(ether(mac(), mac(), 0x800, ipv4(src, dst, proto, l4))));
      out.push(csumless(ether(mac(), mac(), 0x800, ipv4(dst, src, proto, transport(proto, dport, sport, 0x02), 0, 6))));
      if (i % 3 === 0) out.push(csumless(ether(mac(), mac(), 0x800, ipv4(src, dst, proto, l4, 0x2001))));
      if (i % 4 === 0) out.push(csumless(ether(mac(), mac(), 0x800, ipv4(src, dst, proto, l4, 0x4000))));
    }
  }
  for (const proto of [6, 17, 132, 58, 103, 50, 51]) {
    for (let i = 0; i < V6.length; i++) {
      const src = V6[i]!;
      const dst = V6[(i + 1) % V6.length]!;
      const l4 = transport(proto, proto === 58 ? [128, 129, 135, 1][i % 4]! : PORTS[i]!, PORTS[(i + 2) % PORTS.length]!, 0x02);
      out.push(csumless(ether(mac(), mac(), 0x86dd, ipv6(src, dst, proto, l4))));
      out.push(csumless(ether(mac(), mac(), 0x86dd, ipv6(dst, src, proto, l4, true))));
    }
  }
  for (const type of [0x806, 0x8035]) {
    for (let i = 0; i < V4.length; i += 2) {
      const arp = [0, 1, 8, 0, 6, 4, 0, 1 + (i % 2), ...mac(), ...ip4(V4[i]!), ...mac(), ...ip4(V4[(i + 1) % V4.length]!)];
      out.push(csumless(ether(mac(), mac(), type, arp)));
    }
  }
  // 802.3 frames with LLC: ISO (with each IS-IS PDU type), STP, IPX, NetBEUI, IP over 802.2, SNAP AppleTalk/AARP/IPX.
  const llc = (payload: number[]): void => {
    out.push(csumless([...mac(), ...mac(), ...be16(payload.length), ...payload]));
  };
  for (const pdu of [15, 16, 17, 18, 20, 24, 25, 26, 27, 99]) llc([0xfe, 0xfe, 0x03, 0x83, 27, 1, 0, pdu, 1, 0, 0, 0]);
  for (const nlpid of [0x81, 0x82, 0x83, 0xcc]) llc([0xfe, 0xfe, 0x03, nlpid, 0, 0, 0, 0]);
  llc([0x42, 0x42, 0x03, 0, 0, 0, 0, 0]);
  llc([0xe0, 0xe0, 0x03, 0xff, 0xff, 0, 0x1e]);
  llc([0xff, 0xff, 0, 0x1e, 0, 0, 0, 0]);
  llc([0xf0, 0xf0, 0x03, 0, 0, 0, 0, 0]);
  llc([0x06, 0x06, 0x03, 0x45, 0, 0, 0, 0]);
  llc([0x64, 0x64, 0x03, 0, 0, 0, 0, 0]);
  llc([0xaa, 0xaa, 0x03, 0x08, 0x00, 0x07, 0x80, 0x9b, 0, 0, 0, 0]);
  llc([0xaa, 0xaa, 0x03, 0, 0, 0, 0x80, 0xf3, 0, 0, 0, 0]);
  llc([0xaa, 0xaa, 0x03, 0, 0, 0, 0x81, 0x37, 0, 0, 0, 0]);
  for (const type of [0x809b, 0x80f3, 0x8137, 0x6001, 0x6002, 0x6003, 0x6004, 0x6007, 0x9000, 0x0064]) {
    out.push(csumless(ether(mac(), mac(), type, [0x45, 0, 0, 0, 0, 0, 0, 0])));
  }
  // Extension header chains and AH, for protochain: IPv6 hop-by-hop -> routing -> fragment -> L4,
  // IPv6 AH -> L4, IPv4 AH -> L4, and an IPv6 chain ending in no next header.
  for (const l4 of [6, 17, 58]) {
    const t = transport(l4, 80, 53, 0x02);
    const ext = (next: number, len8: number): number[] => [next, len8, ...new Array<number>(6 + len8 * 8).fill(0)];
    const chain = [...ext(43, 0), ...ext(44, 1), l4, 0, 0, 0, 0, 0, 0, 1, ...t];
    out.push(csumless(ether(mac(), mac(), 0x86dd, [0x60, 0, 0, 0, ...be16(chain.length), 0, 64, ...ip6('2001:db8::1'), ...ip6('fe80::1'), ...chain])));
    const ah = [l4, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    out.push(csumless(ether(mac(), mac(), 0x86dd, [0x60, 0, 0, 0, ...be16(ah.length + t.length), 51, 64, ...ip6('::1'), ...ip6('2001:db8::1'), ...ah, ...t])));
    out.push(csumless(ether(mac(), mac(), 0x800, ipv4('1.2.3.4', '5.6.7.8', 51, [...ah, ...t]))));
  }
  out.push(csumless(ether(mac(), mac(), 0x86dd, [0x60, 0, 0, 0, 0, 8, 0, 64, ...ip6('::1'), ...ip6('::1'), 59, 0, 0, 0, 0, 0, 0, 0])));
  // The same IP packets inside VLAN tags (one and two), MPLS labels (one and two) and PPPoE sessions.
  const isIp = (f: Uint8Array): boolean => (f[12] === 0x08 && f[13] === 0) || (f[12] === 0x86 && f[13] === 0xdd);
  const inner = out.filter((f) => f.length > 14 && isIp(f)).filter((_, i) => i % 4 === 0);
  for (const [i, f] of inner.entries()) {
    const type = [f[12]!, f[13]!];
    const payload = [...f.subarray(14)];
    const v4 = f[12] === 0x08;
    out.push(csumless(ether(mac(), mac(), [0x8100, 0x88a8, 0x9100][i % 3]!, [...be16([1, 2, 10, 20, 100][i % 5]!), ...type, ...payload])));
    out.push(csumless(ether(mac(), mac(), 0x88a8, [...be16(1), 0x81, 0x00, ...be16(2), ...type, ...payload])));
    const label = (l: number, bos: boolean): number[] => [l >> 12, (l >> 4) & 0xff, ((l & 0xf) << 4) | (bos ? 1 : 0), 64];
    out.push(csumless(ether(mac(), mac(), 0x8847, [...label([100, 5, 7][i % 3]!, true), ...payload])));
    out.push(csumless(ether(mac(), mac(), 0x8847, [...label(100, false), ...label(5, true), ...payload])));
    const pppLen = be16(payload.length + 2), pppProto = be16(v4 ? 0x21 : 0x57);
    out.push(csumless(ether(mac(), mac(), 0x8864, [0x11, 0, ...be16([1, 2][i % 2]!), ...pppLen, ...pppProto, ...payload])));
    out.push(csumless(ether(mac(), mac(), 0x8100, [...be16(100), 0x88, 0x64, 0x11, 0, ...be16(1), ...pppLen, ...pppProto, ...payload])));
  }
  out.push(csumless(ether(mac(), mac(), 0x8863, [0x11, 0x09, 0, 0, 0, 0])));
  // Truncated frames: loads past the end reject.
  out.push(Uint8Array.from([1, 2, 3, 4, 5, 6, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 8, 0]));
  out.push(Uint8Array.from([1, 2, 3]));
  out.push(csumless(ether(mac(), mac(), 0x800, [0x45, 0, 0, 20, 0, 1, 0, 0, 64, 6, 0, 0, 1, 2, 3, 4])));
  return out;
}

/** The same IP datagram on another link type, or undefined where that link type cannot carry it. */
function reframe(frame: Uint8Array, linktype: number): Uint8Array | undefined {
  if (frame.length < 14) return undefined;
  const type = (frame[12]! << 8) | frame[13]!;
  const ip = frame.subarray(14);
  const isV4 = type === 0x800;
  const isV6 = type === 0x86dd;
  const join = (head: number[]): Uint8Array => {
    const out = new Uint8Array(head.length + ip.length);
    out.set(head);
    out.set(ip, head.length);
    return out;
  };
  switch (linktype) {
    case 101: return isV4 || isV6 ? join([]) : undefined;
    case 228: return isV4 ? join([]) : undefined;
    case 229: return isV6 ? join([]) : undefined;
    case 0: return isV4 || isV6 ? join([isV4 ? 2 : 10, 0, 0, 0]) : undefined;
    case 108: return isV4 || isV6 ? join([0, 0, 0, isV4 ? 2 : 10]) : undefined;
    case 113: return join([0, 0, 0, 1, 0, 6, ...frame.subarray(6, 12), 0, 0, ...be16(type <= 1500 ? 4 : type)]);
    case 276: return join([...be16(type <= 1500 ? 4 : type), 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, ...frame.subarray(6, 12), 0, 0]);
    case 9: return isV4 || isV6 ? join([0xff, 0x03, 0, isV4 ? 0x21 : 0x57]) : undefined;
    // Link types the compiler cannot look into: any bytes do for len, link[] and metadata tests.
    case 227: case 231: case 239: case 249: case 253: case 279: return frame;
    default: return undefined;
  }
}

/** Every test packet, by LINKTYPE value; `missing` says why the tcpdump test captures are absent. */
export function testPackets(): { byLinktype: Map<number, TestPacket[]>; missing?: string } {
  const by = new Map<number, TestPacket[]>();
  const dirs = [FIXTURES];
  let missing: string | undefined;
  if (existsSync(TCPDUMP_TESTS)) dirs.push(TCPDUMP_TESTS);
  else missing = `${TCPDUMP_TESTS} is absent`;
  const ether: Uint8Array[] = [];
  for (const dir of dirs) {
    for (const file of captureFiles(dir)) {
      let r: CaptureReader;
      try {
        r = CaptureReader.open(file, { keepGoing: true, onError: () => {} });
      } catch {
        continue; // not a capture at all (a fixture that tests refusal)
      }
      try {
        while (r.next()) {
          const rec = r.current;
          const bytes = rec.copyData();
          add(by, rec.linktype, { bytes, wirelen: rec.wirelen, source: file });
          if (rec.linktype === 1) ether.push(bytes);
        }
      } finally {
        r.close();
      }
    }
  }
  const gen = generatedEthernet();
  for (const bytes of gen) add(by, 1, { bytes, wirelen: bytes.length, source: 'generated' });
  for (const frame of [...gen, ...ether]) {
    for (const lt of [101, 228, 229, 0, 108, 113, 276, 9, 227, 231, 239, 249, 253, 279]) {
      const b = reframe(frame, lt);
      if (b) add(by, lt, { bytes: b, wirelen: b.length, source: 'reframed' });
    }
  }
  return missing ? { byLinktype: by, missing } : { byLinktype: by };
}
