/**
 * The VM as a library user reaches it, through the package entry (src/index.ts): assemble,
 * verify with a helper of one's own, run on both engines, by run(env) and by runPacket.
 */
import { describe, expect, it } from 'vitest';
import { ExecEnv, Interpreter, JitEngine, VerifyError, assemble, standardHelpers, verifyProgram } from '../../src/index.js';

/** A helper of the user's own, id 0x20000: R0 = R1 * 2. */
const withDouble = () => standardHelpers().register(0x20000, (f) => { f.lo[0] = f.lo[1]! * 2; f.hi[0] = 0; }, { name: 'double', args: 1 });

const PROG = assemble(`
  mov %r6, %r1
  ldabsb 12
  mov %r1, %r0
  call 0x20000
  exit
`);

describe('the VM from the package entry', () => {
  it('verifies a program that calls a registered helper, and refuses it without the helper', () => {
    const helpers = withDouble();
    expect(verifyProgram(PROG, { helpers: (id) => helpers.get(id) }).ok).toBe(true);
    const without = verifyProgram(PROG);
    expect(without.ok).toBe(false);
    expect(!without.ok && without.error).toBeInstanceOf(VerifyError);
  });

  it('runs it on the interpreter and the JIT, through run(env) and runPacket', () => {
    const packet = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
    for (const engine of [new Interpreter(PROG, { helpers: withDouble() }), new JitEngine(PROG, { helpers: withDouble() })]) {
      const env = new ExecEnv();
      const view = new DataView(packet.buffer);
      expect(engine.runPacket(env, view, 0, packet.length)).toBe(26); // packet[12] = 13, doubled
      env.setPacket(packet, 1, packet.length - 1);
      expect(engine.run(env)).toBe(28);
      expect(engine.steps).toBe(5);
      expect(engine.runPacket(env, view, 0, 12)).toBe(0); // the load fails: the program returns 0
    }
  });
});
