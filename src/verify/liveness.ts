/**
 * Which registers and stack bytes may still be read at each instruction. Step 2 compares
 * states only on what is live, so paths that differ in dead values merge (the kernel's
 * liveness marks serve the same purpose). On a DAG one pass in post-order (successors first)
 * is exact; with loops, passes repeat until nothing changes.
 *
 * The stack is tracked in 4-byte chunks, and only when the program addresses the stack
 * solely as `[r10 + constant]`; a program that copies R10 into another register gets every
 * chunk treated as live, and a full 512-byte model.
 */
import { MAX_BPF_STACK, R10 } from '../ebpf/opcodes.js';
import { type OpcodeInfo, OPCODES, insnRegs } from '../ebpf/opcode-table.js';
import type { Insn } from '../ebpf/insn.js';
import type { Cfg } from './cfg.js';

export interface Liveness {
  /** Live-in registers per instruction (bit r = R r; R10 is never included). */
  readonly regs: Uint16Array;
  /** Live-in stack chunks per instruction, `stackWords` words each; null when every chunk counts as live. */
  readonly stack: Uint32Array | null;
  readonly stackWords: number;
}

/** How deep the program reaches into the stack, and whether it only ever uses R10 as a base register. */
export interface StackUse {
  readonly directOnly: boolean;
  /** Bytes below the frame pointer to model: a multiple of 32, at most 512. */
  readonly depth: number;
}

export function stackUse(prog: readonly Insn[], cfg: Cfg): StackUse {
  let directOnly = true;
  let deepest = 0;
  for (let pc = 0; pc < prog.length; pc++) {
    if (cfg.ldImm64Tail[pc]) continue;
    const i = prog[pc]!;
    if ((insnRegs(i).values & (1 << R10)) !== 0) directOnly = false;
    const base = memoryBase(OPCODES[i.code]!, i);
    if (base === R10 && i.off < 0) deepest = Math.max(deepest, Math.min(-i.off, MAX_BPF_STACK));
  }
  const depth = directOnly ? Math.min(MAX_BPF_STACK, (deepest + 31) & ~31) : MAX_BPF_STACK;
  return { directOnly, depth };
}

export function computeLiveness(prog: readonly Insn[], cfg: Cfg, use: StackUse, helperArgs: (id: number) => number): Liveness {
  const n = prog.length;
  const regs = new Uint16Array(n);
  const chunks = use.depth >> 2;
  const stackWords = (chunks + 31) >> 5;
  const stack = use.directOnly && stackWords > 0 ? new Uint32Array(n * stackWords) : null;
  const useW = new Uint32Array(stackWords);
  const defW = new Uint32Array(stackWords);

  // Post-order visits successors first, so one pass is exact on a DAG; loops take passes until nothing changes.
  for (let changed = true; changed;) {
    changed = false;
    for (const pc of cfg.postOrder) {
      const i = prog[pc]!;
      const s0 = cfg.succ0[pc]!, s1 = cfg.succ1[pc]!;
      const [useR, defR] = regUseDef(i, helperArgs);
      let out = 0;
      if (s0 >= 0) out |= regs[s0]!;
      if (s1 >= 0) out |= regs[s1]!;
      const liveIn = useR | (out & ~defR);
      if (regs[pc] !== liveIn) changed = true;
      regs[pc] = liveIn;

      if (!stack) continue;
      useW.fill(0);
      defW.fill(0);
      stackUseDef(i, use.depth, useW, defW);
      const at = pc * stackWords;
      for (let w = 0; w < stackWords; w++) {
        let o = 0;
        if (s0 >= 0) o |= stack[s0 * stackWords + w]!;
        if (s1 >= 0) o |= stack[s1 * stackWords + w]!;
        const v = (useW[w]! | (o & ~defW[w]!)) >>> 0;
        if (stack[at + w] !== v) changed = true;
        stack[at + w] = v;
      }
    }
    if (!cfg.hasLoops) break;
  }
  return { regs, stack, stackWords };
}

/** insnRegs (the one use/def) as the kernel sees it: registers clobbered are defined, R10 never counts. */
function regUseDef(i: Insn, helperArgs: (id: number) => number): [number, number] {
  const r = insnRegs(i, helperArgs);
  return [r.reads & ~(1 << R10), (r.writes | r.clobbers) & ~(1 << R10)];
}

/** The register a load or store addresses memory through, or -1. */
function memoryBase(info: OpcodeInfo, i: Insn): number {
  if (info.kind === 'ldx') return i.src;
  return info.kind === 'st' || info.kind === 'stx' || info.kind === 'atomic' ? i.dst : -1;
}

/** Marks the chunks an `[r10 + off]` access reads (use) or completely overwrites (def). */
function stackUseDef(i: Insn, depth: number, useW: Uint32Array, defW: Uint32Array): void {
  const info = OPCODES[i.code]!;
  if (memoryBase(info, i) !== R10) return;
  const size = info.size;
  const first = depth + i.off;
  const last = first + size - 1;
  if (first < 0 || i.off + size > 0) return; // out of bounds: step 2 rejects it
  if (info.kind === 'ldx' || info.kind === 'atomic') {
    for (let c = first >> 2; c <= last >> 2; c++) useW[c >> 5]! |= 1 << (c & 31);
  } else {
    for (let c = (first + 3) >> 2; 4 * c + 3 <= last; c++) defW[c >> 5]! |= 1 << (c & 31);
  }
}

