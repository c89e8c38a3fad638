/**
 * The error contract of the public API, fuzzed in process: every function, constructor and
 * method that src/index.ts and the subpaths export (cbpf2ebpf/classic, /ebpf, /capture,
 * /replay, /seccomp) and the
 * matchers of `cbpf2ebpf/vitest`, called 10^5 times with wrong types and values mixed with
 * right ones, may return or throw only the project's typed errors (Cbpf2ebpfError), never a
 * TypeError, RangeError or anything else. CBPF2EBPF_SEED=N replays a failed run (setup-seed.ts).
 *
 * The run happens in an empty temporary directory, so that a writer handed a made-up path
 * writes there; no value names stdin (`-`) or a descriptor, which a reader would block on.
 */
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SkbMeta } from '../../src/abi/ctx.js';
import * as captureApi from '../../src/capture/index.js';
import * as classicApi from '../../src/classic/index.js';
import type { ClassicInsn } from '../../src/classic/insn.js';
import * as ebpfApi from '../../src/ebpf/index.js';
import type { Insn } from '../../src/ebpf/insn.js';
import * as top from '../../src/index.js';
import * as replayApi from '../../src/replay/index.js';
import { seccompMatchers } from '../../src/seccomp/vitest.js';

/** Every entry point's exports in one object (the same names mean the same values). */
const api = { ...top, ...classicApi, ...ebpfApi, ...captureApi, ...replayApi };

const CALLS = 100_000;
const BATCH = 10;
const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const CAPTURE = fileURLToPath(new URL('../../fixtures/captures/generated/mix-en10mb.pcap', import.meta.url));

/** Something to call, and how many arguments it declares. */
interface Target {
  readonly name: string;
  readonly arity: number;
  readonly call: (args: unknown[]) => unknown;
}

const isClass = (f: unknown): f is new (...a: unknown[]) => unknown =>
  typeof f === 'function' && /^class\b/.test(Function.prototype.toString.call(f));

/** A CaptureReader takes a descriptor: only values its check refuses may reach it. */
const readsDescriptor = new Set(['CaptureReader']);

/** Valid inputs, made fresh for every call (the API may write into what it is given). */
const classicProg = (): ClassicInsn[] => [
  api.insn(0x28, 0, 0, 12), api.insn(0x15, 0, 1, 0x800), api.insn(0x06, 0, 0, 0xffff), api.insn(0x06, 0, 0, 0),
];
const seccompProg = (): ClassicInsn[] => [
  api.insn(0x20, 0, 0, 4), api.insn(0x15, 0, 1, 0xc000003e), api.insn(0x06, 0, 0, 0x7fff0000), api.insn(0x06, 0, 0, 0),
];
const ebpfProg = (): Insn[] => api.assemble('mov %r6, %r1\nldabsh 12\nexit');
const skbMeta = (): SkbMeta => ({ ...api.defaultSkbMeta(), len: 60 });
const envWithPacket = (): top.ExecEnv => {
  const env = new api.ExecEnv();
  env.ctx = new Uint8Array(api.SKB_CTX_SIZE);
  env.setPacket(new Uint8Array(60), 0, 60);
  return env;
};

/** A value with one field replaced. */
const withField = <T extends object>(make: () => T, field: string, value: unknown) => (): T => ({ ...make(), [field]: value });
/** A program with one instruction's field replaced. */
const progWith = <T extends object>(make: () => T[], field: string, value: unknown) => (): T[] => {
  const p = make();
  p[1] = { ...p[1]!, [field]: value };
  return p;
};

/** A copy of plain objects and arrays, all the way down (functions and symbols as they are). */
function copy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(copy) as T;
  if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)])) as T;
  }
  return v;
}

const BAD_NUMBERS = [NaN, -1, 0.5, 2 ** 40, Infinity, -Infinity, 2 ** 32, -(2 ** 31) - 1, '1', undefined, null];

/** The values arguments are drawn from: wrong ones of every kind, and right ones to get past the first check. */
const VALUES: ReadonlyArray<() => unknown> = [
  // Primitives
  () => undefined, () => null, () => true, () => false, () => 0, () => 1, () => -1, () => 0.5, () => NaN, () => Infinity,
  () => -Infinity, () => 2 ** 31, () => 2 ** 32, () => 2 ** 40, () => -(2 ** 31) - 1, () => 12, () => 64,
  () => 1n, () => -1n, () => 2n ** 70n,
  () => '', () => ' ', () => 'bogus', () => '0x', () => '\0', () => 'é', () => 'toString', () => '__proto__', () => Symbol('s'),
  // Words the API knows
  () => 'linux', () => 'libpcap', () => 'json', () => 'bin', () => 'listing', () => 'c', () => 'hex', () => 'raw', () => 'ddd',
  () => 'skb', () => 'seccomp', () => 'socket', () => 'x86_64', () => 's390x', () => 'read', () => 'openat', () => 'EACCES',
  () => 'ALLOW', () => 'ERRNO(1)', () => 'jit', () => 'interp', () => 'classic', () => 'little', () => 'big', () => 'auto',
  () => 'nr', () => 'arg', () => 'pcapng', () => 'ns', () => 'ctx', () => 'mem', () => 'run', () => 'packet',
  // Containers
  () => ({}), () => [], () => [1, 2], () => [null], () => ({ length: 3 }), () => Object.create(null), () => new Date(0), () => new Map(),
  () => () => undefined, () => () => 1,
  () => new Uint8Array(0), () => new Uint8Array(8), () => new Uint8Array(64), () => Uint8Array.from({ length: 80 }, (_, i) => i * 37),
  () => new ArrayBuffer(16), () => new DataView(new ArrayBuffer(64)), () => new DataView(new ArrayBuffer(64), 8, 16),
  () => new Int32Array(4),
  () => api.encodeClassicRaw(classicProg()), () => new TextEncoder().encode('4\n40 0 0 12\n21 0 1 2048\n6 0 0 65535\n6 0 0 0\n'),
  () => new TextEncoder().encode('A = arch\nreturn ALLOW\n'),
  // Programs, right and wrong
  classicProg, seccompProg, ebpfProg, () => [api.insn(0x06, 0, 0, 0)],
  ...BAD_NUMBERS.flatMap((v) => ['code', 'jt', 'k'].map((f) => progWith(classicProg, f, v))),
  ...BAD_NUMBERS.flatMap((v) => ['off', 'imm', 'dst'].map((f) => progWith(ebpfProg, f, v))),
  () => [...classicProg(), 5], () => [...ebpfProg(), null], () => [api.insn(0x15, 0, 200, 0), api.insn(0x06, 0, 0, 0)],
  () => [{ code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 }, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }],
  // Contexts, right and wrong
  () => new api.ExecEnv(), envWithPacket, withField(envWithPacket, 'pktLen', 1e9), withField(envWithPacket, 'pkt', 'x'),
  skbMeta, withField(skbMeta, 'len', -1), withField(skbMeta, 'netOff', 0.5), withField(skbMeta, 'protocol', undefined),
  () => api.standardHelpers(), () => new api.HelperRegistry(), () => api.defaultLinkOptions(), () => new api.CaptureRecord(),
  () => api.seccomp.ARCHES[0], () => ({ name: 'x86_64' }), () => ({ name: 'bogus' }),
  () => ({ buf: new Uint8Array(60), start: 0, caplen: 60, wirelen: 60 }),
  () => ({ buf: new Uint8Array(60), start: 50, caplen: 60, wirelen: 60 }),
  // Options, right and wrong
  ...[
    { ctx: 'bogus' }, { ctx: { size: -1 } }, { ctx: { size: 8 } }, { format: 'bogus' }, { format: 'json' }, { semantics: 'bogus' },
    { semantics: 'libpcap' }, { budget: -1 }, { budget: 0.5 }, { budget: 10 }, { helpers: 'x' }, { helpers: () => 'x' }, { helpers: () => ({ args: 9 }) },
    { profile: 'x' }, { profile: 'seccomp' }, { arch: 'bogus' }, { arch: 5 }, { arch: 'x86_64' }, { endian: 'middle' }, { source: 5 },
    { engine: 'toString' }, { engine: 'classic' }, { link: 5 }, { trace: { packet: 0 } }, { trace: () => 1 }, { bufferSize: 1 },
    { linktype: -1 }, { linktype: 1 }, { linktype: 1, format: 'pcapng', moreInterfaces: [{}] }, { checked: 'yes' }, { checked: true },
    { annotate: 1 }, { origin: [1] }, { classic: [1] }, { seed: 0.5 }, { args: 9 }, { name: 5 }, { maxInsns: 0 }, { maxProcessed: -1 },
    { syscall: 'read' }, { syscall: 'read', arch: 'x86_64', args: [1, 2n, '0x3'] }, { syscall: {}, args: 'x' }, { syscall: 'read', args: [{}] },
    { syscall: 'read', ip: Symbol('ip') }, { syscall: 1, auditArch: 0.5 }, { pkt: new Uint8Array(4) }, { pkt: 'x' }, { pkt: new Uint8Array(4), meta: {} },
    { errnoNames: 'y' }, { header: 0 }, { raw: 'no' }, { keepGoing: 1 }, { onError: 5 }, { write: 5 }, { collect: 'y' }, { onPacket: 1 },
    { vlan: 'x' }, { packet: 1 }, { steps: 5 }, { cases: 5, otherwise: {} }, { isTTY: true, write: () => true },
  ].map((o) => () => copy(o)),
];

const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...VALUES).map((make) => make()) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 8 }).filter((s) => s !== '-'), fc.uint8Array({ maxLength: 80 })) },
);

/** Instances whose methods are called; made once, checked by construction to be right. */
function instances(): Array<[string, object]> {
  const filter = api.loadSeccompFilter(seccompProg());
  const jit = new api.JitEngine(ebpfProg());
  const writer = api.CaptureWriter.create('out.pcap', { linktype: 1 });
  return [
    ['ExecEnv', new api.ExecEnv()], ['HelperRegistry', api.standardHelpers()], ['Interpreter', new api.Interpreter(ebpfProg())],
    ['JitEngine', jit], ['SeccompFilter', filter], ['CaptureRecord', new api.CaptureRecord()], ['TimeBase', new api.TimeBase(9)],
    ['CaptureWriter', writer], ['ChunkedWriter', new api.ChunkedWriter(() => undefined)],
    ['ProgressBar', new api.ProgressBar({ write: () => true }, 100)], ['ReplayPacket', new api.ReplayPacket()],
    ['CaptureStream', api.openCapture('missing.pcap')],
    ['CaptureReader', api.CaptureReader.open(CAPTURE)], ['ReplaySession', new api.ReplaySession(classicProg(), CAPTURE)],
  ];
}

/**
 * The public members of every class in src/, from the source: TypeScript's `private` is
 * gone at run time, and a private method is no entry point.
 */
function publicMembersByClass(): Map<string, Set<string>> {
  const byClass = new Map<string, Set<string>>();
  const visit = (file: string): void => {
    const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
    src.forEachChild((node) => {
      if (!ts.isClassDeclaration(node) || !node.name) return;
      // 'constructor' stands for `new`, unless the class keeps its constructor private.
      const names = new Set<string>(['constructor']);
      for (const m of node.members) {
        if (ts.isConstructorDeclaration(m) && ts.getCombinedModifierFlags(m) & ts.ModifierFlags.Private) names.delete('constructor');
        const hidden = ts.getCombinedModifierFlags(m) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected);
        const isMember = ts.isMethodDeclaration(m) || ts.isPropertyDeclaration(m);
        if (!hidden && m.name && ts.isIdentifier(m.name) && isMember) names.add(m.name.text);
      }
      byClass.set(node.name.text, names);
    });
  };
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.ts')) visit(join(dir, e.name));
    }
  };
  walk(SRC);
  return byClass;
}

function methodsOf(label: string, obj: object, publicMembers: ReadonlySet<string>): Target[] {
  return [...publicMembers].filter((n) => n !== 'constructor').flatMap((n) => {
    const f = (obj as Record<string, unknown>)[n];
    if (typeof f !== 'function') return [];
    return [{ name: `${label}.${n}`, arity: f.length, call: (args: unknown[]) => (f as (...a: unknown[]) => unknown).apply(obj, args) }];
  });
}

function targets(): Target[] {
  const out: Target[] = [];
  const members = publicMembersByClass();
  const add = (prefix: string, ns: Record<string, unknown>): void => {
    for (const [name, v] of Object.entries(ns)) {
      if (typeof v !== 'function') continue;
      // Errors are what the contract promises; constructing one is not an operation on input.
      if (v === Error || v.prototype instanceof Error) continue;
      const label = `${prefix}${name}`;
      if (isClass(v)) {
        if (!readsDescriptor.has(name) && members.get(name)?.has('constructor')) out.push({ name: `new ${label}`, arity: v.length, call: (args) => new v(...args) });
        for (const s of Object.getOwnPropertyNames(v)) {
          const f = (v as unknown as Record<string, unknown>)[s];
          if (typeof f === 'function' && !['length', 'name', 'prototype'].includes(s)) {
            out.push({ name: `${label}.${s}`, arity: f.length, call: (args) => (f as (...a: unknown[]) => unknown).apply(v, args) });
          }
        }
      } else {
        out.push({ name: label, arity: v.length, call: (args) => (v as (...a: unknown[]) => unknown)(...args) });
      }
    }
  };
  // The top level and the subpaths, merged (api above): each function once.
  add('', api as unknown as Record<string, unknown>);
  add('seccomp.', api.seccomp as unknown as Record<string, unknown>);
  for (const [name, m] of Object.entries(seccompMatchers)) {
    out.push({ name: `matchers.${name}`, arity: m.length, call: (args) => (m as (...a: unknown[]) => unknown).apply({ isNot: false }, args) });
  }
  for (const [label, obj] of instances()) {
    const names = members.get(label);
    if (!names) throw new Error(`no class ${label} in src/`);
    out.push(...methodsOf(label, obj, names));
  }
  // The descriptor a CaptureReader reads is never one a value here could name.
  out.push({ name: 'new CaptureReader', arity: 4, call: (args) => new api.CaptureReader(...(args.map((a, i) => (i === 0 && Number.isInteger(a) && (a as number) >= 0 ? -1 : a)) as [number, string])) });
  return out;
}

/** Runs one call to its end: awaits a promise, drains an async iterable. */
async function settle(result: unknown): Promise<void> {
  if (result instanceof Promise) await result;
  else if (result instanceof api.CaptureStream) for await (const _ of result) { /* drain */ }
}

/** The failure to report for an untyped error: the call made again with stacks on, to show where it came from. */
async function untyped(target: Target, args: unknown[], e: unknown): Promise<Error> {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 20;
  try {
    await settle(target.call(args));
  } catch (again) {
    e = again;
  } finally {
    Error.stackTraceLimit = limit;
  }
  return new Error(`${target.name} threw ${(e as Error)?.name ?? typeof e}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

describe('the public API throws only typed errors', () => {
  const cwd = process.cwd();
  const dir = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-fuzz-'));
  // Nearly every call throws, and capturing a stack costs more than most calls.
  const stackTraceLimit = Error.stackTraceLimit;
  beforeAll(() => {
    process.chdir(dir);
    Error.stackTraceLimit = 0;
  });
  afterAll(() => {
    Error.stackTraceLimit = stackTraceLimit;
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });

  it(`for ${CALLS} calls with wrong types and values`, async () => {
    const all = targets();
    expect(all.length).toBeGreaterThan(200);
    const call = fc.nat({ max: all.length - 1 }).chain((t) =>
      fc.tuple(fc.constant(all[t]!), fc.array(anyValue, { maxLength: all[t]!.arity + 1 })));
    // Calls in batches: fast-check's own cost per run is larger than most calls'.
    const batch = fc.array(call, { minLength: BATCH, maxLength: BATCH });
    const seen = new Set<string>();
    await fc.assert(fc.asyncProperty(batch, async (calls) => { for (const [target, args] of calls) {
      seen.add(target.name);
      try {
        await settle(target.call(args));
      } catch (e) {
        if (!(e instanceof api.Cbpf2ebpfError)) throw await untyped(target, args, e);
        // The CLI prints the message as its one line.
        if (e.message.includes('\n')) throw new Error(`${target.name} threw a message of several lines: ${JSON.stringify(e.message)}`);
      }
    } }), { numRuns: CALLS / BATCH });
    expect(seen.size).toBe(all.length);
  }, 120_000);
});
