/**
 * The tcpdump goldens under fixtures/filters (recorded by fixtures/filters/record.sh):
 * every form of every filter decodes to the same program, and our writers give the
 * golden bytes back exactly.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ClassicFormat, decodeClassic, detectClassicFormat } from '../../src/classic/decode.js';
import { disassembleClassic } from '../../src/classic/disasm.js';
import { encodeClassicRaw, formatComma, formatDd, formatDdd } from '../../src/classic/encode.js';
import { visibleInListing } from '../../src/classic/listing.js';

interface Golden {
  name: string;
  expression: string;
  linktype: string;
  dlt: number;
  pcapLinktype: number;
  backwardJump: boolean;
}

const execFileAsync = promisify(execFile);
const dir = new URL('../../fixtures/filters/', import.meta.url);
const index = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')) as Golden[];
const file = (g: Golden, ext: string): Buffer => readFileSync(new URL(`${g.linktype}/${g.name}.${ext}`, dir));

describe('fixtures/filters/index.json', () => {
  it('lists at least 40 Ethernet filters and four more link types, each name once per link type', () => {
    expect(index.filter((g) => g.linktype === 'EN10MB').length).toBeGreaterThanOrEqual(40);
    expect(new Set(index.map((g) => g.linktype))).toEqual(new Set(['EN10MB', 'LINUX_SLL', 'LINUX_SLL2', 'RAW', 'NULL']));
    expect(new Set(index.map((g) => `${g.linktype}/${g.name}`)).size).toBe(index.length);
    for (const g of index) {
      expect(Object.keys(g).sort()).toEqual(['backwardJump', 'dlt', 'expression', 'linktype', 'name', 'pcapLinktype']);
      for (const ext of ['d', 'dd', 'ddd', 'bin']) expect(existsSync(new URL(`${g.linktype}/${g.name}.${ext}`, dir))).toBe(true);
    }
  });

  it('marks exactly the programs holding a backward JA', () => {
    const marked = index.filter((g) => g.backwardJump);
    expect(marked.map((g) => `${g.linktype}/${g.name}`)).toContain('EN10MB/ip-protochain');
    for (const g of index) {
      const prog = decodeClassic(file(g, 'ddd'));
      const backward = prog.some((i) => i.code === 0x05 && i.k >= 0x80000000);
      expect(backward, `${g.linktype}/${g.name}`).toBe(g.backwardJump);
    }
  });
});

describe('every golden', () => {
  it.each(index.map((g) => [`${g.linktype}/${g.name}`, g] as const))('%s: all forms decode alike and re-encode byte for byte', (_, g) => {
    const forms: Array<[string, ClassicFormat]> = [['ddd', 'ddd'], ['dd', 'dd'], ['d', 'listing'], ['bin', 'raw']];
    const prog = decodeClassic(file(g, 'ddd'), { source: `${g.name}.ddd` });
    for (const [ext, format] of forms) {
      const bytes = file(g, ext);
      expect(detectClassicFormat(bytes), ext).toBe(format);
      // A listing does not show unused fields (libpcap leaves e.g. `tax` with k = 3).
      const want = format === 'listing' ? prog.map(visibleInListing) : prog;
      expect(decodeClassic(bytes, { source: `${g.name}.${ext}` }), ext).toEqual(want);
      expect(decodeClassic(bytes, { format, source: `${g.name}.${ext}` }), ext).toEqual(want);
    }
    expect(formatDdd(prog)).toBe(file(g, 'ddd').toString('utf8'));
    expect(formatDd(prog)).toBe(file(g, 'dd').toString('utf8'));
    expect(disassembleClassic(prog)).toBe(file(g, 'd').toString('utf8'));
    expect(disassembleClassic(decodeClassic(file(g, 'd')))).toBe(file(g, 'd').toString('utf8'));
    expect(Buffer.from(encodeClassicRaw(prog, 'little')).equals(file(g, 'bin'))).toBe(true);
    expect(decodeClassic(formatComma(prog))).toEqual(prog);
    expect(decodeClassic(encodeClassicRaw(prog, 'big'), { format: 'raw', endian: 'big' })).toEqual(prog);
  });
});

// The goldens are committed; when the same tcpdump is installed, check they are still what it prints.
const recordedWith = readFileSync(new URL('recorded-with.txt', dir), 'utf8');
const installed = spawnSync('tcpdump', ['--version'], { encoding: 'utf8' });
const installedVersion = installed.error ? undefined : `${installed.stdout}${installed.stderr}`.split('\n').slice(0, 2).join('\n') + '\n';
const skipLive = installedVersion === undefined ? 'tcpdump is not installed'
  : installedVersion !== recordedWith ? `installed tcpdump differs from the recording one (${recordedWith.split('\n')[0]})` : undefined;
if (skipLive) console.warn(`skipping the live tcpdump check of the goldens: ${skipLive}`);

describe.skipIf(skipLive !== undefined)(`goldens against the installed tcpdump${skipLive ? ` (skipped: ${skipLive})` : ''}`, () => {
  // -ddd fixes the program; bpf_dump's rendering of it as -d/-dd is checked for random
  // programs by disasm-libpcap.test.ts, so every fourth filter is enough for those.
  it('tcpdump -ddd (and -d/-dd for a quarter of them) still prints every golden', async () => {
    const jobs = index.flatMap((g, n) => (n % 4 === 0 ? (['d', 'dd', 'ddd'] as const) : (['ddd'] as const)).map((ext) => ({ g, ext })));
    const mismatches: string[] = [];
    const worker = async (): Promise<void> => {
      for (let job = jobs.shift(); job; job = jobs.shift()) {
        const { g, ext } = job;
        const { stdout } = await execFileAsync('tcpdump', ['-y', g.linktype, `-${ext}`, '--', g.expression], { encoding: 'utf8' });
        if (stdout !== file(g, ext).toString('utf8')) mismatches.push(`${g.linktype}/${g.name}.${ext}`);
      }
    };
    await Promise.all(Array.from({ length: 12 }, worker));
    expect(mismatches).toEqual([]);
  }, 120_000);
});
