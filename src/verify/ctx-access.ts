/**
 * Which loads and stores a program may make through its context pointer.
 *
 * `__sk_buff` (socket filter), as Linux's sk_filter_is_valid_access / bpf_skb_is_valid_access
 * decide, restricted to the fields our VM models (offsets below SKB_CTX_SIZE): naturally
 * aligned loads of 1, 2 or 4 bytes inside a readable u32 field; cb[0..4] may also be read or
 * written with any aligned size up to 8 bytes. Every other field is read-only.
 *
 * `seccomp_data`: aligned 32-bit loads inside its 64 bytes, the only context access a
 * seccomp filter can express (`ld [k]` with k % 4 == 0 and k < 64); no stores.
 */
import { SECCOMP_DATA_SIZE, SKB, SKB_CTX_SIZE, SKB_READABLE } from '../abi/ctx.js';

const CB_START = SKB.cb0;
const CB_END = SKB.cb0 + 20;

export function skbAccessProblem(off: number, size: number, write: boolean): string | undefined {
  const what = `__sk_buff access at offset ${off} size ${size}`;
  if (off < 0 || off + size > SKB_CTX_SIZE) return `invalid ${what}: outside the fields socket filters may use (0..${SKB_CTX_SIZE - 1})`;
  if (off % size !== 0) return `misaligned ${what}`;
  if (off >= CB_START && off + size <= CB_END) return undefined;
  if (off < CB_END && off + size > CB_START) return `invalid ${what}: straddles cb[]`;
  if (write) return `invalid ${what}: socket filters may only write cb[0..4]`;
  if (size > 4 || !SKB_READABLE.has(off & ~3)) return `invalid ${what}: not a readable u32 field`;
  return undefined;
}

export function seccompAccessProblem(off: number, size: number, write: boolean): string | undefined {
  const what = `seccomp_data access at offset ${off} size ${size}`;
  if (write) return `invalid ${what}: seccomp_data is read-only`;
  if (size !== 4) return `invalid ${what}: seccomp_data is read with 32-bit loads`;
  if (off < 0 || off + size > SECCOMP_DATA_SIZE) return `invalid ${what}: outside its ${SECCOMP_DATA_SIZE} bytes`;
  if (off % 4 !== 0) return `misaligned ${what}`;
  return undefined;
}
