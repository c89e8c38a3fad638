/** `cbpf2ebpf disasm FILTER`: prints a classic program as `tcpdump -d` does, or re-encodes it. */
import type { CommandModule } from 'yargs';
import { disassembleClassic } from '../../classic/disasm.js';
import { type Endian, encodeClassicRaw, formatComma, formatDd, formatDdd } from '../../classic/encode.js';
import type { ClassicProgram } from '../../classic/insn.js';
import { writeFileAtomic } from '../../io/output.js';
import { ENDIANS, type FilterInputArgs, loadClassicFromArgs, withFilterInput } from '../options.js';

const OUTPUT_FORMATS = ['d', 'ddd', 'dd', 'comma', 'bin'] as const;
type OutputFormat = (typeof OUTPUT_FORMATS)[number];

interface DisasmArgs extends FilterInputArgs {
  format: OutputFormat;
  output?: string;
  'output-endian'?: Endian;
}

function render(prog: ClassicProgram, format: OutputFormat, endian: Endian): string | Uint8Array {
  switch (format) {
    case 'd': return disassembleClassic(prog);
    case 'ddd': return formatDdd(prog);
    case 'dd': return formatDd(prog);
    case 'comma': return formatComma(prog);
    case 'bin': return encodeClassicRaw(prog, endian);
  }
}

export const disasmCommand: CommandModule<object, DisasmArgs> = {
  command: 'disasm [filter]',
  describe: 'print a classic program as tcpdump -d does, or convert it to another form',
  builder: (y) =>
    withFilterInput(y)
      .option('format', {
        alias: 'f',
        describe: 'output: d = tcpdump -d listing, ddd/dd = tcpdump -ddd/-dd, comma = bpf_asm form, bin = raw struct sock_filter',
        choices: OUTPUT_FORMATS,
        default: 'd' as OutputFormat,
      })
      .option('output-endian', {
        describe: 'byte order of -f bin output (default: --endian)',
        choices: ENDIANS,
      })
      .option('output', { alias: 'o', describe: 'write to FILE (atomically) instead of stdout', type: 'string' })
      .example('$0 disasm prog.ddd', 'print the listing of a tcpdump -ddd program')
      .example('tcpdump -ddd ip | $0 disasm - -f bin -o ip.bin', 'convert to raw little-endian records'),
  handler: (argv) => {
    const prog = loadClassicFromArgs(argv, 'cbpf2ebpf disasm FILTER');
    const out = render(prog, argv.format, argv['output-endian'] ?? argv.endian);
    if (argv.output !== undefined) writeFileAtomic(argv.output, out);
    else process.stdout.write(out);
  },
};
