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
import { BPF_ALU64, BPF_K, BPF_MOV, BPF_X, R0, R10 } from '../../ebpf/opcodes.js';
import { OPCODES, insnRegs } from '../../ebpf/opcode-table.js';
import type { Cfg } from './blocks.js';

export const LO = (r: number): number => 1 << r;
export const HI = (r: number): number => 1 << (11 + r);
const BOTH = (r: number): number => LO(r) | HI(r);
export const ALL = (1 << 22) - 1;

/** Both halves of every register in a register mask (bit r = Rr). */
function both(mask: number): number {
  return (mask & 0x7ff) | ((mask & 0x7ff) << 11);
}

/**
 * [halves read, halves written] by one instruction: the registers of insnRegs (the one
 * use/def), narrowed to the halves the generated code touches. 32-bit operations read only
 * low halves; a byte swap or truncation reads what its width keeps; a packet load reads the
 * packet parameters, not R6, and leaves R1-R5 as they are.
 */
function useDef(i: Insn, localCalls: boolean): [number, number] {
  const info = OPCODES[i.code]!;
  const d = i.dst, s = i.src;
  const r = insnRegs(i);
  switch (info.kind) {
    case 'ldabs': case 'ldind': return [info.kind === 'ldind' ? LO(s) : 0, BOTH(R0)];
    case 'ldx': case 'st': case 'stx': return [both(r.reads) | LO(R10), both(r.writes)];
    // The generated code passes R0 to every atomic operation (emit.ts).
    case 'atomic': return [both(r.reads) | BOTH(R0) | LO(R10), both(r.writes)];
    case 'end':
      if (info.cls === BPF_ALU64) return [i.imm === 64 ? BOTH(d) : LO(d), BOTH(d)];
      if (info.source === BPF_K) return i.imm === 16 ? [LO(d), BOTH(d)] : i.imm === 32 ? [0, HI(d)] : [0, 0]; // to LE: truncation
      return i.imm === 64 ? [BOTH(d), BOTH(d)] : [LO(d), BOTH(d)];
    case 'alu': case 'neg': case 'jcond':
      if (info.width === 32) return [r.reads, both(r.writes)]; // low halves only; ALU zero-extends
      if (info.kind === 'alu' && info.op === BPF_MOV && info.source === BPF_X && i.off !== 0) return [LO(s), BOTH(d)]; // movsx
      return [both(r.reads), both(r.writes)];
    case 'exit': return [localCalls ? ALL : BOTH(R0), 0];
    // A helper gets a copy of every register; a local call and the return from one read everything.
    case 'call': case 'callx': return [ALL, both(r.writes | r.clobbers)];
    default: return [both(r.reads), both(r.writes)];
  }
}

/** Instructions without side effects: when nothing reads their result, they read nothing either. */
const isPure = (i: Insn): boolean => {
  const kind = OPCODES[i.code]!.kind;
  return kind === 'alu' || kind === 'neg' || kind === 'end' || kind === 'lddw';
};

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
        if (!isPure(i) || (live & def) !== 0) live = (live & ~def) | use;
      }
      if (live !== blockIn.get(id)) {
        blockIn.set(id, live);
        changed = true;
      }
    }
  }
  return { after, blockIn };
}
