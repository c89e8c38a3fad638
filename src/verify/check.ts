/**
 * Step 2 of the verifier: a walk over every path from the first instruction, tracking what
 * each register and stack byte holds (see state.ts). It rejects reads of uninitialised
 * registers or stack, out-of-bounds or misaligned stack and context accesses, pointer
 * arithmetic it cannot follow, unreadable helper arguments, LD_ABS/LD_IND without the
 * context in R6, and exits with R0 unset or holding a pointer. (Writes to R10, unknown
 * opcodes and unknown helpers are refused by step 1, whatever the path.)
 *
 * Paths are explored depth first; a conditional jump pushes the taken branch and continues
 * with the fall-through. At instructions with several predecessors the walk keeps the states
 * it has seen and stops a path whose state one of them subsumes (on live values only).
 *
 * With loops allowed (cfg.hasLoops), a kept state prunes only once every path from it is
 * walked ("closed"); one still being walked is an ancestor of the current path, and if it
 * subsumes the current state the loop may never end, which is refused. Widening and the
 * per-point cap are off then: a bounded loop is walked turn by turn, each turn told apart by
 * its counter, and a turn's states must stay to prune the next paths through it.
 */
import {
  BPF_ADD, BPF_CMPXCHG, BPF_END, BPF_FETCH, BPF_JEQ, BPF_JNE, BPF_LD, BPF_MOV, BPF_NEG, BPF_SUB, BPF_TO_BE, BPF_X,
  MAX_BPF_STACK, R0, R1, R10, R2, R6, ALU_OP_NAMES,
} from '../ebpf/opcodes.js';
import { type OpcodeInfo, OPCODES } from '../ebpf/opcode-table.js';
import { type Insn, branchTarget } from '../ebpf/insn.js';
import { VerifyError } from '../errors.js';
import type { Cfg } from './cfg.js';
import { seccompAccessProblem, skbAccessProblem } from './ctx-access.js';
import { foldAlu, hiOf, jumpTaken, loOf, signExtend, toBig } from '../ebpf/fold.js';
import type { Liveness } from './liveness.js';
import type { HelperSignature, VerifyContext, VerifyStats } from './options.js';
import { pathJump, pathStart, pathTo, type PathNode } from './path.js';
import {
  CONST, HI, KIND, LO, NOT_INIT, NREGS, PTR_CTX, PTR_MEM, PTR_STACK, SCALAR, StateLayout, covers,
  describeReg, emptyState, forgetConstants, isPointer, isScalar, setReg,
} from './state.js';

export interface WalkInput {
  readonly prog: readonly Insn[];
  readonly cfg: Cfg;
  readonly live: Liveness;
  readonly layout: StateLayout;
  readonly ctx: VerifyContext;
  readonly helpers: (id: number) => (HelperSignature & { name?: string }) | undefined;
  readonly maxProcessed: number;
}

/** After this many states at one join point, constants are forgotten so that paths merge. */
const WIDEN_AFTER = 16;
/** Beyond this many states at one join point, no more are kept (the walk still goes on). */
const MAX_STATES_PER_POINT = 64;
/** Largest pointer offset followed (the kernel's BPF_MAX_VAR_OFF). */
const MAX_PTR_OFF = 1 << 29;

interface Pending {
  readonly pc: number;
  readonly st: Int32Array;
  readonly path: PathNode;
}

export interface WalkOutcome {
  readonly stats: VerifyStats;
  /** The first violation found, if any. */
  readonly error?: VerifyError;
}

export function walkPaths(input: WalkInput): WalkOutcome {
  const w = new Walker(input);
  try {
    w.run();
  } catch (e) {
    if (e instanceof VerifyError) return { stats: w.stats(), error: e };
    throw e;
  }
  return { stats: w.stats() };
}

class Walker {
  private readonly prog: readonly Insn[];
  private readonly layout: StateLayout;
  private readonly stored: (Int32Array[] | undefined)[];
  private readonly pending: Pending[] = [];
  /** Loops only: kept states still being walked, with the pending depth at which each closes. */
  private readonly open = new Set<Int32Array>();
  private readonly openStack: Array<{ readonly st: Int32Array; readonly depth: number }> = [];
  /** Loops only: kept states per join point, by live-constant mask, then by those constants' values. */
  private readonly loopStored: (Map<number, Map<string, Int32Array[]>> | undefined)[] = [];
  private st: Int32Array;
  private path: PathNode = pathStart(0);
  private pc = 0;
  private processed = 0;
  private states = 0;
  private readonly memSize: number;

  constructor(private readonly input: WalkInput) {
    this.prog = input.prog;
    this.layout = input.layout;
    this.stored = new Array(input.prog.length);
    this.memSize = typeof input.ctx === 'object' ? input.ctx.size : 0;
    this.st = this.entryState();
  }

  stats(): VerifyStats {
    return { insnsProcessed: this.processed, states: this.states };
  }

  private entryState(): Int32Array {
    const st = emptyState(this.layout);
    if (typeof this.input.ctx === 'object') {
      setReg(st, R1, PTR_MEM, 0);
      setReg(st, R2, CONST, this.memSize, 0);
    } else {
      setReg(st, R1, PTR_CTX, 0);
    }
    setReg(st, R10, PTR_STACK, 0);
    return st;
  }

  run(): void {
    const { cfg, maxProcessed } = this.input;
    for (;;) {
      const pc = this.pc;
      if ((cfg.preds[pc]! >= 2 || cfg.loopHead[pc] === 1) && this.seenBefore(pc)) {
        if (!this.nextPath()) return;
        continue;
      }
      if (++this.processed > maxProcessed) {
        throw this.fail(pc, `program too complex: more than ${maxProcessed} instructions processed over all paths`);
      }
      if (!this.step(pc) && !this.nextPath()) return;
    }
  }

  private nextPath(): boolean {
    // A state kept at depth d is closed once no path pushed after it is left.
    const stack = this.openStack;
    while (stack.length > 0 && stack[stack.length - 1]!.depth >= this.pending.length) this.open.delete(stack.pop()!.st);
    const p = this.pending.pop();
    if (!p) return false;
    this.pc = p.pc;
    this.st = p.st;
    this.path = p.path;
    return true;
  }

  /** True when a state kept at `pc` subsumes the current one; otherwise keeps the current one. */
  private seenBefore(pc: number): boolean {
    const { live } = this.input;
    const liveRegs = live.regs[pc]!;
    const chunkAt = pc * live.stackWords;
    if (this.input.cfg.hasLoops) return this.seenBeforeInLoop(pc, liveRegs, chunkAt);
    let list = this.stored[pc];
    if (list) {
      for (const old of list) if (covers(this.layout, old, this.st, liveRegs, live.stack, chunkAt)) return true;
      if (list.length >= WIDEN_AFTER) {
        forgetConstants(this.layout, this.st);
        for (const old of list) if (covers(this.layout, old, this.st, liveRegs, live.stack, chunkAt)) return true;
      }
      if (list.length >= MAX_STATES_PER_POINT) return false;
    } else {
      list = this.stored[pc] = [];
    }
    list.push(this.st.slice());
    this.states++;
    return false;
  }

  /**
   * seenBefore for programs with loops: a bounded loop keeps a state per turn at each join
   * point, so states are filed by the values of their live constant registers (a kept state
   * with a constant covers only states holding that same constant) and only the few that can
   * cover the current one are compared. Open states never prune (see the file comment).
   */
  private seenBeforeInLoop(pc: number, liveRegs: number, chunkAt: number): boolean {
    const { live } = this.input;
    let groups = this.loopStored[pc];
    if (!groups) groups = this.loopStored[pc] = new Map();
    let coveredByOpen = false;
    for (const [mask, byKey] of groups) {
      const key = constKey(this.st, mask);
      const list = key === undefined ? undefined : byKey.get(key);
      if (!list) continue;
      for (const old of list) {
        if (!covers(this.layout, old, this.st, liveRegs, live.stack, chunkAt)) continue;
        if (!this.open.has(old)) return true;
        coveredByOpen = true;
      }
    }
    if (coveredByOpen) {
      throw this.fail(pc, 'loop may not end: a later turn reaches this instruction in a state an earlier turn already had ' +
        '(loops need a counter the verifier can follow to their exit)');
    }
    let mask = 0;
    for (let r = 0; r < NREGS - 1; r++) if (liveRegs & (1 << r) && this.st[KIND + r] === CONST) mask |= 1 << r;
    const key = constKey(this.st, mask)!;
    let byKey = groups.get(mask);
    if (!byKey) groups.set(mask, (byKey = new Map()));
    let list = byKey.get(key);
    if (!list) byKey.set(key, (list = []));
    const kept = this.st.slice();
    list.push(kept);
    this.states++;
    this.open.add(kept);
    this.openStack.push({ st: kept, depth: this.pending.length });
    return false;
  }

  private fail(pc: number, detail: string): VerifyError {
    return new VerifyError(pc, detail, pathTo(this.path, pc));
  }

  // ---- registers ----

  /** Checks that register r is readable; returns its kind. */
  private read(pc: number, r: number, role = ''): number {
    const kind = this.st[KIND + r]!;
    if (kind === NOT_INIT) {
      const clobberedAt = this.st[LO + r]! - 1;
      const why = clobberedAt >= 0
        ? `unreadable: clobbered by the ${OPCODES[this.prog[clobberedAt]!.code]!.cls === BPF_LD ? 'LD_ABS/LD_IND' : 'call'} at insn ${clobberedAt}`
        : 'read before it is written';
      throw this.fail(pc, `R${r}${role} is ${why}`);
    }
    return kind;
  }

  private constOf(r: number): bigint {
    return toBig(this.st[LO + r]!, this.st[HI + r]!);
  }

  private setConst(r: number, v: bigint): void {
    setReg(this.st, r, CONST, loOf(v), hiOf(v));
  }

  private clobberCallerSaved(pc: number): void {
    for (let r = 1; r <= 5; r++) setReg(this.st, r, NOT_INIT, pc + 1);
    setReg(this.st, R0, SCALAR);
  }

  // ---- one instruction; returns false when the path ends ----

  private step(pc: number): boolean {
    const i = this.prog[pc]!;
    const info = OPCODES[i.code]!;
    switch (info.kind) {
      case 'alu': case 'neg': case 'end': this.alu(pc, i, info); break;
      case 'ldx': this.ldx(pc, i, info); break;
      case 'st': case 'stx': this.store(pc, i, info); break;
      case 'atomic': this.atomic(pc, i, info); break;
      case 'lddw':
        setReg(this.st, i.dst, CONST, i.imm, this.prog[pc + 1]!.imm);
        this.pc = pc + 2;
        return true;
      case 'ldabs': case 'ldind': this.ldAbsInd(pc, i, info); break;
      default: return this.jump(pc, i, info); // ja, jcond, call, exit (callx was refused in step 1)
    }
    this.pc = pc + 1;
    return true;
  }

  private alu(pc: number, i: Insn, info: OpcodeInfo): void {
    const op = info.op;
    const is64 = info.width === 64;
    const bits = info.width;
    const x = info.source === BPF_X;
    const d = i.dst;
    if (op === BPF_MOV) {
      if (!x) {
        this.setConst(d, BigInt.asUintN(bits, BigInt(i.imm)));
        return;
      }
      const sk = this.read(pc, i.src);
      if (isPointer(sk)) {
        if (is64 && i.off === 0) {
          setReg(this.st, d, sk, this.st[LO + i.src]!, this.st[HI + i.src]!);
          return;
        }
        throw this.fail(pc, `R${i.src} holds ${describeReg(this.st, i.src)}: ${i.off ? 'sign extension' : '32-bit copy'} of a pointer is not allowed`);
      }
      if (sk === CONST) {
        const v = this.constOf(i.src);
        this.setConst(d, i.off ? signExtend(v, i.off, bits) : BigInt.asUintN(bits, v));
      } else {
        setReg(this.st, d, SCALAR);
      }
      return;
    }

    const dk = this.read(pc, d);
    if (op === BPF_NEG || op === BPF_END) {
      if (isPointer(dk)) throw this.fail(pc, `R${d} holds ${describeReg(this.st, d)}: ${ALU_OP_NAMES[op]} of a pointer is not allowed`);
      if (dk === CONST && op === BPF_NEG) this.setConst(d, foldAlu(op, this.constOf(d), 0n, bits)!);
      else if (dk === CONST && op === BPF_END) this.setConst(d, endian(this.constOf(d), i.imm, info.source === BPF_TO_BE || is64));
      else setReg(this.st, d, SCALAR);
      return;
    }

    let sk: number, sv: bigint;
    if (x) {
      sk = this.read(pc, i.src);
      sv = sk === CONST ? this.constOf(i.src) : 0n;
    } else {
      sk = CONST;
      sv = BigInt.asUintN(64, BigInt(i.imm));
    }
    if (isPointer(dk) || isPointer(sk)) {
      this.pointerArith(pc, i, is64, op, dk, sk, sv);
      return;
    }
    const folded = dk === CONST && sk === CONST && i.off === 0 ? foldAlu(op, this.constOf(d), sv, bits) : undefined;
    if (folded === undefined) setReg(this.st, d, SCALAR);
    else this.setConst(d, folded);
  }

  /** Only `pointer += / -= known constant` (and `constant += pointer`) in 64 bits is followed. */
  private pointerArith(pc: number, i: Insn, is64: boolean, op: number, dk: number, sk: number, sv: bigint): void {
    const d = i.dst;
    const ptrReg = isPointer(dk) ? d : i.src;
    const what = `R${ptrReg} holds ${describeReg(this.st, ptrReg)}`;
    if (!is64) throw this.fail(pc, `${what}: 32-bit arithmetic on a pointer is not allowed`);
    if (op !== BPF_ADD && op !== BPF_SUB) throw this.fail(pc, `${what}: pointer arithmetic with ${ALU_OP_NAMES[op]} is not allowed (only add or subtract a known constant)`);
    if (isPointer(dk) && isPointer(sk)) throw this.fail(pc, `R${d} and R${i.src} both hold pointers: pointer ${op === BPF_ADD ? 'addition' : 'subtraction'} is not allowed`);
    if (isPointer(sk) && op === BPF_SUB) throw this.fail(pc, `${what}: subtracting a pointer from a scalar is not allowed`);
    // Linux refuses any subtraction from a stack pointer, even of a constant.
    if (op === BPF_SUB && this.st[KIND + ptrReg] === PTR_STACK) throw this.fail(pc, `${what}: subtraction from a stack pointer is not allowed (add a negative constant instead)`);
    const scalarKind = isPointer(dk) ? sk : dk;
    const scalarReg = isPointer(dk) ? i.src : d;
    if (scalarKind !== CONST) {
      throw this.fail(pc, `${what} and R${scalarReg} an unknown scalar: pointer offsets must be known constants (variable offsets are not tracked)`);
    }
    const delta = BigInt.asIntN(64, isPointer(dk) ? sv : this.constOf(d));
    const base = this.st[LO + ptrReg]!;
    const off = BigInt(base) + (op === BPF_ADD ? delta : -delta);
    if (off > BigInt(MAX_PTR_OFF) || off < -BigInt(MAX_PTR_OFF)) throw this.fail(pc, `${what}: offset ${off} is out of range`);
    setReg(this.st, d, this.st[KIND + ptrReg]!, Number(off), 0);
  }

  private ldx(pc: number, i: Insn, info: OpcodeInfo): void {
    this.read(pc, i.src);
    const size = info.size;
    // MEMSX (B/H/W) never fills a whole 8-byte slot, so a sign-extending load is always a scalar.
    const [kind, lo, hi] = this.access(pc, i.src, i.off, size, 'read');
    setReg(this.st, i.dst, kind, lo, hi);
  }

  private store(pc: number, i: Insn, info: OpcodeInfo): void {
    this.read(pc, i.dst);
    const size = info.size;
    if (info.kind === 'stx') {
      const sk = this.read(pc, i.src);
      this.access(pc, i.dst, i.off, size, 'write', sk, this.st[LO + i.src]!, this.st[HI + i.src]!, i.src);
    } else {
      const v = BigInt.asUintN(64, BigInt(i.imm));
      this.access(pc, i.dst, i.off, size, 'write', CONST, loOf(v), hiOf(v), -1);
    }
  }

  private atomic(pc: number, i: Insn, info: OpcodeInfo): void {
    this.read(pc, i.dst);
    const sk = this.read(pc, i.src);
    if (isPointer(sk)) throw this.fail(pc, `R${i.src} holds ${describeReg(this.st, i.src)}: atomic operations take a scalar operand`);
    if (i.imm === BPF_CMPXCHG && isPointer(this.read(pc, R0, ' (compare value)'))) {
      throw this.fail(pc, `R0 holds ${describeReg(this.st, R0)}: atomic compare-exchange takes a scalar`);
    }
    this.access(pc, i.dst, i.off, info.size, 'atomic');
    if (i.imm === BPF_CMPXCHG) setReg(this.st, R0, SCALAR);
    else if (i.imm & BPF_FETCH) setReg(this.st, i.src, SCALAR);
  }

  private ldAbsInd(pc: number, i: Insn, info: OpcodeInfo): void {
    const name = info.kind === 'ldabs' ? 'LD_ABS' : 'LD_IND';
    if (this.input.ctx !== 'skb') throw this.fail(pc, `${name} reads packet data: only socket-filter (skb) programs may use it`);
    const k6 = this.read(pc, R6, ` (implicit context of ${name})`);
    if (k6 !== PTR_CTX || this.st[LO + R6] !== 0) throw this.fail(pc, `${name} needs the context pointer in R6, but R6 holds ${describeReg(this.st, R6)}`);
    if (info.kind === 'ldind' && isPointer(this.read(pc, i.src, ' (packet offset)'))) {
      throw this.fail(pc, `R${i.src} holds ${describeReg(this.st, i.src)}: ${name} takes a scalar offset`);
    }
    this.clobberCallerSaved(pc);
  }

  // ---- memory ----

  /**
   * Checks a load or store of `size` bytes at `[reg + off]` and applies a store. Returns what a
   * load produces: a register value (kind, lo, hi).
   */
  private access(
    pc: number, reg: number, off: number, size: number, mode: 'read' | 'write' | 'atomic',
    vKind = SCALAR, vLo = 0, vHi = 0, vReg = -1,
  ): [number, number, number] {
    const st = this.st;
    const kind = st[KIND + reg]!;
    const base = st[LO + reg]!;
    const write = mode !== 'read';
    const storesPointer = write && isPointer(vKind);
    switch (kind) {
      case PTR_STACK:
        return this.stackAccess(pc, base + off, size, mode, vKind, vLo, vHi, vReg);
      case PTR_CTX: {
        if (base !== 0) throw this.fail(pc, `R${reg} holds ${describeReg(st, reg)}: dereference of a modified context pointer is not allowed`);
        if (mode === 'atomic') throw this.fail(pc, 'atomic operations on the context are not allowed');
        if (storesPointer) throw this.fail(pc, `R${vReg} holds ${describeReg(st, vReg)}: storing a pointer into the context is not allowed`);
        const problem = this.input.ctx === 'seccomp' ? seccompAccessProblem(off, size, write) : skbAccessProblem(off, size, write);
        if (problem) throw this.fail(pc, problem);
        return [SCALAR, 0, 0];
      }
      case PTR_MEM: {
        const at = base + off;
        if (at < 0 || at + size > this.memSize) {
          throw this.fail(pc, `invalid memory access at offset ${at} size ${size}: the region is ${this.memSize} bytes`);
        }
        if (mode === 'atomic' && at % size !== 0) throw this.fail(pc, `misaligned atomic access at offset ${at} size ${size}`);
        if (storesPointer) throw this.fail(pc, `R${vReg} holds ${describeReg(st, vReg)}: storing a pointer into memory is not allowed`);
        return [SCALAR, 0, 0];
      }
      default:
        throw this.fail(pc, `R${reg} holds ${describeReg(st, reg)}, not a pointer: invalid memory access`);
    }
  }

  private stackAccess(
    pc: number, at: number, size: number, mode: 'read' | 'write' | 'atomic',
    vKind: number, vLo: number, vHi: number, vReg: number,
  ): [number, number, number] {
    const { layout } = this;
    const st = this.st;
    const what = `stack access at fp${at < 0 ? at : `+${at}`} size ${size}`;
    if (at < -MAX_BPF_STACK || at + size > 0) throw this.fail(pc, `invalid ${what}: outside the ${MAX_BPF_STACK}-byte stack`);
    if (at % size !== 0) throw this.fail(pc, `misaligned ${what}`);
    const b = layout.byteIndex(at);
    if (b < 0) throw new Error(`verifier: stack model too shallow for fp${at} (depth ${layout.depth})`);
    const slot = b >> 3;
    const sk = layout.spillKindAt + slot;
    const word = layout.initAt + (b >> 5);
    const bits = (size === 8 ? 0xff : (1 << size) - 1) << (b & 31);

    if (mode !== 'write') {
      if ((st[word]! & bits) !== bits) throw this.fail(pc, `invalid read from ${what}: not all bytes initialised`);
      const spilled = st[sk]!;
      if (mode === 'read') {
        if (spilled !== NOT_INIT && size === 8) return [spilled, st[layout.spillLoAt + slot]!, st[layout.spillHiAt + slot]!];
        if (isPointer(spilled)) throw this.fail(pc, `invalid ${what}: partial read of a spilled pointer`);
        return [SCALAR, 0, 0];
      }
      if (isPointer(spilled)) throw this.fail(pc, `invalid ${what}: atomic operation on a spilled pointer`);
    }

    st[word] = st[word]! | bits;
    if (mode === 'write' && size === 8) {
      st[sk] = vKind;
      st[layout.spillLoAt + slot] = vLo;
      st[layout.spillHiAt + slot] = vHi;
    } else {
      if (isPointer(vKind) && mode === 'write') throw this.fail(pc, `R${vReg} holds ${describeReg(st, vReg)}: a pointer can only be spilled with an 8-byte store`);
      st[sk] = NOT_INIT;
      st[layout.spillLoAt + slot] = 0;
      st[layout.spillHiAt + slot] = 0;
    }
    return [SCALAR, 0, 0];
  }

  // ---- control flow ----

  private jump(pc: number, i: Insn, info: OpcodeInfo): boolean {
    const op = info.op;
    if (info.kind === 'exit') {
      const k = this.read(pc, R0, ' (return value)');
      if (!isScalar(k)) throw this.fail(pc, `R0 holds ${describeReg(this.st, R0)} at exit: the return value must be a scalar`);
      return false;
    }
    if (info.kind === 'call') {
      this.call(pc, i.imm);
      this.pc = pc + 1;
      return true;
    }
    const is32 = info.width === 32;
    if (info.kind === 'ja') {
      const target = branchTarget(i, pc)!;
      if (target !== pc + 1) this.path = pathJump(this.path, pc, target);
      this.pc = target;
      return true;
    }
    this.conditional(pc, i, op, is32, info);
    return true;
  }

  private call(pc: number, id: number): void {
    const helper = this.input.helpers(id);
    if (!helper) throw this.fail(pc, `call to unknown helper ${id}`);
    const name = helper.name ? ` ${helper.name}` : '';
    for (let r = 1; r <= Math.min(5, helper.args); r++) this.read(pc, r, ` (argument ${r} of helper${name || ` ${id}`})`);
    this.clobberCallerSaved(pc);
  }

  private conditional(pc: number, i: Insn, op: number, is32: boolean, info: OpcodeInfo): void {
    const x = info.source === BPF_X;
    const d = i.dst;
    const dk = this.read(pc, d);
    const sk = x ? this.read(pc, i.src) : CONST;
    const target = branchTarget(i, pc)!;
    const dv = dk === CONST ? this.constOf(d) : 0n;
    const sv = x ? (sk === CONST ? this.constOf(i.src) : 0n) : BigInt.asUintN(64, BigInt(i.imm));
    if (target === pc + 1) {
      this.pc = target;
      return;
    }
    if (dk === CONST && sk === CONST) {
      if (jumpTaken(op, dv, sv, is32 ? 32 : 64)) {
        this.path = pathJump(this.path, pc, target);
        this.pc = target;
      } else {
        this.pc = pc + 1;
      }
      return;
    }
    const other = this.st.slice();
    // A 64-bit equality against a known constant pins the unknown side on the equal branch.
    if (!is32 && (op === BPF_JEQ || op === BPF_JNE)) {
      const equalSt = op === BPF_JEQ ? other : this.st;
      if (dk === SCALAR && sk === CONST) setReg(equalSt, d, CONST, loOf(sv), hiOf(sv));
      else if (x && sk === SCALAR && dk === CONST) setReg(equalSt, i.src, CONST, loOf(dv), hiOf(dv));
    }
    this.pending.push({ pc: target, st: other, path: pathJump(this.path, pc, target) });
    this.pc = pc + 1;
  }
}

/** The values of the registers in `mask` as a string, or undefined when one of them is not a known constant. */
function constKey(st: Int32Array, mask: number): string | undefined {
  let key = '';
  for (let r = 0; mask >> r; r++) {
    if (!(mask & (1 << r))) continue;
    if (st[KIND + r] !== CONST) return undefined;
    key += `${st[LO + r]},${st[HI + r]};`;
  }
  return key;
}

/** END with a known operand: truncate (to_le on our little-endian model) or byte-swap `width` bits. */
function endian(v: bigint, width: number, swap: boolean): bigint {
  const bytes = width / 8;
  let out = 0n;
  for (let k = 0; k < bytes; k++) {
    const byte = (v >> BigInt(8 * k)) & 0xffn;
    out |= swap ? byte << BigInt(8 * (bytes - 1 - k)) : byte << BigInt(8 * k);
  }
  return out;
}

