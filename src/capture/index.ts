/** Capture files: streaming pcap/pcapng reading, pcap/pcapng writing, link-type names. */
export * from './linktype.js';
export type { CaptureInterface, CapturePacket } from './record.js';
export { CaptureRecord } from './record.js';
export type { CaptureFormat } from './decoder.js';
export type { CaptureReadOptions } from './core.js';
export { DEFAULT_BUFFER_SIZE } from './core.js';
export { MAX_IF_NAME_BYTES, MAX_INTERFACES_PER_SECTION } from './pcapng.js';
export { CaptureReader } from './reader.js';
export { CaptureStream, openCapture } from './stream.js';
export { CaptureWriter, precisionFor, type CaptureWriterOptions, type WriterInterface } from './writer.js';
export { TimeBase } from './timestamp.js';
export type { TimestampSink } from './timestamp.js';
export type { PcapLayout } from './pcap.js';
