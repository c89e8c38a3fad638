/**
 * cbpf2ebpf library entry point. Data flows one way:
 * decode -> check -> translate -> verify -> run.
 *
 * Classic BPF: decodeClassic, checkClassic, runClassic, encodeClassicRaw / formatDdd /
 * formatDd / formatComma, disassembleClassic. Internal BPF: translateClassic,
 * decodeProgram / encodeProgram, disassemble / formatProgram, assemble, verifyProgram, and
 * the engines that run it (Interpreter, JitEngine) with their helper registry.
 */
export * from './errors.js';

// Classic BPF
export * from './abi/opcodes.js';
export * from './classic/insn.js';
export * from './classic/decode.js';
export * from './classic/encode.js';
export { parseListing } from './classic/listing.js';
export { classicImage, classicText, disassembleClassic } from './classic/disasm.js';
export * from './classic/check.js';
export {
  runClassic, DEFAULT_CLASSIC_BUDGET,
  type ClassicSemantics, type ClassicRunOptions, type ClassicInput, type ClassicStopReason, type ClassicRunResult,
} from './classic/interp.js';

// Internal BPF
export * as ebpf from './ebpf/opcodes.js';
export * from './ebpf/insn.js';
export * from './ebpf/encode.js';
export * from './ebpf/helpers.js';
export {
  SKB, SKB_CTX_SIZE, SKB_READABLE, SECCOMP_DATA, SECCOMP_DATA_SIZE, defaultSkbMeta, writeSkbContext, type SkbMeta,
} from './abi/ctx.js';
export { disassemble, disasmInsn } from './ebpf/disasm.js';
export * from './ebpf/format.js';
export * from './translate/translate.js';
export { checkForLinux, findLinuxViolations, linuxWarnings } from './translate/kernel-check.js';
export { annotationOf } from './translate/annotate.js';

// The internal BPF virtual machine: assembler, verifier, interpreter, JIT, helpers
export { assemble, assembleWithInfo, type AsmResult } from './ebpf/asm.js';
export { verifyProgram, assertVerified, type VerifyOptions, type VerifyResult } from './verify/index.js';
export { ExecEnv, type Engine, type HelperFn, type HelperFrame } from './vm/types.js';
export { HelperRegistry, standardHelpers, type HelperDef, type StandardHelperOptions } from './vm/helpers.js';
export { Interpreter, DEFAULT_BUDGET, type InterpreterOptions } from './vm/interp.js';
export { JitEngine, compileProgram, raiseInliningBudget, type JitOptions } from './vm/jit/index.js';

// Captures
export * from './capture/index.js';

// seccomp rule testing: the entry points at top level, everything else under `seccomp`
export { loadSeccompFilter, evaluateStack } from './seccomp/filter.js';
export * as seccomp from './seccomp/index.js';

// Replay captures through filters
export * from './replay/index.js';
