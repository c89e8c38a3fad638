/**
 * The library's edges: the cases issue 10 names, each with the typed error (and message) it
 * gets now, and formatProgram's per-format return types, checked by the TypeScript compiler.
 */
import { describe, expect, it } from 'vitest';
import { srcModule, typeErrors } from '../typecheck.js';
import {
  ArgumentError, ExecEnv, Interpreter, JitEngine, UsageError, VerifyError, assemble, checkClassic, decodeClassic,
  formatProgram, loadSeccompFilter, runClassic, verifyProgram, type ClassicInsn, type Insn, type OutputFormat,
} from '../../src/index.js';
import { encodeClassicRaw, insn } from '../../src/classic/index.js';

/** The error `f` throws (the test fails when it returns). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

/** `tcpdump -ddd ip`. */
const IP: ClassicInsn[] = [insn(0x28, 0, 0, 12), insn(0x15, 0, 1, 0x800), insn(0x06, 0, 0, 0x40000), insn(0x06, 0, 0, 0)];

describe('wrong arguments are ArgumentErrors, usage errors that name the function and the argument', () => {
  it('decodeClassic(null)', () => {
    const e = thrown(() => decodeClassic(null as unknown as string));
    expect(e).toBeInstanceOf(ArgumentError);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as ArgumentError).exitCode).toBe(64);
    expect(e.message).toBe('decodeClassic: input must be a string or bytes (a Uint8Array, an ArrayBuffer or a DataView), not null');
    expect(thrown(() => decodeClassic('4\n', { format: 'tcpdump' as 'raw' })).message)
      .toBe("decodeClassic: opts.format must be 'auto', 'raw', 'ddd', 'dd', 'comma' or 'listing', not \"tcpdump\"");
  });

  it('ArrayBuffer and DataView inputs are bytes', () => {
    const raw = encodeClassicRaw(IP);
    const inside = new Uint8Array(raw.length + 16);
    inside.set(raw, 8);
    expect(decodeClassic(raw.slice().buffer)).toEqual(IP);
    expect(decodeClassic(new DataView(inside.buffer, 8, raw.length))).toEqual(IP);
    expect(loadSeccompFilter(new DataView(encodeClassicRaw([insn(0x06, 0, 0, 0x7fff0000)]).buffer)).evaluate({ syscall: 'read' }).action).toBe('ALLOW');
  });

  it.each([
    ['k', NaN, 'NaN'], ['k', -1, '-1'], ['k', 2 ** 40, '1099511627776'], ['jt', 0.5, '0.5'], ['code', '6', '"6"'],
  ])('checkClassic with %s = %s', (field, value, shown) => {
    const prog = IP.map((i, pc) => (pc === 1 ? { ...i, [field]: value } : i));
    const e = thrown(() => checkClassic(prog));
    expect(e).toBeInstanceOf(ArgumentError);
    expect(e.message).toMatch(new RegExp(`^checkClassic: prog\\[1\\]\\.${field} must be an integer from 0 to \\d+ \\(a u\\d+.*\\), not ${shown.replace(/[.()]/g, '\\$&')}$`));
  });

  it('insn() still takes k as C writes it (SKF_AD_OFF + n is negative)', () => {
    expect(insn(0x20, 0, 0, -0x1000).k).toBe(0xfffff000);
    expect(() => checkClassic([insn(0x20, 0, 0, -0x1000), insn(0x16, 0, 0, 0)])).not.toThrow();
    expect(thrown(() => insn(0x20, 0, 0, 0.5)).message).toBe('insn: k must be an integer, not 0.5');
  });

  it('runClassic(prog, {pkt}) runs with Linux semantics', () => {
    const pkt = new Uint8Array(60);
    pkt[12] = 0x08;
    expect(runClassic(IP, { pkt })).toEqual(runClassic(IP, { pkt }, { semantics: 'linux' }));
    expect(runClassic(IP, { pkt }).ret).toBe(0x40000);
    expect(thrown(() => runClassic(IP, { pkt }, { semantics: 'bsd' as 'linux' })).message)
      .toBe("runClassic: opts.semantics must be 'linux' or 'libpcap', not \"bsd\"");
    expect(thrown(() => runClassic(IP, { pkt: [1, 2] as unknown as Uint8Array })).message).toBe('runClassic: input.pkt must be a Uint8Array, not an array of 2');
  });

  it('verifyProgram(p, {ctx: "bogus"})', () => {
    const p = assemble('mov %r0, 0\nexit');
    expect(thrown(() => verifyProgram(p, { ctx: 'bogus' as 'skb' })).message)
      .toBe("verifyProgram: opts.ctx must be 'skb' or 'seccomp', not \"bogus\"");
    expect(thrown(() => verifyProgram(p, { ctx: { size: -1 } })).message).toBe('verifyProgram: opts.ctx.size must be an integer from 0 to 2147483647, not -1');
    expect(verifyProgram(p, { ctx: { size: 8 } }).ok).toBe(true);
  });

  it('formatProgram(p, "bogus")', () => {
    const e = thrown(() => formatProgram(assemble('exit'), 'bogus' as OutputFormat));
    expect(e).toBeInstanceOf(ArgumentError);
    expect(e.message).toBe("formatProgram: format must be 'listing', 'bin', 'hex', 'json' or 'c', not \"bogus\"");
  });

  it('loadSeccompFilter(undefined)', () => {
    expect(thrown(() => loadSeccompFilter(undefined as unknown as string)).message)
      .toBe('loadSeccompFilter: input must be a path, the bytes of a filter (a Uint8Array, an ArrayBuffer or a DataView) or an array of instructions, not undefined');
  });
});

describe('the engines agree on what they refuse', () => {
  /** The error each engine throws, as [class, message]. */
  const both = (f: (E: typeof Interpreter | typeof JitEngine) => unknown): Array<[string, string]> =>
    [Interpreter, JitEngine].map((E) => {
      const e = thrown(() => f(E));
      return [e.constructor.name, e.message];
    });

  it('an instruction with off 0.5: a VerifyError from both, and from the verifier', () => {
    const p: Insn[] = assemble('mov %r0, 9\nja +0\nexit');
    p[1] = { ...p[1]!, off: 0.5 };
    const want: [string, string] = ['VerifyError', 'insn 1: off must be an integer from -32768 to 32767 (an s16), is 0.5'];
    expect(both((E) => new E(p))).toEqual([want, want]);
    const r = verifyProgram(p);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toBeInstanceOf(VerifyError);
    expect(!r.ok && r.error.message).toBe(want[1]);
    expect(thrown(() => formatProgram(p, 'listing')).message).toBe('formatProgram: prog[1].off must be an integer from -32768 to 32767 (an s16), not 0.5');
  });

  it('runPacket with a window past the view: an ArgumentError from both', () => {
    const p = assemble('ldabsb 70\nexit');
    const view = new DataView(new ArrayBuffer(60));
    const window = 'runPacket: the packet window [0, 100) must lie inside the 60 bytes of the buffer';
    expect(both((E) => new E(p).runPacket(new ExecEnv(), view, 0, 100))).toEqual([['ArgumentError', window], ['ArgumentError', window]]);
    const start = 'runPacket: start must be an integer from 0 to 60, not 0.5';
    expect(both((E) => new E(p).runPacket(new ExecEnv(), view, 0.5, 71))).toEqual([['ArgumentError', start], ['ArgumentError', start]]);
    // The same engine, the same view: a later call is checked as well as the first. (The JIT
    // examines the arguments when a load leaves the view, so these programs load past it.)
    for (const E of [Interpreter, JitEngine]) {
      const engine = new E(assemble('ldabsb 55\nexit'));
      const env = new ExecEnv();
      expect(engine.runPacket(env, view, 0, 60)).toBe(0);
      expect(thrown(() => engine.runPacket(env, view, 10, 60)).message).toBe('runPacket: the packet window [10, 70) must lie inside the 60 bytes of the buffer');
      const ctx = new E(assemble('ldxw %r0, [%r1+0]\nexit'));
      expect(thrown(() => ctx.runPacket({} as ExecEnv, view, 0, 60)).message).toBe('runPacket: env must be an ExecEnv, not an object');
      expect(thrown(() => engine.runPacket(env, new Uint8Array(60) as unknown as DataView, 0, 60)).message)
        .toBe('runPacket: view must be a DataView, not a Uint8Array');
    }
  });

  it('run(env) with a window past env.pkt, or a context that is no Uint8Array: an ArgumentError from both', () => {
    const p = assemble('ldxw %r0, [%r1+0]\nexit');
    const past = (): ExecEnv => {
      const env = new ExecEnv();
      env.setPacket(new Uint8Array(60), 0, 60);
      env.pktLen = 100;
      return env;
    };
    const window = 'run: the packet window [0, 100) must lie inside the 60 bytes of the buffer';
    expect(both((E) => new E(p).run(past()))).toEqual([['ArgumentError', window], ['ArgumentError', window]]);
    const ctx = 'run: env.ctx must be a Uint8Array, not an array of 8';
    const badCtx = (): ExecEnv => Object.assign(new ExecEnv(), { ctx: new Array(8).fill(0) });
    expect(both((E) => new E(p).run(badCtx()))).toEqual([['ArgumentError', ctx], ['ArgumentError', ctx]]);
  });
});

describe("formatProgram's return type follows the format", () => {
  it('type-checks: bytes for bin, text for the others', () => {
    expect(typeErrors([
      // The module itself, not index.ts: the type is the same, and the compiler reads a tenth of the files.
      `import { formatProgram, type OutputFormat } from ${srcModule('ebpf/format')};`,
      `import type { Insn } from ${srcModule('ebpf/insn')};`,
      'declare const p: Insn[];',
      "export const json: string = formatProgram(p, 'json');",
      "export const listing: string = formatProgram(p, 'listing', { annotate: true });",
      "export const bin: Uint8Array = formatProgram(p, 'bin');",
      "// @ts-expect-error: 'bin' gives bytes, not text",
      "export const notText: string = formatProgram(p, 'bin');",
      'declare const any: OutputFormat;',
      'export const either: string | Uint8Array = formatProgram(p, any);',
      '// @ts-expect-error: either one, not text alone',
      'export const notEither: string = formatProgram(p, any);',
    ])).toEqual([]);
  }, 60_000);
});
