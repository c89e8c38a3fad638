/**
 * What the output formats need to annotate a translation with its classic source: the origin
 * map and the text of each classic instruction (ebpf/format knows no classic BPF).
 */
import { argFail, checkObject } from '../args.js';
import { classicText } from '../classic/disasm.js';
import { checkClassicProgram } from '../classic/shape.js';
import type { ClassicProgram } from '../classic/insn.js';
import type { FormatOptions } from '../ebpf/format.js';
import type { Translation } from './translate.js';

/** FormatOptions that annotate `t`'s listing, JSON or C with the classic instructions of `prog`. */
export function annotationOf(prog: ClassicProgram, t: Pick<Translation, 'origin'>): FormatOptions {
  checkClassicProgram('annotationOf', prog);
  const origin = checkObject('annotationOf', 't', t, 'a Translation').origin;
  if (!(origin instanceof Int32Array)) argFail('annotationOf', 't.origin', 'an Int32Array (Translation.origin)', origin);
  return {
    annotate: true,
    origin: t.origin,
    sourceText: (pc) => {
      const ci = prog[pc];
      return ci ? classicText(ci, pc) : undefined;
    },
  };
}
