/**
 * Backward jumps in classic programs, the one thing libpcap emits that Linux refuses:
 * `protochain N` (and `ip protochain`, `ip6 protochain`) walks a chain of IPv6 extension
 * headers (or IPv4 AH headers) with a `ja` whose k, read as a signed 32-bit number, jumps back.
 * libpcap's interpreter sign-extends that k; Linux reads it unsigned and refuses the program.
 *
 * This module finds such back edges and says which loop shapes a bounded translation takes:
 * only `ja` jumps back (conditional offsets are unsigned bytes anyway); each loop has one way
 * in (its head dominates the jump back); and every cycle reads the packet at an X-relative
 * offset (`ld [x + k]`), as a walk over headers does. Anything else is refused (CheckError,
 * rule `loop-shape`, exit 65).
 */
import { CheckError } from '../errors.js';
import { classicText } from './disasm.js';
import { type ClassicInsn, type ClassicProgram, classicForm } from './insn.js';

/** A jump back: the `ja` at `from` goes to `to` (to <= from). */
export interface BackEdge {
  readonly from: number;
  readonly to: number;
}

/** Where `ja` at `pc` lands with libpcap's reading of k (signed); may be outside the program. */
export const signedJaTarget = (i: ClassicInsn, pc: number): number => pc + 1 + (i.k | 0);

/** Whether the instruction at `pc` is a `ja` that lands at or before itself (libpcap's reading). */
export function isBackwardJa(i: ClassicInsn, pc: number): boolean {
  return classicForm(i.code)?.kind === 'ja' && signedJaTarget(i, pc) <= pc;
}

/** Every backward `ja` in pc order (with its target, which may be negative: out of range). */
export function findBackEdges(prog: ClassicProgram): BackEdge[] {
  const out: BackEdge[] = [];
  for (let pc = 0; pc < prog.length; pc++) {
    const i = prog[pc]!;
    if (isBackwardJa(i, pc)) out.push({ from: pc, to: signedJaTarget(i, pc) });
  }
  return out;
}

/** Successors of `pc` with backward `ja`s followed as libpcap does; targets may be out of range. */
export function loopSuccessors(prog: ClassicProgram, pc: number): number[] {
  const i = prog[pc]!;
  switch (classicForm(i.code)?.kind) {
    case 'ret-k': case 'ret-a': return [];
    case 'ja': return [isBackwardJa(i, pc) ? signedJaTarget(i, pc) : pc + 1 + i.k];
    case 'jmp-k': case 'jmp-x': return i.jt === i.jf ? [pc + 1 + i.jt] : [pc + 1 + i.jt, pc + 1 + i.jf];
    default: return [pc + 1];
  }
}

function loopViolation(prog: ClassicProgram, pc: number, detail: string): CheckError {
  return new CheckError(pc, classicText(prog[pc]!, pc), 'loop-shape', detail);
}

/** Which instructions a run from 0 reaches without passing `avoid` (-1: avoid nothing); targets in range only. */
function reachFrom(prog: ClassicProgram, avoid: number): Uint8Array {
  const seen = new Uint8Array(prog.length);
  if (avoid === 0) return seen;
  const stack = [0];
  seen[0] = 1;
  while (stack.length > 0) {
    const pc = stack.pop()!;
    for (const s of loopSuccessors(prog, pc)) {
      if (s < 0 || s >= prog.length || s === avoid || seen[s]) continue;
      seen[s] = 1;
      stack.push(s);
    }
  }
  return seen;
}

/**
 * A cycle made only of instructions that are not `ld [x + k]` loads, if there is one: the
 * instruction where it closes. Iterative three-colour DFS from every reachable instruction.
 */
function cycleWithoutIndirectLoad(prog: ClassicProgram, reach: Uint8Array): number | undefined {
  const n = prog.length;
  const color = new Uint8Array(n); // 0 white, 1 on stack, 2 done
  const isIndLoad = (pc: number): boolean => classicForm(prog[pc]!.code)?.kind === 'ld-ind';
  for (let root = 0; root < n; root++) {
    if (!reach[root] || color[root] || isIndLoad(root)) continue;
    const stack: Array<[number, number[]]> = [[root, loopSuccessors(prog, root)]];
    color[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const next = top[1].pop();
      if (next === undefined) {
        color[top[0]] = 2;
        stack.pop();
        continue;
      }
      if (next < 0 || next >= n || isIndLoad(next)) continue;
      if (color[next] === 1) return top[0];
      if (color[next] === 0) {
        color[next] = 1;
        stack.push([next, loopSuccessors(prog, next)]);
      }
    }
  }
  return undefined;
}

/**
 * Throws CheckError (rule `loop-shape`) unless every backward `ja` of `prog` closes a loop the
 * bounded translation takes; returns the back edges (none for a loop-free program). Only
 * the loops are judged here: the rest of Linux's rules are checkForBoundedLoops'.
 */
export function checkLoopShape(prog: ClassicProgram): BackEdge[] {
  const edges = findBackEdges(prog);
  if (edges.length === 0) return edges;
  const reach = reachFrom(prog, -1);
  for (const { from, to } of edges) {
    if (to < 0) {
      throw loopViolation(prog, from, `ja lands at ${to}, before the first instruction`);
    }
    if (!reach[from]) continue; // dead code: never translated
    if (reachFrom(prog, to)[from]) {
      throw loopViolation(prog, from,
        `the loop back to ${to} can be entered without passing ${to} (only loops with a single entry are translated)`);
    }
  }
  const at = cycleWithoutIndirectLoad(prog, reach);
  if (at !== undefined) {
    throw loopViolation(prog, at,
      'a cycle through this instruction reads no packet byte at an X-relative offset (ld [x + k]); ' +
      'only loops that walk the packet, like protochain\'s, are translated');
  }
  return edges;
}
