/** Replaying captures through classic filters, as a Linux packet socket would. */
export {
  replay, replaySync, loadFilter, ReplaySession, ReplayPacket,
  type ReplayOptions, type ReplayResult, type PacketResult, type ReplayTrace,
} from './replay.js';
export {
  ENGINES, ENGINE_NAMES, DEFAULT_ENGINE, prepareFilter,
  type EngineName, type EngineSpec, type PacketFilter, type PrepareOptions, type PreparedFilter, type VmEngineOptions,
} from './engine.js';
export { dissectLink } from './checks.js';
export {
  defaultLinkOptions, PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST, PACKET_OUTGOING,
  type LinkOptions, type PacketWindow,
} from './link.js';
export { tracePacket, traceVm, traceClassic, type PacketTrace } from './trace.js';
export { ChunkedWriter, formatSummary, formatTimestamp, jsonLine, resultLine } from './output.js';
export { ProgressBar, wantsProgress, PROGRESS_MIN_BYTES, type ProgressStream } from './progress.js';
export { matchPacket, packetMatcher, type MatchOptions, type PacketVerdict } from './match.js';
export type { ByteSink } from '../io/sink.js';
export {
  replayFiles, defaultJobs,
  type ReplayFilesOptions, type ReplayFilesResult, type FileReplay, type LineKind,
} from './files.js';
export { formatFileLine, linePrefix, prefixedLine } from './output.js';
export type { SessionExtras, KeptSink } from './session.js';
