/**
 * seccomp filters for test suites: load one from the bytes seccomp-tools or libseccomp's
 * seccomp_export_bpf write (or any text form), check it as the kernel would, translate it,
 * and ask the VM what it returns for a syscall, with the classic line that returned it.
 *
 *   const filter = loadSeccompFilter('policy.bpf');
 *   filter.evaluate({ arch: 'x86_64', syscall: 'openat', args: [-100, 0, 0x241] })
 *     // -> { action: 'ERRNO', data: 13, value: 0x5000d, pc: 17, ... }
 */
import { checkSeccompChain } from '../classic/check.js';
import { checkForLinux } from '../translate/kernel-check.js';
import { CLASSIC_FORMATS, type ClassicFormat, decodeClassic, isTextBytes } from '../classic/decode.js';
import { type ClassicInsn, type ClassicProgram, classicForm, insn } from '../classic/insn.js';
import { readInput } from '../io/input.js';
import { CLASSIC_INPUT } from '../classic/limits.js';
import { SECCOMP_DATA, SECCOMP_DATA_SIZE } from '../abi/ctx.js';
import {
  argFail, type BytesLike, checkArray, checkInteger, checkObject, checkOptions, checkString, isBytesLike, optOneOf, optString, toBytes,
} from '../args.js';
import { ENDIANS } from '../classic/encode.js';
import { checkClassicProgram } from '../classic/shape.js';
import { CheckError } from '../errors.js';
import { hex } from '../hex.js';
import { type Translation, translateClassic } from '../translate/translate.js';
import { REG_A, REG_X } from '../translate/regs.js';
import { Interpreter } from '../vm/interp.js';
import { JitEngine } from '../vm/jit/index.js';
import { ExecEnv } from '../vm/types.js';
import { combineStack, decodeAction, errnoOf, formatAction, type SeccompAction } from './actions.js';
import { type AnalyzeOptions, type Outcome, type SeccompSummary, formatSym, summarizeSeccomp, syscallOutcome } from './analyze.js';
import { archesByAudit, auditArchName, checkArch, hostArch, type ArchInput, type SeccompArch, toArch } from './arch.js';
import { assembleSeccompText, looksLikeSeccompAsm } from './asm.js';
import { type SeccompFields, type SyscallInput, seccompFields, storeSeccompData } from './data.js';
import { disassembleSeccomp, lineNumber, type SeccompDisasmOptions, seccompStatements } from './disasm.js';
import { SeccompFlow } from './flow.js';
import { type DecisiveStep, decisiveSteps } from './explain.js';
import { WORD_ARCH, WORD_NR, inputWords } from './explore.js';
import { NEGATION } from './domain.js';
import { syscallArch, syscallName, type SyscallName } from './syscalls/index.js';
import type { OtherName } from '../suggest.js';

export interface LoadSeccompOptions {
  /** Name for messages (defaults to the path, or `<input>`). */
  source?: string;
  /**
   * Byte order of raw `struct sock_filter` records. `auto` (default): little-endian, unless
   * only the big-endian reading passes the seccomp checker (libseccomp exports s390x filters
   * big-endian).
   */
  endian?: 'little' | 'big' | 'auto';
  /** Input form; `auto` (default) tells raw bytes, the classic text forms and seccomp pseudo-code apart. */
  format?: 'auto' | ClassicFormat | 'seccomp';
  /**
   * Arch of syscalls evaluated without one, and of names in pseudo-code without an arch check
   * (where the pseudo-code's own `arch` line does not say).
   */
  arch?: ArchInput;
}

/** A syscall to evaluate; `arch` defaults to the filter's (see SeccompFilter.arch). */
export type SeccompQuery = Omit<SyscallInput, 'arch'> & { arch?: SyscallInput['arch'] };

export interface SeccompResult {
  /** What the kernel does (an unknown action acts as KILL_PROCESS). */
  readonly action: SeccompAction;
  /** The low 16 bits of the return value. */
  readonly data: number;
  /** The raw 32-bit return value. */
  readonly value: number;
  /** The classic instruction that returned (for a division by zero, the division). */
  readonly pc: number;
  /** False when the action bits are not one of the eight actions. */
  readonly known: boolean;
  /** ERRNO: the errno the syscall fails with (data capped at 4095). */
  readonly errno?: number;
  /** libseccomp's spelling of the value: `ERRNO(13)`. */
  readonly text: string;
}

export interface TraceStep {
  /** Classic instruction index. */
  readonly pc: number;
  /** Its pseudo-code (disasm.ts). */
  readonly text: string;
  /** A and X after it ran. */
  readonly a: number;
  readonly x: number;
  /** The next classic instruction on the path (undefined after the RET). */
  readonly next?: number;
}

export interface SeccompTrace {
  readonly result: SeccompResult;
  readonly steps: readonly TraceStep[];
  /** The syscall that was evaluated. */
  readonly fields: SeccompFields;
}

/** A decisive comparison of a query's path (explain.ts), as the explanation prints it. */
export interface ExplainedStep {
  /** The classic jump. */
  readonly pc: number;
  /** The values it compared for this query (A, and the constant or X). */
  readonly leftValue: number;
  readonly rightValue: number;
  /** Whether its condition held (the jump took its `jt` branch). */
  readonly taken: boolean;
  /** Its pseudo-code line. */
  readonly text: string;
  /** What held on the query's path, e.g. `nr != read`, `(u32)args[1] == 0x5401`. */
  readonly condition: string;
  /** The rule that produced the instruction (the filter's provenance), if known. */
  readonly rule?: string;
}

export interface SeccompExplanation {
  readonly result: SeccompResult;
  readonly fields: SeccompFields;
  /** The comparisons whose outcome decided the verdict, in path order. */
  readonly decisive: readonly ExplainedStep[];
  /** The rule that produced the returning instruction, if known. */
  readonly rule?: string;
}

export interface StackResult extends SeccompResult {
  /** Index (installation order) of the filter whose result the kernel kept; -1 when all allowed. */
  readonly filter: number;
  /** Every filter's own result, in installation order. */
  readonly results: readonly SeccompResult[];
}

function checked(prog: ClassicProgram): CheckError | undefined {
  try {
    checkForLinux(prog, { profile: 'seccomp' });
    return undefined;
  } catch (e) {
    if (e instanceof CheckError) return e;
    throw e;
  }
}

/**
 * Decodes and checks; returns the program, the byte order its records were read in, and for
 * pseudo-code the arch its names were written for (its `arch` line, where it checks none).
 */
type Decoded = { prog: ClassicInsn[]; endian: 'little' | 'big'; arch?: SeccompArch };

function decodeFilter(bytes: Uint8Array, opts: LoadSeccompOptions, source: string): Decoded {
  const format = opts.format ?? 'auto';
  const text = isTextBytes(bytes) ? new TextDecoder().decode(bytes) : undefined;
  if (format === 'seccomp' || (format === 'auto' && text !== undefined && looksLikeSeccompAsm(text))) {
    const asmText = text ?? new TextDecoder().decode(bytes);
    const { prog, arch } = assembleSeccompText(asmText, { source, ...(opts.arch ? { arch: opts.arch } : {}) });
    const err = checked(prog);
    if (err) throw err;
    return { prog, endian: 'little', ...(arch ? { arch } : {}) };
  }
  const endian = opts.endian ?? 'auto';
  const decodeAs = (e: 'little' | 'big'): ClassicInsn[] =>
    decodeClassic(bytes, { format: format === 'auto' ? 'auto' : format, endian: e, source });
  const first = decodeAs(endian === 'big' ? 'big' : 'little');
  const err = checked(first);
  if (!err) return { prog: first, endian: endian === 'big' ? 'big' : 'little' };
  const raw = format === 'raw' || (format === 'auto' && text === undefined);
  if (endian === 'auto' && raw) {
    const swapped = decodeAs('big');
    if (!checked(swapped)) return { prog: swapped, endian: 'big' };
  }
  throw err;
}

/** The known arches a filter compares `arch` against, in program order. */
export function checkedArches(prog: ClassicProgram): SeccompArch[] {
  checkClassicProgram('checkedArches', prog);
  const flow = new SeccompFlow(prog.length);
  const out: SeccompArch[] = [];
  prog.forEach((i, pc) => {
    const s = flow.at(pc);
    if (s?.a === SECCOMP_DATA.arch && classicForm(i.code)?.kind === 'jmp-k') {
      const a = archesByAudit(i.k)[0];
      if (a && !out.includes(a)) out.push(a);
    }
    flow.apply(pc, i);
  });
  return out;
}

export class SeccompFilter {
  /** The checked classic program. */
  readonly prog: readonly ClassicInsn[];
  readonly translation: Translation;
  readonly source: string;
  /** Byte order the raw records were read in. */
  readonly endian: 'little' | 'big';
  /** The arch of queries that name none: the load option, else the first arch the filter checks, else the host's. */
  readonly arch: SeccompArch;
  /**
   * Where each classic instruction came from, one entry per pc (undefined where unknown): for a
   * compiled profile the JSON rule that produced it, e.g. `syscalls[3] (names: ptrace; action: SCMP_ACT_ERRNO)`.
   */
  readonly provenance?: readonly (string | undefined)[];

  /** Verdicts run on the JIT; a trace runs the same program in the interpreter, which can step. */
  private readonly engine: JitEngine;
  private tracer: Interpreter | null = null;
  private readonly env = new ExecEnv();
  private readonly ctx = new Uint8Array(SECCOMP_DATA_SIZE);
  private path: Array<{ pc: number; a: number; x: number }> = [];

  constructor(prog: readonly ClassicInsn[], opts: {
    source?: string; endian?: 'little' | 'big'; arch?: ArchInput; provenance?: readonly (string | undefined)[];
  } = {}) {
    const fn = 'SeccompFilter';
    checkClassicProgram(fn, prog);
    const o = checkOptions(fn, 'opts', opts);
    checkForLinux(prog, { profile: 'seccomp' });
    this.prog = prog;
    this.source = optString(fn, 'opts.source', o.source) ?? '<input>';
    this.endian = optOneOf(fn, 'opts.endian', o.endian, ENDIANS, 'little');
    this.arch = o.arch !== undefined ? checkArch(fn, 'opts.arch', o.arch) : checkedArches(prog)[0] ?? hostArch() ?? toArch('x86_64');
    if (o.provenance !== undefined) {
      const p = checkArray(fn, 'opts.provenance', o.provenance);
      if (p.length !== prog.length) argFail(fn, 'opts.provenance', `one entry per instruction (${prog.length})`, o.provenance);
      p.forEach((r, n) => { if (r !== undefined) checkString(fn, `opts.provenance[${n}]`, r); });
      this.provenance = p as readonly (string | undefined)[];
    }
    this.translation = translateClassic(prog, { profile: 'seccomp' });
    this.engine = new JitEngine(this.translation.insns);
    this.env.ctx = this.ctx;
  }

  /** The fields of a query, resolved for the filter's default arch when it names none. */
  fields(query: SeccompQuery): SeccompFields {
    checkObject('fields', 'query', query, 'a query {syscall, args?, arch?, ip?}');
    return seccompFields({ ...query, arch: query.arch ?? this.arch });
  }

  /** Runs the filter over one syscall. */
  evaluate(query: SeccompQuery): SeccompResult {
    storeSeccompData(this.fields(query), this.ctx);
    return this.runOnce();
  }

  /** Runs the filter over a ready 64-byte seccomp_data (as our engines load it; see data.ts). */
  evaluateData(data: BytesLike): SeccompResult {
    const bytes = toBytes('evaluateData', 'data', data);
    if (bytes.length < SECCOMP_DATA_SIZE) argFail('evaluateData', 'data', `${SECCOMP_DATA_SIZE} bytes of seccomp_data`, data);
    this.ctx.set(bytes.subarray(0, SECCOMP_DATA_SIZE));
    return this.runOnce();
  }

  private runOnce(): SeccompResult {
    const value = this.engine.run(this.env) >>> 0;
    const exit = this.engine.exitPc;
    return resultOf(value, exit >= 0 ? this.translation.origin[exit]! : -1);
  }

  /** The interpreter over the same translation, recording the classic pcs a run visits. */
  private traceEngine(): Interpreter {
    const origin = this.translation.origin;
    this.tracer ??= new Interpreter(this.translation.insns, {
      trace: (pc, lo) => {
        const path = this.path;
        const c = origin[pc]!;
        if (c >= 0 && (path.length === 0 || path[path.length - 1]!.pc !== c)) {
          path.push({ pc: c, a: lo[REG_A]! >>> 0, x: lo[REG_X]! >>> 0 });
        }
      },
    });
    return this.tracer;
  }

  /** Evaluates and records the classic path: each instruction with A and X after it. */
  trace(query: SeccompQuery): SeccompTrace {
    const fields = this.fields(query);
    storeSeccompData(fields, this.ctx);
    const path: Array<{ pc: number; a: number; x: number }> = [];
    this.path = path;
    this.traceEngine().run(this.env);
    const result = this.runOnce();
    const text = seccompStatements(this.prog, { arch: fields.arch });
    // Each entry holds A and X before its instruction: the values after are the next entry's.
    const steps = path.map((p, n) => {
      const after = path[n + 1] ?? { a: result.value, x: p.x };
      return { pc: p.pc, text: text[p.pc]!, a: after.a, x: after.x, ...(n + 1 < path.length ? { next: path[n + 1]!.pc } : {}) };
    });
    return { result, steps, fields };
  }

  /**
   * Why the filter gives a syscall its verdict: the comparisons of its path whose outcome
   * decided it (explain.ts), with the values compared and, where the filter has provenance,
   * the rules that produced them.
   */
  explain(query: SeccompQuery): SeccompExplanation {
    const t = this.trace(query);
    const words = inputWords(this.ctx);
    const text = seccompStatements(this.prog, { arch: t.fields.arch });
    const decisive = decisiveSteps(this.prog, t.steps.map((s) => s.pc), words).map((d) => {
      const rule = this.provenance?.[d.pc];
      return {
        pc: d.pc, leftValue: d.leftValue, rightValue: d.rightValue, taken: d.taken, text: text[d.pc]!,
        condition: conditionText(d, t.fields), ...(rule !== undefined ? { rule } : {}),
      };
    });
    const rule = this.provenance?.[t.result.pc];
    return { result: t.result, fields: t.fields, decisive, ...(rule !== undefined ? { rule } : {}) };
  }

  /** seccomp-tools–style listing. */
  disasm(opts: SeccompDisasmOptions = {}): string {
    return disassembleSeccomp(this.prog, { arch: this.arch, ...opts });
  }

  /** Every syscall's outcome for an arch, and the warnings (analyze.ts). */
  summary(arch: ArchInput = this.arch, opts: Omit<AnalyzeOptions, 'arch'> = {}): SeccompSummary {
    return summarizeSeccomp(this.prog, { ...opts, arch });
  }

  /** What the filter does with one syscall over all args and ip. */
  outcome(syscall: SyscallName | OtherName | number, arch: ArchInput = this.arch): Outcome {
    checkArch('outcome', 'arch', arch);
    const fields = seccompFields({ arch, syscall });
    return syscallOutcome(this.prog, fields.arch, fields.nr);
  }
}

/** What held at a decisive comparison, with the syscall named where it compares nr. */
function conditionText(d: DecisiveStep, fields: SeccompFields): string {
  const rel = d.taken ? d.relation : NEGATION[d.relation];
  const left = formatSym(d.left, fields.arch.endian);
  let right = formatSym(d.right, fields.arch.endian);
  if (d.left.t === 'word' && d.left.w === WORD_NR && d.right.t === 'const' && (rel === '==' || rel === '!=')) {
    const name = syscallName(syscallArch(fields.arch, d.right.v), d.right.v);
    if (name) right = name;
  }
  if (d.left.t === 'word' && d.left.w === WORD_ARCH && d.right.t === 'const') right = auditArchName(d.right.v) ?? right;
  if (rel === '&') return `(${left} & ${right})`;
  if (rel === '!&') return `!(${left} & ${right})`;
  return `${left} ${rel} ${right}`;
}

function resultOf(value: number, pc: number): SeccompResult {
  const d = decodeAction(value);
  const errno = errnoOf(value);
  return {
    action: d.action, data: d.data, value, pc, known: d.known, text: formatAction(value), ...(errno !== undefined ? { errno } : {}),
  };
}

/**
 * Loads a seccomp filter: a path, the bytes of a file (raw records, tcpdump -d/-dd/-ddd text,
 * the `N,code jt jf k,...` form, or seccomp-tools–style pseudo-code), or a classic program.
 * Throws DecodeError/AsmError for unreadable input, CheckError (with the rule) for a filter
 * the kernel would refuse, InputError for an unreadable file.
 */
export function loadSeccompFilter(input: BytesLike | string | readonly ClassicInsn[], opts: LoadSeccompOptions = {}): SeccompFilter {
  const fn = 'loadSeccompFilter';
  const o = checkOptions(fn, 'opts', opts);
  optString(fn, 'opts.source', o.source);
  optOneOf(fn, 'opts.endian', o.endian, ['little', 'big', 'auto'], 'auto');
  optOneOf(fn, 'opts.format', o.format, ['auto', ...CLASSIC_FORMATS, 'seccomp'], 'auto');
  const arch = o.arch !== undefined ? { arch: checkArch(fn, 'opts.arch', o.arch) } : {};
  if (Array.isArray(input)) {
    // Instructions as C writes them: a negative k (SKF_AD_OFF + n) is taken as its u32.
    const prog = (input as readonly unknown[]).map((i, n) => {
      const { code, jt, jf, k } = checkObject(fn, `input[${n}]`, i as ClassicInsn, 'a classic instruction {code, jt, jf, k}');
      return insn(code!, jt!, jf!, checkInteger(fn, `input[${n}].k`, k, -0x80000000, 0xffffffff));
    });
    return new SeccompFilter(checkClassicProgram(fn, prog, 'input'), { source: o.source ?? '<program>', ...arch });
  }
  if (typeof input !== 'string' && !isBytesLike(input)) {
    argFail(fn, 'input', 'a path, the bytes of a filter (a Uint8Array, an ArrayBuffer or a DataView) or an array of instructions', input);
  }
  const source = o.source ?? (typeof input === 'string' ? input : '<input>');
  const bytes = typeof input === 'string' ? readInput(input, CLASSIC_INPUT) : toBytes(fn, 'input', input);
  const decoded = decodeFilter(bytes, o, source);
  // Pseudo-code that checks no arch was written for the arch of its `arch` line: queries default to it.
  const written = decoded.arch && checkedArches(decoded.prog).length === 0 ? { arch: decoded.arch } : {};
  return new SeccompFilter(decoded.prog, { source, endian: decoded.endian, ...written, ...arch });
}

/**
 * Runs stacked filters (installation order, oldest first) the way seccomp_run_filters does:
 * every filter runs, the lowest action wins, ties go to the newest filter. Refuses a chain
 * longer than the kernel accepts.
 */
export function evaluateStack(filters: readonly SeccompFilter[], query: SeccompQuery): StackResult {
  checkArray('evaluateStack', 'filters', filters).forEach((f, n) => {
    if (!(f instanceof SeccompFilter)) argFail('evaluateStack', `filters[${n}]`, 'a SeccompFilter (loadSeccompFilter makes one)', f);
  });
  if (filters.length === 0) argFail('evaluateStack', 'filters', 'a non-empty array of SeccompFilters', filters);
  checkObject('evaluateStack', 'query', query, 'a query {syscall, args?, arch?, ip?}');
  checkSeccompChain(filters.map((f) => f.prog));
  const arch = query.arch ?? filters[filters.length - 1]!.arch;
  const results = filters.map((f) => f.evaluate({ ...query, arch }));
  const { value, index } = combineStack(results.map((r) => r.value));
  const shown = index >= 0 ? results[index]! : results[results.length - 1]!;
  return { ...resultOf(value, shown.pc), filter: index, results };
}

/** A trace as text: the listing lines of the path, each with what it did. */
export function formatTrace(t: SeccompTrace): string {
  const { steps, result } = checkObject('formatTrace', 't', t, 'a SeccompTrace');
  const fields = t.fields;
  checkArray('formatTrace', 't.steps', steps).forEach((s, n) => {
    const { pc, text, a, x } = checkObject('formatTrace', `t.steps[${n}]`, s as TraceStep);
    checkInteger('formatTrace', `t.steps[${n}].pc`, pc, 0, Number.MAX_SAFE_INTEGER);
    checkString('formatTrace', `t.steps[${n}].text`, text);
    checkInteger('formatTrace', `t.steps[${n}].a`, a, 0, 0xffffffff);
    checkInteger('formatTrace', `t.steps[${n}].x`, x, 0, 0xffffffff);
  });
  checkArch('formatTrace', 't.fields.arch', checkObject('formatTrace', 't.fields', fields).arch);
  checkInteger('formatTrace', 't.fields.nr', fields.nr, -0x80000000, 0xffffffff);
  checkString('formatTrace', 't.result.text', checkObject('formatTrace', 't.result', result).text);
  const width = Math.max(...t.steps.map((s) => s.text.length));
  const nameOf = (s: TraceStep): string => {
    if (s.text === 'A = sys_number') {
      const name = syscallName(syscallArch(fields.arch, s.a), s.a);
      return name ? ` (${name})` : '';
    }
    if (s.text === 'A = arch') {
      const name = auditArchName(s.a);
      return name ? ` (${name})` : '';
    }
    return '';
  };
  return t.steps.map((s) => {
    const kind = classicKindOf(s.text);
    const note = kind === 'ret' ? `=> ${t.result.text}`
      : kind === 'jump' ? `-> ${lineNumber(s.next ?? s.pc + 1)}`
      : s.text.startsWith('X') ? `X = ${hex(s.x)}`
      : s.text.startsWith('mem[') ? '' : `A = ${hex(s.a)}${nameOf(s)}`;
    return ` ${lineNumber(s.pc)}: ${s.text.padEnd(width)}${note ? `  # ${note}` : ''}`;
  }).join('\n');
}

/**
 * An explanation as text: the verdict, then the decisive comparisons one a line (a run of
 * `nr != x` in a row reads as one line: the syscall is none of them), with their rules.
 */
export function formatExplanation(e: SeccompExplanation): string {
  const { result, decisive } = checkObject('formatExplanation', 'e', e, 'a SeccompExplanation');
  checkString('formatExplanation', 'e.result.text', checkObject('formatExplanation', 'e.result', result).text);
  checkInteger('formatExplanation', 'e.result.pc', result.pc, -1, Number.MAX_SAFE_INTEGER);
  checkArray('formatExplanation', 'e.decisive', decisive).forEach((d, n) => {
    const x = checkObject('formatExplanation', `e.decisive[${n}]`, d as ExplainedStep);
    checkInteger('formatExplanation', `e.decisive[${n}].pc`, x.pc, 0, Number.MAX_SAFE_INTEGER);
    checkString('formatExplanation', `e.decisive[${n}].condition`, x.condition);
    checkString('formatExplanation', `e.decisive[${n}].text`, x.text);
    checkInteger('formatExplanation', `e.decisive[${n}].leftValue`, x.leftValue, 0, 0xffffffff);
    checkInteger('formatExplanation', `e.decisive[${n}].rightValue`, x.rightValue, 0, 0xffffffff);
    if (x.rule !== undefined) checkString('formatExplanation', `e.decisive[${n}].rule`, x.rule);
  });
  if (e.rule !== undefined) checkString('formatExplanation', 'e.rule', e.rule);
  const lines = [`${result.text}  (line ${lineNumber(result.pc)}${e.rule !== undefined ? `, rule: ${e.rule}` : ''})`];
  lines.push(decisive.length ? 'decided by:' : 'decided by no comparison: every input of this arch and syscall gets it');
  for (let n = 0; n < decisive.length;) {
    const d = decisive[n]!;
    let m = n;
    const ne = (x: ExplainedStep): boolean => x.condition.startsWith(`${d.condition.split(' != ')[0]} != `) && x.rule === undefined;
    if (d.condition.includes(' != ') && d.rule === undefined) while (m + 1 < decisive.length && ne(decisive[m + 1]!)) m++;
    if (m - n >= 2) {
      const name = d.condition.split(' != ')[0];
      const values = decisive.slice(n, m + 1).map((x) => x.condition.split(' != ')[1]);
      const shown = values.length > 12 ? `${values.slice(0, 12).join(', ')} and ${values.length - 12} more` : values.join(', ');
      lines.push(`  ${lineNumber(d.pc)}-${lineNumber(decisive[m]!.pc)}: ${name} is none of ${shown}  (${m - n + 1} comparisons)`);
    } else {
      for (let k = n; k <= m; k++) {
        const x = decisive[k]!;
        lines.push(`  ${lineNumber(x.pc)}: ${x.condition}  (${x.text}; ${hex(x.leftValue)} vs ${hex(x.rightValue)})${x.rule !== undefined ? `  rule: ${x.rule}` : ''}`);
      }
    }
    n = m + 1;
  }
  return `${lines.join('\n')}\n`;
}

function classicKindOf(text: string): 'ret' | 'jump' | 'other' {
  if (text.startsWith('return')) return 'ret';
  if (text.startsWith('if') || text.startsWith('goto')) return 'jump';
  return 'other';
}
