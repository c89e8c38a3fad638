/**
 * The 'linux' semantics of the reference interpreter, case by case, from what the kernel
 * does with a translated classic filter (net/core/filter.c: bpf_convert_filter,
 * convert_bpf_extensions, the bpf_skb_load_helper_* offset rules, bpf_skb_get_nlattr*;
 * kernel/seccomp.c for seccomp_data). The libpcap semantics are held to libpcap itself in
 * interp-libpcap.test.ts; the kernel runs translated programs against this interpreter in
 * test/translate/kernel.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { type ClassicProgram, insn } from '../../src/classic/insn.js';
import { type ClassicRunOptions, runClassic } from '../../src/classic/interp.js';
import { nlattrFind, nlattrFindNested } from '../../src/abi/nlattr.js';
import { SKF_AD, SKF_AD_OFF, SKF_LL_OFF, SKF_NET_OFF } from '../../src/abi/opcodes.js';
import { type SkbMeta, defaultSkbMeta } from '../../src/abi/ctx.js';
import { VmError } from '../../src/errors.js';

const linux: ClassicRunOptions = { semantics: 'linux' };
const libpcap: ClassicRunOptions = { semantics: 'libpcap' };
const seq = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i);
const meta = (over: Partial<SkbMeta> = {}, len = 64): SkbMeta => ({ ...defaultSkbMeta(), len, ...over });
const retA = insn(0x16, 0, 0, 0);
const anc = (n: number, code = 0x20) => insn(code, 0, 0, (SKF_AD_OFF + n) >>> 0);

function run(prog: ClassicProgram, pkt: Uint8Array = seq(64), m: SkbMeta = meta({}, pkt.length), opts: ClassicRunOptions = linux) {
  return runClassic(prog, { pkt, meta: m }, opts);
}

describe('packet loads (linux)', () => {
  it('reads big-endian bytes, halfwords and words; fails past the bytes present', () => {
    expect(run([insn(0x20, 0, 0, 2), retA]).ret).toBe(0x02030405);
    expect(run([insn(0x28, 0, 0, 62), retA]).ret).toBe(0x3e3f);
    expect(run([insn(0x30, 0, 0, 63), retA]).ret).toBe(63);
    const r = run([insn(0x00, 0, 0, 9), insn(0x20, 0, 0, 61), retA]);
    expect(r).toEqual({ ret: 0, pc: 1, steps: 2, reason: 'load-out-of-bounds' });
    // Bounds are the bytes present, not LEN (the wire length).
    expect(run([insn(0x30, 0, 0, 64), retA], seq(64), meta({}, 1500)).reason).toBe('load-out-of-bounds');
  });

  it('[x + k] adds in 32 bits and takes the sum as a signed offset', () => {
    const ind = (x: number, k: number, code = 0x50) => run([insn(0x01, 0, 0, x), insn(code, 0, 0, k >>> 0), retA], seq(0x80));
    expect(ind(0x3e, -1).ret).toBe(0x3d);
    expect(ind(0xffffffff, 1).ret).toBe(0);
    expect(ind(0xffffffff, 1).reason).toBe('ret');
    expect(ind(0xffffffff, 3, 0x48).ret).toBe(0x0203);
    expect(ind(0, -1).reason).toBe('load-out-of-bounds'); // a negative sum is an SKF_NET_OFF offset (network header + 0xfffff)
    expect(ind(0x80000000, 0).reason).toBe('load-out-of-bounds'); // far below SKF_LL_OFF
  });

  it('negative offsets: SKF_NET_OFF from the network header, SKF_LL_OFF from the link header', () => {
    const p = seq(64);
    expect(run([insn(0x30, 0, 0, (SKF_NET_OFF + 9) >>> 0), retA], p, meta({ netOff: 14 })).ret).toBe(23);
    expect(run([insn(0x28, 0, 0, (SKF_LL_OFF + 12) >>> 0), retA], p, meta()).ret).toBe(0x0c0d);
    expect(run([insn(0x30, 0, 0, (SKF_NET_OFF + 50) >>> 0), retA], p, meta({ netOff: 14 })).reason).toBe('load-out-of-bounds');
    // No network header: the load fails.
    expect(run([insn(0x30, 0, 0, SKF_NET_OFF >>> 0), retA], p, meta({ netOff: -1 })).reason).toBe('load-out-of-bounds');
    // [x + k] reaches the same areas, and an IND sum in the ancillary range is a network-header offset.
    expect(run([insn(0x01, 0, 0, 4), insn(0x50, 0, 0, SKF_NET_OFF >>> 0), retA], p, meta({ netOff: 14 })).ret).toBe(18);
    expect(run([insn(0x01, 0, 0, 0), insn(0x50, 0, 0, SKF_AD_OFF >>> 0), retA], p, meta({ netOff: 0 })).reason).toBe('load-out-of-bounds');
    expect(run([insn(0xb1, 0, 0, (SKF_NET_OFF + 0) >>> 0), insn(0x87, 0, 0, 0), retA], p, meta({ netOff: 14 })).ret).toBe((14 & 0xf) * 4);
  });

  it('ldxb 4*([k]&0xf) sets X and keeps A; LEN loads meta.len', () => {
    const p = Uint8Array.from([0x45, 0x00]);
    expect(run([insn(0x00, 0, 0, 7), insn(0xb1, 0, 0, 0), retA], p).ret).toBe(7);
    expect(run([insn(0xb1, 0, 0, 0), insn(0x87, 0, 0, 0), retA], p).ret).toBe(20);
    expect(run([insn(0xb1, 0, 0, 2), retA], p).reason).toBe('load-out-of-bounds');
    expect(run([insn(0x80, 0, 0, 0), retA], seq(60), meta({}, 1514)).ret).toBe(1514);
    expect(run([insn(0x81, 0, 0, 0), insn(0x87, 0, 0, 0), retA], seq(60), meta({}, 99)).ret).toBe(99);
  });
});

describe('ALU and jumps (linux)', () => {
  const alu = (a: number, code: number, k: number, x = 0) =>
    run([insn(0x00, 0, 0, a), insn(0x01, 0, 0, x), insn(code, 0, 0, k), retA]);

  it('computes in unsigned 32 bits', () => {
    expect(alu(0xffffffff, 0x04, 2).ret).toBe(1);
    expect(alu(1, 0x14, 2).ret).toBe(0xffffffff);
    expect(alu(0x10000, 0x24, 0x10001).ret).toBe(0x10000);
    expect(alu(0xffffffff, 0x34, 2).ret).toBe(0x7fffffff);
    expect(alu(0xffffffff, 0x94, 10).ret).toBe(5);
    expect(alu(0x80000000, 0x74, 31).ret).toBe(1);
    expect(alu(5, 0x84, 0).ret).toBe(0xfffffffb);
    expect(alu(0xf0f0, 0xa4, 0xffff).ret).toBe(0x0f0f);
  });

  it('shifts by X use the low 5 bits (a 32-bit eBPF shift by register); libpcap gives 0', () => {
    expect(alu(3, 0x6c, 0, 33).ret).toBe(6);
    expect(alu(0x80000000, 0x7c, 0, 63).ret).toBe(1);
    expect(alu(3, 0x6c, 0, 32).ret).toBe(3);
    const prog = [insn(0x00, 0, 0, 3), insn(0x01, 0, 0, 33), insn(0x6c, 0, 0, 0), retA];
    expect(run(prog, seq(0), meta(), libpcap).ret).toBe(0);
  });

  it('division or modulo by X == 0 ends the filter with 0', () => {
    for (const code of [0x3c, 0x9c]) {
      expect(run([insn(0x00, 0, 0, 7), insn(code, 0, 0, 0), insn(0x06, 0, 0, 1)])).toEqual({ ret: 0, pc: 1, steps: 2, reason: 'div-by-zero' });
    }
  });

  it('jumps compare unsigned; jt/jf and ja are relative to the next instruction', () => {
    const prog = [
      insn(0x00, 0, 0, 0x80000000), insn(0x25, 1, 0, 1), insn(0x06, 0, 0, 1), insn(0x05, 0, 0, 1), insn(0x06, 0, 0, 2), insn(0x06, 0, 0, 3),
    ];
    expect(run(prog)).toEqual({ ret: 3, pc: 5, steps: 4, reason: 'ret' });
    expect(run([insn(0x00, 0, 0, 6), insn(0x45, 0, 1, 4), insn(0x06, 0, 0, 1), insn(0x06, 0, 0, 2)]).ret).toBe(1);
  });

  it('scratch memory, TAX/TXA, RET K', () => {
    const prog = [insn(0x00, 0, 0, 5), insn(0x02, 0, 0, 15), insn(0x07, 0, 0, 0), insn(0x00, 0, 0, 0), insn(0x60, 0, 0, 15),
      insn(0x0c, 0, 0, 0), insn(0x02, 0, 0, 0), insn(0x61, 0, 0, 0), insn(0x87, 0, 0, 0), retA];
    expect(run(prog).ret).toBe(10);
    expect(run([insn(0x06, 0, 0, 0xffffffff)]).ret).toBe(0xffffffff);
  });
});

describe('ancillary loads (linux)', () => {
  const m = meta({
    protocol: 0x86dd, pktType: 3, ifindex: 7, mark: 0xdeadbeef, queueMapping: 0x1234, hatype: 772, hash: 0xcafef00d,
    cpu: 5, vlanPresent: 1, vlanTci: 0xe123, vlanProto: 0x88a8, payOffset: 54,
  });
  const value = (n: number, code = 0x20, pre: ClassicProgram = []) => run([...pre, anc(n, code), retA], seq(64), m).ret;

  it('answer from the socket metadata, whatever the load size', () => {
    for (const code of [0x20, 0x28, 0x30]) {
      expect(value(SKF_AD.PROTOCOL, code)).toBe(0x86dd);
      expect(value(SKF_AD.PKTTYPE, code)).toBe(3);
      expect(value(SKF_AD.IFINDEX, code)).toBe(7);
      expect(value(SKF_AD.MARK, code)).toBe(0xdeadbeef);
      expect(value(SKF_AD.QUEUE, code)).toBe(0x1234);
      expect(value(SKF_AD.HATYPE, code)).toBe(772);
      expect(value(SKF_AD.RXHASH, code)).toBe(0xcafef00d);
      expect(value(SKF_AD.CPU, code)).toBe(5);
      expect(value(SKF_AD.VLAN_TAG, code)).toBe(0xe123);
      expect(value(SKF_AD.VLAN_TAG_PRESENT, code)).toBe(1);
      expect(value(SKF_AD.VLAN_TPID, code)).toBe(0x88a8);
      expect(value(SKF_AD.PAY_OFFSET, code)).toBe(54);
    }
  });

  it('ALU_XOR_X xors; RANDOM calls the supplied generator; VLAN present is 0 or 1', () => {
    expect(value(SKF_AD.ALU_XOR_X, 0x20, [insn(0x00, 0, 0, 0xff00), insn(0x01, 0, 0, 0x0ff0)])).toBe(0xf0f0);
    expect(run([anc(SKF_AD.RANDOM), retA], seq(0), m, { semantics: 'linux', random: () => 0x12345678 }).ret).toBe(0x12345678);
    expect(run([anc(SKF_AD.VLAN_TAG_PRESENT), retA], seq(0), meta({ vlanPresent: 0 })).ret).toBe(0);
    expect(run([anc(SKF_AD.VLAN_TAG_PRESENT), retA], seq(0), meta({ vlanPresent: 2 })).ret).toBe(1);
  });

  it('NLATTR / NLATTR_NEST search netlink attributes from offset A for type X', () => {
    // attrs at 0: {len 8, type 1, 4 bytes}, at 8: {len 6, type 2, 2 bytes + 2 pad},
    // at 16: nested {len 12, type 3 | NESTED, {len 8, type 9, 4 bytes}}
    const b = Uint8Array.from([8, 0, 1, 0, 0, 0, 0, 0, 6, 0, 2, 0, 0, 0, 0, 0, 12, 0, 3, 0x80, 8, 0, 9, 0, 0, 0, 0, 0]);
    const nla = (a: number, x: number, n: number) =>
      run([insn(0x00, 0, 0, a), insn(0x01, 0, 0, x), anc(n), retA], b, meta({}, b.length)).ret;
    expect(nla(0, 2, SKF_AD.NLATTR)).toBe(8);
    expect(nla(0, 3, SKF_AD.NLATTR)).toBe(16); // the NESTED flag is masked off the type
    expect(nla(8, 1, SKF_AD.NLATTR)).toBe(0);
    expect(nla(0, 7, SKF_AD.NLATTR)).toBe(0);
    expect(nla(16, 9, SKF_AD.NLATTR_NEST)).toBe(20);
    expect(nla(16, 1, SKF_AD.NLATTR_NEST)).toBe(0);
    expect(nla(25, 9, SKF_AD.NLATTR)).toBe(0); // A past len - 4
    expect(nlattrFind(b.subarray(0, 3), 0, 1)).toBe(0);
    // An attribute longer than what remains ends the search.
    const bad = Uint8Array.from([40, 0, 1, 0, 0, 0, 0, 0]);
    expect(nlattrFind(bad, 0, 1)).toBe(0);
    expect(nlattrFindNested(bad, 0, 1)).toBe(0);
  });
});

describe('seccomp_data (linux)', () => {
  const data = new Uint8Array(64);
  new DataView(data.buffer).setUint32(0, 59, true); // nr
  new DataView(data.buffer).setUint32(4, 0xc000003e, true); // arch
  new DataView(data.buffer).setUint32(16, 0x11223344, true); // args[0] low half

  it('ld [k] reads host-order u32 fields and LEN is 64', () => {
    const s = (k: number) => runClassic([insn(0x20, 0, 0, k), retA], { pkt: new Uint8Array(0) }, { semantics: 'linux', seccomp: data }).ret;
    expect(s(0)).toBe(59);
    expect(s(4)).toBe(0xc000003e);
    expect(s(16)).toBe(0x11223344);
    expect(runClassic([insn(0x80, 0, 0, 0), retA], { pkt: new Uint8Array(0) }, { semantics: 'linux', seccomp: data }).ret).toBe(64);
  });

  it('refuses loads the seccomp checker refuses, and libpcap semantics', () => {
    expect(() => runClassic([insn(0x28, 0, 0, 0), retA], { pkt: new Uint8Array(0) }, { semantics: 'linux', seccomp: data })).toThrow(VmError);
    expect(() => runClassic([insn(0x20, 0, 0, 2), retA], { pkt: new Uint8Array(0) }, { semantics: 'linux', seccomp: data })).toThrow(VmError);
    expect(() => runClassic([retA], { pkt: new Uint8Array(0) }, { semantics: 'libpcap', seccomp: data })).toThrow(/linux/);
  });
});

describe('what no engine would run', () => {
  it('throws VmError for unknown codes, jumps out of the program, M[16], running off the end', () => {
    expect(() => run([insn(0x0e, 0, 0, 0)])).toThrow(VmError);
    expect(() => run([insn(0x05, 0, 0, 5), retA])).toThrow(/outside the program/);
    expect(() => run([insn(0x05, 0, 0, 0xffffffff), retA])).toThrow(VmError); // linux: unsigned, far forward
    expect(() => run([insn(0x02, 0, 0, 16), retA])).toThrow(VmError);
    expect(() => run([insn(0x00, 0, 0, 0)])).toThrow(/past the last/);
    expect(() => run([insn(0x34, 0, 0, 0), retA])).toThrow(VmError);
    expect(() => run([insn(0x64, 0, 0, 32), retA])).toThrow(VmError);
  });

  it('libpcap: backward ja loops until the budget runs out', () => {
    const r = run([insn(0x00, 0, 0, 0), insn(0x05, 0, 0, 0xffffffff)], seq(0), meta(), { semantics: 'libpcap', budget: 100 });
    expect(r).toEqual({ ret: 0, pc: 1, steps: 100, reason: 'budget' });
  });
});
