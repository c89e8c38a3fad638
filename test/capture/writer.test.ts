/** The writer: round trips through our reader, libpcap and tcpdump; atomic replacement. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { OutputError } from '../../src/errors.js';
import { CaptureReader } from '../../src/capture/reader.js';
import { openCapture } from '../../src/capture/stream.js';
import { CaptureWriter, precisionFor, type CaptureWriterOptions } from '../../src/capture/writer.js';
import { generatedDir, harnessMissing, libpcapRead, readAll, stamp, tcpdumpMissing, tcpdumpRead, type Row } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-writer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const out = (ext = 'pcap') => join(tmp, `out${n++}.${ext}`);

/** Copies a capture through the writer with the fast reader; returns the rows read from the source. */
function copy(src: string, dst: string, opts: Partial<CaptureWriterOptions>): Row[] {
  const rows = readAll(src).rows;
  const reader = CaptureReader.open(src);
  let writer: CaptureWriter | undefined;
  while (reader.next()) {
    const r = reader.current;
    writer ??= CaptureWriter.create(dst, { linktype: r.linktype, ...opts });
    writer.writeRecord(r, opts.format === 'pcapng' ? r.interfaceId : 0);
  }
  reader.close();
  writer!.close();
  return rows;
}

const usec = (rows: Row[]) => rows.map((r) => ({ ...r, tsNsec: Math.floor(r.tsNsec / 1000) * 1000 }));
const content = (rows: Row[]) => rows.map(({ byteOffset: _b, ...rest }) => rest);

describe('round trips through our reader', () => {
  it('pcap, ns precision: every field survives', () => {
    const dst = out();
    const rows = copy(join(generatedDir, 'tsresol.pcapng'), dst, { precision: 'ns' });
    const back = readAll(dst);
    expect(back.error).toBeUndefined();
    expect(content(back.rows)).toEqual(content(rows).map((r) => ({ ...r, interfaceId: 0 })));
    const reader = CaptureReader.open(dst);
    expect(reader.interfaces[0]).toMatchObject({ linktype: 1, snaplen: 262144, nanosecond: true, tsresol: 9 });
    reader.close();
  });

  it('pcap, µs precision: timestamps are truncated to microseconds', () => {
    const dst = out();
    const rows = copy(join(generatedDir, 'le-ns.pcap'), dst, { precision: 'us', bigEndian: true });
    expect(content(readAll(dst).rows)).toEqual(content(usec(rows)));
    expect(readFileSync(dst).readUInt32BE(0)).toBe(0xa1b2c3d4);
  });

  it('pcapng with several interfaces and link types', () => {
    const src = join(generatedDir, 'multi-linktype.pcapng');
    const reader = CaptureReader.open(src);
    const rows = readAll(src).rows;
    const dst = out('pcapng');
    const w = CaptureWriter.create(dst, { format: 'pcapng', precision: 'ns', linktype: 1, snaplen: 65535, moreInterfaces: [{ linktype: 101, snaplen: 65535, name: 'raw0' }, { linktype: 276 }] });
    while (reader.next()) w.writeRecord(reader.current, reader.current.interfaceId);
    reader.close();
    w.close();
    expect(content(readAll(dst).rows)).toEqual(content(rows));
    const back = CaptureReader.open(dst);
    back.next();
    expect(back.interfaces.map((i) => [i.linktype, i.name])).toEqual([[1, undefined], [101, 'raw0'], [276, undefined]]);
    back.close();
  });

  it('pcapng, µs, big-endian', () => {
    const dst = out('pcapng');
    const rows = copy(join(generatedDir, 'le.pcapng'), dst, { format: 'pcapng', bigEndian: true });
    expect(content(readAll(dst).rows)).toEqual(content(usec(rows)));
  });

  it('cuts packets to the snapshot length, writes the FCS bits, handles packets bigger than its buffer', () => {
    const dst = out();
    const big = new Uint8Array(100000).map((_, i) => i & 0xff);
    const w = CaptureWriter.create(dst, { linktype: 1, snaplen: 70000, fcsLen: 4, bufferSize: 4096 });
    w.write({ data: big, tsSec: 1, tsNsec: 999999999 });
    w.write({ data: big.subarray(0, 60), tsSec: 2, tsNsec: 0, wirelen: 64 });
    w.close();
    const r = CaptureReader.open(dst);
    expect(r.interfaces[0]).toMatchObject({ fcsLen: 4, snaplen: 70000 });
    expect(r.next()).toBe(true);
    expect([r.current.caplen, r.current.wirelen, r.current.tsSec, r.current.tsNsec]).toEqual([70000, 100000, 1, 999999000]);
    expect(Buffer.from(r.current.copyData()).equals(Buffer.from(big.subarray(0, 70000)))).toBe(true);
    expect(r.next()).toBe(true);
    expect([r.current.caplen, r.current.wirelen]).toEqual([60, 64]);
    expect(r.next()).toBe(false);
    r.close();
  });

  it('accepts packets from the async iterator', async () => {
    const dst = out();
    const w = CaptureWriter.create(dst, { linktype: 276, precision: 'ns' });
    for await (const p of openCapture(join(generatedDir, 'sll2.pcap'))) w.write(p);
    w.close();
    expect(content(readAll(dst).rows)).toEqual(content(readAll(join(generatedDir, 'sll2.pcap')).rows));
  });

  it('snaplen 0 cuts nothing; precisionFor picks ns only when an interface needs it', () => {
    const dst = out('pcapng');
    const w = CaptureWriter.create(dst, { format: 'pcapng', linktype: 1, snaplen: 0 });
    w.write({ data: new Uint8Array(3000), tsSec: 5, tsNsec: 0 });
    w.close();
    expect(readAll(dst).rows.map((r) => r.caplen)).toEqual([3000]);
    const ifacesOf = (name: string) => {
      const r = CaptureReader.open(join(generatedDir, name));
      while (r.next()) { /* read every interface */ }
      r.close();
      return r.interfaces;
    };
    expect(precisionFor(ifacesOf('le-us.pcap'))).toBe('us');
    expect(precisionFor(ifacesOf('le-ns.pcap'))).toBe('ns');
    expect(precisionFor(ifacesOf('tsresol.pcapng'))).toBe('ns');
    expect(precisionFor(ifacesOf('le.pcapng'))).toBe('us');
  });

  it('refuses what pcap cannot hold', () => {
    const w = CaptureWriter.create(out(), { linktype: 1 });
    expect(() => w.write({ data: new Uint8Array(4), tsSec: 2 ** 32, tsNsec: 0 })).toThrow(OutputError);
    w.abort();
    expect(() => CaptureWriter.create(out(), { linktype: 1, moreInterfaces: [{ linktype: 101 }] })).toThrow(/single link type/);
    expect(() => CaptureWriter.create(out(), { linktype: 1, fcsLen: 3 })).toThrow(/FCS length 3/);
  });
});

describe('other readers read what we write', () => {
  const written: { path: string; rows: Row[] }[] = [];
  for (const [src, opts] of [
    ['tsresol.pcapng', { precision: 'ns' }],
    ['le-us.pcap', { precision: 'us', bigEndian: true }],
    ['le.pcapng', { format: 'pcapng', precision: 'ns' }],
    ['be.pcapng', { format: 'pcapng' }],
    ['sll2.pcap', { precision: 'us' }],
  ] as const) {
    const path = out(opts.format === 'pcapng' ? 'pcapng' : 'pcap');
    copy(join(generatedDir, src), path, opts);
    written.push({ path, rows: readAll(path).rows });
  }

  it.skipIf(harnessMissing())('libpcap', () => {
    for (const { path, rows } of written) {
      const lib = libpcapRead(path);
      expect(lib.end).toEqual({ kind: 'end' });
      expect(lib.packets.map((p) => [p.sec, p.nsec, p.caplen, p.len, p.fnv]))
        .toEqual(rows.map((r) => [r.tsSec, r.tsNsec, r.caplen, r.wirelen, r.fnv]));
    }
  });

  it.skipIf(tcpdumpMissing)('tcpdump -r', () => {
    for (const { path, rows } of written) {
      const td = tcpdumpRead(path);
      expect(td.status, td.stderr).toBe(0);
      expect(td.stamps).toEqual(rows.map((r) => stamp(r.tsSec, r.tsNsec)));
    }
  });
});

describe('atomic output', () => {
  const temporaries = () => readdirSync(tmp).filter((f) => f.endsWith('.tmp'));

  it('writes a temporary file beside the destination and renames it at close()', () => {
    const dst = out();
    const w = CaptureWriter.create(dst, { linktype: 1 });
    w.write({ data: new Uint8Array(60), tsSec: 1, tsNsec: 0 });
    expect(existsSync(dst)).toBe(false);
    expect(w.temporaryPath).not.toBeNull();
    expect(join(w.temporaryPath!, '..')).toBe(tmp);
    expect(existsSync(w.temporaryPath!)).toBe(true);
    w.close();
    expect(existsSync(w.temporaryPath!)).toBe(false);
    expect(statSync(dst).size).toBe(24 + 16 + 60);
    expect(temporaries()).toEqual([]);
  });

  it('abort() removes the temporary file and leaves an existing destination alone', () => {
    const dst = out();
    writeFileSync(dst, 'old content');
    const w = CaptureWriter.create(dst, { linktype: 1, bufferSize: 4096 });
    for (let i = 0; i < 200; i++) w.write({ data: new Uint8Array(100), tsSec: i, tsNsec: 0 }); // some of it flushed
    expect(statSync(w.temporaryPath!).size).toBeGreaterThan(0);
    w.abort();
    expect(readFileSync(dst, 'utf8')).toBe('old content');
    expect(temporaries()).toEqual([]);
    const again = CaptureWriter.create(dst, { linktype: 1 });
    again.close();
    expect(statSync(dst).size).toBe(24);
  });

  it('an unwritable destination is an OutputError', () => {
    expect(() => CaptureWriter.create(join(tmp, 'no-such-dir', 'x.pcap'), { linktype: 1 })).toThrow(OutputError);
  });

  it('the error names the destination as given, never the temporary file', () => {
    const file = out();
    writeFileSync(file, '');
    const dst = join(file, 'x.pcap'); // under a regular file: ENOTDIR, whose Node message names the path opened
    expect(() => CaptureWriter.create(dst, { linktype: 1 })).toThrow(new OutputError(dst, 'not a directory'));
    expect(temporaries()).toEqual([]);
  });
});

const dist = fileURLToPath(new URL('../../dist/capture/index.js', import.meta.url));
const distMissing = existsSync(dist) ? undefined : 'dist/ is not built (npx tsc -p .)';

describe.skipIf(distMissing)('stdout (`-`), in a child process running dist/', () => {
  it('writes a readable capture to stdout', () => {
    const script = `
      import { CaptureWriter } from ${JSON.stringify(dist)};
      const w = CaptureWriter.create('-', { linktype: 101, precision: 'ns' });
      w.write({ data: new Uint8Array(40).fill(0x45, 0, 1), tsSec: 7, tsNsec: 123456789 });
      w.close();`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script]);
    expect(r.stderr.toString()).toBe('');
    const path = out();
    writeFileSync(path, r.stdout);
    expect(readAll(path).rows.map((x) => [x.tsSec, x.tsNsec, x.caplen, x.linktype])).toEqual([[7, 123456789, 40, 101]]);
  });
});
