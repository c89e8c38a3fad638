/**
 * What the disassembler needs to know at each instruction to print names: which word of
 * seccomp_data A, X and M[] hold a plain copy of (so `if (A == 59)` reads `if (A == execve)`
 * when A holds nr), and which arch the path has checked (so 59 is looked up in the right
 * table, and `args[0] >> 32` sits at the right offset for the arch's byte order).
 *
 * The facts flow forward along jumps (classic jumps only go forward), so one pass in pc order
 * settles every instruction before it is printed, and the assembler can run the same pass
 * while it parses, line by line.
 */
import type { ClassicInsn } from '../classic/insn.js';
import { classicForm } from '../classic/insn.js';
import { BPF_JEQ, BPF_MEMWORDS, BPF_W, bpfOp, bpfSize } from '../abi/opcodes.js';
import { SECCOMP_DATA } from '../abi/ctx.js';

/** The seccomp_data offset a register holds an unmodified copy of, or null. */
export type Source = number | null;

export interface FlowState {
  readonly a: Source;
  readonly x: Source;
  readonly mem: readonly Source[];
  /** The AUDIT_ARCH value every path to here has checked `arch` equal to, or null. */
  readonly arch: number | null;
}

const INITIAL: FlowState = { a: null, x: null, mem: new Array<Source>(BPF_MEMWORDS).fill(null), arch: null };

function merge(s: FlowState, t: FlowState): FlowState {
  if (s === t) return s;
  return {
    a: s.a === t.a ? s.a : null,
    x: s.x === t.x ? s.x : null,
    mem: s.mem.map((v, i) => (v === t.mem[i] ? v : null)),
    arch: s.arch === t.arch ? s.arch : null,
  };
}

export class SeccompFlow {
  private readonly states: Array<FlowState | undefined>;

  constructor(readonly length: number) {
    this.states = new Array<FlowState | undefined>(length);
    if (length > 0) this.states[0] = INITIAL;
  }

  /** Facts at `pc`, or undefined when no instruction before it leads there. */
  at(pc: number): FlowState | undefined {
    return this.states[pc];
  }

  private reach(pc: number, s: FlowState): void {
    if (pc < 0 || pc >= this.length) return;
    const old = this.states[pc];
    this.states[pc] = old ? merge(old, s) : s;
  }

  /** Moves the facts of `pc` through `i` to its successors. Call in increasing pc order. */
  apply(pc: number, i: ClassicInsn): void {
    const s = this.states[pc];
    if (!s) return;
    const f = classicForm(i.code);
    if (!f) return;
    const next = pc + 1;
    switch (f.kind) {
      case 'ld-abs':
        this.reach(next, { ...s, a: bpfSize(i.code) === BPF_W ? i.k : null });
        return;
      case 'ld-mem':
        this.reach(next, { ...s, a: s.mem[i.k] ?? null });
        return;
      case 'ldx-mem':
        this.reach(next, { ...s, x: s.mem[i.k] ?? null });
        return;
      case 'st':
      case 'stx': {
        if (i.k >= BPF_MEMWORDS) { this.reach(next, s); return; }
        const mem = s.mem.slice();
        mem[i.k] = f.kind === 'st' ? s.a : s.x;
        this.reach(next, { ...s, mem });
        return;
      }
      case 'tax':
        this.reach(next, { ...s, x: s.a });
        return;
      case 'txa':
        this.reach(next, { ...s, a: s.x });
        return;
      case 'ld-ind': case 'ld-imm': case 'ld-len': case 'alu-k': case 'alu-x': case 'neg':
        this.reach(next, { ...s, a: null });
        return;
      case 'ldx-imm': case 'ldx-len': case 'ldx-msh':
        this.reach(next, { ...s, x: null });
        return;
      case 'ja':
        this.reach(next + i.k, s);
        return;
      case 'jmp-k': {
        const onArch = s.a === SECCOMP_DATA.arch && bpfOp(i.code) === BPF_JEQ;
        this.reach(next + i.jt, onArch ? { ...s, arch: i.k } : s);
        this.reach(next + i.jf, s);
        return;
      }
      case 'jmp-x':
        this.reach(next + i.jt, s);
        this.reach(next + i.jf, s);
        return;
      case 'ret-k': case 'ret-a':
        return;
    }
  }
}
