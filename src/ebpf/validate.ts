/**
 * Structural validation of internal BPF programs, the checks a loader makes before any
 * analysis (the first pass of the kernel verifier; RFC 9669 §3 and §5): every opcode is
 * one RFC 9669 defines, fields an instruction does not use are zero, registers exist and
 * R10 is never written, every jump and BPF-to-BPF call lands on an instruction (not inside
 * an LD IMM64), and each LD IMM64 has its second slot. It says nothing about what values
 * registers hold: that is the verifier's job.
 *
 * Both engines refuse a program that fails here, so they never meet an instruction they
 * cannot execute; the conformance runner and `cbpf2ebpf asm` use it too.
 */
import {
  ALU_OP_NAMES, ATOMIC_ALU_OPS, BPF_ABS, BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_CALL, BPF_CMPXCHG, BPF_DIV, BPF_DW,
  BPF_END, BPF_EXIT, BPF_FETCH, BPF_IMM, BPF_IND, BPF_JA, BPF_JMP, BPF_JMP32, BPF_LD, BPF_LDX,
  BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_NEG, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_ST, BPF_STX, BPF_W, BPF_X,
  BPF_XCHG, JMP_OP_NAMES, R10, SIZE_NAMES, bpfClass, bpfMode, bpfOp, bpfSize,
} from './opcodes.js';
import { type Program, branchTarget } from './insn.js';
import { findShapeProblem } from './shape.js';
import { checkArray } from '../args.js';
import { VerifyError } from '../errors.js';
import { hex } from '../hex.js';

/** Atomic operations (imm of STX|ATOMIC): ADD OR AND XOR, each with or without FETCH; XCHG; CMPXCHG. */
const ATOMIC_IMMS: ReadonlySet<number> = new Set([
  ...ATOMIC_ALU_OPS.flatMap((op) => [op, op | BPF_FETCH]), BPF_XCHG, BPF_CMPXCHG,
]);

/** A short name of an opcode for messages, e.g. `add64 imm`, `ldxw`, `jeq32 reg`. */
export function opcodeName(code: number): string {
  const cls = bpfClass(code);
  const unknown = `opcode ${hex(code, 2)}`;
  const size = SIZE_NAMES[bpfSize(code)] ?? '?';
  switch (cls) {
    case BPF_ALU: case BPF_ALU64: {
      const op = bpfOp(code);
      const name = ALU_OP_NAMES[op];
      if (!name) return unknown;
      if (op === BPF_END) return cls === BPF_ALU64 ? 'bswap' : (code & BPF_X) ? 'be' : 'le';
      if (op === BPF_NEG) return `neg${cls === BPF_ALU64 ? '64' : '32'}`;
      return `${name}${cls === BPF_ALU64 ? '64' : '32'} ${(code & BPF_X) ? 'reg' : 'imm'}`;
    }
    case BPF_JMP: case BPF_JMP32: {
      const name = JMP_OP_NAMES[bpfOp(code)];
      if (!name) return unknown;
      if (name === 'call' || name === 'exit') return cls === BPF_JMP ? name : `${name} (jmp32 class)`;
      if (name === 'ja') return cls === BPF_JMP ? 'ja' : 'ja32';
      return `${name}${cls === BPF_JMP32 ? '32' : ''} ${(code & BPF_X) ? 'reg' : 'imm'}`;
    }
    case BPF_LD:
      if (code === (BPF_LD | BPF_IMM | BPF_DW)) return 'lddw';
      if (bpfMode(code) === BPF_ABS) return `ldabs${size}`;
      if (bpfMode(code) === BPF_IND) return `ldind${size}`;
      return unknown;
    case BPF_LDX: return bpfMode(code) === BPF_MEMSX ? `ldxs${size}` : `ldx${size}`;
    case BPF_ST: return `st${size}`;
    case BPF_STX: return bpfMode(code) === BPF_ATOMIC ? `atomic ${size}` : `stx${size}`;
  }
  return unknown;
}

interface Rules {
  dst?: 'zero' | 'read' | 'write';
  src?: 'zero' | 'read';
  off?: 'zero' | readonly number[];
  imm?: 'zero' | readonly number[] | ReadonlySet<number>;
}

// The rules are shared, immutable objects, so checking an instruction allocates nothing.
const LDDW_RULES: Rules = { dst: 'write', src: 'zero', off: 'zero' };
const LD_ABS_RULES: Rules = { dst: 'zero', src: 'zero', off: 'zero' };
const LD_IND_RULES: Rules = { dst: 'zero', src: 'read', off: 'zero' };
const LDX_RULES: Rules = { dst: 'write', src: 'read', imm: 'zero' };
const ST_RULES: Rules = { dst: 'read', src: 'zero' };
const STX_RULES: Rules = { dst: 'read', src: 'read', imm: 'zero' };
const ATOMIC_RULES: Rules = { dst: 'read', src: 'read', imm: ATOMIC_IMMS };
const NEG_RULES: Rules = { dst: 'write', src: 'zero', off: 'zero', imm: 'zero' };
const END_RULES: Rules = { dst: 'write', src: 'zero', off: 'zero', imm: [16, 32, 64] };
const JA_RULES: Rules = { dst: 'zero', src: 'zero', imm: 'zero' };
const JA32_RULES: Rules = { dst: 'zero', src: 'zero', off: 'zero' };
const CALLX_RULES: Rules = { dst: 'read', src: 'zero', off: 'zero', imm: 'zero' };
/** src is 0 (helper) or 1 (local call), checked by the caller; 2 (kfunc) is refused first. */
const CALL_RULES: Rules = { dst: 'zero', off: 'zero' };
const EXIT_RULES: Rules = { dst: 'zero', src: 'zero', off: 'zero', imm: 'zero' };
const JMP_REG_RULES: Rules = { dst: 'read', src: 'read', imm: 'zero' };
const JMP_IMM_RULES: Rules = { dst: 'read', src: 'zero' };

/** The rules of an ALU operation with an immediate and with a register, by the offsets it allows. */
const aluRules = (off: Rules['off']): { imm: Rules; reg: Rules } => ({
  imm: { dst: 'write', src: 'zero', off },
  reg: { dst: 'write', src: 'read', off, imm: 'zero' },
});
const ALU_RULES = aluRules('zero');
const DIV_RULES = aluRules([0, 1]); // off 1: signed division and modulo
const MOV32_RULES = aluRules([0, 8, 16]); // off 8/16 on a register move: sign extension
const MOV64_RULES = aluRules([0, 8, 16, 32]);

/**
 * The field rules of an opcode, or a string saying why it is not valid.
 * `dst: 'write'` also forbids R10, which is read-only.
 */
function rulesFor(code: number): Rules | string {
  const cls = bpfClass(code);
  const isX = (code & BPF_X) !== 0;
  switch (cls) {
    case BPF_LD: {
      if (code === (BPF_LD | BPF_IMM | BPF_DW)) return LDDW_RULES;
      const mode = bpfMode(code);
      const size = bpfSize(code);
      if (size === BPF_DW) break;
      if (mode === BPF_ABS) return LD_ABS_RULES;
      if (mode === BPF_IND) return LD_IND_RULES;
      break;
    }
    case BPF_LDX: {
      const mode = bpfMode(code);
      if (mode === BPF_MEM || (mode === BPF_MEMSX && bpfSize(code) !== BPF_DW)) return LDX_RULES;
      break;
    }
    case BPF_ST:
      if (bpfMode(code) === BPF_MEM) return ST_RULES;
      break;
    case BPF_STX: {
      const mode = bpfMode(code);
      if (mode === BPF_MEM) return STX_RULES;
      if (mode === BPF_ATOMIC && (bpfSize(code) === BPF_W || bpfSize(code) === BPF_DW)) return ATOMIC_RULES;
      break;
    }
    case BPF_ALU: case BPF_ALU64: {
      const op = bpfOp(code);
      const is64 = cls === BPF_ALU64;
      if (op === BPF_NEG) return isX ? 'neg has no register form' : NEG_RULES;
      if (op === BPF_END) {
        if (is64 && isX) return 'the ALU64 byte swap has no TO_BE form';
        return END_RULES;
      }
      if (ALU_OP_NAMES[op] === undefined) break;
      let rules = ALU_RULES;
      if (op === BPF_DIV || op === BPF_MOD) rules = DIV_RULES;
      else if (op === BPF_MOV && isX) rules = is64 ? MOV64_RULES : MOV32_RULES;
      return isX ? rules.reg : rules.imm;
    }
    case BPF_JMP: case BPF_JMP32: {
      const op = bpfOp(code);
      if (op === BPF_JA) {
        if (isX) break;
        return cls === BPF_JMP ? JA_RULES : JA32_RULES;
      }
      if (op === BPF_CALL) {
        if (cls !== BPF_JMP) break;
        return isX ? CALLX_RULES : CALL_RULES;
      }
      if (op === BPF_EXIT) {
        if (cls !== BPF_JMP || isX) break;
        return EXIT_RULES;
      }
      if (JMP_OP_NAMES[op] === undefined) break;
      return isX ? JMP_REG_RULES : JMP_IMM_RULES;
    }
  }
  return `unknown opcode ${hex(code, 2)}`;
}

/** rulesFor of every 8-bit opcode. */
const RULES: ReadonlyArray<Rules | string> = Array.from({ length: 256 }, (_, code) => rulesFor(code));

function checkField(name: string, value: number, rule: Rules['off'] | Rules['imm']): string | null {
  if (rule === undefined) return null;
  if (rule === 'zero') return value === 0 ? null : `unused field ${name} must be 0, is ${value}`;
  const ok = rule instanceof Set ? rule.has(value) : (rule as readonly number[]).includes(value);
  if (ok) return null;
  const list = rule instanceof Set ? [...rule].map((v) => hex(v)) : (rule as readonly number[]).map(String);
  return `${name} must be one of ${list.join(', ')}, is ${value}`;
}

function checkReg(name: string, reg: number, rule: Rules['dst']): string | null {
  if (rule === undefined) return null;
  if (rule === 'zero') return reg === 0 ? null : `unused field ${name} must be 0, is r${reg}`;
  if (reg > R10) return `${name} r${reg} does not exist (registers are r0-r10)`;
  if (rule === 'write' && reg === R10) return 'writes r10, the read-only frame pointer';
  return null;
}

/** The first structural problem of `prog` as [pc, message], or null when there is none. */
export function findEncodingProblem(prog: Program): [number, string] | null {
  if (prog.length === 0) return [0, 'the program is empty'];
  const shape = findShapeProblem(prog);
  if (shape) return shape;
  const tail = new Uint8Array(prog.length);
  for (let pc = 0; pc < prog.length; pc++) {
    const i = prog[pc]!;
    if (i.code === (BPF_LD | BPF_IMM | BPF_DW)) {
      const next = prog[pc + 1];
      if (!next) return [pc, 'lddw is missing its second slot (the program ends)'];
      if (next.code !== 0 || next.dst !== 0 || next.src !== 0 || next.off !== 0) {
        return [pc + 1, 'the second slot of lddw must have code, dst, src and off 0'];
      }
      tail[pc + 1] = 1;
    }
  }
  for (let pc = 0; pc < prog.length; pc++) {
    if (tail[pc]) continue;
    const i = prog[pc]!;
    const rules = RULES[i.code]!;
    if (typeof rules === 'string') return [pc, rules];
    if (rules === CALL_RULES && i.src === BPF_PSEUDO_KFUNC_CALL) return [pc, 'calls to kernel functions (call src 2, kfunc) are not supported'];
    // Messages, and the opcode names in them, are built only once a problem is found.
    const problem = checkReg('dst', i.dst, rules.dst) ?? checkReg('src', i.src, rules.src)
      ?? checkField('off', i.off, rules.off) ?? checkField('imm', i.imm, rules.imm);
    if (problem) return [pc, `${opcodeName(i.code)}: ${problem}`];
    // FETCH and XCHG write the old value back into src (CMPXCHG into R0), so src must not be R10.
    if (rules === ATOMIC_RULES && (i.imm & BPF_FETCH) !== 0 && i.imm !== BPF_CMPXCHG) {
      const written = checkReg('src', i.src, 'write');
      if (written) return [pc, `${opcodeName(i.code)}: ${written}`];
    }
    if (i.code === (BPF_JMP | BPF_CALL) && i.src !== 0 && i.src !== BPF_PSEUDO_CALL) {
      return [pc, `call: src must be 0 (helper) or 1 (local call), is ${i.src}`];
    }
    const target = branchTarget(i, pc);
    if (target !== null) {
      if (target < 0 || target >= prog.length) return [pc, `${opcodeName(i.code)}: target ${target} is outside the program (0..${prog.length - 1})`];
      if (tail[target]) return [pc, `${opcodeName(i.code)}: target ${target} is the second slot of an lddw`];
    }
  }
  return null;
}

/**
 * Throws VerifyError(pc, message) for the first structural problem of `prog`, after
 * ArgumentError (from `fn`) when `prog` is no array.
 */
export function validateEncoding(prog: Program, fn = 'validateEncoding'): void {
  checkArray(fn, 'prog', prog);
  const problem = findEncodingProblem(prog);
  if (problem) throw new VerifyError(problem[0], problem[1]);
}
