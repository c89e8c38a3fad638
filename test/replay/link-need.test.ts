/**
 * When a replay builds each packet's link metadata. It skips the work for filters that read
 * only packet bytes at non-negative offsets, which an indirect load does not promise: with
 * X = 0xfff00000, `ldb [x + 0]` reads the network header (issue 10, where Linux answers 0x45
 * and replay answered 0 unless --trace or --vlan metadata made it dissect the link anyway).
 * test/replay/socket.test.ts holds the same cases to a real packet socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureWriter } from '../../src/capture/writer.js';
import { insn } from '../../src/classic/insn.js';
import { ENGINE_NAMES, prepareFilter } from '../../src/replay/engine.js';
import { replaySync } from '../../src/replay/replay.js';
import { program } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-link-need-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// ldx #0xfff00000; ldb [x + 0]; ret a (the comma form 3,1 0 0 4293918720,80 0 0 0,22 0 0 0)
const wrapping = [insn(0x01, 0, 0, 0xfff00000), insn(0x50, 0, 0, 0), insn(0x16, 0, 0, 0)];

describe('the link metadata a replay builds', () => {
  it('an indirect load that wraps into SKF_NET_OFF reads the network header on every engine, traced or not', () => {
    const path = join(tmp, 'ipv4.pcap');
    const w = CaptureWriter.create(path, { linktype: 1 });
    const frame = Uint8Array.from(Buffer.from(`${'00'.repeat(12)}080045${'00'.repeat(100)}`, 'hex'));
    w.writePacket(frame, 0, frame.length, frame.length, 1, 0);
    w.close();
    for (const engine of ENGINE_NAMES) {
      for (const vlan of ['packet', 'metadata'] as const) {
        const r = replaySync(wrapping, path, { engine, link: { vlan }, collect: true });
        expect(r.results!.map((p) => p.ret), `${engine} --vlan ${vlan}`).toEqual([0x45]);
      }
      expect(replaySync(wrapping, path, { engine, trace: { packet: 1 } }).trace!.ret, `${engine} traced`).toBe(0x45);
    }
  });

  it("is skipped for tcpdump's header-length idiom, and built for a wrapping X", () => {
    expect(prepareFilter(program('EN10MB', 'tcp-port')).readsMetadata).toBe(false);
    expect(prepareFilter(wrapping).readsMetadata).toBe(true);
  });
});
