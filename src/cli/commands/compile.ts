/** `cbpf2ebpf compile [-y LINKTYPE] [-s SNAPLEN] [-O] [-f FORMAT] EXPRESSION...`: tcpdump -d without tcpdump. */
import type { CommandModule } from 'yargs';
import { disassembleClassic } from '../../classic/disasm.js';
import { type Endian, encodeClassicRaw, formatComma, formatDd, formatDdd } from '../../classic/encode.js';
import type { ClassicProgram } from '../../classic/insn.js';
import { compileFilter, DEFAULT_SNAPLEN } from '../../compile/index.js';
import { UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../io/output.js';
import { ENDIANS } from '../options.js';

const FORMATS = ['listing', 'ddd', 'dd', 'comma', 'bin'] as const;
type Format = (typeof FORMATS)[number];

interface CompileArgs {
  expression?: string[];
  linktype: string;
  snaplen: number;
  O: boolean;
  format: Format;
  output?: string;
  'output-endian': Endian;
}

function render(prog: ClassicProgram, format: Format, endian: Endian): string | Uint8Array {
  switch (format) {
    case 'listing': return disassembleClassic(prog);
    case 'ddd': return formatDdd(prog);
    case 'dd': return formatDd(prog);
    case 'comma': return formatComma(prog);
    case 'bin': return encodeClassicRaw(prog, endian);
  }
}

export const compileCommand: CommandModule<object, CompileArgs> = {
  command: 'compile [expression..]',
  describe: 'compile a pcap-filter expression to a classic program, as libpcap does (tcpdump -d)',
  builder: (y) =>
    y
      .positional('expression', { describe: 'the filter expression; several words are joined with spaces, as tcpdump joins them', type: 'string', array: true })
      .option('linktype', { alias: 'y', describe: 'link type: EN10MB, RAW, LINUX_SLL, LINUX_SLL2, NULL, LOOP, IPV4, IPV6, PPP, ... (docs/compile.md) or a LINKTYPE_ number', type: 'string', default: 'EN10MB' })
      .option('snaplen', { alias: 's', describe: 'snapshot length accepted packets return', type: 'number', default: DEFAULT_SNAPLEN })
      .option('O', { describe: "do not run the optimizer (tcpdump's -O)", type: 'boolean', default: false })
      .option('format', {
        alias: 'f',
        describe: 'output: listing = tcpdump -d, ddd/dd = tcpdump -ddd/-dd, comma = bpf_asm form, bin = raw struct sock_filter',
        choices: FORMATS,
        default: 'listing' as Format,
      })
      .option('output-endian', { describe: 'byte order of -f bin output', choices: ENDIANS, default: 'little' as Endian })
      .option('output', { alias: 'o', describe: 'write to FILE (atomically) instead of stdout', type: 'string' })
      .example("$0 compile 'tcp port 80'", 'the program tcpdump -d "tcp port 80" prints')
      .example('$0 compile -O -y LINUX_SLL host 10.0.0.1', "libpcap's unoptimized program for a Linux cooked capture")
      .example("$0 compile -f ddd 'vlan and udp' | $0 translate -", 'compile, then translate to internal BPF'),
  handler: (argv) => {
    const words = (argv.expression ?? []).map(String);
    if (argv.snaplen !== undefined && !(Number.isInteger(argv.snaplen) && argv.snaplen >= 0 && argv.snaplen <= 0xffffffff)) {
      throw new UsageError(`--snaplen must be an integer from 0 to 4294967295, got ${argv.snaplen}`);
    }
    const linktype = /^\d+$/.test(argv.linktype) ? Number(argv.linktype) : argv.linktype;
    const prog = compileFilter(words.join(' '), { linktype, snaplen: argv.snaplen, optimize: !argv.O });
    const out = render(prog, argv.format, argv['output-endian']);
    if (argv.output !== undefined) writeFileAtomic(argv.output, out);
    else process.stdout.write(out);
  },
};
