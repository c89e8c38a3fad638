/**
 * A replay of an expression compiles it for each interface of the capture: every packet's
 * verdict is the one the program compiled for its own link type and snaplen gives.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultSkbMeta } from '../../src/abi/ctx.js';
import { CaptureReader } from '../../src/capture/reader.js';
import { runClassic } from '../../src/classic/interp.js';
import { compileFilter } from '../../src/compile/index.js';
import { CompileError } from '../../src/errors.js';
import { replaySync } from '../../src/replay/replay.js';

const capture = (name: string): string => fileURLToPath(new URL(`../../fixtures/captures/generated/${name}`, import.meta.url));

describe('replay of a filter expression', () => {
  it.each(['multi-linktype.pcapng', 'multi-section.pcapng'])('compiles it per interface of %s', (name) => {
    for (const expression of ['ip', 'tcp or udp', 'host 10.0.0.1', 'ip6 or arp', 'len > 60']) {
      const expected: number[] = [];
      const linktypes = new Set<number>();
      const r = CaptureReader.open(capture(name));
      while (r.next()) {
        const rec = r.current;
        linktypes.add(rec.linktype);
        const prog = compileFilter(expression, { linktype: rec.linktype, snaplen: rec.iface!.effectiveSnaplen });
        expected.push(runClassic(prog, { pkt: rec.copyData(), meta: { ...defaultSkbMeta(), len: rec.wirelen } }, { semantics: 'libpcap' }).ret);
      }
      r.close();
      expect(linktypes.size).toBeGreaterThan(1);
      const got = replaySync({ expression }, capture(name), { engine: 'classic', semantics: 'libpcap', collect: true }).results!.map((p) => p.ret);
      expect(got).toEqual(expected);
    }
  });

  it('refuses an expression the capture cannot have, before reading it', () => {
    expect(() => replaySync({ expression: 'tcp and' }, capture('multi-linktype.pcapng'))).toThrow(CompileError);
  });
});
