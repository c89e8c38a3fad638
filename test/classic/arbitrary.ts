/**
 * fast-check arbitraries for classic BPF, shared by every differential test: random programs
 * that Linux's checker accepts (all 49 forms, forward jumps only, scratch memory written
 * before it is read, ending in ret), mostly-in-bounds packet loads, packets, socket metadata
 * and seccomp_data.
 *
 *   fc.assert(fc.property(arbClassicProgram(), arbPacket(), (prog, pkt) => ...))
 */
import fc from 'fast-check';
import { type ClassicForm, type ClassicInsn, type ClassicProgram, CLASSIC_FORMS, classicForm, insn } from '../../src/classic/insn.js';
import {
  BPF_DIV, BPF_LSH, BPF_MOD, BPF_RSH, BPF_W, SKF_AD, SKF_AD_OFF, SKF_LL_OFF, SKF_NET_OFF, bpfOp, bpfSize,
} from '../../src/abi/opcodes.js';
import { type SkbMeta, SECCOMP_DATA_SIZE, defaultSkbMeta } from '../../src/abi/ctx.js';

export interface ArbClassicOptions {
  /** Program length bounds (default 1..32; Linux allows up to 4096). */
  minLength?: number;
  maxLength?: number;
  /** `seccomp`: only what seccomp_check_filter accepts (ld [k] into seccomp_data, no mod, ...). */
  profile?: 'socket' | 'seccomp';
  /** Include ancillary loads (SKF_AD_*). Default true. */
  ancillary?: boolean;
  /** Include SKF_NET_OFF / SKF_LL_OFF loads. Default true. */
  negativeOffsets?: boolean;
  /** Packet loads mostly aim inside this many bytes (default 64). */
  packetSpan?: number;
}

/** Raw random choices for one instruction; `buildProgram` turns them into a valid one. */
interface Slot {
  form: number;
  pick: number;
  small: number;
  any: number;
  jt: number;
  jf: number;
}

const slotArb: fc.Arbitrary<Slot> = fc.record({
  form: fc.nat({ max: 9999 }),
  pick: fc.nat({ max: 99 }),
  small: fc.nat({ max: 0xffff }),
  any: fc.nat({ max: 0xffffffff }),
  jt: fc.nat({ max: 255 }),
  jf: fc.nat({ max: 255 }),
});

/** Constants that make comparisons and arithmetic interesting. */
const EDGES = [0, 1, 2, 0x7f, 0x80, 0xff, 0x800, 0x86dd, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

const ANCILLARY = Object.values(SKF_AD);

function isSeccompForm(f: ClassicForm): boolean {
  switch (f.kind) {
    case 'ld-abs': return bpfSize(f.code) === BPF_W;
    case 'ld-ind': case 'ldx-msh': return false;
    case 'alu-k': case 'alu-x': return bpfOp(f.code) !== BPF_MOD;
    default: return true;
  }
}

/** Forms weighted so that loads and jumps, the interesting parts, come up often. */
function weightedForms(profile: 'socket' | 'seccomp'): ClassicForm[] {
  const out: ClassicForm[] = [];
  for (const f of CLASSIC_FORMS) {
    if (profile === 'seccomp' && !isSeccompForm(f)) continue;
    let w = 2;
    if (f.kind === 'ld-abs' || f.kind === 'ld-ind' || f.kind === 'jmp-k') w = 6;
    else if (f.kind === 'jmp-x' || f.kind === 'ldx-imm' || f.kind === 'ldx-msh' || f.kind === 'st' || f.kind === 'stx') w = 3;
    else if (f.kind === 'ret-k' || f.kind === 'ret-a') w = 1;
    for (let n = 0; n < w; n++) out.push(f);
  }
  return out;
}

function valueK(s: Slot, span: number): number {
  if (s.pick < 35) return s.small % (span + 16);
  if (s.pick < 60) return EDGES[s.small % EDGES.length]!;
  return s.any >>> 0;
}

function absK(s: Slot, opts: Required<ArbClassicOptions>): number {
  const span = opts.packetSpan;
  if (opts.profile === 'seccomp') return (s.small % (SECCOMP_DATA_SIZE / 4)) * 4;
  if (s.pick < 70) return s.small % (span + 8);
  if (s.pick < 80 && opts.ancillary) return (SKF_AD_OFF + ANCILLARY[s.small % ANCILLARY.length]!) >>> 0;
  if (s.pick < 87 && opts.negativeOffsets) return (SKF_NET_OFF + (s.small % span)) >>> 0;
  if (s.pick < 93 && opts.negativeOffsets) return (SKF_LL_OFF + (s.small % span)) >>> 0;
  if (s.pick < 93) return s.small % (span + 8);
  // Anything else must stay out of the SKF_AD area, which holds only the known fields.
  const k = s.any >>> 0;
  return k >= SKF_AD_OFF >>> 0 ? k & 0x7fffffff : k;
}

function indK(s: Slot, span: number): number {
  if (s.pick < 75) return s.small % span;
  if (s.pick < 88) return (-(1 + (s.small % 16))) >>> 0;
  return s.any >>> 0;
}

function buildInsn(s: Slot, pc: number, len: number, forms: ClassicForm[], opts: Required<ArbClassicOptions>): ClassicInsn {
  if (pc === len - 1) return insn(s.form % 2 ? 0x16 : 0x06, 0, 0, s.form % 2 ? 0 : valueK(s, opts.packetSpan));
  const f = forms[s.form % forms.length]!;
  const room = len - pc - 2; // farthest forward offset that still lands inside the program
  switch (f.kind) {
    case 'ld-abs': return insn(f.code, 0, 0, absK(s, opts));
    case 'ld-ind': return insn(f.code, 0, 0, indK(s, opts.packetSpan));
    case 'ldx-msh': return insn(f.code, 0, 0, s.pick < 80 ? s.small % (opts.packetSpan + 4) : s.any);
    case 'ld-mem': case 'ldx-mem': case 'st': case 'stx': return insn(f.code, 0, 0, s.small % 16);
    case 'alu-k': {
      const op = bpfOp(f.code);
      if (op === BPF_LSH || op === BPF_RSH) return insn(f.code, 0, 0, s.small % 32);
      const k = valueK(s, opts.packetSpan);
      if ((op === BPF_DIV || op === BPF_MOD) && k === 0) return insn(f.code, 0, 0, 1 + (s.small % 7));
      return insn(f.code, 0, 0, k);
    }
    case 'ja': return insn(f.code, 0, 0, s.any % (room + 1));
    case 'jmp-k': case 'jmp-x': {
      const reach = Math.min(255, room);
      return insn(f.code, s.jt % (reach + 1), s.jf % (reach + 1), f.kind === 'jmp-k' ? valueK(s, opts.packetSpan) : 0);
    }
    case 'ret-k': return insn(f.code, 0, 0, valueK(s, opts.packetSpan));
    case 'ld-imm': case 'ldx-imm':
      // Mostly small, so that X makes [x + k] land inside the packet.
      return insn(f.code, 0, 0, s.pick < 50 ? s.small % opts.packetSpan : valueK(s, opts.packetSpan));
    default: return insn(f.code, 0, 0, s.pick < 50 ? valueK(s, opts.packetSpan) : 0);
  }
}

/**
 * Makes every scratch-memory read pass Linux's walk by turning the offending load into a
 * store to the same word. One pass in program order suffices: a store only adds to what is
 * initialised further on.
 */
export function fixScratchMemory(prog: ClassicInsn[]): ClassicInsn[] {
  const len = prog.length;
  const masks = new Uint16Array(len).fill(0xffff);
  let valid = 0;
  for (let pc = 0; pc < len; pc++) {
    let i = prog[pc]!;
    valid &= masks[pc]!;
    const kind = classicForm(i.code)?.kind;
    if ((kind === 'ld-mem' || kind === 'ldx-mem') && !(valid & (1 << i.k))) {
      i = insn(kind === 'ld-mem' ? 0x02 : 0x03, 0, 0, i.k);
      prog[pc] = i;
    }
    switch (classicForm(i.code)?.kind) {
      case 'st': case 'stx': valid |= 1 << i.k; break;
      case 'ja': masks[pc + 1 + i.k]! &= valid; valid = 0xffff; break;
      case 'jmp-k': case 'jmp-x':
        masks[pc + 1 + i.jt]! &= valid;
        masks[pc + 1 + i.jf]! &= valid;
        valid = 0xffff;
        break;
      default: break;
    }
  }
  return prog;
}

function withDefaults(opts: ArbClassicOptions): Required<ArbClassicOptions> {
  return {
    minLength: opts.minLength ?? 1,
    maxLength: opts.maxLength ?? 32,
    profile: opts.profile ?? 'socket',
    ancillary: opts.ancillary ?? opts.profile !== 'seccomp',
    negativeOffsets: opts.negativeOffsets ?? opts.profile !== 'seccomp',
    packetSpan: opts.packetSpan ?? 64,
  };
}

/** Random classic programs that pass checkClassic (with `profile`), 1..32 instructions by default. */
export function arbClassicProgram(options: ArbClassicOptions = {}): fc.Arbitrary<ClassicProgram> {
  const opts = withDefaults(options);
  const forms = weightedForms(opts.profile);
  // An explicit length: fast-check's own array sizes lean to a handful of elements.
  const length = fc.integer({ min: Math.max(1, opts.minLength), max: opts.maxLength });
  return length.chain((n) => fc.array(slotArb, { minLength: n, maxLength: n })).map((slots) => {
    const prog = slots.map((s, pc) => buildInsn(s, pc, slots.length, forms, opts));
    return fixScratchMemory(prog);
  });
}

export interface ArbPacket {
  /** Captured bytes. */
  bytes: Uint8Array;
  /** Length on the wire (>= bytes.length). */
  wirelen: number;
}

/**
 * Packets of 0..maxLength captured bytes (default 96), mostly longer than the offsets the
 * program generator aims at, sometimes truncated on capture (wire length > captured).
 */
export function arbPacket(opts: { maxLength?: number } = {}): fc.Arbitrary<ArbPacket> {
  const max = opts.maxLength ?? 96;
  const length = fc.oneof(
    { arbitrary: fc.integer({ min: Math.floor((max * 2) / 3), max }), weight: 3 },
    { arbitrary: fc.integer({ min: 0, max }), weight: 1 },
  );
  return fc.record({
    bytes: length.chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
    extra: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.nat({ max: 1500 }), weight: 1 }),
  }).map(({ bytes, extra }) => ({ bytes, wirelen: bytes.length + extra }));
}

/** Socket metadata with every field random; `len` is filled by the caller (the wire length). */
export function arbSkbMeta(): fc.Arbitrary<SkbMeta> {
  const u32 = fc.nat({ max: 0xffffffff });
  return fc.record({
    protocol: fc.constantFrom(0x0800, 0x86dd, 0x0806, 0x8100, 0x0003),
    pktType: fc.nat({ max: 7 }),
    ifindex: fc.nat({ max: 64 }),
    mark: u32,
    queueMapping: fc.nat({ max: 0xffff }),
    hatype: fc.constantFrom(1, 772, 65534, 776),
    hash: u32,
    priority: u32,
    vlanPresent: fc.constantFrom(0, 1),
    vlanTci: fc.nat({ max: 0xffff }),
    vlanProto: fc.constantFrom(0x8100, 0x88a8),
    netOff: fc.constantFrom(-1, 0, 14, 18),
    payOffset: fc.nat({ max: 128 }),
    cpu: fc.nat({ max: 63 }),
  }).map((r) => ({ ...defaultSkbMeta(), ...r, len: 0 }));
}

/** A random 64-byte `struct seccomp_data`. */
export function arbSeccompData(): fc.Arbitrary<Uint8Array> {
  return fc.uint8Array({ minLength: SECCOMP_DATA_SIZE, maxLength: SECCOMP_DATA_SIZE });
}
