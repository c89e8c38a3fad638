/**
 * JavaScript for one internal BPF instruction at a time (see source.ts for the safety
 * invariant every line here keeps: only fixed text and checked integers).
 *
 * Registers are int32 locals `l<r>` (low half) and `h<r>` (high half); every assignment
 * keeps them int32 (`| 0`, `>> 0`), so halves compare with `===` like the interpreter's
 * Int32Array cells. A half the Knowledge says is constant is read as a literal and not
 * written at all (the driver writes it on the edges into code that no longer knows it),
 * which folds 32-bit values (upper half 0) into plain int32 code and pointer bases into
 * constant addresses. Temporaries: `t` (number), `v` (DataView or null), `r` (helper result).
 *
 * Steps are counted at compile time where the path is fixed: `steps()` is a constant, or
 * `st` plus a constant after a join of paths of different lengths (see compile.ts).
 */
import type { Insn, Program } from '../../ebpf/insn.js';
import {
  BPF_ADD, BPF_AND, BPF_ARSH, BPF_CMPXCHG, BPF_DIV, BPF_FETCH, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT, BPF_JNE,
  BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLT, BPF_LSH, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_MUL, BPF_NEG, BPF_OR, BPF_RSH,
  BPF_SUB, BPF_X, BPF_XOR,
} from '../../ebpf/opcodes.js';
import { type OpcodeInfo, OPCODES } from '../../ebpf/opcode-table.js';
import { REGION_BASE, REGION_CTX, REGION_MEM, REGION_STACK, STACK_BYTES, STACK_FRAME_BYTES } from '../memory.js';
import { transfer, type Knowledge } from './knowledge.js';
import { ALL, HI, LO } from './liveness.js';
import { hi, lo, num, reg } from './source.js';

const MAIN_STACK_LOW = STACK_BYTES - STACK_FRAME_BYTES;
/**
 * The run takes the packet window as parameters (compile.ts); the runtime's slow paths
 * (negative offsets, helpers) read it from env, so it is written there before them.
 */
const SYNC_PACKET = 'env.setPacketView(pd, ps, pl); ';

/** Locals a run binds on entry when the code uses them (see compile.ts). */
export type StateLocal = 'cv' | 'cl' | 'mv' | 'ml' | 'sv' | 'fl' | 'fh' | 'cs' | 'B' | 'fail';

export interface EmitMode {
  /** Check the instruction budget before every instruction (then `st` counts exactly). */
  readonly budgeted: boolean;
  /** The program has BPF-to-BPF calls: R10 moves, so stack bounds come from `l10`. */
  readonly localCalls: boolean;
  /**
   * Record each run in S.out (steps, R0's upper half, the exit pc), as run(env) does. The
   * packet entry does not: in a loop over packets in memory, three stores per packet cost
   * about a third of a short filter's time (docs/benchmarks.md).
   */
  readonly results: boolean;
}

/** Steps executed so far: `k`, plus `st` when `dyn`. */
export interface Steps {
  dyn: boolean;
  k: number;
}

const stepsExpr = (s: Steps): string => (s.dyn ? (s.k === 0 ? 'st' : `st + ${num(s.k)}`) : num(s.k));

export class InsnEmitter {
  readonly out: string[] = [];
  readonly uses = new Set<StateLocal>();
  /** Knowledge before the instruction being emitted; `insn()` advances it. */
  k!: Knowledge;
  /** Knowledge after it: halves it knows are not written. */
  private post!: Knowledge;
  /** Steps including the instruction being emitted. */
  s: Steps = { dyn: false, k: 0 };
  /** Halves live after the instruction being emitted (liveness.ts): dead ones are not written. */
  live = ALL;

  constructor(readonly prog: Program, readonly mode: EmitMode) {}

  line(s: string): void {
    if (s !== '') this.out.push(s);
  }

  use(local: StateLocal): void {
    this.uses.add(local);
  }

  /** Low / high half of r as an expression: a literal when known. */
  L(r: number): string {
    const v = this.k.lo[r];
    return v === null || v === undefined ? lo(r) : num(v);
  }

  H(r: number): string {
    const v = this.k.hi[r];
    return v === null || v === undefined ? hi(r) : num(v);
  }

  /** Assignment of the low / high half of r, or nothing when the result is known. */
  private wl(r: number, expr: string): string {
    return this.post.lo[r] === null && (this.live & LO(r)) !== 0 ? `${lo(r)} = ${expr}; ` : '';
  }

  private wh(r: number, expr: string): string {
    return this.post.hi[r] === null && (this.live & HI(r)) !== 0 ? `${hi(r)} = ${expr}; ` : '';
  }

  steps(): string {
    return stepsExpr(this.s);
  }

  /** Ends the run normally with R0 as the knowledge before the current instruction has it. */
  finish(pc: number): string {
    const l0 = this.k.lo[0] ?? null;
    return `${this.record(this.steps(), this.H(0), pc)}return ${l0 === null ? 'l0 >>> 0' : num(l0 >>> 0)};`;
  }

  /** The stores that record a run's end in S.out, when the mode keeps them. */
  record(steps: string, r0hi: string, pc: number): string {
    return this.mode.results ? `R[0] = ${steps}; R[1] = ${r0hi}; R[2] = ${num(pc)}; ` : '';
  }

  /** Ends the run with R0 = 0 (a packet load outside the packet), through the shared exit. */
  private failedLoad(): string {
    this.use('fail');
    return this.s.dyn && this.s.k === 0 ? 'break fail;' : `{ st = ${this.steps()}; break fail; }`;
  }

  /** Emits any instruction that does not end its block, and advances the knowledge past it. */
  insn(pc: number): void {
    const i = this.prog[pc]!;
    this.post = this.k.clone();
    transfer(this.post, i, this.prog[pc + 1]);
    const info = OPCODES[i.code]!;
    switch (info.kind) {
      case 'lddw': case 'ldabs': case 'ldind': this.ld(pc, i, info); break;
      case 'ldx': this.ldx(pc, i, info); break;
      case 'st': case 'stx': case 'atomic': this.store(pc, i, info); break;
      case 'alu': case 'neg': case 'end':
        if (info.width === 32) this.alu32(i, info);
        else this.alu64(i, info);
        break;
      default: this.helperCall(pc, i, info); break; // call, callx: the rest end blocks (compile.ts)
    }
    this.k = this.post;
  }

  // ---- ALU

  private set32(d: number, expr: string): void {
    this.line(`${this.wl(d, expr)}${this.wh(d, '0')}`);
  }

  private alu32(i: Insn, info: OpcodeInfo): void {
    const op = info.op, isX = info.source === BPF_X, d = i.dst;
    const a = this.L(d), b = isX ? this.L(i.src) : num(i.imm | 0);
    switch (op) {
      case BPF_ADD: return this.set32(d, `(${a} + ${b}) | 0`);
      case BPF_SUB: return this.set32(d, `(${a} - ${b}) | 0`);
      case BPF_MUL: return this.set32(d, `imul(${a}, ${b})`);
      case BPF_DIV: return this.set32(d, `${i.off === 1 ? 'sdiv32' : 'udiv32'}(${a}, ${b})`);
      case BPF_OR: return this.set32(d, `${a} | ${b}`);
      case BPF_AND: return this.set32(d, `${a} & ${b}`);
      case BPF_LSH: return this.set32(d, `${a} << ${isX ? b : num(i.imm & 31)}`);
      case BPF_RSH: return this.set32(d, `(${a} >>> ${isX ? b : num(i.imm & 31)}) | 0`);
      case BPF_NEG: return this.set32(d, `(-${a}) | 0`);
      case BPF_MOD: return this.set32(d, `${i.off === 1 ? 'smod32' : 'umod32'}(${a}, ${b})`);
      case BPF_XOR: return this.set32(d, `${a} ^ ${b}`);
      case BPF_MOV:
        if (isX && i.off === 8) return this.set32(d, `(${b} << 24) >> 24`);
        if (isX && i.off === 16) return this.set32(d, `(${b} << 16) >> 16`);
        return this.set32(d, b);
      case BPF_ARSH: return this.set32(d, `${a} >> ${isX ? b : num(i.imm & 31)}`);
      default: { // END: TO_LE truncates (our byte order), TO_BE swaps
        const w = i.imm;
        if (!isX) {
          if (w === 16) this.set32(d, `${a} & 65535`);
          else if (w === 32) this.line(this.wh(d, '0'));
          return;
        }
        return this.swap(d, w);
      }
    }
  }

  private swap(d: number, w: number): void {
    const a = this.L(d);
    if (w === 16) this.set32(d, `bswap16(${a})`);
    else if (w === 32) this.set32(d, `bswap32(${a})`);
    else this.line(`t = bswap32(${this.H(d)}); ${this.wh(d, `bswap32(${a})`)}${this.wl(d, 't')}`);
  }

  /** dst = result of a u64.ts function left in O. */
  private viaOut(d: number, call: string): void {
    this.line(`${call}; ${this.wl(d, 'O[0]')}${this.wh(d, 'O[1]')}`);
  }

  private alu64(i: Insn, info: OpcodeInfo): void {
    const op = info.op, isX = info.source === BPF_X, d = i.dst;
    const a = this.L(d), ah = this.H(d);
    const b = isX ? this.L(i.src) : num(i.imm | 0);
    const bh = isX ? this.H(i.src) : num(i.imm >> 31);
    const bu = isX ? `(${b} >>> 0)` : num(i.imm >>> 0);
    switch (op) {
      case BPF_ADD:
        this.line(`t = (${a} >>> 0) + ${bu}; ${this.wh(d, `(${ah} + ${bh} + (t > 4294967295 ? 1 : 0)) | 0`)}${this.wl(d, 't | 0')}`);
        return;
      case BPF_SUB:
        this.line(`t = (${a} >>> 0) - ${bu}; ${this.wh(d, `(${ah} - ${bh} - (t < 0 ? 1 : 0)) | 0`)}${this.wl(d, 't | 0')}`);
        return;
      case BPF_MUL: return this.viaOut(d, `mul64(${a}, ${ah}, ${b}, ${bh})`);
      case BPF_DIV: return this.viaOut(d, `${i.off === 1 ? 'sdiv64' : 'udiv64'}(${a}, ${ah}, ${b}, ${bh})`);
      case BPF_MOD: return this.viaOut(d, `${i.off === 1 ? 'smod64' : 'umod64'}(${a}, ${ah}, ${b}, ${bh})`);
      case BPF_OR: this.line(`${this.wl(d, `${a} | ${b}`)}${this.wh(d, `${ah} | ${bh}`)}`); return;
      case BPF_AND: this.line(`${this.wl(d, `${a} & ${b}`)}${this.wh(d, `${ah} & ${bh}`)}`); return;
      case BPF_XOR: this.line(`${this.wl(d, `${a} ^ ${b}`)}${this.wh(d, `${ah} ^ ${bh}`)}`); return;
      case BPF_LSH: case BPF_RSH: case BPF_ARSH:
        if (isX) return this.viaOut(d, `${op === BPF_LSH ? 'shl64' : op === BPF_RSH ? 'shr64' : 'sar64'}(${a}, ${ah}, ${b})`);
        return this.shiftK(d, op, i.imm & 63);
      case BPF_NEG: this.line(`${this.wh(d, `(~${ah} + (${a} === 0 ? 1 : 0)) | 0`)}${this.wl(d, `(-${a}) | 0`)}`); return;
      case BPF_MOV:
        if (isX && i.off !== 0) {
          const ext = i.off === 8 ? `(${b} << 24) >> 24` : i.off === 16 ? `(${b} << 16) >> 16` : b;
          this.line(`t = ${ext}; ${this.wl(d, 't')}${this.wh(d, 't >> 31')}`);
          return;
        }
        this.line(`${this.wl(d, b)}${this.wh(d, bh)}`);
        return;
      default: return this.swap(d, i.imm); // ALU64 END: unconditional byte swap
    }
  }

  /** 64-bit shift by a constant 0..63; each half is computed before it is overwritten. */
  private shiftK(d: number, op: number, n: number): void {
    const a = this.L(d), ah = this.H(d);
    if (n === 0) { this.line(`${this.wl(d, a)}${this.wh(d, ah)}`); return; }
    if (op === BPF_LSH) {
      if (n < 32) this.line(`${this.wh(d, `(${ah} << ${num(n)}) | (${a} >>> ${num(32 - n)})`)}${this.wl(d, `${a} << ${num(n)}`)}`);
      else this.line(`${this.wh(d, `${a} << ${num(n - 32)}`)}${this.wl(d, '0')}`);
    } else if (op === BPF_RSH) {
      if (n < 32) this.line(`${this.wl(d, `(${a} >>> ${num(n)}) | (${ah} << ${num(32 - n)})`)}${this.wh(d, `(${ah} >>> ${num(n)}) | 0`)}`);
      else this.line(`${this.wl(d, `(${ah} >>> ${num(n - 32)}) | 0`)}${this.wh(d, '0')}`);
    } else if (n < 32) {
      this.line(`${this.wl(d, `(${a} >>> ${num(n)}) | (${ah} << ${num(32 - n)})`)}${this.wh(d, `${ah} >> ${num(n)}`)}`);
    } else {
      this.line(`${this.wl(d, `${ah} >> ${num(n - 32)}`)}${this.wh(d, `${ah} >> 31`)}`);
    }
  }

  // ---- memory

  private memFault(pc: number, write: boolean, size: number, base: number): string {
    return `throw mf(S, env, ${num(pc)}, ${write ? 1 : 0}, ${num(size)}, ${this.L(base)}, ${this.H(base)}, ${this.L(10)}, ${this.steps()});`;
  }

  /**
   * Emits the bounds check of an access of `size` bytes at base register + off and returns
   * [view, address] expressions, or null when the access always faults (the throw is emitted).
   */
  private address(pc: number, base: number, off: number, size: number, write: boolean): [string, string] | null {
    const tag = this.k.hi[base] ?? null, known = this.k.lo[base] ?? null;
    const fault = this.memFault(pc, write, size, base);
    // Pointers hold REGION_BASE + offset (memory.ts): `rel` added to the lower half gives the offset.
    const rel = off - REGION_BASE;
    if (tag === REGION_STACK && !this.mode.localCalls) {
      this.use('sv');
      if (known !== null) {
        const ea = (known >>> 0) + rel;
        if (ea >= MAIN_STACK_LOW && ea + size <= STACK_BYTES) return ['sv', num(ea)];
        this.line(fault);
        return null;
      }
      this.line(`t = (${lo(base)} >>> 0) + ${num(rel)}; if (t < ${num(MAIN_STACK_LOW)} || t > ${num(STACK_BYTES - size)}) ${fault}`);
      return ['sv', 't'];
    }
    if (tag === REGION_CTX || tag === REGION_MEM) {
      const view = tag === REGION_CTX ? 'cv' : 'mv', len = tag === REGION_CTX ? 'cl' : 'ml';
      this.use(view);
      this.use(len);
      if (known !== null) {
        const ea = (known >>> 0) + rel;
        if (ea < 0) { this.line(fault); return null; }
        this.line(`if (${len} < ${num(ea + size)}) ${fault}`);
        return [view, num(ea)];
      }
      this.line(`t = (${lo(base)} >>> 0) + ${num(rel)}; if (t < 0 || t + ${num(size)} > ${len}) ${fault}`);
      return [view, 't'];
    }
    if (tag !== null && tag !== REGION_STACK) { this.line(fault); return null; }
    this.line(`t = (${this.L(base)} >>> 0) + ${num(rel)}; v = view(S, env, ${this.H(base)}, t, ${num(size)}, ${this.L(10)}); if (v === null) ${fault}`);
    return ['v', 't'];
  }

  private ldx(pc: number, i: Insn, info: OpcodeInfo): void {
    const size = info.size, signed = info.mode === BPF_MEMSX, d = i.dst;
    const at = this.address(pc, i.src, i.off, size, false);
    if (at === null) return;
    const [v, ea] = at;
    switch (size) {
      case 8: this.line(`${this.wl(d, `${v}.getInt32(${ea}, true)`)}${this.wh(d, `${v}.getInt32(${plus(ea, 4)}, true)`)}`); return;
      case 4: this.line(signed ? `t = ${v}.getInt32(${ea}, true); ${this.wl(d, 't')}${this.wh(d, 't >> 31')}` : `${this.wl(d, `${v}.getInt32(${ea}, true)`)}${this.wh(d, '0')}`); return;
      case 2: this.line(signed ? `t = ${v}.getInt16(${ea}, true); ${this.wl(d, 't')}${this.wh(d, 't >> 31')}` : `${this.wl(d, `${v}.getUint16(${ea}, true)`)}${this.wh(d, '0')}`); return;
      default: this.line(signed ? `t = ${v}.getInt8(${ea}); ${this.wl(d, 't')}${this.wh(d, 't >> 31')}` : `${this.wl(d, `${v}.getUint8(${ea})`)}${this.wh(d, '0')}`); return;
    }
  }

  private store(pc: number, i: Insn, info: OpcodeInfo): void {
    const size = info.size, isReg = info.kind !== 'st', s = i.src;
    const at = this.address(pc, i.dst, i.off, size, true);
    if (at === null) return;
    const [v, ea] = at;
    if (info.kind === 'atomic') return this.atomic(i, v, ea, size);
    const val = isReg ? this.L(s) : num(i.imm | 0);
    switch (size) {
      case 8: this.line(`${v}.setInt32(${ea}, ${val}, true); ${v}.setInt32(${plus(ea, 4)}, ${isReg ? this.H(s) : num(i.imm >> 31)}, true);`); return;
      case 4: this.line(`${v}.setInt32(${ea}, ${val}, true);`); return;
      case 2: this.line(`${v}.setInt16(${ea}, ${val}, true);`); return;
      default: this.line(`${v}.setInt8(${ea}, ${val});`); return;
    }
  }

  private atomic(i: Insn, v: string, ea: string, size: number): void {
    const s = i.src;
    this.line(`atomic(${v}, ${ea}, ${num(size)}, ${num(i.imm | 0)}, ${this.L(s)}, ${this.H(s)}, ${this.L(0)}, ${this.H(0)});`);
    if (i.imm === BPF_CMPXCHG) this.line(`${this.wl(0, 'O[0]')}${this.wh(0, 'O[1]')}`);
    else if (i.imm & BPF_FETCH) this.line(`${this.wl(s, 'O[0]')}${this.wh(s, 'O[1]')}`);
  }

  // ---- LD: 64-bit immediates and the legacy packet loads

  private ld(pc: number, i: Insn, info: OpcodeInfo): void {
    const d = i.dst;
    if (info.kind === 'lddw') {
      this.line(`${this.wl(d, num(i.imm | 0))}${this.wh(d, num(this.prog[pc + 1]!.imm | 0))}`);
      return;
    }
    const size = info.size;
    const get = size === 4 ? 'getInt32' : size === 2 ? 'getUint16' : 'getUint8';
    const k = i.imm | 0;
    if (info.kind === 'ldabs') {
      if (k < 0) {
        this.line(`${SYNC_PACKET}t = neg(env, ${num(k)}, ${num(size)}); if (t === -1) ${this.failedLoad()} ${this.wl(0, 't | 0')}${this.wh(0, '0')}`);
        return;
      }
      if (k + size > this.k.pkt) this.line(`if (pl < ${num(k + size)}) ${this.failedLoad()}`);
      this.line(`${this.wl(0, `pd.${get}(ps + ${num(k)})`)}${this.wh(0, '0')}`);
      return;
    }
    // IND: X + k as a signed 32-bit offset (it wraps, as in Linux).
    this.line(`t = (${this.L(i.src)} + ${num(k)}) | 0; if ((t >>> 0) + ${num(size)} <= pl) t = pd.${get}(ps + t); `
      + `else { ${SYNC_PACKET}t = neg(env, t, ${num(size)}); if (t === -1) ${this.failedLoad()} } ${this.wl(0, 't | 0')}${this.wh(0, '0')}`);
  }

  // ---- helper calls (BPF-to-BPF calls and exits end blocks: see compile.ts)

  private helperCall(pc: number, i: Insn, info: OpcodeInfo): void {
    this.use('fl');
    this.use('fh');
    const spill: string[] = [];
    for (let r = 0; r <= 10; r++) spill.push(`FL[${reg(r)}] = ${this.L(r)}; FH[${reg(r)}] = ${this.H(r)};`);
    this.line(spill.join(' '));
    const steps = this.steps();
    this.line(SYNC_PACKET);
    this.line(info.kind === 'callx'
      ? `r = callx(S, env, ${num(pc)}, ${this.L(i.dst)}, ${this.H(i.dst)}, ${steps});`
      : `r = call(S, env, ${num(pc)}, ${steps});`);
    // R0-R5 are unknown after the call (transfer), so they are all written here.
    const load: string[] = [];
    for (let r = 0; r <= 5; r++) load.push(`${lo(r)} = FL[${reg(r)}]; ${hi(r)} = FH[${reg(r)}];`);
    this.line(load.join(' '));
    this.line(`if (r === false) { ${this.record(steps, 'h0', pc)}return l0 >>> 0; }`);
  }

  // ---- conditional jumps

  /** The condition of a conditional jump, as a boolean expression. */
  condition(i: Insn): string {
    const info = OPCODES[i.code]!;
    const op = info.op, isX = info.source === BPF_X, d = i.dst;
    const a = this.L(d), b = isX ? this.L(i.src) : num(i.imm | 0);
    const au = `(${a} >>> 0)`, bu = isX ? `(${b} >>> 0)` : num(i.imm >>> 0);
    if (info.width === 32) { // JMP32: the low halves
      switch (op) {
        case BPF_JEQ: return `${a} === ${b}`;
        case BPF_JNE: return `${a} !== ${b}`;
        case BPF_JSET: return `(${a} & ${b}) !== 0`;
        case BPF_JGT: return `${au} > ${bu}`;
        case BPF_JGE: return `${au} >= ${bu}`;
        case BPF_JLT: return `${au} < ${bu}`;
        case BPF_JLE: return `${au} <= ${bu}`;
        case BPF_JSGT: return `${a} > ${b}`;
        case BPF_JSGE: return `${a} >= ${b}`;
        case BPF_JSLT: return `${a} < ${b}`;
        default: return `${a} <= ${b}`; // JSLE
      }
    }
    const ah = this.H(d);
    const bh = isX ? this.H(i.src) : num(i.imm >> 31);
    const ahKnown = this.k.hi[d], bhKnown = isX ? this.k.hi[i.src] : i.imm >> 31;
    // When both upper halves are known the comparison is decided by them or by the low halves.
    const sameHi = ahKnown !== null && bhKnown !== null ? ahKnown === bhKnown : null;
    const ordered = (lowCmp: string, unsigned: boolean, hiCmp: string): string => {
      const low = `${au} ${lowCmp} ${bu}`;
      const high = unsigned ? `(${ah} >>> 0) ${hiCmp} (${bh} >>> 0)` : `${ah} ${hiCmp} ${bh}`;
      if (sameHi === true) return low;
      if (sameHi === false) return `(${high})`;
      return `(${ah} === ${bh} ? ${low} : ${high})`;
    };
    switch (op) {
      case BPF_JEQ: return sameHi === true ? `${a} === ${b}` : sameHi === false ? 'false' : `${a} === ${b} && ${ah} === ${bh}`;
      case BPF_JNE: return sameHi === true ? `${a} !== ${b}` : sameHi === false ? 'true' : `(${a} !== ${b} || ${ah} !== ${bh})`;
      case BPF_JSET: return ahKnown === 0 || bhKnown === 0 ? `(${a} & ${b}) !== 0` : `((${a} & ${b}) !== 0 || (${ah} & ${bh}) !== 0)`;
      case BPF_JGT: return ordered('>', true, '>');
      case BPF_JGE: return ordered('>=', true, '>');
      case BPF_JLT: return ordered('<', true, '<');
      case BPF_JLE: return ordered('<=', true, '<');
      case BPF_JSGT: return ordered('>', false, '>');
      case BPF_JSGE: return ordered('>=', false, '>');
      case BPF_JSLT: return ordered('<', false, '<');
      default: return ordered('<=', false, '<'); // JSLE
    }
  }

  /**
   * Code for an edge from here (knowledge `this.k`, steps `this.s`) into code that starts
   * with `to` and may read the halves in `live`: the live halves it no longer knows, and
   * the step counter when `to` counts with `st`.
   */
  edge(to: Knowledge, toSteps: Steps, live: number): string {
    const parts: string[] = [];
    for (let r = 0; r <= 10; r++) {
      const l = this.k.lo[r] ?? null, h = this.k.hi[r] ?? null;
      if (l !== null && to.lo[r] === null && (live & LO(r)) !== 0) parts.push(`${lo(r)} = ${num(l)};`);
      if (h !== null && to.hi[r] === null && (live & HI(r)) !== 0) parts.push(`${hi(r)} = ${num(h)};`);
    }
    if (toSteps.dyn) {
      const from = this.s;
      if (!from.dyn) parts.push(`st = ${num(from.k - toSteps.k)};`);
      else if (from.k !== toSteps.k) parts.push(`st = st + ${num(from.k - toSteps.k)};`);
    }
    return parts.join(' ');
  }
}

/** `ea + n` for an address expression that is a literal or a local. */
function plus(ea: string, n: number): string {
  return /^\d+$/.test(ea) ? num(Number(ea) + n) : `${ea} + ${num(n)}`;
}
