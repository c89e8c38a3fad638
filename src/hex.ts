/**
 * Hex spellings of numbers, shared by every printer and message. A 64-bit value comes as
 * the VM holds it, two int32 halves, so printing one never needs BigInt.
 */

/** `0x` and the digits of `v` taken as an unsigned 32-bit value (C's `0x%x`), zero-padded to `width` digits. */
export function hex(v: number, width = 0): string {
  return `0x${(v >>> 0).toString(16).padStart(width, '0')}`;
}

/** The digits (no prefix, no leading zeros) of the unsigned 64-bit value hi:lo. */
export function hex64Short(lo: number, hi: number): string {
  return hi === 0 ? (lo >>> 0).toString(16) : `${(hi >>> 0).toString(16)}${(lo >>> 0).toString(16).padStart(8, '0')}`;
}

/** `0x` and all 16 digits of the 64-bit value hi:lo. */
export function hex64(lo: number, hi: number): string {
  return `0x${(hi >>> 0).toString(16).padStart(8, '0')}${(lo >>> 0).toString(16).padStart(8, '0')}`;
}
