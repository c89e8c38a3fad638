/**
 * Which register halves the rest of a run may still read, so the code generator writes
 * neither dead halves nor known halves nobody will read (at edges). A half is a bit: low
 * half of r = bit r, high half = bit 11 + r. Conservative where exactness would cost: a
 * helper call reads every register (it gets a copy of all of them), a BPF-to-BPF call and
 * the return from one read everything, a memory access reads R10's low half (fault
 * messages name the frame). An instruction without side effects whose results are dead
 * reads nothing (so chains of dead moves disappear together).
 */
import type { Insn, Program } from '../../ebpf/insn.js';
import { BPF_PSEUDO_CALL } from '../../ebpf/opcodes.js';
import type { Cfg } from './blocks.js';

export const LO = (r: number): number => 1 << r;
export const HI = (r: number): number => 1 << (11 + r);
const BOTH = (r: number): number => LO(r) | HI(r);
export const ALL = (1 << 22) - 1;

/** [halves read, halves written] by one instruction. */
function useDef(i: Insn, localCalls: boolean): [number, number] {
  const c = i.code, cls = c & 7, op = c & 0xf0, isX = (c & 8) !== 0, d = i.dst, s = i.src;
  switch (cls) {
    case 0:
      if (c === 0x18) return [0, BOTH(d)];
      return [(c & 0xe0) === 0x40 ? LO(s) : 0, BOTH(0)];
    case 1: return [BOTH(s) | LO(10), BOTH(d)];
    case 2: return [BOTH(d) | LO(10), 0];
    case 3:
      if ((c & 0xe0) === 0xc0) {
        return [BOTH(d) | BOTH(s) | BOTH(0) | LO(10), i.imm === 0xf1 ? BOTH(0) : (i.imm & 1) ? BOTH(s) : 0];
      }
      return [BOTH(d) | BOTH(s) | LO(10), 0];
    case 4:
      if (op === 0xd0) {
        if (!isX) return i.imm === 16 ? [LO(d), BOTH(d)] : i.imm === 32 ? [0, HI(d)] : [0, 0];
        return i.imm === 64 ? [BOTH(d), BOTH(d)] : [LO(d), BOTH(d)];
      }
      if (op === 0xb0) return [isX ? LO(s) : 0, BOTH(d)];
      return [LO(d) | (isX ? LO(s) : 0), BOTH(d)];
    case 7:
      if (op === 0xb0) return [isX ? (i.off === 0 ? BOTH(s) : LO(s)) : 0, BOTH(d)];
      if (op === 0xd0) return [i.imm === 64 ? BOTH(d) : LO(d), BOTH(d)];
      return [BOTH(d) | (isX ? BOTH(s) : 0), BOTH(d)];
    default: // JMP, JMP32
      if (op === 0x00) return [0, 0];
      if (op === 0x90) return [localCalls ? ALL : BOTH(0), 0];
      if (op === 0x80) {
        if (c === 0x85 && s === BPF_PSEUDO_CALL) return [ALL, 0];
        return [ALL, BOTH(0) | BOTH(1) | BOTH(2) | BOTH(3) | BOTH(4) | BOTH(5)];
      }
      if (cls === 6) return [LO(d) | (isX ? LO(s) : 0), 0];
      return [BOTH(d) | (isX ? BOTH(s) : 0), 0];
  }
}

export interface Liveness {
  /** Halves live after the instruction at each pc. */
  readonly after: Int32Array;
  /** Halves live where each block starts. */
  readonly blockIn: ReadonlyMap<number, number>;
}

export function liveness(cfg: Cfg, prog: Program): Liveness {
  const after = new Int32Array(prog.length + 1);
  const blockIn = new Map<number, number>();
  for (const id of cfg.reachable) blockIn.set(id, 0);
  const order = [...cfg.reachable].reverse();
  for (let changed = true; changed;) {
    changed = false;
    for (const id of order) {
      const b = cfg.blocks.get(id)!;
      let live = 0;
      for (const t of b.succ) live |= blockIn.get(t) ?? 0;
      for (let j = b.pcs.length - 1; j >= 0; j--) {
        const pc = b.pcs[j]!;
        after[pc] = live;
        const i = prog[pc]!;
        const [use, def] = useDef(i, cfg.hasLocalCalls);
        // An ALU instruction or LD IMM64 whose result nobody reads is dead: its operands are not read either.
        const pure = (i.code & 7) === 4 || (i.code & 7) === 7 || i.code === 0x18;
        if (!pure || (live & def) !== 0) live = (live & ~def) | use;
      }
      if (live !== blockIn.get(id)) {
        blockIn.set(id, live);
        changed = true;
      }
    }
  }
  return { after, blockIn };
}
