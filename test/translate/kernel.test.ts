/**
 * What the running Linux kernel says about our translations: its verifier must accept every
 * translated program that calls no project helper, and BPF_PROG_TEST_RUN of the translation
 * must give what the classic program means (hand-computed expectations, tcpdump's own
 * filtering of real captures, and our Linux-semantics classic interpreter).
 * Skipped, with the reason, when cc or bpf() is unavailable.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClassicInsn, type ClassicProgram, classicForm, insn } from '../../src/classic/insn.js';
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_B, BPF_DIV, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT,
  BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM, BPF_MISC, BPF_MOD, BPF_MSH, BPF_RET,
  BPF_ST, BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA, BPF_W, BPF_X, BPF_XOR, SKF_AD, SKF_AD_OFF, SKF_LL_OFF, SKF_NET_OFF, ancillaryOf,
} from '../../src/abi/opcodes.js';
import { CaptureReader } from '../../src/capture/reader.js';
import { LINKTYPE_EN10MB } from '../../src/capture/linktype.js';
import { CaptureWriter } from '../../src/capture/writer.js';
import { checkClassic } from '../../src/classic/check.js';
import { disassembleClassic } from '../../src/classic/disasm.js';
import { runClassic } from '../../src/classic/interp.js';
import { defaultSkbMeta } from '../../src/abi/ctx.js';
import { encodeProgram } from '../../src/ebpf/encode.js';
import { bpfInsn, exit, mov32Imm, mov64Reg } from '../../src/ebpf/insn.js';
import { CheckError } from '../../src/errors.js';
import { dissectLink, defaultLinkOptions } from '../../src/replay/link.js';
import { translateClassic } from '../../src/translate/translate.js';
import { arbClassicProgram, arbPacket } from '../classic/arbitrary.js';
import { hasTcpdump, tcpdumpFilters } from './filters.js';
import { kernel, kernelUnavailable } from './kernel.js';
import { minimum, runs } from '../runs.js';

const stmt = (code: number, k = 0): ClassicInsn => insn(code, 0, 0, k);
const jmp = (code: number, k: number, jt: number, jf: number): ClassicInsn => insn(code, jt, jf, k);
const ret = (k: number): ClassicInsn => stmt(BPF_RET | BPF_K, k);
const RET_A = stmt(BPF_RET | BPF_A);
const anc = (name: keyof typeof SKF_AD): ClassicInsn => stmt(BPF_LD | BPF_W | BPF_ABS, (SKF_AD_OFF + SKF_AD[name]) >>> 0);
const ldb = (k: number): ClassicInsn => stmt(BPF_LD | BPF_B | BPF_ABS, k >>> 0);

/** Ethernet / IPv4 / TCP, 80 bytes; byte n of the payload area is n. */
function samplePacket(): Uint8Array {
  const p = new Uint8Array(80);
  for (let n = 0; n < p.length; n++) p[n] = n;
  p.set([0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00], 0);
  p.set([0x45, 0, 0, 66, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14);
  p.set([0x04, 0xd2, 0x00, 0x50], 34);
  p[46] = 0x50; // TCP data offset 5
  return p;
}
const P = samplePacket();

const kernelLoad = (prog: ClassicProgram): { ok: boolean; log: string } => kernel!.load(encodeProgram(translateClassic(prog).insns));
const kernelRun = (prog: ClassicProgram, packets: readonly Uint8Array[] = [P]): Array<number | string> =>
  kernel!.run(encodeProgram(translateClassic(prog).insns), packets);

/** Hand-written programs and what they return on P (undefined: only loading is checked). */
const HAND: Array<{ name: string; prog: ClassicInsn[]; expect?: number }> = [
  { name: 'div x by zero returns 0', prog: [stmt(BPF_LDX | BPF_W | BPF_IMM, 0), stmt(BPF_LD | BPF_IMM, 7), stmt(BPF_ALU | BPF_DIV | BPF_X), ret(1)], expect: 0 },
  { name: 'mod x by zero returns 0', prog: [stmt(BPF_LD | BPF_IMM, 7), stmt(BPF_ALU | BPF_MOD | BPF_X), ret(1)], expect: 0 },
  { name: 'div x', prog: [stmt(BPF_LDX | BPF_W | BPF_IMM, 2), stmt(BPF_LD | BPF_IMM, 7), stmt(BPF_ALU | BPF_DIV | BPF_X), RET_A], expect: 3 },
  { name: 'mod x', prog: [stmt(BPF_LDX | BPF_W | BPF_IMM, 3), stmt(BPF_LD | BPF_IMM, 0xfffffffe), stmt(BPF_ALU | BPF_MOD | BPF_X), RET_A], expect: 0xfffffffe % 3 },
  { name: 'jgt #0x80000000 (TMP)', prog: [stmt(BPF_LD | BPF_IMM, 0xfffffffe), jmp(BPF_JMP | BPF_JGT | BPF_K, 0x80000000, 0, 1), ret(1), ret(2)], expect: 1 },
  { name: 'jge #0xffffffff (TMP, false)', prog: [stmt(BPF_LD | BPF_IMM, 0xfffffffe), jmp(BPF_JMP | BPF_JGE | BPF_K, 0xffffffff, 0, 1), ret(1), ret(2)], expect: 2 },
  { name: 'jeq #0xfffffffe (TMP, both ways)', prog: [stmt(BPF_LD | BPF_IMM, 0xfffffffe), jmp(BPF_JMP | BPF_JEQ | BPF_K, 0xfffffffe, 1, 2), ret(9), ret(1), ret(2)], expect: 1 },
  { name: 'jset jt 0 taken', prog: [stmt(BPF_LD | BPF_IMM, 6), jmp(BPF_JMP | BPF_JSET | BPF_K, 4, 0, 1), ret(1), ret(2)], expect: 1 },
  { name: 'jset jt 0 not taken', prog: [stmt(BPF_LD | BPF_IMM, 6), jmp(BPF_JMP | BPF_JSET | BPF_K, 8, 0, 1), ret(1), ret(2)], expect: 2 },
  { name: 'jset #0x80000000 x', prog: [stmt(BPF_LD | BPF_IMM, 0x80000000), stmt(BPF_MISC | BPF_TAX), jmp(BPF_JMP | BPF_JSET | BPF_X, 0, 0, 1), ret(1), ret(2)], expect: 1 },
  { name: 'ldb [x - 1] wraps to a signed offset', prog: [stmt(BPF_LDX | BPF_W | BPF_IMM, 0x3e), stmt(BPF_LD | BPF_B | BPF_IND, 0xffffffff), RET_A], expect: P[0x3d] },
  { name: 'ldb [x + 1] with x = 0xffffffff reads byte 0', prog: [stmt(BPF_LDX | BPF_W | BPF_IMM, 0xffffffff), stmt(BPF_LD | BPF_B | BPF_IND, 1), RET_A], expect: P[0] },
  { name: 'ldh [x + 14]', prog: [stmt(BPF_LDX | BPF_W | BPF_IMM, 20), stmt(BPF_LD | BPF_H | BPF_IND, 14), RET_A], expect: (P[34]! << 8) | P[35]! },
  { name: 'ld [x + k] out of bounds returns 0', prog: [stmt(BPF_LDX | BPF_W | BPF_IMM, 78), stmt(BPF_LD | BPF_W | BPF_IND, 0), ret(5)], expect: 0 },
  {
    name: 'msh sets X and keeps A',
    prog: [stmt(BPF_LD | BPF_IMM, 0x1234), stmt(BPF_LDX | BPF_B | BPF_MSH, 14), stmt(BPF_ST, 0), stmt(BPF_MISC | BPF_TXA),
      stmt(BPF_ALU | BPF_LSH | BPF_K, 16), stmt(BPF_MISC | BPF_TAX), stmt(BPF_LD | BPF_MEM, 0), stmt(BPF_ALU | BPF_ADD | BPF_X), RET_A],
    expect: ((4 * (P[14]! & 0xf)) << 16) + 0x1234,
  },
  { name: 'msh out of bounds returns 0', prog: [stmt(BPF_LDX | BPF_B | BPF_MSH, 80), ret(5)], expect: 0 },
  {
    name: 'all 16 scratch words',
    prog: [
      ...Array.from({ length: 16 }, (_, k) => [stmt(BPF_LD | BPF_IMM, k + 1), stmt(BPF_ST, k)]).flat(),
      stmt(BPF_LD | BPF_IMM, 0),
      ...Array.from({ length: 16 }, (_, k) => [stmt(BPF_LDX | BPF_MEM, k), stmt(BPF_ALU | BPF_ADD | BPF_X)]).flat(),
      stmt(BPF_MISC | BPF_TAX), stmt(BPF_STX, 15), stmt(BPF_LD | BPF_MEM, 15), RET_A,
    ],
    expect: 136,
  },
  { name: 'SKF_NET_OFF reads from the network header', prog: [ldb(SKF_NET_OFF + 9), RET_A], expect: P[9] },
  { name: 'SKF_LL_OFF reads from the link header', prog: [ldb(SKF_LL_OFF + 3), RET_A], expect: P[3] },
  { name: 'below SKF_LL_OFF fails', prog: [ldb(SKF_LL_OFF - 1), ret(5)], expect: 0 },
  { name: 'len', prog: [stmt(BPF_LD | BPF_W | BPF_LEN), RET_A], expect: P.length },
  { name: 'ldx len', prog: [stmt(BPF_LDX | BPF_W | BPF_LEN), stmt(BPF_MISC | BPF_TXA), stmt(BPF_ALU | BPF_SUB | BPF_K, 1), RET_A], expect: P.length - 1 },
  { name: 'SKF_AD_PROTOCOL', prog: [anc('PROTOCOL'), RET_A], expect: 0x0800 },
  { name: 'SKF_AD_IFINDEX (loopback)', prog: [anc('IFINDEX'), RET_A], expect: 1 },
  { name: 'SKF_AD_MARK', prog: [anc('MARK'), RET_A], expect: 0 },
  { name: 'SKF_AD_QUEUE', prog: [anc('QUEUE'), RET_A], expect: 0 },
  { name: 'SKF_AD_VLAN_TAG', prog: [anc('VLAN_TAG'), RET_A], expect: 0 },
  { name: 'SKF_AD_VLAN_TAG_PRESENT', prog: [anc('VLAN_TAG_PRESENT'), RET_A], expect: 0 },
  { name: 'SKF_AD_VLAN_TPID', prog: [anc('VLAN_TPID'), RET_A], expect: 0 },
  { name: 'SKF_AD_ALU_XOR_X', prog: [stmt(BPF_LDX | BPF_W | BPF_IMM, 0xf0f0), stmt(BPF_LD | BPF_IMM, 0xff), anc('ALU_XOR_X'), RET_A], expect: 0xf00f },
  { name: 'SKF_AD_PKTTYPE', prog: [anc('PKTTYPE'), RET_A] },
  { name: 'SKF_AD_RXHASH', prog: [anc('RXHASH'), RET_A] },
  { name: 'SKF_AD_CPU', prog: [anc('CPU'), RET_A] },
  { name: 'SKF_AD_RANDOM', prog: [anc('RANDOM'), RET_A] },
  { name: 'ancillary load sizes are ignored', prog: [stmt(BPF_LD | BPF_B | BPF_ABS, (SKF_AD_OFF + SKF_AD.PROTOCOL) >>> 0), RET_A], expect: 0x0800 },
  { name: 'dead classic code is dropped', prog: [stmt(BPF_JMP | BPF_JA, 1), ret(1), jmp(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0), ret(2)], expect: 2 },
  { name: 'ja 0', prog: [stmt(BPF_JMP | BPF_JA, 0), ret(3)], expect: 3 },
  { name: 'xor a, tcp port', prog: [stmt(BPF_LD | BPF_H | BPF_ABS, 36), stmt(BPF_ALU | BPF_XOR | BPF_K, 0x50), jmp(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), ret(1), ret(2)], expect: 1 },
];

/** A 4096-instruction program using every translated form that Linux can load. */
function bigProgram(): ClassicInsn[] {
  const prog: ClassicInsn[] = [];
  for (let k = 0; k < 16; k++) prog.push(stmt(BPF_ST, k));
  const cycle = (pc: number): ClassicInsn[] => [
    stmt(BPF_LD | BPF_H | BPF_ABS, 12), jmp(BPF_JMP | BPF_JEQ | BPF_K, 0x800, 0, 1), stmt(BPF_LDX | BPF_B | BPF_MSH, 14),
    stmt(BPF_LD | BPF_B | BPF_IND, 0xffffffff), stmt(BPF_ALU | BPF_DIV | BPF_X), stmt(BPF_ST, pc % 16), anc('PROTOCOL'),
    jmp(BPF_JMP | BPF_JGT | BPF_K, 0xfffffff0, 1, 0), stmt(BPF_LD | BPF_MEM, (pc + 3) % 16), jmp(BPF_JMP | BPF_JSET | BPF_X, 0, 0, 1),
    stmt(BPF_MISC | BPF_TAX), stmt(BPF_LD | BPF_W | BPF_LEN), anc('VLAN_TPID'), ldb(SKF_NET_OFF + 2), stmt(BPF_ALU | BPF_MOD | BPF_X),
  ];
  while (prog.length < 4095) prog.push(...cycle(prog.length));
  prog.length = 4095;
  prog.push(RET_A);
  return prog;
}

describe.skipIf(!kernel)(`Linux verifier accepts translated programs${kernelUnavailable ? ` (skipped: ${kernelUnavailable})` : ''}`, () => {
  it('and refuses broken ones (the oracle can say no)', () => {
    const uninitialisedR0 = [mov64Reg(6, 1), exit()];
    const unreachable = [mov32Imm(0, 0), exit(), mov32Imm(0, 1), exit()];
    const reservedField = [bpfInsn(0xb4, 0, 0, 1, 0), exit()];
    for (const p of [uninitialisedR0, unreachable, reservedField]) expect(kernel!.load(encodeProgram(p)).ok).toBe(false);
    expect(kernel!.load(encodeProgram([mov32Imm(0, 0), exit()])).ok).toBe(true);
  });

  it.each(HAND.map((h) => [h.name, h] as const))('%s', (_, h) => {
    checkClassic(h.prog);
    const t = translateClassic(h.prog);
    expect(t.projectHelpers).toEqual([]);
    const loaded = kernelLoad(h.prog);
    expect(loaded.log).toMatch(/^ok/);
    if (h.expect !== undefined) expect(kernelRun(h.prog)).toEqual([h.expect >>> 0]);
  });

  it('a 4096-instruction program', { timeout: 60_000 }, () => {
    const prog = bigProgram();
    expect(prog.length).toBe(4096);
    checkClassic(prog);
    expect(kernelLoad(prog).log).toMatch(/^ok/);
    const res = kernelRun(prog)[0];
    expect(typeof res).toBe('number');
    expect(res).toBe(runClassic(prog, { pkt: P, meta: { ...defaultSkbMeta(), len: P.length, protocol: 0x0800, netOff: 0 } }, { semantics: 'linux' }).ret);
  });

  it('the project-helper ancillaries are flagged, not loaded', () => {
    for (const name of ['NLATTR', 'NLATTR_NEST', 'HATYPE', 'PAY_OFFSET'] as const) {
      expect(translateClassic([anc(name), RET_A]).projectHelpers.length).toBe(1);
    }
  });

  describe.skipIf(!tcpdumpFilters)(`tcpdump filters${tcpdumpFilters ? '' : ' (skipped: no fixtures/filters and no tcpdump)'}`, () => {
    it('every filter Linux accepts as classic loads once translated', () => {
      const jobs: Array<{ name: string; bytes: Uint8Array }> = [];
      for (const f of tcpdumpFilters!) {
        try {
          checkClassic(f.prog);
        } catch (e) {
          // Only protochain's backward jumps are refused by the classic checker.
          expect(e, f.name).toBeInstanceOf(CheckError);
          expect(f.expression).toMatch(/protochain/);
          continue;
        }
        const t = translateClassic(f.prog);
        if (t.projectHelpers.length) continue;
        jobs.push({ name: `${f.linktype}/${f.name}: ${f.expression}`, bytes: encodeProgram(t.insns) });
      }
      kernel!.loadMany(jobs.map((j) => j.bytes)).forEach((r, n) => expect(r.log, jobs[n]!.name).toMatch(/^ok/));
      expect(jobs.length).toBeGreaterThan(10);
    }, 60_000);
  });

  it('random valid classic programs load', () => {
    const seed = randomSeed();
    const progs = fc.sample(arbClassicProgram({ maxLength: 64 }), { numRuns: runs(500), seed });
    const loadable = progs.map((prog) => ({ prog, t: translateClassic(prog) })).filter(({ prog, t }) => {
      checkClassic(prog);
      return t.projectHelpers.length === 0;
    });
    const answers = kernel!.loadMany(loadable.map(({ t }) => encodeProgram(t.insns)));
    answers.forEach((a, n) => {
      if (!a.ok) expect.fail(`seed ${seed}: the kernel refused the translation of\n${disassembleClassic(loadable[n]!.prog)}\n${a.log}`);
    });
    expect(loadable.length).toBeGreaterThan(minimum(200));
  }, 120_000);
});

/** A fresh seed per run, printed with any failure; CBPF2EBPF_SEED=N replays it (test/setup-seed.ts). */
const randomSeed = (): number => fc.readConfigureGlobal().seed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;

/**
 * skb->protocol in the kernel's test run of packet P: bpf_load sends P[0..14) zero-padded, then
 * P, and eth_type_trans reads that frame. Our own Ethernet link step must read it the same way,
 * including 802.3 length fields (0x0001 Novell raw, else 0x0004 LLC).
 */
function testRunProtocol(pkt: Uint8Array): number {
  const frame = new Uint8Array(14 + pkt.length);
  frame.set(pkt.subarray(0, 14));
  frame.set(pkt, 14);
  const win = { buf: frame, start: 0, caplen: frame.length, wirelen: frame.length };
  const meta = defaultSkbMeta();
  dissectLink(LINKTYPE_EN10MB, win, meta, defaultLinkOptions(), win);
  return meta.protocol;
}

/** Replaces the ancillary loads whose value the kernel run cannot reproduce by constants. */
function deterministic(prog: ClassicProgram): ClassicInsn[] {
  return prog.map((i) => {
    const a = classicForm(i.code)?.kind === 'ld-abs' ? ancillaryOf(i.k) : undefined;
    if (a === 'CPU' || a === 'RANDOM' || a === 'NLATTR' || a === 'NLATTR_NEST' || a === 'HATYPE' || a === 'PAY_OFFSET' || a === 'PKTTYPE' || a === 'RXHASH') {
      return stmt(BPF_LD | BPF_IMM, i.k);
    }
    return i;
  });
}

/**
 * The packets of an Ethernet capture that the kernel's test run can take whole: at most a
 * page, and caplen == wire length (the length tests need it); none for another link type.
 */
function ethernetPackets(path: string): Uint8Array[] {
  const packets: Uint8Array[] = [];
  const reader = CaptureReader.open(path);
  try {
    if (reader.interfaces[0]?.linktype !== LINKTYPE_EN10MB) return packets;
    while (reader.next()) {
      const r = reader.current;
      if (r.caplen === r.wirelen && r.caplen >= 14 && r.caplen <= 1500) packets.push(r.copyData());
    }
  } finally {
    reader.close();
  }
  return packets;
}

describe.skipIf(!kernel)('BPF_PROG_TEST_RUN of translations agrees with the classic program', () => {
  it('random programs: the kernel runs the translation as our Linux-semantics interpreter runs the classic', () => {
    const seed = randomSeed();
    const arbCase = fc.tuple(
      arbClassicProgram({ maxLength: 40, negativeOffsets: false }),
      fc.array(arbPacket({ maxLength: 90 }), { minLength: 1, maxLength: 6 }),
    );
    const cases = fc.sample(arbCase, { numRuns: runs(300), seed })
      .map(([raw, packets]) => ({ prog: deterministic(raw), packets: packets.map((p) => p.bytes) }));
    const results = kernel!.runMany(cases.map((c) => ({ prog: encodeProgram(translateClassic(c.prog).insns), packets: c.packets })));
    let compared = 0;
    cases.forEach((c, n) => c.packets.forEach((pkt, m) => {
      const got = results[n]![m];
      if (typeof got === 'string') return; // the kernel refused this packet (e.g. a too-short IPv4 header)
      // What the kernel's test run gives a socket filter: see test/native/bpf_load.c.
      const meta = { ...defaultSkbMeta(), len: pkt.length, protocol: testRunProtocol(pkt), netOff: 0 };
      const want = runClassic(c.prog, { pkt, meta }, { semantics: 'linux' }).ret;
      if (got !== want) {
        expect.fail(`seed ${seed}: kernel ${got}, classic ${want} on packet ${Buffer.from(pkt).toString('hex')} for\n${disassembleClassic(c.prog)}`);
      }
      compared++;
    }));
    expect(compared).toBeGreaterThan(minimum(500));
  }, 120_000);

  it('SKF_AD_PROTOCOL of 802.3 length-field and short frames is what our link step says', () => {
    // The test run's frame is P[0..14) then P, so the word after its header is P[0..2).
    const frames = [
      Uint8Array.of(0x46, 0x45, 0x0b, 0x4c, 0xfa), // shorter than a header: type 0, LLC
      Uint8Array.of(0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x40, 0xff, 0xff), // length field, then 0xFFFF
      Uint8Array.of(0xaa, 0xaa, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0xff, 0xff, 0xff), // length field, then LLC
      Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x06, 0x00), // the first ethertype
    ];
    const prog = [anc('PROTOCOL'), RET_A];
    const want = frames.map(testRunProtocol);
    expect(want).toEqual([0x0004, 0x0001, 0x0004, 0x0600]);
    expect(kernelRun(prog, frames)).toEqual(want);
  });

  describe.skipIf(!hasTcpdump || !tcpdumpFilters)('tcpdump filters over real captures', () => {
    it('the translation keeps exactly the packets `tcpdump -r` keeps', () => {
      const dir = fileURLToPath(new URL('../../fixtures/captures/tcpdump/', import.meta.url));
      const packets = readdirSync(dir).filter((f) => f.endsWith('.pcap')).flatMap((f) => ethernetPackets(join(dir, f)));
      const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-cap-'));
      try {
        const capture = join(tmp, 'all.pcap');
        const writer = CaptureWriter.create(capture, { linktype: LINKTYPE_EN10MB });
        packets.forEach((p, n) => writer.writePacket(p, 0, p.length, p.length, n, 0));
        writer.close();
        const filters = tcpdumpFilters!.filter((x) => x.linktype === 'EN10MB' && !/protochain/.test(x.expression))
          .filter((f) => !f.prog.some((i) => classicForm(i.code)?.kind === 'ld-abs' && ancillaryOf(i.k)));
        const runs = kernel!.runMany(filters.map((f) => ({ prog: encodeProgram(translateClassic(f.prog).insns), packets })));
        let compared = 0;
        filters.forEach((f, fn) => {
          // Packet n was written with time n; `-tt` prints it back for each packet kept.
          const out = execFileSync('tcpdump', ['-r', capture, '-n', '-tt', '--', f.expression], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
          const kept = new Set(out.split('\n').map((l) => /^(\d+)\.\d+ /.exec(l)?.[1]).filter((n) => n !== undefined).map(Number));
          const got = runs[fn]!;
          const mismatches = got.flatMap((v, n) => (typeof v === 'number' && (v !== 0) !== kept.has(n) ? [n] : []));
          expect(mismatches, `${f.name}: ${f.expression}`).toEqual([]);
          compared += got.filter((v) => typeof v === 'number').length;
        });
        expect(filters.length).toBeGreaterThan(10);
        expect(compared).toBeGreaterThan(filters.length * 50);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }, 120_000);
  });
});
