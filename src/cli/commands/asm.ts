/** `cbpf2ebpf asm FILE.s`: assembles uBPF-syntax internal BPF into bytes, hex, a listing... */
import type { CommandModule } from 'yargs';
import { assemble } from '../../ebpf/asm.js';
import { formatAsm } from '../../ebpf/asm-format.js';
import { OUTPUT_FORMATS, formatProgram } from '../../ebpf/format.js';
import { validateEncoding } from '../../ebpf/validate.js';
import { UsageError } from '../../errors.js';
import { readInput, sourceName } from '../../io/input.js';
import { EBPF_TEXT_INPUT } from '../../ebpf/limits.js';
import { writeFileAtomic } from '../../io/output.js';

const FORMATS = [...OUTPUT_FORMATS, 'asm'] as const;
type Format = (typeof FORMATS)[number];

interface AsmArgs {
  file: string;
  format: Format;
  output?: string;
}

export const asmCommand: CommandModule<object, AsmArgs> = {
  command: 'asm <file>',
  describe: 'assemble internal BPF written in the uBPF syntax of bpf_conformance (mov32 %r0, 1 ...)',
  builder: (y) =>
    y
      .positional('file', {
        describe: 'assembly source, or - for stdin',
        type: 'string',
        demandOption: true,
        // yargs hands a lone `-` positional over as ''.
        coerce: (v: string) => (v === '' ? '-' : v),
      })
      .option('format', {
        alias: 'f',
        describe: 'bin = struct bpf_insn records, hex = 16 hex digits per instruction, listing = bytes and text, ' +
          'json, c = kernel BPF_* macros, asm = the source normalised (labels L<pc>)',
        choices: FORMATS,
        default: 'bin' as Format,
      })
      .option('output', { alias: 'o', describe: 'write to FILE (atomically) instead of stdout', type: 'string' })
      .example('$0 asm prog.s -o prog.bin', 'assemble to raw instructions')
      .example('$0 asm prog.s -f listing', 'show each instruction with its encoding'),
  handler: (argv) => {
    const source = sourceName(argv.file);
    const text = new TextDecoder().decode(readInput(argv.file, EBPF_TEXT_INPUT));
    const prog = assemble(text, source);
    if (prog.length === 0) throw new UsageError(`${source}: no instructions`);
    validateEncoding(prog);
    const out = argv.format === 'asm' ? formatAsm(prog, { labels: true }) : formatProgram(prog, argv.format);
    if (argv.output !== undefined) {
      writeFileAtomic(argv.output, out);
      return;
    }
    if (argv.format === 'bin' && process.stdout.isTTY) {
      throw new UsageError('refusing to write binary instructions to a terminal; use -o FILE or -f hex');
    }
    process.stdout.write(out);
  },
};
