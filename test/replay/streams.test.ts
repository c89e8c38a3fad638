/**
 * The plumbing of `replay` as a child process, through the built launcher: output into pipes
 * (back-pressure, a reader that goes away, `-w -` into tcpdump), a stdout that fails, fatal
 * signals while a temporary file is open, and what -w must leave alone.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureReader } from '../../src/capture/reader.js';
import { launcher, launcherBuilt, notBuiltNote, runBin } from '../cli/run-main.js';
import { capturePath, filterPath, root, tcpdumpMissing } from './helpers.js';

const built = launcherBuilt('replay');
const note = notBuiltNote(built);
const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-streams-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const tcpPort = filterPath('EN10MB', 'tcp-port');
const mix = capturePath('generated/mix-en10mb.pcap');
const keepAll = join(tmp, 'keep-all.ddd');
writeFileSync(keepAll, '1\n6 0 0 262144\n');

/** A pcap of `count` minimal Ethernet frames: a lot of output per byte of input. */
function tinyCapture(path: string, count: number): void {
  const frame = 20;
  const buf = Buffer.alloc(24 + count * (16 + frame));
  buf.writeUInt32LE(0xa1b2c3d4, 0);
  buf.writeUInt16LE(2, 4);
  buf.writeUInt16LE(4, 6);
  buf.writeUInt32LE(262144, 16);
  buf.writeUInt32LE(1, 20);
  for (let i = 0, p = 24; i < count; i++, p += 16 + frame) {
    buf.writeUInt32LE(1_700_000_000 + (i >>> 10), p);
    buf.writeUInt32LE((i * 7) % 1_000_000, p + 4);
    buf.writeUInt32LE(frame, p + 8);
    buf.writeUInt32LE(frame, p + 12);
    buf.writeUInt16BE(0x0800, p + 16 + 12);
    buf.writeUInt32LE(i, p + 16 + 14);
  }
  writeFileSync(path, buf);
}

const MANY = 1_000_000;
const many = join(tmp, 'many.pcap');
beforeAll(() => tinyCapture(many, MANY));

const exited = (child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));

const collect = (stream: NodeJS.ReadableStream | null): (() => string) => {
  const parts: Buffer[] = [];
  stream?.on('data', (b: Buffer) => parts.push(b));
  return () => Buffer.concat(parts).toString();
};

/** Peak resident memory of a running process in MB, from /proc (Linux). */
function rssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}
const hasProc = existsSync('/proc/self/status');

describe('output into a pipe', () => {
  it.skipIf(!built || !hasProc)(`a reader that stops reading slows the replay down instead of filling memory${note}`, async () => {
    const child = spawn(process.execPath, [launcher, 'replay', keepAll, many, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr = collect(child.stderr);
    const done = exited(child);
    // Read nothing for two seconds: 1M JSON lines (~100 MB) are waiting to be written.
    child.stdout!.pause();
    let peak = 0;
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      peak = Math.max(peak, rssMb(child.pid!));
    }
    let lines = 0;
    let tail = '';
    child.stdout!.on('data', (b: Buffer) => {
      const text = tail + b.toString();
      const cut = text.lastIndexOf('\n');
      lines += text.slice(0, cut + 1).split('\n').length - 1;
      tail = text.slice(cut + 1);
    });
    child.stdout!.resume();
    const timer = setInterval(() => { peak = Math.max(peak, rssMb(child.pid!)); }, 50);
    const end = await done;
    clearInterval(timer);
    expect(end.code).toBe(0);
    expect(stderr()).toBe('');
    expect(lines).toBe(MANY);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(150);
  });

  it.skipIf(!built)(`a reader that goes away ends the run at once, exit 0 and no message${note}`, async () => {
    const child = spawn(process.execPath, [launcher, 'replay', keepAll, many, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr = collect(child.stderr);
    const done = exited(child);
    const first = await new Promise<string>((resolve) => child.stdout!.once('data', (b: Buffer) => resolve(b.toString())));
    expect(JSON.parse(first.split('\n')[0]!).index).toBe(1);
    const closedAt = performance.now();
    child.stdout!.destroy(); // as `| head -1` exits
    const end = await done;
    expect(end).toEqual({ code: 0, signal: null });
    expect(stderr()).toBe('');
    // Stopping takes one slice of packets (a few ms; the old code went on for 10 s or more): the
    // bound leaves room for a loaded CI machine.
    expect(performance.now() - closedAt).toBeLessThan(2500);
  });

  it.skipIf(!built || tcpdumpMissing !== undefined)(`-w - | tcpdump -r - reads every kept packet, the summary goes to stderr${note}${tcpdumpMissing ? ` (skipped: ${tcpdumpMissing})` : ''}`, () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${launcher}" replay "${keepAll}" "${many}" -w - 2>"${tmp}/summary" | tcpdump -n -r - 2>&1 >/dev/null`], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^reading from file -, link-type EN10MB`));
    expect(readFileSync(join(tmp, 'summary'), 'utf8')).toMatch(new RegExp(`^engine:     jit\nlink type:  EN10MB \\(1\\)\npackets:    ${MANY}\naccepted:   ${MANY} \\(100%\\)\n`));
    const count = spawnSync('sh', ['-c', `"${process.execPath}" "${launcher}" replay "${keepAll}" "${many}" -w - 2>/dev/null | tcpdump -n -r - --count 2>/dev/null`], { encoding: 'utf8' });
    expect(count.stdout.trim()).toBe(`${MANY} packets`);
  });
});

describe('-w - into a file', () => {
  it.skipIf(!built)(`writes the capture alone; the summary goes to stderr${note}`, () => {
    const out = join(tmp, 'stdout.pcap');
    const fd = openSync(out, 'w');
    const r = spawnSync(process.execPath, [launcher, 'replay', tcpPort, mix, '-w', '-'], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
    closeSync(fd);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^engine:     jit\nlink type:  EN10MB \(1\)\npackets:    37\naccepted:   5 /);
    const reader = CaptureReader.open(out);
    let n = 0;
    while (reader.next()) n++;
    reader.close();
    expect(n).toBe(5);
    // Nothing after the last packet: the reader ended cleanly where the file ends.
    expect(statSync(out).size).toBe(reader.current.byteOffset + 16 + reader.current.caplen);
  });
});

describe('a stdout that fails', () => {
  const cases: Array<[string, string[]]> = [
    ['translate', [tcpPort]],
    ['disasm', ['disasm', tcpPort]],
    ['check', ['check', tcpPort]],
    ['seccomp disasm', ['seccomp', 'disasm', join(root, 'fixtures/seccomp/actions.bpf')]],
    ['replay summary', ['replay', tcpPort, mix]],
    ['replay --json', ['replay', tcpPort, mix, '--json']],
    ['replay -w -', ['replay', tcpPort, mix, '-w', '-']],
  ];
  for (const [name, args] of cases) {
    it.skipIf(!built || !existsSync('/dev/full'))(`${name} > /dev/full: one line, exit 73${note}`, () => {
      const fd = openSync('/dev/full', 'w');
      const r = spawnSync(process.execPath, [launcher, ...args], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
      closeSync(fd);
      expect(r.stderr).toBe('cbpf2ebpf: <stdout>: no space left on device\n');
      expect(r.status).toBe(73);
    });
  }
});

describe('fatal signals while -w writes', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    it.skipIf(!built)(`${signal}: the temporary file is removed, the destination left as it was, exit ${code}${note}`, async () => {
      const dir = mkdtempSync(join(tmp, 'sig-'));
      const dest = join(dir, 'kept.pcap');
      writeFileSync(dest, 'old content');
      // The capture comes down a pipe that stays open: the replay is mid-way when the signal comes.
      const child = spawn(process.execPath, [launcher, 'replay', keepAll, '-', '-w', dest], { stdio: ['pipe', 'pipe', 'pipe'] });
      const stderr = collect(child.stderr);
      const done = exited(child);
      child.stdin!.write(readFileSync(mix));
      const temporaries = (): string[] => readdirSync(dir).filter((n) => n.endsWith('.tmp'));
      for (let i = 0; i < 1200 && temporaries().length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(temporaries()).toHaveLength(1);
      child.kill(signal);
      const end = await done;
      child.stdin!.destroy();
      // Ended by the signal itself, as the shell expects (it reports 128 + the signal number).
      expect(end.signal ?? `exit ${end.code}`).toBe(signal);
      expect(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const)[signal]).toBe(code);
      expect(readdirSync(dir)).toEqual(['kept.pcap']);
      expect(readFileSync(dest, 'utf8')).toBe('old content');
      expect(stderr()).toBe('');
    });
  }
});

describe('what -w leaves alone', () => {
  it.skipIf(!built)(`a capture that is not a capture: the destination keeps its content${note}`, () => {
    const dest = join(tmp, 'keep.pcap');
    for (const bad of [Buffer.alloc(0), Buffer.from('this is not a capture file at all')]) {
      const input = join(tmp, 'bad.pcap');
      writeFileSync(input, bad);
      writeFileSync(dest, 'precious');
      const r = runBin(['replay', tcpPort, input, '-w', dest]);
      expect(r.status).toBe(65);
      expect(r.stderr).toMatch(/^cbpf2ebpf: [^\n]+\n$/);
      expect(readFileSync(dest, 'utf8')).toBe('precious');
      expect(readdirSync(tmp).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    }
  });

  it.skipIf(!built)(`-w naming the capture is refused and the capture kept${note}`, () => {
    const input = join(tmp, 'self.pcap');
    writeFileSync(input, readFileSync(mix));
    const r = runBin(['replay', tcpPort, input, '-w', input]);
    expect(r.status).toBe(64);
    expect(r.stderr).toBe(`cbpf2ebpf: --write ${input} names the capture being read; write to another file\n`);
    expect(readFileSync(input).equals(readFileSync(mix))).toBe(true);
  });
});
