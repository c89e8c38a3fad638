/**
 * Bounded input: every program is read against the bound of its kind, from files and from
 * pipes, and reading stops as soon as the input passes it. In process through readInput and
 * the library entries that read files, then through the built launcher for every command,
 * where the test also holds the process to the time and peak memory of stopping early.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DecodeError, InputError } from '../../src/errors.js';
import { type InputLimit, readInput } from '../../src/io/input.js';
import { CLASSIC_INPUT } from '../../src/classic/limits.js';
import { EBPF_RAW_INPUT, EBPF_TEXT_INPUT } from '../../src/ebpf/limits.js';
import { loadFilter } from '../../src/replay/replay.js';
import { loadSeccompFilter } from '../../src/seccomp/filter.js';
import { NAME_QUOTE_MAX } from '../../src/text.js';
import { runConformanceFile } from '../../src/vm/conformance.js';
import { launcher, launcherBuilt, notBuiltNote } from '../cli/run-main.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const peakRss = fileURLToPath(new URL('./peak-rss.cjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-input-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;
const file = (bytes: string | Uint8Array): string => {
  const path = join(tmp, `in${fileNo++}`);
  writeFileSync(path, bytes);
  return path;
};

/** A sparse file of `size` zero bytes: as big as we like, at no cost in disk or time. */
const sparse = (size: number): string => {
  const path = file('');
  truncateSync(path, size);
  return path;
};
const GIGABYTE = 1 << 30;

const overLimit = (limit: InputLimit): RegExp =>
  new RegExp(`^\\S+: input over the ${limit.maxBytes}-byte limit for ${limit.kind} \\(${limit.maxInsns} instructions at most\\)$`);

function decodeError(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    expect((e as DecodeError).exitCode).toBe(65);
    return e as DecodeError;
  }
  throw new Error('expected a DecodeError');
}

describe('readInput', () => {
  it('bounds a classic program at 4096 instructions: 32 KiB of records, 1 MiB of text', () => {
    expect(CLASSIC_INPUT).toMatchObject({ maxInsns: 4096, maxBinaryBytes: 4096 * 8, maxBytes: 1 << 20 });
    expect(readInput(file(Buffer.alloc(4096 * 8)), CLASSIC_INPUT)).toHaveLength(4096 * 8);
    expect(decodeError(() => readInput(file(Buffer.alloc(4097 * 8)), CLASSIC_INPUT)).message).toMatch(
      /: 32776 bytes of binary records, over the 32768-byte limit for a classic program \(4096 instructions at most\)$/);
    // Text up to the bound reads whole: a -ddd program with a megabyte of blank lines.
    const text = '1\n6 0 0 1\n';
    const whole = text + '\n'.repeat(CLASSIC_INPUT.maxBytes - text.length);
    expect(readInput(file(whole), CLASSIC_INPUT)).toHaveLength(CLASSIC_INPUT.maxBytes);
    expect(decodeError(() => readInput(file(`${whole}\n`), CLASSIC_INPUT)).message).toMatch(overLimit(CLASSIC_INPUT));
  });

  it('bounds internal BPF at the kernel\'s million instructions: 8 bytes each as records, 32 as text', () => {
    expect(EBPF_RAW_INPUT).toMatchObject({ maxInsns: 1_000_000, maxBytes: 8_000_000 });
    expect(EBPF_TEXT_INPUT).toMatchObject({ maxInsns: 1_000_000, maxBytes: 32_000_000 });
    expect(readInput(sparse(EBPF_RAW_INPUT.maxBytes), EBPF_RAW_INPUT)).toHaveLength(EBPF_RAW_INPUT.maxBytes);
    expect(decodeError(() => readInput(sparse(EBPF_RAW_INPUT.maxBytes + 1), EBPF_RAW_INPUT)).message).toMatch(overLimit(EBPF_RAW_INPUT));
    expect(decodeError(() => readInput(sparse(EBPF_TEXT_INPUT.maxBytes + 1), EBPF_TEXT_INPUT)).message).toMatch(overLimit(EBPF_TEXT_INPUT));
  });

  it('says why a file cannot be read in the system\'s words, without repeating a long path', () => {
    const name = join(tmp, 'n'.repeat(5000));
    let error: unknown;
    try {
      readInput(name, CLASSIC_INPUT);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(`${name.slice(0, NAME_QUOTE_MAX)}...: name too long`);
  });

  it('refuses a gigabyte file from what its size says, for every library entry that reads a path', () => {
    const big = sparse(GIGABYTE);
    for (const limit of [CLASSIC_INPUT, EBPF_RAW_INPUT, EBPF_TEXT_INPUT]) {
      expect(decodeError(() => readInput(big, limit)).message).toMatch(overLimit(limit));
    }
    expect(decodeError(() => loadFilter(big)).message).toMatch(overLimit(CLASSIC_INPUT));
    expect(decodeError(() => loadSeccompFilter(big)).message).toMatch(overLimit(CLASSIC_INPUT));
    expect(decodeError(() => runConformanceFile(big)).message).toMatch(overLimit(EBPF_TEXT_INPUT));
  });
});

const mkfifoMissing = spawnSync('mkfifo', ['--version']).error ? 'mkfifo is not available' : undefined;
const pythonMissing = spawnSync('python3', ['--version']).error ? 'python3 is not available' : undefined;

describe.skipIf(mkfifoMissing)('readInput from a FIFO', () => {
  it('stops reading a FIFO that never ends once it passes the bound', () => {
    const fifo = join(tmp, `fifo${fileNo++}`);
    execFileSync('mkfifo', [fifo]);
    // The writer ends with EPIPE when readInput closes the FIFO.
    const writer = spawn('sh', ['-c', `exec cat /dev/zero > '${fifo}'`], { stdio: 'ignore' });
    try {
      expect(decodeError(() => readInput(fifo, CLASSIC_INPUT)).message).toMatch(overLimit(CLASSIC_INPUT));
    } finally {
      writer.kill();
    }
  });
});

const built = launcherBuilt('asm');

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  /** Peak resident set size of the process, in MiB. */
  peakMiB: number;
}

/** Runs the launcher with `stdin` as its standard input, a shell pipeline or a file. */
function runCli(args: string[], stdin: { pipeline: string } | { file: string }): CliRun {
  const rssFile = join(tmp, `rss${fileNo++}`);
  const command = 'pipeline' in stdin ? `${stdin.pipeline} | exec "$@"` : 'exec "$@" < "$0"';
  const started = performance.now();
  const r = spawnSync('bash', ['-c', command, 'file' in stdin ? stdin.file : 'bash', process.execPath, '-r', peakRss, launcher, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CBPF2EBPF_PEAK_RSS_FILE: rssFile },
  });
  const seconds = (performance.now() - started) / 1000;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds, peakMiB: Number(readFileSync(rssFile, 'utf8')) / 1024 };
}

const seccompFilter = join(root, 'fixtures/seccomp/x86_64-args.bpf');
const capture = join(root, 'fixtures/captures/generated/mix-en10mb.pcap');

/** Every command that reads a program, with `-` where it reads it, and the bound that applies. */
const commands: Array<{ name: string; args: string[]; limit: InputLimit }> = [
  { name: '-', args: ['-'], limit: CLASSIC_INPUT },
  { name: 'translate -', args: ['translate', '-'], limit: CLASSIC_INPUT },
  { name: 'disasm -', args: ['disasm', '-'], limit: CLASSIC_INPUT },
  { name: 'check -', args: ['check', '-'], limit: CLASSIC_INPUT },
  { name: 'verify --classic -', args: ['verify', '--classic', '-'], limit: CLASSIC_INPUT },
  { name: 'replay - CAPTURE', args: ['replay', '-', capture], limit: CLASSIC_INPUT },
  { name: 'seccomp - read', args: ['seccomp', '-', 'read'], limit: CLASSIC_INPUT },
  { name: 'seccomp FILTER read --stack -', args: ['seccomp', seccompFilter, 'read', '--stack', '-'], limit: CLASSIC_INPUT },
  { name: 'seccomp disasm -', args: ['seccomp', 'disasm', '-'], limit: CLASSIC_INPUT },
  { name: 'seccomp summary -', args: ['seccomp', 'summary', '-'], limit: CLASSIC_INPUT },
  { name: 'seccomp asm -', args: ['seccomp', 'asm', '-'], limit: CLASSIC_INPUT },
  { name: 'verify -', args: ['verify', '-'], limit: EBPF_RAW_INPUT },
  { name: 'asm -', args: ['asm', '-'], limit: EBPF_TEXT_INPUT },
  { name: 'conformance-plugin', args: ['conformance-plugin'], limit: EBPF_TEXT_INPUT },
];

// The bounds are generous for a loaded CI machine: reading the whole input instead took
// seconds and hundreds of MB (a gigabyte file crashed the V8 heap after 52 s).
const MAX_SECONDS = 10;
const MAX_PEAK_MIB = 150;

function expectStoppedEarly(r: CliRun, limit: InputLimit): void {
  expect(r.status, r.stderr).toBe(65);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^cbpf2ebpf: [^\n]+\n$/);
  expect(r.stderr.slice('cbpf2ebpf: '.length, -1)).toMatch(overLimit(limit));
  expect(r.seconds).toBeLessThan(MAX_SECONDS);
  expect(r.peakMiB).toBeLessThan(MAX_PEAK_MIB);
}

describe.skipIf(!built)(`every command stops reading past the bound${notBuiltNote(built)}`, () => {
  it.each(commands)('$name: 200 MB through a pipe', ({ args, limit }) => {
    expectStoppedEarly(runCli(args, { pipeline: 'head -c 200M /dev/zero' }), limit);
  });

  it.each(commands)('$name: a 1 GB file on stdin', ({ args, limit }) => {
    expectStoppedEarly(runCli(args, { file: sparse(GIGABYTE) }), limit);
  });

  it('text through a pipe stops at the bound too', () => {
    expectStoppedEarly(runCli(['check', '-'], { pipeline: 'yes "6 0 0 1"' }), CLASSIC_INPUT);
    expectStoppedEarly(runCli(['asm', '-'], { pipeline: 'yes "mov %r0, 1"' }), EBPF_TEXT_INPUT);
  });

  it.skipIf(pythonMissing)('waits for input on a non-blocking stdin instead of failing with EAGAIN', () => {
    // A parent that made its end of a pipe non-blocking hands it on as the child's stdin (a
    // Node parent cannot: libuv makes a child's stdio blocking), and writes a little later.
    const parent = [
      'import os, subprocess, sys, time',
      'r, w = os.pipe()',
      'os.set_blocking(r, False)',
      'child = subprocess.Popen(sys.argv[1:], stdin=r, stdout=subprocess.PIPE, stderr=subprocess.PIPE)',
      'os.close(r)',
      'time.sleep(0.3)',
      "os.write(w, b'1\\n6 0 0 1\\n')",
      'os.close(w)',
      'out, err = child.communicate()',
      'sys.stdout.buffer.write(out)',
      'sys.stderr.buffer.write(err)',
      'sys.exit(child.returncode)',
    ].join('\n');
    const r = spawnSync('python3', ['-c', parent, process.execPath, launcher, 'check', '-'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('ok (1 instruction)\n');
  });
});
