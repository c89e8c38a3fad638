/**
 * Capture file output: classic pcap (µs or ns magic) or a single-section pcapng. Records are
 * gathered in one reused buffer and handed to the output in large chunks: by default an
 * OutputFile (a temporary file renamed into place by close(), so a failure never leaves a
 * half-written capture under the real name, and abort() leaves the destination untouched),
 * or any ByteSink, such as a pipe that applies back-pressure.
 */
import {
  checkArray, checkFunction, checkInteger, checkObject, checkString, checkUint8Array, optBoolean, optInteger, optOneOf, optString,
} from '../args.js';
import { OutputError } from '../errors.js';
import { OutputFile } from '../io/output.js';
import type { ByteSink } from '../io/sink.js';
import { PCAP_MAGIC_NS, PCAP_MAGIC_US, PCAPNG_SHB } from './decoder.js';
import { MAXIMUM_SNAPLEN } from './linktype.js';
import { LT_FCS_PRESENT } from './pcap.js';
import { BT_EPB, BT_IDB, BYTE_ORDER_MAGIC, IF_NAME, IF_TSRESOL } from './pcapng.js';
import type { CaptureInterface, CapturePacket, CaptureRecord } from './record.js';
import { joinUnits, type Halves } from './timestamp.js';

export interface WriterInterface {
  linktype: number;
  /** Default 262144; packets longer than this are cut (0: no limit). */
  snaplen?: number;
  /** pcapng if_name. */
  name?: string;
  /** pcapng: this interface's timestamp unit (default: the file's precision). */
  precision?: 'us' | 'ns';
}

export interface CaptureWriterOptions {
  /** Default 'pcap'. */
  format?: 'pcap' | 'pcapng';
  /** Link type of the (first) interface. */
  linktype: number;
  /** Default 262144 (libpcap's maximum); packets longer than this are cut (0: no limit). */
  snaplen?: number;
  /** Timestamp precision written: 'us' (default; nanoseconds are truncated) or 'ns'; pcapng: of interfaces that do not say. */
  precision?: 'us' | 'ns';
  /** pcap only: announce this many bytes of FCS per packet in the linktype field (even, <= 30). */
  fcsLen?: number;
  /** pcapng only: further interfaces, numbered from 1 (interface 0 is linktype/snaplen). */
  moreInterfaces?: WriterInterface[];
  /** pcapng only: describe no interface yet (`linktype` is ignored); add them with addInterface(). */
  deferInterfaces?: boolean;
  /** Write big-endian headers (default little-endian). */
  bigEndian?: boolean;
  /** Size of the write buffer (default 1 MiB). */
  bufferSize?: number;
}

/** The precision that keeps every timestamp of these interfaces: 'ns' if any is finer than µs. */
export function precisionFor(interfaces: readonly CaptureInterface[]): 'us' | 'ns' {
  checkArray('precisionFor', 'interfaces', interfaces).forEach((i, n) => checkObject('precisionFor', `interfaces[${n}]`, i as CaptureInterface));
  return interfaces.some((i) => i.nanosecond) ? 'ns' : 'us';
}

/** Throws ArgumentError (from `fn`) for options a writer cannot take. */
function checkWriterOptions(fn: string, opts: CaptureWriterOptions): void {
  const o = checkObject(fn, 'opts', opts, 'options {linktype, ...}');
  const iface = (arg: string, i: WriterInterface): void => {
    checkInteger(fn, `${arg}.linktype`, i.linktype, 0, 0xffff);
    optInteger(fn, `${arg}.snaplen`, i.snaplen, 0, 0xffffffff, 0);
  };
  iface('opts', o);
  optOneOf(fn, 'opts.format', o.format, ['pcap', 'pcapng'], 'pcap');
  optOneOf(fn, 'opts.precision', o.precision, ['us', 'ns'], 'us');
  optInteger(fn, 'opts.fcsLen', o.fcsLen, 0, 30, 0);
  optBoolean(fn, 'opts.bigEndian', o.bigEndian);
  optInteger(fn, 'opts.bufferSize', o.bufferSize, 0, 1 << 30, 0);
  if (o.moreInterfaces !== undefined) {
    checkArray(fn, 'opts.moreInterfaces', o.moreInterfaces).forEach((i, n) => {
      const arg = `opts.moreInterfaces[${n}]`;
      iface(arg, checkObject(fn, arg, i as WriterInterface));
      optString(fn, `${arg}.name`, (i as WriterInterface).name);
    });
  }
}

const isU32 = (v: unknown): v is number => typeof v === 'number' && (v >>> 0) === v;

/** writePacket's arguments, once its quick test failed: the ArgumentError that says which. */
function checkPacketArgs(
  buf: unknown, offset: number, caplen: number, wirelen: number, tsSec: number, tsNsec: number, interfaceId: number,
): void {
  const fn = 'writePacket';
  const b = checkUint8Array(fn, 'buf', buf);
  checkInteger(fn, 'offset', offset, 0, b.length);
  checkInteger(fn, 'caplen', caplen, 0, b.length - offset);
  checkInteger(fn, 'wirelen', wirelen, 0, 0xffffffff);
  checkInteger(fn, 'tsSec', tsSec, -Infinity, Infinity);
  // A pcap record's fraction is not capped at a second in every file, so neither is this.
  checkInteger(fn, 'tsNsec', tsNsec, 0, Number.MAX_SAFE_INTEGER);
  checkInteger(fn, 'interfaceId', interfaceId, 0, 0xffffffff);
}

export class CaptureWriter {
  /** Packets written so far. */
  packets = 0;
  private buf: Uint8Array;
  private view: DataView;
  private used = 0;
  private closed = false;
  private readonly le: boolean;
  private readonly ns: boolean;
  private readonly pcapng: boolean;
  private readonly snaplens: number[] = [];
  /** pcapng: whether each interface records nanoseconds. */
  private readonly nsOf: boolean[] = [];
  private readonly halves: Halves = { hi: 0, lo: 0 };

  private constructor(private readonly out: ByteSink, opts: CaptureWriterOptions) {
    this.buf = new Uint8Array(Math.max(opts.bufferSize ?? 1 << 20, 4096));
    this.view = new DataView(this.buf.buffer);
    this.le = !opts.bigEndian;
    this.ns = opts.precision === 'ns';
    this.pcapng = opts.format === 'pcapng';
    const first: WriterInterface = { linktype: opts.linktype, ...(opts.snaplen !== undefined ? { snaplen: opts.snaplen } : {}) };
    const ifaces: WriterInterface[] = [first, ...(opts.moreInterfaces ?? [])];
    if (!this.pcapng && ifaces.length > 1) throw new OutputError(out.path, 'a pcap file has a single link type; use pcapng for several interfaces');
    if (this.pcapng) {
      this.sectionHeader();
      if (!opts.deferInterfaces) for (const i of ifaces) this.addInterface(i);
    } else {
      this.pcapHeader(opts);
      this.snaplens.push(snaplenLimit(opts.snaplen));
    }
  }

  /**
   * Starts writing `path` (`-` = stdout) atomically (see OutputFile). Throws OutputError when
   * it cannot be created.
   */
  static create(path: string, opts: CaptureWriterOptions): CaptureWriter {
    checkString('create', 'path', path);
    checkWriterOptions('create', opts);
    return CaptureWriter.to(OutputFile.open(path), opts);
  }

  /** Starts writing into `out`; on a failure to start, `out` is aborted. */
  static to(out: ByteSink, opts: CaptureWriterOptions): CaptureWriter {
    const sink = checkObject('to', 'out', out, 'a ByteSink {path, write, commit, abort}');
    for (const m of ['write', 'commit', 'abort'] as const) checkFunction('to', `out.${m}`, sink[m]);
    checkWriterOptions('to', opts);
    try {
      return new CaptureWriter(out, opts);
    } catch (e) {
      out.abort();
      throw e;
    }
  }

  /** The name messages use for the output. */
  get path(): string {
    return this.out.path;
  }

  /** The temporary file being written (null when writing through, or not to a file). */
  get temporaryPath(): string | null {
    return this.out instanceof OutputFile ? this.out.temporaryPath : null;
  }

  /** pcapng: describes one more interface (numbered from 0 in the order added) and returns its id. */
  addInterface(i: WriterInterface): number {
    if (!this.pcapng) throw new OutputError(this.path, 'a pcap file has a single link type; use pcapng for several interfaces');
    this.interfaceDescription(i, (i.precision ?? (this.ns ? 'ns' : 'us')) === 'ns');
    this.snaplens.push(snaplenLimit(i.snaplen));
    return this.snaplens.length - 1;
  }

  /**
   * Appends one packet: bytes buf[offset, offset + caplen), cut to the interface's snapshot
   * length. tsNsec is truncated to µs for a µs file.
   */
  writePacket(buf: Uint8Array, offset: number, caplen: number, wirelen: number, tsSec: number, tsNsec: number, interfaceId = 0): void {
    // Per packet: the cheap test first, the messages only on failure.
    if (!(buf instanceof Uint8Array) || !isU32(offset) || !isU32(caplen) || offset + caplen > buf.length || !isU32(wirelen) ||
      !Number.isInteger(tsSec) || !(Number.isInteger(tsNsec) && tsNsec >= 0) || !isU32(interfaceId)) {
      checkPacketArgs(buf, offset, caplen, wirelen, tsSec, tsNsec, interfaceId);
    }
    if (this.closed) throw new OutputError(this.path, 'write after close');
    const snaplen = this.snaplens[interfaceId];
    if (snaplen === undefined) throw new OutputError(this.path, `no interface ${interfaceId}`);
    if (caplen > snaplen) caplen = snaplen;
    if (this.pcapng) this.enhancedPacket(buf, offset, caplen, wirelen, tsSec, tsNsec, interfaceId);
    else this.pcapRecord(buf, offset, caplen, wirelen, tsSec, tsNsec);
    this.packets++;
  }

  /** Appends a packet from the async iterator (or any object of that shape). */
  write(pkt: Pick<CapturePacket, 'data' | 'tsSec' | 'tsNsec'> & { wirelen?: number; interfaceId?: number }): void {
    checkUint8Array('write', 'pkt.data', checkObject('write', 'pkt', pkt, 'a packet {data, tsSec, tsNsec, wirelen?, interfaceId?}').data);
    this.writePacket(pkt.data, 0, pkt.data.length, pkt.wirelen ?? pkt.data.length, pkt.tsSec, pkt.tsNsec, pkt.interfaceId ?? 0);
  }

  /** Appends the fast reader's current packet (interface 0 unless given). */
  writeRecord(rec: CaptureRecord, interfaceId = 0): void {
    checkObject('writeRecord', 'rec', rec, 'a CaptureRecord');
    this.writePacket(rec.buf, rec.offset, rec.caplen, rec.wirelen, rec.tsSec, rec.tsNsec, interfaceId);
  }

  /** Writes out everything and makes the output final (renames the temporary file into place). */
  close(): void {
    if (this.closed) return;
    try {
      this.flush();
      this.closed = true;
      this.out.commit();
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Drops the output: the destination is left as it was. */
  abort(): void {
    this.closed = true;
    this.out.abort();
  }

  private pcapHeader(opts: CaptureWriterOptions): void {
    let field = opts.linktype & 0xffff;
    if (opts.fcsLen !== undefined) {
      if (opts.fcsLen < 0 || opts.fcsLen > 30 || opts.fcsLen % 2 !== 0) throw new OutputError(this.path, `FCS length ${opts.fcsLen} cannot be recorded (even, at most 30)`);
      field = (field | LT_FCS_PRESENT | ((opts.fcsLen / 2) << 28)) >>> 0;
    }
    const v = this.reserve(24);
    const p = this.used;
    v.setUint32(p, this.ns ? PCAP_MAGIC_NS : PCAP_MAGIC_US, this.le);
    v.setUint16(p + 4, 2, this.le);
    v.setUint16(p + 6, 4, this.le);
    v.setUint32(p + 8, 0, this.le);
    v.setUint32(p + 12, 0, this.le);
    v.setUint32(p + 16, opts.snaplen ?? MAXIMUM_SNAPLEN, this.le);
    v.setUint32(p + 20, field, this.le);
    this.used += 24;
  }

  private pcapRecord(buf: Uint8Array, offset: number, caplen: number, wirelen: number, tsSec: number, tsNsec: number): void {
    if (!(tsSec >= 0 && tsSec <= 0xffffffff)) throw new OutputError(this.path, `timestamp ${tsSec} s does not fit a pcap record (use pcapng)`);
    const v = this.reserve(16);
    const p = this.used;
    v.setUint32(p, tsSec, this.le);
    v.setUint32(p + 4, this.ns ? tsNsec : Math.floor(tsNsec / 1000), this.le);
    v.setUint32(p + 8, caplen, this.le);
    v.setUint32(p + 12, wirelen, this.le);
    this.used += 16;
    this.append(buf, offset, caplen);
  }

  private sectionHeader(): void {
    const v = this.reserve(28);
    const p = this.used;
    v.setUint32(p, PCAPNG_SHB, this.le);
    v.setUint32(p + 4, 28, this.le);
    v.setUint32(p + 8, BYTE_ORDER_MAGIC, this.le);
    v.setUint16(p + 12, 1, this.le);
    v.setUint16(p + 14, 0, this.le);
    v.setInt32(p + 16, -1, this.le); // section length unknown
    v.setInt32(p + 20, -1, this.le);
    v.setUint32(p + 24, 28, this.le);
    this.used += 28;
  }

  private interfaceDescription(i: WriterInterface, ns: boolean): void {
    this.nsOf.push(ns);
    const name = i.name !== undefined ? new TextEncoder().encode(i.name) : null;
    const nameLen = name ? 4 + ((name.length + 3) & ~3) : 0;
    const len = 16 + (ns ? 8 : 0) + nameLen + 4 + 4; // fixed part, options, opt_endofopt, trailer
    const v = this.reserve(len);
    const p = this.used;
    this.buf.fill(0, p, p + len);
    v.setUint32(p, BT_IDB, this.le);
    v.setUint32(p + 4, len, this.le);
    v.setUint16(p + 8, i.linktype, this.le);
    v.setUint32(p + 12, i.snaplen ?? MAXIMUM_SNAPLEN, this.le);
    let o = p + 16;
    if (ns) {
      v.setUint16(o, IF_TSRESOL, this.le); // 10^-9
      v.setUint16(o + 2, 1, this.le);
      this.buf[o + 4] = 9;
      o += 8;
    }
    if (name) {
      v.setUint16(o, IF_NAME, this.le);
      v.setUint16(o + 2, name.length, this.le);
      this.buf.set(name, o + 4);
      o += nameLen;
    }
    o += 4; // opt_endofopt (zeros)
    v.setUint32(o, len, this.le);
    this.used += len;
  }

  private enhancedPacket(
    buf: Uint8Array, offset: number, caplen: number, wirelen: number, tsSec: number, tsNsec: number, interfaceId: number,
  ): void {
    if (!(tsSec >= 0 && tsSec <= 18446744073)) throw new OutputError(this.path, `timestamp ${tsSec} s does not fit a 64-bit nanosecond count`);
    const padded = (caplen + 3) & ~3;
    const len = 32 + padded;
    if (this.nsOf[interfaceId]) joinUnits(tsSec, 1e9, tsNsec, this.halves);
    else joinUnits(tsSec, 1e6, Math.floor(tsNsec / 1000), this.halves);
    const v = this.reserve(28);
    const p = this.used;
    v.setUint32(p, BT_EPB, this.le);
    v.setUint32(p + 4, len, this.le);
    v.setUint32(p + 8, interfaceId, this.le);
    v.setUint32(p + 12, this.halves.hi, this.le);
    v.setUint32(p + 16, this.halves.lo, this.le);
    v.setUint32(p + 20, caplen, this.le);
    v.setUint32(p + 24, wirelen, this.le);
    this.used += 28;
    this.append(buf, offset, caplen);
    const tail = this.reserve(padded - caplen + 4);
    const t = this.used;
    this.buf.fill(0, t, t + padded - caplen);
    tail.setUint32(t + padded - caplen, len, this.le);
    this.used += padded - caplen + 4;
  }

  /** Makes room for n header bytes at `used`; returns the view to write them with. */
  private reserve(n: number): DataView {
    if (this.used + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) {
        this.buf = new Uint8Array(n);
        this.view = new DataView(this.buf.buffer);
      }
    }
    return this.view;
  }

  private append(src: Uint8Array, offset: number, len: number): void {
    if (this.used + len > this.buf.length) {
      this.flush();
      if (len > this.buf.length) {
        this.writeOut(src, offset, len);
        return;
      }
    }
    this.buf.set(src.subarray(offset, offset + len), this.used);
    this.used += len;
  }

  private flush(): void {
    if (this.used === 0) return;
    this.writeOut(this.buf, 0, this.used);
    this.used = 0;
  }

  private writeOut(src: Uint8Array, offset: number, len: number): void {
    try {
      this.out.write(src, offset, len);
    } catch (e) {
      this.abort();
      throw e;
    }
  }
}

/** A snapshot length as a cut: 0 (pcapng: "no limit") cuts nothing. */
function snaplenLimit(snaplen: number | undefined): number {
  const s = snaplen ?? MAXIMUM_SNAPLEN;
  return s === 0 ? Infinity : s;
}
