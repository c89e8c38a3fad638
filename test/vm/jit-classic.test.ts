/**
 * Translated classic programs on the JIT, against the interpreter and the reference classic
 * interpreter with Linux semantics (src/classic/interp.ts): random programs Linux's checker
 * accepts (test/classic/arbitrary.ts), random packets (some truncated, some seen through a
 * window of a larger buffer) and random socket metadata. The JIT must give the reference's
 * verdict, and the interpreter's R0 and step count. Seccomp-profile translations too.
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
import { JitEngine } from '../../src/vm/jit/index.js';
import { ExecEnv } from '../../src/vm/types.js';
import { arbClassicProgram, arbPacket, arbSeccompData, arbSkbMeta } from '../classic/arbitrary.js';
import { runs } from '../runs.js';

const RANDOM = 0x9e3779b9;
const helpers = (): ReturnType<typeof standardHelpers> =>
  standardHelpers().register(HELPER_GET_PRANDOM_U32, (f) => { f.lo[0] = RANDOM | 0; f.hi[0] = 0; });

describe('translated classic programs: JIT vs interpreter vs the reference interpreter', () => {
  it('agree on random socket filters, packets and metadata', () => {
    const env = new ExecEnv();
    env.ctx = new Uint8Array(SKB_CTX_SIZE);
    const ctx = new DataView(env.ctx.buffer);
    const inputs = fc.array(fc.tuple(arbPacket(), arbSkbMeta(), fc.nat({ max: 9 })), { minLength: 1, maxLength: 6 });
    fc.assert(fc.property(arbClassicProgram({ maxLength: 48 }), inputs, (prog, generated) => {
      const runs = [...generated];
      const { insns } = translateClassic(prog);
      const vm = new Interpreter(insns, { helpers: helpers() });
      const jit = new JitEngine(insns, { helpers: helpers() });
      // Packets cut right at, before and after the end of every absolute load: where bounds checks the JIT
      // proved redundant (or not) make the difference.
      const ends = new Set<number>();
      for (const c of prog) if ((c.code & 0xe7) === 0x20 && c.k < 0x10000) ends.add(c.k + (c.code === 0x20 ? 4 : c.code === 0x28 ? 2 : 1));
      const [base, meta1] = runs[0]!;
      for (const end of [...ends].slice(0, 8)) {
        for (const n of [end - 1, end, end + 1]) {
          if (n >= 0 && n <= base.bytes.length) runs.push([{ bytes: base.bytes.subarray(0, n), wirelen: n }, meta1, 3]);
        }
      }
      for (const [pkt, meta0, pad] of runs) {
        const meta = { ...meta0, len: pkt.wirelen };
        const want = runClassic(prog, { pkt: pkt.bytes, meta }, { semantics: 'linux', random: () => RANDOM }).ret;
        // The packet as a window of a larger buffer, bytes on both sides.
        const buf = new Uint8Array(pad + pkt.bytes.length + pad).fill(0xa5);
        buf.set(pkt.bytes, pad);
        env.setPacket(buf, pad, pkt.bytes.length);
        env.meta = meta;
        writeSkbContext(meta, ctx);
        const interp = vm.run(env);
        const got = jit.run(env);
        if (got !== want || interp !== want || jit.steps !== vm.steps || jit.r0hi !== vm.r0hi) {
          expect.fail(`reference ${want}, interpreter ${interp} (${vm.steps} steps), JIT ${got} (${jit.steps} steps)\n`
            + `${formatAsm(insns, { labels: true })}\n--- jit ---\n${jit.source()}`);
        }
      }
    }), { numRuns: runs(3000) });
  });

  it('agree on random seccomp filters and seccomp_data', () => {
    const env = new ExecEnv();
    fc.assert(fc.property(arbClassicProgram({ profile: 'seccomp', maxLength: 48 }), fc.array(arbSeccompData(), { minLength: 1, maxLength: 4 }), (prog, datas) => {
      const { insns } = translateClassic(prog, { profile: 'seccomp' });
      const vm = new Interpreter(insns);
      const jit = new JitEngine(insns);
      for (const data of datas) {
        const want = runClassic(prog, { pkt: new Uint8Array(0) }, { semantics: 'linux', seccomp: data }).ret;
        env.ctx = data;
        const interp = vm.run(env);
        const got = jit.run(env);
        if (got !== want || interp !== want || jit.steps !== vm.steps) {
          expect.fail(`reference ${want}, interpreter ${interp}, JIT ${got}\n${formatAsm(insns, { labels: true })}\n--- jit ---\n${jit.source()}`);
        }
      }
    }), { numRuns: runs(1500) });
  });
});
