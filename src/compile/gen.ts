/**
 * Code generation: libpcap 1.10's gencode, primitive by primitive, into the block graph of
 * ./blocks. The order in which blocks and statements are made, and registers allocated,
 * follows libpcap's so that the unoptimized program is the one libpcap prints.
 */
import {
  BPF_ABS, BPF_ALU, BPF_AND, BPF_B, BPF_DIV, BPF_H, BPF_IMM, BPF_IND, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET,
  BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM, BPF_MISC, BPF_MOD, BPF_MSH, BPF_NEG, BPF_OR, BPF_RSH, BPF_ST, BPF_SUB,
  BPF_TAX, BPF_W, BPF_X, BPF_ADD, SKF_AD, SKF_AD_OFF, BPF_MUL, BPF_JA, BPF_TXA,
} from '../abi/opcodes.js';
import { CompileError } from '../errors.js';
import { Block, genAnd, genNot, genOr, sappend, stmt, uncond, type Stmt } from './blocks.js';
import type { Token } from './lexer.js';
import type { LinkLayout } from './link.js';
import { etherAddress, hostAddresses, networkNumber, parseIPv6, protocolNumber, servicePort } from './names/index.js';
import type { Dir, Proto, Qual } from './qual.js';

/** An arithmetic value: the statements computing it into scratch register `regno`, and the tests it needs. */
export interface Arth {
  s: Stmt[];
  b: Block | null;
  regno: number;
}

const JMP = (op: number): number => op | BPF_JMP | BPF_K;
const BPF_MEMWORDS = 16;
const ETHERMTU = 1500;
const ETHERTYPE_IP = 0x800;
const ETHERTYPE_ARP = 0x806;
const ETHERTYPE_REVARP = 0x8035;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_ATALK = 0x809b;
const ETHERTYPE_AARP = 0x80f3;
const ETHERTYPE_IPX = 0x8137;
const ETHERTYPE_DN = 0x6003;
const ETHERTYPE_LAT = 0x6004;
const ETHERTYPE_SCA = 0x6007;
const ETHERTYPE_MOPRC = 0x6002;
const ETHERTYPE_MOPDL = 0x6001;
const LLCSAP_IP = 0x06;
const LLCSAP_ISONS = 0xfe;
const LLCSAP_NETBEUI = 0xf0;
const LLCSAP_IPX = 0xe0;
const LLCSAP_SNAP = 0xaa;
const LLCSAP_8021D = 0x42;
const LINUX_SLL_P_802_3 = 0x0001;
const LINUX_SLL_P_802_2 = 0x0004;
const IPPROTO_ICMP = 1;
const IPPROTO_IGMP = 2;
const IPPROTO_TCP = 6;
const IPPROTO_IGRP = 9;
const IPPROTO_UDP = 17;
const IPPROTO_FRAGMENT = 44;
const IPPROTO_HOPOPTS = 0;
const IPPROTO_ROUTING = 43;
const IPPROTO_DSTOPTS = 60;
const IPPROTO_NONE = 59;
const IPPROTO_ESP = 50;
const IPPROTO_AH = 51;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_PIM = 103;
const IPPROTO_VRRP = 112;
const IPPROTO_SCTP = 132;
const PROTO_UNDEF = -1;
const ISO8473_CLNP = 0x81;
const ISO9542_ESIS = 0x82;
const ISO10589_ISIS = 0x83;

/** Offsets are relative to: */
type OffRel = 'packet' | 'linkhdr' | 'llc' | 'linkpl' | 'linkpl-nosnap' | 'linktype' | 'tran-ipv4' | 'tran-ipv6';

/** libpcap's __pcap_atoin: a dotted quad, possibly short; returns [value, bits] or null. */
function atoin(s: string): [number, number] | null {
  let addr = 0;
  let len = 0;
  for (const part of s.split('.')) {
    let n = 0;
    for (const c of part) {
      if (n > 25) return null;
      n = n * 10 + c.charCodeAt(0) - 48;
    }
    if (n > 255) return null;
    addr = ((addr << 8) | n) >>> 0;
    len += 8;
  }
  return [addr, len];
}

const shl = (v: number, n: number): number => (n >= 32 ? 0 : (v << n) >>> 0);

export class CodeGen {
  private regused = new Array<boolean>(BPF_MEMWORDS).fill(false);
  private curreg = 0;
  private where: Token | undefined;

  /** The layout as the primitives parsed so far leave it: vlan, mpls and pppoes move what follows. */
  private readonly L: { -readonly [K in keyof LinkLayout]: LinkLayout[K] };
  private labelStackDepth = 0;

  constructor(link: LinkLayout, readonly netmask: number, readonly expression: string) {
    this.L = { ...link };
  }

  /** Notes the word whose code is being made, for error messages. */
  at(t: Token): this {
    this.where = t;
    return this;
  }

  error(detail: string): never {
    throw new CompileError(detail, this.expression, this.where?.pos ?? -1, this.where?.text ?? '');
  }

  // --- and/or/not --------------------------------------------------------------

  and(b0: Block, b1: Block): Block {
    genAnd(b0, b1);
    return b1;
  }
  or(b0: Block, b1: Block): Block {
    genOr(b0, b1);
    return b1;
  }
  not(b: Block): Block {
    genNot(b);
    return b;
  }

  // --- registers ---------------------------------------------------------------

  private allocReg(): number {
    for (let n = BPF_MEMWORDS; --n >= 0;) {
      if (this.regused[this.curreg]) this.curreg = (this.curreg + 1) % BPF_MEMWORDS;
      else {
        this.regused[this.curreg] = true;
        return this.curreg;
      }
    }
    return this.error('too many registers needed to evaluate expression');
  }
  private freeReg(n: number): void {
    this.regused[n] = false;
  }

  // --- loads and comparisons -----------------------------------------------------

  private loadAbsRel(base: number, offset: number, size: number): Stmt[] {
    return [stmt(BPF_LD | BPF_ABS | size, base + offset)];
  }

  private loadxIphdrlen(): Stmt[] {
    return [stmt(BPF_LDX | BPF_MSH | BPF_B, this.L.offLinkpl + this.L.offNl)];
  }

  private loadA(rel: OffRel, offset: number, size: number): Stmt[] {
    const L = this.L;
    switch (rel) {
      case 'packet': return [stmt(BPF_LD | BPF_ABS | size, offset)];
      case 'linkhdr': return this.loadAbsRel(0, offset, size);
      case 'llc': return this.loadAbsRel(L.offLinkpl, offset, size);
      case 'linkpl': return this.loadAbsRel(L.offLinkpl, L.offNl + offset, size);
      case 'linkpl-nosnap': return this.loadAbsRel(L.offLinkpl, L.offNlNosnap + offset, size);
      case 'linktype': return this.loadAbsRel(L.offLinktype, offset, size);
      case 'tran-ipv4': return sappend(this.loadxIphdrlen(), [stmt(BPF_LD | BPF_IND | size, L.offLinkpl + L.offNl + offset)]);
      case 'tran-ipv6': return this.loadAbsRel(L.offLinkpl, L.offNl + 40 + offset, size);
    }
  }

  private ncmp(rel: OffRel, offset: number, size: number, mask: number, jtype: number, reverse: boolean, v: number): Block {
    const s = this.loadA(rel, offset, size);
    if (mask >>> 0 !== 0xffffffff) s.push(stmt(BPF_ALU | BPF_AND | BPF_K, mask >>> 0));
    const b = new Block(JMP(jtype), v >>> 0);
    b.stmts = s;
    if (reverse && (jtype === BPF_JGT || jtype === BPF_JGE)) genNot(b);
    return b;
  }
  cmp(rel: OffRel, offset: number, size: number, v: number): Block {
    return this.ncmp(rel, offset, size, 0xffffffff, BPF_JEQ, false, v);
  }
  private cmpGt(rel: OffRel, offset: number, size: number, v: number): Block {
    return this.ncmp(rel, offset, size, 0xffffffff, BPF_JGT, false, v);
  }
  private cmpGe(rel: OffRel, offset: number, size: number, v: number): Block {
    return this.ncmp(rel, offset, size, 0xffffffff, BPF_JGE, false, v);
  }
  private cmpLt(rel: OffRel, offset: number, size: number, v: number): Block {
    return this.ncmp(rel, offset, size, 0xffffffff, BPF_JGE, true, v);
  }
  private cmpLe(rel: OffRel, offset: number, size: number, v: number): Block {
    return this.ncmp(rel, offset, size, 0xffffffff, BPF_JGT, true, v);
  }
  private mcmp(rel: OffRel, offset: number, size: number, v: number, mask: number): Block {
    return this.ncmp(rel, offset, size, mask, BPF_JEQ, false, v);
  }
  private bcmp(rel: OffRel, offset: number, bytes: Uint8Array): Block {
    let size = bytes.length;
    let b: Block | null = null;
    const join = (tmp: Block): void => {
      if (b) genAnd(b, tmp);
      b = tmp;
    };
    while (size >= 4) {
      const p = size - 4;
      join(this.cmp(rel, offset + p, BPF_W, ((bytes[p]! << 24) | (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!) >>> 0));
      size -= 4;
    }
    while (size >= 2) {
      const p = size - 2;
      join(this.cmp(rel, offset + p, BPF_H, (bytes[p]! << 8) | bytes[p + 1]!));
      size -= 2;
    }
    if (size > 0) join(this.cmp(rel, offset, BPF_B, bytes[0]!));
    return b!;
  }

  private true(): Block {
    return uncond(true);
  }
  private false(): Block {
    return uncond(false);
  }

  // --- link layer ----------------------------------------------------------------

  linktype(llProto: number): Block {
    const L = this.L;
    if (this.labelStackDepth > 0) return this.mplsLinktype(llProto);
    switch (L.typeField) {
      case 'ppp': return this.cmp('linktype', 0, BPF_H, PPP_TYPES[llProto] ?? llProto);
      case 'ether': return this.etherLinktype(llProto);
      case 'sll': return this.sllLinktype(llProto);
      case 'ethertype': return this.cmp('linktype', 0, BPF_H, llProto);
      case 'ipversion':
        if (llProto === ETHERTYPE_IP) return this.mcmp('linkhdr', 0, BPF_B, 0x40, 0xf0);
        if (llProto === ETHERTYPE_IPV6) return this.mcmp('linkhdr', 0, BPF_B, 0x60, 0xf0);
        return this.false();
      case 'ipv4': return llProto === ETHERTYPE_IP ? this.true() : this.false();
      case 'ipv6': return llProto === ETHERTYPE_IPV6 ? this.true() : this.false();
      case 'af-host': case 'af-net': {
        let af: number;
        if (llProto === ETHERTYPE_IP) af = 2;
        else if (llProto === ETHERTYPE_IPV6) af = 10;
        else return this.false();
        if (L.typeField === 'af-host') af = (((af & 0xff) << 24) | ((af & 0xff00) << 8) | ((af >>> 8) & 0xff00) | (af >>> 24)) >>> 0;
        return this.cmp('linkhdr', 0, BPF_W, af);
      }
      default:
        return this.error(`${this.linkName()} link-layer type filtering not implemented`);
    }
  }

  private mplsLinktype(llProto: number): Block {
    if (llProto !== ETHERTYPE_IP && llProto !== ETHERTYPE_IPV6) return this.error('unsupported protocol over mpls');
    // The bottom-of-stack bit of the last label, then the IP version.
    const b0 = this.mcmp('linkpl', -2, BPF_B, 0x01, 0x01);
    const b1 = this.mcmp('linkpl', 0, BPF_B, llProto === ETHERTYPE_IP ? 0x40 : 0x60, 0xf0);
    genAnd(b0, b1);
    return b1;
  }

  private snap(orgcode: number, ptype: number): Block {
    return this.bcmp('llc', 0, Uint8Array.from([LLCSAP_SNAP, LLCSAP_SNAP, 0x03, orgcode >>> 16, (orgcode >>> 8) & 0xff, orgcode & 0xff, ptype >>> 8, ptype & 0xff]));
  }

  private etherLinktype(llProto: number): Block {
    let b0: Block;
    let b1: Block;
    switch (llProto) {
      case LLCSAP_ISONS: case LLCSAP_IP: case LLCSAP_NETBEUI:
        b0 = this.cmpGt('linktype', 0, BPF_H, ETHERMTU);
        genNot(b0);
        b1 = this.cmp('llc', 0, BPF_H, (llProto << 8) | llProto);
        genAnd(b0, b1);
        return b1;
      case LLCSAP_IPX:
        b0 = this.cmp('llc', 0, BPF_B, LLCSAP_IPX);
        b1 = this.cmp('llc', 0, BPF_H, 0xffff);
        genOr(b0, b1);
        b0 = this.snap(0, ETHERTYPE_IPX);
        genOr(b0, b1);
        b0 = this.cmpGt('linktype', 0, BPF_H, ETHERMTU);
        genNot(b0);
        genAnd(b0, b1);
        b0 = this.cmp('linktype', 0, BPF_H, ETHERTYPE_IPX);
        genOr(b0, b1);
        return b1;
      case ETHERTYPE_ATALK: case ETHERTYPE_AARP:
        b0 = this.cmpGt('linktype', 0, BPF_H, ETHERMTU);
        genNot(b0);
        b1 = llProto === ETHERTYPE_ATALK ? this.snap(0x080007, ETHERTYPE_ATALK) : this.snap(0, ETHERTYPE_AARP);
        genAnd(b0, b1);
        b0 = this.cmp('linktype', 0, BPF_H, llProto);
        genOr(b0, b1);
        return b1;
      default:
        if (llProto <= ETHERMTU) {
          b0 = this.cmpGt('linktype', 0, BPF_H, ETHERMTU);
          genNot(b0);
          b1 = this.cmp('linktype', 2, BPF_B, llProto);
          genAnd(b0, b1);
          return b1;
        }
        return this.cmp('linktype', 0, BPF_H, llProto);
    }
  }

  private sllLinktype(llProto: number): Block {
    let b0: Block;
    let b1: Block;
    switch (llProto) {
      case LLCSAP_IP: case LLCSAP_ISONS: case LLCSAP_NETBEUI:
        b0 = this.cmp('linktype', 0, BPF_H, LINUX_SLL_P_802_2);
        b1 = this.cmp('linkpl', 0, BPF_H, (llProto << 8) | llProto);
        genAnd(b0, b1);
        return b1;
      case LLCSAP_IPX:
        b0 = this.cmp('linkpl', 0, BPF_B, LLCSAP_IPX);
        b1 = this.snap(0, ETHERTYPE_IPX);
        genOr(b0, b1);
        b0 = this.cmp('linktype', 0, BPF_H, LINUX_SLL_P_802_2);
        genAnd(b0, b1);
        b0 = this.cmp('linktype', 0, BPF_H, LINUX_SLL_P_802_3);
        genOr(b0, b1);
        b0 = this.cmp('linktype', 0, BPF_H, ETHERTYPE_IPX);
        genOr(b0, b1);
        return b1;
      case ETHERTYPE_ATALK: case ETHERTYPE_AARP:
        b0 = this.cmp('linktype', 0, BPF_H, LINUX_SLL_P_802_2);
        b1 = llProto === ETHERTYPE_ATALK ? this.snap(0x080007, ETHERTYPE_ATALK) : this.snap(0, ETHERTYPE_AARP);
        genAnd(b0, b1);
        b0 = this.cmp('linktype', 0, BPF_H, llProto);
        genOr(b0, b1);
        return b1;
      default:
        if (llProto <= ETHERMTU) {
          b0 = this.cmp('linktype', 0, BPF_H, LINUX_SLL_P_802_2);
          b1 = this.cmp('linkhdr', this.L.offLinkpl, BPF_B, llProto);
          genAnd(b0, b1);
          return b1;
        }
        return this.cmp('linktype', 0, BPF_H, llProto);
    }
  }

  // --- protocols -----------------------------------------------------------------

  protoAbbrev(proto: Proto): Block {
    switch (proto) {
      case 'sctp': return this.proto(IPPROTO_SCTP, 'default', 'default');
      case 'tcp': return this.proto(IPPROTO_TCP, 'default', 'default');
      case 'udp': return this.proto(IPPROTO_UDP, 'default', 'default');
      case 'icmp': return this.proto(IPPROTO_ICMP, 'ip', 'default');
      case 'igmp': return this.proto(IPPROTO_IGMP, 'ip', 'default');
      case 'igrp': return this.proto(IPPROTO_IGRP, 'ip', 'default');
      case 'pim': return this.proto(IPPROTO_PIM, 'default', 'default');
      case 'vrrp': return this.proto(IPPROTO_VRRP, 'ip', 'default');
      case 'carp': return this.proto(IPPROTO_VRRP, 'ip', 'default');
      case 'ip': return this.linktype(ETHERTYPE_IP);
      case 'arp': return this.linktype(ETHERTYPE_ARP);
      case 'rarp': return this.linktype(ETHERTYPE_REVARP);
      case 'link': return this.error('link layer applied in wrong context');
      case 'atalk': return this.linktype(ETHERTYPE_ATALK);
      case 'aarp': return this.linktype(ETHERTYPE_AARP);
      case 'decnet': return this.linktype(ETHERTYPE_DN);
      case 'sca': return this.linktype(ETHERTYPE_SCA);
      case 'lat': return this.linktype(ETHERTYPE_LAT);
      case 'mopdl': return this.linktype(ETHERTYPE_MOPDL);
      case 'moprc': return this.linktype(ETHERTYPE_MOPRC);
      case 'ip6': return this.linktype(ETHERTYPE_IPV6);
      case 'icmp6': return this.proto(IPPROTO_ICMPV6, 'ip6', 'default');
      case 'ah': return this.proto(IPPROTO_AH, 'default', 'default');
      case 'esp': return this.proto(IPPROTO_ESP, 'default', 'default');
      case 'iso': return this.linktype(LLCSAP_ISONS);
      case 'esis': return this.proto(ISO9542_ESIS, 'iso', 'default');
      case 'isis': return this.proto(ISO10589_ISIS, 'iso', 'default');
      case 'clnp': return this.proto(ISO8473_CLNP, 'iso', 'default');
      case 'stp': return this.linktype(LLCSAP_8021D);
      case 'ipx': return this.linktype(LLCSAP_IPX);
      case 'netbeui': return this.linktype(LLCSAP_NETBEUI);
      case 'l1': case 'l2': case 'iih': case 'lsp': case 'snp': case 'csnp': case 'psnp': return this.isisAbbrev(proto);
      case 'radio': return this.error("'radio' is not a valid protocol type");
      default: return this.error('syntax error in filter expression');
    }
  }

  private isisAbbrev(proto: Proto): Block {
    const list: Record<string, number[]> = {
      l1: [15, 17, 18, 24, 26], l2: [16, 17, 20, 25, 27], iih: [15, 16, 17], lsp: [18, 20],
      snp: [24, 25, 26, 27], csnp: [24, 25], psnp: [26, 27],
    };
    const pdus = list[proto]!;
    const b0 = this.proto(pdus[0]!, 'isis', 'default');
    const b1 = this.proto(pdus[1]!, 'isis', 'default');
    genOr(b0, b1);
    for (const p of pdus.slice(2)) genOr(this.proto(p, 'isis', 'default'), b1);
    return b1;
  }

  proto(v: number, proto: Proto, dir: Dir): Block {
    if (dir !== 'default') this.error("direction applied to 'proto'");
    let b0: Block;
    let b1: Block;
    let b2: Block;
    switch (proto) {
      case 'default':
        b0 = this.proto(v, 'ip', dir);
        b1 = this.proto(v, 'ip6', dir);
        genOr(b0, b1);
        return b1;
      case 'link': return this.linktype(v);
      case 'ip':
        b0 = this.linktype(ETHERTYPE_IP);
        b1 = this.cmp('linkpl', 9, BPF_B, v);
        genAnd(b0, b1);
        return b1;
      case 'ip6':
        b0 = this.linktype(ETHERTYPE_IPV6);
        b2 = this.cmp('linkpl', 6, BPF_B, IPPROTO_FRAGMENT);
        b1 = this.cmp('linkpl', 40, BPF_B, v);
        genAnd(b2, b1);
        b2 = this.cmp('linkpl', 6, BPF_B, v);
        genOr(b2, b1);
        genAnd(b0, b1);
        return b1;
      case 'iso':
        b0 = this.linktype(LLCSAP_ISONS);
        b1 = this.cmp('linkpl-nosnap', 0, BPF_B, v);
        genAnd(b0, b1);
        return b1;
      case 'isis':
        b0 = this.proto(ISO10589_ISIS, 'iso', 'default');
        b1 = this.cmp('linkpl-nosnap', 4, BPF_B, v);
        genAnd(b0, b1);
        return b1;
      case 'arp': return this.error('arp does not encapsulate another protocol');
      case 'rarp': return this.error('rarp does not encapsulate another protocol');
      case 'atalk': return this.error('AppleTalk encapsulation is not specifiable');
      case 'decnet': return this.error('DECNET encapsulation is not specifiable');
      case 'lat': return this.error('LAT does not encapsulate another protocol');
      case 'sca': return this.error('SCA does not encapsulate another protocol');
      case 'moprc': return this.error('MOPRC does not encapsulate another protocol');
      case 'mopdl': return this.error('MOPDL does not encapsulate another protocol');
      case 'clnp': return this.error("'clnp proto' is not supported");
      default: return this.error(`'${proto} proto' is bogus`);
    }
  }

  // --- hosts and networks --------------------------------------------------------

  private hostop(addr: number, mask: number, dir: Dir, llProto: number, srcOff: number, dstOff: number): Block {
    return this.byDirection(dir, srcOff, dstOff, (offset) => {
      const b0 = this.linktype(llProto);
      const b1 = this.mcmp('linkpl', offset, BPF_W, addr, mask);
      genAnd(b0, b1);
      return b1;
    }, 'addresses other than 802.11 MAC addresses');
  }

  private hostop6(addr: Uint8Array, mask: Uint8Array, dir: Dir, llProto: number, srcOff: number, dstOff: number): Block {
    return this.byDirection(dir, srcOff, dstOff, (offset) => {
      const word = (a: Uint8Array, n: number): number =>
        ((a[4 * n]! << 24) | (a[4 * n + 1]! << 16) | (a[4 * n + 2]! << 8) | a[4 * n + 3]!) >>> 0;
      const b1 = this.mcmp('linkpl', offset + 12, BPF_W, word(addr, 3), word(mask, 3));
      let b0 = this.mcmp('linkpl', offset + 8, BPF_W, word(addr, 2), word(mask, 2));
      genAnd(b0, b1);
      b0 = this.mcmp('linkpl', offset + 4, BPF_W, word(addr, 1), word(mask, 1));
      genAnd(b0, b1);
      b0 = this.mcmp('linkpl', offset, BPF_W, word(addr, 0), word(mask, 0));
      genAnd(b0, b1);
      b0 = this.linktype(llProto);
      genAnd(b0, b1);
      return b1;
    }, 'addresses other than 802.11 MAC addresses');
  }

  /** DECnet's four header forms (long/short, padded or not), each with the address where it sits. */
  private dnhostop(addr: number, dir: Dir): Block {
    // [short form offset, long form offset] of the address: the source's, then the destination's.
    return this.byDirection<readonly [number, number]>(dir, [3, 15], [1, 7], ([sh, lh]) => {
      // The address is little-endian on the wire; libpcap's ntohs makes the compare right on a little-endian host.
      const a = ((addr & 0xff) << 8) | ((addr >> 8) & 0xff);
      const b0 = this.linktype(ETHERTYPE_DN);
      let tmp = this.mcmp('linkpl', 2, BPF_H, 0x8106, 0xff07);
      const b1 = this.cmp('linkpl', 2 + 1 + lh, BPF_H, a);
      genAnd(tmp, b1);
      tmp = this.mcmp('linkpl', 2, BPF_B, 0x06, 0x07);
      let b2 = this.cmp('linkpl', 2 + lh, BPF_H, a);
      genAnd(tmp, b2);
      genOr(b2, b1);
      tmp = this.mcmp('linkpl', 2, BPF_H, 0x8102, 0xff07);
      b2 = this.cmp('linkpl', 2 + 1 + sh, BPF_H, a);
      genAnd(tmp, b2);
      genOr(b2, b1);
      tmp = this.mcmp('linkpl', 2, BPF_B, 0x02, 0x07);
      b2 = this.cmp('linkpl', 2 + sh, BPF_H, a);
      genAnd(tmp, b2);
      genOr(b2, b1);
      genAnd(b0, b1);
      return b1;
    }, 'addresses other than 802.11 MAC addresses');
  }

  private host(addr: number, mask: number, proto: Proto, dir: Dir, type: string): Block {
    const typestr = type === 'net' ? 'net' : 'host';
    switch (proto) {
      case 'default': {
        const b0 = this.host(addr, mask, 'ip', dir, type);
        // Inside MPLS only IPv4 can follow.
        if (this.labelStackDepth > 0) return b0;
        const b1 = this.host(addr, mask, 'arp', dir, type);
        genOr(b0, b1);
        const b2 = this.host(addr, mask, 'rarp', dir, type);
        genOr(b1, b2);
        return b2;
      }
      case 'link': return this.error(`link-layer modifier applied to ${typestr}`);
      case 'ip': return this.hostop(addr, mask, dir, ETHERTYPE_IP, 12, 16);
      case 'rarp': return this.hostop(addr, mask, dir, ETHERTYPE_REVARP, 14, 24);
      case 'arp': return this.hostop(addr, mask, dir, ETHERTYPE_ARP, 14, 24);
      case 'atalk': return this.error('AppleTalk host filtering not implemented');
      case 'decnet': return this.dnhostop(addr, dir);
      case 'lat': return this.error('LAT host filtering not implemented');
      case 'sca': return this.error('SCA host filtering not implemented');
      case 'moprc': return this.error('MOPRC host filtering not implemented');
      case 'mopdl': return this.error('MOPDL host filtering not implemented');
      case 'ip6': return this.error(`'ip6' modifier applied to ip ${typestr}`);
      case 'aarp': return this.error('AARP host filtering not implemented');
      case 'iso': return this.error('ISO host filtering not implemented');
      case 'ipx': return this.error('IPX host filtering not implemented');
      default: return this.error(`'${proto}' modifier applied to ${typestr}`);
    }
  }

  private host6(addr: Uint8Array, mask: Uint8Array, proto: Proto, dir: Dir, type: string): Block {
    const typestr = type === 'net' ? 'net' : 'host';
    switch (proto) {
      case 'default': case 'ip6': return this.hostop6(addr, mask, dir, ETHERTYPE_IPV6, 8, 24);
      case 'link': return this.error(`link-layer modifier applied to ip6 ${typestr}`);
      case 'atalk': return this.error('AppleTalk host filtering not implemented');
      case 'decnet': return this.error("'decnet' modifier applied to ip6 " + typestr);
      case 'lat': return this.error('LAT host filtering not implemented');
      case 'sca': return this.error('SCA host filtering not implemented');
      case 'moprc': return this.error('MOPRC host filtering not implemented');
      case 'mopdl': return this.error('MOPDL host filtering not implemented');
      case 'aarp': return this.error('AARP host filtering not implemented');
      case 'iso': return this.error('ISO host filtering not implemented');
      case 'ipx': return this.error('IPX host filtering not implemented');
      default: return this.error(`'${proto}' modifier applied to ip6 ${typestr}`);
    }
  }

  /** A number, or a dotted address (`HID`), with its qualifiers (gen_ncode). */
  ncode(s: string | null, v: number, q: Qual): Block {
    const { proto, dir } = q;
    let vlen: number;
    if (s === null) vlen = 32;
    else if (proto === 'decnet') {
      // __pcap_atodn: area.node, sscanf("%d.%d") style.
      const m = /^\s*([+-]?\d+)\.\s*([+-]?\d+)/.exec(s);
      if (!m) return this.error(`malformed decnet address '${s}'`);
      v = (((Number(m[1]) << 10) & 0xfc00) | (Number(m[2]) & 0x3ff)) >>> 0;
      vlen = 32;
    }
    else {
      const r = atoin(s);
      if (!r) return this.error(`invalid IPv4 address '${s}'`);
      [v, vlen] = r;
    }
    switch (q.addr) {
      case 'default': case 'host': case 'net': {
        if (proto === 'decnet') return this.host(v, 0, proto, dir, q.addr);
        if (proto === 'link') return this.error('illegal link layer address');
        let mask = 0xffffffff;
        if (s === null && q.addr === 'net') {
          while (v && (v & 0xff000000) === 0) {
            v = shl(v, 8);
            mask = shl(mask, 8);
          }
        } else {
          v = shl(v, 32 - vlen);
          mask = shl(mask, 32 - vlen);
        }
        return this.host(v, mask, proto, dir, q.addr);
      }
      case 'port': {
        const p = this.portProto(proto, 'port');
        if (v > 65535) return this.error(`illegal port number ${v} > 65535`);
        const b = this.port(v, p, dir);
        genOr(this.port6(v, p, dir), b);
        return b;
      }
      case 'portrange': {
        const p = this.portProto(proto, 'portrange');
        if (v > 65535) return this.error(`illegal port number ${v} > 65535`);
        const b = this.portrange(v, v, p, dir);
        genOr(this.portrange6(v, v, p, dir), b);
        return b;
      }
      case 'gateway': return this.error("'gateway' requires a name");
      case 'proto': return this.proto(v, proto, dir);
      case 'protochain': return this.protochain(v, proto);
      default: return this.error('syntax error in filter expression');
    }
  }

  /** A dotted address where an id may stand: refused after port/portrange/proto/protochain. */
  hid(s: string, q: Qual): Block {
    if (q.addr === 'port') return this.error("'port' modifier applied to IP address");
    if (q.addr === 'portrange') return this.error("'portrange' modifier applied to IP address");
    if (q.addr === 'proto') return this.error("'proto' modifier applied to IP address");
    if (q.addr === 'protochain') return this.error("'protochain' modifier applied to IP address");
    return this.ncode(s, 0, q);
  }

  private portProto(proto: Proto, what: string): number {
    switch (proto) {
      case 'udp': return IPPROTO_UDP;
      case 'tcp': return IPPROTO_TCP;
      case 'sctp': return IPPROTO_SCTP;
      case 'default': return PROTO_UNDEF;
      default: return this.error(`illegal qualifier of '${what}'`);
    }
  }

  /** An address with a mask: `net 10.0.0.0/8`, `net 10.0.0.0 mask 255.0.0.0` (gen_mcode). */
  mcode(s1: string, s2: string | null, masklen: number, q: Qual): Block {
    const r = atoin(s1);
    if (!r) return this.error(`invalid IPv4 address '${s1}'`);
    const n = shl(r[0], 32 - r[1]);
    let m: number;
    if (s2 !== null) {
      const r2 = atoin(s2);
      if (!r2) return this.error(`invalid IPv4 address '${s2}'`);
      m = shl(r2[0], 32 - r2[1]);
      if ((n & ~m) >>> 0 !== 0) return this.error(`non-network bits set in "${s1} mask ${s2}"`);
    } else {
      if (masklen > 32) return this.error('mask length must be <= 32');
      m = masklen === 0 ? 0 : shl(0xffffffff, 32 - masklen);
      if ((n & ~m) >>> 0 !== 0) return this.error(`non-network bits set in "${s1}/${masklen}"`);
    }
    if (q.addr === 'net') return this.host(n, m, q.proto, q.dir, q.addr);
    return this.error('Mask syntax for networks only');
  }

  mcode6(s: string, masklen: number, q: Qual): Block {
    const addr = parseIPv6(s);
    if (!addr) return this.error(`invalid ip6 address ${s}`);
    if (masklen > 128) return this.error('mask length must be <= 128');
    const mask = new Uint8Array(16);
    mask.fill(0xff, 0, masklen >> 3);
    if (masklen % 8) mask[masklen >> 3] = (0xff << (8 - (masklen % 8))) & 0xff;
    for (let n = 0; n < 16; n++) if (addr[n]! & ~mask[n]!) return this.error(`non-network bits set in "${s}/${masklen}"`);
    switch (q.addr) {
      case 'default': case 'host': case 'net':
        if (q.addr !== 'net' && masklen !== 128) return this.error('Mask syntax for networks only');
        return this.host6(addr, mask, q.proto, q.dir, q.addr);
      default:
        return this.error('invalid qualifier against IPv6 address');
    }
  }

  /** A MAC address (gen_ecode). */
  ecode(s: string, q: Qual): Block {
    if ((q.addr === 'host' || q.addr === 'default') && q.proto === 'link') {
      const hex = s.replace(/[-:.]/g, (c) => c);
      const bytes = parseMac(hex);
      if (this.L.mac !== 'ether') return this.error('ethernet addresses supported only on ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel');
      return this.ehostop(bytes, q.dir);
    }
    return this.error('ethernet address used in non-ether expression');
  }

  private ehostop(eaddr: Uint8Array, dir: Dir): Block {
    switch (dir) {
      case 'src': return this.bcmp('linkhdr', 6, eaddr);
      case 'dst': return this.bcmp('linkhdr', 0, eaddr);
      case 'and': case 'default': case 'or': {
        const b0 = this.bcmp('linkhdr', 6, eaddr);
        const b1 = this.bcmp('linkhdr', 0, eaddr);
        if (dir === 'and') genAnd(b0, b1);
        else genOr(b0, b1);
        return b1;
      }
      case 'addr1': case 'addr2': case 'addr3': case 'addr4':
        return this.error(`'${dir}' and 'address${dir.slice(4)}' are only supported on 802.11 with 802.11 headers`);
      case 'ra': return this.error("'ra' is only supported on 802.11 with 802.11 headers");
      case 'ta': return this.error("'ta' is only supported on 802.11 with 802.11 headers");
      default: return this.error('syntax error in filter expression');
    }
  }

  /** A name with its qualifiers (gen_scode). */
  scode(name: string, q: Qual): Block {
    const { proto, dir } = q;
    switch (q.addr) {
      case 'net': {
        let addr = networkNumber(name);
        if (addr === undefined || addr === 0) return this.error(`unknown network '${name}'`);
        let mask = 0xffffffff;
        while (addr && (addr & 0xff000000) === 0) {
          addr = shl(addr, 8);
          mask = shl(mask, 8);
        }
        return this.host(addr, mask, proto, dir, q.addr);
      }
      case 'default': case 'host': {
        if (proto === 'link') {
          if (this.L.mac !== 'ether') return this.error('only ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel supports link-level host name');
          const e = etherAddress(name);
          if (!e) return this.error(`unknown ether host '${name}'`);
          return this.ehostop(e, dir);
        }
        if (proto === 'decnet') return this.error(`invalid DECnet address '${name}'`);
        const addrs = hostAddresses(name);
        if (addrs.length === 0) return this.error(`unknown host '${name}'`);
        let tproto = proto;
        let tproto6: Proto = proto;
        if (this.L.offLinktype < 0 && tproto === 'default') {
          tproto = 'ip';
          tproto6 = 'ip6';
        }
        let b: Block | null = null;
        const ones = new Uint8Array(16).fill(0xff);
        for (const a of addrs) {
          let tmp: Block;
          if (a.length === 4) {
            if (tproto === 'ip6') continue;
            tmp = this.host(((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0, 0xffffffff, tproto, dir, q.addr);
          } else {
            if (tproto6 === 'ip') continue;
            tmp = this.host6(a, ones, tproto6, dir, q.addr);
          }
          if (b) genOr(b, tmp);
          b = tmp;
        }
        if (!b) return this.error(`unknown host '${name}'${proto === 'default' ? '' : ' for specified address family'}`);
        return b;
      }
      case 'port': {
        if (proto !== 'default' && proto !== 'udp' && proto !== 'tcp' && proto !== 'sctp') return this.error("illegal qualifier of 'port'");
        const r = nameToPort(name);
        if (!r) return this.error(`unknown port '${name}'`);
        const [port, named] = r;
        const real = this.checkPortProto(proto, named, `port '${name}'`);
        if (port > 65535) return this.error(`illegal port number ${port} > 65535`);
        const b = this.port(port, real, dir);
        genOr(this.port6(port, real, dir), b);
        return b;
      }
      case 'portrange': {
        if (proto !== 'default' && proto !== 'udp' && proto !== 'tcp' && proto !== 'sctp') return this.error("illegal qualifier of 'portrange'");
        const r = nameToPortrange(name);
        if (!r) return this.error(`unknown port in range '${name}'`);
        const [p1, p2] = r;
        const real = this.checkPortProto(proto, r[2], `port in range '${name}'`);
        if (p1 > 65535) return this.error(`illegal port number ${p1} > 65535`);
        if (p2 > 65535) return this.error(`illegal port number ${p2} > 65535`);
        const b = this.portrange(p1, p2, real, dir);
        genOr(this.portrange6(p1, p2, real, dir), b);
        return b;
      }
      case 'gateway': return this.error('gateway is not supported by this compiler yet');
      case 'proto': return this.proto(this.lookupProto(name, proto), proto, dir);
      case 'protochain': return this.protochain(this.lookupProto(name, proto), proto);
      default: return this.error('syntax error in filter expression');
    }
  }

  private checkPortProto(proto: Proto, real: number, what: string): number {
    const is = (p: number): string => (p === IPPROTO_TCP ? 'tcp' : p === IPPROTO_UDP ? 'udp' : 'sctp');
    for (const [q, n] of [['udp', IPPROTO_UDP], ['tcp', IPPROTO_TCP], ['sctp', IPPROTO_SCTP]] as const) {
      if (proto !== q) continue;
      if (real !== PROTO_UNDEF && real !== n) return this.error(`${what} is ${is(real)}`);
      return n;
    }
    return real;
  }

  private lookupProto(name: string, proto: Proto): number {
    switch (proto) {
      case 'default': case 'ip': case 'ip6': {
        const v = protocolNumber(name);
        if (v === undefined) return this.error(`unknown ip proto '${name}'`);
        return v;
      }
      case 'link': {
        const v = ETHER_PROTOS[name] ?? LLC_SAPS[name];
        if (v === undefined) return this.error(`unknown ether proto '${name}'`);
        return v;
      }
      case 'iso': {
        const v = ({ esis: ISO9542_ESIS, isis: ISO10589_ISIS, clnp: ISO8473_CLNP } as Record<string, number>)[name];
        if (v === undefined) return this.error(`unknown osi proto '${name}'`);
        return v;
      }
      default:
        return this.error(`unknown protocol: ${name}`);
    }
  }

  // --- ports -------------------------------------------------------------------

  private ipfrag(): Block {
    const b = new Block(JMP(BPF_JSET), 0x1fff);
    b.stmts = this.loadA('linkpl', 6, BPF_H);
    genNot(b);
    return b;
  }

  /**
   * What a direction qualifier makes of an atom: `src` and `dst` pick their argument, `and`/`or`
   * (and no qualifier, which is `or`) join both, src first, as libpcap builds them.
   */
  private byDirection<T>(dir: Dir, src: T, dst: T, atom: (at: T) => Block, what: string): Block {
    switch (dir) {
      case 'src': return atom(src);
      case 'dst': return atom(dst);
      case 'and': case 'default': case 'or': {
        const tmp = atom(src);
        const b1 = atom(dst);
        if (dir === 'and') genAnd(tmp, b1);
        else genOr(tmp, b1);
        return b1;
      }
      case 'addr1': case 'addr2': case 'addr3': case 'addr4':
        return this.error(`'${dir}' and 'address${dir.slice(4)}' are not valid qualifiers for ${what}`);
      case 'ra': return this.error(`'ra' is not a valid qualifier for ${what}`);
      case 'ta': return this.error(`'ta' is not a valid qualifier for ${what}`);
      default: return this.error('syntax error in filter expression');
    }
  }

  /** byDirection over the transport header's source (0) and destination (2) port fields. */
  private dirPair(dir: Dir, atom: (off: number) => Block, what: string): Block {
    return this.byDirection(dir, 0, 2, atom, what);
  }

  private portop(port: number, proto: number, dir: Dir): Block {
    const tmp = this.cmp('linkpl', 9, BPF_B, proto);
    const b0 = this.ipfrag();
    genAnd(tmp, b0);
    const b1 = this.dirPair(dir, (off) => this.cmp('tran-ipv4', off, BPF_H, port), 'ports');
    genAnd(b0, b1);
    return b1;
  }

  private portop6(port: number, proto: number, dir: Dir): Block {
    const b0 = this.cmp('linkpl', 6, BPF_B, proto);
    const b1 = this.dirPair(dir, (off) => this.cmp('tran-ipv6', off, BPF_H, port), 'ports');
    genAnd(b0, b1);
    return b1;
  }

  private anyProto(ipProto: number, op: (p: number) => Block): Block {
    if (ipProto !== PROTO_UNDEF) return op(ipProto);
    let tmp = op(IPPROTO_TCP);
    const b1 = op(IPPROTO_UDP);
    genOr(tmp, b1);
    tmp = op(IPPROTO_SCTP);
    genOr(tmp, b1);
    return b1;
  }

  port(port: number, ipProto: number, dir: Dir): Block {
    const b0 = this.linktype(ETHERTYPE_IP);
    const b1 = this.anyProto(ipProto, (p) => this.portop(port, p, dir));
    genAnd(b0, b1);
    return b1;
  }

  port6(port: number, ipProto: number, dir: Dir): Block {
    const b0 = this.linktype(ETHERTYPE_IPV6);
    const b1 = this.anyProto(ipProto, (p) => this.portop6(port, p, dir));
    genAnd(b0, b1);
    return b1;
  }

  private rangeAtom(rel: OffRel, off: number, v1: number, v2: number): Block {
    if (v1 > v2) [v1, v2] = [v2, v1];
    const b1 = this.cmpGe(rel, off, BPF_H, v1);
    const b2 = this.cmpLe(rel, off, BPF_H, v2);
    genAnd(b1, b2);
    return b2;
  }

  private portrange(p1: number, p2: number, ipProto: number, dir: Dir): Block {
    const b0 = this.linktype(ETHERTYPE_IP);
    const b1 = this.anyProto(ipProto, (p) => {
      const tmp = this.cmp('linkpl', 9, BPF_B, p);
      const f = this.ipfrag();
      genAnd(tmp, f);
      const r = this.dirPair(dir, (off) => this.rangeAtom('tran-ipv4', off, p1, p2), 'port ranges');
      genAnd(f, r);
      return r;
    });
    genAnd(b0, b1);
    return b1;
  }

  private portrange6(p1: number, p2: number, ipProto: number, dir: Dir): Block {
    const b0 = this.linktype(ETHERTYPE_IPV6);
    const b1 = this.anyProto(ipProto, (p) => {
      const t = this.cmp('linkpl', 6, BPF_B, p);
      const r = this.dirPair(dir, (off) => this.rangeAtom('tran-ipv6', off, p1, p2), 'port ranges');
      genAnd(t, r);
      return r;
    });
    genAnd(b0, b1);
    return b1;
  }

  /** Set by protochain, whose backward loop libpcap's optimizer cannot take: no optimization. */
  noOptimize = false;

  /**
   * `protochain N`: libpcap's walk along the IPv6 extension headers and IPv4/IPv6 AH headers,
   * a loop inside one block (the in-block jumps linearize resolves; a backward `ja`).
   */
  protochain(v: number, proto: Proto): Block {
    const reg2 = this.allocReg();
    if (proto === 'default') {
      const b0 = this.protochain(v, 'ip');
      const b = this.protochain(v, 'ip6');
      genOr(b0, b);
      return b;
    }
    if (proto !== 'ip' && proto !== 'ip6') return this.error("bad protocol applied for 'protochain'");
    this.noOptimize = true;
    const L = this.L;
    const base = L.offLinkpl + L.offNl;
    const s: Stmt[] = [];
    const emit = (code: number, k = 0): Stmt => {
      const x = stmt(code, k);
      s.push(x);
      return x;
    };
    const jeq = (k: number): Stmt => emit(BPF_JMP | BPF_JEQ | BPF_K, k);
    let b0: Block;
    if (proto === 'ip') {
      b0 = this.linktype(ETHERTYPE_IP);
      emit(BPF_LD | BPF_ABS | BPF_B, base + 9);
      emit(BPF_LDX | BPF_MSH | BPF_B, base);
    } else {
      b0 = this.linktype(ETHERTYPE_IPV6);
      emit(BPF_LD | BPF_ABS | BPF_B, base + 6);
      emit(BPF_LDX | BPF_IMM, 40);
    }
    const again = s.length;
    const fix5 = jeq(v);
    const fix2 = jeq(IPPROTO_NONE);
    fix5.jf = fix2;
    let fix3: Stmt | undefined;
    if (proto === 'ip6') {
      const heads = [IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_FRAGMENT].map((k) => jeq(k));
      fix2.jf = heads[0]!;
      for (let n = 1; n < heads.length; n++) heads[n - 1]!.jf = heads[n]!;
      fix3 = heads[3]!;
      const advance = emit(BPF_LD | BPF_IND | BPF_B, base);
      emit(BPF_ST, reg2);
      emit(BPF_LD | BPF_IND | BPF_B, base + 1);
      emit(BPF_ALU | BPF_ADD | BPF_K, 1);
      emit(BPF_ALU | BPF_MUL | BPF_K, 8);
      emit(BPF_ALU | BPF_ADD | BPF_X, 0);
      emit(BPF_MISC | BPF_TAX);
      emit(BPF_LD | BPF_MEM, reg2);
      emit(BPF_JMP | BPF_JA, (again - s.length - 1) >>> 0);
      for (const h of heads) h.jt = advance;
    } else {
      fix2.jf = emit(BPF_ALU | BPF_ADD | BPF_K, 0);
    }
    const fix4 = jeq(IPPROTO_AH);
    if (fix3) fix3.jf = fix4;
    fix4.jt = emit(BPF_MISC | BPF_TXA);
    emit(BPF_LD | BPF_IND | BPF_B, base);
    emit(BPF_ST, reg2);
    emit(BPF_MISC | BPF_TXA);
    emit(BPF_ALU | BPF_ADD | BPF_K, 1);
    emit(BPF_MISC | BPF_TAX);
    emit(BPF_LD | BPF_IND | BPF_B, base);
    emit(BPF_ALU | BPF_ADD | BPF_K, 2);
    emit(BPF_ALU | BPF_MUL | BPF_K, 4);
    emit(BPF_MISC | BPF_TAX);
    emit(BPF_LD | BPF_MEM, reg2);
    emit(BPF_JMP | BPF_JA, (again - s.length - 1) >>> 0);
    const end = emit(BPF_ALU | BPF_ADD | BPF_K, 0);
    fix2.jt = end;
    fix4.jf = end;
    fix5.jt = end;
    const b = new Block(JMP(BPF_JEQ), v);
    b.stmts = s;
    this.freeReg(reg2);
    genAnd(b0, b);
    return b;
  }

  // --- arithmetic ----------------------------------------------------------------

  loadi(v: number): Arth {
    const reg = this.allocReg();
    return { s: [stmt(BPF_LD | BPF_IMM, v), stmt(BPF_ST, reg)], b: null, regno: reg };
  }

  loadlen(): Arth {
    const reg = this.allocReg();
    return { s: [stmt(BPF_LD | BPF_LEN), stmt(BPF_ST, reg)], b: null, regno: reg };
  }

  private xferToX(a: Arth): Stmt[] {
    return [stmt(BPF_LDX | BPF_MEM, a.regno)];
  }
  private xferToA(a: Arth): Stmt[] {
    return [stmt(BPF_LD | BPF_MEM, a.regno)];
  }

  load(proto: Proto, inst: Arth, size: number): Arth {
    const regno = this.allocReg();
    this.freeReg(inst.regno);
    let sz: number;
    switch (size) {
      case 1: sz = BPF_B; break;
      case 2: sz = BPF_H; break;
      case 4: sz = BPF_W; break;
      default: return this.error('data size must be 1, 2, or 4');
    }
    const L = this.L;
    switch (proto) {
      case 'link': {
        const s = this.xferToX(inst);
        s.push(stmt(BPF_LD | BPF_IND | sz, 0));
        sappend(inst.s, s);
        break;
      }
      case 'ip': case 'arp': case 'rarp': case 'atalk': case 'decnet': case 'sca': case 'lat': case 'moprc': case 'mopdl': case 'ip6': {
        const s = this.xferToX(inst);
        s.push(stmt(BPF_LD | BPF_IND | sz, L.offLinkpl + L.offNl));
        sappend(inst.s, s);
        const b = this.protoAbbrev(proto);
        if (inst.b) genAnd(inst.b, b);
        inst.b = b;
        break;
      }
      case 'sctp': case 'tcp': case 'udp': case 'icmp': case 'igmp': case 'igrp': case 'pim': case 'vrrp': case 'carp': {
        const s = this.loadxIphdrlen();
        sappend(s, this.xferToA(inst));
        s.push(stmt(BPF_ALU | BPF_ADD | BPF_X), stmt(BPF_MISC | BPF_TAX), stmt(BPF_LD | BPF_IND | sz, L.offLinkpl + L.offNl));
        sappend(inst.s, s);
        const b = this.ipfrag();
        genAnd(this.protoAbbrev(proto), b);
        if (inst.b) genAnd(inst.b, b);
        genAnd(this.protoAbbrev('ip'), b);
        inst.b = b;
        break;
      }
      case 'icmp6': {
        let b = this.protoAbbrev('ip6');
        if (inst.b) genAnd(inst.b, b);
        inst.b = b;
        b = this.cmp('linkpl', 6, BPF_B, 58);
        genAnd(inst.b, b);
        inst.b = b;
        const s = this.xferToX(inst);
        s.push(stmt(BPF_LD | BPF_IND | sz, L.offLinkpl + L.offNl + 40));
        sappend(inst.s, s);
        break;
      }
      case 'radio': return this.error('radio information not present in capture');
      default: return this.error('unsupported index operation');
    }
    inst.regno = regno;
    inst.s.push(stmt(BPF_ST, regno));
    return inst;
  }

  arth(code: number, a0: Arth, a1: Arth): Arth {
    const a1k = a1.s.length === 2 && a1.s[0]!.code === (BPF_LD | BPF_IMM) ? a1.s[0]!.k : undefined;
    if (code === BPF_DIV && a1k === 0) this.error('division by zero');
    if (code === BPF_MOD && a1k === 0) this.error('modulus by zero');
    if ((code === BPF_LSH || code === BPF_RSH) && a1k !== undefined && a1k > 31) this.error('shift by more than 31 bits');
    const s0 = this.xferToX(a1);
    const s1 = this.xferToA(a0);
    s1.push(stmt(BPF_ALU | BPF_X | code));
    sappend(s0, s1);
    sappend(a1.s, s0);
    sappend(a0.s, a1.s);
    this.freeReg(a0.regno);
    this.freeReg(a1.regno);
    a0.regno = this.allocReg();
    a0.s.push(stmt(BPF_ST, a0.regno));
    return a0;
  }

  neg(a: Arth): Arth {
    sappend(a.s, this.xferToA(a));
    a.s.push(stmt(BPF_ALU | BPF_NEG), stmt(BPF_ST, a.regno));
    return a;
  }

  relation(code: number, a0: Arth, a1: Arth, reversed: boolean): Block {
    const s0 = this.xferToX(a1);
    const s1 = this.xferToA(a0);
    let b: Block;
    if (code === BPF_JEQ) {
      s1.push(stmt(BPF_ALU | BPF_SUB | BPF_X));
      b = new Block(JMP(code), 0);
    } else b = new Block(BPF_JMP | code | BPF_X, 0);
    if (reversed) genNot(b);
    sappend(s0, s1);
    sappend(a1.s, s0);
    sappend(a0.s, a1.s);
    b.stmts = a0.s;
    this.freeReg(a0.regno);
    this.freeReg(a1.regno);
    let tmp: Block | null;
    if (a0.b) {
      if (a1.b) {
        genAnd(a0.b, a1.b);
        tmp = a1.b;
      } else tmp = a0.b;
    } else tmp = a1.b;
    if (tmp) genAnd(tmp, b);
    return b;
  }

  // --- other primitives ------------------------------------------------------------

  less(n: number): Block {
    const b = this.len(BPF_JGT, n);
    genNot(b);
    return b;
  }
  greater(n: number): Block {
    return this.len(BPF_JGE, n);
  }
  private len(jmp: number, n: number): Block {
    const b = new Block(JMP(jmp), n);
    b.stmts = [stmt(BPF_LD | BPF_LEN)];
    return b;
  }

  byteop(op: string, idx: number, val: number): Block {
    switch (op) {
      case '=': return this.cmp('linkhdr', idx, BPF_B, val);
      case '<': return this.cmpLt('linkhdr', idx, BPF_B, val);
      case '>': return this.cmpGt('linkhdr', idx, BPF_B, val);
    }
    // libpcap 1.10 tests only the operation here, without loading the byte: kept as it is.
    const s = stmt(BPF_ALU | (op === '|' ? BPF_OR : BPF_AND) | BPF_K, val);
    const b = new Block(JMP(BPF_JEQ), 0);
    b.stmts = [s];
    genNot(b);
    return b;
  }

  broadcast(proto: Proto): Block {
    switch (proto) {
      case 'default': case 'link':
        if (this.L.mac === 'ether') return this.ehostop(new Uint8Array(6).fill(0xff), 'dst');
        return this.error('not a broadcast link');
      case 'ip': {
        if (this.netmask >>> 0 === 0xffffffff) return this.error("netmask not known, so 'ip broadcast' not supported");
        const b0 = this.linktype(ETHERTYPE_IP);
        const hostmask = ~this.netmask >>> 0;
        const b1 = this.mcmp('linkpl', 16, BPF_W, 0, hostmask);
        const b2 = this.mcmp('linkpl', 16, BPF_W, hostmask, hostmask);
        genOr(b1, b2);
        genAnd(b0, b2);
        return b2;
      }
      default: return this.error('only link-layer/IP broadcast filters supported');
    }
  }

  multicast(proto: Proto): Block {
    switch (proto) {
      case 'default': case 'link':
        if (this.L.mac === 'ether') {
          const b = new Block(JMP(BPF_JSET), 1);
          b.stmts = this.loadA('linkhdr', 0, BPF_B);
          return b;
        }
        break;
      case 'ip': {
        const b0 = this.linktype(ETHERTYPE_IP);
        const b1 = this.cmpGe('linkpl', 16, BPF_B, 224);
        genAnd(b0, b1);
        return b1;
      }
      case 'ip6': {
        const b0 = this.linktype(ETHERTYPE_IPV6);
        const b1 = this.cmp('linkpl', 24, BPF_B, 255);
        genAnd(b0, b1);
        return b1;
      }
    }
    return this.error('link-layer multicast filters supported only on ethernet/FDDI/token ring/ARCNET/802.11/ATM LANE/Fibre Channel');
  }

  // Group 2 and 3 primitives not yet compiled: refused plainly rather than compiled wrongly.
  private unsupported(what: string): never {
    return this.error(`${what} is not supported by this compiler yet`);
  }
  /**
   * `inbound`/`outbound`: the SLL packet type where the header has one, else Linux's packet
   * type metadata (libpcap compiles that for a capture it is not reading from a file).
   */
  inbound(outbound: boolean): Block {
    let b0: Block;
    switch (this.L.linktype) {
      case 113: b0 = this.cmp('linkhdr', 0, BPF_H, LINUX_SLL_OUTGOING); break;
      case 276: b0 = this.cmp('linkhdr', 10, BPF_B, LINUX_SLL_OUTGOING); break;
      default: b0 = this.cmp('linkhdr', SKF_AD_OFF + SKF_AD.PKTTYPE, BPF_H, PACKET_OUTGOING);
    }
    if (!outbound) genNot(b0);
    return b0;
  }

  ifindex(n: number): Block {
    if (this.L.linktype === 276) return this.cmp('linkhdr', 4, BPF_W, n);
    return this.cmp('linkhdr', SKF_AD_OFF + SKF_AD.IFINDEX, BPF_W, n);
  }

  /** `llc [i|s|u|subtype]`: an 802.2 LLC frame (on Ethernet, an 802.3 frame that is not raw NetWare). */
  llc(what: string | null): Block {
    if (this.L.typeField !== 'ether') return this.error(`'llc' not supported for ${this.linkName()}`);
    const b0 = this.cmpGt('linktype', 0, BPF_H, ETHERMTU);
    genNot(b0);
    const llc = this.cmp('llc', 0, BPF_H, 0xffff);
    genNot(llc);
    genAnd(b0, llc);
    if (what === null) return llc;
    let b1: Block;
    if (what === 'i') {
      b1 = new Block(JMP(BPF_JSET), 0x01);
      b1.stmts = this.loadA('llc', 2, BPF_B);
      genNot(b1);
    } else if (what === 's' || what === 'u') b1 = this.mcmp('llc', 2, BPF_B, what === 's' ? 1 : 3, 0x03);
    else if (what in LLC_S_SUBTYPES) b1 = this.mcmp('llc', 2, BPF_B, LLC_S_SUBTYPES[what]!, 0x0f);
    else if (what in LLC_U_SUBTYPES) b1 = this.mcmp('llc', 2, BPF_B, LLC_U_SUBTYPES[what]!, 0xef);
    else return this.error(`unknown LLC type name "${what}"`);
    genAnd(llc, b1);
    return b1;
  }

  /** `vlan [id]`: an 802.1Q/802.1ad/QinQ tag, then everything after it moves by 4 bytes. */
  vlan(n: number | null): Block {
    if (this.labelStackDepth > 0) return this.error('no VLAN match after MPLS');
    if (this.L.typeField !== 'ether') return this.error(`no VLAN support for ${this.linkName()}`);
    let b0 = this.linktype(ETHERTYPE_8021Q);
    let b1 = this.linktype(ETHERTYPE_8021AD);
    genOr(b0, b1);
    b0 = b1;
    b1 = this.linktype(ETHERTYPE_8021QINQ);
    genOr(b0, b1);
    b0 = b1;
    if (n !== null) {
      if (n > 0x0fff) return this.error(`VLAN tag ${n} greater than maximum 4095`);
      b1 = this.mcmp('linkpl', 0, BPF_H, n, 0x0fff);
      genAnd(b0, b1);
      b0 = b1;
    }
    this.L.offLinkpl += 4;
    this.L.offLinktype += 4;
    return b0;
  }

  /** `mpls [label]`: an MPLS label; the network layer then starts 4 bytes later. */
  mpls(n: number | null): Block {
    let b0: Block;
    if (this.labelStackDepth > 0) b0 = this.mcmp('linkpl', -2, BPF_B, 0, 0x01);
    else if (this.L.typeField === 'ether') b0 = this.linktype(ETHERTYPE_MPLS);
    else if (this.L.typeField === 'ppp') b0 = this.linktype(PPP_MPLS_UCAST);
    else return this.error(`no MPLS support for ${this.linkName()}`);
    if (n !== null) {
      if (n > 0xfffff) return this.error(`MPLS label ${n} greater than maximum 1048575`);
      const b1 = this.mcmp('linkpl', 0, BPF_W, shl(n, 12), 0xfffff000);
      genAnd(b0, b1);
      b0 = b1;
    }
    this.L.offNlNosnap += 4;
    this.L.offNl += 4;
    this.labelStackDepth++;
    return b0;
  }

  pppoed(): Block {
    return this.linktype(ETHERTYPE_PPPOED);
  }

  /** `pppoes [session]`: a PPPoE session frame; what follows is PPP inside it. */
  pppoes(n: number | null): Block {
    let b0 = this.linktype(ETHERTYPE_PPPOES);
    if (n !== null) {
      if (n > 0xffff) return this.error(`PPPoE session number ${n} greater than maximum 65535`);
      const b1 = this.mcmp('linkpl', 0, BPF_W, n, 0xffff);
      genAnd(b0, b1);
      b0 = b1;
    }
    const L = this.L;
    const hdr = L.offLinkpl + L.offNl + 6;
    L.linktype = 9; // PPP
    L.typeField = 'ppp';
    L.mac = 'none';
    L.offLinktype = hdr;
    L.offLinkpl = hdr + 2;
    L.offNl = 0;
    L.offNlNosnap = 0;
    return b0;
  }

  private linkName(): string {
    return LINK_DESCRIPTIONS[this.L.linktype] ?? `DLT ${this.L.linktype}`;
  }
  geneve(_n: number | null): Block { return this.unsupported('geneve'); }
  pfString(_kind: string, _v: string): Block { return this.unsupported('pflog fields'); }
  pfNumber(_kind: string, _v: number): Block { return this.unsupported('pflog fields'); }
  pfNamed(_kind: string, _t: Token): Block { return this.unsupported('pflog fields'); }
  p80211(_kind: string, _t: Token): Block { return this.unsupported('802.11 fields'); }
  p80211TypeSubtype(_a: Token, _b: Token): Block { return this.unsupported('802.11 fields'); }
}

const LINUX_SLL_OUTGOING = 4;
const PACKET_OUTGOING = 4;
const LLC_S_SUBTYPES: Record<string, number> = { rr: 0x01, rnr: 0x05, rej: 0x09 };
const LLC_U_SUBTYPES: Record<string, number> = { ui: 0x03, ua: 0x63, disc: 0x43, dm: 0x0f, sabme: 0x6f, test: 0xe3, xid: 0xaf, frmr: 0x87 };
const ETHERTYPE_8021Q = 0x8100;
const ETHERTYPE_8021AD = 0x88a8;
const ETHERTYPE_8021QINQ = 0x9100;
const ETHERTYPE_MPLS = 0x8847;
const ETHERTYPE_PPPOED = 0x8863;
const ETHERTYPE_PPPOES = 0x8864;
const PPP_MPLS_UCAST = 0x0281;
/** ethertype_to_ppptype: the PPP protocol numbers of what follows PPP. */
const PPP_TYPES: Record<number, number> = {
  [ETHERTYPE_IP]: 0x0021, [ETHERTYPE_IPV6]: 0x0057, [ETHERTYPE_DN]: 0x0027, [ETHERTYPE_ATALK]: 0x0029,
  0x0600: 0x0025, [LLCSAP_ISONS]: 0x0023, [LLCSAP_8021D]: 0x0031, [LLCSAP_IPX]: 0x002b,
};
const LINK_DESCRIPTIONS: Record<number, string> = {
  0: 'BSD loopback', 9: 'PPP', 166: 'PPP for pppd, with direction flag', 227: 'CAN', 231: 'D-Bus', 239: 'NFLOG', 249: 'USB',
  253: 'Linux netlink', 279: 'Elektrobit High Speed Capture and Replay (EBHSCR)', 101: 'Raw IP', 108: 'OpenBSD loopback', 113: 'Linux cooked v1', 228: 'Raw IPv4', 229: 'Raw IPv6', 276: 'Linux cooked v2',
};

const ETHER_PROTOS: Record<string, number> = {
  aarp: ETHERTYPE_AARP, arp: ETHERTYPE_ARP, atalk: ETHERTYPE_ATALK, decnet: ETHERTYPE_DN, ip: ETHERTYPE_IP,
  ip6: ETHERTYPE_IPV6, lat: ETHERTYPE_LAT, loopback: 0x9000, mopdl: ETHERTYPE_MOPDL, moprc: ETHERTYPE_MOPRC,
  rarp: ETHERTYPE_REVARP, sca: ETHERTYPE_SCA,
};
const LLC_SAPS: Record<string, number> = { iso: LLCSAP_ISONS, stp: LLCSAP_8021D, ipx: LLCSAP_IPX, netbeui: LLCSAP_NETBEUI };

/** pcap_nametoport: [port, protocol], the protocol undefined when tcp and udp agree. */
function nameToPort(name: string): [number, number] | null {
  const tcp = servicePort(name, 'tcp');
  const udp = servicePort(name, 'udp');
  if (tcp !== undefined) return [tcp, udp === tcp ? PROTO_UNDEF : IPPROTO_TCP];
  if (udp !== undefined) return [udp, IPPROTO_UDP];
  return null;
}

/** pcap_nametoportrange: `N-M` numerically (as sscanf "%d-%d" reads it), else two names. */
function nameToPortrange(name: string): [number, number, number] | null {
  const m = /^\s*([+-]?\d+)-\s*([+-]?\d+)/.exec(name);
  if (m) return [Number(m[1]), Number(m[2]), PROTO_UNDEF];
  const dash = name.indexOf('-');
  if (dash < 0) return null;
  const a = nameToPort(name.slice(0, dash));
  if (!a) return null;
  const b = nameToPort(name.slice(dash + 1));
  if (!b) return null;
  return [a[0], b[0], a[1] === b[1] ? b[1] : PROTO_UNDEF];
}

function parseMac(s: string): Uint8Array {
  const parts = /^[0-9A-Fa-f]{12}$/.test(s) ? s.match(/../g)! : s.split(/[-:.]/);
  if (parts.length === 3) {
    const out: number[] = [];
    for (const w of parts) out.push(parseInt(w.slice(0, 2), 16), parseInt(w.slice(2, 4), 16));
    return Uint8Array.from(out);
  }
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}
