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
import {
  BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_CALL, BPF_CMPXCHG, BPF_DW, BPF_END, BPF_EXIT, BPF_FETCH, BPF_IMM,
  BPF_IND, BPF_JA, BPF_JMP, BPF_JMP32, BPF_LD, BPF_LDX, BPF_MEM, BPF_MOV, BPF_NEG, BPF_ST, BPF_STX, BPF_X,
  MAX_BPF_STACK, R0, R10, R6, SIZE_BYTES, bpfClass, bpfMode, bpfOp, bpfSize, bpfSrc,
} from '../ebpf/opcodes.js';
import type { Insn } from '../ebpf/insn.js';
import type { Cfg } from './cfg.js';

export interface Liveness {
  /** Live-in registers per instruction (bit r = R r; R10 is never included). */
  readonly regs: Uint16Array;
  /** Live-in stack chunks per instruction, `stackWords` words each; null when every chunk counts as live. */
  readonly stack: Uint32Array | null;
  readonly stackWords: number;
}

const bit = (r: number): number => (r === R10 ? 0 : 1 << r);
const CALLER_SAVED = 0b111111; // R0..R5

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
    const cls = bpfClass(i.code);
    if (readsAsValue(i, R10)) directOnly = false;
    const base = cls === BPF_LDX ? i.src : cls === BPF_ST || cls === BPF_STX ? i.dst : -1;
    if (base === R10 && i.off < 0) deepest = Math.max(deepest, Math.min(-i.off, MAX_BPF_STACK));
  }
  const depth = directOnly ? Math.min(MAX_BPF_STACK, (deepest + 31) & ~31) : MAX_BPF_STACK;
  return { directOnly, depth };
}

/** True when the instruction reads register `r` as a value (not merely as a memory base). */
function readsAsValue(i: Insn, r: number): boolean {
  const cls = bpfClass(i.code);
  const x = bpfSrc(i.code) === BPF_X;
  switch (cls) {
    case BPF_ALU: case BPF_ALU64: {
      const op = bpfOp(i.code);
      if (op === BPF_NEG || op === BPF_END) return i.dst === r;
      if (op === BPF_MOV) return x && i.src === r;
      return i.dst === r || (x && i.src === r);
    }
    case BPF_STX: return i.src === r;
    case BPF_LD: return bpfMode(i.code) === BPF_IND && i.src === r;
    case BPF_JMP: case BPF_JMP32: {
      const op = bpfOp(i.code);
      if (op === BPF_JA || op === BPF_CALL || op === BPF_EXIT) return false;
      return i.dst === r || (x && i.src === r);
    }
    default: return false;
  }
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

function regUseDef(i: Insn, helperArgs: (id: number) => number): [number, number] {
  const cls = bpfClass(i.code);
  const op = bpfOp(i.code);
  const x = bpfSrc(i.code) === BPF_X;
  switch (cls) {
    case BPF_ALU: case BPF_ALU64:
      if (op === BPF_MOV) return [x ? bit(i.src) : 0, bit(i.dst)];
      if (op === BPF_NEG || op === BPF_END) return [bit(i.dst), bit(i.dst)];
      return [bit(i.dst) | (x ? bit(i.src) : 0), bit(i.dst)];
    case BPF_LDX: return [bit(i.src), bit(i.dst)];
    case BPF_ST: return [bit(i.dst), 0];
    case BPF_STX:
      if (bpfMode(i.code) === BPF_ATOMIC) {
        if (i.imm === BPF_CMPXCHG) return [bit(i.dst) | bit(i.src) | bit(R0), bit(R0)];
        return [bit(i.dst) | bit(i.src), i.imm & BPF_FETCH ? bit(i.src) : 0];
      }
      return [bit(i.dst) | bit(i.src), 0];
    case BPF_LD:
      if (i.code === (BPF_LD | BPF_IMM | BPF_DW)) return [0, bit(i.dst)];
      return [bit(R6) | (bpfMode(i.code) === BPF_IND ? bit(i.src) : 0), CALLER_SAVED];
    case BPF_JMP: case BPF_JMP32:
      if (op === BPF_EXIT) return [bit(R0), 0];
      if (op === BPF_JA) return [0, 0];
      if (op === BPF_CALL) {
        let args = 0;
        for (let r = 1; r <= Math.min(5, helperArgs(i.imm)); r++) args |= 1 << r;
        return [args, CALLER_SAVED];
      }
      return [bit(i.dst) | (x ? bit(i.src) : 0), 0];
    default:
      return [0, 0];
  }
}

/** Marks the chunks an `[r10 + off]` access reads (use) or completely overwrites (def). */
function stackUseDef(i: Insn, depth: number, useW: Uint32Array, defW: Uint32Array): void {
  const cls = bpfClass(i.code);
  const base = cls === BPF_LDX ? i.src : cls === BPF_ST || cls === BPF_STX ? i.dst : -1;
  if (base !== R10) return;
  const size = SIZE_BYTES[bpfSize(i.code)]!;
  const first = depth + i.off;
  const last = first + size - 1;
  if (first < 0 || i.off + size > 0) return; // out of bounds: step 2 rejects it
  const reads = cls === BPF_LDX || bpfMode(i.code) === BPF_ATOMIC;
  if (reads) {
    for (let c = first >> 2; c <= last >> 2; c++) useW[c >> 5] |= 1 << (c & 31);
  } else if (bpfMode(i.code) === BPF_MEM) {
    for (let c = (first + 3) >> 2; 4 * c + 3 <= last; c++) defW[c >> 5] |= 1 << (c & 31);
  }
}

