/**
 * Translated classic programs in the interpreter against the reference classic interpreter
 * with Linux semantics (src/classic/interp.ts): random programs Linux's checker accepts,
 * random packets (some truncated) and random socket metadata must give the same verdict.
 * This exercises the legacy packet loads (negative offsets included), the `__sk_buff`
 * context and every helper the translator calls.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runClassic } from '../../src/classic/interp.js';
import { SKB_CTX_SIZE, writeSkbContext } from '../../src/abi/ctx.js';
import { HELPER_GET_PRANDOM_U32 } from '../../src/ebpf/helpers.js';
import { formatAsm } from '../../src/ebpf/asm-format.js';
import { translateClassic } from '../../src/translate/translate.js';
import { standardHelpers } from '../../src/vm/helpers.js';
import { Interpreter } from '../../src/vm/interp.js';
import { ExecEnv } from '../../src/vm/types.js';
import { arbClassicProgram, arbPacket, arbSkbMeta } from '../classic/arbitrary.js';
import { runs } from '../runs.js';

const RANDOM = 0x9e3779b9;
const helpers = standardHelpers().register(HELPER_GET_PRANDOM_U32, (f) => { f.lo[0] = RANDOM | 0; f.hi[0] = 0; });

describe('translated classic programs: interpreter vs the reference interpreter', () => {
  it('agree on random programs, packets and metadata (checked mode, one instruction at a time)', () => {
    const env = new ExecEnv();
    env.ctx = new Uint8Array(SKB_CTX_SIZE);
    const ctx = new DataView(env.ctx.buffer);
    const arbInputs = fc.array(fc.tuple(arbPacket(), arbSkbMeta()), { minLength: 1, maxLength: 4 });
    fc.assert(fc.property(arbClassicProgram(), arbInputs, (prog, inputs) => {
      const { insns } = translateClassic(prog);
      const vm = new Interpreter(insns, { helpers, checked: true });
      for (const [pkt, meta0] of inputs) {
        const meta = { ...meta0, len: pkt.wirelen };
        const want = runClassic(prog, { pkt: pkt.bytes, meta }, { semantics: 'linux', random: () => RANDOM }).ret;
        env.setPacket(pkt.bytes, 0, pkt.bytes.length);
        env.meta = meta;
        writeSkbContext(meta, ctx);
        const got = vm.run(env);
        if (got !== want) expect.fail(`ours ${got}, reference ${want}\n${formatAsm(insns, { labels: true })}`);
      }
    }), { numRuns: runs(1000) });
  });

  it('agree with superinstructions too, and count the same steps; budgets stop at the same instruction', () => {
    const env = new ExecEnv();
    env.ctx = new Uint8Array(SKB_CTX_SIZE);
    const ctx = new DataView(env.ctx.buffer);
    const stopAt = (vm: Interpreter): string => {
      try {
        return `ret ${vm.run(env)} after ${vm.steps}`;
      } catch (e) {
        return (e as Error).message;
      }
    };
    fc.assert(fc.property(arbClassicProgram(), arbPacket(), arbSkbMeta(), fc.nat({ max: 60 }), (prog, pkt, meta0, budgetPick) => {
      const { insns } = translateClassic(prog);
      const meta = { ...meta0, len: pkt.wirelen };
      env.setPacket(pkt.bytes, 0, pkt.bytes.length);
      env.meta = meta;
      writeSkbContext(meta, ctx);
      const want = runClassic(prog, { pkt: pkt.bytes, meta }, { semantics: 'linux', random: () => RANDOM }).ret;
      const fused = new Interpreter(insns, { helpers });
      const plain = new Interpreter(insns, { helpers, trace: () => {} }); // tracing turns superinstructions off
      expect(fused.run(env)).toBe(want);
      expect(plain.run(env)).toBe(want);
      expect(fused.steps).toBe(plain.steps);
      const budget = 1 + (budgetPick % Math.max(1, plain.steps));
      expect(stopAt(new Interpreter(insns, { helpers, budget })))
        .toBe(stopAt(new Interpreter(insns, { helpers, budget, trace: () => {} })));
    }), { numRuns: runs(1500) });
  });
});
