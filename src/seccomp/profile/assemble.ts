/**
 * A small assembler for generated classic programs: instructions with symbolic forward jump
 * targets, laid out so that every conditional jump reaches its targets. A conditional jump
 * whose target is more than 255 instructions away reaches it through a `ja` right after it
 * (whose offset is 32-bit): one `ja` for one far target, two for both; the layout is relaxed
 * until it no longer changes.
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

const FAR_T = 1;
const FAR_F = 2;
const jumpSize = (state: number): number => 1 + (state & FAR_T ? 1 : 0) + (state & FAR_F ? 1 : 0);

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
    // Per conditional jump: FAR_T / FAR_F when that target goes through a `ja`.
    const far = new Map<number, number>();
    for (;;) {
      const at = new Map<Label, number>();
      const pcOf: number[] = [];
      let pc = 0;
      this.items.forEach((it, i) => {
        pcOf[i] = pc;
        if (it.kind === 'label') at.set(it.label, pc);
        else pc += it.kind === 'jmp' ? jumpSize(far.get(i) ?? 0) : 1;
      });
      let grew = false;
      this.items.forEach((it, i) => {
        if (it.kind !== 'jmp') return;
        const state = far.get(i) ?? 0;
        const base = pcOf[i]! + 1;
        let next = state;
        if (!(state & FAR_T) && at.get(it.t)! - base > 255) next |= FAR_T;
        if (!(state & FAR_F) && at.get(it.f)! - base > 255) next |= FAR_F;
        if (next !== state) {
          far.set(i, next);
          grew = true;
        }
      });
      if (!grew) return this.emit(at, pcOf, far);
    }
  }

  private emit(
    at: Map<Label, number>, pcOf: number[], far: Map<number, number>,
  ): { prog: ClassicInsn[]; provenance: Array<string | undefined> } {
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
          const state = far.get(i) ?? 0;
          if (state === (FAR_T | FAR_F)) {
            out(insn(JUMP_CODE[it.op], 0, 1, it.k >>> 0), it.why);
            out(insn(BPF_JMP | BPF_JA, 0, 0, target(it.t) - pc - 2), it.why);
            out(insn(BPF_JMP | BPF_JA, 0, 0, target(it.f) - pc - 3), it.why);
          } else if (state === FAR_T) {
            out(insn(JUMP_CODE[it.op], 0, target(it.f) - pc - 1, it.k >>> 0), it.why);
            out(insn(BPF_JMP | BPF_JA, 0, 0, target(it.t) - pc - 2), it.why);
          } else if (state === FAR_F) {
            out(insn(JUMP_CODE[it.op], target(it.t) - pc - 1, 0, it.k >>> 0), it.why);
            out(insn(BPF_JMP | BPF_JA, 0, 0, target(it.f) - pc - 2), it.why);
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
