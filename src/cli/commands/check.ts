/** `cbpf2ebpf check FILTER [--seccomp]`: would Linux accept this classic program? */
import type { CommandModule } from 'yargs';
import { checkForLinux, linuxWarnings } from '../../translate/kernel-check.js';
import { type FilterInputArgs, loadClassicFromArgs, withFilterInput } from '../options.js';

interface CheckArgs extends FilterInputArgs {
  seccomp: boolean;
}

export const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check [filter]',
  describe: "check a classic program with Linux's rules (bpf_check_classic, and seccomp's with --seccomp)",
  builder: (y) =>
    withFilterInput(y)
      .option('seccomp', {
        describe: 'also apply seccomp_check_filter (loads only from struct seccomp_data, no mod/ind/msh)',
        type: 'boolean',
        default: false,
      })
      .example('tcpdump -ddd ip | $0 check -', 'check a compiled tcpdump filter')
      .example('$0 check policy.bpf --seccomp', 'check a raw seccomp filter'),
  handler: (argv) => {
    const prog = loadClassicFromArgs(argv, 'cbpf2ebpf check FILTER');
    const opts = { profile: argv.seccomp ? 'seccomp' : 'socket' } as const;
    // A violation is a CheckError: main prints its one line and exits 65.
    checkForLinux(prog, opts);
    // A refusal that depends on a sysctl is a warning: the program is valid.
    for (const w of linuxWarnings(prog, opts)) process.stderr.write(`cbpf2ebpf: warning: ${w}\n`);
    process.stdout.write(`ok (${prog.length} instruction${prog.length === 1 ? '' : 's'})\n`);
  },
};
