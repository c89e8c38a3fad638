/**
 * One replay of a capture through a classic filter, as a Linux packet socket with that filter
 * attached would see it: every packet gets the socket metadata of its link layer
 * (dissectLink), the filter's return value decides whether it is kept and how many bytes.
 *
 * The session runs in slices (`step`), so that an async caller can let output drain and the
 * event loop turn between them. The loop is written for speed: the synchronous reader hands
 * out one reused record, the link step fills one reused SkbMeta, the VM engines reuse one
 * ExecEnv, and nothing is allocated per packet unless the caller asks for per-packet output.
 */
import { fstatSync, statSync } from 'node:fs';
import { decodeClassic, type ClassicFormat } from '../classic/decode.js';
import type { Endian } from '../classic/encode.js';
import type { ClassicProgram } from '../classic/insn.js';
import { CaptureReader } from '../capture/reader.js';
import type { CaptureInterface, CaptureRecord } from '../capture/record.js';
import type { ByteSink } from '../io/sink.js';
import { STEP_NEED, STEP_PACKET } from '../capture/decoder.js';
import { linktypeName } from '../capture/linktype.js';
import { defaultSkbMeta, type SkbMeta } from '../abi/ctx.js';
import { CaptureError, UsageError } from '../errors.js';
import { readInput, sourceName } from '../io/input.js';
import { CLASSIC_INPUT } from '../classic/limits.js';
import { sameFile } from '../io/output.js';
import { quotable } from '../text.js';
import { checkInteger, checkString } from '../args.js';
import { checkReplayArgs, isFilterExpression } from './checks.js';
import { compileFilter } from '../compile/index.js';
import { prepareFilter, type EngineName, type PreparedFilter } from './engine.js';
import { KeptPacketWriter, keptFormatFor } from './kept-writer.js';
import { defaultLinkOptions, dissectLink, type LinkOptions, type PacketWindow } from './link.js';
import { tracePacket } from './trace.js';
import { ReplayPacket, type FilterExpression, type PacketResult, type ReplayOptions, type ReplayResult, type ReplayTrace } from './types.js';

/** Reads a classic program from a file (`-` = stdin) in any format decodeClassic knows. */
export function loadFilter(path: string, format: 'auto' | ClassicFormat = 'auto', endian: Endian = 'little'): ClassicProgram {
  checkString('loadFilter', 'path', path);
  return decodeClassic(readInput(path, CLASSIC_INPUT), { format, endian, source: sourceName(path) });
}

const u32 = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

/** LinkOptions in full: the defaults, what the caller gave (checked), and PAY_OFFSET when the filter asks for it. */
export function resolveLinkOptions(given: Partial<LinkOptions> | undefined, wantsPayOffset: boolean): LinkOptions {
  const o: LinkOptions = { ...defaultLinkOptions(), ...given };
  if (o.vlan !== 'packet' && o.vlan !== 'metadata') throw new UsageError(`vlan must be 'packet' or 'metadata', not '${quotable(String(o.vlan))}'`);
  if (o.len !== 'wire' && o.len !== 'captured') throw new UsageError(`len must be 'wire' or 'captured', not '${quotable(String(o.len))}'`);
  for (const k of ['mark', 'hash', 'priority', 'cpu', 'ifindex'] as const) {
    const v = o[k];
    if (v !== undefined && !u32(v)) throw new UsageError(`${k} must be an integer from 0 to 4294967295, got ${v}`);
  }
  if (!(Number.isInteger(o.queueMapping) && o.queueMapping >= 0 && o.queueMapping <= 0xffff)) throw new UsageError(`queue must be an integer from 0 to 65535, got ${o.queueMapping}`);
  if (o.pktType !== undefined && !(Number.isInteger(o.pktType) && o.pktType >= 0 && o.pktType <= 7)) throw new UsageError(`pkttype must be 0 to 7, got ${o.pktType}`);
  if (given?.payOffset === undefined) o.payOffset = wantsPayOffset;
  return o;
}

/** Refuses a -w path that names the capture being read: the rename would replace the input. */
function refuseWritingTheInput(capture: string, write: string): void {
  if (write === '-') return;
  let input: { dev: number; ino: number };
  try {
    input = capture === '-' ? fstatSync(0) : statSync(capture);
  } catch {
    return; // the reader reports an unreadable capture
  }
  if (sameFile(input, write)) throw new UsageError(`--write ${write} names the capture being read; write to another file`);
}

const PROGRESS_EVERY = 0x3fff; // packets between onProgress calls, minus one

/** Where a session's kept packets go when it does not write them itself. */
export interface KeptSink {
  /** The -w destination, to refuse reading it (absent when not a file). */
  readonly destination?: string | ByteSink;
  write(rec: CaptureRecord, length: number, interfaces: readonly CaptureInterface[]): void;
}

/** What replays over several captures, or parts of one, give a session besides its options. */
export interface SessionExtras {
  /** The -w writer shared by the sessions of one run (its owner closes it). */
  readonly writer?: KeptSink;
  /** pcap: replay only the records starting in [start, limit) of the file (start: a record header). */
  readonly range?: { readonly start: number; readonly limit: number };
  /** The filter already prepared (with the same engine options), to spare compiling it again. */
  readonly prepared?: PreparedFilter;
}

export class ReplaySession {
  private prep: PreparedFilter;
  /** An expression filter: its program for each link type and snaplen met so far. */
  private readonly compiled: Map<string, PreparedFilter> | null;
  private readonly expression: FilterExpression | null;
  private lastIface: CaptureInterface | null | undefined = undefined;
  private readonly link: LinkOptions;
  private readonly reader: CaptureReader;
  private readonly meta = defaultSkbMeta();
  private readonly win: PacketWindow = { buf: new Uint8Array(0), start: 0, caplen: 0, wirelen: 0 };
  private readonly scratch: PacketWindow = { buf: new Uint8Array(0), start: 0, caplen: 0, wirelen: 0 };
  private readonly pkt: ReplayPacket | null;
  private readonly results: PacketResult[] | undefined;
  /** Where kept packets go: this session's -w writer, or one shared with others (SessionExtras). */
  private readonly kept: KeptSink | null;
  /** This session's own -w writer (null when it has none or writes to a shared one). */
  private readonly ownKept: KeptPacketWriter | null;
  private readonly traceAt: number;
  /** A filter that reads only packet bytes needs no socket metadata, unless the VLAN tag moves. */
  private readonly needMeta: boolean;
  private readonly started = performance.now();
  private captureError: CaptureError | undefined;
  private traced: ReplayTrace | undefined;
  private done = false;
  private asyncInput = false;
  /** step() stopped because the capture has no more bytes read (see readWithoutBlocking). */
  wantsInput = false;
  private packets = 0;
  private accepted = 0;
  private bytesKept = 0;
  private bytesCaptured = 0;
  private readonly linktypes: number[] = [];
  private lastLinktype = -1;

  /**
   * Prepares `filter` (a classic program, or a path to one) and opens `capture` (a path, or
   * `-` for stdin). Throws UsageError (bad options), InputError (unreadable filter or capture),
   * DecodeError/CheckError/TranslateError (a filter that cannot run).
   */
  constructor(
    filter: ClassicProgram | string | FilterExpression, capture: string, private readonly options: ReplayOptions = {},
    shared?: SessionExtras,
  ) {
    checkReplayArgs('ReplaySession', filter, capture, options);
    if (filter === '-' && capture === '-') throw new UsageError('the filter and the capture cannot both come from stdin');
    if (isFilterExpression(filter)) {
      this.expression = filter;
      this.compiled = new Map();
      // Compiled once up front so that a bad expression fails before the capture is read.
      this.prep = this.prepareFor(1, 262144);
    } else {
      this.expression = null;
      this.compiled = null;
      const prog = typeof filter === 'string' ? loadFilter(filter, options.filterFormat, options.endian) : filter;
      this.prep = shared?.prepared ?? prepareFilter(prog, options);
    }
    this.link = resolveLinkOptions(options.link, this.prep.wantsPayOffset);
    const trace = options.trace;
    if (trace && !(Number.isInteger(trace.packet) && trace.packet >= 1)) throw new UsageError(`the packet to trace is numbered from 1, got ${trace.packet}`);
    this.traceAt = trace ? trace.packet : -1;
    const write = options.write;
    if (typeof write === 'string') refuseWritingTheInput(capture, write);
    this.reader = CaptureReader.open(capture, {
      keepGoing: true,
      onError: (e) => { this.captureError = e; },
      ...(options.bufferSize !== undefined ? { bufferSize: options.bufferSize } : {}),
    });
    if (shared?.writer !== undefined) {
      this.kept = shared.writer;
      this.ownKept = null;
      const dest = shared.writer.destination;
      if (typeof dest === 'string') refuseWritingTheInput(capture, dest);
    } else {
      this.ownKept = write !== undefined ? new KeptPacketWriter(write, keptFormatFor(write, options.writeFormat)) : null;
      this.kept = this.ownKept;
    }
    if (shared?.range !== undefined) this.reader.readRange(shared.range.start, shared.range.limit);
    this.results = options.collect ? [] : undefined;
    this.pkt = options.onPacket || this.results ? new ReplayPacket() : null;
    // A program compiled later, for another interface, may read LEN: keep the metadata filled.
    this.needMeta = this.prep.readsMetadata || this.link.vlan === 'metadata' || this.expression !== null;
  }

  /** The expression's program for one link type and snapshot length, compiled on first use. */
  private prepareFor(linktype: number, snaplen: number): PreparedFilter {
    const key = `${linktype}/${snaplen}`;
    let p = this.compiled!.get(key);
    if (!p) {
      const e = this.expression!;
      const prog = compileFilter(e.expression, {
        linktype, snaplen,
        ...(e.optimize !== undefined ? { optimize: e.optimize } : {}),
        ...(e.netmask !== undefined ? { netmask: e.netmask } : {}),
      });
      p = prepareFilter(prog, this.options);
      this.compiled!.set(key, p);
    }
    return p;
  }

  /**
   * From now on, step() does not block on a capture that comes from a pipe: it stops early with
   * `wantsInput` set, and readMore() reads without blocking the event loop.
   */
  readWithoutBlocking(): void {
    this.asyncInput = this.reader.mayBlock;
  }

  /** Reads more of the capture for the next step() (see readWithoutBlocking). */
  readMore(): Promise<void> {
    this.wantsInput = false;
    return this.reader.fillAsync();
  }

  /** The file offset of the next record: after a range's end, where the next range starts. */
  get position(): number {
    return this.reader.position;
  }

  /** The replay ended at its range's limit, not at the end of the file. */
  get stoppedAtLimit(): boolean {
    return this.reader.stoppedAtLimit;
  }

  /** The interfaces of the capture's current section (none when it is not a capture). */
  get interfaces(): readonly CaptureInterface[] {
    return this.reader.interfaces;
  }

  /** Runs up to `maxPackets` more packets; false once the capture (or the traced packet) is done. */
  step(maxPackets: number): boolean {
    checkInteger('step', 'maxPackets', maxPackets, 1, Number.MAX_SAFE_INTEGER);
    if (this.done) return false;
    const reader = this.reader, rec = reader.current, meta = this.meta, link = this.link;
    let run = this.prep.filter;
    const perInterface = this.expression !== null;
    const win = this.win, scratch = this.scratch, kept = this.kept, pkt = this.pkt, results = this.results;
    const onPacket = this.options.onPacket, onProgress = this.options.onProgress;
    const traceAt = this.traceAt, needMeta = this.needMeta;
    let packets = this.packets, accepted = this.accepted, bytesKept = this.bytesKept, bytesCaptured = this.bytesCaptured;
    let lastLinktype = this.lastLinktype;
    const asyncInput = this.asyncInput;
    let budget = maxPackets;
    try {
      packets: while (budget-- > 0) {
        let r = reader.poll();
        while (r === STEP_NEED) {
          if (asyncInput) {
            this.wantsInput = true;
            break packets;
          }
          reader.fill();
          r = reader.poll();
        }
        if (r !== STEP_PACKET) {
          this.done = true;
          break;
        }
        if (perInterface && rec.iface !== this.lastIface) {
          this.lastIface = rec.iface;
          this.prep = this.prepareFor(rec.linktype, rec.iface?.effectiveSnaplen ?? reader.interfaces[0]?.effectiveSnaplen ?? 262144);
          run = this.prep.filter;
        }
        // One compare per packet; the list is searched only where the link type changes.
        if (rec.linktype !== lastLinktype) {
          lastLinktype = rec.linktype;
          if (!this.linktypes.includes(lastLinktype)) this.linktypes.push(lastLinktype);
        }
        win.buf = rec.buf;
        win.start = rec.offset;
        win.caplen = rec.caplen;
        win.wirelen = rec.wirelen;
        const w = needMeta || rec.index === traceAt ? dissectLink(rec.linktype, win, meta, link, scratch) : win;
        let ret: number;
        if (rec.index === traceAt) ret = this.trace(w, rec.index, rec.linktype, rec.caplen, rec.wirelen);
        else ret = run.run(w.buf, w.start, w.caplen, meta) >>> 0;
        packets++;
        bytesCaptured += rec.caplen;
        let keep = 0;
        if (ret !== 0) {
          accepted++;
          keep = ret < w.caplen ? ret : w.caplen;
          bytesKept += keep;
          if (kept !== null) {
            // The socket delivered the untagged frame; libpcap puts an offloaded tag back.
            const cut = meta.vlanPresent !== 0 && w !== win ? keep + 4 : keep;
            kept.write(rec, cut < rec.caplen ? cut : rec.caplen, reader.interfaces);
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
          pkt.kept = keep;
          pkt.data = w.buf;
          pkt.start = w.start;
          pkt.length = w.caplen;
          if (results) {
            results.push({
              index: pkt.index, tsSec: pkt.tsSec, tsNsec: pkt.tsNsec, caplen: pkt.caplen, wirelen: pkt.wirelen,
              ret, accepted: ret !== 0, kept: keep,
            });
          }
          if (onPacket) onPacket(pkt);
        }
        if (onProgress && (packets & PROGRESS_EVERY) === 0) onProgress(rec.byteOffset, packets);
        if (this.traced) {
          this.done = true;
          break;
        }
      }
    } finally {
      this.lastLinktype = lastLinktype;
      this.packets = packets;
      this.accepted = accepted;
      this.bytesKept = bytesKept;
      this.bytesCaptured = bytesCaptured;
    }
    return !this.done;
  }

  /**
   * Ends the replay: the -w output is made final and the result returned. Throws the
   * CaptureError that ended the capture (unless keepGoing), UsageError for a traced packet the
   * capture does not have, OutputError when the output cannot be finished.
   */
  finish(): ReplayResult {
    const { options, reader, captureError } = this;
    try {
      const trace = options.trace;
      if (trace && !this.traced && !captureError) {
        throw new UsageError(`cannot trace packet ${trace.packet}: the capture has ${this.packets} packet${this.packets === 1 ? '' : 's'}`);
      }
      if (this.ownKept) {
        // A file that is not a capture at all has no interface: leave the destination alone.
        if (reader.interfaces.length === 0 && captureError) this.ownKept.abort();
        else this.ownKept.close(reader.interfaces);
      }
    } catch (e) {
      this.abort();
      throw e;
    } finally {
      reader.close();
    }
    if (captureError && !options.keepGoing) throw captureError;
    if (options.trace && !this.traced) throw captureError!;

    // Interfaces with no packet (an empty capture's only one) count too.
    for (const i of reader.interfaces) if (!this.linktypes.includes(i.linktype)) this.linktypes.push(i.linktype);
    const elapsedMs = performance.now() - this.started;
    const result: ReplayResult = {
      engine: this.prep.engine,
      semantics: this.prep.semantics,
      linktypes: this.linktypes,
      packets: this.packets,
      accepted: this.accepted,
      bytesKept: this.bytesKept,
      bytesCaptured: this.bytesCaptured,
      elapsedMs,
      packetsPerSecond: elapsedMs > 0 ? this.packets / (elapsedMs / 1000) : 0,
    };
    if (captureError) result.captureError = captureError;
    if (this.results) result.results = this.results;
    if (this.traced) result.trace = this.traced;
    if (this.ownKept) result.written = { path: this.ownKept.path, format: this.ownKept.format, packets: this.ownKept.packets };
    return result;
  }

  /** Stops the replay: the -w destination is left as it was, the capture closed. */
  abort(): void {
    this.done = true;
    this.ownKept?.abort();
    this.reader.close();
  }

  private trace(w: PacketWindow, index: number, linktype: number, caplen: number, wirelen: number): number {
    const t = tracePacket(this.prep, w.buf, w.start, w.caplen, this.meta, this.options.trace!.annotate === true);
    const ret = t.ret >>> 0;
    const header = traceHeader(index, linktype, caplen, wirelen, this.meta, this.prep.engine);
    this.traced = { ...t, packet: index, kept: ret < w.caplen ? ret : w.caplen, header };
    return ret;
  }
}

function traceHeader(index: number, linktype: number, caplen: number, wirelen: number, meta: SkbMeta, engine: EngineName): string {
  const vlan = meta.vlanPresent ? ` vlan_tci 0x${meta.vlanTci.toString(16)} vlan_proto 0x${meta.vlanProto.toString(16).padStart(4, '0')}` : '';
  return `packet ${index}: ${caplen} bytes captured, ${wirelen} on the wire, ${linktypeName(linktype)}; engine ${engine === 'jit' ? 'jit (this packet traced in the interpreter)' : engine}; ` +
    `len ${meta.len} protocol 0x${meta.protocol.toString(16).padStart(4, '0')} pkt_type ${meta.pktType} ifindex ${meta.ifindex}${vlan}`;
}
