/**
 * Every program the translator produces must pass our verifier: tcpdump's filters (the
 * committed goldens, and ~20 expressions compiled on the fly when tcpdump is installed),
 * random valid classic programs of both profiles, and 4096-instruction programs whose
 * translations branch thousands of times.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findClassicViolations } from '../../src/classic/check.js';
import { decodeClassic } from '../../src/classic/decode.js';
import { type ClassicInsn, insn } from '../../src/classic/insn.js';
import {
  BPF_ABS, BPF_B, BPF_IMM, BPF_JEQ, BPF_JGT, BPF_JMP, BPF_K, BPF_LD, BPF_LDX, BPF_MEM, BPF_MISC, BPF_RET,
  BPF_ST, BPF_TXA, BPF_A, BPF_W, BPF_ALU, BPF_ADD, BPF_X, BPF_JSET,
} from '../../src/abi/opcodes.js';
import { translateClassic } from '../../src/translate/translate.js';
import { verifyProgram } from '../../src/verify/index.js';
import { arbClassicProgram } from '../classic/arbitrary.js';
import { tcpdumpMissing } from '../tcpdump.js';
import { runs } from '../runs.js';

function verifyTranslation(prog: readonly ClassicInsn[], profile: 'socket' | 'seccomp' = 'socket') {
  const { insns } = translateClassic(prog, { profile });
  const r = verifyProgram(insns, { ctx: profile === 'seccomp' ? 'seccomp' : 'skb' });
  if (!r.ok) throw new Error(`translation of a valid classic program (${prog.length} insns) rejected: ${r.error.message}`);
  return { ...r, length: insns.length };
}

interface Golden { name: string; linktype: string; backwardJump: boolean }
const goldenDir = new URL('../../fixtures/filters/', import.meta.url);
const goldens = (JSON.parse(readFileSync(new URL('index.json', goldenDir), 'utf8')) as Golden[]).filter((g) => !g.backwardJump);

describe('translated tcpdump goldens (fixtures/filters)', () => {
  it.each(goldens.map((g) => [`${g.linktype}/${g.name}`, g] as const))('%s verifies', (_, g) => {
    const prog = decodeClassic(readFileSync(new URL(`${g.linktype}/${g.name}.ddd`, goldenDir)));
    expect(findClassicViolations(prog)).toEqual([]);
    verifyTranslation(prog);
  });
});

const EXPRESSIONS = [
  'ip', 'ip6', 'arp', 'tcp', 'udp port 53', 'tcp port 80 or tcp port 443', 'host 10.1.2.3 and not port 22',
  'net 192.168.0.0/16', 'ip6 host 2001:db8::1', 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn',
  'icmp[icmptype] == icmp-echo', 'vlan and ip', 'vlan 100 and tcp', 'mpls and ip', 'len > 100 and len < 1500',
  'ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2) > 0', 'ether multicast', 'ip broadcast',
  'portrange 6000-6010', 'tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420', 'ip[6:2] & 0x1fff != 0',
  'udp and (port 67 or port 68) and ip[8] < 5', 'greater 64 and less 1024',
];

if (tcpdumpMissing) console.warn(`skipping the live tcpdump translations: ${tcpdumpMissing}`);

describe.skipIf(tcpdumpMissing !== undefined)('translated tcpdump -ddd output, compiled now', () => {
  it.each(EXPRESSIONS)('%s verifies', (expr) => {
    const out = spawnSync('tcpdump', ['-y', 'EN10MB', '-ddd', expr], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    const prog = decodeClassic(out.stdout, { format: 'ddd' });
    verifyTranslation(prog);
  });
});

describe('translated random valid classic programs', () => {
  it('socket filters (all 49 forms, ancillary loads, scratch memory)', () => {
    fc.assert(fc.property(arbClassicProgram({ maxLength: 64 }), (prog) => {
      verifyTranslation(prog);
    }), { numRuns: runs(400) });
  });

  it('seccomp filters verify against seccomp_data', () => {
    fc.assert(fc.property(arbClassicProgram({ maxLength: 64, profile: 'seccomp' }), (prog) => {
      verifyTranslation(prog, 'seccomp');
    }), { numRuns: runs(300) });
  });

  it('4096-instruction programs', () => {
    fc.assert(fc.property(arbClassicProgram({ minLength: 4096, maxLength: 4096 }), (prog) => {
      const r = verifyTranslation(prog);
      expect(r.insnsProcessed).toBeLessThan(1_000_000);
    }), { numRuns: runs(5) });
  }, 120_000);
});

describe('4096-instruction classic programs with thousands of branches', () => {
  const ldb = (k: number) => insn(BPF_LD | BPF_B | BPF_ABS, 0, 0, k);

  it('2047 diamonds, each setting X to a different constant that stays live', () => {
    // ldb [j]; jeq #j, 0, 1 -> skip; ldx #j ... then txa; ret a: X differs on every path.
    const prog: ClassicInsn[] = [];
    for (let j = 0; prog.length < 4094; j++) {
      prog.push(ldb(j % 1500), insn(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, j & 0xff), insn(BPF_LDX | BPF_W | BPF_IMM, 0, 0, j));
    }
    prog.length = 4094;
    prog.push(insn(BPF_MISC | BPF_TXA, 0, 0, 0), insn(BPF_RET | BPF_A, 0, 0, 0));
    expect(findClassicViolations(prog)).toEqual([]);
    const r = verifyTranslation(prog);
    expect(r.insnsProcessed).toBeLessThan(1_000_000);
  }, 120_000);

  it('scratch memory written on some branches and read after all of them', () => {
    // Each group: ldb [j]; jset #1, 0, 1; st M[j%16] (A) ; add #1 ; stored on one branch only,
    // then every M[] is stored unconditionally before the reads at the end.
    const prog: ClassicInsn[] = [];
    let j = 0;
    while (prog.length < 4096 - 16 * 2 - 2) {
      prog.push(
        ldb(j % 1000), insn(BPF_JMP | BPF_JSET | BPF_K, 0, 1, 1), insn(BPF_ST, 0, 0, j % 16), insn(BPF_ALU | BPF_ADD | BPF_K, 0, 0, 1),
      );
      j++;
    }
    for (let m = 0; m < 16; m++) prog.push(insn(BPF_ST, 0, 0, m));
    for (let m = 0; prog.length < 4094; m = (m + 1) % 16) prog.push(insn(BPF_LDX | BPF_MEM, 0, 0, m));
    prog.push(insn(BPF_ALU | BPF_ADD | BPF_X, 0, 0, 0), insn(BPF_RET | BPF_A, 0, 0, 0));
    expect(prog.length).toBe(4096);
    expect(findClassicViolations(prog)).toEqual([]);
    const r = verifyTranslation(prog);
    expect(r.insnsProcessed).toBeLessThan(1_000_000);
  }, 120_000);

  it('long forward jumps to shared returns (tcpdump shape), unsigned compares above 2^31', () => {
    const prog: ClassicInsn[] = [];
    const n = 4096;
    for (let pc = 0; pc < n - 2; pc += 2) {
      const toEnd = n - 2 - (pc + 2); // jt lands on the `ret #0` ... jf continues
      prog.push(ldb(pc % 1000), insn(BPF_JMP | BPF_JGT | BPF_K, Math.min(toEnd, 255), 0, 0x80000000 + pc));
    }
    prog.push(insn(BPF_RET | BPF_K, 0, 0, 0), insn(BPF_RET | BPF_K, 0, 0, 0xffff));
    expect(findClassicViolations(prog)).toEqual([]);
    const r = verifyTranslation(prog);
    expect(r.insnsProcessed).toBeLessThan(1_000_000);
  }, 120_000);
});

