/**
 * The reference classic BPF interpreter: the oracle of the differential tests, written to be
 * read, not to be fast. Two semantics:
 *
 * - `linux`: what a classic socket (or seccomp) filter does once Linux has translated it
 *   (bpf_convert_filter and the load helpers in net/core/filter.c). Meant for programs that
 *   pass checkClassic.
 * - `libpcap`: libpcap 1.10.3's userland bpf_filter / pcap_filter_with_aux_data, as the
 *   compiled x86-64 library behaves.
 *
 * Instructions no engine would run (codes outside the 49, jumps out of the program, M[] index
 * >= 16, constant division by 0, ...) throw VmError instead of inventing an answer.
 */
import { checkObject, checkOptions, checkUint8Array, optBoolean, optFunction, optInteger, optOneOf } from '../args.js';
import { type SkbMeta, SECCOMP_DATA_SIZE, checkSkbMeta, defaultSkbMeta } from '../abi/ctx.js';
import { UsageError, VmError } from '../errors.js';
import { type ClassicInsn, type ClassicProgram, classicForm, loadWidth } from './insn.js';
import { classicText } from './disasm.js';
import { checkClassicProgram } from './shape.js';
import { nlattrFind, nlattrFindNested } from '../abi/nlattr.js';
import {
  BPF_ADD, BPF_AND, BPF_DIV, BPF_LSH, BPF_MEMWORDS, BPF_MOD, BPF_MUL, BPF_OR, BPF_RSH, BPF_SUB, BPF_W, BPF_XOR,
  BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET,
  SKF_AD, SKF_AD_OFF, SKF_LL_OFF, SKF_NET_OFF, ancillaryOf, bpfOp, bpfSize,
} from '../abi/opcodes.js';

export type ClassicSemantics = 'linux' | 'libpcap';

export interface ClassicRunOptions {
  /** 'linux' (default) or 'libpcap'. */
  semantics?: ClassicSemantics;
  /** SKF_AD_RANDOM (linux): returns a u32; defaults to Math.random. */
  random?: () => number;
  /** Instructions allowed before the run stops with reason `budget` (only libpcap can loop). */
  budget?: number;
  /**
   * linux only: run as a seccomp filter over this 64-byte `struct seccomp_data`. `ld [k]`
   * then reads a host-order (little-endian) u32 at k, and `#pktlen` is 64.
   */
  seccomp?: Uint8Array;
  /**
   * libpcap only: hand VLAN aux data to the filter as pcap-linux.c does for filters the
   * kernel refused (vlan_tag = TCI & 0x0fff, vlan_tag_present = 0/1), so `ldb [vlan_tci]`
   * and `ldb [vlanp]` answer. Default false: plain bpf_filter / pcap_offline_filter, where
   * those loads end the filter with 0.
   */
  auxData?: boolean;
  /**
   * Called before each instruction with its pc and the machine (A, X, scratch memory), for
   * step-by-step traces (replay --trace). Slow; leave unset for normal runs.
   */
  trace?: (pc: number, A: number, X: number, M: Uint32Array) => void;
}

export interface ClassicInput {
  /** The packet bytes present (captured), starting at the link-layer header. */
  pkt: Uint8Array;
  /** What the socket knows besides the bytes; `len` is what LEN loads. Defaults to len = pkt.length. */
  meta?: SkbMeta;
}

export type ClassicStopReason = 'ret' | 'load-out-of-bounds' | 'div-by-zero' | 'budget';

export interface ClassicRunResult {
  /** The filter's u32 result (0 when a load or a division failed, or the budget ran out). */
  ret: number;
  /** The RET that ended the run, or the instruction that failed. */
  pc: number;
  /** Instructions executed, including the last one. */
  steps: number;
  reason: ClassicStopReason;
}

export const DEFAULT_CLASSIC_BUDGET = 1 << 20;

/** A failed packet load: the filter returns 0. */
const LOAD_FAILED = -1;

interface Machine {
  readonly prog: ClassicProgram;
  readonly pkt: Uint8Array;
  readonly meta: SkbMeta;
  readonly opts: ClassicRunOptions;
  A: number;
  X: number;
  readonly M: Uint32Array;
}

function readBE(pkt: Uint8Array, at: number, width: 1 | 2 | 4): number {
  let v = 0;
  for (let n = 0; n < width; n++) v = v * 256 + pkt[at + n]!;
  return v;
}

// ---------------------------------------------------------------------------------------
// Linux

/**
 * The packet load helpers (bpf_skb_load_helper_{8,16,32}): a negative offset addresses the
 * network header (>= SKF_NET_OFF) or the link header (>= SKF_LL_OFF, which is where our
 * packet bytes start); anything lower fails. The bytes must lie inside the packet.
 */
function linuxLoad(m: Machine, offset: number, width: 1 | 2 | 4): number {
  let at: number;
  if (offset >= 0) at = offset;
  else if (offset >= SKF_NET_OFF) {
    if (m.meta.netOff < 0) return LOAD_FAILED;
    at = m.meta.netOff + (offset - SKF_NET_OFF);
  } else if (offset >= SKF_LL_OFF) at = offset - SKF_LL_OFF;
  else return LOAD_FAILED;
  if (at < 0 || at + width > m.pkt.length) return LOAD_FAILED;
  return readBE(m.pkt, at, width);
}

function randomU32(opts: ClassicRunOptions): number {
  return opts.random ? opts.random() >>> 0 : Math.floor(Math.random() * 0x100000000) >>> 0;
}

/** The value an ancillary load puts in A (convert_bpf_extensions); the load size is ignored. */
function linuxAncillary(m: Machine, off: number): number {
  const meta = m.meta;
  switch (off) {
    case SKF_AD.PROTOCOL: return meta.protocol & 0xffff;
    case SKF_AD.PKTTYPE: return meta.pktType & 7; // a 3-bit field of sk_buff
    case SKF_AD.IFINDEX: return meta.ifindex >>> 0;
    case SKF_AD.NLATTR: return nlattrFind(m.pkt, m.A, m.X);
    case SKF_AD.NLATTR_NEST: return nlattrFindNested(m.pkt, m.A, m.X);
    case SKF_AD.MARK: return meta.mark >>> 0;
    case SKF_AD.QUEUE: return meta.queueMapping & 0xffff;
    case SKF_AD.HATYPE: return meta.hatype & 0xffff; // net_device.type is a u16
    case SKF_AD.RXHASH: return meta.hash >>> 0;
    case SKF_AD.CPU: return meta.cpu >>> 0;
    case SKF_AD.ALU_XOR_X: return (m.A ^ m.X) >>> 0;
    case SKF_AD.VLAN_TAG: return meta.vlanTci & 0xffff;
    case SKF_AD.VLAN_TAG_PRESENT: return meta.vlanPresent !== 0 ? 1 : 0;
    case SKF_AD.PAY_OFFSET: return meta.payOffset >>> 0;
    case SKF_AD.RANDOM: return randomU32(m.opts);
    case SKF_AD.VLAN_TPID: return meta.vlanProto & 0xffff;
    default: throw new Error(`unreachable ancillary offset ${off}`);
  }
}

/**
 * seccomp rewrites its loads: `ld [k]` reads a host-order u32 of seccomp_data, LEN becomes
 * the constant 64, and every other packet load is refused when the filter is attached.
 */
function seccompLoad(i: ClassicInsn, pc: number, data: Uint8Array): number {
  const f = classicForm(i.code)!;
  if (f.kind === 'ld-abs' && bpfSize(i.code) === BPF_W && i.k < SECCOMP_DATA_SIZE && (i.k & 3) === 0 && i.k + 4 <= data.length) {
    return (data[i.k]! | (data[i.k + 1]! << 8) | (data[i.k + 2]! << 16) | (data[i.k + 3]! << 24)) >>> 0;
  }
  throw new VmError(pc, `${classicText(i, pc)} is not a seccomp load (run checkClassic with the seccomp profile first)`);
}

// ---------------------------------------------------------------------------------------
// libpcap

/** libpcap's bounds test, done on unbounded integers: k (+ X) + width must fit in caplen. */
function pcapLoad(m: Machine, at: number, width: 1 | 2 | 4): number {
  if (at + width > m.pkt.length) return LOAD_FAILED;
  return readBE(m.pkt, at, width);
}

const VLAN_TAG_K = (SKF_AD_OFF + SKF_AD.VLAN_TAG) >>> 0;
const VLAN_PRESENT_K = (SKF_AD_OFF + SKF_AD.VLAN_TAG_PRESENT) >>> 0;

/** `ldb [k]` in libpcap: only the two VLAN offsets are special, and only with aux data. */
function pcapLoadByteAbs(m: Machine, k: number): number {
  if (k === VLAN_TAG_K || k === VLAN_PRESENT_K) {
    if (!m.opts.auxData) return LOAD_FAILED;
    return k === VLAN_TAG_K ? m.meta.vlanTci & 0x0fff : m.meta.vlanPresent !== 0 ? 1 : 0;
  }
  return pcapLoad(m, k, 1);
}

// ---------------------------------------------------------------------------------------

function alu(m: Machine, op: number, operand: number, byX: boolean, pc: number): 'div-by-zero' | undefined {
  const pcap = m.opts.semantics === 'libpcap';
  const A = m.A;
  switch (op) {
    case BPF_ADD: m.A = (A + operand) >>> 0; break;
    case BPF_SUB: m.A = (A - operand) >>> 0; break;
    case BPF_MUL: m.A = Math.imul(A, operand) >>> 0; break;
    case BPF_DIV: case BPF_MOD:
      if (operand === 0) {
        if (byX) return 'div-by-zero';
        throw new VmError(pc, 'constant division by 0 (rejected by the Linux checker; libpcap crashes)');
      }
      m.A = (op === BPF_DIV ? Math.floor(A / operand) : A % operand) >>> 0;
      break;
    case BPF_AND: m.A = (A & operand) >>> 0; break;
    case BPF_OR: m.A = (A | operand) >>> 0; break;
    case BPF_XOR: m.A = (A ^ operand) >>> 0; break;
    case BPF_LSH: case BPF_RSH: {
      let by: number;
      if (byX) {
        // Linux: a 32-bit eBPF shift by register masks the count; libpcap tests X < 32.
        if (pcap && operand >= 32) { m.A = 0; break; }
        by = operand & 31;
      } else {
        // libpcap 1.10.3 shifts by k unchecked and x86 masks the count; Linux refuses k >= 32.
        if (!pcap && operand >= 32) throw new VmError(pc, `shift by constant ${operand} (rejected by the Linux checker)`);
        by = operand & 31;
      }
      m.A = (op === BPF_LSH ? A << by : A >>> by) >>> 0;
      break;
    }
    default: throw new VmError(pc, `unknown ALU operation ${op}`);
  }
  return undefined;
}

function jumpTaken(op: number, A: number, operand: number): boolean {
  switch (op) {
    case BPF_JEQ: return A === operand;
    case BPF_JGT: return A > operand;
    case BPF_JGE: return A >= operand;
    case BPF_JSET: return (A & operand) !== 0;
    default: return false;
  }
}

/**
 * Runs a classic program over one packet (or one seccomp_data) and says how it ended. The
 * program need not have passed checkClassic: what no engine would run throws VmError.
 */
export function runClassic(prog: ClassicProgram, input: ClassicInput, opts: ClassicRunOptions = {}): ClassicRunResult {
  const fn = 'runClassic';
  checkClassicProgram(fn, prog);
  const { pkt, meta } = checkObject(fn, 'input', input, 'an input {pkt, meta?}');
  checkUint8Array(fn, 'input.pkt', pkt);
  if (meta !== undefined) checkSkbMeta(fn, 'input.meta', meta);
  const o = checkOptions(fn, 'opts', opts);
  optOneOf(fn, 'opts.semantics', o.semantics, ['linux', 'libpcap'], 'linux');
  optFunction(fn, 'opts.random', o.random);
  optInteger(fn, 'opts.budget', o.budget, 1, Number.MAX_SAFE_INTEGER, DEFAULT_CLASSIC_BUDGET);
  if (o.seccomp !== undefined) checkUint8Array(fn, 'opts.seccomp', o.seccomp);
  optBoolean(fn, 'opts.auxData', o.auxData);
  optFunction(fn, 'opts.trace', o.trace);
  return execClassic(prog, pkt!, meta, opts);
}

/** runClassic without the argument checks, for a loop that checked them once (replay's classic engine). */
export function execClassic(
  prog: ClassicProgram, pkt: Uint8Array, skbMeta: SkbMeta | undefined, opts: ClassicRunOptions,
): ClassicRunResult {
  const pcap = opts.semantics === 'libpcap';
  if (pcap && opts.seccomp) throw new UsageError("seccomp data needs semantics 'linux'");
  const meta = skbMeta ?? { ...defaultSkbMeta(), len: pkt.length };
  const m: Machine = { prog, pkt, meta, opts, A: 0, X: 0, M: new Uint32Array(BPF_MEMWORDS) };
  const budget = opts.budget ?? DEFAULT_CLASSIC_BUDGET;
  const len = prog.length;
  const pktLen = opts.seccomp ? SECCOMP_DATA_SIZE : meta.len >>> 0;
  let steps = 0;
  let pc = 0;

  const stop = (ret: number, reason: ClassicStopReason): ClassicRunResult => ({ ret: ret >>> 0, pc, steps, reason });
  const goTo = (target: number): void => {
    if (target < 0 || target >= len) throw new VmError(pc, `jump to ${target}, outside the program (0 to ${len - 1})`);
    pc = target;
  };
  const memIndex = (k: number): number => {
    if (k >= BPF_MEMWORDS) throw new VmError(pc, `scratch index ${k} is outside M[0..15]`);
    return k;
  };

  for (;;) {
    if (pc >= len) throw new VmError(pc, 'ran past the last instruction without a ret');
    if (steps >= budget) return stop(0, 'budget');
    if (opts.trace) opts.trace(pc, m.A, m.X, m.M);
    const i = prog[pc]!;
    const f = classicForm(i.code);
    if (!f) throw new VmError(pc, `code 0x${i.code.toString(16)} is not a classic instruction`);
    steps++;
    let loaded: number;
    switch (f.kind) {
      case 'ret-k': return stop(i.k, 'ret');
      case 'ret-a': return stop(m.A, 'ret');

      case 'ld-abs': {
        const width = loadWidth(i.code);
        if (opts.seccomp) loaded = seccompLoad(i, pc, opts.seccomp);
        else if (pcap) loaded = width === 1 ? pcapLoadByteAbs(m, i.k) : pcapLoad(m, i.k, width);
        else {
          const anc = ancillaryOf(i.k);
          loaded = anc !== undefined ? linuxAncillary(m, SKF_AD[anc]) : linuxLoad(m, i.k | 0, width);
        }
        if (loaded === LOAD_FAILED) return stop(0, 'load-out-of-bounds');
        m.A = loaded;
        break;
      }
      case 'ld-ind': {
        if (opts.seccomp) seccompLoad(i, pc, opts.seccomp);
        const width = loadWidth(i.code);
        // Linux adds in 64 bits and hands the helper an int; libpcap refuses any wrap-around.
        loaded = pcap ? pcapLoad(m, m.X + i.k, width) : linuxLoad(m, (m.X + i.k) | 0, width);
        if (loaded === LOAD_FAILED) return stop(0, 'load-out-of-bounds');
        m.A = loaded;
        break;
      }
      case 'ldx-msh':
        if (opts.seccomp) seccompLoad(i, pc, opts.seccomp);
        loaded = pcap ? pcapLoad(m, i.k, 1) : linuxLoad(m, i.k | 0, 1);
        if (loaded === LOAD_FAILED) return stop(0, 'load-out-of-bounds');
        m.X = (loaded & 0xf) << 2;
        break;
      case 'ld-len': m.A = pktLen; break;
      case 'ldx-len': m.X = pktLen; break;
      case 'ld-imm': m.A = i.k; break;
      case 'ldx-imm': m.X = i.k; break;
      case 'ld-mem': m.A = m.M[memIndex(i.k)]!; break;
      case 'ldx-mem': m.X = m.M[memIndex(i.k)]!; break;
      case 'st': m.M[memIndex(i.k)] = m.A; break;
      case 'stx': m.M[memIndex(i.k)] = m.X; break;
      case 'tax': m.X = m.A; break;
      case 'txa': m.A = m.X; break;
      case 'neg': m.A = (0 - m.A) >>> 0; break;
      case 'alu-k': case 'alu-x': {
        const byX = f.kind === 'alu-x';
        if (alu(m, bpfOp(i.code), byX ? m.X : i.k, byX, pc) === 'div-by-zero') return stop(0, 'div-by-zero');
        break;
      }
      case 'ja':
        // Linux: k is unsigned (forward only). libpcap sign-extends k, so it also jumps back.
        goTo(pc + 1 + (pcap ? i.k | 0 : i.k));
        continue;
      case 'jmp-k': case 'jmp-x': {
        const taken = jumpTaken(bpfOp(i.code), m.A, f.kind === 'jmp-x' ? m.X : i.k);
        goTo(pc + 1 + (taken ? i.jt : i.jf));
        continue;
      }
    }
    pc++;
  }
}
