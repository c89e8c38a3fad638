/**
 * Exact 64-bit integer arithmetic on pairs of int32 halves (lo, hi), without BigInt and
 * without allocation: the engines keep registers as two Int32Arrays, and these functions
 * work directly on halves. Operations with a 64-bit result write it to `OUT` ([0] = low
 * half, [1] = high half, both as int32); the caller copies it out before the next call.
 * Comparisons and 32-bit operations return their result.
 *
 * Division and modulo follow RFC 9669: x / 0 = 0, x % 0 = x, signed INT_MIN / -1 = INT_MIN,
 * INT_MIN % -1 = 0, and a signed remainder takes the dividend's sign.
 */

/** Result of the last 64-bit operation: OUT[0] = low half, OUT[1] = high half. */
export const OUT = new Int32Array(2);

// Quotient and remainder of the last unsigned 64-bit division (module scratch, no allocation).
let qLo = 0, qHi = 0, rLo = 0, rHi = 0;

/** High 32 bits of the 64-bit product of two u32, via 16-bit limbs (every partial product is exact). */
export function mulhiU32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}

export function add64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  const s = (aLo >>> 0) + (bLo >>> 0);
  OUT[0] = s | 0;
  OUT[1] = (aHi + bHi + (s > 0xffffffff ? 1 : 0)) | 0;
}

export function sub64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  const d = (aLo >>> 0) - (bLo >>> 0);
  OUT[0] = d | 0;
  OUT[1] = (aHi - bHi - (d < 0 ? 1 : 0)) | 0;
}

export function neg64(lo: number, hi: number): void {
  OUT[0] = -lo | 0;
  OUT[1] = (~hi + (lo === 0 ? 1 : 0)) | 0;
}

/** Low 64 bits of the product (the same for signed and unsigned operands). */
export function mul64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  OUT[0] = Math.imul(aLo, bLo);
  OUT[1] = (mulhiU32(aLo, bLo) + Math.imul(aLo, bHi) + Math.imul(aHi, bLo)) | 0;
}

/** Unsigned a < b. */
export function ltu64(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi === bHi ? (aLo >>> 0) < (bLo >>> 0) : (aHi >>> 0) < (bHi >>> 0);
}
export function leu64(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi === bHi ? (aLo >>> 0) <= (bLo >>> 0) : (aHi >>> 0) < (bHi >>> 0);
}
/** Signed a < b. */
export function lts64(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi === bHi ? (aLo >>> 0) < (bLo >>> 0) : aHi < bHi;
}
export function les64(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi === bHi ? (aLo >>> 0) <= (bLo >>> 0) : aHi < bHi;
}
export function eq64(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aLo === bLo && aHi === bHi;
}

/**
 * Unsigned 64-bit division into the module scratch (qLo, qHi, rLo, rHi); d must not be 0.
 * Three cases: both operands fit 32 bits (one float division); the divisor fits 32 bits
 * (schoolbook division by 16-bit digits, every intermediate below 2^48 so the float
 * arithmetic is exact); otherwise the quotient fits 32 bits and at most 32 shift-subtract
 * steps find it.
 */
function udivmod(nLo: number, nHi: number, dLo: number, dHi: number): void {
  const nh = nHi >>> 0, nl = nLo >>> 0, dh = dHi >>> 0, dl = dLo >>> 0;
  if (dh === 0) {
    if (nh === 0) {
      const q = Math.floor(nl / dl);
      qLo = q | 0; qHi = 0; rLo = (nl - q * dl) | 0; rHi = 0;
      return;
    }
    const q2 = Math.floor(nh / dl);
    let r = nh - q2 * dl;
    let t = r * 65536 + (nl >>> 16);
    const q1 = Math.floor(t / dl);
    r = t - q1 * dl;
    t = r * 65536 + (nl & 0xffff);
    const q0 = Math.floor(t / dl);
    r = t - q0 * dl;
    qLo = (q1 * 65536 + q0) | 0; qHi = q2 | 0; rLo = r | 0; rHi = 0;
    return;
  }
  if (ltu64(nLo, nHi, dLo, dHi)) {
    qLo = 0; qHi = 0; rLo = nLo; rHi = nHi;
    return;
  }
  // Align the divisor's top bit with the dividend's, then subtract down to bit 0.
  const shift = Math.clz32(dh) - Math.clz32(nh);
  let sLo = shift === 0 ? dLo : dLo << shift;
  let sHi = shift === 0 ? dHi : (dHi << shift) | (dLo >>> (32 - shift));
  let remLo = nLo, remHi = nHi, q = 0;
  for (let bit = shift; bit >= 0; bit--) {
    if (!ltu64(remLo, remHi, sLo, sHi)) {
      const d = (remLo >>> 0) - (sLo >>> 0);
      remHi = (remHi - sHi - (d < 0 ? 1 : 0)) | 0;
      remLo = d | 0;
      q |= 1 << bit;
    }
    sLo = (sLo >>> 1) | (sHi << 31);
    sHi = sHi >>> 1;
  }
  qLo = q; qHi = 0; rLo = remLo; rHi = remHi;
}

/** Unsigned a / b; b = 0 gives 0. */
export function udiv64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  if (bLo === 0 && bHi === 0) { OUT[0] = 0; OUT[1] = 0; return; }
  udivmod(aLo, aHi, bLo, bHi);
  OUT[0] = qLo; OUT[1] = qHi;
}

/** Unsigned a % b; b = 0 gives a. */
export function umod64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  if (bLo === 0 && bHi === 0) { OUT[0] = aLo; OUT[1] = aHi; return; }
  udivmod(aLo, aHi, bLo, bHi);
  OUT[0] = rLo; OUT[1] = rHi;
}

/** Signed a / b truncated toward zero; b = 0 gives 0; INT64_MIN / -1 gives INT64_MIN. */
export function sdiv64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  if (bLo === 0 && bHi === 0) { OUT[0] = 0; OUT[1] = 0; return; }
  const aNeg = aHi < 0, bNeg = bHi < 0;
  let nLo = aLo, nHi = aHi, dLo = bLo, dHi = bHi;
  if (aNeg) { neg64(aLo, aHi); nLo = OUT[0]!; nHi = OUT[1]!; }
  if (bNeg) { neg64(bLo, bHi); dLo = OUT[0]!; dHi = OUT[1]!; }
  // |INT64_MIN| is 2^63, which the unsigned division handles; negating it back wraps to INT64_MIN.
  udivmod(nLo, nHi, dLo, dHi);
  if (aNeg !== bNeg) neg64(qLo, qHi);
  else { OUT[0] = qLo; OUT[1] = qHi; }
}

/** Signed a % b with the dividend's sign; b = 0 gives a; INT64_MIN % -1 gives 0. */
export function smod64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  if (bLo === 0 && bHi === 0) { OUT[0] = aLo; OUT[1] = aHi; return; }
  const aNeg = aHi < 0;
  let nLo = aLo, nHi = aHi, dLo = bLo, dHi = bHi;
  if (aNeg) { neg64(aLo, aHi); nLo = OUT[0]!; nHi = OUT[1]!; }
  if (bHi < 0) { neg64(bLo, bHi); dLo = OUT[0]!; dHi = OUT[1]!; }
  udivmod(nLo, nHi, dLo, dHi);
  if (aNeg) neg64(rLo, rHi);
  else { OUT[0] = rLo; OUT[1] = rHi; }
}

// 32-bit division: operands are int32 bit patterns, results int32 bit patterns.

/** Unsigned a / b; b = 0 gives 0. */
export function udiv32(a: number, b: number): number {
  return b === 0 ? 0 : Math.floor((a >>> 0) / (b >>> 0)) | 0;
}
/** Unsigned a % b; b = 0 gives a. */
export function umod32(a: number, b: number): number {
  return b === 0 ? a : ((a >>> 0) % (b >>> 0)) | 0;
}
/** Signed a / b; b = 0 gives 0; INT32_MIN / -1 gives INT32_MIN (the |0 wraps 2^31). */
export function sdiv32(a: number, b: number): number {
  return b === 0 ? 0 : ((a | 0) / (b | 0)) | 0;
}
/** Signed a % b with the dividend's sign; b = 0 gives a; INT32_MIN % -1 gives 0. */
export function smod32(a: number, b: number): number {
  return b === 0 ? a : ((a | 0) % (b | 0)) | 0;
}

// Shifts: the amount is taken modulo 64, as RFC 9669 masks register shift amounts.

export function shl64(lo: number, hi: number, n: number): void {
  n &= 63;
  if (n === 0) { OUT[0] = lo; OUT[1] = hi; }
  else if (n < 32) { OUT[1] = (hi << n) | (lo >>> (32 - n)); OUT[0] = lo << n; }
  else { OUT[1] = lo << (n - 32); OUT[0] = 0; }
}

export function shr64(lo: number, hi: number, n: number): void {
  n &= 63;
  if (n === 0) { OUT[0] = lo; OUT[1] = hi; }
  else if (n < 32) { OUT[0] = (lo >>> n) | (hi << (32 - n)); OUT[1] = hi >>> n; }
  else { OUT[0] = hi >>> (n - 32); OUT[1] = 0; }
}

export function sar64(lo: number, hi: number, n: number): void {
  n &= 63;
  if (n === 0) { OUT[0] = lo; OUT[1] = hi; }
  else if (n < 32) { OUT[0] = (lo >>> n) | (hi << (32 - n)); OUT[1] = hi >> n; }
  else { OUT[0] = hi >> (n - 32); OUT[1] = hi >> 31; }
}

// Byte swaps and sign extension.

export function bswap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}
export function bswap32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}
export function bswap64(lo: number, hi: number): void {
  const l = bswap32(hi);
  OUT[1] = bswap32(lo);
  OUT[0] = l;
}
export const sext8 = (x: number): number => (x << 24) >> 24;
export const sext16 = (x: number): number => (x << 16) >> 16;
