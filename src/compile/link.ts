/**
 * Where the headers sit for each link type the compiler knows (libpcap's init_linktype), and
 * how each link type names the protocol that follows (gen_linktype's per-link choice).
 */
export interface LinkLayout {
  /** LINKTYPE_* value. */
  readonly linktype: number;
  /** Offset of the link-layer type field, or -1 where there is none. */
  readonly offLinktype: number;
  /** Offset of the link-layer payload. */
  readonly offLinkpl: number;
  /** Offset of the network header in the payload, with and without an 802.2 SNAP header. */
  readonly offNl: number;
  readonly offNlNosnap: number;
  /** How the link layer tells protocols apart. */
  readonly typeField: 'ether' | 'sll' | 'ethertype' | 'ppp' | 'ipversion' | 'ipv4' | 'ipv6' | 'af-host' | 'af-net' | 'none';
  /** Whether link-layer (MAC) addresses exist, for ether host/broadcast/multicast. */
  readonly mac: 'ether' | 'none';
}

const layouts = new Map<number, LinkLayout>();
const add = (linktype: number, offLinktype: number, offLinkpl: number, offNl: number, offNlNosnap: number, typeField: LinkLayout['typeField'], mac: LinkLayout['mac'] = 'none'): void => {
  layouts.set(linktype, { linktype, offLinktype, offLinkpl, offNl, offNlNosnap, typeField, mac });
};
add(1, 12, 14, 0, 3, 'ether', 'ether'); // EN10MB
add(101, -1, 0, 0, 0, 'ipversion'); // RAW
add(12, -1, 0, 0, 0, 'ipversion'); // DLT_RAW as OpenBSD numbers it in old files
add(14, -1, 0, 0, 0, 'ipversion'); // DLT_RAW elsewhere
add(228, -1, 0, 0, 0, 'ipv4'); // IPV4
add(229, -1, 0, 0, 0, 'ipv6'); // IPV6
add(113, 14, 16, 0, 0, 'sll'); // LINUX_SLL
add(276, 0, 20, 0, 0, 'ethertype'); // LINUX_SLL2
add(0, 0, 4, 0, 0, 'af-host'); // NULL
add(108, 0, 4, 0, 0, 'af-net'); // LOOP
add(9, 2, 4, 0, 0, 'ppp'); // PPP
// Link types whose headers libpcap cannot look past: only len, less/greater, link[...] and the
// socket metadata compile; every protocol test is refused, as libpcap refuses it.
for (const lt of [227, 231, 239, 249, 253, 279]) add(lt, -1, -1, 0, 0, 'none');

export function linkLayout(linktype: number): LinkLayout | undefined {
  return layouts.get(linktype);
}

export function compilableLinktypes(): number[] {
  return [...layouts.keys()];
}
