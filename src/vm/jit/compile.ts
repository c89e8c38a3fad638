/**
 * The JIT's code generator: one validated internal program -> the source of a JavaScript
 * function, then the function itself (`new Function`).
 *
 * SAFETY INVARIANT (details and the helpers that enforce it in source.ts): the generated
 * source consists only of fixed text written in this directory and integers printed by
 * num()/reg()/label(), which refuse anything but safe integers. No string from the input
 * program, the environment or the options reaches it; it holds no string literal, comment
 * or `/`. A program can change which fixed fragments appear and which integers, nothing
 * else, so it cannot make the function run arbitrary JavaScript.
 * test/vm/jit-safety.test.ts checks every generated source against a whitelist.
 *
 * Layout. A program whose jumps all go forward and that makes no BPF-to-BPF call (every
 * translated classic program) becomes straight-line JavaScript: its basic blocks in pc
 * order, each jump target opening a labelled block so that a jump is `break b<target>` and
 * V8 sees plain forward branches, with no dispatch variable. Any other program (loops,
 * backward jumps, local calls), or one with more than MAX_LABELS targets, becomes
 * `for (;;) switch (pc)` over its basic blocks.
 *
 * Registers. Knowledge (knowledge.ts) folds known halves into literals and skips writing
 * them; liveness (liveness.ts) skips writing halves nobody reads. Where paths meet, each
 * incoming edge writes the live halves the join no longer knows.
 *
 * Steps. Without a budget to enforce (a forward-only program runs at most one step per
 * instruction), step counts are compile-time constants along each path; only where paths
 * of different lengths meet does each incoming edge set `st`, and counts after it are `st`
 * plus a constant. With a budget to enforce, every instruction checks it, so the fault
 * names the same pc as the interpreter's.
 *
 * A failed packet load sets `st` and breaks out to one shared exit returning 0.
 *
 * The generated factory takes the runtime object (runtime.ts) and returns a maker that binds
 * the program to one engine's state (see instantiate); the resulting `run(env)` runs the
 * program once and returns R0's low half, unsigned (R[1] = upper half, R[0] = steps, R[2] = the pc
 * of the exit that ended it or -1, R = S.out).
 */
import type { Program } from '../../ebpf/insn.js';
import { MAX_CALL_FRAMES, REGION_BASE, STACK_BYTES, STACK_FRAME_BYTES } from '../memory.js';
import { buildCfg, type Block, type Cfg } from './blocks.js';
import { InsnEmitter, type StateLocal, type Steps } from './emit.js';
import { ALL, liveness, type Liveness } from './liveness.js';
import { Knowledge, entryKnowledge, transfer, type Variant } from './knowledge.js';
import { RUNTIME_NAMES, type JitState, type Runtime } from './runtime.js';
import type { ExecEnv } from '../types.js';
import { hi, label, lo, num } from './source.js';

export type { Variant } from './knowledge.js';

export type Layout = 'structured' | 'switch';

export interface CodegenOptions {
  /** 'ctx': R1 points at env.ctx; 'mem': at env.mem (R2 = its length). */
  variant: Variant;
  /** Enforce the instruction budget (S.budget) before every instruction. */
  budgeted: boolean;
  /** Use the switch layout even where the structured one applies. */
  forceSwitch?: boolean;
  /** Record each run in S.out (EmitMode.results); default true. */
  results?: boolean;
}

/**
 * Nesting limit of the structured layout: every label is one level of nested blocks, and
 * V8's parser runs out of stack somewhere past 1500 levels (less on a small thread stack;
 * cache.ts falls back to the switch when it does). Larger programs use the switch.
 */
export const MAX_LABELS = 1000;

/** Blocks some jump reaches other than by falling through: the labels of the structured layout. */
function labelledBlocks(cfg: Cfg): Set<number> {
  const labelled = new Set<number>();
  for (const id of cfg.reachable) {
    const b = cfg.blocks.get(id)!;
    if ((b.term === 'ja' || b.term === 'cond') && b.target !== b.end) labelled.add(b.target);
  }
  return labelled;
}

/** How a program will be laid out. */
export function layoutOf(cfg: Cfg): 'structured' | 'switch' {
  return cfg.forwardOnly && !cfg.hasLocalCalls && labelledBlocks(cfg).size <= MAX_LABELS ? 'structured' : 'switch';
}

/** Whether running `prog` can need the budget: any loop or local call, or fewer steps allowed than instructions. */
export function needsBudget(cfg: Cfg, budget: number): boolean {
  return layoutOf(cfg) === 'switch' || budget < cfg.len + 1;
}

/** Entry bindings, in this order, of the locals the code uses. */
const STATE_LOCALS: ReadonlyArray<[StateLocal, string]> = [
  ['cv', 'cv = S.cv(env.ctx)'], ['cl', 'cl = env.ctx.length'], ['mv', 'mv = S.mv(env.mem)'], ['ml', 'ml = env.mem ? env.mem.length : 0'],
  ['sv', 'sv = S.sv'], ['fl', 'FL = S.fl'], ['fh', 'FH = S.fh'], ['cs', 'CS = S.cs'], ['B', 'B = S.budget'],
];

/** What holds where a block starts: known register halves and the steps executed so far. */
interface Entry {
  k: Knowledge;
  s: Steps;
}

/** Steps where paths meet: a constant if they agree, else `st` (each edge then sets it). */
function meetSteps(all: Steps[]): Steps {
  const first = all[0]!;
  if (all.every((x) => x.dyn === first.dyn && x.k === first.k)) return { ...first };
  return { dyn: true, k: 0 };
}

/** Knowledge and steps after the body of `b` (its terminator included), from `e`. */
function throughBlock(b: Block, e: Entry, prog: Program, budgeted: boolean): Entry {
  const k = e.k.clone();
  for (const pc of b.pcs) transfer(k, prog[pc]!, prog[pc + 1]);
  return { k, s: budgeted ? { dyn: true, k: 0 } : { dyn: e.s.dyn, k: e.s.k + Math.max(b.pcs.length, b.start === prog.length ? 1 : 0) } };
}

/**
 * Block entries. Forward-only programs: one pass in pc order (every predecessor comes first).
 * Others: a fixpoint over the CFG; with local calls, nothing is known at any block entry
 * (registers flow between frames), so edges and calls write every known half.
 */
function blockEntries(cfg: Cfg, prog: Program, variant: Variant, layout: 'structured' | 'switch', budgeted: boolean): Map<number, Entry> {
  const entry = new Map<number, Entry>();
  const start: Entry = { k: entryKnowledge(variant), s: budgeted ? { dyn: true, k: 0 } : { dyn: false, k: 0 } };
  if (layout === 'structured') {
    const incoming = new Map<number, Entry[]>([[0, [start]]]);
    for (const id of cfg.reachable) {
      const ins = incoming.get(id)!;
      const k = ins[0]!.k.clone();
      for (const x of ins.slice(1)) k.join(x.k);
      const e: Entry = { k, s: meetSteps(ins.map((x) => x.s)) };
      entry.set(id, e);
      const out = throughBlock(cfg.blocks.get(id)!, e, prog, budgeted);
      for (const t of cfg.blocks.get(id)!.succ) {
        const list = incoming.get(t);
        if (list) list.push(out); else incoming.set(t, [out]);
      }
    }
    return entry;
  }
  const dyn = (): Steps => ({ dyn: true, k: 0 });
  if (cfg.hasLocalCalls) {
    for (const id of cfg.reachable) entry.set(id, { k: new Knowledge(), s: dyn() });
    return entry;
  }
  entry.set(0, { k: start.k, s: dyn() });
  const work = [0];
  const queued = new Set(work);
  while (work.length > 0) {
    const id = work.shift()!;
    queued.delete(id);
    const b = cfg.blocks.get(id)!;
    const out = throughBlock(b, entry.get(id)!, prog, true);
    for (const t of b.succ) {
      const cur = entry.get(t);
      const changed = cur === undefined ? (entry.set(t, { k: out.k.clone(), s: dyn() }), true) : cur.k.join(out.k);
      if (changed && !queued.has(t)) { queued.add(t); work.push(t); }
    }
  }
  return entry;
}

/** Emits the body of one block (terminator included) for the given layout. */
class BlockWriter {
  constructor(
    readonly e: InsnEmitter, readonly cfg: Cfg, readonly prog: Program, readonly layout: 'structured' | 'switch',
    readonly budgeted: boolean, readonly entry: ReadonlyMap<number, Entry>, readonly live: Liveness,
  ) {}

  /** Edge code plus the transfer of control to block `target` from the end of block `b`. */
  private goto(b: Block, target: number): string {
    const to = this.entry.get(target)!;
    const edge = this.e.edge(to.k, to.s, this.live.blockIn.get(target)!);
    if (this.layout === 'structured') {
      if (target === b.end) return edge;
      return edge === '' ? `break ${label(target)};` : `{ ${edge} break ${label(target)}; }`;
    }
    return `{ ${edge === '' ? '' : `${edge} `}pc = ${num(target)}; continue loop; }`;
  }

  /** Edge code into the block after `b`, which it runs into. */
  private fallInto(b: Block): void {
    const to = this.entry.get(b.end)!;
    this.e.line(this.e.edge(to.k, to.s, this.live.blockIn.get(b.end)!));
  }

  private count(pc: number): void {
    const e = this.e;
    if (this.budgeted) {
      e.use('B');
      e.line(`if (++st > B) throw bf(S, ${num(pc)}, st - 1);`);
    } else {
      e.s = { dyn: e.s.dyn, k: e.s.k + 1 };
    }
  }

  write(b: Block): void {
    const e = this.e;
    const start = this.entry.get(b.start)!;
    e.k = start.k.clone();
    e.s = { ...start.s };
    if (b.start === this.cfg.len) { // ran past the last instruction
      this.count(b.start);
      e.line(`throw fo(S, ${e.steps()});`);
      return;
    }
    for (let j = 0; j < b.pcs.length; j++) {
      const pc = b.pcs[j]!;
      this.count(pc);
      e.live = this.live.after[pc]!;
      if (j === b.pcs.length - 1 && b.term !== 'fall') {
        this.terminator(b, pc);
        return;
      }
      e.insn(pc);
    }
    this.fallInto(b);
  }

  /** Every known half written to its variable (before code that knows nothing runs). */
  private spillKnown(): string {
    return this.e.edge(new Knowledge(), { dyn: true, k: 0 }, ALL);
  }

  private terminator(b: Block, pc: number): void {
    const e = this.e;
    const i = this.prog[pc]!;
    switch (b.term) {
      case 'ja':
        e.line(this.goto(b, b.target));
        return;
      case 'cond': {
        if (b.target !== b.end) {
          const g = this.goto(b, b.target);
          e.line(`if (${e.condition(i)}) ${g.startsWith('{') || g.startsWith('break') ? g : `{ ${g} }`}`);
        }
        this.fallInto(b);
        return;
      }
      case 'exit': {
        if (!this.cfg.hasLocalCalls) { e.line(e.finish(pc)); return; }
        // Return from a local call: the caller's R6-R9 and frame pointer come back.
        e.use('cs');
        const restore = [6, 7, 8, 9].map((r, n) => `${lo(r)} = CS[t + ${num(1 + 2 * n)}]; ${hi(r)} = CS[t + ${num(2 + 2 * n)}];`).join(' ');
        e.line(`if (dp === 0) { ${e.finish(pc)} }`);
        e.line(this.spillKnown());
        e.line(`dp = dp - 1; t = dp * 9; pc = CS[t]; ${restore} l10 = ${num(REGION_BASE + STACK_BYTES)} - dp * ${num(STACK_FRAME_BYTES)}; continue loop;`);
        return;
      }
      case 'call': {
        e.use('cs');
        const save = [6, 7, 8, 9].map((r, n) => `CS[t + ${num(1 + 2 * n)}] = ${e.L(r)}; CS[t + ${num(2 + 2 * n)}] = ${e.H(r)};`).join(' ');
        e.line(`if (dp >= ${num(MAX_CALL_FRAMES - 1)}) throw dc(S, ${num(pc)}, ${e.steps()});`);
        e.line(`t = dp * 9; CS[t] = ${num(b.end)}; ${save}`);
        e.line(this.spillKnown());
        e.line(`dp = dp + 1; l10 = ${num(REGION_BASE + STACK_BYTES)} - dp * ${num(STACK_FRAME_BYTES)}; pc = ${num(b.target)}; continue loop;`);
        return;
      }
      default: return;
    }
  }
}

/** The body of the run function (everything after its parameter list). */
export function generateSource(prog: Program, opts: CodegenOptions, cfg: Cfg = buildCfg(prog)): string {
  const layout = opts.forceSwitch ? 'switch' : layoutOf(cfg);
  const budgeted = opts.budgeted || layout === 'switch';
  const e = new InsnEmitter(prog, { budgeted, localCalls: cfg.hasLocalCalls, results: opts.results ?? true });
  const entry = blockEntries(cfg, prog, opts.variant, layout, budgeted);
  const w = new BlockWriter(e, cfg, prog, layout, budgeted, entry, liveness(cfg, prog));

  if (layout === 'structured') {
    const labelled = labelledBlocks(cfg);
    e.line([...labelled].sort((a, b) => b - a).map((t) => `${label(t)}: {`).join(' '));
    for (const id of cfg.reachable) {
      if (labelled.has(id)) e.line('}');
      w.write(cfg.blocks.get(id)!);
    }
  } else {
    e.line('loop: for (;;) { switch (pc) {');
    for (const id of cfg.reachable) {
      e.line(`case ${num(id)}:`);
      w.write(cfg.blocks.get(id)!);
    }
    e.line('default: throw fo(S, st); } }');
  }

  let body = e.out;
  if (e.uses.has('fail')) body = ['fail: {', ...body, '}', `${e.record('st', '0', -1)}return 0;`];
  const text = body.join('\n');

  // Declare the locals the code mentions, with their entry values.
  const init = entryKnowledge(opts.variant);
  const mentioned = new Set(text.match(/\b[lh](?:10|[0-9])\b/g) ?? []);
  const regs: string[] = [];
  for (let r = 0; r <= 10; r++) {
    const l = init.lo[r] ?? null;
    if (mentioned.has(lo(r))) regs.push(`${lo(r)} = ${l === null ? 'ml' : num(l)}`);
    if (mentioned.has(hi(r))) regs.push(`${hi(r)} = ${num(init.hi[r]!)}`);
  }
  if (opts.variant === 'mem' && mentioned.has(lo(2))) e.use('ml');
  for (const [name, value] of [['st', '0'], ['t', '0'], ['v', 'null'], ['r', 'null'], ['pc', '0'], ['dp', '0']] as const) {
    if (new RegExp(`\\b${name}\\b`).test(text)) regs.push(`${name} = ${value}`);
  }
  const locals = STATE_LOCALS.filter(([name]) => e.uses.has(name)).map(([, decl]) => decl);
  return [
    ...(locals.length > 0 ? [`const ${locals.join(', ')};`] : []),
    ...(regs.length > 0 ? [`let ${regs.join(', ')};`] : []),
    text,
  ].join('\n');
}

/** The bodies of both entries: run(env)'s, and for the ctx variant the packet entry's. */
export function generateBodies(prog: Program, opts: Omit<CodegenOptions, 'results'>, cfg: Cfg = buildCfg(prog)): Bodies {
  return {
    run: generateSource(prog, opts, cfg),
    packet: opts.variant === 'ctx' ? generateSource(prog, { ...opts, results: false }, cfg) : null,
  };
}

/** A compiled program bound to one engine's state: runs it once over env. */
export type RunFn = (env: ExecEnv) => number;
/** The packet entry (Engine.runPacket): the window as arguments, the run not recorded. */
export type PacketRunFn = (env: ExecEnv, view: DataView, start: number, len: number) => number;
/** The entries of a compiled program bound to one engine (the mem variant has no packet entry). */
export interface BoundRun {
  readonly run: RunFn;
  readonly packet: PacketRunFn | null;
}
/** Binds a compiled program to an engine's state (and the run of the other variant, for env.mem). */
export type MakeRun = (S: JitState, other: RunFn | null) => BoundRun;
type Factory = (rt: Runtime) => MakeRun;

/** The bodies of a compiled program's entries (generateSource's output). */
export interface Bodies {
  /** run(env): records each run in S.out. */
  readonly run: string;
  /** runPacket: the same code without the records; null for the mem variant. */
  readonly packet: string | null;
}

/**
 * Compiles the bodies into a MakeRun. A body takes the packet window as parameters (`pd`
 * a DataView over the buffer, `ps` start, `pl` length), binds what it uses of env to locals
 * (`cv`/`cl` context, `mv`/`ml` caller memory), then runs. `run(env)` passes env's packet
 * window; `packet(env, view, start, len)` is for a loop that holds a buffer of packets (as
 * libpcap's bpf_filter takes one): its DataView stays the same across calls, so V8 keeps
 * it in registers. The ctx variant's `run` hands runs with caller memory to `other` (the
 * mem variant). Each engine gets its own closures, so a caller's call site sees one target
 * and V8 can inline the whole program into the caller's loop.
 */
export function instantiate(bodies: Bodies, variant: Variant, runtime: Runtime): MakeRun {
  // new Function is safe here only because the generated source obeys source.ts's invariant.
  const factory = new Function('$', factorySource(bodies, variant)) as Factory;
  return factory(runtime);
}

/** The whole text handed to `new Function('$', ...)`: runtime bindings, the entries around the bodies. */
export function factorySource(bodies: Bodies, variant: Variant): string {
  const bind = RUNTIME_NAMES.map((n) => `${n} = $.${n}`).join(', ');
  const dispatch = variant === 'ctx' ? 'if (env.mem) return other(env); ' : '';
  // The packet entry checks nothing before it runs: in a loop over packets that miss the cache,
  // any test of the arguments (even a comparison with a remembered length) doubles the time
  // of a short filter. A failure is examined instead (pw): arguments at fault (a window past
  // the view, a view that is no DataView) become an ArgumentError, as the interpreter's
  // checks up front would make them.
  const packet = bodies.packet === null ? 'null'
    : `function (env, pd, ps, pl) {\ntry {\n${bodies.packet}\n} catch (e) { throw pw(e, env, pd, ps, pl); }\n}`;
  return `const ${bind};\nreturn function (S, other) { const R = S.out; const body = function (env, pd, ps, pl) {\n${bodies.run}\n};\n`
    + `return { packet: ${packet}, run: function (env) { ev(env); ${dispatch}return body(env, env.pktView(), env.pktStart, env.pktLen); } }; };`;
}
