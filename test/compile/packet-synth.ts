/**
 * Packets aimed at a filter: the offsets and constants its tests compare become bytes of
 * random packets (each test's value written or left random), some of them cut short at a
 * random length. Captures rarely hold 10.0.0.1 or port 8080; these packets reach the deep
 * branches of a program, and the cut ones reach its out-of-bounds loads.
 */
import type { ClassicProgram } from '../../src/classic/insn.js';
import { classicForm, loadWidth } from '../../src/classic/insn.js';
import { BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET, bpfOp } from '../../src/abi/opcodes.js';

export interface SynthPacket { bytes: Uint8Array; wirelen: number }

interface Want { at: number; width: 1 | 2 | 4; value: number }

/** What the tests compare: (offset, width, a value that makes the test go one way). */
function wants(prog: ClassicProgram): { wants: Want[]; mshAt: number[] } {
  const out: Want[] = [];
  const mshAt: number[] = [];
  let last: { at: number; width: 1 | 2 | 4 } | undefined;
  for (const i of prog) {
    const kind = classicForm(i.code)?.kind;
    if (kind === 'ld-abs' && i.k < 0x10000) last = { at: i.k, width: loadWidth(i.code) };
    // [x + k] with the usual 20-byte IPv4 header in X
    else if (kind === 'ld-ind' && i.k < 0x10000) last = { at: i.k + 20, width: loadWidth(i.code) };
    else if (kind === 'ldx-msh') mshAt.push(i.k);
    else if (kind === 'jmp-k' && last) {
      const op = bpfOp(i.code);
      const v = op === BPF_JEQ || op === BPF_JSET ? i.k : op === BPF_JGT ? i.k + 1 : op === BPF_JGE ? i.k : i.k;
      out.push({ ...last, value: v >>> 0 });
    } else if (kind !== 'jmp-x' && kind !== 'ja' && kind !== 'alu-k') last = undefined;
  }
  return { wants: out, mshAt };
}

/** A small deterministic generator (tests must replay). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 0x100000000;
  };
}

/** `count` packets; with `allCuts`, each one at every captured length from 0 to its whole length. */
export function synthPackets(
  progs: readonly ClassicProgram[], count: number, seed: number, opts: { allCuts?: boolean } = {},
): SynthPacket[] {
  const rand = rng(seed);
  const all = progs.map(wants);
  const w = all.flatMap((x) => x.wants);
  // Each place a test reads gets one of the values tested there (or stays random).
  const places = new Map<string, { at: number; width: 1 | 2 | 4; values: number[] }>();
  for (const x of w) {
    const key = `${x.at}:${x.width}`;
    const place = places.get(key) ?? { at: x.at, width: x.width, values: [] };
    if (!place.values.includes(x.value)) place.values.push(x.value);
    places.set(key, place);
  }
  const msh = [...new Set(all.flatMap((x) => x.mshAt))];
  const span = Math.max(64, ...w.map((x) => x.at + x.width)) + 8;
  const out: SynthPacket[] = [];
  for (let n = 0; n < count; n++) {
    const len = Math.floor(span * (0.5 + rand() / 2)) + Math.floor(rand() * 16);
    const bytes = new Uint8Array(len);
    for (let b = 0; b < len; b++) bytes[b] = rand() < 0.5 ? 0 : Math.floor(rand() * 256);
    for (const at of msh) if (at < len && rand() < 0.8) bytes[at] = 0x45;
    const order = [...places.values()].sort(() => rand() - 0.5);
    for (const x of order) {
      if (rand() < 0.25 || x.at + x.width > len) continue;
      const value = x.values[Math.floor(rand() * x.values.length)]!;
      for (let b = 0; b < x.width; b++) bytes[x.at + b] = (value >>> (8 * (x.width - 1 - b))) & 0xff;
    }
    if (opts.allCuts) {
      for (let cut = 0; cut <= len; cut++) out.push({ bytes: bytes.subarray(0, cut), wirelen: len });
    } else {
      const cut = rand() < 0.35 ? Math.floor(rand() * len) : len;
      out.push({ bytes: bytes.subarray(0, cut), wirelen: len });
    }
  }
  return out;
}
