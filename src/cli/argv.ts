/**
 * The command line around yargs 17: what it does not do the way cbpf2ebpf's commands need.
 * main() applies these before and during parsing.
 */
import { existsSync } from 'node:fs';
import type { Arguments, Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { quotable } from '../text.js';
import { closestName } from '../suggest.js';

/**
 * yargs never fills a positional from the words after `--`, so `seccomp F -- kill -0x1 9`
 * lacked its SYSCALL. The words after `--` that yargs would take for positionals anyway (not
 * starting with `-`, or `-` alone, stdin) move before it, up to the first that needs `--`:
 * that is `seccomp F kill -- -0x1 9`, whose handler reads the rest after `--`.
 */
export function hoistOperands(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  if (end < 0) return [...argv];
  const after = argv.slice(end + 1);
  let plain = 0;
  while (plain < after.length && (after[plain] === '-' || !after[plain]!.startsWith('-'))) plain++;
  const rest = after.slice(plain);
  return [...argv.slice(0, end), ...after.slice(0, plain), ...(rest.length > 0 ? ['--', ...rest] : [])];
}

let tokens: readonly string[] = [];

/** The command line being parsed, for the checks yargs cannot make (see lostStdinOperands). */
export function rememberTokens(argv: readonly string[]): void {
  tokens = [...argv];
}

/**
 * How many lone `-` operands (stdin) the command line has, not counting the values of the
 * options named in `valued`. yargs drops `-` from a variadic positional (`<capture..>`), so a
 * command compares this with what it received.
 */
export function stdinOperands(valued: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] === '--') break;
    if (tokens[i] === '-' && !(i > 0 && valued.includes(tokens[i - 1]!))) n++;
  }
  return n;
}

/** yargs 17's view of the options it knows; @types/yargs leaves getOptions() out. */
interface DeclaredOptions {
  getOptions(): { array: string[] };
}

/** String options that may be given several times, each value kept (see repeatable). */
const repeatableOptions = new Set<string>();

/**
 * Declares string options that add up when repeated (`--stack a --stack b`). They stay plain
 * string options for yargs, since an array option with `nargs: 1` refuses `-` (stdin) as its
 * value, and one without nargs would take the positionals that follow it.
 */
export function repeatable<T>(y: Argv<T>, ...names: string[]): Argv<T> {
  for (const n of names) repeatableOptions.add(n);
  return y;
}

/**
 * yargs gathers an option given twice (`--arch i386 --arch x86_64`, `-f c --format json`) into
 * an array, which a handler then takes for one value. As in most tools, the last one wins.
 * Options `parser` declares as arrays (variadic positionals) or as repeatable keep every value. Give
 * it to parser.middleware(..., true), which runs it before validation, so that `choices`
 * checks the value that counts.
 */
export function lastOptionWins(parser: Argv): (argv: Arguments) => void {
  return (argv) => {
    // The command being parsed has declared its options on the same instance by now.
    const many = new Set((parser as unknown as DeclaredOptions).getOptions().array);
    for (const [key, value] of Object.entries(argv)) {
      if (key === '_' || key === '--' || many.has(key) || repeatableOptions.has(key) || !Array.isArray(value)) continue;
      argv[key] = value[value.length - 1];
    }
  };
}

/**
 * The usage error for a first word that is no file but reads as a typo of one of `commands`
 * (`dissasm f.ddd`); undefined otherwise, and the word is taken for a FILTER path. `parent`
 * prefixes both names for a subcommand (`seccomp `).
 */
export function mistypedCommand(word: string, commands: readonly string[], parent = ''): UsageError | undefined {
  if (word === '-' || commands.includes(word) || existsSync(word)) return undefined;
  const close = closestName(word, commands);
  return close === undefined ? undefined : new UsageError(`unknown command '${parent}${quotable(word)}'; did you mean '${parent}${close}'?`);
}
