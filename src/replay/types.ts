/** What a replay takes and gives: its options, the per-packet view, and the result. */
import type { ClassicFormat } from '../classic/decode.js';
import type { Endian } from '../classic/encode.js';
import type { ClassicSemantics } from '../classic/interp.js';
import type { CaptureError } from '../errors.js';
import type { ByteSink } from '../io/sink.js';
import type { EngineName, PrepareOptions } from './engine.js';
import type { LinkOptions } from './link.js';
import type { PacketTrace } from './trace.js';

/**
 * A pcap-filter expression as a replay's filter: compiled (by compileFilter) for the link type
 * and snapshot length of each interface the packets come from, as tcpdump -r compiles it.
 */
export interface FilterExpression {
  readonly expression: string;
  /** Default true, as libpcap. */
  readonly optimize?: boolean;
  /** For `ip broadcast`; default 0. */
  readonly netmask?: number;
}

export interface ReplayOptions extends PrepareOptions {
  /** How each packet's link layer becomes socket metadata (VLAN placement, LEN, pkt_type, ifindex, mark, ...). */
  link?: Partial<LinkOptions>;
  /** When FILTER is a path: its format (auto-detected by default) and raw byte order. */
  filterFormat?: 'auto' | ClassicFormat;
  endian?: Endian;
  /**
   * A truncated or corrupt capture: with keepGoing the replay ends after the last good packet
   * and reports the error in `captureError`; without, it throws that CaptureError (the output
   * file still receives every packet read before it). A file that is not a capture at all
   * leaves the output untouched.
   */
  keepGoing?: boolean;
  /**
   * Write the accepted packets, each cut to what the filter kept: to a file (`-` = stdout;
   * written atomically, see OutputFile), or to any ByteSink. A path naming the capture itself
   * is refused.
   */
  write?: string | ByteSink;
  /**
   * The format written: pcapng keeps every interface (link type, snapshot length, name) and
   * its timestamp precision; pcap has one link type. Default: pcapng when the path ends in
   * `.pcapng`, else pcap.
   */
  writeFormat?: 'pcap' | 'pcapng';
  /**
   * Async replay only: called between slices of packets; a promise pauses the replay until it
   * settles (a rejection ends the replay with that error). Output streams use it to make a
   * slow reader slow the replay down instead of filling memory.
   */
  backpressure?: () => Promise<void> | undefined;
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
  /** The -w output, its format and the packets written to it. */
  written?: { path: string; format: 'pcap' | 'pcapng'; packets: number };
}

/** Reads a classic program from a file (`-` = stdin) in any format decodeClassic knows. */
