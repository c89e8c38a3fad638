/**
 * Context layouts that programs read with LDX: the public `struct __sk_buff` of socket
 * filters and `struct seccomp_data`. The translator emits these offsets and the VM builds
 * contexts with them, so both sides use this one definition.
 */

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
