/**
 * Structural validation of internal BPF programs, the checks a loader makes before any
 * analysis (the first pass of the kernel verifier; RFC 9669 §3 and §5): every opcode is
 * one RFC 9669 defines (an entry of opcode-table.ts, whose field rules this applies),
 * fields an instruction does not use are zero, registers exist and R10 is never written,
 * every jump and BPF-to-BPF call lands on an instruction (not inside an LD IMM64), and each
 * LD IMM64 has its second slot. It says nothing about what values registers hold: that is
 * the verifier's job.
 *
 * Both engines refuse a program that fails here, so they never meet an instruction they
 * cannot execute; the conformance runner and `cbpf2ebpf asm` use it too.
 */
import { BPF_CMPXCHG, BPF_FETCH, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, R10 } from './opcodes.js';
import { type FieldRule, type RegRole, OPCODES, fieldAllows, unknownOpcodeReason } from './opcode-table.js';
import { type Program, branchTarget } from './insn.js';
import { findShapeProblem } from './shape.js';
import { checkArray } from '../args.js';
import { VerifyError } from '../errors.js';
import { hex } from '../hex.js';

/** A short name of an opcode for messages, e.g. `add64 imm`, `ldxw`, `jeq32 reg` (the table's mnemonic). */
export function opcodeName(code: number): string {
  return OPCODES[code & 0xff]?.mnemonic ?? `opcode ${hex(code, 2)}`;
}

function checkField(name: string, value: number, rule: FieldRule | undefined): string | null {
  if (fieldAllows(rule, value)) return null;
  if (rule === 'zero') return `unused field ${name} must be 0, is ${value}`;
  const list = rule instanceof Set ? [...rule].map((v) => hex(v)) : (rule as readonly number[]).map(String);
  return `${name} must be one of ${list.join(', ')}, is ${value}`;
}

/** `write` and `readwrite` forbid R10, which is read-only; `any` is a selector (CALL's src), checked apart. */
function checkReg(name: string, reg: number, role: RegRole): string | null {
  if (role === 'any') return null;
  if (role === 'zero') return reg === 0 ? null : `unused field ${name} must be 0, is r${reg}`;
  if (reg > R10) return `${name} r${reg} does not exist (registers are r0-r10)`;
  if ((role === 'write' || role === 'readwrite') && reg === R10) return 'writes r10, the read-only frame pointer';
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
    if (OPCODES[i.code]?.kind === 'lddw') {
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
    const rules = OPCODES[i.code];
    if (rules === undefined) return [pc, unknownOpcodeReason(i.code)];
    if (rules.kind === 'call' && i.src === BPF_PSEUDO_KFUNC_CALL) return [pc, 'calls to kernel functions (call src 2, kfunc) are not supported'];
    // Messages, and the opcode names in them, are built only once a problem is found.
    const problem = checkReg('dst', i.dst, rules.dst) ?? checkReg('src', i.src, rules.src)
      ?? checkField('off', i.off, rules.off) ?? checkField('imm', i.imm, rules.imm);
    if (problem) return [pc, `${opcodeName(i.code)}: ${problem}`];
    // FETCH and XCHG write the old value back into src (CMPXCHG into R0), so src must not be R10.
    if (rules.kind === 'atomic' && (i.imm & BPF_FETCH) !== 0 && i.imm !== BPF_CMPXCHG) {
      const written = checkReg('src', i.src, 'write');
      if (written) return [pc, `${opcodeName(i.code)}: ${written}`];
    }
    if (rules.kind === 'call' && i.src !== 0 && i.src !== BPF_PSEUDO_CALL) {
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
