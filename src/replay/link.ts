/**
 * The socket-filter view of a captured packet: what a Linux AF_PACKET socket would know
 * about it (skb->protocol, pkt_type, ifindex, VLAN metadata, network offset). Filled into a
 * reused SkbMeta so the replay loop allocates nothing per packet.
 *
 * Per link type (data always starts at the link-layer header):
 * - EN10MB: protocol from the ethertype (802.3 length fields as eth_type_trans reads them),
 *   pkt_type broadcast/multicast from the destination address, else host; network header 14.
 * - LINUX_SLL / LINUX_SLL2: protocol, pkt_type and hatype from the cooked header, and SLL2's
 *   if_index; network header 16 / 20.
 * - RAW: protocol from the IP version nibble; IPV4 / IPV6: from the link type; network header 0.
 * - NULL / LOOP: protocol from the address family (NULL in the writer's byte order, LOOP in
 *   network order; every OS's AF_INET6 value); network header 4.
 * - anything else: the bytes as they are, protocol 0, no network header (SKF_NET_OFF loads fail).
 * Defaults where the capture says nothing: ifindex 1, pkt_type host, mark/hash/queue/priority/cpu 0.
 */
import type { SkbMeta } from '../abi/ctx.js';
import {
  LINKTYPE_EN10MB as LT_EN10MB, LINKTYPE_IEEE802_11 as LT_IEEE802_11, LINKTYPE_IEEE802_11_RADIOTAP as LT_IEEE802_11_RADIOTAP,
  LINKTYPE_IPV4 as LT_IPV4, LINKTYPE_IPV6 as LT_IPV6, LINKTYPE_LINUX_SLL as LT_LINUX_SLL, LINKTYPE_LINUX_SLL2 as LT_LINUX_SLL2,
  LINKTYPE_LOOP as LT_LOOP, LINKTYPE_NULL as LT_NULL, LINKTYPE_RAW as LT_RAW,
} from '../capture/linktype.js';
import { payloadOffset } from './flow.js';

// ETH_P_* values (host order).
const ETH_P_IP = 0x0800, ETH_P_IPV6 = 0x86dd, ETH_P_8021Q = 0x8100, ETH_P_8021AD = 0x88a8;
const ETH_P_802_3 = 0x0001, ETH_P_802_2 = 0x0004, ETH_P_802_3_MIN = 0x0600;

// ARPHRD_* values for dev->type.
const ARPHRD_ETHER = 1, ARPHRD_LOOPBACK = 772, ARPHRD_NONE = 0xfffe;
const ARPHRD_IEEE80211 = 801, ARPHRD_IEEE80211_RADIOTAP = 803;

// PACKET_* values for pkt_type.
export const PACKET_HOST = 0, PACKET_BROADCAST = 1, PACKET_MULTICAST = 2, PACKET_OTHERHOST = 3, PACKET_OUTGOING = 4;

export interface LinkOptions {
  /**
   * Where an Ethernet VLAN tag lives. 'packet': as captured, in the data (what filters that
   * tcpdump compiles offline expect). 'metadata': as Linux's receive path leaves it for a packet
   * socket: the outer tag is removed from the data into vlan_tci/vlan_present/vlan_proto.
   */
  vlan: 'packet' | 'metadata';
  /** LEN and __sk_buff.len: the wire length (tcpdump's view) or the captured length. */
  len: 'wire' | 'captured';
  /** Fixed pkt_type; undefined derives it (SLL header, or Ethernet destination address). */
  pktType?: number;
  /** Fixed ifindex; undefined takes SLL2's if_index, else 1. */
  ifindex?: number;
  mark: number;
  hash: number;
  queueMapping: number;
  priority: number;
  cpu: number;
  /**
   * Compute meta.payOffset (SKF_AD_PAY_OFFSET, the flow dissector's payload offset). Default
   * true; a replay turns it off when the filter never asks, to save the dissection per packet.
   */
  payOffset?: boolean;
}

export function defaultLinkOptions(): LinkOptions {
  return { vlan: 'packet', len: 'wire', mark: 0, hash: 0, queueMapping: 0, priority: 0, cpu: 0 };
}

/** The packet window the filter sees after the link step (VLAN stripping may move it). */
export interface PacketWindow {
  buf: Uint8Array;
  start: number;
  caplen: number;
  wirelen: number;
}

const be16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;

/**
 * Fills `meta` for one packet and returns the window to run the filter over: `win` itself,
 * or, when a tag is moved into metadata, `scratch` holding the untagged copy.
 */
export function dissectLink(linktype: number, win: PacketWindow, meta: SkbMeta, opts: LinkOptions, scratch: PacketWindow): PacketWindow {
  const { buf, start, caplen } = win;
  let out = win;
  let protocol = 0, pktType = PACKET_HOST, ifindex = 1, hatype = ARPHRD_NONE, netOff = 0;
  meta.vlanPresent = 0;
  meta.vlanTci = 0;
  meta.vlanProto = 0;

  switch (linktype) {
    case LT_EN10MB: {
      hatype = ARPHRD_ETHER;
      if (caplen >= 6) {
        const d0 = buf[start]!;
        if (d0 & 1) pktType = isBroadcast(buf, start) ? PACKET_BROADCAST : PACKET_MULTICAST;
      }
      if (caplen < 14) { netOff = 14; break; }
      let type = be16(buf, start + 12);
      if (opts.vlan === 'metadata' && (type === ETH_P_8021Q || type === ETH_P_8021AD) && caplen >= 18) {
        meta.vlanPresent = 1;
        meta.vlanProto = type;
        meta.vlanTci = be16(buf, start + 14);
        out = untag(win, scratch);
        type = be16(out.buf, out.start + 12);
      }
      protocol = ethProtocol(type, out);
      netOff = 14;
      break;
    }
    case LT_LINUX_SLL: // pkttype(2) hatype(2) halen(2) addr(8) protocol(2)
      if (caplen >= 16) {
        pktType = be16(buf, start);
        hatype = be16(buf, start + 2);
        protocol = be16(buf, start + 14);
      }
      netOff = 16;
      break;
    case LT_LINUX_SLL2: // protocol(2) reserved(2) if_index(4) hatype(2) pkttype(1) halen(1) addr(8)
      if (caplen >= 20) {
        protocol = be16(buf, start);
        ifindex = ((buf[start + 4]! << 24) | (buf[start + 5]! << 16) | (buf[start + 6]! << 8) | buf[start + 7]!) >>> 0;
        hatype = be16(buf, start + 8);
        pktType = buf[start + 10]!;
      }
      netOff = 20;
      break;
    case LT_RAW: // raw IP of either version (a tun device): the version nibble says which
      protocol = caplen > 0 ? ipVersionProtocol(buf[start]! >> 4) : 0;
      hatype = ARPHRD_NONE;
      netOff = 0;
      break;
    case LT_IPV4: protocol = ETH_P_IP; hatype = ARPHRD_NONE; netOff = 0; break;
    case LT_IPV6: protocol = ETH_P_IPV6; hatype = ARPHRD_NONE; netOff = 0; break;
    case LT_NULL: case LT_LOOP: {
      hatype = ARPHRD_LOOPBACK;
      if (caplen >= 4) {
        // NULL stores the address family in the capturing host's order, LOOP in network order.
        const bigEndian = be16(buf, start) === 0;
        const af = linktype === LT_LOOP || bigEndian ? be16(buf, start + 2) : (buf[start]! | (buf[start + 1]! << 8));
        protocol = af === 2 ? ETH_P_IP : af === 24 || af === 28 || af === 30 || af === 10 ? ETH_P_IPV6 : 0;
      }
      netOff = 4;
      break;
    }
    // Other link layers: the filter runs over the record's bytes as they are, with default
    // metadata; where the network header starts is unknown, so SKF_NET_OFF loads fail.
    case LT_IEEE802_11: hatype = ARPHRD_IEEE80211; netOff = -1; break;
    case LT_IEEE802_11_RADIOTAP: hatype = ARPHRD_IEEE80211_RADIOTAP; netOff = -1; break;
    default: netOff = -1; break;
  }

  meta.protocol = protocol;
  meta.pktType = opts.pktType ?? pktType;
  meta.ifindex = opts.ifindex ?? ifindex;
  meta.hatype = hatype;
  meta.netOff = netOff;
  meta.payOffset = opts.payOffset === false ? 0 : payloadOffset(out.buf, out.start, out.caplen, protocol, netOff, meta.vlanPresent !== 0);
  meta.len = opts.len === 'wire' ? out.wirelen : out.caplen;
  meta.mark = opts.mark;
  meta.hash = opts.hash;
  meta.queueMapping = opts.queueMapping;
  meta.priority = opts.priority;
  meta.cpu = opts.cpu;
  return out;
}

function isBroadcast(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < 6; i++) if (b[at + i] !== 0xff) return false;
  return true;
}

/** skb->protocol as eth_type_trans sets it, including the 802.3 length-field cases. */
function ethProtocol(type: number, w: PacketWindow): number {
  if (type >= ETH_P_802_3_MIN) return type;
  // A length field: Novell raw 802.3 starts its payload with 0xFFFF, everything else is 802.2 LLC.
  return w.caplen >= 16 && be16(w.buf, w.start + 14) === 0xffff ? ETH_P_802_3 : ETH_P_802_2;
}

function ipVersionProtocol(version: number): number {
  return version === 4 ? ETH_P_IP : version === 6 ? ETH_P_IPV6 : 0;
}

/** Copies the frame without its outer 802.1Q/802.1ad tag (bytes 12..15) into `scratch`. */
function untag(win: PacketWindow, scratch: PacketWindow): PacketWindow {
  const need = win.caplen - 4;
  if (scratch.buf.length < need) scratch.buf = new Uint8Array(Math.max(need, 2 * scratch.buf.length, 2048));
  const src = win.buf, dst = scratch.buf, s = win.start;
  for (let i = 0; i < 12; i++) dst[i] = src[s + i]!;
  for (let i = 16; i < win.caplen; i++) dst[i - 4] = src[s + i]!;
  scratch.start = 0;
  scratch.caplen = need;
  scratch.wirelen = win.wirelen - 4;
  return scratch;
}
