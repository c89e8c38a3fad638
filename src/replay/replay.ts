/**
 * Replaying a capture through a classic filter, as a Linux packet socket with that filter
 * attached would see it: every packet gets the socket metadata of its link layer
 * (dissectLink), the filter's return value decides whether it is kept and how many bytes.
 *
 * The loop is written for speed: the synchronous reader hands out one reused record, the
 * link step fills one reused SkbMeta, the VM engines reuse one ExecEnv, and nothing is
 * allocated per packet unless the caller asks for per-packet output.
 */
import { decodeClassic, type ClassicFormat } from '../classic/decode.js';
import type { Endian } from '../classic/encode.js';
import type { ClassicProgram } from '../classic/insn.js';
import type { ClassicSemantics } from '../classic/interp.js';
import { CaptureReader } from '../capture/reader.js';
import { linktypeName } from '../capture/linktype.js';
import { CaptureWriter, precisionFor } from '../capture/writer.js';
import { defaultSkbMeta } from '../ebpf/ctx.js';
import { CaptureError, OutputError, UsageError } from '../errors.js';
import { readInput, sourceName } from '../io/input.js';
import { prepareFilter, type EngineName, type PrepareOptions } from './engine.js';
import { defaultLinkOptions, dissectLink, type LinkOptions, type PacketWindow } from './link.js';
import { tracePacket, type PacketTrace } from './trace.js';

export interface ReplayOptions extends PrepareOptions {
  /** How each packet's link layer becomes socket metadata (VLAN placement, LEN, pkt_type, ifindex, mark, ...). */
  link?: Partial<LinkOptions>;
  /** When FILTER is a path: its format (auto-detected by default) and raw byte order. */
  filterFormat?: 'auto' | ClassicFormat;
  endian?: Endian;
  /**
   * A truncated or corrupt capture: with keepGoing the replay ends after the last good packet
   * and reports the error in `captureError`; without, it throws that CaptureError (the output
   * file still receives every packet read before it).
   */
  keepGoing?: boolean;
  /** Write the accepted packets to this pcap file (`-` = stdout), each cut to what the filter kept. */
  write?: string;
  /** Keep a copy of every packet's result in `ReplayResult.results`. */
  collect?: boolean;
  /** Called for every packet with a reused object: read it during the call, copy what you keep. */
  onPacket?: (p: ReplayPacket) => void;
  /** Called every few thousand packets with the file position and the packets done. */
  onProgress?: (bytes: number, packets: number) => void;
  /** Trace this packet (1-based) step by step and stop the replay after it. */
  trace?: { packet: number; annotate?: boolean };
  /** Size of the capture read buffer. */
  bufferSize?: number;
}

/** One packet's outcome, as onPacket sees it. The same object is reused for every packet. */
export class ReplayPacket {
  /** 1-based packet number. */
  index = 0;
  tsSec = 0;
  tsNsec = 0;
  /** True when the packet's interface records finer than microseconds. */
  nanosecond = false;
  caplen = 0;
  wirelen = 0;
  linktype = 0;
  interfaceId = 0;
  /** File offset of the packet's record. */
  byteOffset = 0;
  /** The filter's return value (u32). */
  ret = 0;
  /** Bytes a socket would deliver: min(ret, bytes the filter ran over). */
  kept = 0;
  /** The bytes the filter ran over: data[start, start + length) (valid during the call only). */
  data: Uint8Array = new Uint8Array(0);
  start = 0;
  length = 0;

  get accepted(): boolean {
    return this.ret !== 0;
  }
}

/** A kept copy of one packet's outcome (`collect: true`). */
export interface PacketResult {
  index: number;
  tsSec: number;
  tsNsec: number;
  caplen: number;
  wirelen: number;
  ret: number;
  accepted: boolean;
  kept: number;
}

export interface ReplayTrace extends PacketTrace {
  /** The traced packet (1-based). */
  readonly packet: number;
  /** One line describing the packet and its socket metadata. */
  readonly header: string;
  /** Bytes a socket would deliver: min(ret, bytes the filter ran over). */
  readonly kept: number;
}

export interface ReplayResult {
  engine: EngineName;
  semantics: ClassicSemantics;
  /** The capture's link types (LINKTYPE_*), each once, in the order met: its packets', then its interfaces'. */
  linktypes: number[];
  /** Packets read and run. */
  packets: number;
  /** Packets the filter kept (non-zero return). */
  accepted: number;
  /** Bytes a socket would have delivered: the sum of min(ret, length) over kept packets. */
  bytesKept: number;
  /** Captured bytes of every packet read. */
  bytesCaptured: number;
  elapsedMs: number;
  packetsPerSecond: number;
  /** The truncation or corruption that ended the capture early (keepGoing). */
  captureError?: CaptureError;
  /** Per-packet outcomes (collect: true). */
  results?: PacketResult[];
  /** The traced packet (trace option). */
  trace?: ReplayTrace;
  /** The -w file and the packets written to it. */
  written?: { path: string; packets: number };
}

/** Reads a classic program from a file (`-` = stdin) in any format decodeClassic knows. */
export function loadFilter(path: string, format: 'auto' | ClassicFormat = 'auto', endian: Endian = 'little'): ClassicProgram {
  return decodeClassic(readInput(path), { format, endian, source: sourceName(path) });
}

const u32 = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

function linkOptions(given: Partial<LinkOptions> | undefined, wantsPayOffset: boolean): LinkOptions {
  const o: LinkOptions = { ...defaultLinkOptions(), ...given };
  if (o.vlan !== 'packet' && o.vlan !== 'metadata') throw new UsageError(`vlan must be 'packet' or 'metadata', not '${String(o.vlan)}'`);
  if (o.len !== 'wire' && o.len !== 'captured') throw new UsageError(`len must be 'wire' or 'captured', not '${String(o.len)}'`);
  for (const k of ['mark', 'hash', 'priority', 'cpu', 'ifindex'] as const) {
    const v = o[k];
    if (v !== undefined && !u32(v)) throw new UsageError(`${k} must be an integer from 0 to 4294967295, got ${v}`);
  }
  if (!(Number.isInteger(o.queueMapping) && o.queueMapping >= 0 && o.queueMapping <= 0xffff)) throw new UsageError(`queue must be an integer from 0 to 65535, got ${o.queueMapping}`);
  if (o.pktType !== undefined && !(Number.isInteger(o.pktType) && o.pktType >= 0 && o.pktType <= 7)) throw new UsageError(`pkttype must be 0 to 7, got ${o.pktType}`);
  if (given?.payOffset === undefined) o.payOffset = wantsPayOffset;
  return o;
}

const PROGRESS_EVERY = 0x3fff; // packets between onProgress calls, minus one

/**
 * Runs `filter` (a classic program, or a path to one) over every packet of `capture` (a path,
 * or `-` for stdin). Throws UsageError (bad options), InputError (unreadable filter or
 * capture), DecodeError/CheckError/TranslateError (a filter that cannot run), CaptureError (a
 * bad capture, unless keepGoing), OutputError (the -w file), VmError (a run that faults).
 */
export function replaySync(filter: ClassicProgram | string, capture: string, options: ReplayOptions = {}): ReplayResult {
  if (filter === '-' && capture === '-') throw new UsageError('the filter and the capture cannot both come from stdin');
  const prog = typeof filter === 'string' ? loadFilter(filter, options.filterFormat, options.endian) : filter;
  const prep = prepareFilter(prog, options);
  const link = linkOptions(options.link, prep.wantsPayOffset);
  const trace = options.trace;
  if (trace && !(Number.isInteger(trace.packet) && trace.packet >= 1)) throw new UsageError(`the packet to trace is numbered from 1, got ${trace.packet}`);

  let captureError: CaptureError | undefined;
  const started = performance.now();
  const reader = CaptureReader.open(capture, {
    keepGoing: true,
    onError: (e) => { captureError = e; },
    ...(options.bufferSize !== undefined ? { bufferSize: options.bufferSize } : {}),
  });

  const run = prep.filter;
  const meta = defaultSkbMeta();
  const win: PacketWindow = { buf: new Uint8Array(0), start: 0, caplen: 0, wirelen: 0 };
  const scratch: PacketWindow = { buf: new Uint8Array(0), start: 0, caplen: 0, wirelen: 0 };
  const onPacket = options.onPacket;
  const onProgress = options.onProgress;
  const results: PacketResult[] | undefined = options.collect ? [] : undefined;
  const pkt = onPacket || results ? new ReplayPacket() : null;
  const rec = reader.current;
  const traceAt = trace ? trace.packet : -1;
  // A filter that reads only packet bytes needs no socket metadata, unless the VLAN tag moves.
  const needMeta = prep.readsMetadata || link.vlan === 'metadata';
  let traced: ReplayTrace | undefined;
  let writer: CaptureWriter | null = null;
  let writeLinktype = -1;
  let packets = 0, accepted = 0, bytesKept = 0, bytesCaptured = 0;
  const linktypes: number[] = [];
  let lastLinktype = -1;

  try {
    while (reader.next()) {
      win.buf = rec.buf;
      win.start = rec.offset;
      win.caplen = rec.caplen;
      win.wirelen = rec.wirelen;
      const w = needMeta || rec.index === traceAt ? dissectLink(rec.linktype, win, meta, link, scratch) : win;
      let ret: number;
      if (rec.index === traceAt) {
        const t = tracePacket(prep, w.buf, w.start, w.caplen, meta, trace!.annotate === true);
        ret = t.ret >>> 0;
        traced = { ...t, packet: rec.index, kept: ret < w.caplen ? ret : w.caplen, header: traceHeader(rec.index, rec.linktype, rec.caplen, rec.wirelen, meta, prep.engine) };
      } else {
        ret = run.run(w.buf, w.start, w.caplen, meta) >>> 0;
      }
      packets++;
      bytesCaptured += rec.caplen;
      // One compare per packet; the list is searched only where the link type changes.
      if (rec.linktype !== lastLinktype) {
        lastLinktype = rec.linktype;
        if (!linktypes.includes(lastLinktype)) linktypes.push(lastLinktype);
      }
      let kept = 0;
      if (ret !== 0) {
        accepted++;
        kept = ret < w.caplen ? ret : w.caplen;
        bytesKept += kept;
        if (options.write !== undefined) {
          if (writer === null) {
            writer = openWriter(options.write, reader, rec.linktype);
            writeLinktype = rec.linktype;
          } else if (rec.linktype !== writeLinktype) {
            throw new OutputError(options.write, `packet ${rec.index} is ${linktypeName(rec.linktype)} but the file holds ${linktypeName(writeLinktype)} packets; a pcap file has one link type`);
          }
          // The socket delivered the untagged frame; libpcap puts an offloaded tag back.
          const cut = meta.vlanPresent !== 0 && w !== win ? kept + 4 : kept;
          writer.writePacket(rec.buf, rec.offset, cut < rec.caplen ? cut : rec.caplen, rec.wirelen, rec.tsSec, rec.tsNsec);
        }
      }
      if (pkt !== null) {
        pkt.index = rec.index;
        pkt.tsSec = rec.tsSec;
        pkt.tsNsec = rec.tsNsec;
        pkt.nanosecond = rec.iface !== null && rec.iface.nanosecond;
        pkt.caplen = rec.caplen;
        pkt.wirelen = rec.wirelen;
        pkt.linktype = rec.linktype;
        pkt.interfaceId = rec.interfaceId;
        pkt.byteOffset = rec.byteOffset;
        pkt.ret = ret;
        pkt.kept = kept;
        pkt.data = w.buf;
        pkt.start = w.start;
        pkt.length = w.caplen;
        if (results) results.push({ index: pkt.index, tsSec: pkt.tsSec, tsNsec: pkt.tsNsec, caplen: pkt.caplen, wirelen: pkt.wirelen, ret, accepted: ret !== 0, kept });
        if (onPacket) onPacket(pkt);
      }
      if (onProgress && (packets & PROGRESS_EVERY) === 0) onProgress(rec.byteOffset, packets);
      if (traced) break;
    }
    // Interfaces with no packet (an empty capture's only one) count too.
    for (const i of reader.interfaces) if (!linktypes.includes(i.linktype)) linktypes.push(i.linktype);
    if (trace && !traced && !captureError) {
      throw new UsageError(`cannot trace packet ${trace.packet}: the capture has ${packets} packet${packets === 1 ? '' : 's'}`);
    }
    if (options.write !== undefined) {
      writer ??= openWriter(options.write, reader, reader.interfaces[0]?.linktype ?? 1);
      writer.close();
    }
  } catch (e) {
    writer?.abort();
    throw e;
  } finally {
    reader.close();
  }
  if (captureError && !options.keepGoing) throw captureError;
  if (trace && !traced) throw captureError!;

  const elapsedMs = performance.now() - started;
  const result: ReplayResult = {
    engine: prep.engine,
    semantics: prep.semantics,
    linktypes,
    packets,
    accepted,
    bytesKept,
    bytesCaptured,
    elapsedMs,
    packetsPerSecond: elapsedMs > 0 ? packets / (elapsedMs / 1000) : 0,
  };
  if (captureError) result.captureError = captureError;
  if (results) result.results = results;
  if (traced) result.trace = traced;
  if (writer) result.written = { path: options.write!, packets: writer.packets };
  return result;
}

/** The same as replaySync, as a promise (the replay itself runs synchronously). */
export async function replay(filter: ClassicProgram | string, capture: string, options: ReplayOptions = {}): Promise<ReplayResult> {
  return replaySync(filter, capture, options);
}

/** The -w file: pcap, the first kept packet's link type, the input's timestamp precision. */
function openWriter(path: string, reader: CaptureReader, linktype: number): CaptureWriter {
  const ifaces = reader.interfaces;
  const snaplen = ifaces.reduce((m, i) => Math.max(m, i.effectiveSnaplen), 0) || undefined;
  return CaptureWriter.create(path, { linktype, precision: precisionFor(ifaces), ...(snaplen !== undefined ? { snaplen } : {}) });
}

function traceHeader(index: number, linktype: number, caplen: number, wirelen: number, meta: ReturnType<typeof defaultSkbMeta>, engine: EngineName): string {
  const vlan = meta.vlanPresent ? ` vlan_tci 0x${meta.vlanTci.toString(16)} vlan_proto 0x${meta.vlanProto.toString(16).padStart(4, '0')}` : '';
  return `packet ${index}: ${caplen} bytes captured, ${wirelen} on the wire, ${linktypeName(linktype)}; engine ${engine === 'jit' ? 'jit (this packet traced in the interpreter)' : engine}; ` +
    `len ${meta.len} protocol 0x${meta.protocol.toString(16).padStart(4, '0')} pkt_type ${meta.pktType} ifindex ${meta.ifindex}${vlan}`;
}
