/** Just enough of the pcap format for tests: read a capture (either byte order), write one. */
export interface PcapRecord {
  data: Uint8Array;
  /** Length on the wire. */
  len: number;
}

export function readPcap(bytes: Uint8Array): { linktype: number; records: PcapRecord[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!little && view.getUint32(0, false) !== 0xa1b2c3d4 && view.getUint32(0, false) !== 0xa1b23c4d) throw new Error('not a pcap file');
  const linktype = view.getUint32(20, little) & 0xffff;
  const records: PcapRecord[] = [];
  for (let at = 24; at + 16 <= bytes.length;) {
    const caplen = view.getUint32(at + 8, little);
    const len = view.getUint32(at + 12, little);
    records.push({ data: bytes.slice(at + 16, at + 16 + caplen), len });
    at += 16 + caplen;
  }
  return { linktype, records };
}

export function writePcap(linktype: number, records: readonly PcapRecord[]): Uint8Array {
  const size = 24 + records.reduce((n, r) => n + 16 + r.data.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 262144, true);
  view.setUint32(20, linktype, true);
  let at = 24;
  records.forEach((r, n) => {
    view.setUint32(at, n, true);
    view.setUint32(at + 8, r.data.length, true);
    view.setUint32(at + 12, r.len, true);
    out.set(r.data, at + 16);
    at += 16 + r.data.length;
  });
  return out;
}
