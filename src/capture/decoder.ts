/**
 * The contract between the readers (which move bytes) and the format decoders (which parse
 * them), and the format sniffing that picks a decoder from a file's first bytes.
 */
import { CaptureError } from '../errors.js';
import type { CaptureInterface, CaptureRecord } from './record.js';
import type { ByteWindow } from './window.js';

/** step() results. */
export const STEP_PACKET = 1;
export const STEP_NEED = 0;
export const STEP_END = -1;

export type CaptureFormat = 'pcap' | 'pcapng';

export interface FormatDecoder {
  readonly format: CaptureFormat;
  /** Interfaces of the current section (pcap: the single one from the file header). */
  readonly interfaces: readonly CaptureInterface[];
  /** Packets delivered so far. */
  readonly count: number;
  /**
   * Parses the file header if that is not done yet: STEP_PACKET when done, STEP_NEED when
   * w.need bytes must be present first. Throws CaptureError.
   */
  header(w: ByteWindow): number;
  /**
   * Decodes the next packet into rec and consumes it: STEP_PACKET; STEP_NEED when w.need bytes
   * must be present first (nothing consumed); STEP_END at a clean end of file. Throws
   * CaptureError for a truncated or corrupt file.
   */
  step(w: ByteWindow, rec: CaptureRecord): number;
}

/** Shared error reporting: every error names the packet that could not be read and where. */
export abstract class DecoderBase {
  count = 0;

  constructor(readonly source: string) {}

  protected corrupt(at: number, detail: string): never {
    throw new CaptureError(this.source, this.count + 1, at, detail);
  }

  /** The file ended inside something `wanted` bytes long starting at w.start. */
  protected truncated(w: ByteWindow, what: string, wanted: number): never {
    const have = w.end - w.start;
    throw new CaptureError(this.source, this.count + 1, w.position, `truncated file: ${what} needs ${wanted} bytes, only ${have} left`);
  }
}

export const PCAPNG_SHB = 0x0a0d0d0a;

/** Reads the 4-byte magic and returns the decoder factory's choice, or null when more bytes are needed. */
export function sniffMagic(w: ByteWindow, source: string): 'pcap' | 'pcapng' | null {
  const avail = w.end - w.start;
  if (avail < 4) {
    if (!w.eof) {
      w.need = 4;
      return null;
    }
    throw new CaptureError(source, 1, w.position, avail === 0 ? 'empty file' : `truncated file: ${avail} bytes, too short for a capture file header`);
  }
  const magic = w.view.getUint32(w.start, false);
  const format = formatOfMagic(magic);
  if (format) return format;
  throw new CaptureError(source, 1, w.position, `not a pcap or pcapng file (magic 0x${magic.toString(16).padStart(8, '0')})`);
}

/** The capture format a file's first four bytes (read big-endian) announce, if any. */
function formatOfMagic(magic: number): CaptureFormat | undefined {
  if (magic === PCAPNG_SHB) return 'pcapng';
  if (PCAP_MAGICS.has(magic) || PCAP_MAGICS.has(swap32(magic))) return 'pcap';
  return undefined;
}

/**
 * The capture format whose magic `bytes` start with, or undefined: how to tell a capture given
 * where something else belongs (a filter, a program) without reading it.
 */
export function captureFormatOf(bytes: Uint8Array): CaptureFormat | undefined {
  if (bytes.length < 4) return undefined;
  return formatOfMagic(new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false));
}

/** pcap magics as read big-endian: µs, ns, and Alexey Kuznetzov's modified µs format. */
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_MAGIC_KUZNETZOV = 0xa1b2cd34;
const PCAP_MAGICS = new Set([PCAP_MAGIC_US, PCAP_MAGIC_NS, PCAP_MAGIC_KUZNETZOV]);

export function swap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}
