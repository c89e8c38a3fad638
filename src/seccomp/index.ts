/**
 * seccomp: filters loaded, checked and run through the VM for one syscall at a time
 * (filter.ts), their exhaustive analysis (analyze.ts), seccomp-tools–style disassembly and
 * its assembler, and the tables behind them (arches, syscalls, errno, actions).
 */
export * from './actions.js';
export * from './analyze.js';
export * from './arch.js';
export * from './asm.js';
export * from './data.js';
export * from './disasm.js';
export * from './errno.js';
export * from './filter.js';
export { AnalysisBudgetError } from './explore.js';
export * from './syscalls/index.js';
