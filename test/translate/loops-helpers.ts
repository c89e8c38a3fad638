/**
 * Shared by the bounded-loop tests: libpcap's protochain goldens (fixtures/protochain, recorded
 * by record.sh) and the packets they are replayed over: the generated chains
 * (make-chains.mjs), every fixture capture, and tcpdump's test captures when present.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureReader } from '../../src/capture/reader.js';
import { decodeClassic } from '../../src/classic/decode.js';
import type { ClassicInsn } from '../../src/classic/insn.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const protochainDir = join(root, 'fixtures/protochain');

export interface LoopGolden {
  name: string;
  linktype: string;
  expression: string;
  prog: ClassicInsn[];
  /** tcpdump -d's listing. */
  listing: string;
}

export const goldens: LoopGolden[] = readFileSync(join(protochainDir, 'index.tsv'), 'utf8').trim().split('\n').map((line) => {
  const [name, linktype, expression] = line.split('\t') as [string, string, string];
  const base = join(protochainDir, linktype, name);
  return { name, linktype, expression, prog: decodeClassic(readFileSync(`${base}.ddd`, 'utf8')), listing: readFileSync(`${base}.d`, 'utf8') };
});

/** The pcap link types of the golden directories. */
const LINKTYPES: Record<number, string> = { 1: 'EN10MB', 113: 'LINUX_SLL', 101: 'RAW', 12: 'RAW', 14: 'RAW' };

export interface Packet {
  data: Uint8Array;
  wirelen: number;
  /** Where it came from: file#index. */
  where: string;
}

/** Every packet of `file` whose link type has goldens, grouped by that link type. */
export function readPackets(file: string, into: Map<string, Packet[]>): void {
  let reader: CaptureReader;
  try {
    reader = CaptureReader.open(file, { keepGoing: true, onError: () => {} });
  } catch {
    return;
  }
  let n = 0;
  try {
    while (reader.next()) {
      const r = reader.current;
      const lt = LINKTYPES[r.linktype];
      n++;
      if (!lt) continue;
      const list = into.get(lt) ?? [];
      into.set(lt, list);
      list.push({ data: r.copyData(), wirelen: r.wirelen, where: `${file}#${n}` });
    }
  } finally {
    reader.close();
  }
}

function captureFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...captureFiles(p));
    else if (/\.(pcap|pcapng)$/.test(name)) out.push(p);
  }
  return out.sort();
}

export const TCPDUMP_TESTS = '/work/shared/captures/tcpdump-tests';

/** Packets by link type: chains.pcap, fixtures/captures/**, tcpdump's test captures (if present). */
export function allPackets(): Map<string, Packet[]> {
  const out = new Map<string, Packet[]>();
  readPackets(join(protochainDir, 'chains.pcap'), out);
  for (const f of captureFiles(join(root, 'fixtures/captures'))) readPackets(f, out);
  for (const f of captureFiles(TCPDUMP_TESTS)) readPackets(f, out);
  return out;
}

/** The packets of cycle.pcap: libpcap's walk never ends on them. */
export function cyclePackets(): Packet[] {
  const out = new Map<string, Packet[]>();
  readPackets(join(protochainDir, 'cycle.pcap'), out);
  return out.get('EN10MB') ?? [];
}
