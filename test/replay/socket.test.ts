/**
 * Replay against a real Linux packet socket (test/replay/socket-harness.ts). Each filter is
 * attached to an AF_PACKET socket on the loopback device of a private network namespace and
 * each frame is sent there; what the socket receives of the transmit copy is what `replay`
 * must keep with `--vlan packet`, and of the receive copy what it must keep with
 * `--vlan metadata` (the kernel moved the outer tag out of the data). The frames go through
 * `replaySync` as a capture file, on every engine, so the comparison covers the replay's own
 * decisions (which link metadata a filter needs) as well as the filter's semantics.
 * The packet socket's pkt_type, hatype and 802.3 protocol differ from the replay's defaults,
 * so the programs here do not read them. Skips with a message when the harness cannot run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureWriter } from '../../src/capture/writer.js';
import { type ClassicProgram, insn } from '../../src/classic/insn.js';
import { SKF_AD_OFF, SKF_LL_OFF, SKF_NET_OFF } from '../../src/abi/opcodes.js';
import { ENGINE_NAMES } from '../../src/replay/engine.js';
import { replaySync } from '../../src/replay/replay.js';
import { DISSECTOR_CASES, randomFrame } from './frames.js';
import { SocketHarness, socketHarnessMissing } from './socket-harness.js';
import { runs } from '../runs.js';

const why = socketHarnessMissing ? ` (skipped: ${socketHarnessMissing})` : '';
const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-socket-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const RET_A = insn(0x16, 0, 0, 0);
const SKF_AD_PAY_OFFSET = 52;
/** ld [SKF_AD_OFF + SKF_AD_PAY_OFFSET]; ret a */
const payOffset: ClassicProgram = [insn(0x20, 0, 0, (SKF_AD_OFF + SKF_AD_PAY_OFFSET) >>> 0), RET_A];

let captures = 0;
/** The frames as an Ethernet capture file. */
function capture(frames: readonly Uint8Array[]): string {
  const path = join(tmp, `frames-${captures++}.pcap`);
  const w = CaptureWriter.create(path, { linktype: 1 });
  for (const f of frames) w.writePacket(f, 0, f.length, f.length, 1, 0);
  w.close();
  return path;
}

/** X values that make [x + k] wrap below 0, and ordinary ones. */
const X_VALUES = [SKF_NET_OFF, SKF_NET_OFF + 2, SKF_NET_OFF - 4, SKF_LL_OFF, SKF_LL_OFF + 12, -1, -14, 0x7fffffff, 0x80000000, 0, 4, 14, 20]
  .map((v) => v >>> 0);

/**
 * X from a constant (directly, through A, or through M[]), LEN or a header length, then an
 * indirect load at a small k of either sign, plus one so that a loaded 0 still keeps the frame.
 */
const arbIndirect: fc.Arbitrary<ClassicProgram> = fc.record({
  source: fc.nat({ max: 4 }),
  x: fc.constantFrom(...X_VALUES),
  size: fc.constantFrom(0x10, 0x08, 0x00),
  k: fc.oneof(fc.constantFrom(0, 1, 14, 20), fc.integer({ min: -20, max: 40 })),
}).map(({ source, x, size, k }) => {
  const setX = [
    [insn(0x01, 0, 0, x)], // ldx #x
    [insn(0x00, 0, 0, x), insn(0x07, 0, 0, 0)], // ld #x; tax
    [insn(0x01, 0, 0, x), insn(0x03, 0, 0, 5), insn(0x01, 0, 0, 0), insn(0x61, 0, 0, 5)], // via M[5]
    [insn(0x81, 0, 0, 0), insn(0x00, 0, 0, 0), insn(0x04, 0, 0, x), insn(0x0c, 0, 0, 0), insn(0x07, 0, 0, 0)], // LEN + x
    [insn(0xb1, 0, 0, 14)], // ldxb 4*([14]&0xf)
  ][source]!;
  return [...setX, insn(0x40 | size, 0, 0, k >>> 0), insn(0x04, 0, 0, 1), RET_A];
});

describe.skipIf(socketHarnessMissing !== undefined)(`replay against a Linux packet socket${why}`, () => {
  let socket: SocketHarness;
  beforeAll(() => { socket = new SocketHarness(); });
  afterAll(() => socket?.close());

  /**
   * Runs `prog` over `frames` in the kernel and in replay (every engine, both VLAN models) and
   * returns the disagreements, one line each.
   */
  async function disagreements(prog: ClassicProgram, frames: readonly Uint8Array[]): Promise<string[]> {
    expect(await socket.attach(prog), 'SO_ATTACH_FILTER').toBe(0);
    const kernel: Array<Awaited<ReturnType<typeof socket.send>>> = [];
    for (const f of frames) kernel.push(await socket.send(f));
    const path = capture(frames);
    const out: string[] = [];
    for (const engine of ENGINE_NAMES) {
      for (const vlan of ['packet', 'metadata'] as const) {
        const kept = replaySync(prog, path, { engine, link: { vlan }, collect: true }).results!.map((r) => r.kept);
        frames.forEach((f, n) => {
          const theirs = vlan === 'packet' ? kernel[n]!.out : kernel[n]!.in;
          if (theirs >= 0 && theirs !== kept[n]) out.push(`${engine} --vlan ${vlan}: frame ${hex(f)}: kernel keeps ${theirs}, replay ${kept[n]}`);
        });
      }
    }
    return out;
  }

  it('ld [x + k] whose sum wraps into SKF_NET_OFF: the program and frame of issue 10', async () => {
    const prog = [insn(0x01, 0, 0, 0xfff00000), insn(0x50, 0, 0, 0), RET_A]; // ldx #0xfff00000; ldb [x + 0]; ret a
    const frame = Uint8Array.from(Buffer.from(`${'00'.repeat(12)}080045${'00'.repeat(100)}`, 'hex'));
    expect(await socket.attach(prog)).toBe(0);
    expect(await socket.send(frame)).toEqual({ out: 0x45, in: 0x45 });
    expect(await disagreements(prog, [frame])).toEqual([]);
  });

  it('indirect loads whose X + k may wrap below 0: 150 random programs over 20 random frames each', async () => {
    await fc.assert(fc.asyncProperty(arbIndirect, fc.array(fc.integer(), { minLength: 20, maxLength: 20 }), async (prog, seeds) => {
      expect(await disagreements(prog, seeds.map(randomFrame))).toEqual([]);
    }), { numRuns: runs(150) });
  });

  it('SKF_AD_PAY_OFFSET on the frames of issue 10: IPv6 hop-by-hop then UDP, 802.1Q, ARP, malformed IPv6', async () => {
    const eth = (type: string): string => `ffffffffffff020000000001${type}`;
    const frames = [
      eth('86dd') + `6000000000180040${'00'.repeat(32)}1100${'00'.repeat(6)}aaaabbbb00080000${'00'.repeat(40)}`,
      eth('8100') + `00640800450000280000000040060000${'0a000001'}${'0a000002'}0050005100000000000000005000200000000000${'00'.repeat(40)}`,
      eth('0806') + `0001080006040001${'00'.repeat(40)}`,
      eth('86dd') + `60${'00'.repeat(139)}`,
    ].map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
    expect(await disagreements(payOffset, frames)).toEqual([]);
  });

  it('SKF_AD_PAY_OFFSET on a frame for each path of the flow dissector', async () => {
    expect(await disagreements(payOffset, DISSECTOR_CASES.map(([, f]) => f))).toEqual([]);
  });

  it('SKF_AD_PAY_OFFSET on 4000 random frames of the protocols the flow dissector knows', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.integer(), { minLength: 100, maxLength: 100 }), async (seeds) => {
      expect(await disagreements(payOffset, seeds.map(randomFrame))).toEqual([]);
    }), { numRuns: runs(40) });
  });

  it('what stays different: frames the kernel holds non-linear (docs/semantics.md)', async () => {
    // A packet socket on the loopback sends frames of 4080 bytes and more with only the
    // Ethernet header in the linear part. NLATTR then answers 0 (bpf_skb_get_nlattr gives up on
    // non-linear skbs), and so does PAY_OFFSET for FCoE (it measures the linear part); loads
    // at any offset, negative ones included, read the fragments. Replay holds every packet whole.
    const eth = (type: string, body: string, n: number): Uint8Array => {
      const head = Buffer.from(`ffffffffffff020000000001${type}${body}`, 'hex');
      return Uint8Array.from([...head, ...new Array<number>(n - head.length).fill(0xab)]);
    };
    const attrs = '0800030000000000' + '0800050000000000'; // two netlink attributes: type 3, then type 5 at offset 22
    const nlattr = [insn(0x00, 0, 0, 14), insn(0x01, 0, 0, 5), insn(0x20, 0, 0, (SKF_AD_OFF + 12) >>> 0), RET_A]; // A = 14, X = 5
    const netLoad = [insn(0x30, 0, 0, (SKF_NET_OFF + 4000) >>> 0), RET_A];
    const cases: Array<[ClassicProgram, string, string, number]> = [[nlattr, '88b5', attrs, 22], [payOffset, '8906', '', 52], [netLoad, '0800', '', 0xab]];
    for (const [prog, type, body, value] of cases) {
      const linear = eth(type, body, 4079), paged = eth(type, body, 4080);
      expect(await socket.attach(prog)).toBe(0);
      expect(await socket.send(linear), `${type}: 4079 bytes`).toEqual({ out: value, in: value });
      const kernel = await socket.send(paged);
      expect(kernel, `${type}: 4080 bytes`).toEqual(type === '0800' ? { out: value, in: value } : { out: 0, in: 0 });
      const ours = replaySync(prog, capture([linear, paged]), { collect: true }).results!.map((r) => r.kept);
      expect(ours, type).toEqual([value, value]);
    }
  });
});
