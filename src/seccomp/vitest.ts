/**
 * Vitest matchers for seccomp filters (the package subpath `cbpf2ebpf/vitest`):
 *
 *   import 'cbpf2ebpf/vitest';
 *   expect(filter).toAllow('read');
 *   expect(filter).toReturnErrno('openat', 'EACCES', [-100, 0, '0x241']);
 *   expect(filter).toDeny('execve', { arch: 'i386' });
 *
 * The matchers are one family, ordered by what happens to the call:
 *   the call runs            toAllow (ALLOW or LOG)          toLog (LOG alone)
 *   the call does not run    toDeny (ERRNO, TRAP, KILL_*)    toReturnErrno(errno?), toTrap,
 *                                                            toKill > toKillProcess, toKillThread
 *   another process decides  toTrace (TRACE), toNotify (USER_NOTIF): neither allowed nor denied
 *   exactly this value       toReturnAction('ERRNO(13)' | 'ALLOW' | 0x7fff0000)
 * so that `.not` keeps its plain meaning: `.not.toAllow` fails when the call runs, LOG
 * included, and says nothing about TRACE or USER_NOTIF, where `toDeny` is the claim to make.
 *
 * Importing the module registers the matchers with vitest's `expect.extend`; `seccompMatchers`
 * is the same object, for registering them elsewhere. The value under test is a loaded filter,
 * a path or the bytes of one (loaded as loadSeccompFilter does), or a list of those: filters
 * stacked in installation order, oldest first, judged as the kernel combines them.
 *
 * Every matcher evaluates one syscall through the real pipeline (checker, translator, VM) and,
 * when it fails either way (with or without `.not`), says what the filter returned, from which
 * line, and the path the syscall took through the filter, with the middle of a long run of
 * conditional jumps (a long allow-list walked past) shown as one line. Bad input (an
 * unknown syscall, an argument no register holds) is thrown as the library's error, not as a
 * failed expectation.
 */
import { expect } from 'vitest';
import { argFail, checkOptions } from '../args.js';
import { ArgumentError } from '../errors.js';
import type { ClassicInsn } from '../classic/insn.js';
import { Cbpf2ebpfError } from '../errors.js';
import { actionByName, parseAction, type SeccompAction } from './actions.js';
import type { SeccompArch } from './arch.js';
import type { ArgValue } from './data.js';
import { lineNumber } from './disasm.js';
import { errnoName, MAX_ERRNO, parseErrno } from './errno.js';
import {
  evaluateStack, formatTrace, loadSeccompFilter, SeccompFilter, type SeccompQuery, type SeccompResult, type SeccompTrace,
  type TraceStep,
} from './filter.js';
import { syscallArch, syscallName } from './syscalls/index.js';

/** What `expect()` takes: a filter, a path, a filter's bytes, or a stack of them (oldest first). */
export type SeccompSubject = SeccompFilter | string | Uint8Array | readonly (SeccompFilter | string | Uint8Array)[];

/** The syscall's context besides its number and arguments. */
export interface SyscallOptions {
  /** Arch of the syscall (default: the filter's, see SeccompFilter.arch; for a stack, the newest filter's). */
  arch?: SeccompArch | string;
  /** instruction_pointer (default 0). */
  ip?: ArgValue;
  /** Overrides seccomp_data.arch, to test what the filter does with a foreign AUDIT_ARCH value. */
  auditArch?: number;
}

/** Up to six arguments (number, bigint, or a decimal/hex string), or the options alone. */
export type ArgsOrOptions = readonly ArgValue[] | SyscallOptions;

export interface SeccompMatchers<R = unknown> {
  /** The call runs: the filter returns ALLOW or LOG (toLog for LOG alone). */
  toAllow(syscall: string | number, args?: ArgsOrOptions, opts?: SyscallOptions): R;
  /**
   * The call does not run: ERRNO, TRAP, KILL_THREAD or KILL_PROCESS (or an unknown action,
   * which acts as KILL_PROCESS). TRACE and USER_NOTIF are neither allowed nor denied.
   */
  toDeny(syscall: string | number, args?: ArgsOrOptions, opts?: SyscallOptions): R;
  /** The filter kills: KILL_PROCESS, KILL_THREAD, or an unknown action (which acts as KILL_PROCESS). */
  toKill(syscall: string | number, args?: ArgsOrOptions, opts?: SyscallOptions): R;
  toKillProcess(syscall: string | number, args?: ArgsOrOptions, opts?: SyscallOptions): R;
  toKillThread(syscall: string | number, args?: ArgsOrOptions, opts?: SyscallOptions): R;
  /**
   * The syscall fails with `errno` (a name such as 'EACCES', or a number); with no errno, with
   * any. The errno is the one the syscall fails with: the kernel caps ERRNO data at 4095, so a
   * filter returning ERRNO(5000) fails the syscall with 4095 (toReturnAction sees the data).
   */
  toReturnErrno(syscall: string | number, errno?: string | number, args?: ArgsOrOptions, opts?: SyscallOptions): R;
  /** The syscall fails with some errno. */
  toReturnErrno(syscall: string | number, args: ArgsOrOptions, opts?: SyscallOptions): R;
  /** SIGSYS (SECCOMP_RET_TRAP), whatever its data. */
  toTrap(syscall: string | number, args?: ArgsOrOptions, opts?: SyscallOptions): R;
  /** Allowed and logged (SECCOMP_RET_LOG); toAllow passes too. */
  toLog(syscall: string | number, args?: ArgsOrOptions, opts?: SyscallOptions): R;
  /** Handed to a ptrace tracer (SECCOMP_RET_TRACE), whatever its data. */
  toTrace(syscall: string | number, args?: ArgsOrOptions, opts?: SyscallOptions): R;
  /** Handed to the user-space notifier (SECCOMP_RET_USER_NOTIF). */
  toNotify(syscall: string | number, args?: ArgsOrOptions, opts?: SyscallOptions): R;
  /**
   * The filter returns `action`, in libseccomp's spelling: a word alone compares the action
   * ('TRAP' matches TRAP(5); 'KILL' is KILL_THREAD), a word with data compares both
   * ('ERRNO(13)', 'ERRNO(EACCES)', 'TRACE(7)'), a number compares the raw return value.
   */
  toReturnAction(syscall: string | number, action: string | number, args?: ArgsOrOptions, opts?: SyscallOptions): R;
}

// Two augmentations, because 'vitest' here is resolved from where this file really lies: when
// this package is installed from a directory, npm links the clone, whose own node_modules
// then holds another vitest than the one the user's tests import.
// - vitest's Matchers (3.2 and later) types expect(x).toAllow(), expect.toAllow() and
//   expect.extend(), but only on the vitest this file resolves;
// - the global jest.Matchers, which vitest's Assertion extends for jest's matcher libraries,
//   is one and the same in every copy, so expect(x).toAllow() type-checks either way.
declare module 'vitest' {
  // The type parameter must repeat vitest's declaration to merge with it.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-unused-vars, @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends SeccompMatchers<void> {}
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // The type parameters repeat vitest's (and @types/jest's) declaration, to merge with it.
    // eslint-disable-next-line @typescript-eslint/no-unused-vars, @typescript-eslint/no-empty-object-type
    interface Matchers<R, T = {}> extends SeccompMatchers<R> {}
  }
}

/** What vitest needs of `this` (MatcherState); only `isNot` is read. */
interface MatcherThis {
  readonly isNot: boolean;
}

interface MatcherOutcome {
  pass: boolean;
  message: () => string;
}

/** The result of one syscall, and where it came from. */
interface Judged {
  readonly result: SeccompResult;
  /** The trace of the filter whose result stands. */
  readonly trace: SeccompTrace;
  /** For a stack: the index (installation order) of that filter and the number of filters. */
  readonly stack?: {
    readonly index: number; readonly size: number; readonly results: readonly SeccompResult[]; readonly allAllow: boolean;
  };
  readonly call: string;
}

function isFilterLike(v: unknown): v is SeccompFilter | string | Uint8Array {
  return v instanceof SeccompFilter || typeof v === 'string' || v instanceof Uint8Array;
}

function toFilter(v: SeccompFilter | string | Uint8Array): SeccompFilter {
  return v instanceof SeccompFilter ? v : loadSeccompFilter(v);
}

function filtersOf(received: unknown): SeccompFilter[] {
  if (isFilterLike(received)) return [toFilter(received)];
  if (Array.isArray(received) && received.length > 0 && received.every(isFilterLike)) return received.map(toFilter);
  // A program given as instructions is a filter too, not a stack.
  if (Array.isArray(received) && received.length > 0 && received.every((i) => typeof (i as ClassicInsn)?.code === 'number')) {
    return [loadSeccompFilter(received as ClassicInsn[])];
  }
  return argFail('expect', 'the value', 'a SeccompFilter, a path to one, its bytes, or a non-empty list of those (stacked, oldest first)', received);
}

function splitArgs(a: ArgsOrOptions | undefined, o: SyscallOptions | undefined): { args: readonly ArgValue[]; opts: SyscallOptions } {
  const opts = checkOptions('the matcher', 'options', o);
  if (a === undefined) return { args: [], opts };
  if (Array.isArray(a)) return { args: a as readonly ArgValue[], opts };
  if (o !== undefined) throw new ArgumentError('the matcher', 'options', 'are given twice: (syscall, args, options) or (syscall, options)');
  return { args: [], opts: checkOptions('the matcher', 'args', a as SyscallOptions) };
}

const shown = (v: ArgValue): string => (typeof v === 'string' ? v : String(v));

function describeCall(syscall: string | number, args: readonly ArgValue[], opts: SyscallOptions, fields: SeccompTrace['fields']): string {
  const table = syscallArch(fields.arch, fields.nr);
  const name = typeof syscall === 'number' || /^(?:0x[0-9a-f]+|-?\d+)$/i.test(syscall.trim())
    ? `syscall ${String(syscall).trim()}${syscallName(table, fields.nr) ? ` (${syscallName(table, fields.nr)})` : ''}`
    : syscall;
  const extra = [opts.ip !== undefined ? `ip ${shown(opts.ip)}` : '', opts.auditArch !== undefined ? `seccomp_data.arch 0x${(opts.auditArch >>> 0).toString(16)}` : '']
    .filter(Boolean).join(', ');
  return `${name}(${args.map(shown).join(', ')}) on ${fields.arch.name}${extra ? ` (${extra})` : ''}`;
}

function judge(received: unknown, syscall: string | number, a: ArgsOrOptions | undefined, o: SyscallOptions | undefined): Judged {
  const filters = filtersOf(received);
  const { args, opts } = splitArgs(a, o);
  const query: SeccompQuery = {
    syscall,
    args,
    ...(opts.arch !== undefined ? { arch: opts.arch } : {}),
    ...(opts.ip !== undefined ? { ip: opts.ip } : {}),
    ...(opts.auditArch !== undefined ? { auditArch: opts.auditArch } : {}),
  };
  if (filters.length === 1) {
    const trace = filters[0]!.trace(query);
    return { result: trace.result, trace, call: describeCall(syscall, args, opts, trace.fields) };
  }
  const stacked = evaluateStack(filters, query);
  // The filter whose result the kernel kept; when every filter allowed, the newest one.
  const index = stacked.filter >= 0 ? stacked.filter : filters.length - 1;
  const arch = query.arch ?? filters[filters.length - 1]!.arch;
  const trace = filters[index]!.trace({ ...query, arch });
  return {
    result: stacked,
    trace,
    stack: { index, size: filters.length, results: stacked.results, allAllow: stacked.filter < 0 },
    call: describeCall(syscall, args, opts, trace.fields),
  };
}

function verdictText(j: Judged): string {
  const where = `line ${lineNumber(j.result.pc)}`;
  if (!j.stack) return `the filter returned ${j.result.text} at ${where}`;
  const each = j.stack.results.map((r, i) => `#${i} ${r.text}`).join(', ');
  if (j.stack.allAllow) return `the stacked filters returned ${j.result.text} (all ${j.stack.size} allow it; each: ${each})`;
  return `the stacked filters returned ${j.result.text} (filter #${j.stack.index} of ${j.stack.size}, ${where}; each: ${each})`;
}

/** A run of this many conditional jumps or more shows its first and last, and one line for the rest. */
const FOLDED_RUN = 6;

const isConditional = (s: TraceStep): boolean => s.text.startsWith('if ');

/**
 * The path as a failure message shows it: the trace, except inside a long run of conditional
 * jumps, which all compare the same A (an allow-list walked past, one `if (A == name)` per
 * entry): its first and last jumps show, the rest is one line, so a 400-entry list costs
 * three lines, not 400.
 */
function formatPath(t: SeccompTrace): string {
  const kept: TraceStep[] = [];
  const folds = new Map<number, string>(); // the line before kept[n]
  for (let i = 0; i < t.steps.length;) {
    let end = i;
    while (end < t.steps.length && isConditional(t.steps[end]!)) end++;
    if (end - i >= FOLDED_RUN) {
      const first = t.steps[i + 1]!.pc, last = t.steps[end - 2]!.pc;
      kept.push(t.steps[i]!);
      folds.set(kept.length, ` ${lineNumber(first)}-${lineNumber(last)}: ${end - i - 2} conditional jumps on the same A, not shown`);
      kept.push(t.steps[end - 1]!);
      i = end;
    } else {
      kept.push(...t.steps.slice(i, end + 1));
      i = end + 1;
    }
  }
  const lines = formatTrace({ ...t, steps: kept }).split('\n');
  return lines.flatMap((line, n) => (folds.has(n) ? [folds.get(n)!, line] : [line])).join('\n');
}

/** What the actions that are not plainly "allowed" or "denied" do with the call. */
const ACTION_NOTES: Partial<Record<SeccompAction, string>> = {
  LOG: ' (LOG: the call runs, and is logged)',
  TRACE: ' (TRACE: a ptrace tracer decides whether the call runs)',
  USER_NOTIF: ' (USER_NOTIF: the supervisor decides whether the call runs)',
};

/** A matcher from a predicate on the result and the phrase that follows "expected <call>". */
function matcher(this: MatcherThis, received: unknown, syscall: string | number, a: ArgsOrOptions | undefined,
  o: SyscallOptions | undefined, phrase: string, test: (r: SeccompResult) => boolean): MatcherOutcome {
  const j = judge(received, syscall, a, o);
  const pass = test(j.result);
  const negated = this.isNot ? 'not ' : '';
  const path = !j.stack ? 'path' : `path through filter #${j.stack.index}${j.stack.allAllow ? ' (the newest)' : ''}`;
  return {
    pass,
    message: () => `expected ${j.call} ${negated}${phrase}, but ${verdictText(j)}${ACTION_NOTES[j.result.action] ?? ''}; ${path}:\n${formatPath(j.trace)}`,
  };
}

const actionIs = (...actions: SeccompAction[]) => (r: SeccompResult): boolean => actions.includes(r.action);

function errnoPhrase(errno: string | number | undefined): { phrase: string; test: (r: SeccompResult) => boolean } {
  if (errno === undefined) return { phrase: 'to fail with an errno (ERRNO)', test: actionIs('ERRNO') };
  const n = parseErrno(errno);
  const name = errnoName(n);
  return {
    phrase: `to fail with ${name ? `${name} (${n})` : `errno ${n}`}${n > MAX_ERRNO ? ` (more than the kernel's MAX_ERRNO ${MAX_ERRNO})` : ''}`,
    test: (r) => r.action === 'ERRNO' && r.known && r.errno === n,
  };
}

function actionPhrase(action: string | number): { phrase: string; test: (r: SeccompResult) => boolean } {
  if (typeof action !== 'string' && typeof action !== 'number') argFail('toReturnAction', 'action', 'an action name or a return value', action);
  if (typeof action === 'number' || /^\s*(?:0x[0-9a-f]+|\d+)\s*$/i.test(action)) {
    const value = typeof action === 'number' ? action >>> 0 : parseAction(action);
    return { phrase: `to return 0x${value.toString(16).padStart(8, '0')}`, test: (r) => r.value === value };
  }
  const value = parseAction(action);
  if (action.includes('(')) {
    return { phrase: `to return ${action.trim()}`, test: (r) => r.value === value };
  }
  const word = actionByName(action)!;
  return { phrase: `to return ${action.trim()}`, test: actionIs(word) };
}

const matchers = {
  toAllow(this: MatcherThis, received: unknown, syscall: string | number, args?: ArgsOrOptions, opts?: SyscallOptions) {
    return matcher.call(this, received, syscall, args, opts, 'to be allowed', actionIs('ALLOW', 'LOG'));
  },
  toDeny(this: MatcherThis, received: unknown, syscall: string | number, args?: ArgsOrOptions, opts?: SyscallOptions) {
    return matcher.call(this, received, syscall, args, opts, 'to be denied',
      actionIs('ERRNO', 'TRAP', 'KILL_THREAD', 'KILL_PROCESS'));
  },
  toKill(this: MatcherThis, received: unknown, syscall: string | number, args?: ArgsOrOptions, opts?: SyscallOptions) {
    return matcher.call(this, received, syscall, args, opts, 'to be killed (KILL_PROCESS or KILL_THREAD)', actionIs('KILL_PROCESS', 'KILL_THREAD'));
  },
  toKillProcess(this: MatcherThis, received: unknown, syscall: string | number, args?: ArgsOrOptions, opts?: SyscallOptions) {
    return matcher.call(this, received, syscall, args, opts, 'to kill the process (KILL_PROCESS)', actionIs('KILL_PROCESS'));
  },
  toKillThread(this: MatcherThis, received: unknown, syscall: string | number, args?: ArgsOrOptions, opts?: SyscallOptions) {
    return matcher.call(this, received, syscall, args, opts, 'to kill the thread (KILL_THREAD)', actionIs('KILL_THREAD'));
  },
  toReturnErrno(this: MatcherThis, received: unknown, syscall: string | number, errno?: string | number | ArgsOrOptions,
    args?: ArgsOrOptions | SyscallOptions, opts?: SyscallOptions) {
    // (syscall, args, opts): no errno given.
    if (errno !== undefined && typeof errno === 'object') {
      if (opts !== undefined) throw new ArgumentError('toReturnErrno', 'its arguments', 'must be (syscall, errno, args, options) or (syscall, args, options)');
      const { phrase, test } = errnoPhrase(undefined);
      return matcher.call(this, received, syscall, errno, args as SyscallOptions | undefined, phrase, test);
    }
    const { phrase, test } = errnoPhrase(errno);
    return matcher.call(this, received, syscall, args, opts, phrase, test);
  },
  toTrap(this: MatcherThis, received: unknown, syscall: string | number, args?: ArgsOrOptions, opts?: SyscallOptions) {
    return matcher.call(this, received, syscall, args, opts, 'to trap (TRAP: SIGSYS)', actionIs('TRAP'));
  },
  toLog(this: MatcherThis, received: unknown, syscall: string | number, args?: ArgsOrOptions, opts?: SyscallOptions) {
    return matcher.call(this, received, syscall, args, opts, 'to be logged and allowed (LOG)', actionIs('LOG'));
  },
  toTrace(this: MatcherThis, received: unknown, syscall: string | number, args?: ArgsOrOptions, opts?: SyscallOptions) {
    return matcher.call(this, received, syscall, args, opts, 'to be handed to a tracer (TRACE)', actionIs('TRACE'));
  },
  toNotify(this: MatcherThis, received: unknown, syscall: string | number, args?: ArgsOrOptions, opts?: SyscallOptions) {
    return matcher.call(this, received, syscall, args, opts, 'to be handed to the user-space notifier (USER_NOTIF)', actionIs('USER_NOTIF'));
  },
  toReturnAction(this: MatcherThis, received: unknown, syscall: string | number, action: string | number, args?: ArgsOrOptions,
    opts?: SyscallOptions) {
    const { phrase, test } = actionPhrase(action);
    return matcher.call(this, received, syscall, args, opts, phrase, test);
  },
};

/**
 * Bad input leaves a matcher as the library's error. vitest prints every own property of a
 * thrown error under it ("Serialized Error: { exitCode: 64 }") unless the error serializes
 * itself; ours say all there is to say in their message, so they serialize as name, message
 * and stack alone.
 */
function plainlyReported(e: unknown): unknown {
  if (e instanceof Cbpf2ebpfError && !Object.hasOwn(e, 'toJSON')) {
    Object.defineProperty(e, 'toJSON', { value: () => ({ name: e.name, message: e.message, stack: e.stack }) });
  }
  return e;
}

type Matcher = (this: MatcherThis, ...args: never[]) => MatcherOutcome;

function reportingPlainly<T extends Record<string, Matcher>>(table: T): T {
  const out: Record<string, Matcher> = {};
  for (const [name, fn] of Object.entries(table)) {
    out[name] = function (this: MatcherThis, ...args: never[]) {
      try {
        return fn.apply(this, args);
      } catch (e) {
        throw plainlyReported(e);
      }
    };
  }
  return out as T;
}

/** The matchers, for `expect.extend(seccompMatchers)`; importing this module already registers them. */
export const seccompMatchers = reportingPlainly(matchers);

expect.extend(seccompMatchers);

// So that a test file needs one import for the filter and its matchers.
export { evaluateStack, loadSeccompFilter, SeccompFilter } from './filter.js';
export type { LoadSeccompOptions, SeccompResult } from './filter.js';
