/** The libseccomp-generated filters of fixtures/seccomp (see generate.py there). */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ClassicInsn } from '../../src/classic/insn.js';
import { decodeClassic } from '../../src/classic/decode.js';

export const FIXTURE_DIR = join(import.meta.dirname, '../../fixtures/seccomp');

export interface FixtureCase {
  arch: string;
  syscall: string;
  args: string[];
  expect: string;
}

export interface FixtureRule {
  syscall: string;
  action: string;
  args: Array<{ arg: number; op: string; value: string; mask?: string }>;
  arches?: string[];
}

export interface Fixture {
  name: string;
  about: string;
  file: string;
  endian: 'little' | 'big';
  arches: string[];
  default: string;
  badarch: string;
  rules: FixtureRule[];
  cases: FixtureCase[];
  /** Path of the .bpf file. */
  path: string;
  bytes: Uint8Array;
  prog: ClassicInsn[];
}

export function loadFixtures(): Fixture[] {
  return readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.json')).sort().map((f) => {
    const meta = JSON.parse(readFileSync(join(FIXTURE_DIR, f), 'utf8')) as Omit<Fixture, 'path' | 'bytes' | 'prog'>;
    const path = join(FIXTURE_DIR, meta.file);
    const bytes = readFileSync(path);
    return { ...meta, path, bytes, prog: decodeClassic(bytes, { format: 'raw', endian: meta.endian, source: meta.file }) };
  });
}
