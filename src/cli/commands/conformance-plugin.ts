/**
 * `cbpf2ebpf conformance-plugin`: the plugin process of bpf_conformance's runner, with our
 * interpreter as the runtime under test. The protocol (as the suite's libbpf plugin):
 * the program's bytes as hex on stdin (or `--program HEX`), the memory as hex in the first
 * argument, R0 printed in hex on stdout; a program that is refused or faults exits non-zero.
 * The runner runs the plugin path directly, so point it at a wrapper script containing
 * `exec cbpf2ebpf conformance-plugin "$@"`.
 */
import type { CommandModule } from 'yargs';
import { decodeProgram } from '../../ebpf/encode.js';
import { validateEncoding } from '../../ebpf/validate.js';
import { DecodeError, UsageError } from '../../errors.js';
import { conformanceHelpers, parseHexBytes } from '../../vm/conformance.js';
import { Interpreter } from '../../vm/interp.js';
import { ExecEnv } from '../../vm/types.js';
import { hex64Short } from '../../hex.js';
import { readInput } from '../../io/input.js';
import { EBPF_TEXT_INPUT } from '../../ebpf/limits.js';
import { quotable } from '../../text.js';

interface PluginArgs {
  memory?: string;
  rest?: string[];
  program?: string;
  debug?: boolean;
  elf?: boolean;
}

function hexArg(text: string, what: string): Uint8Array {
  const bytes = parseHexBytes(text);
  if (typeof bytes === 'string') throw new DecodeError(what, bytes);
  return bytes;
}

/** Runs the plugin protocol on already-read inputs; returns the line to print. */
export function runPlugin(programHex: string, memoryHex: string): string {
  const prog = decodeProgram(hexArg(programHex, '<program>'), '<program>');
  if (prog.length === 0) throw new DecodeError('<program>', 'no instructions');
  validateEncoding(prog);
  const vm = new Interpreter(prog, { helpers: conformanceHelpers() });
  const env = new ExecEnv();
  env.mem = hexArg(memoryHex, '<memory>');
  const lo = vm.run(env);
  return hex64Short(lo, vm.r0hi);
}

export const conformancePluginCommand: CommandModule<object, PluginArgs> = {
  command: 'conformance-plugin [memory] [rest..]',
  describe: 'bpf_conformance plugin: program hex on stdin, memory hex as argument, prints R0 in hex',
  builder: (y) =>
    y
      .positional('memory', { describe: 'memory bytes in hex (R1 points at them, R2 holds their length)', type: 'string' })
      .positional('rest', { describe: 'ignored when empty (the runner passes its plugin options here)', type: 'string', array: true })
      .option('program', { describe: 'program bytes in hex instead of stdin', type: 'string' })
      .option('debug', { describe: 'also print errors on stdout, where the runner reads them', type: 'boolean' })
      .option('elf', { describe: 'program is an ELF file (not supported)', type: 'boolean' }),
  handler: (argv) => {
    try {
      const extra = (argv.rest ?? []).filter((a) => String(a).trim() !== '');
      if (extra.length) throw new UsageError(`unexpected arguments: ${quotable(extra.join(' '))}`);
      if (argv.elf) throw new UsageError('--elf: ELF programs are not supported; pass the instruction bytes');
      const program = argv.program ?? new TextDecoder().decode(readInput('-', EBPF_TEXT_INPUT));
      process.stdout.write(`${runPlugin(program, String(argv.memory ?? ''))}\n`);
    } catch (e) {
      if (argv.debug) process.stdout.write(`${(e as Error).message}\n`);
      throw e;
    }
  },
};
