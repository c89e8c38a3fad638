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
  ALU_OP_NAMES, BPF_ABS, BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_B, BPF_CALL, BPF_CMPXCHG, BPF_DIV, BPF_DW,
  BPF_END, BPF_EXIT, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JMP, BPF_JMP32, BPF_LD, BPF_LDX,
  BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_NEG, BPF_PSEUDO_CALL, BPF_ST, BPF_STX, BPF_W, BPF_X, BPF_XCHG,
  JMP_OP_NAMES, R10, bpfClass, bpfMode, bpfOp, bpfSize,
} from './opcodes.js';
import type { Insn, Program } from './insn.js';
import { VerifyError } from '../errors.js';

/** Atomic operations (imm of STX|ATOMIC): ADD OR AND XOR, each with or without FETCH; XCHG; CMPXCHG. */
const ATOMIC_IMMS: ReadonlySet<number> = new Set([
  0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, BPF_XCHG, BPF_CMPXCHG,
]);

const SIZE_NAMES: Readonly<Record<number, string>> = { [BPF_W]: 'w', [BPF_H]: 'h', [BPF_B]: 'b', [BPF_DW]: 'dw' };

/** A short name of an opcode for messages, e.g. `add64 imm`, `ldxw`, `jeq32 reg`. */
export function opcodeName(code: number): string {
  const cls = bpfClass(code);
  const hex = `0x${code.toString(16).padStart(2, '0')}`;
  const size = SIZE_NAMES[bpfSize(code)] ?? '?';
  switch (cls) {
    case BPF_ALU: case BPF_ALU64: {
      const op = bpfOp(code);
      const name = ALU_OP_NAMES[op];
      if (!name) return `opcode ${hex}`;
      if (op === BPF_END) return cls === BPF_ALU64 ? 'bswap' : (code & BPF_X) ? 'be' : 'le';
      if (op === BPF_NEG) return `neg${cls === BPF_ALU64 ? '64' : '32'}`;
      return `${name}${cls === BPF_ALU64 ? '64' : '32'} ${(code & BPF_X) ? 'reg' : 'imm'}`;
    }
    case BPF_JMP: case BPF_JMP32: {
      const name = JMP_OP_NAMES[bpfOp(code)];
      if (!name) return `opcode ${hex}`;
      if (name === 'call' || name === 'exit') return cls === BPF_JMP ? name : `${name} (jmp32 class)`;
      if (name === 'ja') return cls === BPF_JMP ? 'ja' : 'ja32';
      return `${name}${cls === BPF_JMP32 ? '32' : ''} ${(code & BPF_X) ? 'reg' : 'imm'}`;
    }
    case BPF_LD:
      if (code === (BPF_LD | BPF_IMM | BPF_DW)) return 'lddw';
      if (bpfMode(code) === BPF_ABS) return `ldabs${size}`;
      if (bpfMode(code) === BPF_IND) return `ldind${size}`;
      return `opcode ${hex}`;
    case BPF_LDX: return bpfMode(code) === BPF_MEMSX ? `ldxs${size}` : `ldx${size}`;
    case BPF_ST: return `st${size}`;
    case BPF_STX: return bpfMode(code) === BPF_ATOMIC ? `atomic ${size}` : `stx${size}`;
  }
  return `opcode ${hex}`;
}

interface Rules {
  dst?: 'zero' | 'read' | 'write';
  src?: 'zero' | 'read';
  off?: 'zero' | readonly number[];
  imm?: 'zero' | readonly number[] | ReadonlySet<number>;
}

/**
 * The field rules of one instruction, or a string saying why its opcode is not valid.
 * `dst: 'write'` also forbids R10, which is read-only.
 */
function rulesFor(i: Insn): Rules | string {
  const code = i.code;
  const cls = bpfClass(code);
  const isX = (code & BPF_X) !== 0;
  switch (cls) {
    case BPF_LD: {
      if (code === (BPF_LD | BPF_IMM | BPF_DW)) return { dst: 'write', src: 'zero', off: 'zero' };
      const mode = bpfMode(code);
      const size = bpfSize(code);
      if (size === BPF_DW) break;
      if (mode === BPF_ABS) return { dst: 'zero', src: 'zero', off: 'zero' };
      if (mode === BPF_IND) return { dst: 'zero', src: 'read', off: 'zero' };
      break;
    }
    case BPF_LDX: {
      const mode = bpfMode(code);
      if (mode === BPF_MEM || (mode === BPF_MEMSX && bpfSize(code) !== BPF_DW)) return { dst: 'write', src: 'read', imm: 'zero' };
      break;
    }
    case BPF_ST:
      if (bpfMode(code) === BPF_MEM) return { dst: 'read', src: 'zero' };
      break;
    case BPF_STX: {
      const mode = bpfMode(code);
      if (mode === BPF_MEM) return { dst: 'read', src: 'read', imm: 'zero' };
      if (mode === BPF_ATOMIC && (bpfSize(code) === BPF_W || bpfSize(code) === BPF_DW)) return { dst: 'read', src: 'read', imm: ATOMIC_IMMS };
      break;
    }
    case BPF_ALU: case BPF_ALU64: {
      const op = bpfOp(code);
      const is64 = cls === BPF_ALU64;
      if (op === BPF_NEG) return isX ? 'neg has no register form' : { dst: 'write', src: 'zero', off: 'zero', imm: 'zero' };
      if (op === BPF_END) {
        if (is64 && isX) return 'the ALU64 byte swap has no TO_BE form';
        return { dst: 'write', src: 'zero', off: 'zero', imm: [16, 32, 64] };
      }
      if (ALU_OP_NAMES[op] === undefined) break;
      let off: Rules['off'] = 'zero';
      if (op === BPF_DIV || op === BPF_MOD) off = [0, 1];
      else if (op === BPF_MOV && isX) off = is64 ? [0, 8, 16, 32] : [0, 8, 16];
      return isX ? { dst: 'write', src: 'read', off, imm: 'zero' } : { dst: 'write', src: 'zero', off };
    }
    case BPF_JMP: case BPF_JMP32: {
      const op = bpfOp(code);
      if (op === BPF_JA) {
        if (isX) break;
        return cls === BPF_JMP ? { dst: 'zero', src: 'zero', imm: 'zero' } : { dst: 'zero', src: 'zero', off: 'zero' };
      }
      if (op === BPF_CALL) {
        if (cls !== BPF_JMP) break;
        if (isX) return { dst: 'read', src: 'zero', off: 'zero', imm: 'zero' };
        if (i.src === 2) return 'calls to kernel functions (call src 2, kfunc) are not supported';
        return { dst: 'zero', off: 'zero' }; // src is 0 (helper) or 1 (local call), checked by the caller
      }
      if (op === BPF_EXIT) {
        if (cls !== BPF_JMP || isX) break;
        return { dst: 'zero', src: 'zero', off: 'zero', imm: 'zero' };
      }
      if (JMP_OP_NAMES[op] === undefined) break;
      return isX ? { dst: 'read', src: 'read', imm: 'zero' } : { dst: 'read', src: 'zero' };
    }
  }
  return `unknown opcode 0x${code.toString(16).padStart(2, '0')}`;
}

function checkField(name: string, value: number, rule: Rules['off'] | Rules['imm']): string | null {
  if (rule === undefined) return null;
  if (rule === 'zero') return value === 0 ? null : `unused field ${name} must be 0, is ${value}`;
  const ok = rule instanceof Set ? rule.has(value) : (rule as readonly number[]).includes(value);
  if (ok) return null;
  const list = rule instanceof Set ? [...rule].map((v) => `0x${v.toString(16)}`) : (rule as readonly number[]).map(String);
  return `${name} must be one of ${list.join(', ')}, is ${value}`;
}

function checkReg(name: string, reg: number, rule: Rules['dst']): string | null {
  if (rule === undefined) return null;
  if (rule === 'zero') return reg === 0 ? null : `unused field ${name} must be 0, is r${reg}`;
  if (reg > R10) return `${name} r${reg} does not exist (registers are r0-r10)`;
  if (rule === 'write' && reg === R10) return 'writes r10, the read-only frame pointer';
  return null;
}

/** Where a jump or call at `pc` lands, or null for instructions that do not transfer control. */
function transferTarget(i: Insn, pc: number): number | null {
  const cls = bpfClass(i.code);
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return null;
  const op = bpfOp(i.code);
  if (op === BPF_EXIT) return null;
  if (op === BPF_CALL) return i.src === BPF_PSEUDO_CALL && !(i.code & BPF_X) ? pc + i.imm + 1 : null;
  if (op === BPF_JA && cls === BPF_JMP32) return pc + i.imm + 1;
  return pc + i.off + 1;
}

/** The first structural problem of `prog` as [pc, message], or null when there is none. */
export function findEncodingProblem(prog: Program): [number, string] | null {
  if (prog.length === 0) return [0, 'the program is empty'];
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
    const rules = rulesFor(i);
    const name = opcodeName(i.code);
    if (typeof rules === 'string') return [pc, rules];
    const problem = checkReg('dst', i.dst, rules.dst) ?? checkReg('src', i.src, rules.src)
      ?? checkField('off', i.off, rules.off) ?? checkField('imm', i.imm, rules.imm);
    if (problem) return [pc, `${name}: ${problem}`];
    if (i.code === (BPF_JMP | BPF_CALL) && i.src !== 0 && i.src !== BPF_PSEUDO_CALL) {
      return [pc, `call: src must be 0 (helper) or 1 (local call), is ${i.src}`];
    }
    const target = transferTarget(i, pc);
    if (target !== null) {
      if (target < 0 || target >= prog.length) return [pc, `${name}: target ${target} is outside the program (0..${prog.length - 1})`];
      if (tail[target]) return [pc, `${name}: target ${target} is the second slot of an lddw`];
    }
  }
  return null;
}

/** Throws VerifyError(pc, message) for the first structural problem of `prog`. */
export function validateEncoding(prog: Program): void {
  const problem = findEncodingProblem(prog);
  if (problem) throw new VerifyError(problem[0], problem[1]);
}
