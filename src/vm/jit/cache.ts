/**
 * Compile once, run many: compiled programs are shared by every engine built for the
 * same program, keyed by the program's encoded bytes (so a program decoded again from a
 * file, or rebuilt instruction by instruction, hits the cache too) plus the variant and
 * whether the budget is enforced. A run function holds no per-engine state (that lives in
 * JitState, bound per engine), so sharing it is safe. Keyed by content rather than by array identity on
 * purpose: an Insn[] can be mutated after an engine was built from it.
 */
import type { Program } from '../../ebpf/insn.js';
import { encodeProgram } from '../../ebpf/encode.js';
import type { Cfg } from './blocks.js';
import { generateBodies, instantiate, layoutOf, type Bodies, type Layout, type MakeRun, type Variant } from './compile.js';
import { RUNTIME } from './runtime.js';

export interface Compiled {
  /** The bodies of run(env) and of the packet entry. */
  readonly source: Bodies;
  readonly layout: Layout;
  /** Binds the program to an engine's state. */
  readonly make: MakeRun;
}

/** Programs kept; the least recently used goes first. */
const CAPACITY = 256;
const cache = new Map<string, Compiled>();
let compileCount = 0;

export function compiled(prog: Program, cfg: Cfg, variant: Variant, budgeted: boolean): Compiled {
  const key = `${variant}${budgeted ? '+budget' : ''}:${Buffer.from(encodeProgram(prog)).toString('base64')}`;
  let c = cache.get(key);
  if (c !== undefined) {
    cache.delete(key);
    cache.set(key, c);
    return c;
  }
  compileCount++;
  let layout = layoutOf(cfg);
  let source = generateBodies(prog, { variant, budgeted }, cfg);
  let make: MakeRun;
  try {
    make = instantiate(source, variant, RUNTIME);
  } catch (e) {
    // Deeply nested labels can exhaust the parser's stack: the switch layout is flat.
    if (!(e instanceof RangeError) || layout === 'switch') throw e;
    layout = 'switch';
    source = generateBodies(prog, { variant, budgeted, forceSwitch: true }, cfg);
    make = instantiate(source, variant, RUNTIME);
  }
  c = { source, layout, make };
  cache.set(key, c);
  if (cache.size > CAPACITY) cache.delete(cache.keys().next().value!);
  return c;
}

/** Programs compiled so far in this process (cache misses). */
export function compilations(): number {
  return compileCount;
}
