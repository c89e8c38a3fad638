/**
 * Link-layer header types as capture files store them (the LINKTYPE_* registry, which is what
 * pcap and pcapng files carry; DLT_* values are per-OS and only appear in old files).
 */
import { checkInteger, checkString } from '../args.js';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_EN10MB = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_IEEE802_11 = 105;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IEEE802_11_RADIOTAP = 127;
export const LINKTYPE_PPI = 192;
export const LINKTYPE_CAN_SOCKETCAN = 227;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_DBUS = 231;
export const LINKTYPE_NFLOG = 239;
export const LINKTYPE_USBPCAP = 249;
export const LINKTYPE_NETLINK = 253;
export const LINKTYPE_LINUX_SLL2 = 276;
export const LINKTYPE_EBHSCR = 279;

/** Registry names (without the LINKTYPE_ prefix) of the values people meet in practice. */
const NAMES: ReadonlyMap<number, string> = new Map<number, string>([
  [0, 'NULL'], [1, 'EN10MB'], [3, 'AX25'], [6, 'IEEE802_5'], [7, 'ARCNET_BSD'], [8, 'SLIP'],
  [9, 'PPP'], [10, 'FDDI'], [50, 'PPP_HDLC'], [51, 'PPP_ETHER'], [100, 'ATM_RFC1483'], [101, 'RAW'],
  [104, 'C_HDLC'], [105, 'IEEE802_11'], [107, 'FRELAY'], [108, 'LOOP'], [109, 'ENC'],
  [113, 'LINUX_SLL'], [114, 'LTALK'], [117, 'PFLOG'], [119, 'IEEE802_11_PRISM'],
  [122, 'IP_OVER_FC'], [123, 'SUNATM'], [127, 'IEEE802_11_RADIOTAP'], [129, 'ARCNET_LINUX'],
  [138, 'APPLE_IP_OVER_IEEE1394'], [139, 'MTP2_WITH_PHDR'], [140, 'MTP2'], [141, 'MTP3'],
  [142, 'SCCP'], [143, 'DOCSIS'], [144, 'LINUX_IRDA'],
  [147, 'USER0'], [148, 'USER1'], [149, 'USER2'], [150, 'USER3'], [151, 'USER4'], [152, 'USER5'],
  [153, 'USER6'], [154, 'USER7'], [155, 'USER8'], [156, 'USER9'], [157, 'USER10'], [158, 'USER11'],
  [159, 'USER12'], [160, 'USER13'], [161, 'USER14'], [162, 'USER15'],
  [163, 'IEEE802_11_AVS'], [165, 'BACNET_MS_TP'], [166, 'PPP_PPPD'], [169, 'GPRS_LLC'],
  [170, 'GPF_T'], [171, 'GPF_F'], [177, 'LINUX_LAPD'], [182, 'MFR'], [187, 'BLUETOOTH_HCI_H4'],
  [189, 'USB_LINUX'], [192, 'PPI'], [195, 'IEEE802_15_4_WITHFCS'], [196, 'SITA'], [197, 'ERF'],
  [201, 'BLUETOOTH_HCI_H4_WITH_PHDR'], [202, 'AX25_KISS'], [203, 'LAPD'], [204, 'PPP_WITH_DIR'],
  [205, 'C_HDLC_WITH_DIR'], [206, 'FRELAY_WITH_DIR'], [207, 'LAPB_WITH_DIR'], [209, 'IPMB_LINUX'],
  [210, 'FLEXRAY'], [212, 'LIN'], [215, 'IEEE802_15_4_NONASK_PHY'], [220, 'USB_LINUX_MMAPPED'],
  [224, 'FC_2'], [225, 'FC_2_WITH_FRAME_DELIMS'], [226, 'IPNET'], [227, 'CAN_SOCKETCAN'],
  [228, 'IPV4'], [229, 'IPV6'], [230, 'IEEE802_15_4_NOFCS'], [231, 'DBUS'], [235, 'DVB_CI'],
  [236, 'MUX27010'], [237, 'STANAG_5066_D_PDU'], [239, 'NFLOG'], [240, 'NETANALYZER'],
  [241, 'NETANALYZER_TRANSPARENT'], [242, 'IPOIB'], [243, 'MPEG_2_TS'], [244, 'NG40'],
  [245, 'NFC_LLCP'], [246, 'PFSYNC'], [247, 'INFINIBAND'], [248, 'SCTP'], [249, 'USBPCAP'],
  [250, 'RTAC_SERIAL'], [251, 'BLUETOOTH_LE_LL'], [252, 'WIRESHARK_UPPER_PDU'], [253, 'NETLINK'],
  [254, 'BLUETOOTH_LINUX_MONITOR'], [255, 'BLUETOOTH_BREDR_BB'], [256, 'BLUETOOTH_LE_LL_WITH_PHDR'],
  [257, 'PROFIBUS_DL'], [258, 'PKTAP'], [259, 'EPON'], [260, 'IPMI_HPM_2'], [261, 'ZWAVE_R1_R2'],
  [262, 'ZWAVE_R3'], [263, 'WATTSTOPPER_DLM'], [264, 'ISO_14443'], [265, 'RDS'], [266, 'USB_DARWIN'],
  [268, 'SDLC'], [270, 'LORATAP'], [271, 'VSOCK'], [272, 'NORDIC_BLE'], [273, 'DOCSIS31_XRA31'],
  [274, 'ETHERNET_MPACKET'], [275, 'DISPLAYPORT_AUX'], [276, 'LINUX_SLL2'], [278, 'OPENVIZSLA'],
  [279, 'EBHSCR'], [280, 'VPP_DISPATCH'], [281, 'DSA_TAG_BRCM'], [282, 'DSA_TAG_BRCM_PREPEND'],
  [283, 'IEEE802_15_4_TAP'], [284, 'DSA_TAG_DSA'], [285, 'DSA_TAG_EDSA'], [286, 'ELEE'],
  [287, 'Z_WAVE_SERIAL'], [288, 'USB_2_0'], [289, 'ATSC_ALP'],
]);

/** The registry name of a link type (`EN10MB`), or `LINKTYPE_<n>` when we do not know it. */
/** A link type as the file headers hold it (a u32). */
const checkLinktype = (fn: string, v: unknown, arg = 'linktype'): number => checkInteger(fn, arg, v, 0, 0xffffffff);

export function linktypeName(linktype: number): string {
  checkLinktype('linktypeName', linktype);
  return NAMES.get(linktype) ?? `LINKTYPE_${linktype}`;
}

/** The inverse of linktypeName for known names; accepts an optional `LINKTYPE_`/`DLT_` prefix, any case. */
export function linktypeByName(name: string): number | undefined {
  checkString('linktypeByName', 'name', name);
  const bare = name.toUpperCase().replace(/^(LINKTYPE_|DLT_)/, '');
  for (const [value, known] of NAMES) if (known === bare) return value;
  return /^\d+$/.test(bare) ? Number(bare) : undefined;
}

/** Every link type this module can name, for listings and tests. */
export function knownLinktypes(): ReadonlyMap<number, string> {
  return NAMES;
}

/**
 * Old pcap files may carry a DLT value instead of a LINKTYPE value. The only such values that
 * still occur are the two spellings of raw IP (12 on most systems, 14 on OpenBSD); both mean
 * LINKTYPE_RAW. Everything else is already a LINKTYPE value.
 */
export function normalizeLinktype(value: number): number {
  checkLinktype('normalizeLinktype', value, 'value');
  return value === 12 || value === 14 ? LINKTYPE_RAW : value;
}

/** libpcap's general bound on a packet's captured length (MAXIMUM_SNAPLEN). */
export const MAXIMUM_SNAPLEN = 262144;

/**
 * The largest captured length libpcap considers sane for a link type (max_snaplen_for_dlt):
 * a few link types carry whole messages bigger than any network frame.
 */
export function maxSnaplenFor(linktype: number): number {
  checkLinktype('maxSnaplenFor', linktype);
  switch (linktype) {
    case LINKTYPE_DBUS: return 128 * 1024 * 1024;
    case LINKTYPE_EBHSCR: return 8 * 1024 * 1024;
    case LINKTYPE_USBPCAP: return 1024 * 1024;
    default: return MAXIMUM_SNAPLEN;
  }
}

/**
 * The snapshot length libpcap uses for a file's declared one (pcap_adjust_snapshot): a zero or
 * absurd (> INT_MAX) declaration means "no limit", which becomes the link type's sane maximum.
 */
export function effectiveSnaplen(linktype: number, declared: number): number {
  checkLinktype('effectiveSnaplen', linktype);
  checkInteger('effectiveSnaplen', 'declared', declared, 0, 0xffffffff);
  return declared === 0 || declared > 0x7fffffff ? maxSnaplenFor(linktype) : declared;
}
