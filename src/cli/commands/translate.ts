/**
 * `cbpf2ebpf [translate] FILTER`: the default command. Checks a classic program with Linux's
 * rules, translates it to internal BPF as Linux does, and prints it (listing, bin, hex,
 * json or C).
 */
import type { CommandModule } from 'yargs';
import { type LoopArgs, checkForTranslation, loopOptions, loopOptionsFromArgs } from '../loops.js';
import { type OutputFormat, OUTPUT_FORMATS, formatProgram, notLoadableReason } from '../../ebpf/format.js';
import { annotationOf } from '../../translate/annotate.js';
import { translateClassic } from '../../translate/translate.js';
import { writeFileAtomic } from '../../io/output.js';
import { type FilterInputArgs, loadClassicFromArgs, withFilterInput } from '../options.js';

interface TranslateArgs extends FilterInputArgs, LoopArgs {
  format: OutputFormat;
  output?: string;
  annotate: boolean;
  seccomp: boolean;
}

export const translateCommand: CommandModule<object, TranslateArgs> = {
  command: ['$0 [filter]', 'translate [filter]'],
  describe: 'check a classic program with Linux\'s rules and translate it to internal BPF (the default command)',
  builder: (y) =>
    withFilterInput(y)
      .option('format', {
        alias: 'f',
        describe: 'output: listing (index, bytes, disassembly), bin (raw struct bpf_insn), hex (one insn per line), json, c (struct bpf_insn with BPF_* macros)',
        choices: OUTPUT_FORMATS,
        default: 'listing' as OutputFormat,
      })
      .option('output', { alias: 'o', describe: 'write to FILE (atomically) instead of stdout', type: 'string' })
      .option('annotate', { describe: 'show the classic instruction each group of internal instructions comes from', type: 'boolean', default: false })
      .option('seccomp', { describe: 'translate as a seccomp filter: loads read struct seccomp_data, LEN is 64', type: 'boolean', default: false })
      .options(loopOptions)
      .example('tcpdump -ddd "tcp port 80" | $0 -', 'translate a tcpdump filter and print the listing')
      .example('$0 prog.ddd --annotate', 'show which classic instruction each internal one comes from')
      .example('$0 prog.ddd -f bin -o prog.o.bin', 'write raw struct bpf_insn records for bpf(BPF_PROG_LOAD)')
      .example('tcpdump -ddd "ip6 protochain 6" | $0 --bounded-loops -', 'translate a protochain filter into a bounded loop'),
  handler: (argv) => {
    const profile = argv.seccomp ? 'seccomp' : 'socket';
    const loops = loopOptionsFromArgs(argv);
    const prog = loadClassicFromArgs(argv, argv._[0] === 'translate' ? 'cbpf2ebpf translate FILTER' : 'cbpf2ebpf [command] FILTER [options]');
    checkForTranslation(prog, profile, loops.backwardLoops);
    const t = translateClassic(prog, { profile, ...loops });
    const out = formatProgram(t.insns, argv.format, { ...annotationOf(prog, t), annotate: argv.annotate });
    // Listing, json and C say it in the output; a warning on stderr covers every format.
    const reason = notLoadableReason(t.insns);
    if (reason) process.stderr.write(`cbpf2ebpf: warning: ${reason}\n`);
    if (argv.output !== undefined) writeFileAtomic(argv.output, out);
    else process.stdout.write(out);
  },
};
