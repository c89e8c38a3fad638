/**
 * The replay library: counts, the written capture (read back by our reader and by tcpdump),
 * atomic output, damaged captures, traces, and the socket metadata each link type gives the
 * filter (read back through ancillary loads, in the translated program and in the reference
 * classic interpreter).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureReader } from '../../src/capture/reader.js';
import { CaptureWriter } from '../../src/capture/writer.js';
import { decodeClassic } from '../../src/classic/decode.js';
import { type ClassicInsn, insn } from '../../src/classic/insn.js';
import { CaptureError, UsageError } from '../../src/errors.js';
import { formatSummary } from '../../src/replay/output.js';
import { replay, replaySync, type ReplayOptions } from '../../src/replay/replay.js';
import { capturePath, jobs, program, readGolden, tcpdumpMissing } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-replay-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A classic program from `tcpdump -ddd`-style lines. */
const ddd = (...lines: string[]): ClassicInsn[] => decodeClassic(`${lines.length}\n${lines.join('\n')}\n`, { format: 'ddd' });
const RET_A = '22 0 0 0';
/** `ld <ancillary or negative offset k>; ret a` (LD|W|ABS, or LD|B|ABS). */
const loadRet = (k: number, size: 'w' | 'b' = 'w'): ClassicInsn[] => ddd(`${size === 'w' ? 32 : 48} 0 0 ${k >>> 0}`, RET_A);
const SKF_AD_OFF = -0x1000;
const SKF_NET_OFF = -0x100000;
const AD = {
  protocol: 0, pkttype: 4, ifindex: 8, mark: 20, queue: 24, hatype: 28, rxhash: 32, cpu: 36,
  vlanTag: 44, vlanPresent: 48, payOffset: 52, vlanTpid: 60,
};

function rets(prog: ClassicInsn[], capture: string, opts: ReplayOptions = {}): number[] {
  return replaySync(prog, capture, { ...opts, collect: true }).results!.map((r) => r.ret);
}

/** Both engines that run Linux's semantics must agree on the metadata. */
function linuxRets(prog: ClassicInsn[], capture: string, opts: ReplayOptions = {}): number[] {
  const vm = rets(prog, capture, { ...opts, engine: 'interp' });
  expect(rets(prog, capture, { ...opts, engine: 'classic', semantics: 'linux' })).toEqual(vm);
  return vm;
}

interface Packet { data: Uint8Array; caplen: number; wirelen: number; tsSec: number; tsNsec: number; linktype: number }
function readPackets(path: string): Packet[] {
  const r = CaptureReader.open(path);
  const out: Packet[] = [];
  while (r.next()) {
    const c = r.current;
    out.push({ data: c.copyData(), caplen: c.caplen, wirelen: c.wirelen, tsSec: c.tsSec, tsNsec: c.tsNsec, linktype: c.linktype });
  }
  r.close();
  return out;
}

const mixEn10mb = capturePath('generated/mix-en10mb.pcap');

describe('counts', () => {
  it('packets, accepted and bytes kept follow the per-packet results', async () => {
    const job = jobs.find((j) => j.filter === 'tcp-port' && j.linktype === 'EN10MB' && j.capture === 'generated/mix-en10mb.pcap')!;
    const golden = readGolden(job).results;
    const r = await replay(program('EN10MB', 'tcp-port'), mixEn10mb, { collect: true });
    const packets = readPackets(mixEn10mb);
    expect(r.packets).toBe(packets.length);
    expect(r.accepted).toBe(golden.filter((v) => v !== 0).length);
    expect(r.bytesKept).toBe(golden.reduce((s, v, k) => s + Math.min(v, packets[k]!.caplen), 0));
    expect(r.bytesCaptured).toBe(packets.reduce((s, p) => s + p.caplen, 0));
    expect(r.results!.map((p) => [p.index, p.caplen, p.wirelen, p.kept])).toEqual(
      packets.map((p, k) => [k + 1, p.caplen, p.wirelen, Math.min(golden[k]!, p.caplen)]));
    expect(r.elapsedMs).toBeGreaterThan(0);
    expect(r.packetsPerSecond).toBeGreaterThan(0);
  });

  it('names the capture\'s link types: its packets\', in order, then those of interfaces with no packet', () => {
    for (const file of ['generated/mix-en10mb.pcap', 'generated/multi-linktype.pcapng', 'generated/multi-section.pcapng']) {
      const seen = [...new Set(readPackets(capturePath(file)).map((p) => p.linktype))];
      expect(replaySync(program('EN10MB', 'ip'), capturePath(file)).linktypes, file).toEqual(seen);
    }
    expect(replaySync(program('EN10MB', 'ip'), capturePath('generated/multi-linktype.pcapng')).linktypes).toEqual([1, 101, 276]);
    const empty = join(tmp, 'empty-sll.pcap');
    CaptureWriter.create(empty, { linktype: 113 }).close();
    const r = replaySync(program('EN10MB', 'ip'), empty);
    expect([r.packets, r.linktypes]).toEqual([0, [113]]);
    expect(formatSummary(r).split('\n')[1]).toBe('link type:  LINUX_SLL (113)');
    const unnamed = join(tmp, 'empty-300.pcap');
    CaptureWriter.create(unnamed, { linktype: 300 }).close();
    expect(formatSummary(replaySync(program('EN10MB', 'ip'), unnamed)).split('\n')[1]).toBe('link type:  LINKTYPE_300');
    expect(formatSummary(replaySync(program('EN10MB', 'ip'), capturePath('generated/multi-linktype.pcapng'))).split('\n')[1])
      .toBe('link types: EN10MB (1), RAW (101), LINUX_SLL2 (276)');
  });

  it('reads a filter file by path and the capture from any supported format', () => {
    const r = replaySync(join(capturePath('..'), 'filters/LINUX_SLL2/tcp-port.ddd'), capturePath('generated/mix-sll2.pcapng'));
    const golden = readGolden(jobs.find((j) => j.filter === 'tcp-port' && j.capture === 'generated/mix-sll2.pcapng')!).results;
    expect(r.packets).toBe(golden.length);
    expect(r.accepted).toBe(golden.filter((v) => v !== 0).length);
    expect(r.accepted).toBeGreaterThan(0);
  });

  it('onPacket sees one reused object per packet, with the bytes the filter ran over', () => {
    const seen: Array<[number, number, number]> = [];
    let first: unknown;
    replaySync(program('EN10MB', 'ip'), mixEn10mb, {
      onPacket: (p) => {
        first ??= p;
        expect(p).toBe(first);
        seen.push([p.index, p.ret, p.data[p.start + 12]!]);
      },
    });
    expect(seen.length).toBe(37);
    for (const [, ret, b12] of seen) if (ret !== 0) expect(b12).toBe(0x08);
  });
});

describe('-w: the kept packets, cut to what the filter returned', () => {
  // tcpdump -ddd -s 100 ip: keeps IPv4 frames, 100 bytes of each.
  const ipSnap100 = ddd('40 0 0 12', '21 0 1 2048', '6 0 0 100', '6 0 0 0');

  for (const [capture, ns] of [['generated/mix-en10mb.pcap', false], ['generated/le-ns.pcap', true], ['tcpdump/geneve.pcap', false]] as const) {
    it(`${capture}: read back by our reader${tcpdumpMissing ? '' : ' and by tcpdump'}`, () => {
      const out = join(tmp, `${capture.replace('/', '_')}.kept.pcap`);
      const r = replaySync(ipSnap100, capturePath(capture), { write: out, collect: true });
      const input = readPackets(capturePath(capture));
      const want = input.filter((_, k) => r.results![k]!.ret !== 0);
      expect(want.length).toBeGreaterThan(0);
      expect(r.written).toEqual({ path: out, format: 'pcap', packets: want.length });
      const got = readPackets(out);
      expect(got.map((p) => [p.caplen, p.wirelen, p.tsSec, p.tsNsec, p.linktype])).toEqual(
        want.map((p) => [Math.min(p.caplen, 100), p.wirelen, p.tsSec, ns ? p.tsNsec : Math.floor(p.tsNsec / 1000) * 1000, p.linktype]));
      got.forEach((p, k) => expect(Buffer.from(p.data).equals(Buffer.from(want[k]!.data.subarray(0, p.caplen)))).toBe(true));
      // The precision of the input: the nanosecond magic for a nanosecond capture.
      expect(readFileSync(out).readUInt32LE(0)).toBe(ns ? 0xa1b23c4d : 0xa1b2c3d4);
      if (!tcpdumpMissing) {
        const text = execFileSync('tcpdump', ['-r', out, '-n', '-tt', '--time-stamp-precision=nano'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        const stamps = text.split('\n').filter((l) => l !== '' && !l.startsWith('\t')).map((l) => l.split(' ')[0]);
        expect(stamps).toEqual(got.map((p) => `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`));
      }
    });
  }

  it('a pcapng capture in nanoseconds is written as a nanosecond pcap', () => {
    const out = join(tmp, 'sll2.pcap');
    const r = replaySync(program('LINUX_SLL2', 'ip'), capturePath('generated/mix-sll2.pcapng'), { write: out });
    const got = readPackets(out);
    expect(got.length).toBe(r.accepted);
    expect(got[0]!.linktype).toBe(276);
    expect(got[0]!.tsNsec % 1000).not.toBe(0);
    expect(got.map((p) => [p.tsSec, p.tsNsec])).toEqual(readPackets(capturePath('generated/mix-sll2.pcapng')).filter((p) => p.data[1] === 0x00).map((p) => [p.tsSec, p.tsNsec]));
  });

  describe('as pcapng (-w NAME.pcapng, or writeFormat)', () => {
    /** Every packet with the interface it came from, as our reader sees it. */
    const readWithInterfaces = (path: string) => {
      const r = CaptureReader.open(path);
      const out: Array<{
        data: number[]; caplen: number; wirelen: number; tsSec: number; tsNsec: number; linktype: number;
        snaplen: number; name?: string; nanosecond: boolean;
      }> = [];
      while (r.next()) {
        const c = r.current;
        const i = c.iface!;
        out.push({
          data: [...c.copyData()], caplen: c.caplen, wirelen: c.wirelen, tsSec: c.tsSec, tsNsec: c.tsNsec, linktype: c.linktype,
          snaplen: i.snaplen, ...(i.name !== undefined ? { name: i.name } : {}), nanosecond: i.nanosecond,
        });
      }
      r.close();
      return { packets: out, format: r.format };
    };
    const keepAll = ddd('6 0 0 262144');
    for (const name of ['multi-linktype.pcapng', 'multi-section.pcapng', 'tsresol.pcapng', 'mix-sll2.pcapng', 'le-ns.pcap']) {
      it(`${name}: every interface, link type, name and nanosecond timestamp is kept`, () => {
        const input = capturePath(`generated/${name}`);
        const out = join(tmp, `${name}.kept.pcapng`);
        const r = replaySync(keepAll, input, { write: out });
        expect(r.written).toEqual({ path: out, format: 'pcapng', packets: r.packets });
        const got = readWithInterfaces(out);
        expect(got.format).toBe('pcapng');
        expect(got.packets).toEqual(readWithInterfaces(input).packets);
      });
    }

    it('writeFormat picks the format whatever the name', () => {
      const out = join(tmp, 'named.pcap');
      replaySync(keepAll, capturePath('generated/multi-linktype.pcapng'), { write: out, writeFormat: 'pcapng' });
      expect(readWithInterfaces(out).format).toBe('pcapng');
      expect(() => replaySync(keepAll, capturePath('generated/multi-linktype.pcapng'), { write: join(tmp, 'x.pcapng'), writeFormat: 'pcap' }))
        .toThrow(/but the file holds EN10MB packets; a pcap file has one link type \(write pcapng to keep both\)/);
    });

    it.skipIf(tcpdumpMissing !== undefined)(`tcpdump reads it, with the same nanosecond timestamps${tcpdumpMissing ? ` (skipped: ${tcpdumpMissing})` : ''}`, () => {
      const input = capturePath('generated/tsresol.pcapng');
      const out = join(tmp, 'tsresol.kept.pcapng');
      replaySync(keepAll, input, { write: out });
      const times = (path: string) => execFileSync('tcpdump', ['-n', '-tt', '--nano', '-r', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .trim().split('\n').map((l) => l.split(' ')[0]);
      const want = times(input);
      expect(want.length).toBeGreaterThan(0);
      expect(times(out)).toEqual(want);
    });
  });

  it('an empty result still writes a valid capture', () => {
    const out = join(tmp, 'none.pcap');
    const r = replaySync(ddd('6 0 0 0'), mixEn10mb, { write: out });
    expect(r.accepted).toBe(0);
    expect(readPackets(out)).toEqual([]);
    expect(readFileSync(out).length).toBe(24);
  });

  it('a failure during the replay leaves neither a file nor a temporary one, and an old file untouched', () => {
    const dir = mkdtempSync(join(tmp, 'atomic-'));
    const fresh = join(dir, 'fresh.pcap');
    const old = join(dir, 'old.pcap');
    writeFileSync(old, 'previous content');
    for (const out of [fresh, old]) {
      expect(() => replaySync(program('EN10MB', 'ip'), mixEn10mb, {
        write: out,
        onPacket: (p) => { if (p.index === 20) throw new Error('simulated crash'); },
      })).toThrow('simulated crash');
    }
    expect(existsSync(fresh)).toBe(false);
    expect(readFileSync(old, 'utf8')).toBe('previous content');
    expect(readdirSync(dir)).toEqual(['old.pcap']);
  });

  it('VLAN tags moved into metadata are put back in the written packets, as libpcap does', () => {
    const out = join(tmp, 'vlan.pcap');
    const r = replaySync(program('EN10MB', 'ip'), mixEn10mb, { write: out, link: { vlan: 'metadata' }, collect: true });
    const input = readPackets(mixEn10mb);
    const kept = input.filter((_, k) => r.results![k]!.ret !== 0);
    // With the tag out of the data, `ip` also keeps the 802.1Q-tagged IPv4 frame.
    expect(kept.some((p) => p.data[12] === 0x81 && p.data[13] === 0x00)).toBe(true);
    expect(readPackets(out).map((p) => Buffer.from(p.data).toString('hex'))).toEqual(kept.map((p) => Buffer.from(p.data).toString('hex')));
  });
});

describe('damaged captures', () => {
  const trunc = capturePath('generated/trunc-data.pcap');
  it('throws the CaptureError after the good packets, whose output is complete', () => {
    const out = join(tmp, 'trunc.pcap');
    const seen: number[] = [];
    let err: unknown;
    try {
      replaySync(ddd('6 0 0 65535'), trunc, { write: out, onPacket: (p) => seen.push(p.index) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CaptureError);
    expect((err as CaptureError).packetNumber).toBe(3);
    expect((err as CaptureError).byteOffset).toBe(286);
    expect(seen).toEqual([1, 2]);
    expect(readPackets(out).length).toBe(2);
  });

  it('with keepGoing, reports it in the result', () => {
    const r = replaySync(ddd('6 0 0 65535'), trunc, { keepGoing: true });
    expect(r.packets).toBe(2);
    expect(r.captureError?.message).toMatch(/trunc-data\.pcap: packet 3 at byte 286: truncated file/);
  });

  it('a file that is not a capture is a CaptureError, a missing one an InputError', () => {
    expect(() => replaySync(ddd('6 0 0 1'), capturePath('tcpdump/LICENSE'))).toThrow(/packet 1 at byte 0: not a pcap or pcapng file/);
    expect(() => replaySync(ddd('6 0 0 1'), join(tmp, 'missing.pcap'))).toThrow(expect.objectContaining({ exitCode: 66 }));
  });
});

describe('trace', () => {
  it('the VM trace (run in the interpreter) lists each instruction and ends with the packet result', () => {
    const plain = rets(program('EN10MB', 'tcp-port'), mixEn10mb);
    for (const n of [1, 3, 37]) {
      const r = replaySync(program('EN10MB', 'tcp-port'), mixEn10mb, { trace: { packet: n, annotate: true } });
      const t = r.trace!;
      expect(t.packet).toBe(n);
      expect(r.packets).toBe(n);
      expect(t.ret).toBe(plain[n - 1]);
      expect(t.header).toMatch(new RegExp(`^packet ${n}: \\d+ bytes captured, \\d+ on the wire, EN10MB; engine jit \\(this packet traced in the interpreter\\); len \\d+ protocol 0x0800`));
      expect(t.lines[0]).toBe('       ; prologue');
      expect(t.lines[1]).toMatch(/^ {4}0: r6 = r1 +r6=ctx\+0$/);
      expect(t.lines).toContain('       ; (000) ldh [12]');
      expect(t.lines.filter((l) => /^ +\d+: /.test(l)).length).toBe(t.steps);
    }
    // Packet 37 is cut before the TCP ports: the trace says the load failed.
    const cut = replaySync(program('EN10MB', 'tcp-port'), mixEn10mb, { trace: { packet: 37 } }).trace!;
    expect(cut.lines.at(-1)).toMatch(/packet load failed \(out of bounds\)/);
    expect(cut.lines.some((l) => l.includes('; ('))).toBe(false);
  });

  it('the classic trace shows A, X and M[]', () => {
    const r = replaySync(program('EN10MB', 'tcp-port'), mixEn10mb, { engine: 'classic', trace: { packet: 11 } });
    expect(r.trace!.lines).toEqual([
      '  (000) ldh [12]                             A=0x800',
      '  (001) jeq #0x86dd jt 2 jf 8',
      '  (008) jeq #0x800 jt 9 jf 19',
      '  (009) ldb [23]                             A=0x6',
      '  (010) jeq #0x6 jt 11 jf 19',
      '  (011) ldh [20]                             A=0x4000',
      '  (012) jset #0x1fff jt 19 jf 13',
      '  (013) ldxb 4*([14]&0xf)                    X=0x18',
      '  (014) ldh [x + 14]                         A=0x4d2',
      '  (015) jeq #0x50 jt 18 jf 16',
      '  (016) ldh [x + 16]                         A=0x50',
      '  (017) jeq #0x50 jt 18 jf 19',
      '  (018) ret #262144',
    ]);
    expect(r.trace!.ret).toBe(262144);
    const m = replaySync(ddd('0 0 0 7', '2 0 0 3', '96 0 0 3', RET_A), mixEn10mb, { engine: 'classic', trace: { packet: 1 } });
    expect(m.trace!.lines[1]).toMatch(/\(001\) st M\[3\] +M\[3\]=0x7$/);
  });

  it('a packet past the end is a usage error', () => {
    expect(() => replaySync(program('EN10MB', 'ip'), mixEn10mb, { trace: { packet: 38 } })).toThrow(UsageError);
  });
});

describe('socket metadata per link type', () => {
  it('Ethernet: protocol from the ethertype, pkt_type from the destination, defaults elsewhere', () => {
    const packets = readPackets(mixEn10mb);
    const type = (p: Packet): number => (p.data.length >= 14 ? (p.data[12]! << 8) | p.data[13]! : 0);
    const proto = linuxRets(loadRet(SKF_AD_OFF + AD.protocol), mixEn10mb);
    const protocolOf = (p: Packet): number =>
      (type(p) >= 0x600 ? type(p) : p.data.length < 14 ? 0 : p.data[14] === 0xff && p.data[15] === 0xff ? 0x0001 : 0x0004);
    expect(proto).toEqual(packets.map(protocolOf));
    const pkttype = linuxRets(loadRet(SKF_AD_OFF + AD.pkttype), mixEn10mb);
    expect(pkttype).toEqual(packets.map((p) => (p.data[0]! & 1 ? (p.data.subarray(0, 6).every((b) => b === 0xff) ? 1 : 2) : 0)));
    expect(new Set(pkttype)).toEqual(new Set([0, 1, 2]));
    expect(new Set(linuxRets(loadRet(SKF_AD_OFF + AD.ifindex), mixEn10mb))).toEqual(new Set([1]));
    expect(new Set(linuxRets(loadRet(SKF_AD_OFF + AD.hatype), mixEn10mb))).toEqual(new Set([1])); // ARPHRD_ETHER
  });

  it('options set mark, hash, queue, cpu, ifindex and pkt_type', () => {
    const link = { mark: 0xdeadbeef, hash: 77, queueMapping: 3, cpu: 5, ifindex: 9, pktType: 4 };
    const wants = [[AD.mark, 0xdeadbeef], [AD.rxhash, 77], [AD.queue, 3], [AD.cpu, 5], [AD.ifindex, 9], [AD.pkttype, 4]] as const;
    for (const [off, want] of wants) {
      expect(new Set(linuxRets(loadRet(SKF_AD_OFF + off), mixEn10mb, { link }))).toEqual(new Set([want]));
    }
    // `outbound` keeps every packet once they are all outgoing.
    expect(new Set(rets(program('EN10MB', 'outbound'), mixEn10mb, { link: { pktType: 4 } }))).toEqual(new Set([262144]));
    expect(() => replaySync(ddd('6 0 0 1'), mixEn10mb, { link: { pktType: 9 } })).toThrow(UsageError);
    expect(() => replaySync(ddd('6 0 0 1'), mixEn10mb, { link: { mark: -1 } })).toThrow(UsageError);
  });

  it('LINUX_SLL: pkt_type and protocol from the cooked header', () => {
    const cap = capturePath('generated/mix-sll.pcap');
    const packets = readPackets(cap);
    expect(linuxRets(loadRet(SKF_AD_OFF + AD.pkttype), cap)).toEqual(packets.map((p) => (p.data[0]! << 8) | p.data[1]!));
    expect(linuxRets(loadRet(SKF_AD_OFF + AD.protocol), cap)).toEqual(packets.map((p) => (p.data[14]! << 8) | p.data[15]!));
    expect(new Set(linuxRets(loadRet(SKF_AD_OFF + AD.ifindex), cap))).toEqual(new Set([1]));
  });

  it('LINUX_SLL2: ifindex, pkt_type and protocol from the cooked header', () => {
    const cap = capturePath('generated/mix-sll2.pcapng');
    const packets = readPackets(cap);
    expect(linuxRets(loadRet(SKF_AD_OFF + AD.ifindex), cap)).toEqual(packets.map((p) => Buffer.from(p.data).readUInt32BE(4)));
    expect(linuxRets(loadRet(SKF_AD_OFF + AD.pkttype), cap)).toEqual(packets.map((p) => p.data[10]));
    expect(linuxRets(loadRet(SKF_AD_OFF + AD.protocol), cap)).toEqual(packets.map((p) => (p.data[0]! << 8) | p.data[1]!));
    expect(new Set(linuxRets(loadRet(SKF_AD_OFF + AD.ifindex), cap, { link: { ifindex: 4 } }))).toEqual(new Set([4]));
  });

  it('raw IP, NULL and LOOP: protocol from the version nibble, the link type, or the address family', () => {
    // The fixtures' NULL/LOOP headers name AF_INET, or AF_INET6 in its Linux, BSD and Darwin values.
    for (const [cap, hdr] of [['generated/mix-raw.pcap', 0], ['generated/mix-null.pcap', 4], ['generated/mix-loop.pcap', 4],
      ['generated/mix-ipv4.pcap', 0], ['generated/mix-ipv6.pcap', 0]] as const) {
      const want = readPackets(capturePath(cap)).map((p) => (p.data[hdr]! >> 4 === 6 ? 0x86dd : 0x0800));
      expect(linuxRets(loadRet(SKF_AD_OFF + AD.protocol), capturePath(cap)), cap).toEqual(want);
    }
  });

  it('SKF_NET_OFF loads address the network header of every link type', () => {
    // ldb [SKF_NET_OFF + 9]: the IPv4 protocol field, wherever the link header ends.
    for (const [cap, hdr] of [['generated/mix-en10mb.pcap', 14], ['generated/mix-sll.pcap', 16], ['generated/mix-sll2.pcapng', 20],
      ['generated/mix-raw.pcap', 0], ['generated/mix-null.pcap', 4], ['generated/mix-loop.pcap', 4]] as const) {
      const packets = readPackets(capturePath(cap));
      expect(linuxRets(loadRet(SKF_NET_OFF + 9, 'b'), capturePath(cap)), cap).toEqual(packets.map((p) => (p.caplen > hdr + 9 ? p.data[hdr + 9] : 0)));
    }
  });

  it('LEN is the wire length, or the captured length with len: captured', () => {
    const packets = readPackets(mixEn10mb);
    const cut = packets.findIndex((p) => p.caplen < p.wirelen);
    expect(cut).toBeGreaterThan(0);
    const len = ddd('128 0 0 0', RET_A);
    expect(linuxRets(len, mixEn10mb)).toEqual(packets.map((p) => p.wirelen));
    expect(linuxRets(len, mixEn10mb, { link: { len: 'captured' } })).toEqual(packets.map((p) => p.caplen));
    // libpcap's LEN is the wire length too.
    expect(rets(len, mixEn10mb, { engine: 'classic', semantics: 'libpcap' })).toEqual(packets.map((p) => p.wirelen));
  });

  it('VLAN: in the packet by default; with vlan: metadata the outer tag moves to vlan_tci/vlan_proto', () => {
    const packets = readPackets(mixEn10mb);
    const tagged = packets.map((p) => (p.data[12] === 0x81 || p.data[12] === 0x88) && (p.data[13] === 0x00 || p.data[13] === 0xa8));
    expect(tagged.filter(Boolean).length).toBe(3);
    expect(new Set(linuxRets(loadRet(SKF_AD_OFF + AD.vlanPresent), mixEn10mb))).toEqual(new Set([0]));
    const meta = { link: { vlan: 'metadata' as const } };
    expect(linuxRets(loadRet(SKF_AD_OFF + AD.vlanPresent), mixEn10mb, meta)).toEqual(tagged.map((t) => (t ? 1 : 0)));
    expect(linuxRets(loadRet(SKF_AD_OFF + AD.vlanTag), mixEn10mb, meta))
      .toEqual(packets.map((p, k) => (tagged[k] ? (p.data[14]! << 8) | p.data[15]! : 0)));
    expect(linuxRets(loadRet(SKF_AD_OFF + AD.vlanTpid), mixEn10mb, meta))
      .toEqual(packets.map((p, k) => (tagged[k] ? (p.data[12]! << 8) | p.data[13]! : 0)));
    // The untagged frame: protocol and LEN are those of the frame without its outer tag.
    expect(linuxRets(loadRet(SKF_AD_OFF + AD.protocol), mixEn10mb, meta).filter((_, k) => tagged[k])).toEqual([0x0800, 0x86dd, 0x8100]);
    expect(linuxRets(ddd('128 0 0 0', RET_A), mixEn10mb, meta)).toEqual(packets.map((p, k) => p.wirelen - (tagged[k] ? 4 : 0)));
  });

  it('an unfamiliar link type runs over the record bytes as they are', () => {
    const path = join(tmp, 'radiotap.pcap');
    const w = CaptureWriter.create(path, { linktype: 127 });
    const frame = Uint8Array.from([0, 0, 8, 0, 0, 0, 0, 0, 0x80, 0, 1, 2, 3, 4]);
    w.writePacket(frame, 0, frame.length, frame.length, 1, 0);
    w.close();
    expect(linuxRets(ddd('48 0 0 8', RET_A), path)).toEqual([0x80]);
    expect(linuxRets(loadRet(SKF_NET_OFF, 'b'), path)).toEqual([0]); // no known network header: the load fails
    expect(linuxRets(loadRet(SKF_AD_OFF + AD.protocol), path)).toEqual([0]);
  });
});

describe('engine choice', () => {
  it('SKF_AD_RANDOM gives the same reproducible sequence in the reference interpreter and the VM', () => {
    const prog = loadRet(SKF_AD_OFF + 56); // SKF_AD_RANDOM
    const classic = rets(prog, mixEn10mb, { engine: 'classic' });
    expect(new Set(classic).size).toBeGreaterThan(classic.length / 2);
    expect(rets(prog, mixEn10mb, { engine: 'interp' })).toEqual(classic);
    expect(rets(prog, mixEn10mb, { engine: 'jit' })).toEqual(classic);
  });

  it('refuses libpcap semantics for the translated program, and unknown engines', () => {
    expect(() => replaySync(ddd('6 0 0 1'), mixEn10mb, { engine: 'interp', semantics: 'libpcap' })).toThrow(UsageError);
    expect(() => replaySync(ddd('6 0 0 1'), mixEn10mb, { engine: 'nope' as 'interp' })).toThrow(UsageError);
  });

  it('says in one line that Linux refuses protochain, and how to run it as libpcap does', () => {
    expect(() => replaySync(program('RAW', 'ip6-protochain'), capturePath('generated/mix-raw.pcap'))).toThrow(
      /^instruction \d+ \(ja \d+\): jump-out-of-range: Linux refuses backward jumps \(tcpdump compiles them for protochain\); libpcap runs them: use --bounded-loops, or --engine classic --semantics libpcap$/);
    expect(() => replaySync(program('RAW', 'ip6-protochain'), capturePath('generated/mix-raw.pcap'), { engine: 'classic' })).toThrow(/Linux refuses backward jumps/);
  });

  it('a filter reading scratch memory it never wrote: Linux refuses, libpcap reads 0', () => {
    const prog = ddd('96 0 0 2', RET_A); // ld M[2]; ret a
    expect(() => replaySync(prog, mixEn10mb)).toThrow(
      /^instruction 0 \(ld M\[2\]\): mem-uninitialised: M\[2\] can be read before anything is stored there; libpcap reads it as 0: use --engine classic --semantics libpcap$/);
    expect(new Set(rets(prog, mixEn10mb, { engine: 'classic', semantics: 'libpcap' }))).toEqual(new Set([0]));
  });

  it("a jump Linux's own translation cannot encode: Linux refuses, libpcap runs it", () => {
    // ja 2048 over ld [40000]
    const prog = [insn(0x05, 0, 0, 2048), ...new Array<ClassicInsn>(2048).fill(insn(0x20, 0, 0, 40000)), insn(0x06, 0, 0, 1)];
    expect(() => replaySync(prog, mixEn10mb)).toThrow(
      /^instruction 0 \(ja 2049\): jump-offset-overflow: Linux 6\.18 translates .*; libpcap runs it: use --engine classic --semantics libpcap$/);
    expect(new Set(rets(prog, mixEn10mb, { engine: 'classic', semantics: 'libpcap' }))).toEqual(new Set([1]));
  });
});
