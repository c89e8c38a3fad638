/**
 * pcapng timestamps: a 64-bit count of units since the epoch, with a per-interface unit
 * (if_tsresol: 10^-d or 2^-n seconds) and a per-interface offset in seconds (if_tsoffset).
 * The file stores the count as two 32-bit halves; we convert to seconds + nanoseconds with
 * exact integer arithmetic on doubles (every intermediate stays below 2^53), never BigInt,
 * because this runs once per packet.
 */
import { checkInteger, checkObject } from '../args.js';
import { ArgumentError } from '../errors.js';

/** Where a conversion writes its result; a CaptureRecord satisfies it. */
export interface TimestampSink {
  tsSec: number;
  tsNsec: number;
}

const TWO32 = 4294967296;

// Results of div64; module-level so a division allocates nothing.
let qHi = 0;
let qLo = 0;
let rem = 0;

/**
 * (hi * 2^32 + lo) divided by r, for 1 <= r <= 2^37: quotient in qHi/qLo (32-bit halves),
 * remainder in rem. Long division in 16-bit steps keeps each dividend below r * 2^16 <= 2^53,
 * where a double's floor(a / r) is the exact integer quotient.
 */
function div64(hi: number, lo: number, r: number): void {
  const q1 = Math.floor(hi / r);
  let v = (hi - q1 * r) * 65536 + (lo >>> 16);
  const q2 = Math.floor(v / r);
  v = (v - q2 * r) * 65536 + (lo & 0xffff);
  const q3 = Math.floor(v / r);
  qHi = q1;
  qLo = q2 * 65536 + q3;
  rem = v - q3 * r;
}

const NS_PER_SEC = 1e9;

const KIND_DECIMAL = 0; // 10^-d with d <= 9: one division, then scale the remainder up
const KIND_FINE_DECIMAL = 1; // 10^-d with d > 9: divide down to ns first, then split
const KIND_BINARY = 2; // 2^-n: shift, then scale the fraction

/** The time base of one pcapng interface. */
export class TimeBase {
  private readonly kind: number;
  /** KIND_DECIMAL: 10^d; KIND_FINE_DECIMAL: 10^(d-9); KIND_BINARY: n. */
  private readonly param: number;
  /** KIND_DECIMAL: 10^(9-d), the ns in one unit. */
  private readonly nsPerUnit: number;

  /**
   * @param tsresol the if_tsresol byte (default 6: microseconds). Throws ArgumentError for a
   *   resolution that does not fit 64 bits (10^-20 and finer, 2^-64 and finer), as libpcap does.
   * @param offsetSec if_tsoffset, seconds added to every timestamp.
   */
  constructor(readonly tsresol = 6, readonly offsetSec = 0) {
    checkInteger('TimeBase', 'tsresol', tsresol, 0, 0xff);
    checkInteger('TimeBase', 'offsetSec', offsetSec, -Infinity, Infinity);
    if (tsresol & 0x80) {
      const n = tsresol & 0x7f;
      if (n > 63) throw new ArgumentError('TimeBase', 'tsresol', `2^-${n} is too fine for 64-bit timestamps`);
      this.kind = KIND_BINARY;
      this.param = n;
      this.nsPerUnit = 0;
    } else if (tsresol <= 9) {
      this.kind = KIND_DECIMAL;
      this.param = 10 ** tsresol;
      this.nsPerUnit = 10 ** (9 - tsresol);
    } else if (tsresol <= 19) {
      this.kind = KIND_FINE_DECIMAL;
      this.param = 10 ** (tsresol - 9);
      this.nsPerUnit = 0;
    } else {
      throw new ArgumentError('TimeBase', 'tsresol', `10^-${tsresol} is too fine for 64-bit timestamps`);
    }
  }

  /** True when the unit is finer than a microsecond (a pcap copy would lose precision). */
  get finerThanMicro(): boolean {
    return this.kind === KIND_BINARY ? this.param > 19 : this.tsresol > 6;
  }

  /** Units per second as text (`10^6`, `2^20`), for messages and listings. */
  get unitsText(): string {
    return this.kind === KIND_BINARY ? `2^${this.param}` : `10^${this.tsresol}`;
  }

  /**
   * Converts the stored count to seconds and nanoseconds (truncated toward zero, like libpcap).
   * Seconds beyond 2^53 lose precision (no real capture has them).
   */
  convert(hi: number, lo: number, out: TimestampSink): void {
    // Per packet: the cheap test first, the messages only on failure.
    if (typeof hi !== 'number' || typeof lo !== 'number' || (hi >>> 0) !== hi || (lo >>> 0) !== lo || typeof out !== 'object' || out === null) {
      checkInteger('convert', 'hi', hi, 0, 0xffffffff);
      checkInteger('convert', 'lo', lo, 0, 0xffffffff);
      checkObject('convert', 'out', out, 'an object to receive {tsSec, tsNsec}');
    }
    switch (this.kind) {
      case KIND_DECIMAL: {
        const r = this.param;
        if (hi < 0x200000) {
          // The count itself is below 2^53: one exact division.
          const t = hi * TWO32 + lo;
          const s = Math.floor(t / r);
          out.tsSec = s + this.offsetSec;
          out.tsNsec = (t - s * r) * this.nsPerUnit;
        } else {
          div64(hi, lo, r);
          out.tsSec = qHi * TWO32 + qLo + this.offsetSec;
          out.tsNsec = rem * this.nsPerUnit;
        }
        return;
      }
      case KIND_FINE_DECIMAL:
        div64(hi, lo, this.param);
        div64(qHi, qLo, NS_PER_SEC);
        out.tsSec = qHi * TWO32 + qLo + this.offsetSec;
        out.tsNsec = rem;
        return;
      default:
        this.convertBinary(hi, lo, out);
    }
  }

  private convertBinary(hi: number, lo: number, out: TimestampSink): void {
    const n = this.param;
    let sec: number;
    let fracHi: number;
    let fracLo: number;
    if (n === 0) {
      out.tsSec = hi * TWO32 + lo + this.offsetSec;
      out.tsNsec = 0;
      return;
    } else if (n < 32) {
      sec = (hi >>> n) * TWO32 + (((hi << (32 - n)) | (lo >>> n)) >>> 0);
      fracHi = 0;
      fracLo = lo & (((1 << n) - 1) >>> 0);
    } else {
      const k = n - 32;
      sec = k === 0 ? hi : hi >>> k;
      fracHi = k === 0 ? 0 : (hi & ((2 ** k - 1) | 0)) >>> 0;
      fracLo = lo;
    }
    out.tsSec = sec + this.offsetSec;
    out.tsNsec = n <= 23 ? Math.floor((fracLo * NS_PER_SEC) / 2 ** n) : scaledFraction(fracHi, fracLo >>> 0, n);
  }
}

/**
 * floor(frac * 10^9 / 2^n) for frac < 2^n <= 2^63, exactly: multiply frac's 16-bit limbs by
 * 10^9 (each partial product < 2^46), then drop n bits. The limbs at and above bit 16*floor(n/16)
 * form a number below 2^46, and dropping the lower limbs cannot change the floor.
 */
function scaledFraction(fracHi: number, fracLo: number, n: number): number {
  const k = n >>> 4;
  let carry = 0;
  let kept = 0;
  let weight = 1;
  for (let i = 0; i < 6; i++) {
    const limb = i === 0 ? fracLo & 0xffff : i === 1 ? fracLo >>> 16 : i === 2 ? fracHi & 0xffff : i === 3 ? fracHi >>> 16 : 0;
    const p = limb * NS_PER_SEC + carry;
    const digit = p % 65536;
    carry = (p - digit) / 65536;
    if (i >= k) {
      kept += digit * weight;
      weight *= 65536;
    }
  }
  return Math.floor(kept / 2 ** (n & 15));
}

/** The 32-bit halves of a 64-bit unit count, as joinUnits writes them. */
export interface Halves {
  hi: number;
  lo: number;
}

/**
 * The inverse of TimeBase.convert for decimal units: writes sec * unitsPerSec + frac
 * (unitsPerSec < 2^32, frac < unitsPerSec, 0 <= sec < 2^53) as 32-bit halves, exactly,
 * dropping anything beyond 64 bits.
 */
export function joinUnits(sec: number, unitsPerSec: number, frac: number, out: Halves): void {
  let carry = frac;
  let s = sec;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 4; i++) {
    const limb = s % 65536;
    s = (s - limb) / 65536;
    const p = limb * unitsPerSec + carry; // < 2^48 + 2^37: exact
    const digit = p % 65536;
    carry = (p - digit) / 65536;
    if (i === 0) lo = digit;
    else if (i === 1) lo += digit * 65536;
    else if (i === 2) hi = digit;
    else hi += digit * 65536;
  }
  out.hi = hi;
  out.lo = lo;
}
