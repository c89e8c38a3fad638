/**
 * Context layouts that programs read with LDX: the public `struct __sk_buff` of socket
 * filters and `struct seccomp_data`. The translator emits these offsets and the VM builds
 * contexts with them, so both sides use this one definition.
 */
import { argFail, checkInteger } from '../args.js';

/** Offsets in `struct __sk_buff` (include/uapi/linux/bpf.h). All fields are u32. */
export const SKB = {
  len: 0,
  pkt_type: 4,
  mark: 8,
  queue_mapping: 12,
  protocol: 16, // network byte order
  vlan_present: 20,
  vlan_tci: 24,
  vlan_proto: 28, // network byte order
  priority: 32,
  ingress_ifindex: 36,
  ifindex: 40,
  tc_index: 44,
  cb0: 48, // cb[5]: 48..67
  hash: 68,
} as const;
/** The part of `__sk_buff` our socket-filter context models (through `hash`). */
export const SKB_CTX_SIZE = 72;

/** Socket-filter programs may read these u32 fields (the kernel allows no writes but cb[] and a few). */
export const SKB_READABLE: ReadonlySet<number> = new Set([
  SKB.len, SKB.pkt_type, SKB.mark, SKB.queue_mapping, SKB.protocol, SKB.vlan_present, SKB.vlan_tci,
  SKB.vlan_proto, SKB.priority, SKB.ingress_ifindex, SKB.ifindex, SKB.tc_index,
  48, 52, 56, 60, 64, SKB.hash,
]);

/** `struct seccomp_data`: int nr, u32 arch, u64 instruction_pointer, u64 args[6]. */
export const SECCOMP_DATA = {
  nr: 0,
  arch: 4,
  instruction_pointer: 8,
  args: 16,
} as const;
export const SECCOMP_DATA_SIZE = 64;

/**
 * What a Linux packet socket knows about a packet besides its bytes. It fills the
 * `__sk_buff` context of translated programs and answers the classic ancillary loads of the
 * reference interpreter, so both engines see the same packet. Values are host-order u32.
 */
export interface SkbMeta {
  /** skb->len, what LEN loads: the wire length by default (`--len captured` gives caplen). */
  len: number;
  /** Host-order link protocol (ETH_P_*), what SKF_AD_PROTOCOL returns. */
  protocol: number;
  pktType: number;
  ifindex: number;
  mark: number;
  queueMapping: number;
  /** dev->type (ARPHRD_*), for SKF_AD_HATYPE. */
  hatype: number;
  hash: number;
  priority: number;
  vlanPresent: number;
  vlanTci: number;
  /** Host-order TPID of the offloaded tag (0x8100 or 0x88a8). */
  vlanProto: number;
  /** Offset of the network header from the start of the packet data, for SKF_NET_OFF; -1 if none. */
  netOff: number;
  /** Transport payload offset the flow dissector would report, for SKF_AD_PAY_OFFSET. */
  payOffset: number;
  /** The CPU the program "runs" on, for SKF_AD_CPU / get_smp_processor_id. */
  cpu: number;
}

export function defaultSkbMeta(): SkbMeta {
  return {
    len: 0, protocol: 0, pktType: 0, ifindex: 1, mark: 0, queueMapping: 0, hatype: 1, hash: 0,
    priority: 0, vlanPresent: 0, vlanTci: 0, vlanProto: 0, netOff: -1, payOffset: 0, cpu: 0,
  };
}

const META_FIELDS = Object.keys(defaultSkbMeta()) as ReadonlyArray<keyof SkbMeta>;

/**
 * Throws ArgumentError (from `fn`) unless `meta` is an SkbMeta: every field an integer that
 * fits its u32 (netOff may be -1).
 */
export function checkSkbMeta(fn: string, arg: string, meta: unknown): SkbMeta {
  if (typeof meta !== 'object' || meta === null) argFail(fn, arg, 'an SkbMeta object (defaultSkbMeta() makes one)', meta);
  for (const name of META_FIELDS) checkInteger(fn, `${arg}.${name}`, (meta as Record<string, unknown>)[name], name === 'netOff' ? -1 : 0, 0xffffffff);
  return meta as SkbMeta;
}

/** Writes the `__sk_buff` fields of `meta` into `ctx` (at least SKB_CTX_SIZE bytes, little-endian host). */
export function writeSkbContext(meta: SkbMeta, ctx: DataView): void {
  checkSkbMeta('writeSkbContext', 'meta', meta);
  if (!(ctx instanceof DataView) || ctx.byteLength < SKB_CTX_SIZE) argFail('writeSkbContext', 'ctx', `a DataView of at least ${SKB_CTX_SIZE} bytes`, ctx);
  storeSkbContext(meta, ctx);
}

/** writeSkbContext without the checks, for a replay's per-packet loop (its metadata is its own). */
export function storeSkbContext(meta: SkbMeta, ctx: DataView): void {
  ctx.setUint32(SKB.len, meta.len >>> 0, true);
  ctx.setUint32(SKB.pkt_type, meta.pktType >>> 0, true);
  ctx.setUint32(SKB.mark, meta.mark >>> 0, true);
  ctx.setUint32(SKB.queue_mapping, meta.queueMapping >>> 0, true);
  // protocol and vlan_proto hold network-order u16 values; a u32 load then a be16 swap recovers them.
  ctx.setUint32(SKB.protocol, 0, true);
  ctx.setUint16(SKB.protocol, meta.protocol & 0xffff, false);
  ctx.setUint32(SKB.vlan_present, meta.vlanPresent >>> 0, true);
  ctx.setUint32(SKB.vlan_tci, meta.vlanTci >>> 0, true);
  ctx.setUint32(SKB.vlan_proto, 0, true);
  ctx.setUint16(SKB.vlan_proto, meta.vlanProto & 0xffff, false);
  ctx.setUint32(SKB.priority, meta.priority >>> 0, true);
  ctx.setUint32(SKB.ingress_ifindex, meta.ifindex >>> 0, true);
  ctx.setUint32(SKB.ifindex, meta.ifindex >>> 0, true);
  ctx.setUint32(SKB.tc_index, 0, true);
  ctx.setUint32(SKB.hash, meta.hash >>> 0, true);
}
