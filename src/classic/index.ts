/**
 * `cbpf2ebpf/classic`: classic BPF in detail. The table of the 49 instruction forms and the
 * `insn` builder, the opcode and SKF_* constants (Linux's bpf_common.h), every text and binary
 * form, the checker's rule list, and the reference interpreter's options. The everyday tasks
 * (decode, check, disassemble, run) are also at the top level, `cbpf2ebpf`.
 */
export * from '../abi/opcodes.js';
export * from './insn.js';
export * from './decode.js';
export * from './encode.js';
export { parseListing } from './listing.js';
export { classicImage, classicText, disassembleClassic } from './disasm.js';
export * from './check.js';
export {
  runClassic, DEFAULT_CLASSIC_BUDGET,
  type ClassicSemantics, type ClassicRunOptions, type ClassicInput, type ClassicStopReason, type ClassicRunResult,
} from './interp.js';
export { CLASSIC_INPUT } from './limits.js';
export type { BackEdge } from './loops.js';
export type { InputLimit } from '../io/input.js';
export type { BytesLike } from '../args.js';
