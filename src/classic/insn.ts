/**
 * The classic instruction model: one `struct sock_filter` record, and the table of the
 * 49 instruction forms Linux accepts. Every classic module (decoders, checker,
 * interpreter, translator, disassembler) reads opcodes through this table.
 */
import { checkArray, checkInteger } from '../args.js';
import { type ClassicInsn, type ClassicProgram, checkClassicInsn, isClassicInsn } from './shape.js';
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_B, BPF_DIV, BPF_H, BPF_IMM, BPF_IND,
  BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN,
  BPF_LSH, BPF_MEM, BPF_MISC, BPF_MOD, BPF_MSH, BPF_MUL, BPF_NEG, BPF_OR, BPF_RET, BPF_RSH,
  BPF_ST, BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA, BPF_W, BPF_X, BPF_XOR, bpfSize,
} from '../abi/opcodes.js';

// The record itself is defined beside the test of what it may hold.
export type { ClassicInsn, ClassicProgram } from './shape.js';

/**
 * An instruction from integers, each cut to its field as C's assignment to `struct
 * sock_filter` would (so k = SKF_AD_OFF + n gives the unsigned offset). Anything but an
 * integer is refused (ArgumentError), rather than becoming 0.
 */
export function insn(code: number, jt: number, jf: number, k: number): ClassicInsn {
  if (!(Number.isInteger(code) && Number.isInteger(jt) && Number.isInteger(jf) && Number.isInteger(k))) {
    (['code', 'jt', 'jf', 'k'] as const).forEach((name, n) => checkInteger('insn', name, [code, jt, jf, k][n], -Infinity, Infinity));
  }
  return { code: code & 0xffff, jt: jt & 0xff, jf: jf & 0xff, k: k >>> 0 };
}

/**
 * What an instruction form does, independent of its operands. The checker, the
 * interpreters and the translator switch on this instead of re-deriving it from bits.
 */
export type ClassicKind =
  | 'ld-abs' | 'ld-ind' | 'ld-imm' | 'ld-mem' | 'ld-len'
  | 'ldx-imm' | 'ldx-mem' | 'ldx-len' | 'ldx-msh'
  | 'st' | 'stx'
  | 'alu-k' | 'alu-x' | 'neg'
  | 'ja' | 'jmp-k' | 'jmp-x'
  | 'ret-k' | 'ret-a'
  | 'tax' | 'txa';

/** How libpcap's bpf_image prints the operand of a form. */
export type OperandForm =
  | 'abs'      // [k], or the ancillary name
  | 'ind'      // [x + k]
  | 'imm-hex'  // #0x%x
  | 'imm-dec'  // #%d
  | 'mem'      // M[k]
  | 'pktlen'   // #pktlen
  | 'msh'      // 4*([k]&0xf)
  | 'x'        // x
  | 'none'
  | 'ja'       // absolute target
  | 'jmp-k'    // #0x%x with jt/jf targets
  | 'jmp-x';   // x with jt/jf targets

export interface ClassicForm {
  readonly code: number;
  readonly kind: ClassicKind;
  readonly mnemonic: string;
  readonly operand: OperandForm;
  /** Bytes read by a packet load (ABS/IND/MSH), else 0. */
  readonly width: 0 | 1 | 2 | 4;
}

const forms: ClassicForm[] = [];
function form(code: number, kind: ClassicKind, mnemonic: string, operand: OperandForm, width: 0 | 1 | 2 | 4 = 0): void {
  forms.push({ code, kind, mnemonic, operand, width });
}

form(BPF_LD | BPF_W | BPF_ABS, 'ld-abs', 'ld', 'abs', 4);
form(BPF_LD | BPF_H | BPF_ABS, 'ld-abs', 'ldh', 'abs', 2);
form(BPF_LD | BPF_B | BPF_ABS, 'ld-abs', 'ldb', 'abs', 1);
form(BPF_LD | BPF_W | BPF_IND, 'ld-ind', 'ld', 'ind', 4);
form(BPF_LD | BPF_H | BPF_IND, 'ld-ind', 'ldh', 'ind', 2);
form(BPF_LD | BPF_B | BPF_IND, 'ld-ind', 'ldb', 'ind', 1);
form(BPF_LD | BPF_IMM, 'ld-imm', 'ld', 'imm-hex');
form(BPF_LD | BPF_MEM, 'ld-mem', 'ld', 'mem');
form(BPF_LD | BPF_W | BPF_LEN, 'ld-len', 'ld', 'pktlen');
form(BPF_LDX | BPF_W | BPF_IMM, 'ldx-imm', 'ldx', 'imm-hex');
form(BPF_LDX | BPF_W | BPF_MEM, 'ldx-mem', 'ldx', 'mem');
form(BPF_LDX | BPF_W | BPF_LEN, 'ldx-len', 'ldx', 'pktlen');
form(BPF_LDX | BPF_B | BPF_MSH, 'ldx-msh', 'ldxb', 'msh', 1);
form(BPF_ST, 'st', 'st', 'mem');
form(BPF_STX, 'stx', 'stx', 'mem');

const aluNames: Array<[number, string, OperandForm]> = [
  [BPF_ADD, 'add', 'imm-dec'], [BPF_SUB, 'sub', 'imm-dec'], [BPF_MUL, 'mul', 'imm-dec'],
  [BPF_DIV, 'div', 'imm-dec'], [BPF_MOD, 'mod', 'imm-dec'], [BPF_AND, 'and', 'imm-hex'],
  [BPF_OR, 'or', 'imm-hex'], [BPF_XOR, 'xor', 'imm-hex'], [BPF_LSH, 'lsh', 'imm-dec'],
  [BPF_RSH, 'rsh', 'imm-dec'],
];
for (const [op, name, kForm] of aluNames) {
  form(BPF_ALU | op | BPF_K, 'alu-k', name, kForm);
  form(BPF_ALU | op | BPF_X, 'alu-x', name, 'x');
}
form(BPF_ALU | BPF_NEG, 'neg', 'neg', 'none');

form(BPF_JMP | BPF_JA, 'ja', 'ja', 'ja');
for (const [op, name] of [[BPF_JEQ, 'jeq'], [BPF_JGT, 'jgt'], [BPF_JGE, 'jge'], [BPF_JSET, 'jset']] as const) {
  form(BPF_JMP | op | BPF_K, 'jmp-k', name, 'jmp-k');
  form(BPF_JMP | op | BPF_X, 'jmp-x', name, 'jmp-x');
}
form(BPF_RET | BPF_K, 'ret-k', 'ret', 'imm-dec');
form(BPF_RET | BPF_A, 'ret-a', 'ret', 'none');
form(BPF_MISC | BPF_TAX, 'tax', 'tax', 'none');
form(BPF_MISC | BPF_TXA, 'txa', 'txa', 'none');

/** The 49 codes `bpf_check_classic` accepts, in a fixed order. */
export const CLASSIC_FORMS: readonly ClassicForm[] = forms;

const byCode = new Map<number, ClassicForm>(forms.map((f) => [f.code, f]));

/** The form of a code, or undefined for a code Linux rejects. */
export function classicForm(code: number): ClassicForm | undefined {
  return byCode.get(code);
}

/** Width in bytes of a packet load's size field. */
export function loadWidth(code: number): 1 | 2 | 4 {
  const size = bpfSize(code);
  return size === BPF_B ? 1 : size === BPF_H ? 2 : 4;
}

/** Successor pcs of the instruction at `pc` (none for RET; a code outside the 49 falls through). */
export function classicSuccessors(prog: ClassicProgram, pc: number): number[] {
  // Only prog[pc] is read, so only it is checked: callers walk every pc.
  if (!Array.isArray(prog) || !Number.isInteger(pc) || pc < 0 || pc >= prog.length) {
    checkInteger('classicSuccessors', 'pc', pc, 0, checkArray('classicSuccessors', 'prog', prog).length - 1);
  }
  const i = prog[pc]!;
  if (!isClassicInsn(i)) checkClassicInsn('classicSuccessors', `prog[${pc}]`, i);
  switch (classicForm(i.code)?.kind) {
    case 'ret-k': case 'ret-a': return [];
    case 'ja': return [pc + 1 + i.k];
    case 'jmp-k': case 'jmp-x': return i.jt === i.jf ? [pc + 1 + i.jt] : [pc + 1 + i.jt, pc + 1 + i.jf];
    default: return [pc + 1];
  }
}
