/**
 * Runs one program on the interpreter and on the JIT over the same sequence of inputs and
 * reports the first difference: construction errors, R0 (both halves), steps, faults (class
 * and message) and the memory the program may write (caller memory, context).
 */
import fc from 'fast-check';
import type { Insn } from '../../src/ebpf/insn.js';
import { formatAsm } from '../../src/ebpf/asm-format.js';
import { defaultSkbMeta, type SkbMeta } from '../../src/abi/ctx.js';
import type { HelperRegistry } from '../../src/vm/helpers.js';
import { Interpreter } from '../../src/vm/interp.js';
import { JitEngine } from '../../src/vm/jit/index.js';
import { ExecEnv, type Engine } from '../../src/vm/types.js';

export interface RunInput {
  /** Caller memory (R1 points at it) or null (R1 points at the context). */
  mem: Uint8Array | null;
  ctx: Uint8Array;
  pkt: Uint8Array;
  /** Window of pkt the program sees. */
  start: number;
  len: number;
  netOff: number;
}

export const runInputArb: fc.Arbitrary<RunInput> = fc.record({
  mem: fc.option(fc.uint8Array({ minLength: 0, maxLength: 64 }), { freq: 2 }),
  ctx: fc.uint8Array({ minLength: 0, maxLength: 72 }),
  pkt: fc.uint8Array({ minLength: 0, maxLength: 96 }),
  start: fc.nat({ max: 8 }),
  cut: fc.nat({ max: 100 }),
  netOff: fc.constantFrom(-1, 0, 14, 18),
}).map(({ mem, ctx, pkt, start, cut, netOff }) => {
  const s = Math.min(start, pkt.length);
  return { mem, ctx, pkt, start: s, len: Math.min(pkt.length - s, cut < 20 ? cut : pkt.length), netOff };
});

function envFor(input: RunInput, meta: SkbMeta): ExecEnv {
  const env = new ExecEnv();
  env.mem = input.mem ? input.mem.slice() : null;
  env.ctx = input.ctx.slice();
  env.setPacket(input.pkt, input.start, input.len);
  env.meta = { ...meta, netOff: input.netOff };
  return env;
}

/**
 * One run's result. With `packetArgs` (socket-filter inputs only), the engine runs through
 * runPacket with the window as arguments and env's own packet fields pointing at nothing,
 * so a run that still read them would differ; R0's upper half and the steps are then not
 * part of the result (runPacket does not record them).
 */
function outcome(engine: Engine, env: ExecEnv, packetArgs = false): string {
  const viaPacket = packetArgs && env.mem === null;
  let result: string;
  try {
    let lo: number;
    if (viaPacket) {
      const { pkt, pktStart, pktLen } = env;
      env.setPacket(new Uint8Array(0), 0, 0);
      lo = engine.runPacket(env, new DataView(pkt.buffer, pkt.byteOffset, pkt.byteLength), pktStart, pktLen);
    } else {
      lo = engine.run(env);
    }
    result = viaPacket ? `r0 = ${lo.toString(16)}` : `r0 = ${engine.r0hi.toString(16)}:${lo.toString(16)}; steps ${engine.steps}`;
  } catch (e) {
    result = `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
  const mem = env.mem ? Buffer.from(env.mem).toString('hex') : '-';
  return `${result}; mem ${mem}; ctx ${Buffer.from(env.ctx).toString('hex')}`;
}

function build(make: () => Engine): Engine | string {
  try {
    return make();
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

/**
 * Null when both engines agree on every input, else a description of the first difference
 * (with the program listing). `helpers` makes a fresh registry per engine, so stateful
 * helpers see the same calls on both sides.
 */
export function compareEngines(prog: Insn[], inputs: RunInput[], helpers: () => HelperRegistry, budget?: number): string | null {
  const interp = build(() => new Interpreter(prog, { helpers: helpers(), budget }));
  const jit = build(() => new JitEngine(prog, { helpers: helpers(), budget }));
  const listing = (): string => {
    try { return formatAsm(prog); } catch { return JSON.stringify(prog); }
  };
  if (typeof interp === 'string' || typeof jit === 'string') {
    if (interp === jit) return null;
    return `construction: interp ${typeof interp === 'string' ? interp : 'ok'}, jit ${typeof jit === 'string' ? jit : 'ok'}\n${listing()}`;
  }
  const meta = defaultSkbMeta();
  for (let n = 0; n < inputs.length; n++) {
    // Every other input goes through runPacket, so both entries of each engine are compared.
    const want = outcome(interp, envFor(inputs[n]!, meta), n % 2 === 1);
    const got = outcome(jit, envFor(inputs[n]!, meta), n % 2 === 1);
    if (want !== got) {
      return `input ${n} (budget ${budget ?? 'default'}):\n  interp ${want}\n  jit    ${got}\n${listing()}\n--- jit source ---\n${(jit as JitEngine).source(inputs[n]!.mem ? 'mem' : 'ctx', n % 2 === 1 && !inputs[n]!.mem ? 'packet' : 'run')}`;
    }
  }
  return null;
}
