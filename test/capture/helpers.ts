/**
 * Shared by the capture tests: reading a whole file into plain rows, the libpcap goldens, the
 * libpcap harness (built in a temporary directory) and tcpdump.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureError } from '../../src/errors.js';
import { CaptureReader } from '../../src/capture/reader.js';
import type { CaptureReadOptions } from '../../src/capture/core.js';
import { type HarnessBuild, buildHarness } from '../native/build.js';
import { tcpdumpMissing } from '../tcpdump.js';

export const fixturesDir = fileURLToPath(new URL('../../fixtures/captures/', import.meta.url));
export const generatedDir = join(fixturesDir, 'generated');

export function fnv1a(buf: Uint8Array, offset: number, len: number): string {
  let h = 0x811c9dc5;
  for (let i = offset; i < offset + len; i++) {
    h ^= buf[i]!;
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** One packet as readAll gives it: its number, then what the manifest records of it. */
export interface Row extends ManifestPacket {
  index: number;
}

export interface ReadResult {
  rows: Row[];
  error?: CaptureError;
}

/** Reads a whole capture with the fast reader; a CaptureError ends the result instead of throwing. */
export function readAll(path: string, opts: CaptureReadOptions = {}): ReadResult {
  const rows: Row[] = [];
  let reader: CaptureReader | undefined;
  try {
    reader = CaptureReader.open(path, opts);
    while (reader.next()) {
      const r = reader.current;
      rows.push({
        index: r.index, tsSec: r.tsSec, tsNsec: r.tsNsec, caplen: r.caplen, wirelen: r.wirelen,
        linktype: r.linktype, interfaceId: r.interfaceId, byteOffset: r.byteOffset, fnv: fnv1a(r.buf, r.offset, r.caplen),
      });
    }
    return { rows };
  } catch (e) {
    if (e instanceof CaptureError) return { rows, error: e };
    throw e;
  } finally {
    reader?.close();
  }
}

export interface ManifestPacket {
  tsSec: number;
  tsNsec: number;
  caplen: number;
  wirelen: number;
  linktype: number;
  interfaceId: number;
  byteOffset: number;
  fnv: string;
}

export interface ManifestEntry {
  what: string;
  size: number;
  packets: ManifestPacket[];
  end: 'clean' | { packetNumber: number; byteOffset: number };
  parts?: [number, number][];
  equivalents?: { interfaceId: number; file: string }[];
  divergence?: string;
  fcsLen?: number;
}

export const manifest: Record<string, ManifestEntry> = JSON.parse(readFileSync(join(generatedDir, 'manifest.json'), 'utf8'));

export interface GoldenPacket {
  n: number;
  sec: number;
  nsec: number;
  caplen: number;
  len: number;
  fnv: string;
}

export interface Golden {
  dlt?: number;
  snaplen?: number;
  packets: GoldenPacket[];
  /** 'end', or libpcap's error after the packets, or its open error. */
  end: { kind: 'end' } | { kind: 'error' | 'open-error'; message: string };
}

/** Parses libpcap-golden.txt (or the harness's live output) into key -> Golden. */
export function parseGoldens(text: string): Map<string, Golden> {
  const out = new Map<string, Golden>();
  let cur: Golden | undefined;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [word, ...rest] = line.split(' ');
    if (word === 'file') {
      cur = { packets: [], end: { kind: 'end' } };
      out.set(rest.join(' '), cur);
    } else if (word === 'dlt') {
      cur!.dlt = Number(rest[0]);
      cur!.snaplen = Number(rest[2]);
    } else if (word === 'end') {
      cur!.end = { kind: 'end' };
    } else if (word === 'error' || word === 'open-error') {
      cur!.end = { kind: word, message: rest.join(' ') };
    } else {
      const m = /^(\d+) (\d+)\.(\d{9}) caplen (\d+) len (\d+) fnv ([0-9a-f]{8})$/.exec(line);
      if (!m) throw new Error(`bad golden line: ${line}`);
      cur!.packets.push({ n: Number(m[1]), sec: Number(m[2]), nsec: Number(m[3]), caplen: Number(m[4]), len: Number(m[5]), fnv: m[6]! });
    }
  }
  return out;
}

export const goldens = parseGoldens(readFileSync(join(fixturesDir, 'libpcap-golden.txt'), 'utf8'));

/** libpcap reports DLT values; on Linux LINKTYPE_RAW is DLT_RAW 12. */
export function linktypeToLinuxDlt(linktype: number): number {
  return linktype === 101 ? 12 : linktype;
}

// ---------------------------------------------------------------- libpcap harness

let harness: HarnessBuild | undefined;
const buildRecordsHarness = (): HarnessBuild => buildHarness('capture_records', { libs: ['-lpcap'], hint: 'is libpcap-dev installed?' });

/** Why the libpcap harness is unavailable, or undefined when it is built. */
export function harnessMissing(): string | undefined {
  harness ??= buildRecordsHarness();
  if (!('skip' in harness)) return undefined;
  console.warn(`skipping live libpcap comparisons: ${harness.skip}`);
  return harness.skip;
}

/** libpcap's reading of a file, as a Golden. */
export function libpcapRead(path: string): Golden {
  harness ??= buildRecordsHarness();
  if ('skip' in harness) throw new Error(`libpcap harness unavailable: ${harness.skip}`);
  const out = execFileSync(harness.path, [path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return parseGoldens(out).values().next().value!;
}

// ---------------------------------------------------------------- tcpdump

export { tcpdumpMissing };
if (tcpdumpMissing) console.warn(`skipping tcpdump comparisons: ${tcpdumpMissing}`);

export interface TcpdumpRead {
  /** "sec.nsec" of each packet line ("invalid" for one tcpdump refuses to print: caplen > len). */
  stamps: string[];
  /** The "reading from file" line's link type name and snapshot length. */
  linktypeName?: string;
  snaplen?: number;
  status: number;
  stderr: string;
}

export function tcpdumpRead(path: string): TcpdumpRead {
  const r = spawnSync('tcpdump', ['-r', path, '-n', '-tt', '--time-stamp-precision=nano'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  // tcpdump prints a packet whose caplen exceeds its length as a bare "[Invalid header: ...]".
  const stamps = r.stdout.split('\n')
    .map((l) => (/^\[Invalid header: len\(\d+\) < caplen\(\d+\)\]/.test(l) ? 'invalid' : /^(\d+\.\d{9}) /.exec(l)?.[1]))
    .filter((s): s is string => s !== undefined);
  const head = /link-type (\S+) .*snapshot length (\d+)/.exec(r.stderr);
  return { stamps, ...(head ? { linktypeName: head[1]!, snaplen: Number(head[2]) } : {}), status: r.status ?? -1, stderr: r.stderr };
}

export function stamp(sec: number, nsec: number): string {
  return `${sec}.${String(nsec).padStart(9, '0')}`;
}
