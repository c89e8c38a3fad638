/**
 * Classic pcap (libpcap savefile) decoding, with libpcap's reading rules:
 * - magic a1b2c3d4 (µs) or a1b23c4d (ns) in either byte order; a1b2cd34 (Kuznetzov's patched
 *   libpcap, 24-byte record headers) is read too;
 * - versions 2.0 to 2.4 and DG/UX's 543.0; before 2.3 (and DG/UX) caplen and len are stored
 *   the other way round, and 2.3 files may be either way (swapped when caplen > len);
 * - the link type is the low 16 bits of its field; the top bits may announce an FCS length;
 * - a record whose caplen is above the link type's sane maximum is corrupt; one whose caplen is
 *   only above the file's snapshot length is cut to the snapshot length (the rest is skipped);
 * - caplen > wirelen is passed through as stored.
 */
import { DecoderBase, PCAP_MAGIC_KUZNETZOV, PCAP_MAGIC_NS, STEP_END, STEP_NEED, STEP_PACKET, swap32, type FormatDecoder } from './decoder.js';
import { effectiveSnaplen, LINKTYPE_EN10MB, maxSnaplenFor, normalizeLinktype } from './linktype.js';
import type { CaptureInterface, CaptureRecord } from './record.js';
import type { ByteWindow } from './window.js';

const FILE_HEADER_LEN = 24;
/** The linktype field's FCS-length-present flag; the length (in 16-bit words) is in the top 4 bits. */
export const LT_FCS_PRESENT = 0x04000000;

const LENGTHS_AS_STORED = 0;
const LENGTHS_SWAPPED = 1;
const LENGTHS_MAYBE_SWAPPED = 2;

export interface PcapFileHeader {
  littleEndian: boolean;
  nanosecond: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  /** The whole 32-bit linktype field, FCS bits included. */
  linktypeField: number;
}

/** A pcap file's record header layout, for finding a record from an arbitrary offset (split.ts). */
export interface PcapLayout {
  littleEndian: boolean;
  recordHeaderLength: number;
  /** The timestamp fraction is below this (1e6 for µs files, 1e9 for ns). */
  fractionLimit: number;
  maxCaplen: number;
  /** caplen and len may be stored the other way round (old versions). */
  lengthsSwapped: boolean;
}

export class PcapDecoder extends DecoderBase implements FormatDecoder {
  readonly format = 'pcap' as const;
  interfaces: readonly CaptureInterface[] = [];
  fileHeader: PcapFileHeader | null = null;

  private le = true;
  private nsPerFrac = 1000;
  private recordHeaderLen = 16;
  private lengths = LENGTHS_AS_STORED;
  private snapshot = 0;
  private maxCaplen = 0;
  private linktype = 0;
  private iface: CaptureInterface | null = null;
  /** Records starting at or after this file offset are not read: step() ends there (a byte range of the file). */
  limit = Infinity;
  /** step() ended at `limit` rather than at the end of the file. */
  stoppedAtLimit = false;

  /** What telling a record header from other bytes takes (after the file header was read). */
  layout(): PcapLayout {
    return {
      littleEndian: this.le, recordHeaderLength: this.recordHeaderLen, fractionLimit: this.nsPerFrac === 1 ? 1e9 : 1e6,
      maxCaplen: this.maxCaplen, lengthsSwapped: this.lengths !== LENGTHS_AS_STORED,
    };
  }

  header(w: ByteWindow): number {
    if (this.iface !== null) return STEP_PACKET;
    const p = w.start;
    if (w.end - p < FILE_HEADER_LEN) {
      if (!w.eof) {
        w.need = FILE_HEADER_LEN;
        return STEP_NEED;
      }
      this.truncated(w, 'pcap file header', FILE_HEADER_LEN);
    }
    const v = w.view;
    let magic = v.getUint32(p, false);
    const le = (magic >>> 24) !== 0xa1;
    if (le) magic = swap32(magic);
    const major = v.getUint16(p + 4, le);
    const minor = v.getUint16(p + 6, le);
    const snaplen = v.getUint32(p + 16, le);
    const field = v.getUint32(p + 20, le);
    if (major < 2) this.corrupt(w.position, `archaic pcap version ${major}.${minor}`);
    if (!((major === 2 && minor <= 4) || (major === 543 && minor === 0))) {
      this.corrupt(w.position, `unsupported pcap version ${major}.${minor}`);
    }
    this.fileHeader = {
      littleEndian: le, nanosecond: magic === PCAP_MAGIC_NS, versionMajor: major, versionMinor: minor, snaplen, linktypeField: field,
    };
    this.le = le;
    this.nsPerFrac = magic === PCAP_MAGIC_NS ? 1 : 1000;
    this.lengths = major === 543 || minor < 3 ? LENGTHS_SWAPPED : minor === 3 ? LENGTHS_MAYBE_SWAPPED : LENGTHS_AS_STORED;
    this.linktype = normalizeLinktype(field & 0xffff);
    this.snapshot = effectiveSnaplen(this.linktype, snaplen);
    if (magic === PCAP_MAGIC_KUZNETZOV) {
      this.recordHeaderLen = 24;
      // Its cooked-mode captures add a fake 14-byte Ethernet header after the snapshot was taken.
      if (this.linktype === LINKTYPE_EN10MB) this.snapshot = Math.min(this.snapshot + 14, 0x7fffffff);
    }
    this.maxCaplen = maxSnaplenFor(this.linktype);
    const iface: CaptureInterface = {
      id: 0,
      section: 0,
      linktype: this.linktype,
      snaplen,
      effectiveSnaplen: this.snapshot,
      tsresol: magic === PCAP_MAGIC_NS ? 9 : 6,
      tsOffsetSec: 0,
      nanosecond: magic === PCAP_MAGIC_NS,
      ...(field & LT_FCS_PRESENT ? { fcsLen: (field >>> 28) * 2 } : {}),
    };
    this.iface = iface;
    this.interfaces = [iface];
    w.start = p + FILE_HEADER_LEN;
    return STEP_PACKET;
  }

  step(w: ByteWindow, rec: CaptureRecord): number {
    if (this.iface === null && this.header(w) !== STEP_PACKET) return STEP_NEED;
    const p = w.start;
    if (w.base + p >= this.limit) {
      this.stoppedAtLimit = true;
      return STEP_END;
    }
    const avail = w.end - p;
    const hlen = this.recordHeaderLen;
    if (avail < hlen) {
      if (!w.eof) {
        w.need = hlen;
        return STEP_NEED;
      }
      if (avail === 0) return STEP_END;
      this.truncated(w, 'packet record header', hlen);
    }
    const v = w.view;
    const le = this.le;
    let caplen = v.getUint32(p + 8, le);
    let wirelen = v.getUint32(p + 12, le);
    if (this.lengths !== LENGTHS_AS_STORED && (this.lengths === LENGTHS_SWAPPED || caplen > wirelen)) {
      const t = caplen;
      caplen = wirelen;
      wirelen = t;
    }
    if (caplen > this.maxCaplen) {
      this.corrupt(w.position, caplen > this.snapshot
        ? `capture length ${caplen} is bigger than the snapshot length ${this.snapshot}`
        : `capture length ${caplen} is bigger than the maximum ${this.maxCaplen}`);
    }
    const total = hlen + caplen;
    if (avail < total) {
      if (!w.eof) {
        w.need = total;
        return STEP_NEED;
      }
      this.truncated(w, 'packet record', total);
    }
    rec.buf = w.buf;
    rec.offset = p + hlen;
    rec.caplen = caplen > this.snapshot ? this.snapshot : caplen;
    rec.wirelen = wirelen;
    rec.tsSec = v.getUint32(p, le);
    rec.tsNsec = v.getUint32(p + 4, le) * this.nsPerFrac;
    rec.linktype = this.linktype;
    rec.interfaceId = 0;
    rec.iface = this.iface;
    rec.byteOffset = w.base + p;
    rec.index = ++this.count;
    w.start = p + total;
    return STEP_PACKET;
  }
}
