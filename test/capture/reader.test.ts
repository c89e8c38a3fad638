/**
 * Reader behaviour beyond the fixtures: records straddling buffer reads, records bigger than
 * the buffer, pipes and stdin, errors after the good packets, keepGoing, the async iterator.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CaptureError, InputError } from '../../src/errors.js';
import { MAX_IF_NAME_BYTES, MAX_INTERFACES_PER_SECTION } from '../../src/capture/pcapng.js';
import { CaptureReader } from '../../src/capture/reader.js';
import { openCapture } from '../../src/capture/stream.js';
// The fixture generator's builders: an encoder independent of src/capture.
import * as gen from '../../fixtures/captures/make-captures.mjs';
import { fnv1a, generatedDir, harnessMissing, libpcapRead, manifest, readAll, type Row } from './helpers.js';
import { runs } from '../runs.js';

const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-reader-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;
function tmpFile(bytes: Uint8Array, name = `f${fileNo++}.pcap`): string {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

/** Where the manifest says a damaged fixture's error is. */
function endOf(name: string): { packetNumber: number; byteOffset: number } {
  const end = manifest[name]!.end;
  if (end === 'clean') throw new Error(`${name} is not damaged`);
  return end;
}

const frame = (i: number, size: number): Buffer => gen.ether(i, gen.ipv4Udp(i, size));

describe('records straddling buffer reads', () => {
  it('any buffer size reads any mix of pcap and pcapng records the same', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 64, max: 5000 }),
        fc.boolean(),
        fc.boolean(),
        (sizes, bufferSize, ng, le) => {
          const frames = sizes.map((s, i) => frame(i, s));
          const bytes = ng
            ? gen.assemble([
              gen.shb(le), gen.idb(le, 1, 65535), ...frames.map((f, i) => gen.epb(le, 0, BigInt(1700000000 + i) * 1000000n + BigInt(i), f)),
            ]).bytes
            : gen.pcapFile({ le }, frames.map((data, i) => ({ sec: 1700000000 + i, frac: i, data }))).bytes;
          const path = tmpFile(bytes);
          const big = readAll(path);
          const small = readAll(path, { bufferSize });
          expect(big.error).toBeUndefined();
          expect(small).toEqual(big);
          expect(big.rows.map((r) => r.fnv)).toEqual(frames.map((f) => fnv1a(f, 0, f.length)));
        },
      ),
      { numRuns: runs(60) },
    );
  });
});

describe('large records', () => {
  const big = Buffer.alloc(200000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 13) & 0xff;

  it('a 200000-byte pcap record reads whole, with a 1 MiB buffer and with a 4 KiB one', () => {
    const path = tmpFile(gen.pcapFile({ snaplen: 262144 }, [
      { sec: 1, frac: 2, data: frame(0, 10) }, { sec: 3, frac: 4, data: big }, { sec: 5, frac: 6, data: frame(1, 10) },
    ]).bytes);
    for (const bufferSize of [1 << 20, 4096]) {
      const r = readAll(path, { bufferSize });
      expect(r.error).toBeUndefined();
      expect(r.rows.map((x) => x.caplen)).toEqual([52, 200000, 52]);
      expect(r.rows[1]!.fnv).toBe(fnv1a(big, 0, big.length));
    }
  });

  it('a 200000-byte enhanced packet block reads whole through a 4 KiB buffer', () => {
    const path = tmpFile(gen.assemble([gen.shb(true), gen.idb(true, 1, 0), gen.epb(true, 0, 5n, big)]).bytes);
    const r = readAll(path, { bufferSize: 4096 });
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0]).toMatchObject({ caplen: 200000, tsSec: 0, tsNsec: 5000 });
  });

  it('a record above the link type maximum (262144) is corrupt; D-Bus allows 128 MiB', () => {
    const huge = Buffer.alloc(262145);
    const eth = tmpFile(gen.pcapFile({ snaplen: 0 }, [{ sec: 1, frac: 0, data: frame(0, 5) }, { sec: 2, frac: 0, data: huge }]).bytes);
    const r = readAll(eth);
    expect(r.rows).toHaveLength(1);
    expect(r.error?.packetNumber).toBe(2);
    expect(r.error?.message).toMatch(/capture length 262145 is bigger than/);
    const dbus = tmpFile(gen.pcapFile({ field: 231, snaplen: 0 }, [{ sec: 2, frac: 0, data: huge }]).bytes);
    expect(readAll(dbus).rows.map((x) => x.caplen)).toEqual([262145]);
  });

  it.skipIf(harnessMissing())('libpcap agrees on the large-record files', () => {
    const cases = [
      gen.pcapFile({ snaplen: 262144 }, [{ sec: 3, frac: 4, data: big }]).bytes,
      gen.pcapFile({ snaplen: 0 }, [{ sec: 1, frac: 0, data: frame(0, 5) }, { sec: 2, frac: 0, data: Buffer.alloc(262145) }]).bytes,
      gen.pcapFile({ field: 231, snaplen: 0 }, [{ sec: 2, frac: 0, data: Buffer.alloc(262145) }]).bytes,
      gen.pcapFile({ snaplen: 1000 }, [{ sec: 2, frac: 0, data: big }]).bytes,
    ];
    for (const bytes of cases) {
      const path = tmpFile(bytes);
      const lib = libpcapRead(path);
      const ours = readAll(path, { bufferSize: 4096 });
      expect(ours.rows.map((r) => [r.tsSec, r.tsNsec, r.caplen, r.wirelen, r.fnv]))
        .toEqual(lib.packets.map((p) => [p.sec, p.nsec, p.caplen, p.len, p.fnv]));
      expect(ours.error === undefined).toBe(lib.end.kind === 'end');
    }
  });
});

describe('simple packet blocks', () => {
  it('caplen is min(len, snaplen, bytes in the block); libpcap instead refuses a block shorter than that', () => {
    const path = tmpFile(gen.assemble([gen.shb(true), gen.idb(true, 1, 0), gen.spb(true, 200, frame(0, 0).subarray(0, 40))]).bytes);
    expect(readAll(path).rows.map((r) => [r.caplen, r.wirelen])).toEqual([[40, 200]]);
  });
});

describe('what a pcapng section keeps', () => {
  const le = true;
  const idbs = (n: number): Buffer[] => Array.from({ length: n }, () => gen.idb(le, 1, 0));

  it(`keeps ${MAX_INTERFACES_PER_SECTION} interfaces a section, and refuses one more where its block starts`, () => {
    const full = gen.assemble([
      gen.shb(le), ...idbs(MAX_INTERFACES_PER_SECTION), gen.epb(le, MAX_INTERFACES_PER_SECTION - 1, 5n, frame(0, 10)),
    ]);
    expect(readAll(tmpFile(full.bytes, 'full.pcapng')).rows.map((r) => r.interfaceId)).toEqual([MAX_INTERFACES_PER_SECTION - 1]);
    const over = gen.assemble([gen.shb(le), gen.idb(le, 1, 0), gen.epb(le, 0, 5n, frame(0, 10)), ...idbs(MAX_INTERFACES_PER_SECTION)]);
    const r = readAll(tmpFile(over.bytes, 'over.pcapng'));
    expect(r.rows).toHaveLength(1);
    expect(r.error?.packetNumber).toBe(2);
    expect(r.error?.byteOffset).toBe(over.offsets[over.offsets.length - 1]);
    expect(r.error?.message).toMatch(`interface description block: section 0 describes more than ${MAX_INTERFACES_PER_SECTION} interfaces, the most this reader keeps`);
  });

  it('counts interfaces per section: a new section starts again from none', () => {
    const two = gen.assemble([
      gen.shb(le), ...idbs(MAX_INTERFACES_PER_SECTION), gen.epb(le, 7, 5n, frame(0, 10)),
      gen.shb(le), ...idbs(MAX_INTERFACES_PER_SECTION), gen.epb(le, 9, 6n, frame(1, 10)),
    ]);
    const r = readAll(tmpFile(two.bytes, 'two.pcapng'));
    expect(r.error).toBeUndefined();
    expect(r.rows.map((x) => x.interfaceId)).toEqual([7, 9]);
  });

  it(`keeps the first ${MAX_IF_NAME_BYTES} bytes of an interface name`, () => {
    const name = 'n'.repeat(5000);
    const path = tmpFile(gen.assemble([gen.shb(le), gen.idb(le, 1, 0, { name }), gen.idb(le, 1, 0, { name: 'eth0' }), gen.epb(le, 1, 5n, frame(0, 10))]).bytes);
    const reader = CaptureReader.open(path);
    try {
      expect(reader.next()).toBe(true);
      expect(reader.interfaces.map((i) => i.name)).toEqual([name.slice(0, MAX_IF_NAME_BYTES), 'eth0']);
    } finally {
      reader.close();
    }
  });
});

describe('errors', () => {
  it('a missing file, a directory: InputError', async () => {
    expect(() => CaptureReader.open(join(tmp, 'nope.pcap'))).toThrow(InputError);
    expect(() => CaptureReader.open(join(tmp, 'nope.pcap'))).toThrow(/nope\.pcap: no such file/);
    const dir = join(tmp, 'dir.pcap');
    mkdirSync(dir);
    expect(() => CaptureReader.open(dir)).toThrow(InputError);
    await expect(async () => { for await (const _ of openCapture(join(tmp, 'nope.pcap'))) void _; }).rejects.toThrow(InputError);
  });

  it('not a capture file, an empty file: CaptureError at packet 1, byte 0', () => {
    const text = tmpFile(Buffer.from('hello, this is not a capture\n'));
    expect(() => CaptureReader.open(text)).toThrow(/packet 1 at byte 0: not a pcap or pcapng file \(magic 0x68656c6c\)/);
    expect(() => CaptureReader.open(tmpFile(new Uint8Array(0)))).toThrow(/packet 1 at byte 0: empty file/);
  });

  it('unsupported pcap versions', () => {
    expect(() => CaptureReader.open(tmpFile(gen.pcapFile({ major: 1 }, []).bytes))).toThrow(/archaic pcap version 1\.4/);
    expect(() => CaptureReader.open(tmpFile(gen.pcapFile({ minor: 5 }, []).bytes))).toThrow(/unsupported pcap version 2\.5/);
    const swapped = gen.pcapFile({ major: 543, minor: 0 }, [{ sec: 1, frac: 0, data: frame(0, 4), len: 99, swapped: true }]);
    expect(readAll(tmpFile(swapped.bytes)).rows[0]).toMatchObject({ caplen: 46, wirelen: 99 });
  });

  it('legacy DLT 12 and 14 both mean raw IP', () => {
    for (const field of [12, 14]) {
      const r = CaptureReader.open(tmpFile(gen.pcapFile({ field }, []).bytes));
      expect(r.interfaces[0]!.linktype).toBe(101);
      r.close();
    }
  });

  it('the async iterator yields every good packet, then throws', async () => {
    const seen: number[] = [];
    let caught: unknown;
    try {
      for await (const pkt of openCapture(join(generatedDir, 'trunc-data.pcap'))) seen.push(pkt.index);
    } catch (e) {
      caught = e;
    }
    expect(seen).toEqual([1, 2]);
    expect(caught).toBeInstanceOf(CaptureError);
    expect(caught).toMatchObject(endOf('trunc-data.pcap'));
  });

  it('keepGoing reports the error and ends normally', async () => {
    const errors: CaptureError[] = [];
    const r = readAll(join(generatedDir, 'bad-trailer.pcapng'), { keepGoing: true, onError: (e) => errors.push(e) });
    expect(r.error).toBeUndefined();
    expect(r.rows).toHaveLength(2);
    expect(errors.map((e) => ({ packetNumber: e.packetNumber, byteOffset: e.byteOffset }))).toEqual([endOf('bad-trailer.pcapng')]);

    const indexes: number[] = [];
    const asyncErrors: CaptureError[] = [];
    for await (const pkt of openCapture(join(generatedDir, 'trunc-block.pcapng'), { keepGoing: true, onError: (e) => asyncErrors.push(e) })) indexes.push(pkt.index);
    expect(indexes).toEqual([1, 2]);
    expect(asyncErrors.map((e) => e.packetNumber)).toEqual([3]);

    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    expect(readAll(join(generatedDir, 'trunc-rechdr.pcap'), { keepGoing: true }).rows).toHaveLength(2);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/trunc-rechdr\.pcap: packet 3 at byte \d+: truncated file/), 'CaptureWarning');
    warn.mockRestore();
  });
});

describe('the async iterator', () => {
  it('yields the same packets as the fast reader, each with its own bytes', async () => {
    for (const name of ['le.pcapng', 'tsresol.pcapng', 'multi-section.pcapng', 'sll2.pcap']) {
      const path = join(generatedDir, name);
      const rows: Row[] = [];
      const datas: Uint8Array[] = [];
      const stream = openCapture(path, { bufferSize: 128 });
      for await (const p of stream) {
        rows.push({
          index: p.index, tsSec: p.tsSec, tsNsec: p.tsNsec, caplen: p.caplen, wirelen: p.wirelen, linktype: p.linktype,
          interfaceId: p.interfaceId, byteOffset: p.byteOffset, fnv: fnv1a(p.data, 0, p.data.length),
        });
        datas.push(p.data);
        expect(p.iface.linktype).toBe(p.linktype);
      }
      expect(rows).toEqual(readAll(path).rows);
      expect(datas.map((d) => fnv1a(d, 0, d.length))).toEqual(rows.map((r) => r.fnv)); // copies survived later reads
      expect(stream.format).toBe(name.endsWith('ng') ? 'pcapng' : 'pcap');
    }
  });

  it('stops reading when the loop breaks', async () => {
    const seen: number[] = [];
    for await (const p of openCapture(join(generatedDir, 'le-us.pcap'))) {
      seen.push(p.index);
      if (p.index === 2) break;
    }
    expect(seen).toEqual([1, 2]);
  });
});

const mkfifoMissing = spawnSync('mkfifo', ['--version']).error ? 'mkfifo is not available' : undefined;

/** Writes `bytes` into a new FIFO in small, delayed chunks from a child process. */
function slowFifo(bytes: Uint8Array): string {
  const path = join(tmp, `fifo${fileNo++}`);
  execFileSync('mkfifo', [path]);
  const src = tmpFile(bytes);
  const script = `
    const fs = require('fs');
    const data = fs.readFileSync(${JSON.stringify(src)});
    const fd = fs.openSync(${JSON.stringify(path)}, 'w');
    let at = 0;
    const step = () => {
      if (at >= data.length) { fs.closeSync(fd); return; }
      const n = Math.min(data.length - at, 1 + (at % 37));
      fs.writeSync(fd, data, at, n);
      at += n;
      setTimeout(step, at % 5 === 0 ? 1 : 0);
    };
    step();`;
  spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  return path;
}

describe.skipIf(mkfifoMissing)('pipes (non-seekable input arriving in small pieces)', () => {
  it('the fast reader reads a FIFO fed a few bytes at a time', () => {
    const path = join(generatedDir, 'multi-section.pcapng');
    const expected = readAll(path).rows;
    const got = readAll(slowFifo(readFileSync(path)), { bufferSize: 256 });
    expect(got.error).toBeUndefined();
    expect(got.rows).toEqual(expected);
  });

  it('the async iterator reads a FIFO too, and reports truncation at the end', async () => {
    const path = join(generatedDir, 'trunc-data.pcap');
    const seen: number[] = [];
    const { packetNumber, byteOffset } = endOf('trunc-data.pcap');
    await expect(async () => {
      for await (const p of openCapture(slowFifo(readFileSync(path)))) seen.push(p.index);
    }).rejects.toThrow(`packet ${packetNumber} at byte ${byteOffset}: truncated file`);
    expect(seen).toEqual([1, 2]);
  });
});

const dist = fileURLToPath(new URL('../../dist/capture/index.js', import.meta.url));
const srcReader = fileURLToPath(new URL('../../src/capture/reader.ts', import.meta.url));
const distMissing = !existsSync(dist)
  ? 'dist/ is not built (npx tsc -p .)'
  : statSync(dist.replace('index.js', 'reader.js')).mtimeMs < statSync(srcReader).mtimeMs
    ? 'dist/ is older than src/capture (npx tsc -p .)'
    : undefined;
if (distMissing) console.warn(`skipping stdin tests: ${distMissing}`);

describe.skipIf(distMissing)('stdin (`-`), in a child process running dist/', () => {
  const script = `
    import { CaptureReader, openCapture } from ${JSON.stringify(dist)};
    const out = [];
    if (process.argv[1] === 'sync') {
      const r = CaptureReader.open('-', { bufferSize: 100 });
      while (r.next()) out.push(r.current.index + ':' + r.current.caplen + ':' + r.current.tsSec + '.' + r.current.tsNsec);
    } else {
      for await (const p of openCapture('-')) out.push(p.index + ':' + p.caplen + ':' + p.tsSec + '.' + p.tsNsec);
    }
    console.log(out.join(' '));`;
  const expected = (name: string) => readAll(join(generatedDir, name)).rows.map((r) => `${r.index}:${r.caplen}:${r.tsSec}.${r.tsNsec}`).join(' ');

  for (const mode of ['sync', 'async']) {
    it(`${mode}: reads a capture piped to stdin`, () => {
      const input = readFileSync(join(generatedDir, 'tsresol.pcapng'));
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, mode], { input, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe(expected('tsresol.pcapng'));
    });
  }

  it('errors name <stdin>', () => {
    const input = readFileSync(join(generatedDir, 'trunc-rechdr.pcap'));
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, 'sync'], { input, encoding: 'utf8' });
    expect(r.stderr).toMatch(/<stdin>: packet 3 at byte \d+: truncated file/);
  });
});
