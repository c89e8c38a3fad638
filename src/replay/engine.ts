/**
 * The engines a replay can run a filter with, and turning a classic program into a
 * per-packet filter function for one of them. The table is the one place that knows the
 * engines: a VM engine is one line (`make` builds it over the translated program).
 */
import { argFail, checkOptions, optOneOf } from '../args.js';
import { checkForLinux } from '../translate/kernel-check.js';
import { checkClassicProgram } from '../classic/shape.js';
import { classicText } from '../classic/disasm.js';
import { classicForm, type ClassicInsn, type ClassicProgram } from '../classic/insn.js';
import { execClassic, type ClassicSemantics } from '../classic/interp.js';
import { indirectLoadsBelowZero } from '../classic/ranges.js';
import { BPF_JA, BPF_JMP, BPF_LDX, ancillaryOf, bpfClass } from '../abi/opcodes.js';
import { SKB_CTX_SIZE, storeSkbContext, type SkbMeta } from '../abi/ctx.js';
import type { Program } from '../ebpf/insn.js';
import { CheckError, UsageError } from '../errors.js';
import { quotable } from '../text.js';
import { translateClassic, type Translation } from '../translate/translate.js';
import { type BackwardLoops, checkForBoundedLoops } from '../translate/loops.js';
import { REG_CTX } from '../translate/regs.js';
import { HelperRegistry, standardHelpers, xorshift32 } from '../vm/helpers.js';
import { Interpreter } from '../vm/interp.js';
import { JitEngine } from '../vm/jit/index.js';
import { ExecEnv, type Engine } from '../vm/types.js';

/** What a VM engine is built with. */
export interface VmEngineOptions {
  helpers: HelperRegistry;
}

export interface EngineSpec {
  readonly describe: string;
  /** VM engines run the translated program; absent for the classic reference interpreter. */
  readonly make?: (insns: Program, opts: VmEngineOptions) => Engine;
}

export const ENGINES = {
  jit: { describe: 'the translated program compiled to JavaScript (default)', make: (insns, o) => new JitEngine(insns, o) },
  interp: { describe: 'the translated program in our internal-BPF interpreter', make: (insns, o) => new Interpreter(insns, o) },
  classic: { describe: 'the classic program in the reference classic interpreter (--semantics linux or libpcap)' },
} satisfies Record<string, EngineSpec>;

export type EngineName = keyof typeof ENGINES;
export const ENGINE_NAMES = Object.keys(ENGINES) as EngineName[];
export const DEFAULT_ENGINE: EngineName = 'jit';

/** One filter ready to run over packets, allocation-free per packet for the VM engines. */
export interface PacketFilter {
  /**
   * Runs over the packet bytes buf[start, start + caplen) with `meta` already filled for this
   * packet (by dissectLink); returns the filter's u32 result.
   */
  run(buf: Uint8Array, start: number, caplen: number, meta: SkbMeta): number;
}

export interface PrepareOptions {
  engine?: EngineName;
  /** Classic engine only: 'linux' (default) or 'libpcap'. VM engines always run Linux's semantics. */
  semantics?: ClassicSemantics;
  /** Helpers for the VM engines (standardHelpers() by default). */
  helpers?: HelperRegistry;
  /**
   * VM engines: 'bounded' translates libpcap's backward jumps (protochain) into counted loops
   * (translateClassic's option); default 'refuse', as Linux does.
   */
  backwardLoops?: BackwardLoops;
  /** With backwardLoops 'bounded': most jumps back per packet (translateClassic's loopBound). */
  loopBound?: number;
}

export interface PreparedFilter {
  readonly engine: EngineName;
  readonly semantics: ClassicSemantics;
  readonly classic: ClassicProgram;
  /** The internal program the VM engines run (null for the classic engine). */
  readonly translation: Translation | null;
  readonly helpers: HelperRegistry;
  /**
   * Whether the filter may read anything but packet bytes at non-negative offsets: LEN,
   * ancillary loads, or loads relative to the network/link header, including indirect loads
   * whose X + k may wrap below 0 (src/classic/ranges.ts). When it cannot, a replay can skip
   * building the socket metadata of each packet.
   */
  readonly readsMetadata: boolean;
  /** Whether the filter asks for SKF_AD_PAY_OFFSET (the one metadata field that costs a dissection). */
  readonly wantsPayOffset: boolean;
  readonly filter: PacketFilter;
}

/** A JA whose offset is negative as a signed 32-bit value: libpcap jumps back, Linux refuses it. */
function backwardJump(prog: ClassicProgram): number {
  return prog.findIndex((i) => i.code === (BPF_JMP | BPF_JA) && (i.k | 0) < 0);
}

/**
 * Linux's checker, with the refusal of what libpcap runs anyway (tcpdump's protochain jumps
 * backwards; libpcap also reads unset scratch memory as 0, and has no translation whose jumps
 * could overflow) said in one line with the way out.
 */
function checkForSocket(prog: ClassicProgram): void {
  try {
    checkForLinux(prog);
  } catch (e) {
    if (!(e instanceof CheckError)) throw e;
    const back = backwardJump(prog);
    if (back >= 0) {
      throw new CheckError(back, classicText(prog[back]!, back), 'jump-out-of-range',
        'Linux refuses backward jumps (tcpdump compiles them for protochain); libpcap runs them: use --bounded-loops, or --engine classic --semantics libpcap');
    }
    if (e.rule === 'mem-uninitialised') {
      throw new CheckError(e.pc, e.text, e.rule, `${e.detail}; libpcap reads it as 0: use --engine classic --semantics libpcap`);
    }
    if (e.rule === 'jump-offset-overflow') {
      throw new CheckError(e.pc, e.text, e.rule, `${e.detail}; libpcap runs it: use --engine classic --semantics libpcap`);
    }
    throw e;
  }
}

/** LEN, or an absolute load at a negative offset (ancillary, SKF_NET_OFF, SKF_LL_OFF). */
function readsMeta(i: ClassicInsn): boolean {
  const kind = classicForm(i.code)?.kind;
  if (kind === 'ld-len' || kind === 'ldx-len') return true;
  return (kind === 'ld-abs' || kind === 'ldx-msh') && (i.k | 0) < 0;
}

/** Whether the translated program reads the `__sk_buff` context (LEN and field-backed ancillary loads). */
function readsContext(insns: Program): boolean {
  return insns.some((i) => bpfClass(i.code) === BPF_LDX && i.src === REG_CTX);
}

class VmFilter implements PacketFilter {
  private readonly env = new ExecEnv();
  private readonly ctx: DataView;

  constructor(private readonly engine: Engine, private readonly usesContext: boolean) {
    this.env.ctx = new Uint8Array(SKB_CTX_SIZE);
    this.ctx = new DataView(this.env.ctx.buffer);
  }

  run(buf: Uint8Array, start: number, caplen: number, meta: SkbMeta): number {
    const env = this.env;
    if (this.usesContext) storeSkbContext(meta, this.ctx);
    env.meta = meta;
    // The reader refills one buffer, so env makes its view once per buffer (runPacket's contract).
    if (buf !== env.pkt) env.setPacket(buf, 0, 0);
    return this.engine.runPacket(env, env.pktView(), start, caplen);
  }
}

/** The reference interpreter: written to be read, so it takes a view of the packet each run. */
class ClassicFilter implements PacketFilter {
  /** The same reproducible sequence as the VM's get_prandom_u32. */
  private readonly random = xorshift32();

  constructor(private readonly prog: ClassicProgram, private readonly semantics: ClassicSemantics) {}

  run(buf: Uint8Array, start: number, caplen: number, meta: SkbMeta): number {
    const pkt = buf.subarray(start, start + caplen);
    return execClassic(this.prog, pkt, meta, { semantics: this.semantics, random: this.random }).ret;
  }
}

/**
 * Checks (Linux semantics) and translates (VM engines) a classic program and builds the
 * filter that replays run. Throws UsageError for a bad engine/semantics pair, CheckError when
 * Linux would refuse the program, TranslateError when it cannot be translated.
 */
export function prepareFilter(prog: ClassicProgram, opts: PrepareOptions = {}): PreparedFilter {
  checkClassicProgram('prepareFilter', prog);
  checkOptions('prepareFilter', 'opts', opts);
  if (opts.helpers !== undefined && !(opts.helpers instanceof HelperRegistry)) {
    argFail('prepareFilter', 'opts.helpers', 'a HelperRegistry (standardHelpers() makes one)', opts.helpers);
  }
  const engine = opts.engine ?? DEFAULT_ENGINE;
  const spec: EngineSpec | undefined = Object.hasOwn(ENGINES, engine) ? ENGINES[engine] : undefined;
  if (!spec) throw new UsageError(`unknown engine '${quotable(String(engine))}' (${ENGINE_NAMES.join(', ')})`);
  const semantics = opts.semantics ?? 'linux';
  if (semantics !== 'linux' && semantics !== 'libpcap') throw new UsageError(`unknown semantics '${quotable(String(semantics))}' (linux, libpcap)`);
  if (semantics === 'libpcap' && spec.make) {
    throw new UsageError(`the ${engine} engine runs the translated program with Linux's semantics; libpcap's semantics need --engine classic`);
  }
  const helpers = opts.helpers ?? standardHelpers();
  // LD|ABS of any size at SKF_AD_OFF + SKF_AD_PAY_OFFSET.
  const wantsPayOffset = prog.some((i) => classicForm(i.code)?.kind === 'ld-abs' && ancillaryOf(i.k) === 'PAY_OFFSET');
  // An indirect load's offset is X + k in 32 bits: it lands below 0 (at the network or link
  // header) whenever the sum wraps, whatever the sign of k.
  const readsMetadata = prog.some(readsMeta) || indirectLoadsBelowZero(prog).length > 0;
  const backwardLoops = optOneOf('prepareFilter', 'opts.backwardLoops', opts.backwardLoops, ['refuse', 'bounded'], 'refuse');
  if (backwardLoops === 'bounded' && !spec.make) {
    throw new UsageError('bounded loops are a translation: they need a VM engine (jit or interp), not the classic engine');
  }
  if (backwardLoops === 'bounded') checkForBoundedLoops(prog);
  else if (semantics === 'linux') checkForSocket(prog);
  if (!spec.make) {
    return {
      engine, semantics, classic: prog, translation: null, helpers, readsMetadata, wantsPayOffset,
      filter: new ClassicFilter(prog, semantics),
    };
  }
  const translation = translateClassic(prog, { backwardLoops, loopBound: opts.loopBound });
  const vm = spec.make(translation.insns, { helpers });
  return {
    engine, semantics, classic: prog, translation, helpers, readsMetadata, wantsPayOffset,
    filter: new VmFilter(vm, readsContext(translation.insns)),
  };
}
