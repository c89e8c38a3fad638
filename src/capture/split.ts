/**
 * Finding a record in a pcap file from an arbitrary byte offset, to read a large file in byte
 * ranges at once. Nothing in a pcap file marks where a record starts, so a candidate offset is
 * taken when CHAIN consecutive record headers there look right (a fraction below a second,
 * caplen within the link type's maximum and not above the wire length, timestamps within a
 * day of each other). Packet bytes can look like that too: a caller must confirm the offset
 * where the previous range ends, and redo the range from there when they disagree.
 */
import type { PcapLayout } from './pcap.js';

/** Consecutive plausible headers that make an offset a candidate. */
export const CHAIN = 8;
const DAY = 86400;

/** The record at `at` in buf (offsets into buf), as far as its header goes: its total length, or -1. */
function plausible(view: DataView, at: number, l: PcapLayout): number {
  const le = l.littleEndian;
  const frac = view.getUint32(at + 4, le);
  let caplen = view.getUint32(at + 8, le);
  let wirelen = view.getUint32(at + 12, le);
  if (l.lengthsSwapped && caplen > wirelen) {
    const t = caplen;
    caplen = wirelen;
    wirelen = t;
  }
  if (frac >= l.fractionLimit || caplen > l.maxCaplen || caplen > wirelen) return -1;
  return l.recordHeaderLength + caplen;
}

/**
 * The first offset in buf[from, end) where a chain of plausible records starts, as an offset
 * into buf, or -1. `eof`: buf ends where the file does, so a chain may end there early.
 */
export function findPcapRecord(buf: Uint8Array, from: number, end: number, l: PcapLayout, eof: boolean): number {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const hlen = l.recordHeaderLength;
  for (let x = from; x + hlen <= end; x++) {
    let at = x, n = 0, ts = -1, ok = true;
    while (n < CHAIN) {
      if (at === buf.length && eof) break;
      // What was read ends inside the chain: take a shorter one.
      if (at + hlen > buf.length) {
        ok = n >= 2;
        break;
      }
      const len = plausible(view, at, l);
      const sec = view.getUint32(at, l.littleEndian);
      if (len < 0 || (ts >= 0 && Math.abs(sec - ts) > DAY)) {
        ok = false;
        break;
      }
      if (at + len > buf.length) {
        ok = n >= 1 && !eof;
        break;
      }
      ts = sec;
      at += len;
      n++;
    }
    if (ok && n > 0) return x;
  }
  return -1;
}
