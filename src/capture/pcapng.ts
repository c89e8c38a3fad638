/**
 * pcapng decoding. A file is a run of blocks `type, total length, body, total length`; each
 * Section Header Block sets the byte order of its section and starts a fresh set of interfaces.
 * Packets come in Enhanced Packet Blocks, Simple Packet Blocks (interface 0, no timestamp) and
 * obsolete Packet Blocks; every other block is skipped.
 *
 * Where libpcap refuses a file that the format allows (sections of different byte orders,
 * interfaces with different link types or snapshot lengths), we read it. Otherwise we apply
 * libpcap's checks: block lengths (>= 12, multiple of 4, trailer equal, <= 16 MiB or what the
 * link type needs), SHB version 1.x, IDB option sanity, a known interface id, caplen within
 * the block and within the interface's snapshot length. Unlike libpcap, we bound what a
 * section keeps: MAX_INTERFACES_PER_SECTION interfaces, MAX_IF_NAME_BYTES of each name.
 */
import { DecoderBase, PCAPNG_SHB, STEP_END, STEP_NEED, STEP_PACKET, swap32, type FormatDecoder } from './decoder.js';
import { effectiveSnaplen, maxSnaplenFor, normalizeLinktype } from './linktype.js';
import type { CaptureInterface, CaptureRecord } from './record.js';
import { TimeBase } from './timestamp.js';
import type { ByteWindow } from './window.js';

export const BT_IDB = 1;
const BT_PB = 2;
const BT_SPB = 3;
export const BT_EPB = 6;

export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const SHB_MIN_LEN = 28;
const SHB_MAX_LEN = 1024 * 1024;
const INITIAL_MAX_BLOCK = 16 * 1024 * 1024;
/** Room libpcap allows around a maximal packet: block header, EPB fields, 128 KiB of options, trailer. */
const BLOCK_OVERHEAD = 8 + 20 + 131072 + 4;

/**
 * The most interfaces one section may describe. A packet may name any interface of its
 * section, so every description is kept until the next section starts; unbounded, a file of
 * small IDBs grows memory with its length (2 million in 40 MB took 560 MB). libpcap has no
 * limit; real captures describe a handful of interfaces.
 */
export const MAX_INTERFACES_PER_SECTION = 4096;
/** The most bytes of an if_name kept; a longer name is cut (libpcap ignores names altogether). */
export const MAX_IF_NAME_BYTES = 1024;

const OPT_ENDOFOPT = 0;
export const IF_NAME = 2;
export const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

/** An interface plus what decoding its packets needs. */
interface LiveInterface {
  info: CaptureInterface;
  time: TimeBase;
}

export class PcapngDecoder extends DecoderBase implements FormatDecoder {
  readonly format = 'pcapng' as const;
  /** Sections seen so far. */
  sections = 0;
  private le = true;
  private live: LiveInterface[] = [];
  private infos: CaptureInterface[] = [];
  private maxBlock = INITIAL_MAX_BLOCK;

  get interfaces(): readonly CaptureInterface[] {
    return this.infos;
  }

  /** The file header is the first Section Header Block. */
  header(w: ByteWindow): number {
    if (this.sections > 0) return STEP_PACKET;
    const len = this.blockLength(w);
    if (len === 0) return STEP_NEED;
    this.sectionHeader(w, w.start);
    w.start += len;
    return STEP_PACKET;
  }

  step(w: ByteWindow, rec: CaptureRecord): number {
    if (this.sections === 0 && this.header(w) !== STEP_PACKET) return STEP_NEED;
    for (;;) {
      const p = w.start;
      const avail = w.end - p;
      if (avail === 0 && w.eof) return STEP_END;
      const len = this.blockLength(w);
      if (len === 0) return STEP_NEED;
      const v = w.view;
      const le = this.le;
      const type = v.getUint32(p, le);
      if (type === BT_EPB || type === BT_PB) {
        if (len < 32) this.corrupt(w.position, `${type === BT_EPB ? 'enhanced ' : ''}packet block too short (${len} bytes)`);
        const id = type === BT_EPB ? v.getUint32(p + 8, le) : v.getUint16(p + 8, le);
        const caplen = v.getUint32(p + 20, le);
        if (caplen > len - 32) this.corrupt(w.position, `capture length ${caplen} does not fit in a block of ${len} bytes`);
        const iface = this.interfaceFor(w, id);
        if (caplen > iface.info.effectiveSnaplen) {
          this.corrupt(w.position, `capture length ${caplen} is bigger than the snapshot length ${iface.info.effectiveSnaplen}`);
        }
        iface.time.convert(v.getUint32(p + 12, le), v.getUint32(p + 16, le), rec);
        rec.caplen = caplen;
        rec.wirelen = v.getUint32(p + 24, le);
        rec.offset = p + 28;
        return this.deliver(w, rec, iface, id, len);
      }
      if (type === BT_SPB) {
        if (len < 16) this.corrupt(w.position, `simple packet block too short (${len} bytes)`);
        const iface = this.interfaceFor(w, 0);
        const wirelen = v.getUint32(p + 8, le);
        // The block does not store caplen: the packet was cut at the snapshot length, and the
        // block holds the bytes (plus padding).
        let caplen = wirelen < iface.info.effectiveSnaplen ? wirelen : iface.info.effectiveSnaplen;
        if (caplen > len - 16) caplen = len - 16;
        rec.tsSec = 0;
        rec.tsNsec = 0;
        rec.caplen = caplen;
        rec.wirelen = wirelen;
        rec.offset = p + 12;
        return this.deliver(w, rec, iface, 0, len);
      }
      if (type === PCAPNG_SHB) this.sectionHeader(w, p);
      else if (type === BT_IDB) this.interfaceDescription(w, p, len);
      w.start = p + len;
    }
  }

  private deliver(w: ByteWindow, rec: CaptureRecord, iface: LiveInterface, id: number, len: number): number {
    rec.buf = w.buf;
    rec.linktype = iface.info.linktype;
    rec.interfaceId = id;
    rec.iface = iface.info;
    rec.byteOffset = w.position;
    rec.index = ++this.count;
    w.start += len;
    return STEP_PACKET;
  }

  private interfaceFor(w: ByteWindow, id: number): LiveInterface {
    const iface = this.live[id];
    if (iface === undefined) {
      this.corrupt(w.position, `packet on interface ${id}, but section ${this.sections - 1} describes ${this.live.length} interface${this.live.length === 1 ? '' : 's'}`);
    }
    return iface;
  }

  /**
   * Checks the block at w.start and returns its total length once the whole block is in the
   * window; 0 when more bytes are needed (w.need set). Throws on a bad length or truncation.
   */
  private blockLength(w: ByteWindow): number {
    const p = w.start;
    const avail = w.end - p;
    const v = w.view;
    let le = this.le;
    let headerLen = 8;
    const isShb = avail >= 4 && v.getUint32(p, true) === PCAPNG_SHB;
    if (isShb) headerLen = 12; // the byte-order magic decides how to read the length
    if (avail < headerLen) {
      if (!w.eof) {
        w.need = headerLen;
        return 0;
      }
      this.truncated(w, isShb ? 'section header block' : 'block header', headerLen);
    }
    if (isShb) {
      const bom = v.getUint32(p + 8, true);
      if (bom === BYTE_ORDER_MAGIC) le = true;
      else if (bom === swap32(BYTE_ORDER_MAGIC)) le = false;
      else this.corrupt(w.position, `section header block has a bad byte-order magic 0x${bom.toString(16)}`);
    }
    const len = v.getUint32(p + 4, le);
    if (len < 12) this.corrupt(w.position, `block length ${len} is less than 12`);
    if (len % 4 !== 0) this.corrupt(w.position, `block length ${len} is not a multiple of 4`);
    if (isShb && (len < SHB_MIN_LEN || len > SHB_MAX_LEN)) this.corrupt(w.position, `section header block length ${len} is out of range`);
    if (len > this.maxBlock) this.corrupt(w.position, `block length ${len} is more than the maximum ${this.maxBlock}`);
    if (avail < len) {
      if (!w.eof) {
        w.need = len;
        return 0;
      }
      this.truncated(w, `block of type 0x${v.getUint32(p, le).toString(16)}`, len);
    }
    const trailer = v.getUint32(p + len - 4, le);
    if (trailer !== len) this.corrupt(w.position, `block length ${len} in the header but ${trailer} in the trailer`);
    return len;
  }

  private sectionHeader(w: ByteWindow, p: number): void {
    const le = w.view.getUint32(p + 8, true) === BYTE_ORDER_MAGIC;
    const major = w.view.getUint16(p + 12, le);
    const minor = w.view.getUint16(p + 14, le);
    if (major !== 1) this.corrupt(w.position, `unsupported pcapng version ${major}.${minor}`);
    this.le = le;
    this.sections++;
    this.live = [];
    this.infos = [];
  }

  private interfaceDescription(w: ByteWindow, p: number, len: number): void {
    if (len < 20) this.corrupt(w.position, `interface description block too short (${len} bytes)`);
    if (this.live.length === MAX_INTERFACES_PER_SECTION) {
      this.corrupt(w.position, `interface description block: section ${this.sections - 1} describes more than ${MAX_INTERFACES_PER_SECTION} interfaces, the most this reader keeps`);
    }
    const v = w.view;
    const le = this.le;
    const linktype = normalizeLinktype(v.getUint16(p + 8, le));
    const snaplen = v.getUint32(p + 12, le);
    let tsresol = 6;
    let tsoffset = 0;
    let name: string | undefined;
    let sawResol = false;
    let sawOffset = false;
    const end = p + len - 4;
    let o = p + 16;
    while (o < end) {
      if (end - o < 4) this.corrupt(w.position, 'interface description block: option header runs past the block');
      const code = v.getUint16(o, le);
      const olen = v.getUint16(o + 2, le);
      const padded = (olen + 3) & ~3;
      if (end - o - 4 < padded) this.corrupt(w.position, `interface description block: option ${code} runs past the block`);
      const val = o + 4;
      o = val + padded;
      if (code === OPT_ENDOFOPT) {
        if (olen !== 0) this.corrupt(w.position, `interface description block: opt_endofopt has length ${olen}`);
        break;
      } else if (code === IF_TSRESOL) {
        if (olen !== 1) this.corrupt(w.position, `interface description block: if_tsresol has length ${olen}, not 1`);
        if (sawResol) this.corrupt(w.position, 'interface description block: more than one if_tsresol');
        sawResol = true;
        tsresol = w.buf[val]!;
      } else if (code === IF_TSOFFSET) {
        if (olen !== 8) this.corrupt(w.position, `interface description block: if_tsoffset has length ${olen}, not 8`);
        if (sawOffset) this.corrupt(w.position, 'interface description block: more than one if_tsoffset');
        sawOffset = true;
        // A signed 64-bit count of seconds, in the section's byte order.
        const hi = v.getInt32(le ? val + 4 : val, le);
        const lo = v.getUint32(le ? val : val + 4, le);
        tsoffset = hi * 4294967296 + lo;
      } else if (code === IF_NAME) {
        name = new TextDecoder().decode(w.buf.subarray(val, val + Math.min(olen, MAX_IF_NAME_BYTES))).replace(/\0.*$/s, '');
      }
    }
    let time: TimeBase;
    try {
      time = new TimeBase(tsresol, tsoffset);
    } catch (e) {
      this.corrupt(w.position, `interface description block: ${(e as Error).message}`);
    }
    const effective = effectiveSnaplen(linktype, snaplen);
    const info: CaptureInterface = {
      id: this.live.length,
      section: this.sections - 1,
      linktype,
      snaplen,
      effectiveSnaplen: effective,
      tsresol,
      tsOffsetSec: tsoffset,
      nanosecond: time.finerThanMicro,
      ...(name !== undefined ? { name } : {}),
    };
    this.live.push({ info, time });
    this.infos.push(info);
    const needed = maxSnaplenFor(linktype) + BLOCK_OVERHEAD;
    if (needed > this.maxBlock) this.maxBlock = needed;
  }
}
