/**
 * Random Ethernet frames for comparisons with a real packet socket: stacks of the headers
 * the kernel's flow dissector walks (VLAN, PPPoE, MPLS, IPv4 and IPv6 with options, extension
 * headers and fragments, IP-in-IP, GRE, TEB, PPTP, batman-adv, HSR, PTP, FCoE, TIPC, ARP, ...)
 * with their fields often valid and sometimes not, then cut short or padded. A frame is a
 * pure function of its seed, so a failure names one.
 */

/** xorshift32 over `seed`: the same frames for the same seed. */
function random(seed: number): { int(n: number): number; chance(p: number): boolean; pick<T>(xs: readonly T[]): T } {
  let x = (seed | 0) || 0x9e3779b9;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  return {
    int: (n) => next() % n,
    chance: (p) => next() / 0x100000000 < p,
    pick: (xs) => xs[next() % xs.length]!,
  };
}

type Rand = ReturnType<typeof random>;

const ETHERTYPES = [0x0800, 0x86dd, 0x8100, 0x88a8, 0x0806, 0x8035, 0x8864, 0x8847, 0x8848, 0x88ca, 0x8906,
  0x4305, 0x88f7, 0x892f, 0x88fb, 0x8902, 0x6558, 0x88cc, 0x0842];
const IP_PROTOS = [6, 6, 17, 17, 136, 1, 58, 2, 33, 132, 4, 41, 47, 47, 137, 0, 43, 44, 60, 59, 115, 50, 51, 255];

class Frame {
  readonly bytes: number[] = [];
  constructor(private readonly r: Rand) {}
  u8(v: number): void { this.bytes.push(v & 0xff); }
  u16(v: number): void { this.u8(v >>> 8); this.u8(v); }
  u32(v: number): void { this.u16(v >>> 16); this.u16(v); }
  junk(n: number): void { for (let i = 0; i < n; i++) this.u8(this.r.int(256)); }
}

/** What follows an ethertype; `depth` bounds the nesting. */
function ethPayload(f: Frame, r: Rand, type: number, depth: number): void {
  const again = (t: number): void => ethPayload(f, r, t, depth + 1);
  const nextType = (): number => (depth > 6 ? r.pick([0x0800, 0x86dd, 0x88cc]) : r.pick(ETHERTYPES));
  switch (type) {
    case 0x0800: return ipv4(f, r, depth);
    case 0x86dd: return ipv6(f, r, depth);
    case 0x8100: case 0x88a8: { const t = nextType(); f.u16(r.int(0x10000)); f.u16(t); return again(t); }
    case 0x8864: { // PPPoE session
      f.u8(r.chance(0.85) ? 0x11 : r.int(256));
      f.u8(r.chance(0.85) ? 0 : r.int(256));
      f.u16(r.int(0x10000));
      f.u16(r.int(1500));
      const ppp = r.pick([0x0021, 0x0057, 0x0281, 0x0283, 0xc021, 0x8021, 0x0031, 0x21, 0x57, r.int(0x10000)]);
      if (ppp < 0x100) { // compressed protocol field: one odd byte
        f.u8(ppp);
        return again(ppp === 0x21 ? 0x0800 : 0x86dd);
      }
      f.u16(ppp);
      return again(ppp === 0x0021 ? 0x0800 : ppp === 0x0057 ? 0x86dd : ppp === 0x0281 || ppp === 0x0283 ? 0x8847 : 0x88cc);
    }
    case 0x4305: { // batman-adv unicast with an inner Ethernet header
      f.u8(r.chance(0.8) ? 0x40 : r.int(256));
      f.u8(r.chance(0.8) ? 15 : r.int(256));
      f.junk(8);
      const t = nextType();
      f.junk(12);
      f.u16(t);
      return again(t);
    }
    case 0x892f: case 0x88fb: { const t = nextType(); f.junk(4); f.u16(t); return again(t); }
    case 0x8847: case 0x8848: f.junk(4 * (1 + r.int(3))); return ipv4(f, r, depth);
    default: f.junk(r.int(60));
  }
}

function ipv4(f: Frame, r: Rand, depth: number): void {
  const ihl = r.chance(0.8) ? 5 : r.int(16);
  const proto = r.pick(IP_PROTOS);
  f.u8((r.chance(0.9) ? 0x40 : r.int(16) << 4) | ihl);
  f.u8(0);
  f.u16(r.int(1500));
  f.u16(r.int(0x10000));
  f.u16(r.chance(0.8) ? 0 : r.pick([0x2000, 0x4000, 0x0001, 0x2001, 0x1fff, r.int(0x10000)]));
  f.u8(64);
  f.u8(proto);
  f.junk(10);
  f.junk(Math.max(0, ihl - 5) * 4);
  ipPayload(f, r, proto, depth);
}

function ipv6(f: Frame, r: Rand, depth: number): void {
  let next = r.pick(IP_PROTOS);
  f.u32(0x60000000 | r.int(0x100000));
  f.u16(r.int(1500));
  f.u8(next);
  f.u8(64);
  f.junk(32);
  // Extension headers: hop-by-hop, routing, destination options, fragment.
  for (let n = 0; n < 4 && [0, 43, 60, 44].includes(next); n++) {
    const after = r.chance(0.7) ? r.pick([6, 17, 58, 0, 43, 60, 44, 4, 41, 47]) : r.pick(IP_PROTOS);
    if (next === 44) {
      f.u8(after); f.u8(0); f.u16(r.pick([0, 1, 8, 0xfff8, r.int(0x10000)])); f.u32(r.int(0x10000));
    } else {
      const units = r.chance(0.8) ? r.int(3) : r.int(256);
      f.u8(after); f.u8(units); f.junk(6 + units * 8);
    }
    next = after;
  }
  ipPayload(f, r, next, depth);
}

function ipPayload(f: Frame, r: Rand, proto: number, depth: number): void {
  switch (proto) {
    case 6: f.u32(r.int(0x10000) << 16 | 80); f.junk(8); f.u8(r.chance(0.8) ? 0x50 : r.int(256)); f.junk(7); return;
    case 4: if (depth < 8) return ipv4(f, r, depth + 1); break;
    case 41: if (depth < 8) return ipv6(f, r, depth + 1); break;
    case 47: if (depth < 8) return gre(f, r, depth + 1); break;
    case 137: f.junk(4); return ipv4(f, r, depth + 1);
    default: break;
  }
  f.junk(8 + r.int(16));
}

function gre(f: Frame, r: Rand, depth: number): void {
  const version = r.chance(0.7) ? 0 : r.chance(0.8) ? 1 : r.int(8);
  const flags = (r.chance(0.5) ? 0 : r.int(0x10000) & 0xb080) | (r.chance(0.1) ? 0x4000 : 0) | version;
  const proto = version === 1 ? r.pick([0x880b, 0x880b, 0x0800]) : r.pick([0x0800, 0x86dd, 0x6558, 0x8847, r.int(0x10000)]);
  f.u16(flags);
  f.u16(proto);
  if (flags & 0x8000) f.junk(4);
  if (flags & 0x2000) f.junk(4);
  if (flags & 0x1000) f.junk(4);
  if (version === 1) {
    if (flags & 0x0080) f.junk(4);
    const ppp = r.pick([0x0021, 0x0057, 0xc021]);
    f.u16(0xff03);
    f.u16(ppp);
    if (ppp === 0x0021) return ipv4(f, r, depth);
    if (ppp === 0x0057) return ipv6(f, r, depth);
    return;
  }
  if (proto === 0x6558) {
    const t = r.pick(ETHERTYPES);
    f.junk(12);
    f.u16(t);
    return ethPayload(f, r, t, depth + 1);
  }
  if (proto === 0x0800) return ipv4(f, r, depth);
  if (proto === 0x86dd) return ipv6(f, r, depth);
  f.junk(r.int(40));
}

/**
 * One frame: the Ethernet header, a stack of headers, then either cut short at a random point
 * (at least the 14-byte header stays) or padded with payload.
 */
export function randomFrame(seed: number): Uint8Array {
  const r = random(seed);
  const f = new Frame(r);
  for (let i = 0; i < 6; i++) f.u8(r.chance(0.7) ? 0 : r.int(256));
  f.junk(6);
  const type = r.chance(0.05) ? r.int(0x600) : r.pick(ETHERTYPES);
  f.u16(type);
  ethPayload(f, r, type, 0);
  let bytes = f.bytes;
  if (r.chance(0.3)) bytes = bytes.slice(0, 14 + r.int(Math.max(1, bytes.length - 13)));
  else for (let n = r.int(64); n > 0; n--) bytes.push(r.int(256));
  return Uint8Array.from(bytes);
}

const h = (s: string): number[] => [...Buffer.from(s.replace(/[\s.]/g, ''), 'hex')];
const zeros = (n: number): number[] => new Array<number>(n).fill(0);
const ETH = 'ffffffffffff 020000000001';
/** IPv4 header (20 bytes) with protocol `p` and fragment field `frag`. */
const ip4 = (p: number, frag = 0): number[] => h(`4500 0040 0000 ${frag.toString(16).padStart(4, '0')} 40 ${p.toString(16).padStart(2, '0')} 0000 0a000001 0a000002`);
/** IPv6 header (40 bytes) with next header `p`. */
const ip6 = (p: number): number[] => [...h(`6000 0000 0020 ${p.toString(16).padStart(2, '0')} 40`), ...zeros(32)];
const tcp = (doff = 5): number[] => [...h('0050 0051 00000000 00000000'), doff << 4, ...h('02 2000 0000 0000')];

/** Frames that each take one path of the flow dissector, by name. */
export const DISSECTOR_CASES: ReadonlyArray<readonly [string, Uint8Array]> = ([
  ['IPv4 TCP', [...h(`${ETH} 0800`), ...ip4(6), ...tcp(), ...zeros(40)]],
  ['IPv4 TCP with options (doff 15)', [...h(`${ETH} 0800`), ...ip4(6), ...tcp(15), ...zeros(60)]],
  ['IPv4 TCP cut before the data offset', [...h(`${ETH} 0800`), ...ip4(6), ...tcp().slice(0, 12)]],
  ['IPv4 with options (ihl 15), UDP', [...h(`${ETH} 0800 4f`), ...ip4(17).slice(1), ...zeros(40), ...zeros(40)]],
  ['IPv4 ihl 4', [...h(`${ETH} 0800 44`), ...ip4(6).slice(1), ...zeros(40)]],
  ['IPv4 first fragment, TCP', [...h(`${ETH} 0800`), ...ip4(6, 0x2000), ...tcp(8), ...zeros(40)]],
  ['IPv4 later fragment', [...h(`${ETH} 0800`), ...ip4(6, 0x0010), ...zeros(40)]],
  ...[1, 2, 33, 132, 136, 58, 115, 255].map((p) => [`IPv4 protocol ${p}`, [...h(`${ETH} 0800`), ...ip4(p), ...zeros(40)]] as const),
  ['IPv4 in IPv4, UDP', [...h(`${ETH} 0800`), ...ip4(4), ...ip4(17), ...zeros(40)]],
  ['IPv6 in IPv4, TCP', [...h(`${ETH} 0800`), ...ip4(41), ...ip6(6), ...tcp(), ...zeros(20)]],
  ['IPv6 hop-by-hop, routing, destination options, UDP', [...h(`${ETH} 86dd`), ...ip6(0), ...h('2b00'), ...zeros(6), ...h('3c01'), ...zeros(14), ...h('1100'), ...zeros(6), ...zeros(40)]],
  ['IPv6 first fragment, TCP', [...h(`${ETH} 86dd`), ...ip6(44), ...h('0600 0001 00000001'), ...tcp(), ...zeros(20)]],
  ['IPv6 later fragment', [...h(`${ETH} 86dd`), ...ip6(44), ...h('0600 0100 00000001'), ...zeros(40)]],
  ['IPv6 with 14 empty hop-by-hop headers', [...h(`${ETH} 86dd`), ...ip6(0), ...zeros(8 * 14), ...zeros(40)]],
  ['IPv6 with 15 empty hop-by-hop headers', [...h(`${ETH} 86dd`), ...ip6(0), ...zeros(8 * 15), ...zeros(40)]],
  ['IPv6 with 20 empty hop-by-hop headers', [...h(`${ETH} 86dd`), ...ip6(0), ...zeros(8 * 20), ...zeros(40)]],
  // The tag counts as a header whether it stays in the data or moves to metadata.
  ['802.1Q, IPv6 with 20 empty hop-by-hop headers', [...h(`${ETH} 8100 0001 86dd`), ...ip6(0), ...zeros(8 * 20), ...zeros(40)]],
  ['IPv4 hop-by-hop (not an IPv6 header there)', [...h(`${ETH} 0800`), ...ip4(0), ...zeros(40)]],
  ['GRE, IPv4', [...h(`${ETH} 0800`), ...ip4(47), ...h('0000 0800'), ...ip4(17), ...zeros(30)]],
  ['GRE with checksum, key, sequence, TEB, IPv4', [...h(`${ETH} 0800`), ...ip4(47), ...h('b000 6558'), ...zeros(12), ...h(`${ETH} 0800`), ...ip4(6), ...tcp(), ...zeros(20)]],
  ['GRE with routing', [...h(`${ETH} 0800`), ...ip4(47), ...h('4000 0800'), ...zeros(40)]],
  ['GRE version 2', [...h(`${ETH} 0800`), ...ip4(47), ...h('0002 0800'), ...zeros(40)]],
  ['PPTP (GRE version 1), IPv4', [...h(`${ETH} 0800`), ...ip4(47), ...h('3081 880b 0010 0001 00000001 00000002 ff03 0021'), ...ip4(17), ...zeros(30)]],
  ['PPTP without a key', [...h(`${ETH} 0800`), ...ip4(47), ...h('1001 880b 00000001 ff03 0021'), ...ip4(17), ...zeros(30)]],
  ['MPLS in IPv4', [...h(`${ETH} 0800`), ...ip4(137), ...zeros(40)]],
  ['802.1Q, 802.1ad, 802.1Q, IPv4 TCP', [...h(`${ETH} 8100 0001 88a8 0002 8100 0003 0800`), ...ip4(6), ...tcp(), ...zeros(20)]],
  ['PPPoE IPv4', [...h(`${ETH} 8864 1100 0001 0030 0021`), ...ip4(17), ...zeros(30)]],
  ['PPPoE compressed protocol', [...h(`${ETH} 8864 1100 0001 0030 21`), ...ip4(17), ...zeros(30)]],
  ['PPPoE LCP', [...h(`${ETH} 8864 1100 0001 0030 c021`), ...zeros(40)]],
  ['PPPoE MPLS', [...h(`${ETH} 8864 1100 0001 0030 0281`), ...zeros(40)]],
  ['MPLS', [...h(`${ETH} 8847 00001140`), ...ip4(6), ...zeros(40)]],
  ['MPLS cut after its label', [...h(`${ETH} 8848 0000`)]],
  ['ARP', [...h(`${ETH} 0806 0001 0800 0604 0001`), ...zeros(20)]],
  ['RARP', [...h(`${ETH} 8035 0001 0800 0604 0003`), ...zeros(20)]],
  ['TIPC', [...h(`${ETH} 88ca`), ...zeros(40)]],
  ['TIPC cut short', [...h(`${ETH} 88ca`), ...zeros(15)]],
  ['FCoE', [...h(`${ETH} 8906`), ...zeros(60)]],
  ['FCoE cut short', [...h(`${ETH} 8906`), ...zeros(37)]],
  ['batman-adv unicast, IPv4 UDP', [...h(`${ETH} 4305 400f 0000 000000000000`), ...h(`${ETH} 0800`), ...ip4(17), ...zeros(30)]],
  ['batman-adv of another version', [...h(`${ETH} 4305 400e 0000 000000000000`), ...h(`${ETH} 0800`), ...ip4(17), ...zeros(30)]],
  ['PTP (IEEE 1588)', [...h(`${ETH} 88f7`), ...zeros(60)]],
  ['HSR, IPv4 TCP', [...h(`${ETH} 892f 0000 0001 0800`), ...ip4(6), ...tcp(), ...zeros(20)]],
  ['PRP, IPv6 UDP', [...h(`${ETH} 88fb 0000 0001 86dd`), ...ip6(17), ...zeros(40)]],
  ['CFM', [...h(`${ETH} 8902`), ...zeros(60)]],
  ['LLDP (unknown to the dissector)', [...h(`${ETH} 88cc`), ...zeros(60)]],
  ['802.3 length field', [...h(`${ETH} 0040`), ...zeros(64)]],
] as const).map(([name, bytes]) => [name, Uint8Array.from(bytes)] as const);
