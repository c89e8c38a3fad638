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
import { SKF_AD_OFF } from '../../src/classic/opcodes.js';
import { ENGINE_NAMES } from '../../src/replay/engine.js';
import { replaySync } from '../../src/replay/replay.js';
import { DISSECTOR_CASES, randomFrame } from './frames.js';
import { SocketHarness, socketHarnessMissing } from './socket-harness.js';

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
    const kernel = [];
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
    }), { numRuns: 40 });
  });
});
