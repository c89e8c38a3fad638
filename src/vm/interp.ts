/**
 * The internal BPF interpreter: the whole RFC 9669 instruction set plus the legacy packet
 * loads, over a program predecoded into typed arrays. One run executes a tight switch on
 * the opcode byte with the registers as two Int32Arrays of 32-bit halves; 32-bit ALU
 * operations are plain int32 arithmetic and 64-bit ones use src/vm/u64.ts. A run allocates
 * nothing and throws only on a fault (VmError naming the instruction).
 *
 * Entry state: R1 points at env.ctx, or at env.mem when that is set (then R2 holds its
 * length); R10 is the top of the stack; every other register is 0. Memory is the tagged
 * address space of src/vm/memory.ts. A program that fails structural validation
 * (src/ebpf/validate.ts) or calls a helper the registry lacks is refused by the constructor.
 *
 * Local (BPF-to-BPF) calls get a fresh 512-byte stack frame and R10 moves down to it; the
 * caller's R6-R9 are restored on return, R1-R5 are the arguments, R0 the result. Legacy
 * LD ABS/IND read big-endian from env.pkt; a load outside the packet ends the program
 * with R0 = 0, as in Linux.
 *
 * Checked mode adds what the verifier would prove statically, at run time: reading a
 * register that holds nothing (never written, or R1-R5 after a call or a packet load)
 * throws a VmError naming the instruction and the cause. It costs one branch per
 * instruction when off.
 *
 * Speed: the sequences translated classic programs repeat (a packet load and the jump that
 * tests it, the prologue, the LDX MSH expansion, `mov r0, K; exit`) run as
 * superinstructions, one dispatch each, unless checked mode or a trace is on. They change
 * nothing observable: results, `steps` and budget faults are those of one-at-a-time.
 */
import { type Insn, type Program, branchTarget, isLdImm64 } from '../ebpf/insn.js';
import { validateEncoding } from '../ebpf/validate.js';
import { OPCODES, insnRegs } from '../ebpf/opcode-table.js';
import {
  BPF_ABS, BPF_ALU, BPF_ALU64, BPF_AND, BPF_B, BPF_CALL, BPF_CMPXCHG, BPF_DIV, BPF_EXIT, BPF_FETCH, BPF_H,
  BPF_IND, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT, BPF_JMP, BPF_JNE, BPF_JSET, BPF_K, BPF_LD,
  BPF_LSH, BPF_MOD, BPF_MOV, BPF_PSEUDO_CALL, BPF_W, BPF_X, MAX_BPF_REG, R0, R1, R2, R6, R7,
  bpfClass,
} from '../ebpf/opcodes.js';
import { argFail, checkOptions, optBoolean, optFunction, optInteger } from '../args.js';
import { VmError } from '../errors.js';
import { ExecEnv, checkEnvBuffer, checkPacketRun, checkPacketWindow, checkRunEnv, type Engine, type HelperFn, type HelperFrame } from './types.js';
import { budgetExhausted, callsTooDeep, helperFailed, insnText, memoryFault, noHelperForCallx, ranPastEnd } from './faults.js';
import { HelperRegistry, helperCallTargets, standardHelpers, type HelperDef } from './helpers.js';
import {
  MAX_CALL_FRAMES, REGION_BASE, REGION_CTX, REGION_MEM, REGION_STACK, STACK_BYTES, STACK_FRAME_BYTES, atomicUpdate, loadPacketNegative,
} from './memory.js';
import {
  OUT, bswap16, bswap32, bswap64, mul64, neg64, sar64, sdiv32, sdiv64, shl64, shr64, smod32, smod64,
  udiv32, udiv64, umod32, umod64,
} from './u64.js';

/** Executed-instruction limit of a run unless the options say otherwise (the kernel verifier's 1M). */
export const DEFAULT_BUDGET = 1_000_000;

export interface InterpreterOptions {
  /** Helpers CALL can reach; standardHelpers() by default. */
  helpers?: HelperRegistry;
  /** Executed-instruction limit per run (DEFAULT_BUDGET); exhausting it throws VmError. */
  budget?: number;
  /** Make registers that hold nothing unreadable (after a call, R1-R5; at entry, all but R1/R2/R10). */
  checked?: boolean;
  /** Called before every instruction with the pc and the register halves (slow; for debugging). */
  trace?: (pc: number, lo: Int32Array, hi: Int32Array) => void;
}

/** Throws ArgumentError (from `fn`) for options an engine cannot take. */
export function checkEngineOptions(fn: string, opts: InterpreterOptions | undefined): void {
  const o = checkOptions(fn, 'opts', opts);
  if (o.helpers !== undefined && !(o.helpers instanceof HelperRegistry)) {
    argFail(fn, 'opts.helpers', 'a HelperRegistry (standardHelpers() makes one)', o.helpers);
  }
  optInteger(fn, 'opts.budget', o.budget, 1, Number.MAX_SAFE_INTEGER, DEFAULT_BUDGET);
  optBoolean(fn, 'opts.checked', o.checked);
  optFunction(fn, 'opts.trace', o.trace);
}

// Internal opcodes for instructions whose behaviour depends on more than the opcode byte.
// They reuse byte values no valid instruction has, so the switch stays on one dense byte.
// The switch spells them as literals (with the name in a comment): V8 compiles a switch to
// a jump table only when every case label is a number literal, and falls back to a chain
// of comparisons otherwise (3x slower per instruction).
const OP_FELL_OFF = 0x00; // sentinel after the last instruction
const OP_SDIV32_K = 0x01, OP_SDIV32_X = 0x09, OP_SDIV64_K = 0x11, OP_SDIV64_X = 0x19;
const OP_SMOD32_K = 0x02, OP_SMOD32_X = 0x0a, OP_SMOD64_K = 0x12, OP_SMOD64_X = 0x1a;
const OP_MOVSX8_32 = 0x03, OP_MOVSX16_32 = 0x0b, OP_MOVSX8_64 = 0x13, OP_MOVSX16_64 = 0x1b, OP_MOVSX32_64 = 0x23;
const OP_CALL_LOCAL = 0x21;
// Superinstructions (only when neither checked mode nor trace is on): a packet load followed
// by a conditional jump on R0 with a non-negative immediate; `mov r0, K; exit`; and two
// sequences every translated classic program has, the prologue (`mov r6, r1; mov32 r0, 0;
// mov32 r7, 0`) and the LDX MSH expansion (X = 4 * (P[k] & 0xf) with A kept). They halve
// the dispatches of translated programs; `steps` still counts every instruction.
const OP_LDABSW_JCC = 0x60, OP_LDABSH_JCC = 0x68, OP_LDABSB_JCC = 0x70;
const OP_LDINDW_JCC = 0x80, OP_LDINDH_JCC = 0x88, OP_LDINDB_JCC = 0x90;
const OP_RET32_K = 0x98, OP_RET64_K = 0xa0;
const OP_PROLOGUE = 0xa8, OP_MSH = 0xb0;
const FUSED_LOADS: Readonly<Record<number, number>> = {
  [BPF_LD | BPF_ABS | BPF_W]: OP_LDABSW_JCC, [BPF_LD | BPF_ABS | BPF_H]: OP_LDABSH_JCC, [BPF_LD | BPF_ABS | BPF_B]: OP_LDABSB_JCC,
  [BPF_LD | BPF_IND | BPF_W]: OP_LDINDW_JCC, [BPF_LD | BPF_IND | BPF_H]: OP_LDINDH_JCC, [BPF_LD | BPF_IND | BPF_B]: OP_LDINDB_JCC,
};
/** Conditions a fused load can test, by JMP|K opcode: eq ne gt ge lt le set (the cases of taken()). */
const FUSED_CONDS: Readonly<Record<number, number>> = {
  [BPF_JMP | BPF_JEQ | BPF_K]: 0, [BPF_JMP | BPF_JNE | BPF_K]: 1, [BPF_JMP | BPF_JGT | BPF_K]: 2, [BPF_JMP | BPF_JGE | BPF_K]: 3,
  [BPF_JMP | BPF_JLT | BPF_K]: 4, [BPF_JMP | BPF_JLE | BPF_K]: 5, [BPF_JMP | BPF_JSET | BPF_K]: 6,
};

/** A fused conditional jump: `v` is the loaded u32, `k` the non-negative immediate. */
function taken(cond: number, v: number, k: number): boolean {
  switch (cond) {
    case 0: return v === k;
    case 1: return v !== k;
    case 2: return v > k;
    case 3: return v >= k;
    case 4: return v < k;
    case 5: return v <= k;
    default: return (v & k) !== 0;
  }
}

/** The opcode byte the switch dispatches on for `i`. */
function internalOp(i: Insn): number {
  const c = i.code;
  switch (c) {
    case BPF_ALU | BPF_DIV | BPF_K: return i.off === 1 ? OP_SDIV32_K : c;
    case BPF_ALU | BPF_DIV | BPF_X: return i.off === 1 ? OP_SDIV32_X : c;
    case BPF_ALU64 | BPF_DIV | BPF_K: return i.off === 1 ? OP_SDIV64_K : c;
    case BPF_ALU64 | BPF_DIV | BPF_X: return i.off === 1 ? OP_SDIV64_X : c;
    case BPF_ALU | BPF_MOD | BPF_K: return i.off === 1 ? OP_SMOD32_K : c;
    case BPF_ALU | BPF_MOD | BPF_X: return i.off === 1 ? OP_SMOD32_X : c;
    case BPF_ALU64 | BPF_MOD | BPF_K: return i.off === 1 ? OP_SMOD64_K : c;
    case BPF_ALU64 | BPF_MOD | BPF_X: return i.off === 1 ? OP_SMOD64_X : c;
    case BPF_ALU | BPF_MOV | BPF_X: return i.off === 8 ? OP_MOVSX8_32 : i.off === 16 ? OP_MOVSX16_32 : c;
    case BPF_ALU64 | BPF_MOV | BPF_X: return i.off === 8 ? OP_MOVSX8_64 : i.off === 16 ? OP_MOVSX16_64 : i.off === 32 ? OP_MOVSX32_64 : c;
    case BPF_JMP | BPF_CALL: return i.src === BPF_PSEUDO_CALL ? OP_CALL_LOCAL : c;
  }
  return c;
}

const bit = (r: number): number => 1 << r;
const ARGS_MASK = 0x3e; // R1-R5
const CALLEE_SAVED_MASK = 0x3c0; // R6-R9
/** Why a register is unreadable in checked mode (else the pc of the call or packet load that clobbered it). */
const WHY_NEVER_WRITTEN = -1;
const WHY_NEW_FRAME = -2;

/**
 * Registers an instruction reads and writes, for checked mode: the one use/def (insnRegs).
 * What a call or a packet load clobbers becomes unreadable at run time (clobberArgs), after
 * the load has had its chance to end the program.
 */
function registerUse(i: Insn, helpers: HelperRegistry): [read: number, write: number] {
  const r = insnRegs(i, (id) => helpers.get(id)?.args ?? 5);
  // Our packet loads read env.pkt, not the context in R6 the kernel requires.
  const kind = OPCODES[i.code]!.kind;
  return [kind === 'ldabs' || kind === 'ldind' ? r.reads & ~bit(R6) : r.reads, r.writes];
}

class Frame implements HelperFrame {
  env: ExecEnv;
  constructor(readonly lo: Int32Array, readonly hi: Int32Array, env: ExecEnv) {
    this.env = env;
  }
}

const EMPTY = new Uint8Array(0);

export class Interpreter implements Engine {
  readonly program: Program;
  private readonly len: number;
  // Predecoded program; index len is the fell-off-the-end sentinel.
  private readonly op: Uint8Array;
  private readonly dstA: Uint8Array;
  private readonly srcA: Uint8Array;
  private readonly offA: Int32Array;
  private readonly immA: Int32Array;
  /** LD IMM64: upper 32 bits; jumps and local calls: the target pc. */
  private readonly auxA: Int32Array;
  private readonly callFns: (HelperFn | null)[];
  /** Superinstructions: the jump's immediate and condition. */
  private readonly imm2A: Int32Array;
  private readonly condA: Uint8Array;

  private readonly helpers: HelperRegistry;
  private readonly budget: number;
  private readonly checked: boolean;
  private readonly traceFn: ((pc: number, lo: Int32Array, hi: Int32Array) => void) | null;
  private readonly readMask: Int32Array;
  private readonly writeMask: Int32Array;

  private readonly lo = new Int32Array(MAX_BPF_REG);
  private readonly hi = new Int32Array(MAX_BPF_REG);
  private readonly frame: Frame;
  private readonly stack = new Uint8Array(STACK_BYTES);
  private readonly stackView: DataView = new DataView(this.stack.buffer);
  /** Per call frame: return pc, then R6-R9 as lo/hi pairs. */
  private readonly calls = new Int32Array(MAX_CALL_FRAMES * 9);
  private depth = 0;
  private stackLow = STACK_BYTES - STACK_FRAME_BYTES;

  // The environment of the current run; the views are rebuilt only when a buffer changes.
  private ctxBuf: Uint8Array = EMPTY;
  private ctxView: DataView = new DataView(EMPTY.buffer);
  private ctxLen = 0;
  private memBuf: Uint8Array = EMPTY;
  private memView: DataView = new DataView(EMPTY.buffer);
  private memLen = 0;
  private env: ExecEnv | null = null;
  // runPacket's last view and env, checked when they change (a DataView's byteLength getter
  // is slow), and the bytes of that view, which env.pkt becomes.
  private packetView: DataView | null = null;
  private packetEnv: ExecEnv | null = null;
  private packetBytes: Uint8Array = EMPTY;

  // Checked mode: registers that hold nothing, and why.
  private poison = 0;
  private readonly why = new Int32Array(MAX_BPF_REG);
  private readonly savedPoison = new Int32Array(MAX_CALL_FRAMES);
  private readonly savedWhy = new Int32Array(MAX_CALL_FRAMES * 4);

  private lastSteps = 0;
  private lastR0hi = 0;

  constructor(program: Program, opts: InterpreterOptions = {}) {
    validateEncoding(program, 'Interpreter');
    checkEngineOptions('Interpreter', opts);
    this.program = program;
    this.helpers = opts.helpers ?? standardHelpers();
    this.budget = opts.budget ?? DEFAULT_BUDGET;
    this.checked = opts.checked === true;
    this.traceFn = opts.trace ?? null;

    const n = program.length;
    this.len = n;
    this.op = new Uint8Array(n + 1);
    this.dstA = new Uint8Array(n + 1);
    this.srcA = new Uint8Array(n + 1);
    this.offA = new Int32Array(n + 1);
    this.immA = new Int32Array(n + 1);
    this.auxA = new Int32Array(n + 1);
    this.callFns = helperCallTargets(program, this.helpers);
    this.readMask = new Int32Array(this.checked ? n + 1 : 0);
    this.writeMask = new Int32Array(this.checked ? n + 1 : 0);
    for (let pc = 0; pc < n; pc++) {
      const i = program[pc]!;
      const op = internalOp(i);
      this.op[pc] = op;
      this.dstA[pc] = i.dst;
      this.srcA[pc] = i.src;
      // Only memory accesses read offA: pointers hold REGION_BASE + offset, so ea = lo + offA is the offset.
      this.offA[pc] = i.off - REGION_BASE;
      this.immA[pc] = i.imm;
      if (isLdImm64(i)) {
        this.auxA[pc] = program[pc + 1]!.imm;
      } else {
        const target = branchTarget(i, pc);
        if (target !== null) this.auxA[pc] = target;
      }
      if (this.checked) {
        const [r, w] = registerUse(i, this.helpers);
        this.readMask[pc] = r;
        this.writeMask[pc] = w;
      }
      if (isLdImm64(i)) pc++; // the second slot is never executed
    }
    this.op[n] = OP_FELL_OFF;
    this.imm2A = new Int32Array(n + 1);
    this.condA = new Uint8Array(n + 1);
    if (!this.checked && this.traceFn === null) this.fuse(program);
    this.frame = new Frame(this.lo, this.hi, new ExecEnv());
  }

  /** R0's upper 32 bits after the last run, unsigned. */
  get r0hi(): number {
    return this.lastR0hi >>> 0;
  }

  /** Instructions executed by the last run. */
  get steps(): number {
    return this.lastSteps;
  }

  runPacket(env: ExecEnv, view: DataView, start: number, len: number): number {
    if (view !== this.packetView || env !== this.packetEnv) {
      checkPacketRun(env, view, start, len);
      this.packetView = view;
      this.packetEnv = env;
      this.packetBytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    } else {
      checkPacketWindow('runPacket', this.packetBytes.length, start, len);
    }
    env.pkt = this.packetBytes;
    env.pktStart = start;
    env.pktLen = len;
    const mem = env.mem;
    if (mem === null) return this.runBound(env);
    env.mem = null;
    try {
      return this.runBound(env);
    } finally {
      env.mem = mem;
    }
  }

  run(env: ExecEnv): number {
    checkRunEnv(env);
    return this.runBound(env);
  }

  private runBound(env: ExecEnv): number {
    this.bind(env);
    return this.exec();
  }

  private bind(env: ExecEnv): void {
    this.env = env;
    this.frame.env = env;
    if (env.ctx !== this.ctxBuf) {
      checkEnvBuffer('ctx', env.ctx);
      this.ctxBuf = env.ctx;
      this.ctxView = new DataView(env.ctx.buffer, env.ctx.byteOffset, env.ctx.byteLength);
    }
    this.ctxLen = env.ctx.length;
    const mem = env.mem ?? EMPTY;
    if (mem !== this.memBuf) {
      checkEnvBuffer('mem', env.mem);
      this.memBuf = mem;
      this.memView = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
    }
    this.memLen = mem.length;
  }

  private exec(): number {
    const lo = this.lo, hi = this.hi;
    const op = this.op, dstA = this.dstA, srcA = this.srcA, offA = this.offA, immA = this.immA, auxA = this.auxA;
    const imm2A = this.imm2A, condA = this.condA;
    const env = this.env!;
    const budget = this.budget;
    const slow = this.checked || this.traceFn !== null;
    const pkt = env.pkt, pStart = env.pktStart, pLen = env.pktLen;

    // Spelled out: TypedArray.fill, or a loop, costs more than a whole short run.
    lo[0] = 0; lo[1] = REGION_BASE; lo[2] = 0; lo[3] = 0; lo[4] = 0; lo[5] = 0; lo[6] = 0; lo[7] = 0; lo[8] = 0; lo[9] = 0;
    hi[0] = 0; hi[2] = 0; hi[3] = 0; hi[4] = 0; hi[5] = 0; hi[6] = 0; hi[7] = 0; hi[8] = 0; hi[9] = 0;
    if (env.mem) {
      hi[1] = REGION_MEM;
      lo[2] = env.mem.length;
    } else {
      hi[1] = REGION_CTX;
    }
    lo[10] = REGION_BASE + STACK_BYTES;
    hi[10] = REGION_STACK;
    this.depth = 0;
    this.stackLow = STACK_BYTES - STACK_FRAME_BYTES;
    if (this.checked) {
      this.poison = ((1 << MAX_BPF_REG) - 1) & ~(bit(1) | bit(10) | (env.mem ? bit(2) : 0));
      this.why.fill(WHY_NEVER_WRITTEN);
    }

    let pc = 0;
    let steps = 0;
    for (;;) {
      const i = pc;
      if (slow) {
        this.lastSteps = steps;
        this.beforeInsn(i);
      }
      if (++steps > budget) throw this.budgetFault(i, steps - 1);
      pc = i + 1;
      const d = dstA[i]!;
      switch (op[i]) {
        // ---- ALU, 32-bit, immediate: result zero-extended
        case 0x04: /* add32 imm */ lo[d] = (lo[d]! + immA[i]!) | 0; hi[d] = 0; break;
        case 0x14: /* sub32 imm */ lo[d] = (lo[d]! - immA[i]!) | 0; hi[d] = 0; break;
        case 0x24: /* mul32 imm */ lo[d] = Math.imul(lo[d]!, immA[i]!); hi[d] = 0; break;
        case 0x34: /* div32 imm */ lo[d] = udiv32(lo[d]!, immA[i]!); hi[d] = 0; break;
        case 0x44: /* or32 imm */ lo[d] = lo[d]! | immA[i]!; hi[d] = 0; break;
        case 0x54: /* and32 imm */ lo[d] = lo[d]! & immA[i]!; hi[d] = 0; break;
        case 0x64: /* lsh32 imm */ lo[d] = lo[d]! << immA[i]!; hi[d] = 0; break;
        case 0x74: /* rsh32 imm */ lo[d] = lo[d]! >>> immA[i]!; hi[d] = 0; break;
        case 0x84: /* neg32 */ lo[d] = -lo[d]! | 0; hi[d] = 0; break;
        case 0x94: /* mod32 imm */ lo[d] = umod32(lo[d]!, immA[i]!); hi[d] = 0; break;
        case 0xa4: /* xor32 imm */ lo[d] = lo[d]! ^ immA[i]!; hi[d] = 0; break;
        case 0xb4: /* mov32 imm */ lo[d] = immA[i]!; hi[d] = 0; break;
        case 0xc4: /* arsh32 imm */ lo[d] = lo[d]! >> immA[i]!; hi[d] = 0; break;
        case 0xd4: { /* le */ // to little-endian (our byte order): truncate
          const w = immA[i]!;
          if (w === 16) { lo[d] = lo[d]! & 0xffff; hi[d] = 0; } else if (w === 32) hi[d] = 0;
          break;
        }
        case 0xdc: /* be */ { // to big-endian: swap
          const w = immA[i]!;
          if (w === 16) { lo[d] = bswap16(lo[d]!); hi[d] = 0; } else if (w === 32) { lo[d] = bswap32(lo[d]!); hi[d] = 0; } else {
            bswap64(lo[d]!, hi[d]!); lo[d] = OUT[0]!; hi[d] = OUT[1]!;
          }
          break;
        }
        case 0x01: /* OP_SDIV32_K */ lo[d] = sdiv32(lo[d]!, immA[i]!); hi[d] = 0; break;
        case 0x02: /* OP_SMOD32_K */ lo[d] = smod32(lo[d]!, immA[i]!); hi[d] = 0; break;

        // ---- ALU, 32-bit, register
        case 0x0c: /* add32 reg */ lo[d] = (lo[d]! + lo[srcA[i]!]!) | 0; hi[d] = 0; break;
        case 0x1c: /* sub32 reg */ lo[d] = (lo[d]! - lo[srcA[i]!]!) | 0; hi[d] = 0; break;
        case 0x2c: /* mul32 reg */ lo[d] = Math.imul(lo[d]!, lo[srcA[i]!]!); hi[d] = 0; break;
        case 0x3c: /* div32 reg */ lo[d] = udiv32(lo[d]!, lo[srcA[i]!]!); hi[d] = 0; break;
        case 0x4c: /* or32 reg */ lo[d] = lo[d]! | lo[srcA[i]!]!; hi[d] = 0; break;
        case 0x5c: /* and32 reg */ lo[d] = lo[d]! & lo[srcA[i]!]!; hi[d] = 0; break;
        case 0x6c: /* lsh32 reg */ lo[d] = lo[d]! << lo[srcA[i]!]!; hi[d] = 0; break;
        case 0x7c: /* rsh32 reg */ lo[d] = lo[d]! >>> lo[srcA[i]!]!; hi[d] = 0; break;
        case 0x9c: /* mod32 reg */ lo[d] = umod32(lo[d]!, lo[srcA[i]!]!); hi[d] = 0; break;
        case 0xac: /* xor32 reg */ lo[d] = lo[d]! ^ lo[srcA[i]!]!; hi[d] = 0; break;
        case 0xbc: /* mov32 reg */ lo[d] = lo[srcA[i]!]!; hi[d] = 0; break;
        case 0xcc: /* arsh32 reg */ lo[d] = lo[d]! >> lo[srcA[i]!]!; hi[d] = 0; break;
        case 0x09: /* OP_SDIV32_X */ lo[d] = sdiv32(lo[d]!, lo[srcA[i]!]!); hi[d] = 0; break;
        case 0x0a: /* OP_SMOD32_X */ lo[d] = smod32(lo[d]!, lo[srcA[i]!]!); hi[d] = 0; break;
        case 0x03: /* OP_MOVSX8_32 */ lo[d] = (lo[srcA[i]!]! << 24) >> 24; hi[d] = 0; break;
        case 0x0b: /* OP_MOVSX16_32 */ lo[d] = (lo[srcA[i]!]! << 16) >> 16; hi[d] = 0; break;

        // ---- ALU64, immediate (sign-extended to 64 bits)
        case 0x07: /* add64 imm */ {
          const k = immA[i]!, s = (lo[d]! >>> 0) + (k >>> 0);
          lo[d] = s | 0;
          hi[d] = (hi[d]! + (k >> 31) + (s > 0xffffffff ? 1 : 0)) | 0;
          break;
        }
        case 0x17: /* sub64 imm */ {
          const k = immA[i]!, s = (lo[d]! >>> 0) - (k >>> 0);
          lo[d] = s | 0;
          hi[d] = (hi[d]! - (k >> 31) - (s < 0 ? 1 : 0)) | 0;
          break;
        }
        case 0x27: /* mul64 imm */ { const k = immA[i]!; mul64(lo[d]!, hi[d]!, k, k >> 31); lo[d] = OUT[0]!; hi[d] = OUT[1]!; break; }
        case 0x37: /* div64 imm */ { const k = immA[i]!; udiv64(lo[d]!, hi[d]!, k, k >> 31); lo[d] = OUT[0]!; hi[d] = OUT[1]!; break; }
        case 0x47: /* or64 imm */ { const k = immA[i]!; lo[d] = lo[d]! | k; hi[d] = hi[d]! | (k >> 31); break; }
        case 0x57: /* and64 imm */ { const k = immA[i]!; lo[d] = lo[d]! & k; hi[d] = hi[d]! & (k >> 31); break; }
        case 0x67: /* lsh64 imm */ shl64(lo[d]!, hi[d]!, immA[i]!); lo[d] = OUT[0]!; hi[d] = OUT[1]!; break;
        case 0x77: /* rsh64 imm */ shr64(lo[d]!, hi[d]!, immA[i]!); lo[d] = OUT[0]!; hi[d] = OUT[1]!; break;
        case 0x87: /* neg64 */ neg64(lo[d]!, hi[d]!); lo[d] = OUT[0]!; hi[d] = OUT[1]!; break;
        case 0x97: /* mod64 imm */ { const k = immA[i]!; umod64(lo[d]!, hi[d]!, k, k >> 31); lo[d] = OUT[0]!; hi[d] = OUT[1]!; break; }
        case 0xa7: /* xor64 imm */ { const k = immA[i]!; lo[d] = lo[d]! ^ k; hi[d] = hi[d]! ^ (k >> 31); break; }
        case 0xb7: /* mov64 imm */ { const k = immA[i]!; lo[d] = k; hi[d] = k >> 31; break; }
        case 0xc7: /* arsh64 imm */ sar64(lo[d]!, hi[d]!, immA[i]!); lo[d] = OUT[0]!; hi[d] = OUT[1]!; break;
        case 0xd7: /* bswap */ { // unconditional byte swap
          const w = immA[i]!;
          if (w === 16) { lo[d] = bswap16(lo[d]!); hi[d] = 0; } else if (w === 32) { lo[d] = bswap32(lo[d]!); hi[d] = 0; } else {
            bswap64(lo[d]!, hi[d]!); lo[d] = OUT[0]!; hi[d] = OUT[1]!;
          }
          break;
        }
        case 0x11: /* OP_SDIV64_K */ { const k = immA[i]!; sdiv64(lo[d]!, hi[d]!, k, k >> 31); lo[d] = OUT[0]!; hi[d] = OUT[1]!; break; }
        case 0x12: /* OP_SMOD64_K */ { const k = immA[i]!; smod64(lo[d]!, hi[d]!, k, k >> 31); lo[d] = OUT[0]!; hi[d] = OUT[1]!; break; }

        // ---- ALU64, register
        case 0x0f: /* add64 reg */ {
          const s = srcA[i]!, sum = (lo[d]! >>> 0) + (lo[s]! >>> 0);
          lo[d] = sum | 0;
          hi[d] = (hi[d]! + hi[s]! + (sum > 0xffffffff ? 1 : 0)) | 0;
          break;
        }
        case 0x1f: /* sub64 reg */ {
          const s = srcA[i]!, diff = (lo[d]! >>> 0) - (lo[s]! >>> 0);
          lo[d] = diff | 0;
          hi[d] = (hi[d]! - hi[s]! - (diff < 0 ? 1 : 0)) | 0;
          break;
        }
        case 0x2f: /* mul64 reg */ { const s = srcA[i]!; mul64(lo[d]!, hi[d]!, lo[s]!, hi[s]!); lo[d] = OUT[0]!; hi[d] = OUT[1]!; break; }
        case 0x3f: /* div64 reg */ { const s = srcA[i]!; udiv64(lo[d]!, hi[d]!, lo[s]!, hi[s]!); lo[d] = OUT[0]!; hi[d] = OUT[1]!; break; }
        case 0x4f: /* or64 reg */ { const s = srcA[i]!; lo[d] = lo[d]! | lo[s]!; hi[d] = hi[d]! | hi[s]!; break; }
        case 0x5f: /* and64 reg */ { const s = srcA[i]!; lo[d] = lo[d]! & lo[s]!; hi[d] = hi[d]! & hi[s]!; break; }
        case 0x6f: /* lsh64 reg */ shl64(lo[d]!, hi[d]!, lo[srcA[i]!]!); lo[d] = OUT[0]!; hi[d] = OUT[1]!; break;
        case 0x7f: /* rsh64 reg */ shr64(lo[d]!, hi[d]!, lo[srcA[i]!]!); lo[d] = OUT[0]!; hi[d] = OUT[1]!; break;
        case 0x9f: /* mod64 reg */ { const s = srcA[i]!; umod64(lo[d]!, hi[d]!, lo[s]!, hi[s]!); lo[d] = OUT[0]!; hi[d] = OUT[1]!; break; }
        case 0xaf: /* xor64 reg */ { const s = srcA[i]!; lo[d] = lo[d]! ^ lo[s]!; hi[d] = hi[d]! ^ hi[s]!; break; }
        case 0xbf: /* mov64 reg */ { const s = srcA[i]!; lo[d] = lo[s]!; hi[d] = hi[s]!; break; }
        case 0xcf: /* arsh64 reg */ sar64(lo[d]!, hi[d]!, lo[srcA[i]!]!); lo[d] = OUT[0]!; hi[d] = OUT[1]!; break;
        case 0x19: /* OP_SDIV64_X */ { const s = srcA[i]!; sdiv64(lo[d]!, hi[d]!, lo[s]!, hi[s]!);
          lo[d] = OUT[0]!; hi[d] = OUT[1]!; break; }
        case 0x1a: /* OP_SMOD64_X */ { const s = srcA[i]!; smod64(lo[d]!, hi[d]!, lo[s]!, hi[s]!);
          lo[d] = OUT[0]!; hi[d] = OUT[1]!; break; }
        case 0x13: /* OP_MOVSX8_64 */ { const v = (lo[srcA[i]!]! << 24) >> 24; lo[d] = v; hi[d] = v >> 31; break; }
        case 0x1b: /* OP_MOVSX16_64 */ { const v = (lo[srcA[i]!]! << 16) >> 16; lo[d] = v; hi[d] = v >> 31; break; }
        case 0x23: /* OP_MOVSX32_64 */ { const v = lo[srcA[i]!]!; lo[d] = v; hi[d] = v >> 31; break; }

        // ---- JMP, 64-bit compares with a sign-extended immediate
        case 0x05: /* ja */ pc = auxA[i]!; break;
        case 0x15: /* jeq imm */ { const k = immA[i]!; if (lo[d] === k && hi[d] === k >> 31) pc = auxA[i]!; break; }
        case 0x55: /* jne imm */ { const k = immA[i]!; if (lo[d] !== k || hi[d] !== k >> 31) pc = auxA[i]!; break; }
        case 0x45: /* jset imm */ { const k = immA[i]!; if ((lo[d]! & k) !== 0 || (hi[d]! & (k >> 31)) !== 0) pc = auxA[i]!; break; }
        case 0x25: /* jgt imm */ { const k = immA[i]!, kh = k >> 31, h = hi[d]!;
          if (h === kh ? (lo[d]! >>> 0) > (k >>> 0) : (h >>> 0) > (kh >>> 0)) pc = auxA[i]!; break; }
        case 0x35: /* jge imm */ { const k = immA[i]!, kh = k >> 31, h = hi[d]!;
          if (h === kh ? (lo[d]! >>> 0) >= (k >>> 0) : (h >>> 0) > (kh >>> 0)) pc = auxA[i]!; break; }
        case 0xa5: /* jlt imm */ { const k = immA[i]!, kh = k >> 31, h = hi[d]!;
          if (h === kh ? (lo[d]! >>> 0) < (k >>> 0) : (h >>> 0) < (kh >>> 0)) pc = auxA[i]!; break; }
        case 0xb5: /* jle imm */ { const k = immA[i]!, kh = k >> 31, h = hi[d]!;
          if (h === kh ? (lo[d]! >>> 0) <= (k >>> 0) : (h >>> 0) < (kh >>> 0)) pc = auxA[i]!; break; }
        case 0x65: /* jsgt imm */ { const k = immA[i]!, kh = k >> 31, h = hi[d]!;
          if (h === kh ? (lo[d]! >>> 0) > (k >>> 0) : h > kh) pc = auxA[i]!; break; }
        case 0x75: /* jsge imm */ { const k = immA[i]!, kh = k >> 31, h = hi[d]!;
          if (h === kh ? (lo[d]! >>> 0) >= (k >>> 0) : h > kh) pc = auxA[i]!; break; }
        case 0xc5: /* jslt imm */ { const k = immA[i]!, kh = k >> 31, h = hi[d]!;
          if (h === kh ? (lo[d]! >>> 0) < (k >>> 0) : h < kh) pc = auxA[i]!; break; }
        case 0xd5: /* jsle imm */ { const k = immA[i]!, kh = k >> 31, h = hi[d]!;
          if (h === kh ? (lo[d]! >>> 0) <= (k >>> 0) : h < kh) pc = auxA[i]!; break; }

        // ---- JMP, 64-bit compares with a register
        case 0x1d: /* jeq reg */ { const s = srcA[i]!; if (lo[d] === lo[s] && hi[d] === hi[s]) pc = auxA[i]!; break; }
        case 0x5d: /* jne reg */ { const s = srcA[i]!; if (lo[d] !== lo[s] || hi[d] !== hi[s]) pc = auxA[i]!; break; }
        case 0x4d: /* jset reg */ { const s = srcA[i]!; if ((lo[d]! & lo[s]!) !== 0 || (hi[d]! & hi[s]!) !== 0) pc = auxA[i]!; break; }
        case 0x2d: /* jgt reg */ { const s = srcA[i]!, h = hi[d]!, hs = hi[s]!;
          if (h === hs ? (lo[d]! >>> 0) > (lo[s]! >>> 0) : (h >>> 0) > (hs >>> 0)) pc = auxA[i]!; break; }
        case 0x3d: /* jge reg */ { const s = srcA[i]!, h = hi[d]!, hs = hi[s]!;
          if (h === hs ? (lo[d]! >>> 0) >= (lo[s]! >>> 0) : (h >>> 0) > (hs >>> 0)) pc = auxA[i]!; break; }
        case 0xad: /* jlt reg */ { const s = srcA[i]!, h = hi[d]!, hs = hi[s]!;
          if (h === hs ? (lo[d]! >>> 0) < (lo[s]! >>> 0) : (h >>> 0) < (hs >>> 0)) pc = auxA[i]!; break; }
        case 0xbd: /* jle reg */ { const s = srcA[i]!, h = hi[d]!, hs = hi[s]!;
          if (h === hs ? (lo[d]! >>> 0) <= (lo[s]! >>> 0) : (h >>> 0) < (hs >>> 0)) pc = auxA[i]!; break; }
        case 0x6d: /* jsgt reg */ { const s = srcA[i]!, h = hi[d]!, hs = hi[s]!;
          if (h === hs ? (lo[d]! >>> 0) > (lo[s]! >>> 0) : h > hs) pc = auxA[i]!; break; }
        case 0x7d: /* jsge reg */ { const s = srcA[i]!, h = hi[d]!, hs = hi[s]!;
          if (h === hs ? (lo[d]! >>> 0) >= (lo[s]! >>> 0) : h > hs) pc = auxA[i]!; break; }
        case 0xcd: /* jslt reg */ { const s = srcA[i]!, h = hi[d]!, hs = hi[s]!;
          if (h === hs ? (lo[d]! >>> 0) < (lo[s]! >>> 0) : h < hs) pc = auxA[i]!; break; }
        case 0xdd: /* jsle reg */ { const s = srcA[i]!, h = hi[d]!, hs = hi[s]!;
          if (h === hs ? (lo[d]! >>> 0) <= (lo[s]! >>> 0) : h < hs) pc = auxA[i]!; break; }

        // ---- JMP32: compares of the low halves
        case 0x06: /* ja32 */ pc = auxA[i]!; break;
        case 0x16: /* jeq32 imm */ if (lo[d] === immA[i]) pc = auxA[i]!; break;
        case 0x56: /* jne32 imm */ if (lo[d] !== immA[i]) pc = auxA[i]!; break;
        case 0x46: /* jset32 imm */ if ((lo[d]! & immA[i]!) !== 0) pc = auxA[i]!; break;
        case 0x26: /* jgt32 imm */ if ((lo[d]! >>> 0) > (immA[i]! >>> 0)) pc = auxA[i]!; break;
        case 0x36: /* jge32 imm */ if ((lo[d]! >>> 0) >= (immA[i]! >>> 0)) pc = auxA[i]!; break;
        case 0xa6: /* jlt32 imm */ if ((lo[d]! >>> 0) < (immA[i]! >>> 0)) pc = auxA[i]!; break;
        case 0xb6: /* jle32 imm */ if ((lo[d]! >>> 0) <= (immA[i]! >>> 0)) pc = auxA[i]!; break;
        case 0x66: /* jsgt32 imm */ if (lo[d]! > immA[i]!) pc = auxA[i]!; break;
        case 0x76: /* jsge32 imm */ if (lo[d]! >= immA[i]!) pc = auxA[i]!; break;
        case 0xc6: /* jslt32 imm */ if (lo[d]! < immA[i]!) pc = auxA[i]!; break;
        case 0xd6: /* jsle32 imm */ if (lo[d]! <= immA[i]!) pc = auxA[i]!; break;
        case 0x1e: /* jeq32 reg */ if (lo[d] === lo[srcA[i]!]) pc = auxA[i]!; break;
        case 0x5e: /* jne32 reg */ if (lo[d] !== lo[srcA[i]!]) pc = auxA[i]!; break;
        case 0x4e: /* jset32 reg */ if ((lo[d]! & lo[srcA[i]!]!) !== 0) pc = auxA[i]!; break;
        case 0x2e: /* jgt32 reg */ if ((lo[d]! >>> 0) > (lo[srcA[i]!]! >>> 0)) pc = auxA[i]!; break;
        case 0x3e: /* jge32 reg */ if ((lo[d]! >>> 0) >= (lo[srcA[i]!]! >>> 0)) pc = auxA[i]!; break;
        case 0xae: /* jlt32 reg */ if ((lo[d]! >>> 0) < (lo[srcA[i]!]! >>> 0)) pc = auxA[i]!; break;
        case 0xbe: /* jle32 reg */ if ((lo[d]! >>> 0) <= (lo[srcA[i]!]! >>> 0)) pc = auxA[i]!; break;
        case 0x6e: /* jsgt32 reg */ if (lo[d]! > lo[srcA[i]!]!) pc = auxA[i]!; break;
        case 0x7e: /* jsge32 reg */ if (lo[d]! >= lo[srcA[i]!]!) pc = auxA[i]!; break;
        case 0xce: /* jslt32 reg */ if (lo[d]! < lo[srcA[i]!]!) pc = auxA[i]!; break;
        case 0xde: /* jsle32 reg */ if (lo[d]! <= lo[srcA[i]!]!) pc = auxA[i]!; break;

        // ---- calls and exit
        case 0x85: /* call */ { // helper by id
          const result = this.callHelper(i, this.callFns[i]!, steps);
          if (this.checked) this.clobberArgs(i);
          if (result === false) return this.finish(steps);
          break;
        }
        case 0x8d: { // callx: helper whose id is in dst
          const h = hi[d] === 0 ? this.helpers.get(lo[d]! >>> 0) : undefined;
          if (!h) {
            this.lastSteps = steps;
            throw noHelperForCallx(i, d, lo[d]!, hi[d]!);
          }
          if (this.checked) this.checkArgs(i, h);
          const result = this.callHelper(i, h.fn, steps);
          if (this.checked) this.clobberArgs(i);
          if (result === false) return this.finish(steps);
          break;
        }
        case 0x21: /* OP_CALL_LOCAL */ {
          const depth = this.depth;
          if (depth + 1 >= MAX_CALL_FRAMES) {
            this.lastSteps = steps;
            throw callsTooDeep(i);
          }
          const f = this.calls, at = depth * 9;
          f[at] = pc;
          for (let r = 6, k = at + 1; r <= 9; r++, k += 2) { f[k] = lo[r]!; f[k + 1] = hi[r]!; }
          this.depth = depth + 1;
          lo[10] = REGION_BASE + STACK_BYTES - STACK_FRAME_BYTES * (depth + 1);
          this.stackLow = STACK_BYTES - STACK_FRAME_BYTES * (depth + 2);
          if (this.checked) this.enterFrame(depth);
          pc = auxA[i]!;
          break;
        }
        case 0x95: /* exit */ {
          const depth = this.depth;
          if (depth === 0) return this.finish(steps);
          const f = this.calls, at = (depth - 1) * 9;
          pc = f[at]!;
          for (let r = 6, k = at + 1; r <= 9; r++, k += 2) { lo[r] = f[k]!; hi[r] = f[k + 1]!; }
          this.depth = depth - 1;
          lo[10] = REGION_BASE + STACK_BYTES - STACK_FRAME_BYTES * (depth - 1);
          this.stackLow = STACK_BYTES - STACK_FRAME_BYTES * depth;
          if (this.checked) this.leaveFrame(depth - 1, pc - 1);
          break;
        }

        // ---- LD IMM64 and the legacy packet loads (big-endian, R0 = u32)
        case 0x18: /* lddw */ lo[d] = immA[i]!; hi[d] = auxA[i]!; pc = i + 2; break;
        case 0x30: { // ldabsb
          const k = immA[i]!;
          if (k >= 0 && k < pLen) lo[0] = pkt[pStart + k]!;
          else { const v = loadPacketNegative(this.env!, k, 1); if (v === -1) return this.failedLoad(steps); lo[0] = v; }
          hi[0] = 0;
          if (this.checked) this.clobberArgs(i);
          break;
        }
        case 0x28: { // ldabsh
          const k = immA[i]!;
          if (k >= 0 && k + 2 <= pLen) { const at = pStart + k; lo[0] = (pkt[at]! << 8) | pkt[at + 1]!; }
          else { const v = loadPacketNegative(this.env!, k, 2); if (v === -1) return this.failedLoad(steps); lo[0] = v; }
          hi[0] = 0;
          if (this.checked) this.clobberArgs(i);
          break;
        }
        case 0x20: { // ldabsw
          const k = immA[i]!;
          if (k >= 0 && k + 4 <= pLen) { const at = pStart + k;
            lo[0] = (pkt[at]! << 24) | (pkt[at + 1]! << 16) | (pkt[at + 2]! << 8) | pkt[at + 3]!; }
          else { const v = loadPacketNegative(this.env!, k, 4); if (v === -1) return this.failedLoad(steps); lo[0] = v; }
          hi[0] = 0;
          if (this.checked) this.clobberArgs(i);
          break;
        }
        // LD IND: the offset is X + k taken as a signed 32-bit int (it wraps, as in Linux).
        case 0x50: { // ldindb
          const k = (lo[srcA[i]!]! + immA[i]!) | 0;
          if (k >= 0 && k < pLen) lo[0] = pkt[pStart + k]!;
          else { const v = loadPacketNegative(this.env!, k, 1); if (v === -1) return this.failedLoad(steps); lo[0] = v; }
          hi[0] = 0;
          if (this.checked) this.clobberArgs(i);
          break;
        }
        case 0x48: { // ldindh
          const k = (lo[srcA[i]!]! + immA[i]!) | 0;
          if (k >= 0 && k + 2 <= pLen) { const at = pStart + k; lo[0] = (pkt[at]! << 8) | pkt[at + 1]!; }
          else { const v = loadPacketNegative(this.env!, k, 2); if (v === -1) return this.failedLoad(steps); lo[0] = v; }
          hi[0] = 0;
          if (this.checked) this.clobberArgs(i);
          break;
        }
        case 0x40: { // ldindw
          const k = (lo[srcA[i]!]! + immA[i]!) | 0;
          if (k >= 0 && k + 4 <= pLen) { const at = pStart + k;
            lo[0] = (pkt[at]! << 24) | (pkt[at + 1]! << 16) | (pkt[at + 2]! << 8) | pkt[at + 3]!; }
          else { const v = loadPacketNegative(this.env!, k, 4); if (v === -1) return this.failedLoad(steps); lo[0] = v; }
          hi[0] = 0;
          if (this.checked) this.clobberArgs(i);
          break;
        }

        // ---- superinstructions (see fuse())
        case 0x60: { /* OP_LDABSW_JCC: ldabsw + jcc */
          const k = immA[i]!;
          let v: number;
          if (k >= 0 && k + 4 <= pLen) { const at = pStart + k;
            v = (pkt[at]! << 24) | (pkt[at + 1]! << 16) | (pkt[at + 2]! << 8) | pkt[at + 3]!; }
          else { v = loadPacketNegative(this.env!, k, 4); if (v === -1) return this.failedLoad(steps); }
          lo[0] = v;
          hi[0] = 0;
          if (++steps > budget) throw this.budgetFault(i + 1, steps - 1);
          pc = taken(condA[i]!, v >>> 0, imm2A[i]!) ? auxA[i]! : i + 2;
          break;
        }
        case 0x68: { /* OP_LDABSH_JCC: ldabsh + jcc */
          const k = immA[i]!;
          let v: number;
          if (k >= 0 && k + 2 <= pLen) { const at = pStart + k; v = (pkt[at]! << 8) | pkt[at + 1]!; }
          else { v = loadPacketNegative(this.env!, k, 2); if (v === -1) return this.failedLoad(steps); }
          lo[0] = v;
          hi[0] = 0;
          if (++steps > budget) throw this.budgetFault(i + 1, steps - 1);
          pc = taken(condA[i]!, v >>> 0, imm2A[i]!) ? auxA[i]! : i + 2;
          break;
        }
        case 0x70: { /* OP_LDABSB_JCC: ldabsb + jcc */
          const k = immA[i]!;
          let v: number;
          if (k >= 0 && k + 1 <= pLen) { const at = pStart + k; v = pkt[at]!; }
          else { v = loadPacketNegative(this.env!, k, 1); if (v === -1) return this.failedLoad(steps); }
          lo[0] = v;
          hi[0] = 0;
          if (++steps > budget) throw this.budgetFault(i + 1, steps - 1);
          pc = taken(condA[i]!, v >>> 0, imm2A[i]!) ? auxA[i]! : i + 2;
          break;
        }
        case 0x80: { /* OP_LDINDW_JCC: ldindw + jcc */
          const k = (lo[srcA[i]!]! + immA[i]!) | 0;
          let v: number;
          if (k >= 0 && k + 4 <= pLen) { const at = pStart + k;
            v = (pkt[at]! << 24) | (pkt[at + 1]! << 16) | (pkt[at + 2]! << 8) | pkt[at + 3]!; }
          else { v = loadPacketNegative(this.env!, k, 4); if (v === -1) return this.failedLoad(steps); }
          lo[0] = v;
          hi[0] = 0;
          if (++steps > budget) throw this.budgetFault(i + 1, steps - 1);
          pc = taken(condA[i]!, v >>> 0, imm2A[i]!) ? auxA[i]! : i + 2;
          break;
        }
        case 0x88: { /* OP_LDINDH_JCC: ldindh + jcc */
          const k = (lo[srcA[i]!]! + immA[i]!) | 0;
          let v: number;
          if (k >= 0 && k + 2 <= pLen) { const at = pStart + k; v = (pkt[at]! << 8) | pkt[at + 1]!; }
          else { v = loadPacketNegative(this.env!, k, 2); if (v === -1) return this.failedLoad(steps); }
          lo[0] = v;
          hi[0] = 0;
          if (++steps > budget) throw this.budgetFault(i + 1, steps - 1);
          pc = taken(condA[i]!, v >>> 0, imm2A[i]!) ? auxA[i]! : i + 2;
          break;
        }
        case 0x90: { /* OP_LDINDB_JCC: ldindb + jcc */
          const k = (lo[srcA[i]!]! + immA[i]!) | 0;
          let v: number;
          if (k >= 0 && k + 1 <= pLen) { const at = pStart + k; v = pkt[at]!; }
          else { v = loadPacketNegative(this.env!, k, 1); if (v === -1) return this.failedLoad(steps); }
          lo[0] = v;
          hi[0] = 0;
          if (++steps > budget) throw this.budgetFault(i + 1, steps - 1);
          pc = taken(condA[i]!, v >>> 0, imm2A[i]!) ? auxA[i]! : i + 2;
          break;
        }
        case 0xa8: { /* OP_PROLOGUE: mov r6, r1; mov32 r0, 0; mov32 r7, 0 */
          if (steps + 2 > budget) { lo[6] = lo[1]!; hi[6] = hi[1]!; break; } // not enough budget: one at a time
          lo[6] = lo[1]!; hi[6] = hi[1]!;
          lo[0] = 0; hi[0] = 0;
          lo[7] = 0; hi[7] = 0;
          steps += 2;
          pc = i + 3;
          break;
        }
        case 0xb0: { /* OP_MSH: mov r7, r0; ldabsb k; and32 r0, 0xf; lsh32 r0, 2; mov r2, r7; mov r7, r0; mov r0, r2 */
          if (steps + 6 > budget) { lo[7] = lo[0]!; hi[7] = hi[0]!; break; } // not enough budget: one at a time
          const k = imm2A[i]!;
          let v: number;
          steps++;
          if (k >= 0 && k < pLen) v = pkt[pStart + k]!;
          else { v = loadPacketNegative(this.env!, k, 1); if (v === -1) return this.failedLoad(steps); }
          lo[2] = lo[0]!; hi[2] = hi[0]!;
          lo[7] = (v & 0xf) << 2; hi[7] = 0;
          steps += 5;
          pc = i + 7;
          break;
        }
        case 0x98: case 0xa0: { /* OP_RET32_K, OP_RET64_K: mov r0, K; exit */
          const k = immA[i]!;
          lo[0] = k;
          hi[0] = op[i] === 0xa0 ? k >> 31 : 0;
          if (this.depth !== 0) break; // the exit returns from a function: run it as such
          if (++steps > budget) throw this.budgetFault(i + 1, steps - 1);
          return this.finish(steps);
        }

        // ---- LDX: loads (MEM zero-extends, MEMSX sign-extends)
        case 0x61: /* ldxw */ { const s = srcA[i]!, ea = (lo[s]! >>> 0) + offA[i]!, v = this.view(hi[s]!, ea, 4);
          if (v === null) throw this.memFault(i, steps, false, 4, s); lo[d] = v.getInt32(ea, true); hi[d] = 0; break; }
        case 0x69: /* ldxh */ { const s = srcA[i]!, ea = (lo[s]! >>> 0) + offA[i]!, v = this.view(hi[s]!, ea, 2);
          if (v === null) throw this.memFault(i, steps, false, 2, s); lo[d] = v.getUint16(ea, true); hi[d] = 0; break; }
        case 0x71: /* ldxb */ { const s = srcA[i]!, ea = (lo[s]! >>> 0) + offA[i]!, v = this.view(hi[s]!, ea, 1);
          if (v === null) throw this.memFault(i, steps, false, 1, s); lo[d] = v.getUint8(ea); hi[d] = 0; break; }
        case 0x79: /* ldxdw */ { const s = srcA[i]!, ea = (lo[s]! >>> 0) + offA[i]!, v = this.view(hi[s]!, ea, 8);
          if (v === null) throw this.memFault(i, steps, false, 8, s);
          lo[d] = v.getInt32(ea, true); hi[d] = v.getInt32(ea + 4, true); break; }
        case 0x81: /* ldxsw */ { const s = srcA[i]!, ea = (lo[s]! >>> 0) + offA[i]!, v = this.view(hi[s]!, ea, 4);
          if (v === null) throw this.memFault(i, steps, false, 4, s); const x = v.getInt32(ea, true); lo[d] = x; hi[d] = x >> 31; break; }
        case 0x89: /* ldxsh */ { const s = srcA[i]!, ea = (lo[s]! >>> 0) + offA[i]!, v = this.view(hi[s]!, ea, 2);
          if (v === null) throw this.memFault(i, steps, false, 2, s); const x = v.getInt16(ea, true); lo[d] = x; hi[d] = x >> 31; break; }
        case 0x91: /* ldxsb */ { const s = srcA[i]!, ea = (lo[s]! >>> 0) + offA[i]!, v = this.view(hi[s]!, ea, 1);
          if (v === null) throw this.memFault(i, steps, false, 1, s); const x = v.getInt8(ea); lo[d] = x; hi[d] = x >> 31; break; }

        // ---- ST (immediate) and STX (register) stores
        case 0x62: /* stw */ { const ea = (lo[d]! >>> 0) + offA[i]!, v = this.view(hi[d]!, ea, 4);
          if (v === null) throw this.memFault(i, steps, true, 4, d); v.setInt32(ea, immA[i]!, true); break; }
        case 0x6a: /* sth */ { const ea = (lo[d]! >>> 0) + offA[i]!, v = this.view(hi[d]!, ea, 2);
          if (v === null) throw this.memFault(i, steps, true, 2, d); v.setInt16(ea, immA[i]!, true); break; }
        case 0x72: /* stb */ { const ea = (lo[d]! >>> 0) + offA[i]!, v = this.view(hi[d]!, ea, 1);
          if (v === null) throw this.memFault(i, steps, true, 1, d); v.setInt8(ea, immA[i]!); break; }
        case 0x7a: /* stdw */ { const ea = (lo[d]! >>> 0) + offA[i]!, v = this.view(hi[d]!, ea, 8);
          if (v === null) throw this.memFault(i, steps, true, 8, d);
          const k = immA[i]!; v.setInt32(ea, k, true); v.setInt32(ea + 4, k >> 31, true); break; }
        case 0x63: /* stxw */ { const ea = (lo[d]! >>> 0) + offA[i]!, v = this.view(hi[d]!, ea, 4);
          if (v === null) throw this.memFault(i, steps, true, 4, d); v.setInt32(ea, lo[srcA[i]!]!, true); break; }
        case 0x6b: /* stxh */ { const ea = (lo[d]! >>> 0) + offA[i]!, v = this.view(hi[d]!, ea, 2);
          if (v === null) throw this.memFault(i, steps, true, 2, d); v.setInt16(ea, lo[srcA[i]!]!, true); break; }
        case 0x73: /* stxb */ { const ea = (lo[d]! >>> 0) + offA[i]!, v = this.view(hi[d]!, ea, 1);
          if (v === null) throw this.memFault(i, steps, true, 1, d); v.setInt8(ea, lo[srcA[i]!]!); break; }
        case 0x7b: /* stxdw */ { const s = srcA[i]!, ea = (lo[d]! >>> 0) + offA[i]!, v = this.view(hi[d]!, ea, 8);
          if (v === null) throw this.memFault(i, steps, true, 8, d);
          v.setInt32(ea, lo[s]!, true); v.setInt32(ea + 4, hi[s]!, true); break; }
        case 0xc3: case 0xdb: /* atomic w, atomic dw */ {
          const size = op[i] === 0xdb ? 8 : 4;
          const ea = (lo[d]! >>> 0) + offA[i]!, v = this.view(hi[d]!, ea, size);
          if (v === null) throw this.memFault(i, steps, true, size, d);
          this.atomic(v, ea, size, immA[i]!, srcA[i]!);
          break;
        }

        default:
          this.lastSteps = steps;
          if (i === this.len) throw ranPastEnd(i);
          throw new VmError(i, `opcode 0x${this.program[i]!.code.toString(16)} cannot execute`);
      }
    }
  }

  /**
   * Turns pairs into superinstructions. The pair's second instruction keeps its own opcode,
   * so a jump to it still works.
   */
  private fuse(program: Program): void {
    const is = (pc: number, code: number, dst: number, src: number, imm: number): boolean => {
      const i = program[pc];
      return i !== undefined && i.code === code && i.dst === dst && i.src === src && i.off === 0 && i.imm === imm;
    };
    const MOV64_X = BPF_ALU64 | BPF_MOV | BPF_X, MOV32_K = BPF_ALU | BPF_MOV | BPF_K, MOV64_K = BPF_ALU64 | BPF_MOV | BPF_K;
    for (let pc = 0; pc + 1 < this.len; pc++) {
      const a = program[pc]!, b = program[pc + 1]!;
      if (isLdImm64(a)) { pc++; continue; }
      if (is(pc, MOV64_X, R6, R1, 0) && is(pc + 1, MOV32_K, R0, 0, 0) && is(pc + 2, MOV32_K, R7, 0, 0)) {
        this.op[pc] = OP_PROLOGUE;
        continue;
      }
      if (is(pc, MOV64_X, R7, R0, 0) && program[pc + 1]!.code === (BPF_LD | BPF_ABS | BPF_B)
        && is(pc + 2, BPF_ALU | BPF_AND | BPF_K, R0, 0, 0xf) && is(pc + 3, BPF_ALU | BPF_LSH | BPF_K, R0, 0, 2)
        && is(pc + 4, MOV64_X, R2, R7, 0) && is(pc + 5, MOV64_X, R7, R0, 0) && is(pc + 6, MOV64_X, R0, R2, 0)) {
        this.op[pc] = OP_MSH;
        this.imm2A[pc] = program[pc + 1]!.imm;
        continue;
      }
      const load = FUSED_LOADS[a.code];
      const cond = FUSED_CONDS[b.code];
      if (load !== undefined && cond !== undefined && b.dst === 0 && b.imm >= 0) {
        this.op[pc] = load;
        this.imm2A[pc] = b.imm;
        this.condA[pc] = cond;
        this.auxA[pc] = pc + 1 + b.off + 1;
      } else if ((a.code === MOV32_K || a.code === MOV64_K) && a.dst === R0 && b.code === (BPF_JMP | BPF_EXIT)) {
        this.op[pc] = a.code === MOV32_K ? OP_RET32_K : OP_RET64_K;
      }
    }
  }

  private budgetFault(pc: number, steps: number): VmError {
    this.lastSteps = steps;
    return budgetExhausted(pc, this.budget);
  }

  /** A packet load outside the packet: the program ends and returns 0. */
  private failedLoad(steps: number): number {
    this.lo[0] = 0;
    this.hi[0] = 0;
    return this.finish(steps);
  }

  private finish(steps: number): number {
    this.lastSteps = steps;
    this.lastR0hi = this.hi[0]!;
    return this.lo[0]! >>> 0;
  }

  /** The region view for an access of `size` bytes at offset `ea` of region `tag`, or null. */
  private view(tag: number, ea: number, size: number): DataView | null {
    if (tag === REGION_STACK) return ea >= this.stackLow && ea + size <= STACK_BYTES ? this.stackView : null;
    if (tag === REGION_CTX) return ea >= 0 && ea + size <= this.ctxLen ? this.ctxView : null;
    if (tag === REGION_MEM) return ea >= 0 && ea + size <= this.memLen ? this.memView : null;
    return null;
  }

  private memFault(pc: number, steps: number, write: boolean, size: number, base: number): VmError {
    this.lastSteps = steps;
    return memoryFault(this.program, pc, write, size, this.lo[base]!, this.hi[base]!, this.stackLow, this.ctxLen, this.memLen);
  }

  /** STX ATOMIC at a checked address; the old value goes to R0 (CMPXCHG) or src (FETCH, XCHG). */
  private atomic(v: DataView, ea: number, size: number, imm: number, s: number): void {
    const lo = this.lo, hi = this.hi;
    atomicUpdate(v, ea, size, imm, lo[s]!, hi[s]!, lo[0]!, hi[0]!);
    if (imm === BPF_CMPXCHG) { lo[0] = OUT[0]!; hi[0] = OUT[1]!; } else if (imm & BPF_FETCH) { lo[s] = OUT[0]!; hi[s] = OUT[1]!; }
  }

  /** Calls a helper; anything but our own errors it throws becomes a VmError naming it. */
  private callHelper(pc: number, fn: HelperFn, steps: number): void | boolean {
    try {
      return fn(this.frame);
    } catch (e) {
      this.lastSteps = steps;
      throw helperFailed(pc, this.helperAt(pc), e);
    }
  }

  private helperAt(pc: number): HelperDef | undefined {
    const i = this.program[pc]!;
    return this.helpers.get(i.code === (BPF_JMP | BPF_CALL | BPF_X) ? this.lo[i.dst]! >>> 0 : i.imm);
  }

  /** The instruction at pc in assembler syntax, for messages. */
  private text(pc: number): string {
    return insnText(this.program, pc);
  }

  // ---- checked mode and tracing (only reached when one of them is on)

  private beforeInsn(pc: number): void {
    if (this.traceFn !== null) this.traceFn(pc, this.lo, this.hi);
    if (this.poison === 0 || pc >= this.len) return;
    const bad = this.readMask[pc]! & this.poison;
    if (bad !== 0) throw this.unreadable(pc, 31 - Math.clz32(bad & -bad));
    this.poison &= ~this.writeMask[pc]!;
  }

  private unreadable(pc: number, reg: number): VmError {
    const why = this.why[reg]!;
    let cause: string;
    if (why === WHY_NEVER_WRITTEN) cause = 'it was never written';
    else if (why === WHY_NEW_FRAME) cause = 'a called function starts with nothing in r0 and r6-r9';
    else {
      const kind = bpfClass(this.program[why]!.code) === BPF_LD ? 'packet load' : 'call';
      cause = `the ${kind} at insn ${why} (${this.text(why)}) clobbered r1-r5`;
    }
    return new VmError(pc, `${this.text(pc)}: reads r${reg}, which holds nothing: ${cause}`);
  }

  private clobberArgs(pc: number): void {
    this.poison |= ARGS_MASK;
    for (let r = 1; r <= 5; r++) this.why[r] = pc;
  }

  private checkArgs(pc: number, h: HelperDef): void {
    const bad = ((1 << (h.args + 1)) - 2) & this.poison;
    if (bad !== 0) throw this.unreadable(pc, 31 - Math.clz32(bad & -bad));
  }

  private enterFrame(depth: number): void {
    this.savedPoison[depth] = this.poison & CALLEE_SAVED_MASK;
    for (let r = 6; r <= 9; r++) this.savedWhy[depth * 4 + r - 6] = this.why[r]!;
    this.poison |= CALLEE_SAVED_MASK | bit(0);
    this.why[0] = WHY_NEW_FRAME;
    for (let r = 6; r <= 9; r++) this.why[r] = WHY_NEW_FRAME;
  }

  private leaveFrame(depth: number, callPc: number): void {
    this.poison = (this.poison & ~CALLEE_SAVED_MASK) | this.savedPoison[depth]!;
    for (let r = 6; r <= 9; r++) this.why[r] = this.savedWhy[depth * 4 + r - 6]!;
    this.clobberArgs(callPc);
  }
}
