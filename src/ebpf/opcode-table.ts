/**
 * The one table of internal BPF opcodes: every code byte RFC 9669 defines (plus the legacy
 * packet loads it lists), with what each one is. Validation, the printers, the assembler,
 * the engines and the verifier read opcodes through it instead of taking code bits apart
 * themselves; an opcode byte is valid exactly when `OPCODES[code]` is defined.
 *
 * Some instructions share a code byte and differ in another field: signed division and
 * modulo and the sign-extending moves (off), the byte-swap width and the atomic operation
 * (imm), helper, local and kernel-function calls (src). An entry says which field selects
 * the operation (`selects`) and the values it may hold (`rules`); `insnRegs` gives the
 * registers of a whole instruction, those variants included.
 */
import {
  ATOMIC_ALU_OPS, BPF_ABS, BPF_ADD, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_ATOMIC, BPF_B, BPF_CALL, BPF_CMPXCHG,
  BPF_DIV, BPF_DW, BPF_END, BPF_EXIT, BPF_FETCH, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE,
  BPF_JLT, BPF_JMP, BPF_JMP32, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_K, BPF_LD, BPF_LDX,
  BPF_LSH, BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_MUL, BPF_NEG, BPF_OR, BPF_PSEUDO_CALL, BPF_RSH, BPF_ST, BPF_STX,
  BPF_SUB, BPF_W, BPF_X, BPF_XCHG, BPF_XOR, R0, R6, SIZE_NAMES,
} from './opcodes.js';
import type { Insn } from './shape.js';

/** What an instruction does, at the level every consumer switches on. */
export type InsnKind =
  | 'alu'     // dst = dst op src|imm (mov: dst = src|imm), 32 or 64 bits
  | 'neg'     // dst = -dst
  | 'end'     // byte swap / truncation of dst to imm bits
  | 'lddw'    // dst = 64-bit immediate (two slots)
  | 'ldabs'   // R0 = big-endian packet load at imm
  | 'ldind'   // R0 = big-endian packet load at src + imm
  | 'ldx'     // dst = *(size *)(src + off), zero- or (MEMSX) sign-extended
  | 'st'      // *(size *)(dst + off) = imm
  | 'stx'     // *(size *)(dst + off) = src
  | 'atomic'  // read-modify-write of *(size *)(dst + off) with src (imm says which)
  | 'ja'      // unconditional jump
  | 'jcond'   // conditional jump
  | 'call'    // helper (src 0), local function (src 1) or kernel function (src 2)
  | 'callx'   // helper whose id is in dst
  | 'exit';

/**
 * How an instruction ends a basic block: it falls through, jumps, may jump, ends the
 * function, or calls (a helper call returns to the next instruction like an ordinary one;
 * a local call is a control transfer: see `blockEnd`).
 */
export type BlockEnd = 'fall' | 'jump' | 'cond' | 'exit' | 'call';

/** What a register field is to an instruction. `write` also means R10 may not appear there. */
export type RegRole = 'zero' | 'read' | 'write' | 'readwrite' | 'base' | 'any';

/** Values a field may hold: 0 only, a list, a set; absent: anything. */
export type FieldRule = 'zero' | readonly number[] | ReadonlySet<number>;

export interface OpcodeInfo {
  readonly code: number;
  /** BPF_LD ... BPF_ALU64. */
  readonly cls: number;
  readonly kind: InsnKind;
  /** The ALU or JMP operation (BPF_ADD, BPF_JEQ, ...), BPF_END for byte swaps; -1 for loads and stores. */
  readonly op: number;
  /** The mode of a load or store (BPF_IMM, BPF_ABS, BPF_IND, BPF_MEM, BPF_MEMSX, BPF_ATOMIC); -1 otherwise. */
  readonly mode: number;
  /** Bytes a load or store moves (LD IMM64: 8); 0 for the rest. */
  readonly size: 0 | 1 | 2 | 4 | 8;
  /** The source bit: BPF_K (immediate) or BPF_X (register); for END, TO_LE or TO_BE. */
  readonly source: number;
  /** Width of the operation on registers: 32 for ALU and JMP32 (upper halves untouched or zeroed), 64 otherwise. */
  readonly width: 32 | 64;
  /** Short name for messages: `add64 imm`, `ldxw`, `jeq32 reg`, `be`, `atomic dw`. */
  readonly mnemonic: string;
  readonly end: BlockEnd;
  readonly dst: RegRole;
  readonly src: RegRole;
  readonly off?: FieldRule;
  readonly imm?: FieldRule;
  /** The field that picks the operation among those sharing the code (sdiv, movsx, bswap width, atomic op). */
  readonly selects: 'off' | 'imm' | null;
}

const ALU_NAMES: Readonly<Record<number, string>> = {
  [BPF_ADD]: 'add', [BPF_SUB]: 'sub', [BPF_MUL]: 'mul', [BPF_DIV]: 'div', [BPF_OR]: 'or', [BPF_AND]: 'and',
  [BPF_LSH]: 'lsh', [BPF_RSH]: 'rsh', [BPF_NEG]: 'neg', [BPF_MOD]: 'mod', [BPF_XOR]: 'xor', [BPF_MOV]: 'mov',
  [BPF_ARSH]: 'arsh', [BPF_END]: 'end',
};
const JCOND_NAMES: Readonly<Record<number, string>> = {
  [BPF_JEQ]: 'jeq', [BPF_JGT]: 'jgt', [BPF_JGE]: 'jge', [BPF_JSET]: 'jset', [BPF_JNE]: 'jne', [BPF_JSGT]: 'jsgt',
  [BPF_JSGE]: 'jsge', [BPF_JLT]: 'jlt', [BPF_JLE]: 'jle', [BPF_JSLT]: 'jslt', [BPF_JSLE]: 'jsle',
};
const SIZE_OF: Readonly<Record<number, 1 | 2 | 4 | 8>> = { [BPF_W]: 4, [BPF_H]: 2, [BPF_B]: 1, [BPF_DW]: 8 };

/** Atomic operations (imm of STX|ATOMIC): ADD OR AND XOR, each with or without FETCH; XCHG; CMPXCHG. */
export const ATOMIC_IMMS: ReadonlySet<number> = new Set([
  ...ATOMIC_ALU_OPS.flatMap((op) => [op, op | BPF_FETCH]), BPF_XCHG, BPF_CMPXCHG,
]);
/** Register moves may sign-extend (MOVSX) from 8 or 16 bits, and ALU64 ones from 32. */
const MOVSX32_OFFS: readonly number[] = [0, 8, 16];
const MOVSX64_OFFS: readonly number[] = [0, 8, 16, 32];
/** off 1 on a division or modulo: the signed form. */
const SDIV_OFFS: readonly number[] = [0, 1];
const END_WIDTHS: readonly number[] = [16, 32, 64];

type Entry = Omit<OpcodeInfo, 'code' | 'selects'> & { selects?: OpcodeInfo['selects'] };

function aluEntry(cls: number, op: number, source: number): Entry | null {
  const is64 = cls === BPF_ALU64;
  const isX = source === BPF_X;
  const w = is64 ? '64' : '32';
  const base = { cls, op, mode: -1, size: 0 as const, source, width: is64 ? 64 as const : 32 as const, end: 'fall' as const };
  if (op === BPF_NEG) {
    if (isX) return null;
    return { ...base, kind: 'neg', mnemonic: `neg${w}`, dst: 'readwrite', src: 'zero', off: 'zero', imm: 'zero', selects: 'off' };
  }
  if (op === BPF_END) {
    if (is64 && isX) return null; // the ALU64 byte swap has no TO_BE form
    const mnemonic = is64 ? 'bswap' : isX ? 'be' : 'le';
    return { ...base, kind: 'end', mnemonic, dst: 'readwrite', src: 'zero', off: 'zero', imm: END_WIDTHS, selects: 'imm' };
  }
  const name = ALU_NAMES[op];
  if (name === undefined) return null;
  let off: FieldRule = 'zero';
  if (op === BPF_DIV || op === BPF_MOD) off = SDIV_OFFS;
  else if (op === BPF_MOV && isX) off = is64 ? MOVSX64_OFFS : MOVSX32_OFFS;
  const dst: RegRole = op === BPF_MOV ? 'write' : 'readwrite';
  const mnemonic = `${name}${w} ${isX ? 'reg' : 'imm'}`;
  return isX
    ? { ...base, kind: 'alu', mnemonic, dst, src: 'read', off, imm: 'zero', selects: 'off' }
    : { ...base, kind: 'alu', mnemonic, dst, src: 'zero', off, selects: 'off' };
}

function jmpEntry(cls: number, op: number, source: number): Entry | null {
  const is32 = cls === BPF_JMP32;
  const isX = source === BPF_X;
  const base = { cls, op, mode: -1, size: 0 as const, source, width: is32 ? 32 as const : 64 as const };
  if (op === BPF_JA) {
    if (isX) return null;
    // JMP32 JA is the long jump: its offset is imm.
    return is32
      ? { ...base, kind: 'ja', mnemonic: 'ja32', end: 'jump', dst: 'zero', src: 'zero', off: 'zero' }
      : { ...base, kind: 'ja', mnemonic: 'ja', end: 'jump', dst: 'zero', src: 'zero', imm: 'zero' };
  }
  if (op === BPF_CALL) {
    if (is32) return null;
    if (isX) return { ...base, kind: 'callx', mnemonic: 'callx', end: 'fall', dst: 'read', src: 'zero', off: 'zero', imm: 'zero' };
    // src: 0 helper, 1 local call, 2 kfunc (refused by validation, printed by the disassemblers).
    return { ...base, kind: 'call', mnemonic: 'call', end: 'call', dst: 'zero', src: 'any', off: 'zero' };
  }
  if (op === BPF_EXIT) {
    if (is32 || isX) return null;
    return { ...base, kind: 'exit', mnemonic: 'exit', end: 'exit', dst: 'zero', src: 'zero', off: 'zero', imm: 'zero' };
  }
  const name = JCOND_NAMES[op];
  if (name === undefined) return null;
  const mnemonic = `${name}${is32 ? '32' : ''} ${isX ? 'reg' : 'imm'}`;
  return isX
    ? { ...base, kind: 'jcond', mnemonic, end: 'cond', dst: 'read', src: 'read', imm: 'zero' }
    : { ...base, kind: 'jcond', mnemonic, end: 'cond', dst: 'read', src: 'zero' };
}

function memEntry(code: number): Entry | null {
  const cls = code & 0x07, mode = code & 0xe0, sizeBits = code & 0x18;
  const size = SIZE_OF[sizeBits]!;
  const sz = SIZE_NAMES[sizeBits]!;
  const base = { cls, op: -1, mode, size, source: BPF_K, width: 64 as const, end: 'fall' as const };
  switch (cls) {
    case BPF_LD:
      if (code === (BPF_LD | BPF_IMM | BPF_DW)) return { ...base, kind: 'lddw', mnemonic: 'lddw', dst: 'write', src: 'zero', off: 'zero' };
      if (sizeBits === BPF_DW) return null;
      if (mode === BPF_ABS) return { ...base, kind: 'ldabs', mnemonic: `ldabs${sz}`, dst: 'zero', src: 'zero', off: 'zero' };
      if (mode === BPF_IND) return { ...base, kind: 'ldind', mnemonic: `ldind${sz}`, dst: 'zero', src: 'read', off: 'zero' };
      return null;
    case BPF_LDX:
      if (mode === BPF_MEM) return { ...base, kind: 'ldx', mnemonic: `ldx${sz}`, dst: 'write', src: 'base', imm: 'zero' };
      if (mode === BPF_MEMSX && sizeBits !== BPF_DW) return { ...base, kind: 'ldx', mnemonic: `ldxs${sz}`, dst: 'write', src: 'base', imm: 'zero' };
      return null;
    case BPF_ST:
      return mode === BPF_MEM ? { ...base, kind: 'st', mnemonic: `st${sz}`, dst: 'base', src: 'zero' } : null;
    case BPF_STX:
      if (mode === BPF_MEM) return { ...base, kind: 'stx', mnemonic: `stx${sz}`, dst: 'base', src: 'read', imm: 'zero' };
      if (mode === BPF_ATOMIC && (sizeBits === BPF_W || sizeBits === BPF_DW)) {
        return { ...base, kind: 'atomic', mnemonic: `atomic ${sz}`, dst: 'base', src: 'read', imm: ATOMIC_IMMS, selects: 'imm' };
      }
      return null;
  }
  return null;
}

function entry(code: number): OpcodeInfo | undefined {
  const cls = code & 0x07, op = code & 0xf0, source = code & BPF_X;
  let e: Entry | null;
  if (cls === BPF_ALU || cls === BPF_ALU64) e = aluEntry(cls, op, source);
  else if (cls === BPF_JMP || cls === BPF_JMP32) e = jmpEntry(cls, op, source);
  else e = memEntry(code);
  return e === null ? undefined : Object.freeze({ ...e, code, selects: e.selects ?? null });
}

/** Every valid opcode byte's entry, indexed by the byte; undefined for the others. */
export const OPCODES: ReadonlyArray<OpcodeInfo | undefined> = Object.freeze(Array.from({ length: 256 }, (_, code) => entry(code)));

/** Why no instruction has code byte `code`, for messages. */
export function unknownOpcodeReason(code: number): string {
  const cls = code & 0x07, op = code & 0xf0, isX = (code & BPF_X) !== 0;
  if ((cls === BPF_ALU || cls === BPF_ALU64) && op === BPF_NEG && isX) return 'neg has no register form';
  if (cls === BPF_ALU64 && op === BPF_END && isX) return 'the ALU64 byte swap has no TO_BE form';
  return `unknown opcode 0x${(code & 0xff).toString(16).padStart(2, '0')}`;
}

/** The entry of a code byte, or undefined when no instruction has it. */
export const opcodeInfo = (code: number): OpcodeInfo | undefined => OPCODES[code & 0xff];

/** Whether `value` is one `rule` allows. */
export function fieldAllows(rule: FieldRule | undefined, value: number): boolean {
  if (rule === undefined) return true;
  if (rule === 'zero') return value === 0;
  return rule instanceof Set ? rule.has(value) : (rule as readonly number[]).includes(value);
}

/**
 * Whether the field that picks the operation holds a value that names one (sdiv: off 0 or
 * 1; bswap: imm 16, 32, 64; atomic: one of ATOMIC_IMMS). The printers print an instruction
 * only when this holds; validation checks every field (validate.ts).
 */
export function selectsValidOperation(info: OpcodeInfo, i: Insn): boolean {
  if (info.selects === 'off') return fieldAllows(info.off, i.off);
  if (info.selects === 'imm') return fieldAllows(info.imm, i.imm);
  return true;
}

/** How the instruction ends a block: a helper call (CALL with src 0) falls through, a local call is a `call`. */
export function blockEnd(info: OpcodeInfo, i: Insn): BlockEnd {
  return info.end === 'call' && i.src !== BPF_PSEUDO_CALL ? 'fall' : info.end;
}

/**
 * Where control goes after the instruction at `pc`: the next instruction it falls or returns
 * to (-1 when none) and the pc it jumps or calls to (-1 when none). The one rule of control
 * flow both graph builders follow (the verifier's, per instruction; the JIT's, in blocks).
 */
export function successors(prog: readonly Insn[], pc: number): [next: number, target: number] {
  const i = prog[pc]!;
  const info = OPCODES[i.code]!;
  switch (blockEnd(info, i)) {
    case 'fall': return [pc + (info.kind === 'lddw' ? 2 : 1), -1];
    case 'jump': return [-1, pc + 1 + (info.cls === BPF_JMP32 ? i.imm : i.off)];
    case 'cond': return [pc + 1, pc + 1 + i.off];
    case 'call': return [pc + 1, pc + 1 + i.imm]; // a local call returns to the next instruction
    case 'exit': return [-1, -1];
  }
}

/** R1-R5: the arguments of a call, whose values a call or a packet load leaves undefined. */
export const ARG_REGS = 0b111110;

export interface InsnRegs {
  /** Registers the instruction reads (bit r = Rr), memory bases included. */
  readonly reads: number;
  /** Registers it writes a defined value into. */
  readonly writes: number;
  /**
   * Registers whose value it leaves undefined (R1-R5 after a call or a packet load): the
   * kernel forbids reading them afterwards. Our engines keep them unchanged after a packet load.
   */
  readonly clobbers: number;
  /** Of `reads`, those read as a value, not only as a memory address (LDX src, ST/STX/atomic dst). */
  readonly values: number;
}

const NONE: InsnRegs = Object.freeze({ reads: 0, writes: 0, clobbers: 0, values: 0 });

/**
 * The registers a valid instruction reads and writes: the one use/def of internal BPF.
 * `helperArgs(id)` is how many arguments (R1..) helper `id` takes (5 when unknown). A local
 * call reads and writes nothing here: what crosses it is the callee's business, which the
 * analyses that follow calls model themselves. LD ABS/IND read R6 (the context, as the
 * kernel requires).
 */
export function insnRegs(i: Insn, helperArgs: (id: number) => number = () => 5): InsnRegs {
  const info = OPCODES[i.code];
  if (info === undefined) return NONE;
  const d = 1 << i.dst, s = 1 << i.src;
  switch (info.kind) {
    case 'alu':
      if (info.op === BPF_MOV) return regs(info.source === BPF_X ? s : 0, d);
      return regs(info.source === BPF_X ? d | s : d, d);
    case 'neg': case 'end': return regs(d, d);
    case 'lddw': return regs(0, d);
    case 'ldabs': return regs(1 << R6, 1 << R0, ARG_REGS);
    case 'ldind': return regs((1 << R6) | s, 1 << R0, ARG_REGS);
    case 'ldx': return regs(s, d, 0, 0);
    case 'st': return regs(d, 0, 0, 0);
    case 'stx': return regs(d | s, 0, 0, s);
    case 'atomic':
      if (i.imm === BPF_CMPXCHG) return regs(d | s | (1 << R0), 1 << R0, 0, s | (1 << R0));
      return regs(d | s, (i.imm & BPF_FETCH) !== 0 ? s : 0, 0, s);
    case 'ja': return NONE;
    case 'jcond': return regs(info.source === BPF_X ? d | s : d, 0);
    case 'exit': return regs(1 << R0, 0);
    case 'callx': return regs(d, 1 << R0, ARG_REGS);
    case 'call': {
      if (i.src === BPF_PSEUDO_CALL) return NONE;
      const n = Math.min(5, Math.max(0, helperArgs(i.imm)));
      return regs(((1 << (n + 1)) - 1) & ~1, 1 << R0, ARG_REGS);
    }
  }
}

function regs(reads: number, writes: number, clobbers = 0, values = reads): InsnRegs {
  return { reads, writes, clobbers, values };
}
