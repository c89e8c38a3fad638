/**
 * The block graph to a classic program, laid out as libpcap's icode_to_fcode lays it out:
 * a depth-first walk that places a block, then its true successors, then its false ones,
 * filling the program from the end; branches too long for 8 bits get a following `ja`.
 */
import { BPF_JA, BPF_JMP, bpfClass } from '../abi/opcodes.js';
import { insn, type ClassicInsn } from '../classic/insn.js';
import type { Block } from './blocks.js';
import { CompileError } from '../errors.js';

const NOP = -1;

export function linearize(root: Block): ClassicInsn[] {
  let generation = 0;
  for (;;) {
    generation++;
    const count = countInsns(root, generation);
    const out: Array<{ code: number; jt: number; jf: number; k: number }> =
      Array.from({ length: count }, () => ({ code: 0, jt: 0, jf: 0, k: 0 }));
    let tail = count;
    generation++;
    const gen = generation;
    const convert = (p: Block | null): boolean => {
      if (!p || p.mark === gen) return true;
      p.mark = gen;
      if (!convert(p.jf)) return false;
      if (!convert(p.jt)) return false;
      const stmts = p.stmts.filter((s) => s.code !== NOP);
      const slen = stmts.length;
      tail -= slen + 1 + p.longjt + p.longjf;
      p.offset = tail;
      let dst = tail;
      stmts.forEach((s, off) => {
        const d = out[dst]!;
        d.code = s.code;
        d.k = s.k;
        // libpcap leaves a jump second to last in a block unresolved (its "???" case).
        if (bpfClass(s.code) === BPF_JMP && s.code !== (BPF_JMP | BPF_JA) && off !== slen - 2) {
          const jt = stmts.indexOf(s.jt!);
          const jf = stmts.indexOf(s.jf!);
          if (jt < 0 || jf < 0 || jt - off - 1 >= 256 || jf - off - 1 >= 256) throw new CompileError('the filter needs a block-local jump that cannot be encoded', '', 0);
          d.jt = jt - off - 1;
          d.jf = jf - off - 1;
        }
        dst++;
      });
      const d = out[dst]!;
      d.code = p.code;
      d.k = p.k;
      if (p.jt && p.jf) {
        let extra = 0;
        let off = p.jt.offset - (p.offset + slen) - 1;
        if (off >= 256) {
          if (p.longjt === 0) {
            p.longjt++;
            return false;
          }
          d.jt = extra;
          extra++;
          out[dst + extra] = { code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: off - extra };
        } else d.jt = off;
        off = p.jf.offset - (p.offset + slen) - 1;
        if (off >= 256) {
          if (p.longjf === 0) {
            p.longjf++;
            return false;
          }
          d.jf = extra;
          extra++;
          out[dst + extra] = { code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: off - extra };
        } else d.jf = off;
      }
      return true;
    };
    if (convert(root)) return out.map((i) => insn(i.code, i.jt, i.jf, i.k));
  }
}

function countInsns(root: Block, gen: number): number {
  let n = 0;
  const stack: Block[] = [root];
  while (stack.length) {
    const b = stack.pop()!;
    if (b.mark === gen) continue;
    b.mark = gen;
    n += b.stmts.filter((s) => s.code !== NOP).length + 1 + b.longjt + b.longjf;
    if (b.jt) stack.push(b.jt);
    if (b.jf) stack.push(b.jf);
  }
  return n;
}
