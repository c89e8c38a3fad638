/**
 * Classic programs compiled by tcpdump: the recorded goldens of fixtures/filters when they
 * are there, else a few expressions compiled now with `tcpdump -ddd` (undefined when neither
 * is available).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ClassicInsn, insn } from '../../src/classic/insn.js';
import { tcpdumpMissing } from '../tcpdump.js';

export interface TcpdumpFilter {
  name: string;
  expression: string;
  linktype: string;
  prog: ClassicInsn[];
}

const FIXTURES = fileURLToPath(new URL('../../fixtures/filters/', import.meta.url));

const FALLBACK = [
  'ip', 'ip6', 'arp', 'tcp port 80', 'udp portrange 1000-2000', 'vlan and ip', 'icmp[icmptype] == icmp-echo',
  'tcp[tcpflags] & tcp-syn != 0', 'ip[2:2] > 576', 'greater 100', 'ether[0] & 1 = 1', 'net 10.0.0.0/8 and not port 22',
  'tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420', 'ip6 and tcp and dst port 443', 'len - 14 > 1000',
];

/** Parses `tcpdump -ddd` output: a count line, then `code jt jf k` per instruction. */
export function parseDdd(text: string): ClassicInsn[] {
  const lines = text.trim().split('\n');
  return lines.slice(1).map((l) => {
    const [code, jt, jf, k] = l.trim().split(/\s+/).map(Number);
    return insn(code!, jt!, jf!, k!);
  });
}

function fromFixtures(): TcpdumpFilter[] | undefined {
  const index = `${FIXTURES}index.json`;
  if (!existsSync(index)) return undefined;
  const entries = JSON.parse(readFileSync(index, 'utf8')) as Array<{ name: string; expression: string; linktype: string }>;
  return entries.map((e) => ({ ...e, prog: parseDdd(readFileSync(`${FIXTURES}${e.linktype}/${e.name}.ddd`, 'utf8')) }));
}

function fromTcpdump(): TcpdumpFilter[] | undefined {
  if (tcpdumpMissing) return undefined;
  return FALLBACK.map((expression) => ({
    name: expression, expression, linktype: 'EN10MB',
    prog: parseDdd(execFileSync('tcpdump', ['-ddd', '-y', 'EN10MB', '--', expression], { encoding: 'utf8' })),
  }));
}

export const tcpdumpFilters: TcpdumpFilter[] | undefined = fromFixtures() ?? fromTcpdump();
export const hasTcpdump = tcpdumpMissing === undefined;
