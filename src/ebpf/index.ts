/**
 * `cbpf2ebpf/ebpf`: internal BPF in detail. The instruction builders named after the kernel's
 * macros (`mov64Imm`, `ldxMem`, `jmpImm`...), the opcode constants and table (`OPCODES`), encoding, the assembler
 * and its printer, the disassembler and output formats, helper ids, and the context layouts
 * (`__sk_buff`, `seccomp_data`) programs read. The tasks (translate, verify, run) are at the
 * top level, `cbpf2ebpf`.
 */
export * from './opcodes.js';
export * from './insn.js';
export { OPCODES, type OpcodeInfo, type InsnKind, type BlockEnd, type RegRole, type FieldRule } from './opcode-table.js';
export * from './encode.js';
export * from './helpers.js';
export { assemble, assembleWithInfo, type AsmResult } from './asm.js';
export { formatAsm, formatInsn, type AsmFormatOptions } from './asm-format.js';
export { disassemble, disasmInsn } from './disasm.js';
export * from './format.js';
export {
  SKB, SKB_CTX_SIZE, SKB_READABLE, SECCOMP_DATA, SECCOMP_DATA_SIZE, defaultSkbMeta, writeSkbContext, type SkbMeta,
} from '../abi/ctx.js';
export { EBPF_RAW_INPUT, EBPF_TEXT_INPUT } from './limits.js';
export type { InputLimit } from '../io/input.js';
