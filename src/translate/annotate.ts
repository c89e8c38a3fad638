/**
 * What the output formats need to annotate a translation with its classic source: the origin
 * map and the text of each classic instruction (ebpf/format knows no classic BPF).
 */
import { classicText } from '../classic/disasm.js';
import type { ClassicProgram } from '../classic/insn.js';
import type { FormatOptions } from '../ebpf/format.js';
import type { Translation } from './translate.js';

/** FormatOptions that annotate `t`'s listing, JSON or C with the classic instructions of `prog`. */
export function annotationOf(prog: ClassicProgram, t: Pick<Translation, 'origin'>): FormatOptions {
  return {
    annotate: true,
    origin: t.origin,
    sourceText: (pc) => {
      const ci = prog[pc];
      return ci ? classicText(ci, pc) : undefined;
    },
  };
}
