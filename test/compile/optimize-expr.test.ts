/**
 * The optimizer on random filter expressions: fast-check builds expressions from pcap-filter
 * primitives joined by and/or/not, the installed tcpdump compiles each without its optimizer
 * (`-O -ddd`), and our optimized program must give the unoptimized verdict on packets aimed
 * at it (some cut short). Skips when tcpdump is missing.
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClassicInsn, insn } from '../../src/classic/insn.js';
import { execClassic } from '../../src/classic/interp.js';
import { defaultSkbMeta } from '../../src/abi/ctx.js';
import { optimizeClassic } from '../../src/compile/optimize/index.js';
import { tcpdumpMissing } from '../tcpdump.js';
import { synthPackets } from './packet-synth.js';

if (tcpdumpMissing) console.warn(`skipping random expressions: ${tcpdumpMissing}`);

const primitive = fc.oneof(
  fc.constantFrom('ip', 'ip6', 'tcp', 'udp', 'icmp', 'arp', 'vlan', 'mpls', 'ip multicast', 'ether broadcast'),
  fc.nat({ max: 3 }).map((n) => `host 10.0.0.${n + 1}`),
  fc.nat({ max: 3 }).map((n) => `net 10.${n}.0.0/16`),
  fc.constantFrom('', 'src ', 'dst ', 'tcp ', 'udp ', 'tcp dst ').chain((q) => fc.constantFrom(22, 53, 80, 443).map((p) => `${q}port ${p}`)),
  fc.constantFrom('portrange 1000-2000', 'ip6 host 2001:db8::1', 'ip6 net 2001:db8::/32', 'less 100', 'greater 200'),
  fc.constantFrom('tcp[tcpflags] & tcp-syn != 0', 'ip[2:2] > 100', 'ip[9] = 17', 'tcp[13] & 18 = 18', 'udp[8:2] = 0x1234', 'ip[6:2] & 0x1fff = 0'),
);

const expression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { arbitrary: primitive, weight: 3 },
    { arbitrary: fc.tuple(tie('e'), fc.constantFrom('and', 'or'), tie('e')).map(([a, op, b]) => `(${a}) ${op} (${b})`), weight: 2 },
    { arbitrary: tie('e').map((a) => `not (${a})`), weight: 1 },
  ),
})).e;

function unoptimized(expr: string): ClassicInsn[] | undefined {
  const r = spawnSync('tcpdump', ['-y', 'EN10MB', '-O', '-ddd', '--', expr], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return r.stdout.trim().split('\n').slice(1).map((l) => {
    const [c, jt, jf, k] = l.trim().split(/\s+/).map(Number);
    return insn(c!, jt!, jf!, k!);
  });
}

describe.skipIf(tcpdumpMissing !== undefined)(`random expressions${tcpdumpMissing ? ` (skipped: ${tcpdumpMissing})` : ''}`, () => {
  it('keeps the unoptimized verdict of tcpdump -O on packets aimed at each', () => {
    let compiled = 0;
    fc.assert(
      fc.property(expression, fc.nat(), (expr, seed) => {
        const prog = unoptimized(expr);
        if (!prog) return; // libpcap refuses it
        compiled++;
        const opt = optimizeClassic(prog);
        expect(opt.length).toBeLessThanOrEqual(prog.length);
        for (const p of synthPackets([prog], 300, seed)) {
          const meta = { ...defaultSkbMeta(), len: p.wirelen };
          for (const semantics of ['libpcap', 'linux'] as const) {
            expect(execClassic(opt, p.bytes, meta, { semantics }).ret, `${expr} (${semantics})`).toBe(execClassic(prog, p.bytes, meta, { semantics }).ret);
          }
        }
      }),
      { numRuns: 100 },
    );
    expect(compiled).toBeGreaterThan(40);
  });
});
