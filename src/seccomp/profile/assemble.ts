/**
 * A small assembler for generated classic programs: instructions with symbolic forward jump
 * targets, laid out so that every conditional jump reaches its targets. A conditional jump
 * whose target is more than 255 instructions away becomes `jcc +0/+1` over two `ja`s (whose
 * offsets are 32-bit), found by relaxing until the layout no longer changes.
 */
import { BPF_ALU, BPF_AND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_K, BPF_RET, BPF_ABS, BPF_LD, BPF_W } from '../../abi/opcodes.js';
import { type ClassicInsn, insn } from '../../classic/insn.js';

export type Label = number;
export type JumpOp = 'jeq' | 'jgt' | 'jge' | 'jset';

export type Item =
  | { readonly kind: 'label'; readonly label: Label }
  | { readonly kind: 'ld'; readonly offset: number; readonly why?: string }
  | { readonly kind: 'and'; readonly k: number; readonly why?: string }
  | { readonly kind: 'jmp'; readonly op: JumpOp; readonly k: number; readonly t: Label; readonly f: Label; readonly why?: string }
  | { readonly kind: 'ja'; readonly target: Label; readonly why?: string }
  | { readonly kind: 'ret'; readonly k: number; readonly why?: string };

const JUMP_CODE: Readonly<Record<JumpOp, number>> = {
  jeq: BPF_JMP | BPF_JEQ | BPF_K, jgt: BPF_JMP | BPF_JGT | BPF_K, jge: BPF_JMP | BPF_JGE | BPF_K, jset: BPF_JMP | BPF_JSET | BPF_K,
};

/** Collects items; labels are numbers handed out by `label()`. */
export class ProgramBuilder {
  readonly items: Item[] = [];
  private next = 0;

  label(): Label {
    return this.next++;
  }

  place(label: Label): void {
    this.items.push({ kind: 'label', label });
  }

  push(item: Item): void {
    this.items.push(item);
  }

  /** The program and, per instruction, the `why` of the item it came from. */
  assemble(): { prog: ClassicInsn[]; provenance: Array<string | undefined> } {
    const far = new Set<number>();
    for (;;) {
      const at = new Map<Label, number>();
      const pcOf: number[] = [];
      let pc = 0;
      this.items.forEach((it, i) => {
        pcOf[i] = pc;
        if (it.kind === 'label') at.set(it.label, pc);
        else pc += it.kind === 'jmp' && far.has(i) ? 3 : 1;
      });
      let grew = false;
      this.items.forEach((it, i) => {
        if (it.kind !== 'jmp' || far.has(i)) return;
        const base = pcOf[i]! + 1;
        const t = at.get(it.t)! - base;
        const f = at.get(it.f)! - base;
        if (t > 255 || f > 255) {
          far.add(i);
          grew = true;
        }
      });
      if (!grew) return this.emit(at, pcOf, far);
    }
  }

  private emit(at: Map<Label, number>, pcOf: number[], far: Set<number>): { prog: ClassicInsn[]; provenance: Array<string | undefined> } {
    const prog: ClassicInsn[] = [];
    const provenance: Array<string | undefined> = [];
    const out = (i: ClassicInsn, why: string | undefined): void => {
      prog.push(i);
      provenance.push(why);
    };
    const target = (l: Label): number => {
      const pc = at.get(l);
      if (pc === undefined) throw new Error(`internal: label ${l} never placed`);
      return pc;
    };
    this.items.forEach((it, i) => {
      const pc = pcOf[i]!;
      switch (it.kind) {
        case 'label': return;
        case 'ld': return out(insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, it.offset), it.why);
        case 'and': return out(insn(BPF_ALU | BPF_AND | BPF_K, 0, 0, it.k >>> 0), it.why);
        case 'ret': return out(insn(BPF_RET | BPF_K, 0, 0, it.k >>> 0), it.why);
        case 'ja': return out(insn(BPF_JMP | BPF_JA, 0, 0, target(it.target) - pc - 1), it.why);
        case 'jmp': {
          if (far.has(i)) {
            out(insn(JUMP_CODE[it.op], 0, 1, it.k >>> 0), it.why);
            out(insn(BPF_JMP | BPF_JA, 0, 0, target(it.t) - pc - 2), it.why);
            out(insn(BPF_JMP | BPF_JA, 0, 0, target(it.f) - pc - 3), it.why);
          } else {
            const t = target(it.t) - pc - 1;
            const f = target(it.f) - pc - 1;
            if (t < 0 || f < 0) throw new Error('internal: a backward jump');
            out(insn(JUMP_CODE[it.op], t, f, it.k >>> 0), it.why);
          }
          return;
        }
      }
    });
    return { prog, provenance };
  }
}
