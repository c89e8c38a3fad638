/**
 * The `cbpf2ebpf` command: a thin yargs layer over the library. Each subcommand lives in
 * src/cli/commands/ and only parses arguments, calls the library and prints.
 */
import { isMainThread, workerData } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { Cbpf2ebpfError, EXIT_USAGE, OutputClosed, UsageError } from '../errors.js';
import { removeTemporariesOnSignals } from '../io/output.js';
import { NAME_QUOTE_MAX, quotable } from '../text.js';
import { hoistOperands, lastOptionWins, mistypedCommand, rememberTokens } from './argv.js';
import { commands, DEFAULT_COMMAND, type CommandEntry } from './commands/index.js';
import { usageMessage } from './usage.js';
import yargs from './yargs.cjs';
import { version } from './version.cjs';
import { stdout } from './stdout.js';

/**
 * The commands this run needs: the one its first word names; for a filter path, the default
 * command; for anything else (help, options first) all of them, so that yargs can list them.
 * A first word that is no file but a typo of a command is a UsageError.
 */
function commandsFor(argv: readonly string[]): readonly CommandEntry[] {
  if (argv.some((a) => a === '--help' || a === '-h' || a === '--version')) return commands;
  const first = argv.find((a) => !a.startsWith('-') || a === '-');
  if (first === undefined) return commands;
  const named = commands.find((c) => c.name === first);
  if (named) return [named];
  if (first === '-' || existsSync(first)) return commands.filter((c) => c.name === DEFAULT_COMMAND);
  // Only a word in first place can be a command; a later one may be an option's value.
  const mistyped = first === argv[0] ? mistypedCommand(first, commands.map((c) => c.name)) : undefined;
  if (mistyped) throw mistyped;
  return commands;
}

// A replay worker thread (src/replay/parallel.ts) runs the CLI bundle, the one file there is:
// there it starts the worker's loop instead of a command.
if (!isMainThread && (workerData as { tag?: unknown } | null)?.tag === 'cbpf2ebpf-replay-range') void import('../replay/range-worker.js');

export async function main(args: string[]): Promise<number> {
  const out = stdout();
  removeTemporariesOnSignals();
  const argv = hoistOperands(args);
  rememberTokens(argv);
  let selected: readonly CommandEntry[];
  try {
    selected = commandsFor(argv);
  } catch (e) {
    return reportError(e);
  }
  let usageFailure: string | undefined;
  const parser = yargs(argv)
    .scriptName('cbpf2ebpf')
    .usage('$0 [command] FILTER [options]\n\nTranslate, check, verify and run classic BPF filters with Linux semantics.')
    .strict()
    // Our messages are English; so must yargs' be, for usageMessage to recognise them.
    .detectLocale(false)
    .demandCommand(1, 'give a FILTER or a command; see --help')
    .help()
    .alias('h', 'help')
    .version(version)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((msg, err, usage) => {
      // Our own errors pass through; yargs' (a YError: an option without its value) are usage errors.
      if (err && err.name !== 'YError') throw err;
      // yargs hands its usage instance here (typed as Argv): its usage line names the command that failed.
      const line = (usage as unknown as { getUsage?: () => Array<[string, string]> }).getUsage?.()[0]?.[0];
      // yargs' messages quote the command line: escape what it may carry to the terminal.
      usageFailure = quotable(usageMessage(msg, argv, line), NAME_QUOTE_MAX);
      // Throwing stops yargs: with a fail handler that returns, it still runs the command.
      throw new UsageError(usageFailure);
    });
  parser.middleware(lastOptionWins(parser), true);
  for (const c of await Promise.all(selected.map((c) => c.load()))) parser.command(c);
  skipHelpCache(parser);
  try {
    await parser.parseAsync();
  } catch (e) {
    if (usageFailure === undefined) return reportError(e);
  }
  if (usageFailure !== undefined) {
    process.stderr.write(`cbpf2ebpf: ${usageFailure}\n`);
    return EXIT_USAGE;
  }
  try {
    await out.end();
  } catch (e) {
    return reportError(e);
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

/**
 * yargs renders a command's whole help text after its handler returns, to show it on a later
 * failure; our fail handler never shows it, and rendering costs 40-70 ms of string
 * measuring per run (as much as replaying a million packets). Skip it where yargs exposes it.
 */
function skipHelpCache(parser: unknown): void {
  const usage = (parser as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: unknown } } })
    .getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
}

/** One line on stderr, and the error's exit code; never a stack trace for user errors. */
export function reportError(e: unknown): number {
  // The reader of our output went away: nothing to say, nobody to say it to.
  if (e instanceof OutputClosed) return e.exitCode;
  if (e instanceof Cbpf2ebpfError) {
    process.stderr.write(`cbpf2ebpf: ${e.message}\n`);
    return e.exitCode;
  }
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'EPIPE') return 0;
  // A defect of ours: still one line, but say so, and keep the trace behind an env switch.
  process.stderr.write(`cbpf2ebpf: internal error: ${err?.message ?? String(e)} (set CBPF2EBPF_DEBUG=1 for a trace)\n`);
  if (process.env.CBPF2EBPF_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
  return 70; // EX_SOFTWARE
}
