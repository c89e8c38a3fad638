/**
 * The FILTER argument and the options that say how to read it, shared by every command
 * that takes a classic program (disasm, translate, check, replay, seccomp).
 */
import type { Argv, Options, PositionalOptions } from 'yargs';
import { type ClassicFormat, CLASSIC_FORMATS, decodeClassic } from '../classic/decode.js';
import type { Endian } from '../classic/encode.js';
import type { ClassicInsn } from '../classic/insn.js';
import { readInput, sourceName } from '../io/input.js';
import { CLASSIC_INPUT } from '../classic/limits.js';
import { checkFilterInput } from './misplaced.js';
import { compileFilter } from '../compile/index.js';
import { UsageError } from '../errors.js';

export const ENDIANS: readonly Endian[] = ['little', 'big'];

export const filterPositional: PositionalOptions = {
  describe:
    'classic program file, or - for stdin: tcpdump -d/-dd/-ddd output, the bpf_asm form `N,code jt jf k,...`, ' +
    'or raw struct sock_filter bytes',
  type: 'string',
  // yargs hands a lone `-` positional over as '' (it re-parses positionals as `--filter -`
  // and takes `-` for the start of an option); '' is never a file name, so it means stdin.
  coerce: (v: string) => (v === '' ? '-' : v),
};

export const filterInputOptions = {
  'input-format': {
    describe: 'how FILTER is written (auto: raw if not text, else from its first line)',
    choices: ['auto', ...CLASSIC_FORMATS],
    default: 'auto',
    type: 'string',
  },
  endian: {
    describe: 'byte order of raw struct sock_filter records',
    choices: [...ENDIANS],
    default: 'little',
    type: 'string',
  },
  expr: {
    describe: 'a pcap-filter expression (as tcpdump takes it) instead of FILTER: compiled here, as libpcap compiles it',
    type: 'string',
  },
  linktype: {
    describe: 'with --expr: the link type to compile for (EN10MB, RAW, LINUX_SLL, ... or a number)',
    type: 'string',
    default: 'EN10MB',
  },
  snaplen: {
    describe: 'with --expr: the snapshot length accepted packets return',
    type: 'number',
    default: 262144,
  },
} satisfies Record<string, Options>;

export interface FilterInputArgs {
  filter: string;
  'input-format': 'auto' | ClassicFormat;
  endian: Endian;
  expr?: string;
  linktype: string;
  snaplen: number;
}

/** Adds the FILTER positional (name it `[filter]` in the command string: --expr may stand for it) and its options. */
export function withFilterInput<T>(y: Argv<T>): Argv<T & FilterInputArgs> {
  return y.positional('filter', filterPositional).options(filterInputOptions) as unknown as Argv<T & FilterInputArgs>;
}

/**
 * Reads and decodes FILTER, or compiles --expr: InputError (66) when unreadable, DecodeError (65)
 * when malformed or a capture, CompileError (65) for an expression libpcap refuses; UsageError
 * naming `synopsis` when neither is given.
 */
export function loadClassicFromArgs(argv: FilterInputArgs, synopsis: string): ClassicInsn[] {
  if (argv.expr !== undefined) {
    if (argv.filter !== undefined) throw new UsageError('give FILTER or --expr EXPRESSION, not both');
    const linktype = /^\d+$/.test(argv.linktype) ? Number(argv.linktype) : argv.linktype;
    return compileFilter(argv.expr, { linktype, snaplen: argv.snaplen });
  }
  if (argv.filter === undefined) throw new UsageError(`missing FILTER (${synopsis})`);
  const bytes = readInput(argv.filter, CLASSIC_INPUT);
  const source = sourceName(argv.filter);
  checkFilterInput(bytes, source);
  return decodeClassic(bytes, { format: argv['input-format'], endian: argv.endian, source });
}
