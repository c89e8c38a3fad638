/** The JIT: internal BPF compiled to JavaScript functions (see compile.ts for the design). */
export { JitEngine, compileProgram, type JitOptions } from './engine.js';
export { compilations } from './cache.js';
export { raiseInliningBudget, JIT_INLINING_BUDGET } from './tune.js';
