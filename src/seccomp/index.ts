/**
 * seccomp: filters loaded, checked and run through the VM for one syscall at a time
 * (filter.ts), their exhaustive analysis (analyze.ts), seccomp-tools–style disassembly and
 * its assembler, and the tables behind them (arches, syscalls, errno, actions).
 */
export * from './actions.js';
// formatSym and outcomeOf stay inside: they take the explorer's structures, which are not public.
export {
  outcomeText, syscallOutcome, summarizeSeccomp, formatSummary,
  type AnalyzeOptions, type Outcome, type OutcomeCase, type SeccompSummary, type SeccompWarning, type SyscallSummary, type Verdict,
  type WarningKind,
} from './analyze.js';
export {
  ARCHES, X32_SYSCALL_BIT, archByName, isArchName, toArch, archesByAudit, auditArchName, auditArchValue, hostArch,
  type ArchName, type ArchAlias, type ArchInput, type SeccompArch,
} from './arch.js';
export * from './asm.js';
export {
  parseArg, seccompFields, writeSeccompData, buildSeccompData, loadWord, fieldAt, offsetOf,
  type ArgValue, type SeccompFields, type SyscallInput,
} from './data.js';
export * from './disasm.js';
export * from './errno.js';
export * from './filter.js';
export { AnalysisBudgetError } from './explore.js';
export * from './syscalls/index.js';
export * from './profile/index.js';
export {
  diffSeccomp, diffRegionMatches, formatDiff, type DiffInput, type DiffOptions, type DiffRegion, type DiffVerdict, type SeccompDiff,
} from './diff.js';
export { loadSeccompInput, type SeccompInputOptions } from './load-input.js';
export type { FormatSummaryOptions } from './analyze.js';
