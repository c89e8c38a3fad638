/**
 * OutputFile and writeFileAtomic: what an output path may be (new file, existing file, symbolic
 * link, device, FIFO, descriptor alias) and what each must become, and that nothing planted in
 * the directory can redirect the data.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutputError } from '../../src/errors.js';
import { descriptorAlias, OutputFile, sameFile, writeFileAtomic } from '../../src/io/output.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-output-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const isRoot = process.getuid?.() === 0;
const hasMkfifo = spawnSync('mkfifo', ['--version']).status === 0;

describe('a regular file', () => {
  it('appears whole at commit, never half-written, and nothing is left beside it', () => {
    const path = join(dir, 'out.bin');
    writeFileSync(path, 'old');
    const out = OutputFile.open(path);
    out.write(Buffer.from('new '));
    expect(readFileSync(path, 'utf8')).toBe('old');
    out.write(Buffer.from('content'));
    out.commit();
    expect(readFileSync(path, 'utf8')).toBe('new content');
    expect(readdirSync(dir)).toEqual(['out.bin']);
  });

  it('abort leaves the old content and removes the temporary file', () => {
    const path = join(dir, 'out.bin');
    writeFileSync(path, 'old');
    const out = OutputFile.open(path);
    out.write(Buffer.from('half'));
    out.abort();
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['out.bin']);
  });

  it('keeps an existing file\'s mode (0600 stays 0600)', () => {
    const path = join(dir, 'secret.txt');
    writeFileSync(path, 'old');
    chmodSync(path, 0o600);
    writeFileAtomic(path, 'new');
    expect(statSync(path).mode & 0o7777).toBe(0o600);
    chmodSync(path, 0o640);
    writeFileAtomic(path, 'newer');
    expect(statSync(path).mode & 0o7777).toBe(0o640);
    expect(readFileSync(path, 'utf8')).toBe('newer');
  });

  it('creates its temporary file under an unpredictable name, exclusively', () => {
    const path = join(dir, 'out.bin');
    const names = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const out = OutputFile.open(path);
      const tmp = out.temporaryPath!;
      expect(tmp.startsWith(join(dir, '.out.bin.'))).toBe(true);
      expect(tmp).not.toContain(String(process.pid));
      names.add(tmp);
      out.abort();
    }
    expect(names.size).toBe(20);
  });

  it('a symbolic link planted at the old predictable temporary name redirects nothing', () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(dir, `.out.bin.${process.pid}.tmp`));
    writeFileAtomic(join(dir, 'out.bin'), 'data');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(readFileSync(join(dir, 'out.bin'), 'utf8')).toBe('data');
  });

  it('messages name the path the user gave, not the temporary file', () => {
    expect(() => writeFileAtomic(join(dir, 'no-such-dir', 'x'), 'data')).toThrow(new OutputError(join(dir, 'no-such-dir', 'x'), 'no such file'));
    expect(() => writeFileAtomic(dir, 'data')).toThrow(/is a directory$/);
  });
});

describe('a symbolic link', () => {
  it('is followed: the file it names gets the data and the link stays a link', () => {
    const real = join(dir, 'real.txt');
    const link = join(dir, 'link.txt');
    writeFileSync(real, 'old');
    chmodSync(real, 0o600);
    symlinkSync('real.txt', link);
    writeFileAtomic(link, 'new');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('real.txt');
    expect(readFileSync(real, 'utf8')).toBe('new');
    expect(statSync(real).mode & 0o7777).toBe(0o600);
  });

  it('that dangles creates the file it names', () => {
    const link = join(dir, 'link.txt');
    symlinkSync('made.txt', link);
    writeFileAtomic(link, 'new');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'made.txt'), 'utf8')).toBe('new');
  });
});

describe('what is not a regular file is written through', () => {
  it.skipIf(!isRoot)(`/dev/null stays a character device${isRoot ? '' : ' (skipped: needs root to show the old defect)'}`, () => {
    writeFileAtomic('/dev/null', 'data');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(readdirSync('/dev').filter((n) => n.startsWith('.null.'))).toEqual([]);
  });

  it.skipIf(!hasMkfifo)(`a FIFO stays a FIFO and its reader gets the data${hasMkfifo ? '' : ' (skipped: no mkfifo)'}`, async () => {
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = spawn('cat', [fifo]);
    const got: Buffer[] = [];
    reader.stdout.on('data', (b: Buffer) => got.push(b));
    const closed = new Promise((resolve) => reader.on('close', resolve));
    writeFileAtomic(fifo, 'through the pipe');
    await closed;
    expect(Buffer.concat(got).toString()).toBe('through the pipe');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['fifo']);
  });

  it('descriptor aliases name this process\'s descriptors', () => {
    expect(descriptorAlias('-')).toBe(1);
    expect(descriptorAlias('/dev/stdout')).toBe(1);
    expect(descriptorAlias('/dev/stderr')).toBe(2);
    expect(descriptorAlias('/dev/fd/7')).toBe(7);
    expect(descriptorAlias('/proc/self/fd/3')).toBe(3);
    expect(descriptorAlias(`/proc/${process.pid}/fd/4`)).toBe(4);
    expect(descriptorAlias('/proc/1/fd/4')).toBe(-1);
    expect(descriptorAlias('/dev/stdoutx')).toBe(-1);
    expect(descriptorAlias('out.pcap')).toBe(-1);
  });
});

describe('sameFile', () => {
  it('compares device and inode, through links', () => {
    const a = join(dir, 'a');
    writeFileSync(a, 'x');
    symlinkSync(a, join(dir, 'l'));
    const st = statSync(a);
    expect(sameFile(st, join(dir, 'l'))).toBe(true);
    expect(sameFile(st, join(dir, 'missing'))).toBe(false);
    writeFileSync(join(dir, 'b'), 'x');
    expect(sameFile(st, join(dir, 'b'))).toBe(false);
    expect(existsSync(a)).toBe(true);
  });
});
