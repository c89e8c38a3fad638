/**
 * `cbpf2ebpf seccomp`: seccomp filters without a kernel.
 *
 *   seccomp FILTER SYSCALL [ARG...]   the verdict for one syscall, and the line that returned it
 *   seccomp disasm FILTER             seccomp-tools–style pseudo-code (reads back with `seccomp asm`)
 *   seccomp asm FILE                  pseudo-code back to a filter (raw records or a text form)
 *   seccomp summary FILTER            every syscall's outcome over all arguments, and warnings
 *   seccomp compile PROFILE.json      a Docker/Podman/OCI JSON profile to the filter runc installs
 *   seccomp diff A B                  where two filters give different verdicts, and on which arguments
 *
 * The subcommand names win over file names: a filter file called `disasm`, `asm`, `summary`, `compile` or `diff`
 * is given as `./disasm`.
 */
import type { Argv, CommandModule } from 'yargs';
import { checkForLinux } from '../../translate/kernel-check.js';
import { CLASSIC_FORMATS, isTextBytes } from '../../classic/decode.js';
import { type Endian, encodeClassicRaw, formatComma, formatDd, formatDdd } from '../../classic/encode.js';
import type { ClassicProgram } from '../../classic/insn.js';
import { DecodeError, UsageError } from '../../errors.js';
import { type Outcome, outcomeText, type SeccompSummary, type Verdict, formatSummary } from '../../seccomp/analyze.js';
import { type SeccompArch, toArch } from '../../seccomp/arch.js';
import { assembleSeccompText } from '../../seccomp/asm.js';
import { disassembleSeccomp, lineNumber, seccompStatements } from '../../seccomp/disasm.js';
import {
  checkedArches, evaluateStack, formatExplanation, formatTrace, type LoadSeccompOptions, type SeccompFilter, type SeccompQuery,
  type SeccompResult, type SeccompTrace,
} from '../../seccomp/filter.js';
import { syscallArch, syscallName } from '../../seccomp/syscalls/index.js';
import { compileSeccompProfile } from '../../seccomp/profile/compile.js';
import { PROFILE_INPUT } from '../../seccomp/profile/parse.js';
import { type SeccompDiff, diffSeccomp, formatDiff } from '../../seccomp/diff.js';
import { loadSeccompInput } from '../../seccomp/load-input.js';
import { readInput, sourceName } from '../../io/input.js';
import { CLASSIC_INPUT } from '../../classic/limits.js';
import { writeFileAtomic } from '../../io/output.js';
import { repeatable } from '../argv.js';
import { mistypedCommand } from '../argv.js';
import { filterPositional } from '../options.js';

const INPUT_FORMATS = ['auto', ...CLASSIC_FORMATS, 'seccomp'] as const;
type InputFormat = (typeof INPUT_FORMATS)[number];
const INPUT_ENDIANS = ['auto', 'little', 'big'] as const;

interface LoadArgs {
  filter: string;
  'input-format': InputFormat;
  endian: (typeof INPUT_ENDIANS)[number];
  arch?: string;
}

/** The FILTER positional, how to read it, and --arch (whose meaning each subcommand gives). */
function withSeccompInput<T>(y: Argv<T>, archDescription: string): Argv<T & LoadArgs> {
  return y
    .positional('filter', {
      ...filterPositional,
      describe: 'seccomp filter, or - for stdin: raw struct sock_filter records (seccomp_export_bpf, seccomp-tools dump), ' +
        'tcpdump -d/-dd/-ddd text, the bpf_asm `N,code jt jf k,...` form, or `seccomp disasm` pseudo-code',
    })
    .options({
      'input-format': {
        describe: 'how FILTER is written (auto: raw records unless text; text forms from their first line)',
        choices: INPUT_FORMATS,
        default: 'auto' as InputFormat,
      },
      endian: {
        describe: 'byte order of raw records (auto: little-endian unless only the big-endian reading passes the seccomp checker, as libseccomp writes s390x filters)',
        choices: INPUT_ENDIANS,
        default: 'auto' as const,
      },
      arch: { describe: archDescription, type: 'string' },
    }) as unknown as Argv<T & LoadArgs>;
}

function loadOptions(argv: LoadArgs, path: string): LoadSeccompOptions {
  return {
    source: sourceName(path),
    endian: argv.endian,
    format: argv['input-format'],
    ...(argv.arch !== undefined ? { arch: argv.arch } : {}),
  };
}

// ---------------------------------------------------------------- seccomp FILTER SYSCALL [ARG...]

interface EvalArgs extends LoadArgs {
  syscall: string;
  args: string[];
  /** Arguments after `--` (where negative hex can be written); yargs keeps them apart. */
  '--'?: Array<string | number>;
  ip?: string;
  /** One path per --stack; yargs gives a string when there is one. */
  stack?: string | string[];
  json: boolean;
  quiet: boolean;
  trace: boolean;
  explain: boolean;
}

const hex64 = (v: bigint): string => `0x${v.toString(16)}`;

/** The pseudo-code of the instruction that returned. */
function returningLine(filter: SeccompFilter, t: SeccompTrace): string {
  const step = t.steps.find((s) => s.pc === t.result.pc);
  return step?.text ?? seccompStatements(filter.prog, { arch: t.fields.arch })[t.result.pc] ?? '?';
}

const where = (filter: SeccompFilter, t: SeccompTrace): string => `line ${lineNumber(t.result.pc)}: ${returningLine(filter, t)}`;

function resultJson(r: SeccompResult): Record<string, unknown> {
  return {
    action: r.action, data: r.data, value: r.value, text: r.text,
    ...(r.errno !== undefined ? { errno: r.errno } : {}),
    known: r.known,
  };
}

function filterJson(filter: SeccompFilter, t: SeccompTrace, withPath: boolean): Record<string, unknown> {
  return {
    source: filter.source,
    ...resultJson(t.result),
    pc: t.result.pc,
    line: returningLine(filter, t),
    ...(withPath ? { path: t.steps.map((s) => ({ pc: s.pc, text: s.text, a: s.a, x: s.x })) } : {}),
  };
}

/** The subcommands a FILTER word may be a typo of (`seccomp dissasm F` is no filter file). */
const SUBCOMMANDS = ['disasm', 'asm', 'summary', 'compile', 'diff'];

function evaluateHandler(argv: EvalArgs): void {
  const mistyped = mistypedCommand(argv.filter, SUBCOMMANDS, 'seccomp ');
  if (mistyped) throw mistyped;
  if (argv.json && argv.quiet) throw new UsageError('--json and --quiet exclude each other');
  if (argv.explain && argv.stack !== undefined) throw new UsageError('--explain takes one filter, not a --stack');
  if (argv.explain) {
    const filter = loadSeccompInput(argv.filter, loadOptions(argv, argv.filter));
    const e = filter.explain({
      arch: argv.arch !== undefined ? toArch(argv.arch) : filter.arch,
      syscall: argv.syscall,
      args: [...argv.args, ...(argv['--'] ?? []).map(String)],
      ...(argv.ip !== undefined ? { ip: argv.ip } : {}),
    });
    if (argv.quiet) process.stdout.write(`${e.result.text}\n`);
    else if (argv.json) {
      process.stdout.write(`${JSON.stringify({
        ...resultJson(e.result), pc: e.result.pc, ...(e.rule !== undefined ? { rule: e.rule } : {}),
        decisive: e.decisive.map((d) => ({
          pc: d.pc, text: d.text, condition: d.condition, taken: d.taken, left: d.leftValue, right: d.rightValue,
          ...(d.rule !== undefined ? { rule: d.rule } : {}),
        })),
      }, null, 2)}\n`);
    } else process.stdout.write(formatExplanation(e));
    return;
  }
  const paths = [argv.filter, ...[argv.stack ?? []].flat()];
  if (paths.filter((p) => p === '-').length > 1) throw new UsageError('only one filter can come from stdin');
  const filters = paths.map((p) => loadSeccompInput(p, loadOptions(argv, p)));
  const newest = filters[filters.length - 1]!;
  const query: SeccompQuery = {
    arch: argv.arch !== undefined ? toArch(argv.arch) : newest.arch,
    syscall: argv.syscall,
    args: [...argv.args, ...(argv['--'] ?? []).map(String)],
    ...(argv.ip !== undefined ? { ip: argv.ip } : {}),
  };
  const traces = filters.map((f) => f.trace(query));
  const stacked = filters.length > 1 ? evaluateStack(filters, query) : undefined;
  const result: SeccompResult = stacked ?? traces[0]!.result;
  // The filter whose result stands; -1 when every filter of a stack allowed.
  const decisive = stacked ? stacked.filter : 0;
  const fields = traces[0]!.fields;

  if (argv.quiet) {
    process.stdout.write(`${result.text}\n`);
    return;
  }
  if (argv.json) {
    const table = syscallArch(fields.arch, fields.nr);
    const head = {
      arch: fields.arch.name,
      syscall: syscallName(table, fields.nr) ?? null,
      nr: fields.nr,
      args: fields.args.map(hex64),
      ip: hex64(fields.ip),
    };
    let body: Record<string, unknown>;
    if (!stacked) body = { ...head, ...filterJson(filters[0]!, traces[0]!, argv.trace) };
    else {
      const own = decisive >= 0 ? filterJson(filters[decisive]!, traces[decisive]!, false) : { source: null, pc: null, line: null };
      body = { ...head, ...resultJson(result), source: own.source, pc: own.pc, line: own.line, filter: decisive,
        filters: filters.map((f, i) => filterJson(f, traces[i]!, argv.trace)) };
    }
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return;
  }
  const out: string[] = [];
  if (!stacked) {
    out.push(`${result.text}  (${where(filters[0]!, traces[0]!)})`);
    if (argv.trace) out.push(formatTrace(traces[0]!));
  } else {
    out.push(decisive >= 0
      ? `${result.text}  (filter #${decisive} ${filters[decisive]!.source}, ${where(filters[decisive]!, traces[decisive]!)})`
      : `${result.text}  (all ${filters.length} filters allow it)`);
    filters.forEach((f, i) => {
      out.push(`  #${i} ${f.source}: ${traces[i]!.result.text}  (${where(f, traces[i]!)})`);
      if (argv.trace) out.push(formatTrace(traces[i]!).replace(/^/gm, '  '));
    });
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

/** The positionals of `seccomp FILTER SYSCALL [ARG...]`, for its command string and the usage line. */
const EVALUATE_POSITIONALS = '<filter> <syscall> [args..]';

const evaluateCommand: CommandModule<object, EvalArgs> = {
  command: `$0 ${EVALUATE_POSITIONALS}`,
  describe: 'the verdict of FILTER for one syscall, in libseccomp\'s spelling, and the line that returned it',
  builder: (y) =>
    withSeccompInput(repeatable(y.parserConfiguration({ 'populate--': true }), 'stack'), 'arch of the syscall (default: the first arch the filter checks, else the host\'s)')
      .positional('syscall', { describe: 'name (openat, SYS_openat) or number as seccomp_data.nr holds it', type: 'string' })
      .positional('args', {
        describe: 'up to six arguments: decimal, 0x hex, negative (two\'s complement); the rest are 0. ' +
          'Negative hex goes after `--` (seccomp F kill -- -0x1 9)',
        type: 'string',
        array: true,
        default: [],
      })
      // yargs registers a variadic positional as an array only for a named command; main's
      // last-value-wins middleware keeps every value of the arrays it knows.
      .array('args')
      .option('ip', { describe: 'instruction_pointer (default 0)', type: 'string' })
      .option('stack', {
        describe: 'another filter installed after FILTER (repeatable, oldest first): all run, the kernel keeps the most severe verdict',
        type: 'string',
        requiresArg: true,
      })
      .option('json', { describe: 'print the verdict as JSON', type: 'boolean', default: false })
      .option('quiet', { alias: 'q', describe: 'print the verdict alone (ALLOW, ERRNO(13), KILL_PROCESS...)', type: 'boolean', default: false })
      .option('trace', { alias: 't', describe: 'also print the path through the filter, with A and X', type: 'boolean', default: false })
      .option('explain', {
        describe: 'print the comparisons that decided the verdict (those whose other branch gives another verdict), with the values compared and their rules',
        type: 'boolean', default: false,
      })
      .example('$0 seccomp policy.bpf openat -100 0x7ffc0000 0x241', 'the verdict for openat(AT_FDCWD, path, O_WRONLY|O_CREAT|O_TRUNC)')
      .example('$0 seccomp policy.bpf read --arch i386 -q', 'the verdict alone, for the i386 read')
      .example('$0 seccomp base.bpf ptrace --stack app.bpf', 'two stacked filters, base.bpf installed first') as unknown as Argv<EvalArgs>,
  handler: evaluateHandler,
};

// ---------------------------------------------------------------- seccomp disasm FILTER

interface DisasmArgs extends LoadArgs {
  raw: boolean;
  output?: string;
}

const disasmCommand: CommandModule<object, DisasmArgs> = {
  command: 'disasm <filter>',
  describe: 'print FILTER as seccomp-tools–style pseudo-code, which `seccomp asm` reads back',
  builder: (y) =>
    withSeccompInput(y, 'arch whose syscall names apply where the filter checks no arch')
      .option('raw', { describe: 'show the CODE JT JF K columns (--no-raw: pseudo-code only)', type: 'boolean', default: true })
      .option('output', { alias: 'o', describe: 'write to FILE (atomically) instead of stdout', type: 'string' })
      .example('$0 seccomp disasm policy.bpf', 'the listing, syscall names resolved for the arches the filter checks')
      .example('$0 seccomp disasm policy.bpf -o policy.asm', 'write it to edit and assemble back') as unknown as Argv<DisasmArgs>,
  handler: (argv) => {
    const filter = loadSeccompInput(argv.filter, loadOptions(argv, argv.filter));
    const out = disassembleSeccomp(filter.prog, { arch: filter.arch, raw: argv.raw });
    if (argv.output !== undefined) writeFileAtomic(argv.output, out);
    else process.stdout.write(out);
  },
};

// ---------------------------------------------------------------- seccomp asm FILE

const ASM_FORMATS = ['bin', 'ddd', 'dd', 'comma', 'disasm'] as const;
type AsmFormat = (typeof ASM_FORMATS)[number];

interface AsmArgs {
  file: string;
  arch?: string;
  format: AsmFormat;
  'output-endian': 'auto' | Endian;
  output?: string;
}

/**
 * The byte order of a filter's records: big when every arch it checks is big-endian (s390x);
 * for a filter that checks none, the byte order of the arch its names were written for.
 */
function recordEndian(prog: ClassicProgram, arch: SeccompArch | undefined): Endian {
  const checked = checkedArches(prog);
  if (checked.length > 0) return checked.every((a) => a.endian === 'big') ? 'big' : 'little';
  return arch?.endian ?? 'little';
}

const asmCommand: CommandModule<object, AsmArgs> = {
  command: 'asm <file>',
  describe: 'assemble `seccomp disasm` pseudo-code into a filter, checked with seccomp\'s rules',
  builder: (y) =>
    y
      .positional('file', { ...filterPositional, describe: 'pseudo-code, or - for stdin' })
      .option('arch', { describe: 'arch whose syscall names apply where the code checks no arch (an `arch NAME` line in the code wins)', type: 'string' })
      .option('format', {
        alias: 'f',
        describe: 'output: bin = raw struct sock_filter (as seccomp_export_bpf writes), ddd/dd = tcpdump -ddd/-dd, comma = bpf_asm form, disasm = the listing again',
        choices: ASM_FORMATS,
        default: 'bin' as AsmFormat,
      })
      .option('output-endian', {
        describe: 'byte order of -f bin (auto: big-endian when every arch the filter checks is, as libseccomp writes s390x filters)',
        choices: ['auto', 'little', 'big'] as const,
        default: 'auto' as const,
      })
      .option('output', { alias: 'o', describe: 'write to FILE (atomically) instead of stdout', type: 'string' })
      .example('$0 seccomp asm policy.asm -o policy.bpf', 'assemble edited pseudo-code into raw records')
      .example('$0 seccomp disasm policy.bpf | $0 seccomp asm - -f ddd', 'convert a raw filter to tcpdump -ddd form') as unknown as Argv<AsmArgs>,
  handler: (argv) => {
    const source = sourceName(argv.file);
    const bytes = readInput(argv.file, CLASSIC_INPUT);
    if (!isTextBytes(bytes)) {
      throw new DecodeError(source, 'not text: seccomp asm reads the pseudo-code `seccomp disasm` prints (give a raw filter to `seccomp disasm`)');
    }
    const text = new TextDecoder().decode(bytes);
    const { prog, arch } = assembleSeccompText(text, { source, ...(argv.arch !== undefined ? { arch: argv.arch } : {}) });
    // A CheckError names the rule the kernel would refuse it by; main exits 65.
    checkForLinux(prog, { profile: 'seccomp' });
    let out: string | Uint8Array;
    switch (argv.format) {
      case 'bin': out = encodeClassicRaw(prog, argv['output-endian'] === 'auto' ? recordEndian(prog, arch) : argv['output-endian']); break;
      case 'ddd': out = formatDdd(prog); break;
      case 'dd': out = formatDd(prog); break;
      case 'comma': out = formatComma(prog); break;
      case 'disasm': out = disassembleSeccomp(prog, arch !== undefined ? { arch } : {}); break;
    }
    if (argv.output !== undefined) {
      writeFileAtomic(argv.output, out);
      return;
    }
    if (argv.format === 'bin' && process.stdout.isTTY) {
      throw new UsageError('refusing to write binary records to a terminal; use -o FILE or -f ddd');
    }
    process.stdout.write(out);
  },
};

// ---------------------------------------------------------------- seccomp summary FILTER

interface SummaryArgs extends LoadArgs {
  json: boolean;
  budget?: number;
  view: 'verdict' | 'syscall';
  changes: boolean;
}

/** --budget: a positive integer, else a usage error. */
function budgetOf(v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isSafeInteger(v) || v < 1) throw new UsageError(`--budget wants a positive integer, not ${String(v)}`);
  return v;
}

const BUDGET_OPTION = {
  describe: 'operations the analysis may spend in all (default 40000000); a syscall that needs more is reported as not analysed',
  type: 'number',
} as const;

function verdictJson(v: Verdict): Record<string, unknown> {
  return { text: v.text, value: v.value, lines: v.pcs };
}

function outcomeJson(o: Outcome): Record<string, unknown> {
  return {
    verdict: outcomeText(o),
    depends: o.depends,
    cases: o.cases.map((c) => ({ conditions: c.conditions, ...verdictJson(c) })),
    otherwise: verdictJson(o.otherwise),
  };
}

/** The summary as plain JSON: names for arches, the library's outcome texts, lines as pcs. */
export function summaryJson(s: SeccompSummary, source: string): Record<string, unknown> {
  const calls = (list: SeccompSummary['syscalls']) => list.map((x) => ({ name: x.name, nr: x.nr, ...outcomeJson(x.outcome) }));
  return {
    source,
    arch: s.arch.name,
    audit: s.arch.audit,
    default: s.numbers.otherwise.text,
    numbers: outcomeJson(s.numbers),
    otherArches: outcomeJson(s.otherArches),
    syscalls: calls(s.syscalls),
    ...(s.x32 ? { x32: calls(s.x32) } : {}),
    warnings: s.warnings.map((w) => ({ kind: w.kind, message: w.message, lines: w.pcs, ...(w.syscalls ? { syscalls: w.syscalls } : {}) })),
    unreachable: s.unreachable,
    exceeded: s.exceeded,
  };
}

const summaryCommand: CommandModule<object, SummaryArgs> = {
  command: 'summary <filter>',
  describe: 'the outcome of every syscall of an arch, found by exploring all paths (conditions on args and ip shown), and warnings',
  builder: (y) =>
    withSeccompInput(y, 'arch to summarize (default: the first arch the filter checks, else the host\'s)')
      .option('json', { describe: 'print the summary as JSON', type: 'boolean', default: false })
      .option('budget', BUDGET_OPTION)
      .option('view', {
        describe: 'verdict: syscalls listed under each verdict; syscall: one syscall a line with its outcome',
        choices: ['verdict', 'syscall'] as const,
        default: 'verdict' as const,
      })
      .option('changes', { describe: 'show only the syscalls whose outcome differs from the default', type: 'boolean', default: false })
      .example('$0 seccomp summary policy.bpf --arch x86_64', 'what each x86_64 syscall gets, x32 calls, and the warnings')
      .example('$0 seccomp summary policy.bpf --changes', 'only what the filter does differently from its default')
      .example('$0 seccomp summary policy.bpf --json | jq \'.syscalls[] | select(.cases | length > 0)\'', 'the syscalls that depend on arguments') as unknown as Argv<SummaryArgs>,
  handler: (argv) => {
    const filter = loadSeccompInput(argv.filter, loadOptions(argv, argv.filter));
    const budget = budgetOf(argv.budget);
    const summary = filter.summary(argv.arch ?? filter.arch, budget !== undefined ? { budget } : {});
    process.stdout.write(argv.json ? `${JSON.stringify(summaryJson(summary, filter.source), null, 2)}\n`
      : formatSummary(summary, { view: argv.view, changes: argv.changes }));
  },
};

// ---------------------------------------------------------------- seccomp diff A B

interface DiffArgs extends Omit<LoadArgs, 'filter'> {
  a: string;
  b: string;
  json: boolean;
  stricter: boolean;
  budget?: number;
}

function diffJson(d: SeccompDiff, a: string, b: string): Record<string, unknown> {
  return {
    a, b, arch: d.arch.name, equivalent: d.equivalent, stricter: d.stricter, exceeded: d.exceeded,
    warnings: d.warnings.map((w) => ({ kind: w.kind, message: w.message, lines: w.pcs, ...(w.syscalls ? { syscalls: w.syscalls } : {}) })),
    regions: d.regions.map((r) => ({ ...r, looser: d.looser.includes(r) })),
  };
}

const diffCommand: CommandModule<object, DiffArgs> = {
  command: 'diff <a> <b>',
  describe: 'where two filters give different verdicts, per syscall, with the argument conditions (exact, from their paths); exit 1 when they differ',
  builder: (y) =>
    withSeccompInput(y as Argv<object>, 'arch to compare (default: the first arch A checks, else the host\'s)')
      .positional('a', { ...filterPositional, describe: 'the first filter (any form `seccomp` reads), or -' })
      .positional('b', { ...filterPositional, describe: 'the second filter' })
      .option('json', { describe: 'print the differences as JSON', type: 'boolean', default: false })
      .option('stricter', {
        describe: 'answer whether B is at least as strict as A (every call B lets run, A lets run): exit 0 when it is, 1 when not',
        type: 'boolean', default: false,
      })
      .option('budget', BUDGET_OPTION)
      .example('$0 seccomp diff old.bpf new.bpf --arch x86_64', 'what changed between two versions of a policy')
      .example('$0 seccomp diff default.bpf custom.bpf --stricter', 'is custom.bpf at least as strict as default.bpf?') as unknown as Argv<DiffArgs>,
  handler: (argv) => {
    if (argv.a === '-' && argv.b === '-') throw new UsageError('only one filter can come from stdin');
    const fa = loadSeccompInput(argv.a, loadOptions(argv as unknown as LoadArgs, argv.a));
    const fb = loadSeccompInput(argv.b, loadOptions(argv as unknown as LoadArgs, argv.b));
    const budget = budgetOf(argv.budget);
    const d = diffSeccomp(fa, fb, argv.arch ?? fa.arch, budget !== undefined ? { budget } : {});
    if (argv.json) process.stdout.write(`${JSON.stringify(diffJson(d, fa.source, fb.source), null, 2)}\n`);
    else if (argv.stricter) {
      process.stdout.write(d.stricter ? `${fb.source} is at least as strict as ${fa.source}\n`
        : formatDiff({ ...d, regions: d.looser }, { a: fa.source, b: fb.source }));
    } else process.stdout.write(formatDiff(d, { a: fa.source, b: fb.source }));
    // Like diff(1): 1 when they differ (--stricter: when B lets run what A does not).
    process.exitCode = (argv.stricter ? d.stricter : d.equivalent) ? 0 : 1;
  },
};

// ---------------------------------------------------------------- seccomp compile PROFILE.json

const COMPILE_FORMATS = ['bin', 'ddd', 'disasm'] as const;

interface CompileArgs {
  profile: string;
  arch?: string;
  caps?: string;
  kernel?: string;
  format: (typeof COMPILE_FORMATS)[number];
  output?: string;
}

const compileCommand: CommandModule<object, CompileArgs> = {
  command: 'compile <profile>',
  describe: 'compile a Docker/Podman/OCI JSON seccomp profile into the classic filter runc installs for it (libseccomp\'s verdicts)',
  builder: (y) =>
    y
      .positional('profile', { ...filterPositional, describe: 'JSON seccomp profile, or - for stdin' })
      .option('arch', { describe: 'host arch, Linux or Go name (x86_64/amd64, aarch64/arm64, s390x, riscv64, ppc64le...); the filter covers it and the sub-arches its archMap lists (default: this machine\'s)', type: 'string' })
      .option('caps', { describe: 'the container\'s capabilities, comma-separated (CAP_ optional), for includes/excludes.caps (default: Docker\'s default set)', type: 'string' })
      .option('kernel', { describe: 'kernel version X.Y[.Z] for minKernel (default: newer than any)', type: 'string' })
      .option('format', {
        alias: 'f',
        describe: 'output: bin = raw struct sock_filter (little-endian; big on s390x, as libseccomp exports), ddd = tcpdump -ddd, disasm = seccomp-tools–style listing',
        choices: COMPILE_FORMATS,
        default: 'bin' as const,
      })
      .option('output', { alias: 'o', describe: 'write to FILE (atomically) instead of stdout', type: 'string' })
      .example('$0 seccomp compile default.json -o default.bpf', 'the filter Docker installs on this machine')
      .example('$0 seccomp compile default.json --arch arm64 --caps CAP_SYS_ADMIN -f disasm', 'for an arm64 host and a container with CAP_SYS_ADMIN') as unknown as Argv<CompileArgs>,
  handler: (argv) => {
    const source = sourceName(argv.profile);
    const text = new TextDecoder().decode(readInput(argv.profile, PROFILE_INPUT));
    const caps = argv.caps === undefined ? undefined : argv.caps.split(',').map((c) => c.trim()).filter((c) => c !== '');
    const profile = compileSeccompProfile(text, {
      source,
      ...(argv.arch !== undefined ? { arch: argv.arch } : {}),
      ...(caps !== undefined ? { caps } : {}),
      ...(argv.kernel !== undefined ? { kernel: argv.kernel } : {}),
    });
    let out: string | Uint8Array;
    switch (argv.format) {
      case 'bin': out = encodeClassicRaw(profile.prog, profile.endian); break;
      case 'ddd': out = formatDdd(profile.prog); break;
      case 'disasm': out = profile.disasm(); break;
    }
    if (argv.output === undefined && argv.format === 'bin' && process.stdout.isTTY) {
      throw new UsageError('refusing to write binary records to a terminal; use -o FILE or -f ddd');
    }
    for (const w of profile.warnings) process.stderr.write(`cbpf2ebpf: warning: ${w}\n`);
    if (argv.output !== undefined) writeFileAtomic(argv.output, out);
    else process.stdout.write(out);
  },
};

// ---------------------------------------------------------------- seccomp

const SECCOMP_DESCRIPTION = 'seccomp filters: the verdict for a syscall (seccomp FILTER SYSCALL [ARG...]), disasm, asm, summary, compile, diff';

export const seccompCommand: CommandModule<object, object> = {
  command: 'seccomp',
  describe: SECCOMP_DESCRIPTION,
  builder: (y) =>
    y
      // The default subcommand's usage line: a usage error names the positional it lacks from it.
      .usage(`$0 seccomp ${EVALUATE_POSITIONALS}\n\n${SECCOMP_DESCRIPTION}`)
      .command(disasmCommand as CommandModule)
      .command(asmCommand as CommandModule)
      .command(summaryCommand as CommandModule)
      .command(compileCommand as CommandModule)
      .command(diffCommand as CommandModule)
      // The default subcommand comes last: `seccomp disasm x` is the subcommand, `seccomp ./disasm read` a file.
      .command(evaluateCommand as CommandModule)
      .epilog('Subcommand names come first: a filter file named disasm, asm, summary, compile or diff is given as ./disasm.'),
  handler: () => {
    // Unreached: the default subcommand handles `seccomp` with any arguments.
  },
};
