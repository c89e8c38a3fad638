/**
 * cbpf2ebpf library entry point. Data flows one way:
 * decode -> check -> translate -> verify -> run.
 */
export * from './errors.js';
export * from './classic/opcodes.js';
export * from './classic/insn.js';
export * as ebpf from './ebpf/opcodes.js';
export * from './ebpf/insn.js';
export * from './ebpf/encode.js';
export * from './ebpf/helpers.js';
export * from './ebpf/ctx.js';
