/** What a capture reader hands out: one interface description per link, one record per packet. */

/** A link packets were captured on: the pcap file header, or one pcapng Interface Description Block. */
export interface CaptureInterface {
  /** Interface id within its section (pcap: always 0). */
  readonly id: number;
  /** 0-based section of a pcapng file (pcap: 0). A new section starts a new set of interfaces. */
  readonly section: number;
  /** LINKTYPE_* value (legacy DLT 12/14 already mapped to LINKTYPE_RAW). */
  readonly linktype: number;
  /** Snapshot length as declared in the file (pcapng: 0 means no limit). */
  readonly snaplen: number;
  /** The limit libpcap applies when reading: a zero or absurd snaplen becomes the link type's maximum. */
  readonly effectiveSnaplen: number;
  /** Bytes of frame check sequence at the end of each packet, when the file says (pcap FCS bits). */
  readonly fcsLen?: number;
  /** Timestamp unit as the pcapng if_tsresol byte: 6 = µs, 9 = ns, 0x80|n = 2^-n s. */
  readonly tsresol: number;
  /** Seconds added to every timestamp (pcapng if_tsoffset). */
  readonly tsOffsetSec: number;
  /** True when timestamps are finer than a microsecond (a µs pcap copy would lose digits). */
  readonly nanosecond: boolean;
  /** pcapng if_name, when present. */
  readonly name?: string;
}

const EMPTY = new Uint8Array(0);

/**
 * One packet, as the fast reader hands it out: a view into the reader's buffer, valid until the
 * next call to `next()`. The same object is reused for every packet.
 */
export class CaptureRecord {
  /** Buffer holding the packet; the bytes are buf[offset, offset + caplen). */
  buf: Uint8Array = EMPTY;
  offset = 0;
  /** Bytes present in the file (after libpcap's snapshot truncation). */
  caplen = 0;
  /** Length of the packet on the wire. May be smaller than caplen in odd files; kept as stored. */
  wirelen = 0;
  /** Timestamp: seconds since the epoch and nanoseconds within the second. */
  tsSec = 0;
  tsNsec = 0;
  linktype = 0;
  interfaceId = 0;
  /** The interface the packet came from (shared, not copied). */
  iface: CaptureInterface | null = null;
  /** 1-based packet number, as tcpdump and Wireshark count. */
  index = 0;
  /** File offset of the packet's record header (pcap) or block (pcapng). */
  byteOffset = 0;

  /** A copy of the packet bytes that stays valid after the reader moves on. */
  copyData(): Uint8Array {
    return this.buf.slice(this.offset, this.offset + this.caplen);
  }
}

/** One packet as the async iterator yields it: its own copy of the bytes. */
export interface CapturePacket {
  /** 1-based packet number, as tcpdump and Wireshark count. */
  readonly index: number;
  readonly data: Uint8Array;
  readonly caplen: number;
  readonly wirelen: number;
  readonly tsSec: number;
  /** Nanoseconds within the second (full precision of the file). */
  readonly tsNsec: number;
  readonly linktype: number;
  readonly interfaceId: number;
  readonly iface: CaptureInterface;
  /** File offset of the packet's record header (pcap) or block (pcapng). */
  readonly byteOffset: number;
}

export function packetFromRecord(rec: CaptureRecord): CapturePacket {
  return {
    index: rec.index,
    data: rec.copyData(),
    caplen: rec.caplen,
    wirelen: rec.wirelen,
    tsSec: rec.tsSec,
    tsNsec: rec.tsNsec,
    linktype: rec.linktype,
    interfaceId: rec.interfaceId,
    iface: rec.iface!,
    byteOffset: rec.byteOffset,
  };
}
