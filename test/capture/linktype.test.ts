/** Link-type names against libpcap's own header, and the snapshot-length rules. */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  effectiveSnaplen, knownLinktypes, LINKTYPE_EN10MB, LINKTYPE_IEEE802_11_RADIOTAP, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2, LINKTYPE_LOOP, LINKTYPE_NULL, LINKTYPE_PPI, LINKTYPE_RAW, linktypeByName, linktypeName, maxSnaplenFor,
} from '../../src/capture/linktype.js';

const DLT_H = '/usr/include/pcap/dlt.h';
const dltMissing = existsSync(DLT_H) ? undefined : `${DLT_H} is missing (install libpcap-dev)`;
if (dltMissing) console.warn(`skipping link-type name check: ${dltMissing}`);

// Where the registry's LINKTYPE_ name differs from libpcap's DLT_ name for the same value.
const DLT_SPELLING: Record<string, string> = {
  IEEE802_5: 'IEEE802', ARCNET_BSD: 'ARCNET', IEEE802_11_PRISM: 'PRISM_HEADER',
  IEEE802_11_RADIOTAP: 'IEEE802_11_RADIO', IEEE802_11_AVS: 'IEEE802_11_RADIO_AVS',
};

describe('link types', () => {
  it('has the values the brief and the socket context use', () => {
    expect([
      LINKTYPE_NULL, LINKTYPE_EN10MB, LINKTYPE_RAW, LINKTYPE_LOOP, LINKTYPE_LINUX_SLL, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL2,
      LINKTYPE_IEEE802_11_RADIOTAP, LINKTYPE_PPI,
    ]).toEqual([0, 1, 101, 108, 113, 228, 229, 276, 127, 192]);
    expect(linktypeName(276)).toBe('LINUX_SLL2');
    expect(linktypeName(65000)).toBe('LINKTYPE_65000');
    expect(linktypeByName('linktype_raw')).toBe(101);
    expect(linktypeByName('DLT_EN10MB')).toBe(1);
    expect(linktypeByName('276')).toBe(276);
    expect(linktypeByName('NOPE')).toBeUndefined();
  });

  it.skipIf(dltMissing)('every name whose value libpcap defines matches libpcap’s DLT_ name', () => {
    const defined = new Map<string, Set<number>>();
    for (const m of readFileSync(DLT_H, 'utf8').matchAll(/^#define\s+DLT_(\w+)\s+(\d+)\b/gm)) {
      const set = defined.get(m[1]!) ?? new Set();
      set.add(Number(m[2]));
      defined.set(m[1]!, set);
    }
    let checked = 0;
    for (const [value, name] of knownLinktypes()) {
      // Below 104 LINKTYPE and DLT values differ by design (RAW is 101 vs 12/14, and so on).
      if (value < 104 && ![0, 1, 3, 6, 7, 8, 9, 10].includes(value)) continue;
      const dlt = DLT_SPELLING[name] ?? name;
      expect(defined.get(dlt), `DLT_${dlt} for LINKTYPE_${name} (${value})`).toBeDefined();
      expect([...defined.get(dlt)!], `DLT_${dlt}`).toContain(value);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('snapshot lengths follow libpcap (max_snaplen_for_dlt, pcap_adjust_snapshot)', () => {
    expect(maxSnaplenFor(1)).toBe(262144);
    expect(maxSnaplenFor(231)).toBe(128 << 20);
    expect(maxSnaplenFor(279)).toBe(8 << 20);
    expect(maxSnaplenFor(249)).toBe(1 << 20);
    expect(effectiveSnaplen(1, 0)).toBe(262144);
    expect(effectiveSnaplen(1, 0x80000000)).toBe(262144);
    expect(effectiveSnaplen(1, 524288)).toBe(524288);
    expect(effectiveSnaplen(1, 96)).toBe(96);
  });
});
