/**
 * What the verifier accepts, our VM runs without a fault: random programs and mutated
 * translations that pass verification run in the interpreter's checked mode (which turns a
 * read of an empty register into an error) over random packets and contexts, and must
 * neither fault nor read an unset register. Rejected programs are not run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SECCOMP_DATA_SIZE, SKB_CTX_SIZE, defaultSkbMeta, writeSkbContext } from '../../src/abi/ctx.js';
import type { Insn } from '../../src/ebpf/insn.js';
import { translateClassic } from '../../src/translate/translate.js';
import { Interpreter } from '../../src/vm/interp.js';
import { ExecEnv } from '../../src/vm/types.js';
import { type VerifyContext, verifyProgram } from '../../src/verify/index.js';
import { arbClassicProgram, arbPacket } from '../classic/arbitrary.js';
import { mutate, mutationArb, randomProgramArb } from './verifier-arbitrary.js';
import { runs } from '../runs.js';

function environment(ctx: VerifyContext, packet: Uint8Array, fill: number): ExecEnv {
  const env = new ExecEnv();
  env.meta = defaultSkbMeta();
  env.meta.len = packet.length;
  if (ctx === 'skb') {
    env.ctx = new Uint8Array(SKB_CTX_SIZE);
    writeSkbContext(env.meta, new DataView(env.ctx.buffer));
  } else if (ctx === 'seccomp') {
    env.ctx = new Uint8Array(SECCOMP_DATA_SIZE).fill(fill);
  } else {
    env.mem = new Uint8Array(ctx.size).fill(fill);
  }
  env.setPacket(packet, 0, packet.length);
  return env;
}

/** Runs `p` if the verifier accepts it; returns whether it ran. A VmError fails the test. */
function runIfVerified(p: readonly Insn[], ctx: VerifyContext, packet: Uint8Array, fill = 0x5a): boolean {
  if (!verifyProgram(p, { ctx }).ok) return false;
  const vm = new Interpreter(p, { checked: true });
  expect(() => vm.run(environment(ctx, packet, fill)), 'a verified program faulted').not.toThrow();
  return true;
}

const packetArb = fc.uint8Array({ maxLength: 80 });
const programRuns = runs(3000);
const contexts: Array<[string, VerifyContext]> = [['skb', 'skb'], ['seccomp', 'seccomp'], ['a 16-byte memory region', { size: 16 }]];

describe('verified programs run without faults', () => {
  it.each(contexts)('random short programs, context %s', (_, ctx) => {
    let ran = 0;
    fc.assert(fc.property(randomProgramArb, packetArb, (p, pkt) => {
      if (runIfVerified(p, ctx, pkt)) ran++;
    }), { numRuns: programRuns });
    expect(ran).toBeGreaterThan(programRuns / 30);
  }, 120_000);

  it('mutated translations of random classic programs', () => {
    let ran = 0;
    const mutations = fc.array(mutationArb, { minLength: 1, maxLength: 2 });
    fc.assert(fc.property(arbClassicProgram({ maxLength: 32 }), mutations, arbPacket(), (classic, ms, pkt) => {
      let p = translateClassic(classic).insns;
      for (const m of ms) p = mutate(p, m);
      if (runIfVerified(p, 'skb', pkt.bytes)) ran++;
    }), { numRuns: programRuns / 2 });
    expect(ran).toBeGreaterThan(programRuns / 60);
  }, 120_000);

  it('translations of random seccomp filters', () => {
    fc.assert(fc.property(arbClassicProgram({ maxLength: 48, profile: 'seccomp' }), fc.nat({ max: 255 }), (classic, fill) => {
      expect(runIfVerified(translateClassic(classic, { profile: 'seccomp' }).insns, 'seccomp', new Uint8Array(0), fill)).toBe(true);
    }), { numRuns: runs(300) });
  });
});
