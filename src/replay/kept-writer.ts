/**
 * The `-w` output of a replay: the kept packets, each cut to what the filter returned, as
 * pcap (one link type, the input's timestamp precision) or pcapng (one interface per input
 * interface, with its link type, snapshot length, name and precision). The file is created at
 * the first kept packet, or at the end for an empty result, so that a replay which fails
 * before (say, on a file that is not a capture) leaves the destination untouched.
 */
import { linktypeName } from '../capture/linktype.js';
import type { CaptureInterface, CaptureRecord } from '../capture/record.js';
import { CaptureWriter, precisionFor } from '../capture/writer.js';
import { OutputError } from '../errors.js';
import { OutputFile } from '../io/output.js';
import type { ByteSink } from '../io/sink.js';

export type KeptFormat = 'pcap' | 'pcapng';

/** The format for a destination: what the caller asked, else pcapng for a `.pcapng` name. */
export function keptFormatFor(dest: string | ByteSink, asked: KeptFormat | undefined): KeptFormat {
  if (asked !== undefined) return asked;
  return typeof dest === 'string' && /\.pcapng$/i.test(dest) ? 'pcapng' : 'pcap';
}

export class KeptPacketWriter {
  private writer: CaptureWriter | null = null;
  private pcapLinktype = -1;
  /** pcapng: input interface -> output interface id; the last one looked up is kept at hand. */
  private readonly ids = new Map<CaptureInterface, number>();
  private lastIface: CaptureInterface | null = null;
  private lastId = 0;

  /** Names the capture being written from in messages (set by a replay over several captures). */
  source: string | undefined;

  constructor(private readonly dest: string | ByteSink, readonly format: KeptFormat) {}

  /** Where the packets go, as given. */
  get destination(): string | ByteSink {
    return this.dest;
  }

  /** True once the output was created (at the first kept packet). */
  get opened(): boolean {
    return this.writer !== null;
  }

  get path(): string {
    return typeof this.dest === 'string' ? (this.dest === '-' ? '<stdout>' : this.dest) : this.dest.path;
  }

  get packets(): number {
    return this.writer?.packets ?? 0;
  }

  /** Writes the record's first `length` bytes (already cut to what the socket kept). */
  write(rec: CaptureRecord, length: number, interfaces: readonly CaptureInterface[]): void {
    if (this.format === 'pcapng') {
      const iface = rec.iface!;
      let id: number;
      if (iface === this.lastIface) {
        id = this.lastId;
      } else {
        const w = this.writer ?? this.open(interfaces, rec.linktype);
        id = this.ids.get(iface) ?? this.describe(w, iface);
        this.lastIface = iface;
        this.lastId = id;
      }
      this.writer!.writePacket(rec.buf, rec.offset, length, rec.wirelen, rec.tsSec, rec.tsNsec, id);
      return;
    }
    if (this.writer === null) {
      this.open(interfaces, rec.linktype);
    } else if (rec.linktype !== this.pcapLinktype) {
      const where = this.source === undefined ? '' : `${this.source} `;
      throw new OutputError(this.path, `${where}packet ${rec.index} is ${linktypeName(rec.linktype)} but the file holds ${linktypeName(this.pcapLinktype)} packets; ` +
        'a pcap file has one link type (write pcapng to keep both)');
    }
    this.writer!.writePacket(rec.buf, rec.offset, length, rec.wirelen, rec.tsSec, rec.tsNsec);
  }

  /** Makes the output final; with no packet kept, an empty capture of the input's first link. */
  close(interfaces: readonly CaptureInterface[]): void {
    (this.writer ?? this.open(interfaces, interfaces[0]?.linktype ?? 1)).close();
  }

  abort(): void {
    this.writer?.abort();
    this.writer = null;
  }

  private open(interfaces: readonly CaptureInterface[], linktype: number): CaptureWriter {
    const out = typeof this.dest === 'string' ? OutputFile.open(this.dest) : this.dest;
    if (this.format === 'pcapng') {
      this.writer = CaptureWriter.to(out, { format: 'pcapng', linktype, deferInterfaces: true });
    } else {
      const snaplen = interfaces.reduce((m, i) => Math.max(m, i.effectiveSnaplen), 0) || undefined;
      this.writer = CaptureWriter.to(out, { linktype, precision: precisionFor(interfaces), ...(snaplen !== undefined ? { snaplen } : {}) });
      this.pcapLinktype = linktype;
    }
    return this.writer;
  }

  private describe(w: CaptureWriter, iface: CaptureInterface): number {
    const id = w.addInterface({
      linktype: iface.linktype,
      snaplen: iface.snaplen,
      precision: iface.nanosecond ? 'ns' : 'us',
      ...(iface.name !== undefined ? { name: iface.name } : {}),
    });
    this.ids.set(iface, id);
    return id;
  }
}
