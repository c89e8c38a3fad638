/**
 * Shared by the replay tests: the recorded libpcap goldens (fixtures/replay), the tcpdump
 * filters they were recorded for, and the libpcap replay harness
 * (test/native/pcap_replay_harness.c) built in a temporary directory.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeClassic } from '../../src/classic/decode.js';
import type { ClassicInsn } from '../../src/classic/insn.js';
import { type HarnessBuild, buildHarness } from '../native/build.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const replayDir = join(root, 'fixtures/replay');
export const capturesDir = join(root, 'fixtures/captures');
export const filtersDir = join(root, 'fixtures/filters');

export interface GoldenJob {
  linktype: string;
  filter: string;
  /** Relative to fixtures/captures. */
  capture: string;
  /** Relative to fixtures/replay. */
  golden: string;
}

export interface Golden {
  /** pcap_datalink(), absent when libpcap could not open the capture. */
  dlt?: number;
  /** bpf_filter's return value for each packet libpcap read. */
  results: number[];
  end: { kind: 'end' } | { kind: 'error' | 'open-error'; message: string };
}

export const jobs: GoldenJob[] = JSON.parse(readFileSync(join(replayDir, 'index.json'), 'utf8'));

export interface FilterEntry {
  name: string;
  expression: string;
  linktype: string;
  backwardJump: boolean;
}
export const filterIndex: FilterEntry[] = JSON.parse(readFileSync(join(filtersDir, 'index.json'), 'utf8'));

/** Parses the harness output for one replay (the .results format). */
export function parseGolden(text: string): Golden {
  const results: number[] = [];
  let dlt: number | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('dlt ')) dlt = Number(line.slice(4));
    else if (/^\d+$/.test(line)) results.push(Number(line));
    else if (line === '. end') return { ...(dlt !== undefined ? { dlt } : {}), results, end: { kind: 'end' } };
    else {
      const m = /^\. (error|open-error) (.*)$/.exec(line);
      if (!m) throw new Error(`bad golden line: ${line}`);
      return { ...(dlt !== undefined ? { dlt } : {}), results, end: { kind: m[1] as 'error' | 'open-error', message: m[2]! } };
    }
  }
  throw new Error('golden without an end line');
}

export const readGolden = (job: GoldenJob): Golden => parseGolden(readFileSync(join(replayDir, job.golden), 'utf8'));
export const filterPath = (linktype: string, name: string): string => join(filtersDir, linktype, `${name}.ddd`);
export const capturePath = (rel: string): string => join(capturesDir, rel);

const programs = new Map<string, ClassicInsn[]>();
export function program(linktype: string, name: string): ClassicInsn[] {
  const key = `${linktype}/${name}`;
  let p = programs.get(key);
  if (!p) {
    p = decodeClassic(readFileSync(filterPath(linktype, name), 'utf8'), { source: key });
    programs.set(key, p);
  }
  return p;
}

// ---------------------------------------------------------------- libpcap harness

let harness: HarnessBuild | undefined;
const buildReplayHarness = (): HarnessBuild => buildHarness('pcap_replay_harness', { libs: ['-lpcap'], hint: 'is libpcap-dev installed?' });

/** Why the libpcap replay harness cannot be built, or undefined when it is. */
export function replayHarnessMissing(): string | undefined {
  harness ??= buildReplayHarness();
  if (!('skip' in harness)) return undefined;
  console.warn(`skipping live libpcap replay comparisons: ${harness.skip}`);
  return harness.skip;
}

/** libpcap's replay of each job now, in one harness process. */
export function libpcapReplay(list: readonly GoldenJob[]): Golden[] {
  harness ??= buildReplayHarness();
  if ('skip' in harness) throw new Error(`libpcap replay harness unavailable: ${harness.skip}`);
  const input = list.map((j) => `${filterPath(j.linktype, j.filter)}\t${capturePath(j.capture)}\n`).join('');
  const out = execFileSync(harness.path, ['--stream'], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  const parts = out.split(/(?<=^\. .*\n)/m).filter((p) => p !== '');
  if (parts.length !== list.length) throw new Error(`expected ${list.length} answers, got ${parts.length}`);
  return parts.map(parseGolden);
}

export { tcpdumpMissing } from '../tcpdump.js';
