/**
 * The reader against the fixtures: the generator's stated expectations (manifest.json), libpcap
 * (recorded goldens, and the live harness when it can be built), tcpdump, and pcap-parser.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// pcap-parser is CommonJS without types; it is only a reference reader here.
import pcapParser from 'pcap-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureReader } from '../../src/capture/reader.js';
import { linktypeName } from '../../src/capture/linktype.js';
import {
  fixturesDir, generatedDir, goldens, harnessMissing, libpcapRead, linktypeToLinuxDlt, manifest, readAll,
  stamp, tcpdumpMissing, tcpdumpRead, type Golden, type ReadResult,
} from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-fixtures-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const generatedNames = Object.keys(manifest).sort();
const tcpdumpNames = readdirSync(join(fixturesDir, 'tcpdump')).filter((f) => /\.pcap(ng)?$/.test(f)).sort();
const allKeys = [...generatedNames.map((n) => `generated/${n}`), ...tcpdumpNames.map((n) => `tcpdump/${n}`)];

/** A golden key's file; a `#partK` key is cut out of its file into a temporary one. */
function pathFor(key: string): string {
  const [file, part] = key.split('#part');
  const path = join(fixturesDir, file!);
  if (part === undefined) return path;
  const [start, end] = manifest[file!.replace('generated/', '')]!.parts![Number(part)]!;
  const out = join(tmp, `${file!.replace('/', '_')}.part${part}`);
  writeFileSync(out, readFileSync(path).subarray(start, end));
  return out;
}

function divergence(key: string): string | undefined {
  return key.startsWith('generated/') && !key.includes('#') ? manifest[key.slice('generated/'.length)]?.divergence : undefined;
}

/** Our reading must agree with libpcap's, packet by packet, and end the same way. */
function expectSameAsLibpcap(key: string, ours: ReadResult, lib: Golden): void {
  const diverges = divergence(key);
  if (lib.end.kind === 'open-error') {
    expect(ours.rows, `${key}: libpcap cannot open it (${lib.end.message})`).toEqual([]);
    expect(ours.error, `${key}: libpcap cannot open it (${lib.end.message}), we must fail too`).toBeDefined();
    return;
  }
  const n = lib.packets.length;
  expect(ours.rows.length, `${key}: packet count`).toBeGreaterThanOrEqual(n);
  const mine = ours.rows.slice(0, n).map((r) => ({
    n: r.index, sec: r.tsSec, nsec: r.tsNsec, caplen: r.caplen, len: r.wirelen, fnv: r.fnv,
  }));
  expect(mine, key).toEqual(lib.packets);
  if (n > 0 && !diverges) expect(new Set(ours.rows.map((r) => linktypeToLinuxDlt(r.linktype))), `${key}: link type`).toEqual(new Set([lib.dlt]));
  if (lib.end.kind === 'end') {
    expect(ours.error?.message, `${key}: libpcap reads it to the end`).toBeUndefined();
    expect(ours.rows.length, `${key}: packet count`).toBe(n);
  } else if (!diverges) {
    expect(ours.error?.packetNumber, `${key}: libpcap fails after ${n} packets (${lib.end.message})`).toBe(n + 1);
    expect(ours.rows.length).toBe(n);
  }
}

describe('generated fixtures match what the generator wrote into them', () => {
  for (const name of generatedNames) {
    const spec = manifest[name]!;
    for (const bufferSize of [1 << 20, 64, 100]) {
      it(`${name} (buffer ${bufferSize}): ${spec.what}`, () => {
        const ours = readAll(join(generatedDir, name), { bufferSize });
        expect(ours.rows).toEqual(spec.packets.map((p, k) => ({ index: k + 1, ...p })));
        if (spec.end === 'clean') {
          expect(ours.error?.message).toBeUndefined();
        } else {
          expect(ours.error, 'a CaptureError after the good packets').toBeDefined();
          expect({ packetNumber: ours.error!.packetNumber, byteOffset: ours.error!.byteOffset }).toEqual(spec.end);
          expect(ours.error!.message).toContain(`generated/${name}: packet ${spec.end.packetNumber} at byte ${spec.end.byteOffset}: `);
        }
      });
    }
  }

  it('fcs.pcap announces a 4-byte FCS', () => {
    const r = CaptureReader.open(join(generatedDir, 'fcs.pcap'));
    expect(r.interfaces[0]).toMatchObject({ linktype: 1, fcsLen: 4 });
    r.close();
  });

  it('multi-linktype.pcapng reads like its interfaces read alone', () => {
    const whole = readAll(join(generatedDir, 'multi-linktype.pcapng'));
    for (const { interfaceId, file } of manifest['multi-linktype.pcapng']!.equivalents!) {
      const alone = readAll(join(generatedDir, file));
      const strip = (rows: typeof whole.rows) =>
        rows.map(({ tsSec, tsNsec, caplen, wirelen, linktype, fnv }) => ({ tsSec, tsNsec, caplen, wirelen, linktype, fnv }));
      expect(strip(whole.rows.filter((r) => r.interfaceId === interfaceId))).toEqual(strip(alone.rows));
      expect(alone.rows.length).toBeGreaterThan(0);
    }
  });

  it('multi-section.pcapng reads like its sections read alone', () => {
    const whole = readAll(join(generatedDir, 'multi-section.pcapng'));
    const parts = manifest['multi-section.pcapng']!.parts!;
    const pieces = parts.flatMap((_, k) => readAll(pathFor(`generated/multi-section.pcapng#part${k}`)).rows);
    const strip = (rows: typeof whole.rows) =>
      rows.map(({ tsSec, tsNsec, caplen, wirelen, linktype, fnv }) => ({ tsSec, tsNsec, caplen, wirelen, linktype, fnv }));
    expect(strip(whole.rows)).toEqual(strip(pieces));
  });
});

describe('every fixture reads as libpcap read it (recorded goldens)', () => {
  it('has a golden for every fixture', () => {
    for (const key of allKeys) expect(goldens.has(key), key).toBe(true);
  });
  for (const [key, lib] of goldens) {
    it(key, () => expectSameAsLibpcap(key, readAll(pathFor(key)), lib));
  }
});

describe.skipIf(harnessMissing())('every fixture reads as the installed libpcap reads it (live)', () => {
  for (const key of goldens.keys()) {
    it(key, () => {
      const path = pathFor(key);
      expectSameAsLibpcap(key, readAll(path), libpcapRead(path));
    });
  }
});

describe.skipIf(tcpdumpMissing)('tcpdump -r prints the timestamps we read', () => {
  for (const [key, lib] of goldens) {
    if (lib.end.kind === 'open-error' || divergence(key)) continue;
    it(key, () => {
      const path = pathFor(key);
      const td = tcpdumpRead(path);
      const ours = readAll(path);
      expect(td.stamps).toEqual(ours.rows.map((r) => (r.caplen > r.wirelen ? 'invalid' : stamp(r.tsSec, r.tsNsec))));
      const reader = CaptureReader.open(path);
      const iface = reader.interfaces[0];
      reader.close();
      if (iface && ours.rows.length > 0) {
        expect(td.linktypeName).toBe(linktypeName(ours.rows[0]!.linktype));
      }
      if (iface && reader.format === 'pcap') expect(td.snaplen).toBe(iface.effectiveSnaplen);
      expect(td.status, td.stderr).toBe(lib.end.kind === 'end' ? 0 : 1);
    });
  }
});

interface ParserPacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Buffer;
}

function pcapParserRead(path: string): Promise<ParserPacket[]> {
  return new Promise((resolve, reject) => {
    const packets: ParserPacket[] = [];
    const parser = pcapParser.parse(path);
    parser.on('packet', (p: ParserPacket) => packets.push(p));
    parser.on('error', reject);
    parser.on('end', () => resolve(packets));
  });
}

/** Clean 2.4 µs pcap fixtures whose records fit their snapshot length: what pcap-parser reads. */
const classicMicro = allKeys.filter((key) => {
  if (!key.endsWith('.pcap')) return false;
  const lib = goldens.get(key)!;
  if (lib.end.kind !== 'end') return false;
  const b = readFileSync(join(fixturesDir, key));
  const magic = b.readUInt32BE(0);
  const le = magic === 0xd4c3b2a1;
  if (!le && magic !== 0xa1b2c3d4) return false;
  const [major, minor] = le ? [b.readUInt16LE(4), b.readUInt16LE(6)] : [b.readUInt16BE(4), b.readUInt16BE(6)];
  return major === 2 && minor === 4 && !key.includes('snaplen-cut');
});

describe('classic µs pcap files read as pcap-parser reads them', () => {
  it('covers both byte orders and real captures', () => {
    expect(classicMicro).toContain('generated/le-us.pcap');
    expect(classicMicro).toContain('generated/be-us.pcap');
    expect(classicMicro.filter((k) => k.startsWith('tcpdump/')).length).toBeGreaterThan(5);
  });
  for (const key of classicMicro) {
    it(key, async () => {
      const path = join(fixturesDir, key);
      const theirs = await pcapParserRead(path);
      const ours = readAll(path);
      expect(ours.rows.map((r) => [r.tsSec, r.tsNsec / 1000, r.caplen, r.wirelen])).toEqual(
        theirs.map((p) => [p.header.timestampSeconds, p.header.timestampMicroseconds, p.header.capturedLength, p.header.originalLength]),
      );
      const reader = CaptureReader.open(path);
      let k = 0;
      while (reader.next()) {
        const r = reader.current;
        expect(Buffer.from(r.buf.subarray(r.offset, r.offset + r.caplen)).equals(theirs[k]!.data), `packet ${k + 1} bytes`).toBe(true);
        k++;
      }
      reader.close();
    });
  }
});
