/**
 * Helper functions the engines call for BPF_CALL, by id. A registry maps ids to typed
 * HelperFn implementations; `standardHelpers()` holds the kernel helpers our translated
 * programs use (get_prandom_u32, get_smp_processor_id) and the project helpers that stand
 * for the ancillary loads Linux exposes no other way (src/ebpf/helpers.ts). Users register
 * their own with `register()`.
 *
 * A helper reads its arguments from R1..R5 (frame.lo/hi) and writes its 64-bit result to
 * R0. Results here are u32 values, zero-extended like the kernel's u32-returning helpers.
 */
import {
  HELPER_CBPF_HATYPE, HELPER_CBPF_NLATTR, HELPER_CBPF_NLATTR_NEST, HELPER_CBPF_PAY_OFFSET,
  HELPER_GET_PRANDOM_U32, HELPER_GET_SMP_PROCESSOR_ID, helperInfo,
} from '../ebpf/helpers.js';
import { nlattrFind, nlattrFindNested } from '../abi/nlattr.js';
import { type Program, isLdImm64 } from '../ebpf/insn.js';
import { BPF_CALL, BPF_JMP } from '../ebpf/opcodes.js';
import { checkFunction, checkInteger, checkOptions, optInteger, optString } from '../args.js';
import { VerifyError } from '../errors.js';
import type { ExecEnv, HelperFn, HelperFrame } from './types.js';

export interface HelperDef {
  readonly id: number;
  readonly name: string;
  /** Argument registers (R1..R<args>) the helper reads; the checked mode checks they are readable. */
  readonly args: number;
  readonly fn: HelperFn;
}

export class HelperRegistry {
  private readonly byId = new Map<number, HelperDef>();

  /**
   * Adds or replaces helper `id`. Name and argument count default to the ones
   * src/ebpf/helpers.ts knows for the id, else `helper_<id>` and 5.
   */
  register(id: number, fn: HelperFn, opts: { name?: string; args?: number } = {}): this {
    checkInteger('register', 'id', id, 0, 0x7fffffff);
    checkFunction('register', 'fn', fn);
    const o = checkOptions('register', 'opts', opts);
    const info = helperInfo(id);
    const args = optInteger('register', 'opts.args', o.args, 0, 5, info?.args ?? 5);
    this.byId.set(id, { id, name: optString('register', 'opts.name', o.name) ?? info?.name ?? `helper_${id}`, args, fn });
    return this;
  }

  get(id: number): HelperDef | undefined {
    return this.byId.get(id);
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  list(): HelperDef[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  /** A copy to extend without changing this registry. */
  clone(): HelperRegistry {
    const copy = new HelperRegistry();
    for (const h of this.byId.values()) copy.byId.set(h.id, h);
    return copy;
  }
}

/**
 * The function each helper call (CALL with src 0) of `program` reaches, by pc (null at every
 * other pc), looked up once when an engine is built. Throws VerifyError for a call to an id
 * the registry lacks.
 */
export function helperCallTargets(program: Program, helpers: HelperRegistry): (HelperFn | null)[] {
  const fns = new Array<HelperFn | null>(program.length).fill(null);
  for (let pc = 0; pc < program.length; pc++) {
    const i = program[pc]!;
    if (i.code === (BPF_JMP | BPF_CALL) && i.src === 0) {
      const h = helpers.get(i.imm);
      if (!h) throw new VerifyError(pc, `call ${i.imm}: no helper with id ${i.imm} is registered`);
      fns[pc] = h.fn;
    }
    if (isLdImm64(i)) pc++; // the second slot is never executed
  }
  return fns;
}

/** Writes a u32 result to R0, zero-extended. */
function returnU32(frame: HelperFrame, value: number): void {
  frame.lo[0] = value | 0;
  frame.hi[0] = 0;
}

/**
 * The packet bytes a helper sees as `skb->data[0, skb->len)`: the captured bytes from the
 * link header (a replay has no more than caplen, so that is the length searched).
 */
function packetData(env: ExecEnv): Uint8Array {
  return env.pkt.subarray(env.pktStart, env.pktStart + env.pktLen);
}

export interface StandardHelperOptions {
  /**
   * Seed of get_prandom_u32's xorshift32 sequence (non-zero). Fixed by default so that
   * replays are reproducible; every registry has its own sequence.
   */
  seed?: number;
}

/** get_prandom_u32's seed unless one is given. */
const PRANDOM_SEED = 0x2545f491;

/**
 * A reproducible xorshift32 sequence of u32 values, from `seed` (0 takes the default): what
 * get_prandom_u32 returns here, and SKF_AD_RANDOM in the reference interpreter's replays.
 */
export function xorshift32(seed: number = PRANDOM_SEED): () => number {
  let state = seed | 0;
  if (state === 0) state = PRANDOM_SEED;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
}

/** A registry with get_prandom_u32 (7), get_smp_processor_id (8) and the project helpers. */
export function standardHelpers(opts: StandardHelperOptions = {}): HelperRegistry {
  const seed = checkOptions('standardHelpers', 'opts', opts).seed;
  const random = xorshift32(optInteger('standardHelpers', 'opts.seed', seed, -0x80000000, 0xffffffff, PRANDOM_SEED));
  return new HelperRegistry()
    .register(HELPER_GET_PRANDOM_U32, (f) => returnU32(f, random()))
    .register(HELPER_GET_SMP_PROCESSOR_ID, (f) => returnU32(f, f.env.meta?.cpu ?? 0))
    // (ctx, A, X): the netlink attribute search of SKF_AD_NLATTR / SKF_AD_NLATTR_NEST.
    .register(HELPER_CBPF_NLATTR, (f) => returnU32(f, nlattrFind(packetData(f.env), f.lo[2]!, f.lo[3]!)))
    .register(HELPER_CBPF_NLATTR_NEST, (f) => returnU32(f, nlattrFindNested(packetData(f.env), f.lo[2]!, f.lo[3]!)))
    // (ctx, A): dev->type, or A itself when the packet has no device (no metadata).
    .register(HELPER_CBPF_HATYPE, (f) => returnU32(f, f.env.meta ? f.env.meta.hatype & 0xffff : f.lo[2]!)) // net_device.type is a u16
    .register(HELPER_CBPF_PAY_OFFSET, (f) => returnU32(f, f.env.meta?.payOffset ?? 0));
}
