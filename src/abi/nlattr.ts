/**
 * The netlink attribute search behind SKF_AD_NLATTR and SKF_AD_NLATTR_NEST (the kernel's
 * bpf_skb_get_nlattr / bpf_skb_get_nlattr_nest over nla_find). Attribute headers are
 * `u16 nla_len, u16 nla_type` in host order (little-endian here). Results are offsets from
 * the start of the packet data, 0 when nothing is found.
 */

const NLA_HDRLEN = 4;
/** nla_type without the NESTED (0x8000) and NET_BYTEORDER (0x4000) flags. */
const NLA_TYPE_MASK = 0x3fff;

const u16le = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);

/** nla_find over data[start, start + len): offset of the first attribute whose type is `type`, or -1. */
function findAttr(data: Uint8Array, start: number, len: number, type: number): number {
  let at = start;
  let rem = len;
  // nla_ok: room for a header, a length that covers the header and fits what remains.
  while (rem >= NLA_HDRLEN) {
    const nlaLen = u16le(data, at);
    if (nlaLen < NLA_HDRLEN || nlaLen > rem) break;
    if ((u16le(data, at + 2) & NLA_TYPE_MASK) === type) return at;
    const step = (nlaLen + 3) & ~3; // NLA_ALIGN
    at += step;
    rem -= step;
  }
  return -1;
}

/** SKF_AD_NLATTR: attribute `x` in the attribute stream that starts at offset `a`. */
export function nlattrFind(data: Uint8Array, a: number, x: number): number {
  const len = data.length;
  if (len < NLA_HDRLEN) return 0;
  if (a >>> 0 > len - NLA_HDRLEN) return 0;
  const at = findAttr(data, a >>> 0, len - (a >>> 0), x | 0);
  return at < 0 ? 0 : at;
}

/** SKF_AD_NLATTR_NEST: attribute `x` inside the payload of the attribute at offset `a`. */
export function nlattrFindNested(data: Uint8Array, a: number, x: number): number {
  const len = data.length;
  if (len < NLA_HDRLEN) return 0;
  const start = a >>> 0;
  if (start > len - NLA_HDRLEN) return 0;
  const outerLen = u16le(data, start);
  if (outerLen > len - start) return 0;
  // nla_len(outer) may be negative for a malformed header; nla_ok then stops at once.
  const at = findAttr(data, start + NLA_HDRLEN, outerLen - NLA_HDRLEN, x | 0);
  return at < 0 ? 0 : at;
}
