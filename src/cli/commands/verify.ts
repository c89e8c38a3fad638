/**
 * `cbpf2ebpf verify PROG [--ctx skb|seccomp] [--classic]`: would our verifier let this
 * internal BPF program run? PROG is raw `struct bpf_insn` records, or with --classic a
 * classic filter (any form `check` reads) that is checked and translated first.
 */
import type { Argv, CommandModule } from 'yargs';
import { type LoopArgs, checkForTranslation, loopOptions, loopOptionsFromArgs } from '../loops.js';
import { decodeClassic } from '../../classic/decode.js';
import { disasmInsn } from '../../ebpf/disasm.js';
import { decodeProgram } from '../../ebpf/encode.js';
import type { Insn } from '../../ebpf/insn.js';
import { UsageError, VerifyError } from '../../errors.js';
import { translateClassic } from '../../translate/translate.js';
import { verifyProgram } from '../../verify/index.js';
import { readInput, sourceName } from '../../io/input.js';
import { CLASSIC_INPUT } from '../../classic/limits.js';
import { EBPF_RAW_INPUT } from '../../ebpf/limits.js';
import { checkVerifyInput } from '../misplaced.js';
import { type FilterInputArgs, filterInputOptions } from '../options.js';

interface VerifyArgs extends Omit<FilterInputArgs, 'filter'>, LoopArgs {
  prog: string;
  ctx: 'skb' | 'seccomp';
  classic: boolean;
}

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify <prog>',
  describe: 'verify an internal BPF program (or, with --classic, the translation of a classic one) with our verifier',
  builder: (y) =>
    y
      .positional('prog', {
        describe: 'raw struct bpf_insn records (8 bytes each, little-endian), or a classic filter with --classic; - for stdin',
        type: 'string',
        // yargs hands a lone `-` positional over as '' (see options.ts); '' is never a file name.
        coerce: (v: string) => (v === '' ? '-' : v),
      })
      .option('ctx', {
        describe: 'what R1 points at: a socket filter\'s __sk_buff, or a seccomp filter\'s seccomp_data',
        choices: ['skb', 'seccomp'] as const,
        default: 'skb' as const,
      })
      .option('classic', {
        describe: 'PROG is a classic filter: check it with Linux\'s rules and translate it first (as a seccomp filter with --ctx seccomp)',
        type: 'boolean',
        default: false,
      })
      .options({
        ...loopOptions,
        'bounded-loops': { ...loopOptions['bounded-loops'], describe: 'accept loops a known counter bounds (walked turn by turn, as Linux does for privileged programs); with --classic, also translate backward jumps into such loops' },
        'input-format': { ...filterInputOptions['input-format'], describe: `with --classic: ${filterInputOptions['input-format'].describe.replace('FILTER', 'PROG')}` },
        endian: { ...filterInputOptions.endian, describe: `with --classic: ${filterInputOptions.endian.describe}` },
      })
      .example('$0 -f bin -o prog.bin filter.ddd && $0 verify prog.bin', 'verify a translated program')
      .example('tcpdump -ddd "tcp port 80" | $0 verify --classic -', 'translate a tcpdump filter and verify the result')
      .example('$0 verify --classic --ctx seccomp policy.bpf', 'verify the translation of a seccomp filter') as unknown as Argv<VerifyArgs>,
  handler: (argv) => {
    const loops = loopOptionsFromArgs(argv);
    if (argv['loop-bound'] !== undefined && !argv.classic) throw new UsageError('--loop-bound goes with --classic (it bounds the translation\'s loops)');
    const source = sourceName(argv.prog);
    const bytes = readInput(argv.prog, argv.classic ? CLASSIC_INPUT : EBPF_RAW_INPUT);
    let insns: Insn[];
    let origin: Int32Array | undefined;
    if (argv.classic) {
      const profile = argv.ctx === 'seccomp' ? 'seccomp' : 'socket';
      const classic = decodeClassic(bytes, { format: argv['input-format'], endian: argv.endian, source });
      checkForTranslation(classic, profile, loops.backwardLoops);
      ({ insns, origin } = translateClassic(classic, { profile, ...loops }));
    } else {
      checkVerifyInput(bytes, source);
      insns = decodeProgram(bytes, source);
    }
    const r = verifyProgram(insns, { ctx: argv.ctx, loops: argv['bounded-loops'] ? 'bounded' : 'refuse' });
    if (!r.ok) {
      // Name the offending instruction (and the classic one it came from) in the one-line error.
      const { pc, detail, path } = r.error;
      const text = pc < insns.length ? disasmInsn(insns[pc]!, insns[pc + 1]) : undefined;
      const from = origin && pc < origin.length && origin[pc]! >= 0 ? `, from classic insn ${origin[pc]}` : '';
      throw new VerifyError(pc, text ? `\`${text}\`${from}: ${detail}` : detail, path);
    }
    process.stdout.write(`ok (${r.insnsProcessed} instructions, ${r.states} states)\n`);
  },
};
