/**
 * Where two seccomp filters disagree, found from their regions (explore.ts), not by trying
 * inputs: for each syscall of an arch (and the numbers no table names, and the other arches),
 * each filter's inputs are split by verdict, and every pair of regions with different
 * verdicts whose intersection is not empty is a difference, with its conditions.
 *
 * A verdict whose region is kept as "the rest" (too many boxes) is rebuilt as the complement
 * of the filter's other regions, so the comparison stays exact; what is too large even so is
 * reported as exceeded, like the summary does.
 */
import { checkArray, checkObject, checkString, optInteger } from '../args.js';
import type { ClassicProgram } from '../classic/insn.js';
import { decodeAction, formatAction } from './actions.js';
import {
  DEFAULT_BUDGET, type SeccompWarning, archWords, boxConditions, foreignWords, formatSym, otherNumberWords, summarizeSeccomp,
} from './analyze.js';
import { type ArchInput, type SeccompArch, X32_SYSCALL_BIT, checkArch, toArch } from './arch.js';
import { type Domain, contains } from './domain.js';
import { AnalysisBudgetError, type VerdictRegion, evalSym, exploreSeccomp, verdictBoxes } from './explore.js';
import { SeccompFilter } from './filter.js';
import { type Box, BoxSet, type Initial, andCond, andFact, boxMatches, intersectBox } from './region.js';
import { syscallTable } from './syscalls/index.js';
import { hex } from '../hex.js';
import { argFail } from '../args.js';

/** One filter's verdict in a difference. */
export interface DiffVerdict {
  /** The constant returned, or null for `ret a` with an input-derived A. */
  readonly value: number | null;
  /** libseccomp's spelling, or `A = <expression>`. */
  readonly text: string;
}

export interface DiffRegion {
  /** `syscall`: one syscall of the arch's table; `numbers`: numbers no table names; `arches`: other values of arch. */
  readonly scope: 'syscall' | 'numbers' | 'arches';
  /** The syscall's name (`x32:read` for an x32 call), or null for the other scopes. */
  readonly syscall: string | null;
  readonly nr?: number;
  /** Conditions of the region, to be read joined by `&&` (empty: every input of the scope). */
  readonly conditions: readonly string[];
  readonly a: DiffVerdict;
  readonly b: DiffVerdict;
}

export interface SeccompDiff {
  readonly arch: SeccompArch;
  /** No input gets different verdicts (the scopes `exceeded` names aside). */
  readonly equivalent: boolean;
  readonly regions: readonly DiffRegion[];
  /** Every call B lets run (ALLOW, LOG), A lets run too: B is at least as strict as A. */
  readonly stricter: boolean;
  /** The regions where B lets a call run that A does not. */
  readonly looser: readonly DiffRegion[];
  /** Scopes the budget did not cover (their differences are unknown). */
  readonly exceeded: readonly string[];
  /** The summary's warnings (analyze.ts) that B has and A has not. */
  readonly warnings: readonly SeccompWarning[];
}

export interface DiffOptions {
  /** Operation budget of the whole comparison (default 40,000,000). */
  readonly budget?: number;
}

/** A filter to compare: a loaded filter or a classic program. */
export type DiffInput = SeccompFilter | ClassicProgram;

function progOf(fn: string, arg: string, x: DiffInput): ClassicProgram {
  if (x instanceof SeccompFilter) return x.prog;
  if (Array.isArray(x)) return new SeccompFilter(x).prog;
  return argFail(fn, arg, 'a SeccompFilter (loadSeccompFilter makes one) or a classic program', x);
}

/** The exact region behind each DiffRegion. */
const regionBoxes = new WeakMap<DiffRegion, { box: Box; initial: Initial }>();

const lets = (v: DiffVerdict): boolean => v.value === null || ['ALLOW', 'LOG'].includes(decodeAction(v.value).action);

/** `r` less the inputs where a returned symbol equals the other verdict (`ret a` can return the same value). */
function unequal(r: Box, va: VerdictRegion, vb: VerdictRegion, initial: Initial): Box | null {
  const x = va.value;
  const y = vb.value;
  if (x.t === 'const' && y.t === 'const') return r;
  if (x.t === 'const') return andCond(r, y, '!=', x.v, initial);
  if (y.t === 'const') return andCond(r, x, '!=', y.v, initial);
  return andFact(r, { left: x, relation: '!=', right: y });
}

function verdictText(v: VerdictRegion, endian: 'little' | 'big'): DiffVerdict {
  return v.value.t === 'const' ? { value: v.value.v, text: formatAction(v.value.v) } : { value: null, text: `A = ${formatSym(v.value, endian)}` };
}

/**
 * Where filters A and B give an arch's syscalls different verdicts, exactly, with the
 * conditions on args (and nr, arch, ip) under which they do.
 */
export function diffSeccomp(a: DiffInput, b: DiffInput, arch: ArchInput, opts: DiffOptions = {}): SeccompDiff {
  const fn = 'diffSeccomp';
  const pa = progOf(fn, 'a', a);
  const pb = progOf(fn, 'b', b);
  const ar = checkArch(fn, 'arch', arch);
  const o = checkObject(fn, 'opts', opts, 'options {budget?}');
  const budget = optInteger(fn, 'opts.budget', o.budget, 1, Number.MAX_SAFE_INTEGER, DEFAULT_BUDGET);
  let left = budget;
  const share = Math.max(1, Math.floor(budget / 4));
  const regions: DiffRegion[] = [];
  const exceeded: string[] = [];

  const scope = (kind: DiffRegion['scope'], name: string | null, nr: number | undefined, words: Map<number, Domain>): void => {
    const limit = Math.min(left, share);
    const meter = { ops: 0, budget: limit };
    try {
      if (limit <= 0) throw new AnalysisBudgetError(0);
      const xa = exploreSeccomp(pa, { words, budget: limit, skipReach: true });
      meter.ops += xa.steps;
      const xb = exploreSeccomp(pb, { words, budget: Math.max(1, limit - meter.ops), skipReach: true });
      meter.ops += xb.steps;
      const found: DiffRegion[] = [];
      for (const va of xa.verdicts) {
        for (const vb of xb.verdicts) {
          if (va.value.key === vb.value.key) continue;
          const ba = verdictBoxes(xa, va, meter);
          const bb = verdictBoxes(xb, vb, meter);
          const set = new BoxSet(xa.initial, meter);
          for (const p of ba) {
            for (const q of bb) {
              meter.ops++;
              const r = intersectBox(p, q, xa.initial);
              const differ = r && unequal(r, va, vb, xa.initial);
              if (differ) set.add(differ);
            }
          }
          if (meter.ops > limit) throw new AnalysisBudgetError(limit);
          for (const r of set.boxes) {
            const region: DiffRegion = {
              scope: kind, syscall: name, ...(nr !== undefined ? { nr } : {}),
              conditions: boxConditions(r, xa.initial, ar.endian), a: verdictText(va, ar.endian), b: verdictText(vb, ar.endian),
            };
            regionBoxes.set(region, { box: r, initial: xa.initial });
            found.push(region);
          }
        }
      }
      regions.push(...found);
    } catch (e) {
      if (!(e instanceof AnalysisBudgetError)) throw e;
      exceeded.push(name ?? (kind === 'numbers' ? '(other numbers)' : '(other arches)'));
    } finally {
      left -= Math.max(meter.ops, 1);
    }
  };

  const tables = ar.name === 'x86_64' ? [ar, toArch('x32')] : [ar];
  for (const t of tables) {
    const entries = [...syscallTable(t).byName].sort((p, q) => (p[1] >>> 0) - (q[1] >>> 0) || p[0].localeCompare(q[0]));
    for (const [name, nr] of entries) scope('syscall', t === ar ? name : `${t.name}:${name}`, nr, archWords(ar, nr >>> 0));
  }
  scope('numbers', null, undefined, otherNumberWords(ar));
  scope('arches', null, undefined, foreignWords(ar));
  const looser = regions.filter((r) => lets(r.b) && !lets(r.a));
  // What B's audit finds that A's does not (a warning is its kind and the syscalls it names).
  const key = (w: SeccompWarning): string => `${w.kind}:${(w.syscalls ?? []).join(',')}`;
  const warnBudget = Math.max(1, left);
  const had = new Set(summarizeSeccomp(pa, { arch: ar, budget: warnBudget }).warnings.map(key));
  const warnings = summarizeSeccomp(pb, { arch: ar, budget: warnBudget }).warnings.filter((w) => !had.has(key(w)));
  return {
    arch: ar, equivalent: regions.length === 0 && exceeded.length === 0, regions, stricter: looser.length === 0, looser, exceeded, warnings,
  };
}

/** True when concrete input words (explore.ts inputWords) fall in a region diffSeccomp returned. */
export function diffRegionMatches(r: DiffRegion, words: ArrayLike<number>): boolean {
  checkObject('diffRegionMatches', 'r', r, 'a DiffRegion from diffSeccomp');
  const w = checkObject('diffRegionMatches', 'words', words as object, 'the 16 input words (inputWords)') as ArrayLike<number>;
  if (typeof w.length !== 'number' || w.length < 16) argFail('diffRegionMatches', 'words', 'the 16 input words (inputWords)', words);
  const kept = regionBoxes.get(r);
  if (!kept) return false;
  for (const { sym, domain } of kept.initial.values()) if (!contains(domain, evalSym(sym, words))) return false;
  return boxMatches(kept.box, words);
}

/** A diff as text: one line per region, grouped by syscall, then the verdict. */
export function formatDiff(d: SeccompDiff, names: { a: string; b: string } = { a: 'A', b: 'B' }): string {
  const { regions, arch, exceeded, looser } = checkObject('formatDiff', 'd', d, 'a SeccompDiff');
  checkArch('formatDiff', 'd.arch', arch);
  checkArray('formatDiff', 'd.regions', regions).forEach((r, n) => {
    const x = checkObject('formatDiff', `d.regions[${n}]`, r as DiffRegion);
    checkArray('formatDiff', `d.regions[${n}].conditions`, x.conditions);
    checkString('formatDiff', `d.regions[${n}].a.text`, checkObject('formatDiff', `d.regions[${n}].a`, x.a).text);
    checkString('formatDiff', `d.regions[${n}].b.text`, checkObject('formatDiff', `d.regions[${n}].b`, x.b).text);
  });
  checkArray('formatDiff', 'd.exceeded', exceeded);
  checkArray('formatDiff', 'd.looser', looser);
  const n0 = checkObject('formatDiff', 'names', names, 'names {a, b}');
  checkString('formatDiff', 'names.a', n0.a);
  checkString('formatDiff', 'names.b', n0.b);
  const lines: string[] = [`--- ${names.a}`, `+++ ${names.b}`, `arch ${d.arch.name} (${d.arch.auditName} ${hex(d.arch.audit)})`];
  const label = (r: DiffRegion): string =>
    r.scope === 'syscall' ? `${r.syscall}${r.nr !== undefined ? ` (${(r.nr >>> 0) >= X32_SYSCALL_BIT ? hex(r.nr) : r.nr >>> 0})` : ''}`
      : r.scope === 'numbers' ? 'other numbers' : 'other arches';
  for (const r of regions) {
    lines.push(`  ${label(r)}: ${r.conditions.length ? r.conditions.join(' && ') : 'always'}: ${r.a.text} -> ${r.b.text}`);
  }
  if (d.exceeded.length) lines.push(`not compared (budget exhausted; raise it with --budget): ${d.exceeded.join(', ')}`);
  const n = regions.length;
  lines.push(n === 0 ? 'no differences' : `${n} difference${n === 1 ? '' : 's'}`);
  for (const w of Array.isArray(d.warnings) ? d.warnings : []) lines.push(`warning (${names.b} only): ${String((w as { message?: unknown } | null)?.message)}`);
  lines.push(d.stricter ? `${names.b} is at least as strict as ${names.a}` : `${names.b} lets run what ${names.a} does not (${d.looser.length} region${d.looser.length === 1 ? '' : 's'})`);
  return `${lines.join('\n')}\n`;
}
