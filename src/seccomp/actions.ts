/**
 * seccomp return values: the action in the upper 16 bits, its data in the lower 16
 * (include/uapi/linux/seccomp.h), how the kernel acts on them (kernel/seccomp.c) and how
 * libseccomp and seccomp-tools spell them.
 */
import { checkArray, checkInteger, checkOptions, checkString, optBoolean } from '../args.js';
import { UsageError } from '../errors.js';
import { quotable } from '../text.js';
import { hex } from '../hex.js';
import { errnoName, MAX_ERRNO, parseErrno } from './errno.js';

export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_KILL_THREAD = 0x00000000;
export const SECCOMP_RET_TRAP = 0x00030000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
export const SECCOMP_RET_TRACE = 0x7ff00000;
export const SECCOMP_RET_LOG = 0x7ffc0000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
export const SECCOMP_RET_DATA = 0x0000ffff;

export type SeccompAction =
  | 'KILL_PROCESS' | 'KILL_THREAD' | 'TRAP' | 'ERRNO' | 'USER_NOTIF' | 'TRACE' | 'LOG' | 'ALLOW';

export const ACTION_VALUES: Readonly<Record<SeccompAction, number>> = {
  KILL_PROCESS: SECCOMP_RET_KILL_PROCESS,
  KILL_THREAD: SECCOMP_RET_KILL_THREAD,
  TRAP: SECCOMP_RET_TRAP,
  ERRNO: SECCOMP_RET_ERRNO,
  USER_NOTIF: SECCOMP_RET_USER_NOTIF,
  TRACE: SECCOMP_RET_TRACE,
  LOG: SECCOMP_RET_LOG,
  ALLOW: SECCOMP_RET_ALLOW,
};

const actionByValue = new Map<number, SeccompAction>(
  (Object.entries(ACTION_VALUES) as Array<[SeccompAction, number]>).map(([a, v]) => [v, a]));

export interface DecodedAction {
  /** What the kernel does: an action value it does not know acts as KILL_PROCESS. */
  readonly action: SeccompAction;
  /** The low 16 bits of the return value. */
  readonly data: number;
  /** False when the upper 16 bits are not one of the eight actions. */
  readonly known: boolean;
}

/** The action a filter's return value stands for, as __seccomp_filter reads it. */
/** A filter's 32-bit return value, as a u32 or an s32 (ArgumentError from `fn` otherwise). */
function checkRetValue(fn: string, value: unknown): number {
  return checkInteger(fn, 'value', value, -0x80000000, 0xffffffff);
}

export function decodeAction(value: number): DecodedAction {
  const v = checkRetValue('decodeAction', value) >>> 0;
  const act = actionByValue.get((v & SECCOMP_RET_ACTION_FULL) >>> 0);
  return { action: act ?? 'KILL_PROCESS', data: v & SECCOMP_RET_DATA, known: act !== undefined };
}

/**
 * The errno a syscall fails with under an ERRNO return value: the data, capped at MAX_ERRNO
 * (4095) as the kernel does; undefined for other actions.
 */
export function errnoOf(value: number): number | undefined {
  checkRetValue('errnoOf', value);
  const d = decodeAction(value);
  return d.known && d.action === 'ERRNO' ? Math.min(d.data, MAX_ERRNO) : undefined;
}

/** The key the kernel orders stacked filters' results by: (s32)(ret & 0xffff0000), lower wins. */
export function actionPriority(value: number): number {
  checkRetValue('actionPriority', value);
  return (value & SECCOMP_RET_ACTION_FULL) | 0;
}

/**
 * Combines the results of stacked filters the way seccomp_run_filters does. `values` are in
 * installation order (oldest first); the kernel starts from ALLOW, walks newest to oldest and
 * keeps a result only when its action is strictly lower, so the data of the newest filter
 * among equals wins. `index` is the filter whose result was kept, or -1 when none beat ALLOW
 * (the value is then exactly SECCOMP_RET_ALLOW, whatever data the filters returned).
 */
export function combineStack(values: readonly number[]): { value: number; index: number } {
  checkArray('combineStack', 'values', values).forEach((v, n) => checkInteger('combineStack', `values[${n}]`, v, -0x80000000, 0xffffffff));
  let value = SECCOMP_RET_ALLOW;
  let index = -1;
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i]! >>> 0;
    if (actionPriority(v) < actionPriority(value)) {
      value = v;
      index = i;
    }
  }
  return { value, index };
}

/** libseccomp's / seccomp-tools' word for each action (KILL_THREAD is `KILL` in both). */
const SPELLING: Readonly<Record<SeccompAction, string>> = {
  KILL_PROCESS: 'KILL_PROCESS',
  KILL_THREAD: 'KILL',
  TRAP: 'TRAP',
  ERRNO: 'ERRNO',
  USER_NOTIF: 'USER_NOTIF',
  TRACE: 'TRACE',
  LOG: 'LOG',
  ALLOW: 'ALLOW',
};

export interface FormatActionOptions {
  /** Print ERRNO data by name when it has one: `ERRNO(EACCES)` instead of `ERRNO(13)`. */
  errnoNames?: boolean;
}

/**
 * A return value in libseccomp's spelling: `ALLOW`, `KILL_PROCESS`, `KILL` (thread), `TRAP`,
 * `ERRNO(1)`, `TRACE(7)`, `LOG`, `USER_NOTIF`. ERRNO and TRACE always show their data, the
 * others only when it is not 0 (`TRAP(5)`), so the text maps back to the exact value; an
 * unknown action prints as the raw value in hex.
 */
export function formatAction(value: number, opts: FormatActionOptions = {}): string {
  checkRetValue('formatAction', value);
  optBoolean('formatAction', 'opts.errnoNames', checkOptions('formatAction', 'opts', opts).errnoNames);
  const d = decodeAction(value);
  if (!d.known) return hex(value, 8);
  const word = SPELLING[d.action];
  if (d.action === 'ERRNO') {
    const name = opts.errnoNames ? errnoName(d.data) : undefined;
    return `${word}(${name ?? d.data})`;
  }
  if (d.action === 'TRACE' || d.data !== 0) return `${word}(${d.data})`;
  return word;
}

const WORDS = new Map<string, SeccompAction>([
  ['KILL_PROCESS', 'KILL_PROCESS'], ['KILL_THREAD', 'KILL_THREAD'], ['KILL', 'KILL_THREAD'],
  ['TRAP', 'TRAP'], ['ERRNO', 'ERRNO'], ['USER_NOTIF', 'USER_NOTIF'], ['NOTIFY', 'USER_NOTIF'],
  ['TRACE', 'TRACE'], ['LOG', 'LOG'], ['ALLOW', 'ALLOW'],
]);

/** The action named `word` (`KILL` is KILL_THREAD, `NOTIFY` USER_NOTIF), or undefined. */
export function actionByName(word: string): SeccompAction | undefined {
  checkString('actionByName', 'word', word);
  return WORDS.get(word.trim().toUpperCase().replace(/^(?:SCMP_ACT_|SECCOMP_RET_)/, ''));
}

/**
 * The return value a text stands for: the spellings formatAction prints, with the prefixes
 * SCMP_ACT_ / SECCOMP_RET_, errno names as ERRNO data (`ERRNO(EACCES)`), or a raw number.
 * Throws UsageError.
 */
export function parseAction(text: string): number {
  checkString('parseAction', 'text', text);
  const t = text.trim();
  if (/^(?:0x[0-9a-f]+|\d+)$/i.test(t)) {
    const n = Number(t);
    if (n > 0xffffffff) throw new UsageError(`return value ${quotable(t)} does not fit 32 bits`);
    return n >>> 0;
  }
  const m = /^([A-Za-z_]+)\s*(?:\(\s*([^)]*?)\s*\))?$/.exec(t);
  const action = m ? actionByName(m[1]!) : undefined;
  if (!m || !action) throw new UsageError(`unknown seccomp action '${quotable(text)}'`);
  let data = 0;
  if (m[2] !== undefined && m[2] !== '') {
    data = action === 'ERRNO' ? parseErrno(m[2]) : Number(m[2]);
    if (!Number.isInteger(data) || data < 0 || data > 0xffff) throw new UsageError(`action data '${quotable(m[2])}' is not in 0..65535`);
  }
  return (ACTION_VALUES[action] | data) >>> 0;
}
