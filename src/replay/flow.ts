/**
 * SKF_AD_PAY_OFFSET as Linux 6.18 computes it (skb_get_poff): the flow dissector with the
 * basic keys and no flags, started at the network header with skb->protocol, followed by the
 * fixed length of the transport header it stopped at. Only what moves the answer is modelled:
 * where each header ends, where dissection stops, and where it fails (the answer is then 0).
 * A header counts as present when its bytes lie inside the captured bytes.
 */

// Ethertypes the dissector knows (host order).
const ETH_P_IP = 0x0800, ETH_P_IPV6 = 0x86dd, ETH_P_ARP = 0x0806, ETH_P_RARP = 0x8035;
const ETH_P_8021Q = 0x8100, ETH_P_8021AD = 0x88a8, ETH_P_PPP_SES = 0x8864, ETH_P_TIPC = 0x88ca;
const ETH_P_MPLS_UC = 0x8847, ETH_P_MPLS_MC = 0x8848, ETH_P_FCOE = 0x8906, ETH_P_BATMAN = 0x4305;
const ETH_P_1588 = 0x88f7, ETH_P_HSR = 0x892f, ETH_P_PRP = 0x88fb, ETH_P_CFM = 0x8902, ETH_P_TEB = 0x6558;

// IP protocol numbers.
const IPPROTO_HOPOPTS = 0, IPPROTO_ICMP = 1, IPPROTO_IGMP = 2, IPPROTO_IPIP = 4, IPPROTO_TCP = 6;
const IPPROTO_UDP = 17, IPPROTO_DCCP = 33, IPPROTO_IPV6 = 41, IPPROTO_ROUTING = 43, IPPROTO_FRAGMENT = 44;
const IPPROTO_GRE = 47, IPPROTO_ICMPV6 = 58, IPPROTO_DSTOPTS = 60, IPPROTO_SCTP = 132, IPPROTO_UDPLITE = 136;
const IPPROTO_MPLS = 137;

// PPP protocol numbers (PPPoE sessions, PPTP).
const PPP_IP = 0x21, PPP_IPV6 = 0x57, PPP_MPLS_UC = 0x281, PPP_MPLS_MC = 0x283, GRE_PROTO_PPP = 0x880b;

/** MAX_FLOW_DISSECT_HDRS: headers the dissector walks through before it settles for what it has. */
const MAX_HEADERS = 15;
/** FCOE_HEADER_LEN, sizeof(struct ptp_header), HSR_HLEN, batman-adv unicast + inner Ethernet. */
const FCOE_HLEN = 38, PTP_HLEN = 34, HSR_HLEN = 6, BATADV_HLEN = 24;

// Outcomes of one dissection step (enum flow_dissect_ret).
const GOOD = 0, BAD = 1, PROTO_AGAIN = 2, IPPROTO_AGAIN = 3, CONTINUE = 4;

/** Where a fragment stops the dissection, which decides whether the transport header counts. */
const NOT_FRAGMENT = 0, FIRST_FRAGMENT = 1, LATER_FRAGMENT = 2;

const NO_PACKET = new Uint8Array(0);

/** The dissector's state across steps; one instance serves every packet, so a replay allocates nothing per packet. */
class Dissection {
  buf: Uint8Array = NO_PACKET;
  base = 0;
  len = 0;
  proto = 0;
  nhoff = 0;
  ipProto = 0;
  fragment = NOT_FRAGMENT;

  /** __skb_header_pointer succeeds: the bytes are inside the packet. */
  has(off: number, n: number): boolean {
    return off >= 0 && off + n <= this.len;
  }

  u8(off: number): number {
    return this.buf[this.base + off]!;
  }

  be16(off: number): number {
    return (this.buf[this.base + off]! << 8) | this.buf[this.base + off + 1]!;
  }

  run(headers: number): number {
    let step: number;
    dissect: for (;;) {
      step = this.networkStep();
      if (step === BAD) return 0;
      if (step === PROTO_AGAIN) {
        if (++headers <= MAX_HEADERS) continue;
        break;
      }
      if (step !== CONTINUE) break;
      for (;;) {
        step = this.transportStep();
        if (step === BAD) return 0;
        if (step === PROTO_AGAIN || step === IPPROTO_AGAIN) {
          if (++headers > MAX_HEADERS) break dissect;
          if (step === PROTO_AGAIN) continue dissect;
          continue;
        }
        break dissect;
      }
    }
    // key_control->thoff is a u16, and so is the packet length it is capped at.
    const thoff = Math.min(this.nhoff & 0xffff, this.len & 0xffff);
    return thoff + (this.fragment === LATER_FRAGMENT ? 0 : this.transportHeaderLength(thoff));
  }

  /** One turn of the dissector's switch on the link-level protocol. */
  private networkStep(): number {
    const at = this.nhoff;
    switch (this.proto) {
      case ETH_P_IP: {
        if (!this.has(at, 20)) return BAD;
        const ihl = this.u8(at) & 0xf;
        if (ihl < 5) return BAD;
        this.nhoff = at + ihl * 4;
        this.ipProto = this.u8(at + 9);
        const frag = this.be16(at + 6);
        if (frag & 0x1fff) {
          this.fragment = LATER_FRAGMENT;
          return GOOD;
        }
        if (frag & 0x2000) {
          // A first fragment: its transport header is there, but the dissector goes no deeper.
          this.fragment = FIRST_FRAGMENT;
          return GOOD;
        }
        return CONTINUE;
      }
      case ETH_P_IPV6:
        if (!this.has(at, 40)) return BAD;
        this.ipProto = this.u8(at + 6);
        this.nhoff = at + 40;
        return CONTINUE;
      case ETH_P_8021Q: case ETH_P_8021AD:
        if (!this.has(at, 4)) return BAD;
        this.proto = this.be16(at + 2);
        this.nhoff = at + 4;
        return PROTO_AGAIN;
      case ETH_P_PPP_SES: {
        // struct pppoe_hdr (version 1, type 1, code 0 for session data) and the PPP protocol.
        if (!this.has(at, 8) || this.u8(at) !== 0x11 || this.u8(at + 1) !== 0) return BAD;
        const ppp = this.be16(at + 6);
        this.nhoff = at + 8;
        if (ppp === PPP_IP) this.proto = ETH_P_IP;
        else if (ppp === PPP_IPV6) this.proto = ETH_P_IPV6;
        else if (ppp === PPP_MPLS_UC) this.proto = ETH_P_MPLS_UC;
        else if (ppp === PPP_MPLS_MC) this.proto = ETH_P_MPLS_MC;
        // Any other valid PPP protocol (odd low byte, even high byte) ends the dissection there.
        else return (ppp & 0x0101) === 0x0001 ? GOOD : BAD;
        return PROTO_AGAIN;
      }
      case ETH_P_TIPC:
        return this.has(at, 16) ? GOOD : BAD;
      case ETH_P_MPLS_UC: case ETH_P_MPLS_MC:
        // The basic keys read no label: the dissector steps over one and stops.
        this.nhoff = at + 4;
        return GOOD;
      case ETH_P_FCOE:
        if (this.len - at < FCOE_HLEN) return BAD;
        this.nhoff = at + FCOE_HLEN;
        return GOOD;
      case ETH_P_ARP: case ETH_P_RARP: case ETH_P_CFM:
        return GOOD;
      case ETH_P_BATMAN:
        // Only unicast packets of the compatible version, which carry an inner Ethernet frame.
        if (!this.has(at, BATADV_HLEN) || this.u8(at) !== 0x40 || this.u8(at + 1) !== 15) return BAD;
        this.proto = this.be16(at + BATADV_HLEN - 2);
        this.nhoff = at + BATADV_HLEN;
        return PROTO_AGAIN;
      case ETH_P_1588:
        if (!this.has(at, PTP_HLEN)) return BAD;
        this.nhoff = at + PTP_HLEN;
        return GOOD;
      case ETH_P_HSR: case ETH_P_PRP:
        if (!this.has(at, HSR_HLEN)) return BAD;
        this.proto = this.be16(at + 4);
        this.nhoff = at + HSR_HLEN;
        return PROTO_AGAIN;
      default:
        return BAD;
    }
  }

  /** One turn of the switch on the IP protocol, after an IPv4 or IPv6 header. */
  private transportStep(): number {
    const at = this.nhoff;
    switch (this.ipProto) {
      case IPPROTO_HOPOPTS: case IPPROTO_ROUTING: case IPPROTO_DSTOPTS:
        if (this.proto !== ETH_P_IPV6) return CONTINUE;
        if (!this.has(at, 2)) return BAD;
        this.ipProto = this.u8(at);
        this.nhoff = at + ((this.u8(at + 1) + 1) << 3);
        return IPPROTO_AGAIN;
      case IPPROTO_FRAGMENT:
        if (this.proto !== ETH_P_IPV6) return CONTINUE;
        if (!this.has(at, 8)) return BAD;
        this.ipProto = this.u8(at);
        this.nhoff = at + 8;
        this.fragment = (this.be16(at + 2) & 0xfff8) === 0 ? FIRST_FRAGMENT : LATER_FRAGMENT;
        return GOOD;
      case IPPROTO_IPIP:
        this.proto = ETH_P_IP;
        return PROTO_AGAIN;
      case IPPROTO_IPV6:
        this.proto = ETH_P_IPV6;
        return PROTO_AGAIN;
      case IPPROTO_MPLS:
        this.proto = ETH_P_MPLS_UC;
        return PROTO_AGAIN;
      case IPPROTO_GRE:
        return this.greStep();
      default:
        return CONTINUE;
    }
  }

  /** __skb_flow_dissect_gre: version 0 (with transparent Ethernet bridging) and PPTP's version 1. */
  private greStep(): number {
    const at = this.nhoff;
    if (!this.has(at, 4)) return BAD;
    const flags = this.be16(at);
    if (flags & 0x4000) return GOOD; // routing present: not looked into
    const version = flags & 7;
    if (version > 1) return GOOD;
    let proto = this.be16(at + 2);
    if (version === 1 && !(proto === GRE_PROTO_PPP && flags & 0x2000)) return GOOD;
    let off = 4;
    if (flags & 0x8000) off += 4; // checksum and reserved
    if (flags & 0x2000) { // key
      if (!this.has(at + off, 4)) return BAD;
      off += 4;
    }
    if (flags & 0x1000) off += 4; // sequence number
    if (version === 0) {
      if (proto === ETH_P_TEB) {
        if (!this.has(at + off, 14)) return BAD;
        proto = this.be16(at + off + 12);
        off += 14;
      }
    } else {
      if (flags & 0x0080) off += 4; // acknowledgment number
      if (!this.has(at + off, 4)) return BAD;
      const ppp = this.be16(at + off + 2);
      if (ppp === PPP_IP) proto = ETH_P_IP;
      else if (ppp === PPP_IPV6) proto = ETH_P_IPV6;
      off += 4;
    }
    this.proto = proto;
    this.nhoff = at + off;
    return PROTO_AGAIN;
  }

  /** __skb_get_poff: the fixed header length of the transport protocol at `thoff`; TCP's from its data offset. */
  private transportHeaderLength(thoff: number): number {
    switch (this.ipProto) {
      case IPPROTO_TCP:
        if (!this.has(thoff + 12, 1)) return 0;
        return Math.max(20, (this.u8(thoff + 12) >> 4) * 4);
      case IPPROTO_UDP: case IPPROTO_UDPLITE: case IPPROTO_ICMP: case IPPROTO_ICMPV6: case IPPROTO_IGMP:
        return 8;
      case IPPROTO_DCCP: case IPPROTO_SCTP:
        return 12;
      default:
        return 0;
    }
  }
}

const dissection = new Dissection();

/**
 * The payload offset Linux reports for the packet buf[start, start + caplen), whose network
 * header starts at `netOff` (negative: no network header) with link protocol `protocol`.
 * `vlanTagged`: the outer VLAN tag was taken out of the data into metadata, which the
 * dissector steps over as a header of its own.
 */
export function payloadOffset(
  buf: Uint8Array, start: number, caplen: number, protocol: number, netOff: number, vlanTagged: boolean,
): number {
  if (netOff < 0) return 0;
  const d = dissection;
  d.buf = buf;
  d.base = start;
  d.len = caplen;
  d.proto = protocol;
  d.nhoff = netOff;
  d.ipProto = 0;
  d.fragment = NOT_FRAGMENT;
  const offset = d.run(vlanTagged ? 1 : 0);
  d.buf = NO_PACKET; // hold no capture buffer between packets
  return offset;
}
