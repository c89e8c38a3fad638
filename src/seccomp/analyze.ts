/**
 * What a seccomp filter does, for every syscall of an arch, found by exploring all of its
 * paths (explore.ts) instead of trying sample inputs; and the known mistakes: no arch check
 * before the syscall number, the x32 bypass on x86_64, unreachable instructions, and a
 * default action of ALLOW.
 */
import { argFail, checkArray, checkInteger, checkObject, checkString, optInteger } from '../args.js';
import { checkClassic } from '../classic/check.js';
import { type ClassicInsn, type ClassicProgram, classicSuccessors } from '../classic/insn.js';
import { checkClassicProgram } from '../classic/shape.js';
import { BPF_RET } from '../abi/opcodes.js';
import { hex, hex64Short } from '../hex.js';
import { decodeAction, formatAction } from './actions.js';
import { archesByAudit, checkArch, type SeccompArch, toArch, X32_SYSCALL_BIT } from './arch.js';
import { fieldAt } from './data.js';
import { lineNumber } from './disasm.js';
import {
  type Domain, FULL, complementDomain, formatDomain, intersectDomain, log2Size, pointDomain, pointOf, rangesDomain, sameDomain,
} from './domain.js';
import {
  AnalysisBudgetError, type Box, type Exploration, type Sym, WORD_ARCH, WORD_NR, WORDS, exploreSeccomp, wordsOf,
} from './explore.js';
import { syscallArch, syscallTable } from './syscalls/index.js';

/** One answer of a filter: a return value (or, for `ret a`, the symbol it returns). */
export interface Verdict {
  /** The constant returned, or null when the filter returns A holding an input-derived value. */
  readonly value: number | null;
  /** libseccomp spelling (`ERRNO(1)`), or `A = <expression>` for a returned symbol. */
  readonly text: string;
  /** The RET instructions that give it. */
  readonly pcs: readonly number[];
}

export interface OutcomeCase extends Verdict {
  /** Conditions of one path, to be read joined by `&&`. */
  readonly conditions: readonly string[];
  /** The AUDIT_ARCH value the path requires, when it requires exactly one. */
  readonly arch?: number;
  /** The syscall number the path requires, when it requires exactly one. */
  readonly nr?: number;
}

/**
 * The outcomes of one region of the input space: `cases` hold the paths whose verdict
 * differs from `otherwise`, each with its conditions; every input that matches none of them
 * gets `otherwise`. Unconditional outcomes have no cases.
 */
export interface Outcome {
  readonly cases: readonly OutcomeCase[];
  readonly otherwise: Verdict;
  /** What the outcome depends on besides the fixed fields: 'args', 'ip', 'nr', 'arch'. */
  readonly depends: readonly ('args' | 'ip' | 'nr' | 'arch')[];
}

export interface SyscallSummary {
  readonly name: string;
  readonly nr: number;
  /** When `exceeded`, a placeholder whose `otherwise` says so (value null). */
  readonly outcome: Outcome;
  /** The analysis budget ran out on this syscall: its outcome is unknown. */
  readonly exceeded?: true;
}

export type WarningKind =
  | 'no-arch-check' | 'x32-bypass' | 'unreachable' | 'default-allow'
  | 'socketcall-open' | 'low-32-bits' | 'x32-reachable' | 'twin-allowed' | 'io-uring-allowed';

export interface SeccompWarning {
  readonly kind: WarningKind;
  readonly message: string;
  /** Instructions concerned. */
  readonly pcs: readonly number[];
  /** Syscalls concerned. */
  readonly syscalls?: readonly string[];
}

export interface SeccompSummary {
  readonly arch: SeccompArch;
  /** Every syscall of the arch's table, by number. */
  readonly syscalls: readonly SyscallSummary[];
  /** x86_64 only: the x32 calls (nr | 0x40000000), which share x86_64's AUDIT_ARCH. */
  readonly x32?: readonly SyscallSummary[];
  /**
   * Over the syscall numbers no table entry of this summary names (x86_64: neither x86_64's
   * nor x32's), every value of nr included; the default is its `otherwise`, the verdict of most
   * of the arch's own numbers (below 0x40000000; x32: 0x40000000 to 0x7fffffff).
   */
  readonly numbers: Outcome;
  /** For `seccomp_data.arch` values other than this arch's. */
  readonly otherArches: Outcome;
  readonly warnings: readonly SeccompWarning[];
  /** Instructions that no input of any arch reaches (the warning leaves out lone filler `ret`s). */
  readonly unreachable: readonly number[];
  readonly stats: { readonly explorations: number; readonly steps: number; readonly paths: number };
  /** Syscalls (by name) whose analysis ran out of budget. */
  readonly exceeded: readonly string[];
}

export interface AnalyzeOptions {
  readonly arch: SeccompArch | string;
  /**
   * Operation budget of the whole summary (default 40,000,000). One exploration may use at
   * most a quarter of it; a syscall that needs more is reported as exceeded, the rest stand.
   */
  readonly budget?: number;
}

export const DEFAULT_BUDGET = 40_000_000;

/** Names of the input words for an arch's byte order: `nr`, `(u32)args[0]`, `args[0] >> 32`... */
function wordName(w: number, endian: 'little' | 'big'): string {
  const f = fieldAt(4 * w, endian)!;
  switch (f.field) {
    case 'nr': return 'nr';
    case 'arch': return 'arch';
    case 'ip': return f.high ? 'ip >> 32' : '(u32)ip';
    case 'arg': return f.high ? `args[${f.index}] >> 32` : `(u32)args[${f.index}]`;
  }
}

const SHIFT_OPS = new Set(['<<', '>>']);

/** A symbol as a C-like expression. */
export function formatSym(s: Sym, endian: 'little' | 'big'): string {
  switch (s.t) {
    case 'const': return hex(s.v);
    case 'word': return wordName(s.w, endian);
    case 'expr': {
      const a = formatSym(s.a, endian);
      if (!s.b) return `-${a}`;
      const b = s.b.t === 'const' && SHIFT_OPS.has(s.op) ? String(s.b.v) : formatSym(s.b, endian);
      return `(${a} ${s.op} ${b})`;
    }
  }
}

function verdictOf(value: Sym, endian: 'little' | 'big'): { key: string; value: number | null; text: string } {
  if (value.t === 'const') return { key: value.key, value: value.v, text: formatAction(value.v) };
  return { key: value.key, value: null, text: `A = ${formatSym(value, endian)}` };
}

/**
 * The widest ranges that mean `d` among the starting values: the values the start excludes
 * may be added (`nr >= 0x40000000` reads better than the same range less the x32 table).
 */
function simplest(d: Domain, start: Domain | undefined): Domain {
  if (!start || start.zero || start.one || start.any.length || d.zero || d.one || d.any.length) return d;
  const excluded = complementDomain(start)[0];
  if (!excluded || d.ranges.length === 0) return d;
  // The ends of a gap of `d` made of values the start excludes need not be said.
  const ex = excluded.ranges;
  const fill: number[] = [];
  const r = d.ranges;
  const gaps: Array<[number, number]> = [];
  if (r[0]! > 0) gaps.push([0, r[0]! - 1]);
  for (let i = 1; i + 1 < r.length; i += 2) gaps.push([r[i]! + 1, r[i + 1]! - 1]);
  if (r[r.length - 1]! < 0xffffffff) gaps.push([r[r.length - 1]! + 1, 0xffffffff]);
  for (const [lo, hi] of gaps) {
    for (let j = 0; j < ex.length; j += 2) {
      const a = Math.max(lo, ex[j]!);
      const b = Math.min(hi, ex[j + 1]!);
      // The whole gap, or a part that extends a range of `d` (never one that starts a new range).
      if (a <= b && ((a === lo && b === hi) || (a === lo && lo > 0) || (b === hi && hi < 0xffffffff))) fill.push(a, b);
    }
  }
  return fill.length ? { ...d, ranges: rangesDomain([...r, ...fill]).ranges } : d;
}

/** The conditions a box adds to the starting domains. */
export function boxConditions(l: Box, initial: Exploration['initial'], endian: 'little' | 'big'): string[] {
  const changed = new Map<string, { sym: Sym; domain: Domain }>();
  for (const [key, entry] of l.doms) {
    const start = initial.get(key)?.domain ?? FULL;
    if (!sameDomain(start, entry.domain)) changed.set(key, entry);
  }
  const effective = (w: number): Domain => l.doms.get(`w${w}`)?.domain ?? initial.get(`w${w}`)?.domain ?? FULL;
  const out: string[] = [];
  const done = new Set<string>();
  for (const [key, { sym, domain }] of changed) {
    if (done.has(key)) continue;
    if (sym.t === 'word' && sym.w >= 2) {
      // A 64-bit field whose two halves are both fixed reads best as one 64-bit value.
      const f = fieldAt(4 * sym.w, endian)!;
      const lowWord = f.high ? (endian === 'big' ? sym.w + 1 : sym.w - 1) : sym.w;
      const highWord = f.high ? sym.w : (endian === 'big' ? sym.w - 1 : sym.w + 1);
      const lo = pointOf(effective(lowWord));
      const hi = pointOf(effective(highWord));
      if (lo !== undefined && hi !== undefined) {
        const name = f.field === 'ip' ? 'ip' : `args[${f.index}]`;
        out.push(`${name} == 0x${hex64Short(lo, hi)}`);
        done.add(`w${lowWord}`);
        done.add(`w${highWord}`);
        continue;
      }
    }
    if (sym.t === 'word' && sym.w === WORD_ARCH) {
      const p = pointOf(domain);
      const name = p === undefined ? undefined : archesByAudit(p)[0]?.auditName;
      if (name) { out.push(`arch == ${name}`); done.add(key); continue; }
    }
    if (sym.t === 'word' && sym.w === WORD_NR) {
      // A number under a known arch reads best as its name.
      const p = pointOf(domain);
      const audit = pointOf(effective(WORD_ARCH));
      const arch = audit === undefined ? undefined : archesByAudit(audit)[0];
      const table = arch && p !== undefined ? syscallArch(arch, p) : undefined;
      const name = table && p !== undefined ? syscallTable(table).byNumber.get(p) : undefined;
      if (name) { out.push(`nr == ${table!.name === 'x32' ? 'x32:' : ''}${name}`); done.add(key); continue; }
    }
    out.push(formatDomain(formatSym(sym, endian), simplest(domain, initial.get(key)?.domain)));
    done.add(key);
  }
  for (const fact of l.facts) {
    const a = formatSym(fact.left, endian);
    const b = formatSym(fact.right, endian);
    out.push(fact.relation === '&' ? `(${a} & ${b})` : fact.relation === '!&' ? `!(${a} & ${b})` : `${a} ${fact.relation} ${b}`);
  }
  return out;
}

/**
 * How much of the input space a box covers, in log2, relative to the starting domains; with
 * `native`, only the syscall numbers in it count (the default is the arch's own numbers').
 */
function boxVolume(b: Box, initial: Exploration['initial'], native?: Domain): number {
  let v = -b.facts.length;
  for (const [key, { domain }] of b.doms) {
    if (key === `w${WORD_NR}`) continue;
    v += log2Size(domain) - log2Size(initial.get(key)?.domain ?? FULL);
  }
  const nr = b.doms.get(`w${WORD_NR}`)?.domain ?? initial.get(`w${WORD_NR}`)?.domain ?? FULL;
  const base = initial.get(`w${WORD_NR}`)?.domain ?? FULL;
  if (native) {
    const inside = intersectDomain(nr, native);
    return inside ? v + log2Size(inside) : -Infinity;
  }
  return v + log2Size(nr) - log2Size(base);
}

function dependsOf(x: Exploration): Outcome['depends'] {
  const found = new Set<'args' | 'ip' | 'nr' | 'arch'>();
  const note = (words: number): void => {
    for (let w = 0; w < WORDS; w++) {
      if (!(words & (1 << w))) continue;
      found.add(w === WORD_NR ? 'nr' : w === WORD_ARCH ? 'arch' : w < 4 ? 'ip' : 'args');
    }
  };
  for (const v of x.verdicts) {
    for (const b of v.boxes ?? []) {
      for (const [key, { sym, domain }] of b.doms) {
        if (!sameDomain(x.initial.get(key)?.domain ?? FULL, domain)) note(wordsOf(sym));
      }
      for (const f of b.facts) note(wordsOf(f.left) | wordsOf(f.right));
    }
    if (v.value.t !== 'const') note(wordsOf(v.value));
  }
  const order = ['nr', 'arch', 'args', 'ip'] as const;
  return order.filter((d) => found.has(d));
}

/**
 * Groups the verdicts of an exploration into an Outcome: the one covering most inputs (of
 * the `native` syscall numbers, when given) is `otherwise`, the others are cases.
 */
export function outcomeOf(x: Exploration, endian: 'little' | 'big', native?: Domain): Outcome {
  let main: { i: number; volume: number } | undefined;
  let rest = 0;
  x.verdicts.forEach((v, i) => {
    let volume = -Infinity;
    if (v.boxes === null) { volume = Infinity; rest++; } else {
      let sum = 0;
      for (const b of v.boxes) sum += 2 ** boxVolume(b, x.initial, native);
      volume = sum;
    }
    if (!main || volume > main.volume) main = { i, volume };
  });
  if (!main) throw new Error('a filter always returns: an exploration has at least one verdict');
  // Two verdicts whose regions are both too large to keep: neither can be told as the rest.
  if (rest > 1) throw new AnalysisBudgetError(x.steps);
  const cases: OutcomeCase[] = [];
  x.verdicts.forEach((g, i) => {
    if (i === main!.i) return;
    const v = verdictOf(g.value, endian);
    for (const b of g.boxes!) {
      const arch = pointOf(b.doms.get(`w${WORD_ARCH}`)?.domain ?? x.initial.get(`w${WORD_ARCH}`)?.domain ?? FULL);
      const nr = pointOf(b.doms.get(`w${WORD_NR}`)?.domain ?? x.initial.get(`w${WORD_NR}`)?.domain ?? FULL);
      cases.push({
        value: v.value, text: v.text, pcs: g.pcs, conditions: boxConditions(b, x.initial, endian),
        ...(arch !== undefined ? { arch } : {}), ...(nr !== undefined ? { nr } : {}),
      });
    }
  });
  const m = x.verdicts[main.i]!;
  const mv = verdictOf(m.value, endian);
  return {
    cases,
    otherwise: { value: mv.value, text: mv.text, pcs: m.pcs },
    depends: x.verdicts.length > 1 ? dependsOf(x) : [],
  };
}

/** `ALLOW`, or `args[0] == 0x1 -> ERRNO(1); otherwise ALLOW`. */
export function outcomeText(o: Outcome): string {
  checkOutcome('outcomeText', 'o', o);
  if (o.cases.length === 0) return o.otherwise.text;
  const parts = o.cases.map((c) => `${c.conditions.length ? c.conditions.join(' && ') : 'always'} -> ${c.text}`);
  return `${parts.join('; ')}; otherwise ${o.otherwise.text}`;
}

/** Starting domains for one arch: its AUDIT_ARCH, and zero high halves on 32-bit arches. */
export function archWords(arch: SeccompArch, nr?: number): Map<number, Domain> {
  const m = new Map<number, Domain>([[WORD_ARCH, pointDomain(arch.audit)]]);
  if (nr !== undefined) m.set(WORD_NR, pointDomain(nr));
  if (arch.bits === 32) {
    for (let w = 2; w < WORDS; w++) if (fieldAt(4 * w, arch.endian)!.high) m.set(w, pointDomain(0));
  }
  return m;
}

interface Counter { explorations: number; steps: number; paths: number; left: number; share: number }

function counter(budget: number): Counter {
  return { explorations: 0, steps: 0, paths: 0, left: budget, share: Math.max(1, Math.floor(budget / 4)) };
}

function run(prog: ClassicProgram, words: Map<number, Domain>, c: Counter, skipReach = true): Exploration {
  const budget = Math.min(c.left, c.share);
  if (budget <= 0) throw new AnalysisBudgetError(0);
  try {
    const x = exploreSeccomp(prog, { words, budget, skipReach });
    c.explorations++;
    c.steps += x.steps;
    c.left -= x.steps;
    c.paths += x.verdicts.reduce((n, v) => n + (v.boxes?.length ?? 1), 0);
    return x;
  } catch (e) {
    if (e instanceof AnalysisBudgetError) { c.left -= budget; c.steps += budget; }
    throw e;
  }
}

/** The numbers an arch calls its own: the default is the verdict of most of them. */
export function nativeNumbers(arch: SeccompArch): Domain {
  return arch.name === 'x32' ? rangesDomain([X32_SYSCALL_BIT, 0x7fffffff]) : rangesDomain([0, X32_SYSCALL_BIT - 1]);
}

/** What a filter does with one syscall number of an arch, over all args and ip. */
export function syscallOutcome(prog: ClassicProgram, arch: SeccompArch | string, nr: number, budget?: number): Outcome {
  checkSeccompProgram('syscallOutcome', prog);
  const a = checkArch('syscallOutcome', 'arch', arch);
  checkInteger('syscallOutcome', 'nr', nr, -0x80000000, 0xffffffff);
  optInteger('syscallOutcome', 'budget', budget, 1, Number.MAX_SAFE_INTEGER, 0);
  const c = counter(budget ?? DEFAULT_BUDGET);
  c.share = c.left;
  return outcomeOf(run(prog, archWords(a, nr >>> 0), c), a.endian);
}

/**
 * The analysis reads only what checkClassic accepts with the seccomp profile: anything else
 * is refused with the kernel's reason (CheckError) rather than explored.
 */
function checkSeccompProgram(fn: string, prog: ClassicProgram): void {
  checkClassicProgram(fn, prog);
  checkClassic(prog, { profile: 'seccomp' });
}

/** An Outcome as the analysis gives it, at its top level (ArgumentError from `fn`). */
function checkOutcome(fn: string, arg: string, o: unknown): void {
  const { cases, otherwise } = checkObject(fn, arg, o as Outcome, 'an Outcome');
  checkArray(fn, `${arg}.cases`, cases);
  checkString(fn, `${arg}.otherwise.text`, checkObject(fn, `${arg}.otherwise`, otherwise).text);
}

/** An outcome lets the call run when any of its verdicts is ALLOW or LOG. */
export function permits(o: Outcome): boolean {
  const ok = (v: Verdict): boolean => v.value === null || ['ALLOW', 'LOG'].includes(decodeAction(v.value).action);
  return ok(o.otherwise) || o.cases.some(ok);
}

function ranges(pcs: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < pcs.length;) {
    let j = i;
    while (j + 1 < pcs.length && pcs[j + 1] === pcs[j]! + 1) j++;
    out.push(i === j ? lineNumber(pcs[i]!) : `${lineNumber(pcs[i]!)}-${lineNumber(pcs[j]!)}`);
    i = j + 1;
  }
  return out.join(', ');
}

const listNames = (names: readonly string[], max = 8): string =>
  names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;

const isRet = (i: ClassicInsn): boolean => (i.code & 0x07) === BPF_RET;

/** How many instructions can pass control to each instruction (reached or not). */
function predecessors(prog: ClassicProgram): Uint32Array {
  const n = new Uint32Array(prog.length + 1);
  for (let pc = 0; pc < prog.length; pc++) {
    for (const next of classicSuccessors(prog, pc)) n[Math.min(next, prog.length)]!++;
  }
  return n;
}

/** Starting domains for the numbers no syscall table of the arch names (x86_64 and x32: neither's), every value of nr. */
export function otherNumberWords(arch: SeccompArch): Map<number, Domain> {
  const named = new Set<number>();
  for (const t of arch.name === 'x86_64' || arch.name === 'x32' ? [toArch('x86_64'), toArch('x32')] : [arch]) {
    for (const nr of syscallTable(t).byName.values()) named.add(nr >>> 0);
  }
  const sorted = [...named].sort((a, b) => a - b);
  const gaps: number[] = [];
  let next = 0;
  for (const nr of sorted) { if (nr > next) gaps.push(next, nr - 1); next = nr + 1; }
  if (next <= 0xffffffff) gaps.push(next, 0xffffffff);
  const words = archWords(arch);
  words.set(WORD_NR, rangesDomain(gaps));
  return words;
}

/** Starting domains for every `seccomp_data.arch` but this arch's. */
export function foreignWords(arch: SeccompArch): Map<number, Domain> {
  const a = arch.audit;
  const others = a === 0 ? [1, 0xffffffff] : a === 0xffffffff ? [0, 0xfffffffe] : [0, a - 1, a + 1, 0xffffffff];
  return new Map([[WORD_ARCH, rangesDomain(others)]]);
}

const EXCEEDED: Outcome = {
  cases: [], depends: [], otherwise: { value: null, text: 'UNKNOWN (analysis budget exhausted)', pcs: [] },
};

/** The summary of a (checked) seccomp filter for one arch. */
export function summarizeSeccomp(prog: ClassicProgram, opts: AnalyzeOptions): SeccompSummary {
  checkSeccompProgram('summarizeSeccomp', prog);
  const arch = checkArch('summarizeSeccomp', 'opts.arch', checkObject('summarizeSeccomp', 'opts', opts, 'options {arch, budget?}').arch);
  optInteger('summarizeSeccomp', 'opts.budget', opts.budget, 1, Number.MAX_SAFE_INTEGER, 0);
  const c = counter(opts.budget ?? DEFAULT_BUDGET);
  const exceeded: string[] = [];
  // Comparisons of an argument's low half where nothing compares its high half: syscall -> pcs.
  const low = new Map<string, number[]>();
  const lowOnly = (x: Exploration, name: string): void => {
    let all = 0;
    for (const w of x.compares.values()) all |= w;
    const pcs: number[] = [];
    for (const [pc, w] of x.compares) {
      for (let k = 2; k < WORDS; k++) {
        if (!(w & (1 << k))) continue;
        const f = fieldAt(4 * k, arch.endian)!;
        if (f.field !== 'arg' || f.high) continue;
        const high = arch.endian === 'big' ? k - 1 : k + 1;
        if (!(all & (1 << high))) pcs.push(pc);
      }
    }
    if (pcs.length) low.set(name, [...new Set(pcs)].sort((a, b) => a - b));
  };
  const perSyscall = (table: SeccompArch): SyscallSummary[] =>
    [...syscallTable(table).byName].sort((p, q) => (p[1] >>> 0) - (q[1] >>> 0) || p[0].localeCompare(q[0])).map(([name, nr]) => {
      try {
        const x = run(prog, archWords(arch, nr >>> 0), c);
        if (arch.bits === 64) lowOnly(x, table.name === arch.name ? name : `${table.name}:${name}`);
        return { name, nr, outcome: outcomeOf(x, arch.endian) };
      } catch (e) {
        if (!(e instanceof AnalysisBudgetError)) throw e;
        exceeded.push(table.name === arch.name ? name : `${table.name}:${name}`);
        return { name, nr, outcome: EXCEEDED, exceeded: true as const };
      }
    });

  const syscalls = perSyscall(arch);
  const x32 = arch.name === 'x86_64' ? perSyscall(toArch('x32')) : undefined;
  const numberWords = otherNumberWords(arch);
  const tryOutcome = (words: Map<number, Domain>, native?: Domain): Outcome => {
    try {
      return outcomeOf(run(prog, words, c), arch.endian, native);
    } catch (e) {
      if (!(e instanceof AnalysisBudgetError)) throw e;
      return EXCEEDED;
    }
  };
  const numbers = tryOutcome(numberWords, nativeNumbers(arch));
  if (numbers === EXCEEDED) exceeded.push('(other numbers)');
  const otherArches = tryOutcome(foreignWords(arch));
  if (otherArches === EXCEEDED) exceeded.push('(other arches)');
  let everything: Exploration | undefined;
  try {
    everything = run(prog, new Map(), c, false);
  } catch (e) {
    if (!(e instanceof AnalysisBudgetError)) throw e;
  }

  const warnings: SeccompWarning[] = [];
  if (everything && everything.nrBeforeArch.length > 0) {
    warnings.push({
      kind: 'no-arch-check',
      pcs: everything.nrBeforeArch,
      message: `line ${ranges(everything.nrBeforeArch)} compares the syscall number before any check of arch: ` +
        'the same number means another syscall under another ABI (i386 int 0x80 on x86_64, arm on aarch64)',
    });
  }
  if (x32) {
    const x32ByName = new Map(x32.map((s) => [s.name, s]));
    const bypass = syscalls.filter((s) => !permits(s.outcome) && x32ByName.has(s.name) && permits(x32ByName.get(s.name)!.outcome))
      .map((s) => s.name);
    if (bypass.length > 0) {
      warnings.push({
        kind: 'x32-bypass',
        pcs: [],
        syscalls: bypass,
        message: `x32 bypass: ${listNames(bypass)} ${bypass.length === 1 ? 'is' : 'are'} refused as x86_64 calls but ` +
          `allowed as x32 calls (nr | ${hex(X32_SYSCALL_BIT)}): refuse nr >= ${hex(X32_SYSCALL_BIT)} on ARCH_X86_64`,
      });
    }
  }
  const unreachable: number[] = [];
  everything?.reached.forEach((r, pc) => { if (!r) unreachable.push(pc); });
  // A lone `ret` nothing leads to is filler (libseccomp leaves one after multi-arch filters),
  // not a rule; everything else unreached is a rule no input can trigger.
  const leadsTo = predecessors(prog);
  const dead = unreachable.filter((pc) => !(leadsTo[pc] === 0 && isRet(prog[pc]!)));
  if (dead.length > 0) {
    warnings.push({
      kind: 'unreachable',
      pcs: dead,
      message: `line${dead.length > 1 ? 's' : ''} ${ranges(dead)} ${dead.length > 1 ? 'are' : 'is'} unreachable: no input gets there`,
    });
  }
  warnings.push(...auditWarnings(prog, arch, syscalls, x32, low, numbers.otherwise.text));
  const dflt = numbers.otherwise;
  if (dflt.value !== null && decodeAction(dflt.value).action === 'ALLOW') {
    warnings.push({
      kind: 'default-allow',
      pcs: dflt.pcs,
      message: `the default action is ALLOW (line ${ranges(dflt.pcs)}): every syscall the filter does not name, ` +
        'including those added to the kernel later, is allowed',
    });
  }
  if (!everything) exceeded.push('(reachability)');
  const stats = { explorations: c.explorations, steps: c.steps, paths: c.paths };
  return { arch, syscalls, ...(x32 ? { x32 } : {}), numbers, otherArches, warnings, unreachable, stats, exceeded };
}

/** Every input gets a verdict that lets the call run. */
const always = (o: Outcome): boolean => o.cases.length === 0 && permits(o);
/** The filter names the call (its outcome is not just the default) and some input gets a verdict that refuses it. */
const restricted = (o: Outcome, dflt: string): boolean => {
  const refuses = (v: Verdict): boolean => v.value !== null && !['ALLOW', 'LOG'].includes(decodeAction(v.value).action);
  if (o.cases.length === 0 && o.otherwise.text === dflt) return false;
  return refuses(o.otherwise) || o.cases.some(refuses);
};
const lets = (o: Outcome): Verdict[] => [o.otherwise, ...o.cases].filter((v) => v.value === null || ['ALLOW', 'LOG'].includes(decodeAction(v.value).action));
const pcsOf = (vs: readonly Verdict[]): number[] => [...new Set(vs.flatMap((v) => v.pcs))].sort((a, b) => a - b);

/** Calls that do the same thing by another door. */
const TWINS: readonly (readonly string[])[] = [['open', 'openat', 'openat2'], ['clone', 'clone3'], ['execve', 'execveat']];

/** The audit warnings beyond the structural ones: doors left open around what the filter restricts. */
function auditWarnings(prog: ClassicProgram, arch: SeccompArch, syscalls: readonly SyscallSummary[],
  x32: readonly SyscallSummary[] | undefined, low: ReadonlyMap<string, readonly number[]>, dflt: string): SeccompWarning[] {
  const out: SeccompWarning[] = [];
  const by = new Map(syscalls.filter((x) => !x.exceeded).map((x) => [x.name, x]));
  const socket = by.get('socket');
  const socketcall = by.get('socketcall');
  if (socket && socketcall && restricted(socket.outcome, dflt) && lets(socketcall.outcome).length > 0) {
    const pcs = pcsOf(lets(socketcall.outcome));
    out.push({
      kind: 'socketcall-open', pcs, syscalls: ['socketcall', 'socket'],
      message: `socketcall is allowed (line ${ranges(pcs)}) while socket is restricted: on ${arch.name} socketcall(SYS_SOCKET, ...) ` +
        'creates the same sockets; restrict socketcall too',
    });
  }
  for (const [name, pcs] of low) {
    out.push({
      kind: 'low-32-bits', pcs, syscalls: [name],
      message: `${name}: line ${ranges(pcs)} compares only the low 32 bits of an argument on a 64-bit arch: ` +
        'values that differ in the high half pass the same way',
    });
  }
  if (x32) {
    const intended = prog.some((i) => (i.code & 0xf7) === 0x15 && i.k > X32_SYSCALL_BIT && i.k < X32_SYSCALL_BIT + 0x400);
    const open = x32.filter((x) => !x.exceeded && lets(x.outcome).length > 0);
    if (!intended && open.length > 0) {
      const pcs = pcsOf(open.flatMap((x) => lets(x.outcome)));
      out.push({
        kind: 'x32-reachable', pcs, syscalls: open.map((x) => `x32:${x.name}`),
        message: `x32 calls are allowed (${listNames(open.map((x) => x.name))}; line ${ranges(pcs)}) though the filter names ` +
          `no x32 syscall: if only x86_64 was meant, refuse nr >= ${hex(X32_SYSCALL_BIT)}`,
      });
    }
  }
  for (const group of TWINS) {
    const members = group.map((n) => by.get(n)).filter((x): x is SyscallSummary => x !== undefined);
    const tight = members.filter((x) => restricted(x.outcome, dflt));
    const open = members.filter((x) => always(x.outcome));
    if (tight.length > 0 && open.length > 0) {
      const pcs = pcsOf(open.map((x) => x.outcome.otherwise));
      out.push({
        kind: 'twin-allowed', pcs, syscalls: [...tight, ...open].map((x) => x.name),
        message: `${tight.map((x) => x.name).join(', ')} ${tight.length === 1 ? 'is' : 'are'} restricted but ` +
          `${open.map((x) => x.name).join(', ')}, which does the same, ${open.length === 1 ? 'is' : 'are'} allowed (line ${ranges(pcs)})`,
      });
    }
  }
  const uring = by.get('io_uring_setup');
  if (uring && lets(uring.outcome).length > 0) {
    const pcs = pcsOf(lets(uring.outcome));
    out.push({
      kind: 'io-uring-allowed', pcs, syscalls: ['io_uring_setup'],
      message: `io_uring_setup is allowed (line ${ranges(pcs)}): the operations an io_uring runs (openat, connect, ...) ` +
        'never pass through this filter',
    });
  }
  return out;
}

export interface FormatSummaryOptions {
  /** `verdict` (default): syscalls grouped by verdict; `syscall`: one syscall a line. */
  readonly view?: 'verdict' | 'syscall';
  /** Leave out the syscalls whose outcome is the default. */
  readonly changes?: boolean;
  /** Width to wrap name lists at (default 100). */
  readonly width?: number;
}

/** Names joined by spaces, wrapped at `width`, each line indented. */
function wrapNames(names: readonly string[], width: number, indent = '    '): string[] {
  const out: string[] = [];
  let line = indent;
  for (const n of names) {
    if (line.length > indent.length && line.length + 1 + n.length > width) { out.push(line); line = indent; }
    line += (line.length > indent.length ? ' ' : '') + n;
  }
  if (line.length > indent.length) out.push(line);
  return out;
}

/**
 * The summary as text: the default and the numbers and arches outside the table, then the
 * syscalls grouped by verdict (or one a line), the x32 calls, and the warnings.
 */
export function formatSummary(s: SeccompSummary, opts: FormatSummaryOptions = {}): string {
  const { arch, syscalls, numbers, otherArches, warnings } = checkObject('formatSummary', 's', s, 'a SeccompSummary');
  checkArch('formatSummary', 's.arch', arch);
  checkArray('formatSummary', 's.syscalls', syscalls);
  checkOutcome('formatSummary', 's.numbers', numbers);
  checkOutcome('formatSummary', 's.otherArches', otherArches);
  checkArray('formatSummary', 's.warnings', warnings);
  const o = checkObject('formatSummary', 'opts', opts, 'options {view?, changes?, width?}');
  const view = o.view ?? 'verdict';
  if (view !== 'verdict' && view !== 'syscall') argFail('formatSummary', 'opts.view', "'verdict' or 'syscall'", view);
  const changes = o.changes === true;
  const wrap = optInteger('formatSummary', 'opts.width', o.width, 20, 10_000, 100);
  const dflt = s.numbers.otherwise.text;
  const lines: string[] = [];
  lines.push(`arch ${s.arch.name} (${s.arch.auditName} ${hex(s.arch.audit)}), ${s.syscalls.length} syscalls`);
  lines.push(`default: ${dflt}`);
  if (s.numbers.cases.length > 0) lines.push(`other numbers: ${outcomeText(s.numbers)}`);
  // Arches the filter handles itself are summaries of their own: name them, do not list them.
  const handled = [...new Set(s.otherArches.cases.map((x) => x.arch).filter((a): a is number => a !== undefined))]
    .map((a) => archesByAudit(a)[0]?.name ?? hex(a));
  const unhandled = s.otherArches.cases.filter((x) => x.arch === undefined);
  lines.push(`other arches: ${unhandled.length ? outcomeText({ ...s.otherArches, cases: unhandled }) : s.otherArches.otherwise.text}` +
    (handled.length ? ` (the filter also handles ${handled.join(', ')}: summarize with that --arch)` : ''));
  const all = [...s.syscalls, ...(s.x32 ?? []).map((x) => ({ ...x, name: `x32:${x.name}` }))];
  const width = Math.max(...all.map((x) => x.name.length));
  const row = (name: string, nr: number, out: Outcome): string =>
    `  ${name.padEnd(width)} ${(nr >>> 0 < 0x10000 ? String(nr >>> 0) : hex(nr)).padStart(10)}  ${outcomeText(out)}`;
  const shown = (x: SyscallSummary): boolean => !changes || x.exceeded === true || outcomeText(x.outcome) !== dflt;
  if (view === 'syscall') {
    lines.push('');
    for (const x of s.syscalls) if (shown(x)) lines.push(row(x.name, x.nr, x.outcome));
  } else {
    // One group per unconditional verdict, most common first; then the calls whose verdict depends on something.
    const groups = new Map<string, string[]>();
    const conditional: typeof all = [];
    const unknown: string[] = [];
    for (const x of s.syscalls) {
      if (x.exceeded) { unknown.push(x.name); continue; }
      if (x.outcome.cases.length > 0) { if (shown(x)) conditional.push(x); continue; }
      const t = x.outcome.otherwise.text;
      if (changes && t === dflt) continue;
      let g = groups.get(t);
      if (!g) { g = []; groups.set(t, g); }
      g.push(x.name);
    }
    for (const [t, names] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
      lines.push('');
      lines.push(`${t}${t === dflt ? ' (the default)' : ''}: ${names.length} syscall${names.length === 1 ? '' : 's'}`);
      lines.push(...wrapNames(names, wrap));
    }
    if (conditional.length > 0) {
      lines.push('');
      lines.push(`depends on arguments: ${conditional.length} syscall${conditional.length === 1 ? '' : 's'}`);
      for (const x of conditional) lines.push(row(x.name, x.nr, x.outcome));
    }
    if (unknown.length > 0) {
      lines.push('');
      lines.push(`not analysed (budget exhausted; raise it with --budget): ${unknown.length}`);
      lines.push(...wrapNames(unknown, wrap));
    }
  }
  if (s.x32) {
    // Usually one verdict for all of them: print it once, then the calls that differ.
    const counts = new Map<string, number>();
    for (const x of s.x32) counts.set(outcomeText(x.outcome), (counts.get(outcomeText(x.outcome)) ?? 0) + 1);
    const common = [...counts].sort((a, b) => b[1] - a[1])[0]!;
    lines.push('');
    lines.push(`x32 (nr | ${hex(X32_SYSCALL_BIT)}): ${common[0]}${common[1] < s.x32.length ? ', except:' : ''}`);
    for (const x of s.x32) if (outcomeText(x.outcome) !== common[0]) lines.push(row(`x32:${x.name}`, x.nr, x.outcome));
  }
  if (view === 'syscall' && s.exceeded.length > 0) {
    lines.push('');
    lines.push(`not analysed (budget exhausted; raise it with --budget): ${s.exceeded.join(', ')}`);
  }
  lines.push('');
  if (s.warnings.length === 0) lines.push('no warnings');
  for (const w of s.warnings) lines.push(`warning: ${w.message}`);
  return `${lines.join('\n')}\n`;
}
