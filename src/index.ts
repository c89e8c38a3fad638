/**
 * cbpf2ebpf: classic BPF the way Linux runs it. The top level holds the tasks, in the order
 * data flows: decode -> check -> translate -> verify -> run, then the uses: replay a capture,
 * match one packet, test a seccomp policy. The details live in subpaths:
 *
 *   cbpf2ebpf/classic   the 49 classic forms, `insn`, opcodes, every text and binary form
 *   cbpf2ebpf/ebpf      instruction builders, opcodes, encoding, assembler, output formats
 *   cbpf2ebpf/capture   pcap/pcapng reading and writing, link types
 *   cbpf2ebpf/replay    the replay's parts: link layer, engines, traces, output lines
 *   cbpf2ebpf/seccomp   arches, syscalls, errno, actions, analysis (also as `seccomp` here)
 *   cbpf2ebpf/vitest    seccomp matchers for vitest
 */
export * from './errors.js';
export type { BytesLike } from './args.js';
export type { ByteSink } from './io/sink.js';
export type { OtherName } from './suggest.js';

// Decode and check a classic program
export {
  decodeClassic, detectClassicFormat, CLASSIC_FORMATS, type ClassicFormat, type DecodeClassicOptions,
} from './classic/decode.js';
export type { ClassicInsn, ClassicProgram } from './classic/insn.js';
export { checkClassic, findClassicViolations, type CheckOptions, type CheckProfile, type CheckRule } from './classic/check.js';
export { checkForLinux, findLinuxViolations, linuxWarnings } from './translate/kernel-check.js';
export { disassembleClassic } from './classic/disasm.js';
export {
  runClassic, type ClassicSemantics, type ClassicRunOptions, type ClassicInput, type ClassicStopReason, type ClassicRunResult,
} from './classic/interp.js';

// Translate into internal BPF, and print or read internal programs
export * from './translate/translate.js';
export { annotationOf } from './translate/annotate.js';
export { checkForBoundedLoops, DEFAULT_LOOP_BOUND, MAX_LOOP_BOUND, type BackwardLoops } from './translate/loops.js';
export type { Insn, Program } from './ebpf/insn.js';
export { decodeProgram, encodeProgram } from './ebpf/encode.js';
export { assemble } from './ebpf/asm.js';
export { disassemble } from './ebpf/disasm.js';
export { formatProgram, OUTPUT_FORMATS, type OutputFormat, type FormatOptions, type FormattedProgram } from './ebpf/format.js';

// Verify and run internal programs
export { verifyProgram, assertVerified, type VerifyOptions, type VerifyResult } from './verify/index.js';
export type { VerifyContext, VerifyStats, HelperSignature } from './verify/options.js';
export { ExecEnv, type Engine, type HelperFn, type HelperFrame } from './vm/types.js';
export { HelperRegistry, standardHelpers, type HelperDef, type StandardHelperOptions } from './vm/helpers.js';
export { Interpreter, DEFAULT_BUDGET, type InterpreterOptions } from './vm/interp.js';
export { JitEngine, compileProgram, raiseInliningBudget, type JitOptions } from './vm/jit/index.js';

// Captures
export {
  openCapture, CaptureReader, CaptureWriter,
  type CaptureInterface, type CapturePacket, type CaptureFormat, type CaptureReadOptions, type CaptureWriterOptions,
} from './capture/index.js';

// Replay captures through a filter; match one packet
export {
  replay, replaySync, ReplaySession, loadFilter,
  type ReplayOptions, type ReplayResult, type ReplayPacket, type PacketResult, type ReplayTrace, type EngineName, type LinkOptions,
} from './replay/index.js';
export { matchPacket, packetMatcher, type MatchOptions, type PacketVerdict } from './replay/match.js';
export { replayFiles, type ReplayFilesOptions, type ReplayFilesResult, type FileReplay } from './replay/files.js';

// seccomp rule testing: the entry points here, the rest under `seccomp` (and cbpf2ebpf/seccomp)
export { loadSeccompFilter, evaluateStack } from './seccomp/filter.js';
export type { ArchName, ArchAlias, ArchInput, ErrnoName, SyscallName, SyscallInput } from './seccomp/index.js';
export * as seccomp from './seccomp/index.js';
export { compileSeccompProfile, type CompileProfileOptions } from './seccomp/profile/index.js';

// The details, as namespaces for one-import use (the same as the subpaths)
export * as classic from './classic/index.js';
export * as ebpf from './ebpf/index.js';

// Compile pcap-filter expressions (libpcap 1.10's language) to classic programs
export { compileFilter, DEFAULT_SNAPLEN, type CompileOptions } from './compile/index.js';
export type { FilterExpression } from './replay/types.js';

// Optimize a classic program, keeping its verdict on every packet (what compileFilter runs)
export { optimizeClassic } from './compile/optimize/index.js';
