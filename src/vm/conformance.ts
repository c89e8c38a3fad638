/**
 * The bpf_conformance suite (github.com/Alan-Jowett/bpf_conformance) run against our
 * interpreter. A `.data` file has sections introduced by `-- name` lines:
 *
 *   -- asm      the program in uBPF syntax (src/ebpf/asm.ts)
 *   -- raw      the program as bytes (`b7 00 ...`) or 64-bit little-endian words (`0x...`);
 *               it wins over `-- asm` when both are present, as upstream
 *   -- mem      hex bytes; R1 points at them and R2 holds their length
 *   -- result   the expected R0 (hex with 0x, or decimal), compared on all 64 bits
 *   -- error    the run must fail; the text (if any) must appear in our message
 *   -- c, -- no register offset   documentation, ignored
 *
 * Any other directive makes the file unusable. Helper 5 is the suite's `unwind` helper:
 * R0 = R1, and the program stops when that is 0.
 *
 * The suite's negative/ directory holds files every runner must refuse: malformed assembly,
 * reserved fields set, no instructions, or an expectation the program does not meet.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { assemble } from '../ebpf/asm.js';
import { decodeProgram } from '../ebpf/encode.js';
import type { Insn } from '../ebpf/insn.js';
import { validateEncoding } from '../ebpf/validate.js';
import { Cbpf2ebpfError } from '../errors.js';
import { readInput } from '../io/input.js';
import { EBPF_TEXT_INPUT } from '../ebpf/limits.js';
import { DEFAULT_BUDGET, Interpreter } from './interp.js';
import { standardHelpers, type HelperRegistry } from './helpers.js';
import { ExecEnv, type Engine } from './types.js';
import { hex64 } from '../hex.js';
import { quotable } from '../text.js';

/** The suite's helper 5 (uBPF's unwind): returns its argument; 0 ends the program. */
export const CONFORMANCE_HELPER_UNWIND = 5;

/** Our standard helpers plus the suite's helper 5. */
export function conformanceHelpers(): HelperRegistry {
  return standardHelpers().register(CONFORMANCE_HELPER_UNWIND, (f) => {
    f.lo[0] = f.lo[1]!;
    f.hi[0] = f.hi[1]!;
    return f.lo[0] !== 0 || f.hi[0] !== 0;
  }, { name: 'unwind', args: 1 });
}

export interface ConformanceTest {
  name: string;
  asm?: string;
  /** Line in the file where the asm section starts (its first line is asmLine + 1). */
  asmLine: number;
  raw?: Uint8Array;
  mem: Uint8Array;
  /** Expected R0 halves. */
  result?: { lo: number; hi: number };
  /** Present when the run must fail; '' accepts any error. */
  error?: string;
  /** Why the file cannot be used as a test at all (unknown directive, bad hex...). */
  unusable?: string;
}

/** Parses the text of a `.data` file. Never throws: problems land in `unusable`. */
export function parseDataFile(text: string, name = '<data>'): ConformanceTest {
  const test: ConformanceTest = { name, asmLine: 0, mem: new Uint8Array(0) };
  const sections = new Map<string, string[]>();
  let current: string[] | null = null;
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    const directive = /^\s*--\s*(.*?)\s*$/.exec(line);
    if (directive) {
      const section = directive[1]!.toLowerCase();
      if (!['asm', 'raw', 'mem', 'result', 'error', 'c', 'no register offset'].includes(section)) {
        test.unusable ??= `line ${n + 1}: unknown directive '-- ${directive[1]}'`;
        current = null;
        continue;
      }
      current = [];
      sections.set(section, current);
      if (section === 'asm') test.asmLine = n + 1;
      continue;
    }
    current?.push(line);
  }
  const strip = (l: string): string => l.replace(/#.*$/, '').trim();
  const asm = sections.get('asm');
  if (asm) test.asm = asm.join('\n');
  const raw = sections.get('raw');
  if (raw) {
    const parsed = parseRaw(raw.map(strip).join(' '));
    if (typeof parsed === 'string') test.unusable ??= `-- raw: ${parsed}`;
    else test.raw = parsed;
  }
  const mem = sections.get('mem');
  if (mem) {
    const parsed = parseHexBytes(mem.map(strip).join(' '));
    if (typeof parsed === 'string') test.unusable ??= `-- mem: ${parsed}`;
    else test.mem = parsed;
  }
  const result = sections.get('result')?.map(strip).find((l) => l !== '');
  if (result !== undefined) {
    const parsed = parseResult(result);
    if (typeof parsed === 'string') test.unusable ??= `-- result: ${parsed}`;
    else test.result = parsed;
  }
  const error = sections.get('error');
  if (error) test.error = error.map((l) => l.trim()).filter((l) => l !== '').join(' ');
  return test;
}

/**
 * Whitespace-separated hex: bytes (`b7 00`, as the suite writes them) or runs of bytes in
 * memory order (`b700000001000000`, as `cbpf2ebpf asm -f hex` writes them).
 */
export function parseHexBytes(text: string): Uint8Array | string {
  const out: number[] = [];
  for (const token of text.split(/\s+/)) {
    if (token === '') continue;
    const t = token.replace(/^0x/i, '');
    if (!/^[0-9a-f]+$/i.test(t) || (t.length > 2 && t.length % 2 !== 0)) return `'${quotable(token)}' is not hex bytes`;
    if (t.length <= 2) out.push(parseInt(t, 16));
    else for (let k = 0; k < t.length; k += 2) out.push(parseInt(t.slice(k, k + 2), 16));
  }
  return Uint8Array.from(out);
}

/** Bytes (`b7 00 ...`) or 64-bit words (`0x00000000000000b7`, little-endian: low byte = opcode). */
function parseRaw(text: string): Uint8Array | string {
  const tokens = text.split(/\s+/).filter((t) => t !== '');
  if (tokens.every((t) => /^(0x)?[0-9a-f]{1,2}$/i.test(t))) return parseHexBytes(text);
  // Otherwise 64-bit words: the value's low byte is the first byte of the instruction.
  const out = new Uint8Array(tokens.length * 8);
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (!/^0x[0-9a-f]{1,16}$/i.test(t)) return `'${quotable(t)}' is neither a hex byte nor a 0x 64-bit word`;
    const digits = t.slice(2).padStart(16, '0');
    for (let b = 0; b < 8; b++) out[k * 8 + b] = parseInt(digits.slice(14 - 2 * b, 16 - 2 * b), 16);
  }
  return out;
}

/** `0x...` hex or decimal, up to 64 bits, as halves. */
function parseResult(text: string): { lo: number; hi: number } | string {
  let v: bigint;
  if (/^0x[0-9a-f]+$/i.test(text)) v = BigInt(text);
  else if (/^-?\d+$/.test(text)) v = BigInt(text);
  else return `'${quotable(text)}' is not a number`;
  if (v < -(1n << 63n) || v >= 1n << 64n) return `${quotable(text)} does not fit 64 bits`;
  const u = BigInt.asUintN(64, v);
  return { lo: Number(BigInt.asIntN(32, u)), hi: Number(BigInt.asIntN(32, u >> 32n)) };
}

export type OutcomeStatus = 'pass' | 'fail' | 'refused';

export interface ConformanceOutcome {
  name: string;
  status: OutcomeStatus;
  /** What happened, one line: the mismatch, or why the file or program was refused. */
  detail: string;
  /** R0 halves when the program ran. */
  r0?: { lo: number; hi: number };
}

/** The program of a test: raw bytes, else the assembled asm section. Throws AsmError/DecodeError. */
export function testProgram(test: ConformanceTest): Insn[] {
  if (test.raw) return decodeProgram(test.raw, test.name);
  if (test.asm !== undefined) {
    // Keep line numbers those of the file.
    return assemble('\n'.repeat(test.asmLine) + test.asm, test.name);
  }
  return [];
}

/** Builds the engine a test runs on (the interpreter by default; the JIT's tests pass theirs). */
export type EngineFactory = (prog: Insn[], opts: { helpers: HelperRegistry; budget: number }) => Engine;

export interface ConformanceRunOptions {
  budget?: number;
  engine?: EngineFactory;
}

const interpreterFactory: EngineFactory = (prog, opts) => new Interpreter(prog, opts);

/**
 * Runs one test. 'pass': the program ran and met the expectation (or failed as `-- error`
 * expected); 'fail': it ran and did not; 'refused': the file, the assembly or the program
 * was refused before running (or faulted with no `-- error` expected).
 */
export function runConformanceTest(test: ConformanceTest, opts: ConformanceRunOptions = {}): ConformanceOutcome {
  const { name } = test;
  if (test.unusable) return { name, status: 'refused', detail: test.unusable };
  let prog: Insn[];
  try {
    prog = testProgram(test);
  } catch (e) {
    return fromError(test, e, 'assembly');
  }
  if (prog.length === 0) return { name, status: 'refused', detail: 'no instructions (neither -- asm nor -- raw has any)' };
  if (test.result === undefined && test.error === undefined) {
    return { name, status: 'refused', detail: 'no expectation (neither -- result nor -- error)' };
  }
  let vm: Engine;
  try {
    validateEncoding(prog);
    vm = (opts.engine ?? interpreterFactory)(prog, { helpers: conformanceHelpers(), budget: opts.budget ?? DEFAULT_BUDGET });
  } catch (e) {
    return fromError(test, e, 'load');
  }
  const env = new ExecEnv();
  env.mem = test.mem.slice();
  let r0: { lo: number; hi: number };
  try {
    const lo = vm.run(env) | 0;
    r0 = { lo, hi: vm.r0hi | 0 };
  } catch (e) {
    return fromError(test, e, 'run');
  }
  const got = hex64(r0.lo, r0.hi);
  if (test.error !== undefined) {
    return { name, status: 'fail', detail: `expected an error${test.error ? ` (${test.error})` : ''}, but the program returned ${got}`, r0 };
  }
  const want = hex64(test.result!.lo, test.result!.hi);
  if (r0.lo !== test.result!.lo || r0.hi !== test.result!.hi) {
    return { name, status: 'fail', detail: `R0 = ${got}, expected ${want}`, r0 };
  }
  return { name, status: 'pass', detail: `R0 = ${got}`, r0 };
}

function fromError(test: ConformanceTest, e: unknown, stage: string): ConformanceOutcome {
  if (!(e instanceof Cbpf2ebpfError)) throw e;
  const message = e.message;
  if (test.error !== undefined && (test.error === '' || message.toLowerCase().includes(test.error.toLowerCase()))) {
    return { name: test.name, status: 'pass', detail: `${stage} failed as expected: ${message}` };
  }
  return { name: test.name, status: 'refused', detail: `${stage}: ${message}` };
}

export interface SuiteReport {
  /** Outcomes of tests/*.data; every one should pass. */
  tests: ConformanceOutcome[];
  /** Outcomes of negative/*.data; none should pass. */
  negative: ConformanceOutcome[];
}

/** The `.data` files of a directory, sorted by name (none if it does not exist). */
export function dataFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith('.data')).sort().map((n) => join(dir, n));
}

export function runConformanceFile(path: string, opts: ConformanceRunOptions = {}): ConformanceOutcome {
  const name = `${basename(join(path, '..'))}/${basename(path)}`;
  return runConformanceTest(parseDataFile(new TextDecoder().decode(readInput(path, EBPF_TEXT_INPUT)), name), opts);
}

/** Runs `<suite>/tests` and `<suite>/negative`. */
export function runConformanceSuite(suiteDir: string, opts: ConformanceRunOptions = {}): SuiteReport {
  return {
    tests: dataFiles(join(suiteDir, 'tests')).map((f) => runConformanceFile(f, opts)),
    negative: dataFiles(join(suiteDir, 'negative')).map((f) => runConformanceFile(f, opts)),
  };
}

/**
 * A negative file is handled correctly unless its program assembled, loaded, ran and met
 * its `-- result`. (One whose `-- error` we reproduce was refused, as it should be.)
 */
export const negativeRefused = (o: ConformanceOutcome): boolean => !(o.status === 'pass' && o.r0 !== undefined);
