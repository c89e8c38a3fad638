/**
 * Bounded translation of libpcap's backward jumps (`protochain`), behind the translator
 * option `backwardLoops: 'bounded'`. Linux's classic checker refuses any backward jump; the
 * internal-BPF verifier accepts a loop it can prove finite, so every backward `ja` becomes
 *
 *     if LOOP_REG == 0 goto bail;  LOOP_REG -= 1;  goto head;  bail: r0 = 0; exit
 *
 * with LOOP_REG (callee-saved R8, unused by the translation otherwise) set to the bound in
 * the prologue. The counter is a known constant on every path, so the verifier settles each
 * test without forking and walks the loop at most `bound` times. A packet whose walk would
 * need more than `bound` jumps back gets 0 (dropped): see docs/semantics.md for why the
 * default bound gives libpcap's verdict on every packet where libpcap's own loop ends.
 */
import { type CheckOptions } from '../classic/check.js';
import type { ClassicInsn, ClassicProgram } from '../classic/insn.js';
import { type BackEdge, checkLoopShape, loopSuccessors } from '../classic/loops.js';
import { classicText } from '../classic/disasm.js';
import { checkProfileArgs } from '../classic/shape.js';
import { BPF_ADD, BPF_JEQ, R8 } from '../ebpf/opcodes.js';
import { alu64Imm, exit, ja, jmpImm, mov32Imm, type Insn } from '../ebpf/insn.js';
import { CheckError, TranslateError } from '../errors.js';
import { expansion, type Expansion } from './expansion.js';
import { checkForLinux } from './kernel-check.js';
import { REG_A } from './regs.js';

/** The loop counter: callee-saved, so packet loads and helper calls leave it alone. */
export const REG_LOOP = R8;

/**
 * Default most jumps back per packet: 1024. For protochain it gives libpcap's verdict on every
 * packet libpcap returns on that is IPv4, IPv6 without AH up to 8 KiB, or IPv6 with AH up to
 * 2 KiB (docs/semantics.md says why); the Linux verifier walks this many turns of protochain's
 * body (2048 is past its limit of pending branches).
 */
export const DEFAULT_LOOP_BOUND = 1024;
/** The largest bound accepted: the kernel verifier walks every turn, so more would not load anyway. */
export const MAX_LOOP_BOUND = 1 << 16;

/** How the translator treats backward jumps: refuse them (Linux's rule, the default) or bound them. */
export type BackwardLoops = 'refuse' | 'bounded';

/**
 * Throws the first reason the program cannot be translated with bounded loops (CheckError,
 * exit 65): the loop shape (classic/loops.ts), then every rule of checkForLinux on the program
 * with each backward `ja` read as `ret #0` (what the loop-free rest must satisfy; scratch
 * memory stays sound because stores only ever add to what a loop's head already has).
 * A program without backward jumps is simply checked by checkForLinux.
 */
export function checkForBoundedLoops(prog: ClassicProgram, opts: CheckOptions = {}): void {
  const profile = checkProfileArgs('checkForBoundedLoops', prog, opts);
  if (profile === 'seccomp') {
    checkForLinux(prog, opts);
    return;
  }
  const edges = checkLoopShape(prog);
  if (edges.length === 0) {
    checkForLinux(prog, opts);
    return;
  }
  const last = prog.length - 1;
  if (edges.some((e) => e.from === last)) {
    throw new CheckError(last, classicText(prog[last]!, last), 'last-not-ret', 'the last instruction must be ret #k or ret a');
  }
  const backPcs = new Set(edges.map((e) => e.from));
  const RET_0: ClassicInsn = { code: 0x06, jt: 0, jf: 0, k: 0 };
  checkForLinux(prog.map((i, pc) => (backPcs.has(pc) ? RET_0 : i)), opts);
}

/** Which instructions run on some path from the first one, following backward jumps too. */
export function reachableWithLoops(prog: ClassicProgram): Uint8Array {
  const seen = new Uint8Array(prog.length);
  if (prog.length === 0) throw new TranslateError(0, 'empty program');
  const stack = [0];
  seen[0] = 1;
  while (stack.length > 0) {
    const pc = stack.pop()!;
    for (const next of loopSuccessors(prog, pc)) {
      if (next < 0 || next >= prog.length) {
        throw new TranslateError(pc, next === pc + 1 ? 'execution runs past the last instruction' : `jump to ${next}, outside the program`);
      }
      if (!seen[next]) {
        seen[next] = 1;
        stack.push(next);
      }
    }
  }
  return seen;
}

/** The loop counter's start, for the prologue. */
export const loopCounterInit = (bound: number): Insn => mov32Imm(REG_LOOP, bound);

/** A backward `ja` to classic `head`: count one turn, or end with 0 when the bound is spent. */
export function expandBackEdge(edge: BackEdge): Expansion {
  return expansion([
    jmpImm(BPF_JEQ, REG_LOOP, 0, 2),
    alu64Imm(BPF_ADD, REG_LOOP, -1),
    ja(0),
    mov32Imm(REG_A, 0),
    exit(),
  ], [{ at: 2, target: edge.to }]);
}

/** The back edges the translator must bound, by source pc (the shape already checked). */
export function backEdgesByPc(prog: ClassicProgram): Map<number, BackEdge> {
  return new Map(checkLoopShape(prog).map((e) => [e.from, e]));
}

