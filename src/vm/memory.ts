/**
 * The address space of a run. The VM has no flat memory: a pointer is a 64-bit value whose
 * upper 32 bits name a region and whose lower 32 bits are REGION_BASE plus a byte offset
 * inside it.
 *
 *   region  upper half    what it is                              R1/R10 on entry
 *   ctx     0x43545800    env.ctx (`__sk_buff`, `seccomp_data`)   R1 = 0x43545800_40000000
 *   mem     0x4d454d00    env.mem (caller memory, conformance)    R1 = 0x4d454d00_40000000
 *   stack   0x53544b00    the stack, 512 bytes per call frame     R10 = 0x53544b00_40001000
 *
 * (The tags spell "CTX", "MEM" and "STK" in ASCII, so a leaked pointer reads as what it
 * is.) Adding to a pointer moves the offset. The offsets start at REGION_BASE, not 0, because
 * Linux lets a verified program move a pointer before its region and back (`r1 -= 1; ldxb
 * [r1+1]` reads byte 0) as long as the offset stays within 2^29 of it: from 0 that would
 * borrow from the tag. An access outside its region faults, as does any value whose upper
 * half is not a region tag (a number used as a pointer). The packet is not addressable: only
 * the legacy LD ABS/IND instructions read it.
 *
 * The stack holds MAX_CALL_FRAMES frames of 512 bytes and grows down: frame 0 (the main
 * program) is [3584, 4096), each BPF-to-BPF call moves R10 down 512 bytes. A frame may read
 * and write its own slots and its callers' (a caller may pass a pointer to its stack), never
 * the unused frames below it.
 */
import { SKF_LL_OFF, SKF_NET_OFF } from '../abi/opcodes.js';
import { BPF_ADD, BPF_AND, BPF_FETCH, BPF_OR, BPF_XCHG, BPF_XOR } from '../ebpf/opcodes.js';
import type { ExecEnv } from './types.js';
import { OUT } from './u64.js';
import { hex, hex64 } from '../hex.js';

export const REGION_CTX = 0x43545800;
export const REGION_MEM = 0x4d454d00;
export const REGION_STACK = 0x53544b00;
/** The lower half of a pointer to a region's byte 0: far from both ends, so the kernel's ±2^29 offsets never carry. */
export const REGION_BASE = 0x40000000;

export const STACK_FRAME_BYTES = 512;
/** The kernel's MAX_CALL_FRAMES: the main program and up to 7 nested BPF-to-BPF calls. */
export const MAX_CALL_FRAMES = 8;
export const STACK_BYTES = STACK_FRAME_BYTES * MAX_CALL_FRAMES;

export function regionName(hi: number): string | undefined {
  switch (hi) {
    case REGION_CTX: return 'ctx';
    case REGION_MEM: return 'mem';
    case REGION_STACK: return 'stack';
  }
  return undefined;
}

/**
 * Why an access of `size` bytes at the 64-bit address (lo, hi) + off fails, in one line
 * naming the address and the region. `low`/`high` bound the accessible offsets.
 */
export function describeFault(
  write: boolean, size: number, baseLo: number, baseHi: number, off: number, low: number, high: number,
): string {
  const ea = (baseLo >>> 0) + off;
  // The effective address in 64 bits: an offset that leaves [0, 2^32) carries into the tag.
  const hi = (baseHi + (ea < 0 ? -1 : ea > 0xffffffff ? 1 : 0)) | 0;
  const addr = hex64(ea | 0, hi);
  const what = `${write ? 'write' : 'read'} of ${size} byte${size === 1 ? '' : 's'} at ${addr}`;
  const name = regionName(hi);
  if (name === undefined) {
    const base = regionName(baseHi);
    return base === undefined
      ? `${what}: not a pointer (no region has upper half ${hex(hi)})`
      : `${what}: outside the ${base} region (offset ${ea - REGION_BASE} from its start)`;
  }
  const at = (ea >>> 0) - REGION_BASE;
  if (name === 'stack') {
    return `${what}: outside the stack (stack offset ${at}, this frame may use [${low}, ${high}))`;
  }
  return `${what}: outside the ${name} region (offset ${at}, ${name} has ${high} byte${high === 1 ? '' : 's'})`;
}

/**
 * LD ABS/IND below offset 0 (the kernel's bpf_internal_load_pointer_neg_helper): SKF_NET_OFF + n
 * reads the network header + n, SKF_LL_OFF + n the link header + n; anything else, or a read
 * past the packet, fails (-1). The engines call it only off their fast path.
 */
export function loadPacketNegative(env: ExecEnv, k: number, size: number): number {
  let rel: number;
  if (k >= SKF_NET_OFF && k < 0) {
    const net = env.meta?.netOff ?? -1;
    if (net < 0) return -1;
    rel = net + (k - SKF_NET_OFF);
  } else if (k >= SKF_LL_OFF && k < 0) {
    rel = k - SKF_LL_OFF;
  } else {
    return -1;
  }
  if (rel + size > env.pktLen) return -1;
  const p = env.pkt, at = env.pktStart + rel;
  if (size === 1) return p[at]!;
  if (size === 2) return (p[at]! << 8) | p[at + 1]!;
  return ((p[at]! << 24) | (p[at + 1]! << 16) | (p[at + 2]! << 8) | p[at + 3]!) >>> 0;
}

/**
 * STX ATOMIC at a checked address: ADD/OR/AND/XOR (+FETCH), XCHG, CMPXCHG, 32 or 64 bits.
 * Leaves the old memory value in OUT (upper half 0 for 32 bits): the engine moves it to src
 * (FETCH, XCHG) or R0 (CMPXCHG).
 */
export function atomicUpdate(
  v: DataView, ea: number, size: number, imm: number, sLo: number, sHi: number, r0Lo: number, r0Hi: number,
): void {
  const oldLo = v.getInt32(ea, true);
  const oldHi = size === 8 ? v.getInt32(ea + 4, true) : 0;
  if (size !== 8) { sHi = 0; r0Hi = 0; }
  let nLo: number, nHi: number;
  switch (imm & ~BPF_FETCH) {
    case BPF_ADD: {
      const sum = (oldLo >>> 0) + (sLo >>> 0);
      nLo = sum | 0;
      nHi = (oldHi + sHi + (sum > 0xffffffff ? 1 : 0)) | 0;
      break;
    }
    case BPF_OR: nLo = oldLo | sLo; nHi = oldHi | sHi; break;
    case BPF_AND: nLo = oldLo & sLo; nHi = oldHi & sHi; break;
    case BPF_XOR: nLo = oldLo ^ sLo; nHi = oldHi ^ sHi; break;
    case BPF_XCHG & ~BPF_FETCH: nLo = sLo; nHi = sHi; break;
    default: // CMPXCHG: store src if memory equals R0
      if (r0Lo === oldLo && r0Hi === oldHi) { nLo = sLo; nHi = sHi; } else { nLo = oldLo; nHi = oldHi; }
  }
  v.setInt32(ea, nLo, true);
  if (size === 8) v.setInt32(ea + 4, nHi, true);
  OUT[0] = oldLo;
  OUT[1] = oldHi;
}
