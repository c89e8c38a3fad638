/** Qualifiers of a primitive, as libpcap's grammar collects them (`tcp src port`). */
export type Proto =
  | 'default' | 'undef' | 'link' | 'ip' | 'arp' | 'rarp' | 'sctp' | 'tcp' | 'udp' | 'icmp' | 'igmp' | 'igrp'
  | 'pim' | 'vrrp' | 'carp' | 'radio' | 'ip6' | 'icmp6' | 'ah' | 'esp' | 'atalk' | 'aarp' | 'decnet' | 'lat'
  | 'sca' | 'moprc' | 'mopdl' | 'iso' | 'esis' | 'isis' | 'l1' | 'l2' | 'iih' | 'lsp' | 'snp' | 'csnp' | 'psnp'
  | 'clnp' | 'stp' | 'ipx' | 'netbeui';
export type Dir = 'default' | 'undef' | 'src' | 'dst' | 'or' | 'and' | 'addr1' | 'addr2' | 'addr3' | 'addr4' | 'ra' | 'ta';
export type Addr = 'default' | 'undef' | 'host' | 'net' | 'port' | 'portrange' | 'gateway' | 'proto' | 'protochain';

export interface Qual {
  readonly proto: Proto;
  readonly dir: Dir;
  readonly addr: Addr;
}

/** What a primitive without qualifiers of its own inherits where no name may follow. */
export const QERR: Qual = { proto: 'undef', dir: 'undef', addr: 'undef' };

/** Grammar token kind -> protocol qualifier. */
export const PROTO_OF_TOKEN: Readonly<Record<string, Proto>> = {
  LINK: 'link', IP: 'ip', ARP: 'arp', RARP: 'rarp', SCTP: 'sctp', TCP: 'tcp', UDP: 'udp', ICMP: 'icmp', IGMP: 'igmp',
  IGRP: 'igrp', PIM: 'pim', VRRP: 'vrrp', CARP: 'carp', RADIO: 'radio', IPV6: 'ip6', ICMPV6: 'icmp6', AH: 'ah', ESP: 'esp',
  ATALK: 'atalk', AARP: 'aarp', DECNET: 'decnet', LAT: 'lat', SCA: 'sca', MOPRC: 'moprc', MOPDL: 'mopdl', ISO: 'iso',
  ESIS: 'esis', ISIS: 'isis', L1: 'l1', L2: 'l2', IIH: 'iih', LSP: 'lsp', SNP: 'snp', CSNP: 'csnp', PSNP: 'psnp',
  CLNP: 'clnp', STP: 'stp', IPX: 'ipx', NETBEUI: 'netbeui',
};

export const DIR_OF_TOKEN: Readonly<Record<string, Dir>> = {
  SRC: 'src', DST: 'dst', ADDR1: 'addr1', ADDR2: 'addr2', ADDR3: 'addr3', ADDR4: 'addr4', RA: 'ra', TA: 'ta',
};

export const ADDR_OF_TOKEN: Readonly<Record<string, Addr>> = {
  HOST: 'host', NET: 'net', PORT: 'port', PORTRANGE: 'portrange',
};
