/**
 * What a seccomp filter does, for every syscall of an arch, found by exploring all of its
 * paths (explore.ts) instead of trying sample inputs; and the known mistakes: no arch check
 * before the syscall number, the x32 bypass on x86_64, unreachable instructions, and a
 * default action of ALLOW.
 */
import { checkArray, checkInteger, checkObject, checkString, optInteger } from '../args.js';
import { checkClassic } from '../classic/check.js';
import { type ClassicInsn, type ClassicProgram, classicSuccessors } from '../classic/insn.js';
import { checkClassicProgram } from '../classic/shape.js';
import { BPF_RET } from '../abi/opcodes.js';
import { hex, hex64Short } from '../hex.js';
import { decodeAction, formatAction } from './actions.js';
import { archesByAudit, checkArch, type SeccompArch, toArch, X32_SYSCALL_BIT } from './arch.js';
import { fieldAt } from './data.js';
import { lineNumber } from './disasm.js';
import { type Domain, FULL, formatDomain, log2Size, pointDomain, pointOf, restrict, sameDomain } from './domain.js';
import { type Exploration, type Leaf, type Sym, WORD_ARCH, WORD_NR, WORDS, exploreSeccomp, wordsOf } from './explore.js';
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
  readonly outcome: Outcome;
}

export type WarningKind = 'no-arch-check' | 'x32-bypass' | 'unreachable' | 'default-allow';

export interface SeccompWarning {
  readonly kind: WarningKind;
  readonly message: string;
  /** Instructions concerned. */
  readonly pcs: readonly number[];
  /** Syscalls concerned (x32 bypass). */
  readonly syscalls?: readonly string[];
}

export interface SeccompSummary {
  readonly arch: SeccompArch;
  /** Every syscall of the arch's table, by number. */
  readonly syscalls: readonly SyscallSummary[];
  /** x86_64 only: the x32 calls (nr | 0x40000000), which share x86_64's AUDIT_ARCH. */
  readonly x32?: readonly SyscallSummary[];
  /** Over all syscall numbers of this arch (the default is its `otherwise`). */
  readonly numbers: Outcome;
  /** For `seccomp_data.arch` values other than this arch's. */
  readonly otherArches: Outcome;
  readonly warnings: readonly SeccompWarning[];
  /** Instructions that no input of any arch reaches (the warning leaves out lone filler `ret`s). */
  readonly unreachable: readonly number[];
  readonly stats: { readonly explorations: number; readonly steps: number; readonly paths: number };
}

export interface AnalyzeOptions {
  readonly arch: SeccompArch | string;
  /** Step budget of each exploration (see explore.ts). */
  readonly budget?: number;
}

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

/** The conditions a path added to the starting domains. */
function leafConditions(l: Leaf, initial: Exploration['initial'], endian: 'little' | 'big'): string[] {
  const changed = new Map<string, { sym: Sym; domain: Domain }>();
  for (const [key, entry] of l.domains) {
    const start = initial.get(key)?.domain ?? FULL;
    if (!sameDomain(start, entry.domain)) changed.set(key, entry);
  }
  const effective = (w: number): Domain => l.domains.get(`w${w}`)?.domain ?? initial.get(`w${w}`)?.domain ?? FULL;
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
    out.push(formatDomain(formatSym(sym, endian), domain));
    done.add(key);
  }
  for (const fact of l.facts) {
    const a = formatSym(fact.left, endian);
    const b = formatSym(fact.right, endian);
    out.push(fact.relation === '&' ? `(${a} & ${b})` : fact.relation === '!&' ? `!(${a} & ${b})` : `${a} ${fact.relation} ${b}`);
  }
  return out;
}

/** How much of the input space a path covers, in log2, relative to the starting domains. */
function leafVolume(l: Leaf, initial: Exploration['initial']): number {
  let v = -l.facts.length;
  for (const [key, { domain }] of l.domains) v += log2Size(domain) - log2Size(initial.get(key)?.domain ?? FULL);
  return v;
}

function dependsOf(leaves: readonly Leaf[], initial: Exploration['initial']): Outcome['depends'] {
  const found = new Set<'args' | 'ip' | 'nr' | 'arch'>();
  const note = (words: number): void => {
    for (let w = 0; w < WORDS; w++) {
      if (!(words & (1 << w))) continue;
      found.add(w === WORD_NR ? 'nr' : w === WORD_ARCH ? 'arch' : w < 4 ? 'ip' : 'args');
    }
  };
  for (const l of leaves) {
    for (const [key, { sym, domain }] of l.domains) {
      if (!sameDomain(initial.get(key)?.domain ?? FULL, domain)) note(wordsOf(sym));
    }
    for (const f of l.facts) note(wordsOf(f.left) | wordsOf(f.right));
    if (l.value.t !== 'const') note(wordsOf(l.value));
  }
  const order = ['nr', 'arch', 'args', 'ip'] as const;
  return order.filter((d) => found.has(d));
}

/** Groups the leaves of an exploration into an Outcome. */
export function outcomeOf(x: Exploration, endian: 'little' | 'big'): Outcome {
  interface Group { value: number | null; text: string; leaves: Leaf[]; volume: number }
  const groups = new Map<string, Group>();
  for (const l of x.leaves) {
    const v = verdictOf(l.value, endian);
    let g = groups.get(v.key);
    if (!g) { g = { value: v.value, text: v.text, leaves: [], volume: 0 }; groups.set(v.key, g); }
    g.leaves.push(l);
    g.volume += 2 ** leafVolume(l, x.initial);
  }
  let main: Group | undefined;
  for (const g of groups.values()) if (!main || g.volume > main.volume) main = g;
  if (!main) throw new Error('a filter always returns: an exploration has at least one path');
  const pcsOf = (ls: readonly Leaf[]): number[] => [...new Set(ls.map((l) => l.pc))].sort((a, b) => a - b);
  const cases: OutcomeCase[] = [];
  for (const g of groups.values()) {
    if (g === main) continue;
    for (const l of g.leaves) {
      const arch = pointOf(l.domains.get(`w${WORD_ARCH}`)?.domain ?? x.initial.get(`w${WORD_ARCH}`)?.domain ?? FULL);
      const nr = pointOf(l.domains.get(`w${WORD_NR}`)?.domain ?? x.initial.get(`w${WORD_NR}`)?.domain ?? FULL);
      cases.push({
        value: g.value, text: g.text, pcs: [l.pc], conditions: leafConditions(l, x.initial, endian),
        ...(arch !== undefined ? { arch } : {}), ...(nr !== undefined ? { nr } : {}),
      });
    }
  }
  return {
    cases,
    otherwise: { value: main.value, text: main.text, pcs: pcsOf(main.leaves) },
    depends: groups.size > 1 ? dependsOf(x.leaves, x.initial) : [],
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
function archWords(arch: SeccompArch, nr?: number): Map<number, Domain> {
  const m = new Map<number, Domain>([[WORD_ARCH, pointDomain(arch.audit)]]);
  if (nr !== undefined) m.set(WORD_NR, pointDomain(nr));
  if (arch.bits === 32) {
    for (let w = 2; w < WORDS; w++) if (fieldAt(4 * w, arch.endian)!.high) m.set(w, pointDomain(0));
  }
  return m;
}

interface Counter { explorations: number; steps: number; paths: number }

function run(prog: ClassicProgram, words: Map<number, Domain>, budget: number | undefined, c: Counter): Exploration {
  const x = exploreSeccomp(prog, { words, ...(budget !== undefined ? { budget } : {}) });
  c.explorations++;
  c.steps += x.steps;
  c.paths += x.leaves.length;
  return x;
}

/** What a filter does with one syscall number of an arch, over all args and ip. */
export function syscallOutcome(prog: ClassicProgram, arch: SeccompArch | string, nr: number, budget?: number): Outcome {
  checkSeccompProgram('syscallOutcome', prog);
  const a = checkArch('syscallOutcome', 'arch', arch);
  checkInteger('syscallOutcome', 'nr', nr, -0x80000000, 0xffffffff);
  optInteger('syscallOutcome', 'budget', budget, 1, Number.MAX_SAFE_INTEGER, 0);
  return outcomeOf(run(prog, archWords(a, nr >>> 0), budget, { explorations: 0, steps: 0, paths: 0 }), a.endian);
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
function permits(o: Outcome): boolean {
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

/** The summary of a (checked) seccomp filter for one arch. */
export function summarizeSeccomp(prog: ClassicProgram, opts: AnalyzeOptions): SeccompSummary {
  checkSeccompProgram('summarizeSeccomp', prog);
  const arch = checkArch('summarizeSeccomp', 'opts.arch', checkObject('summarizeSeccomp', 'opts', opts, 'options {arch, budget?}').arch);
  optInteger('summarizeSeccomp', 'opts.budget', opts.budget, 1, Number.MAX_SAFE_INTEGER, 0);
  const c: Counter = { explorations: 0, steps: 0, paths: 0 };
  const perSyscall = (table: SeccompArch): SyscallSummary[] =>
    [...syscallTable(table).byName].sort((p, q) => (p[1] >>> 0) - (q[1] >>> 0) || p[0].localeCompare(q[0])).map(([name, nr]) => ({
      name, nr, outcome: outcomeOf(run(prog, archWords(arch, nr >>> 0), opts.budget, c), arch.endian),
    }));

  const syscalls = perSyscall(arch);
  const x32 = arch.name === 'x86_64' ? perSyscall(toArch('x32')) : undefined;
  // Over the syscall numbers proper: x86_64's x32 half (nr >= 0x40000000) is reported apart.
  const numberWords = archWords(arch);
  numberWords.set(WORD_NR, restrict(FULL, '<', X32_SYSCALL_BIT)!);
  const numbers = outcomeOf(run(prog, numberWords, opts.budget, c), arch.endian);
  const foreign = new Map<number, Domain>([[WORD_ARCH, restrict(FULL, '!=', arch.audit)!]]);
  const otherArches = outcomeOf(run(prog, foreign, opts.budget, c), arch.endian);
  const everything = run(prog, new Map(), opts.budget, c);

  const warnings: SeccompWarning[] = [];
  if (everything.nrBeforeArch.length > 0) {
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
  everything.reached.forEach((r, pc) => { if (!r) unreachable.push(pc); });
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
  const dflt = numbers.otherwise;
  if (dflt.value !== null && decodeAction(dflt.value).action === 'ALLOW') {
    warnings.push({
      kind: 'default-allow',
      pcs: dflt.pcs,
      message: `the default action is ALLOW (line ${ranges(dflt.pcs)}): every syscall the filter does not name, ` +
        'including those added to the kernel later, is allowed',
    });
  }
  return { arch, syscalls, ...(x32 ? { x32 } : {}), numbers, otherArches, warnings, unreachable, stats: c };
}

/** The summary as text, one syscall a line, then the warnings. */
export function formatSummary(s: SeccompSummary): string {
  const { arch, syscalls, numbers, otherArches, warnings } = checkObject('formatSummary', 's', s, 'a SeccompSummary');
  checkArch('formatSummary', 's.arch', arch);
  checkArray('formatSummary', 's.syscalls', syscalls);
  checkOutcome('formatSummary', 's.numbers', numbers);
  checkOutcome('formatSummary', 's.otherArches', otherArches);
  checkArray('formatSummary', 's.warnings', warnings);
  const lines: string[] = [];
  lines.push(`arch ${s.arch.name} (${s.arch.auditName} ${hex(s.arch.audit)}), ${s.syscalls.length} syscalls`);
  lines.push(`default: ${s.numbers.otherwise.text}`);
  // Arches the filter handles itself are summaries of their own: name them, do not list them.
  const handled = [...new Set(s.otherArches.cases.map((x) => x.arch).filter((a): a is number => a !== undefined))]
    .map((a) => archesByAudit(a)[0]?.name ?? hex(a));
  const unhandled = s.otherArches.cases.filter((x) => x.arch === undefined);
  lines.push(`other arches: ${unhandled.length ? outcomeText({ ...s.otherArches, cases: unhandled }) : s.otherArches.otherwise.text}` +
    (handled.length ? ` (the filter also handles ${handled.join(', ')}: summarize with that --arch)` : ''));
  const width = Math.max(...s.syscalls.map((x) => x.name.length), ...(s.x32 ?? []).map((x) => x.name.length + 4));
  const row = (name: string, nr: number, o: Outcome): string =>
    `  ${name.padEnd(width)} ${(nr >>> 0 < 0x10000 ? String(nr >>> 0) : hex(nr)).padStart(10)}  ${outcomeText(o)}`;
  lines.push('');
  for (const x of s.syscalls) lines.push(row(x.name, x.nr, x.outcome));
  if (s.x32) {
    // Usually one verdict for all of them: print it once, then the calls that differ.
    const counts = new Map<string, number>();
    for (const x of s.x32) counts.set(outcomeText(x.outcome), (counts.get(outcomeText(x.outcome)) ?? 0) + 1);
    const common = [...counts].sort((a, b) => b[1] - a[1])[0]!;
    lines.push('');
    lines.push(`x32 (nr | ${hex(X32_SYSCALL_BIT)}): ${common[0]}${common[1] < s.x32.length ? ', except:' : ''}`);
    for (const x of s.x32) if (outcomeText(x.outcome) !== common[0]) lines.push(row(`x32:${x.name}`, x.nr, x.outcome));
  }
  lines.push('');
  if (s.warnings.length === 0) lines.push('no warnings');
  for (const w of s.warnings) lines.push(`warning: ${w.message}`);
  return `${lines.join('\n')}\n`;
}
