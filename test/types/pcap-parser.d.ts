/** The part of pcap-parser (an independent pcap reader, used as a reference) the tests use. */
declare module 'pcap-parser' {
  import type { EventEmitter } from 'node:events';
  import type { Readable } from 'node:stream';

  export interface PcapHeader {
    magicNumber: number;
    majorVersion: number;
    minorVersion: number;
    gmtOffset: number;
    timestampAccuracy: number;
    snapshotLength: number;
    linkLayerType: number;
  }
  export interface PcapPacket {
    header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
    data: Buffer;
  }
  export function parse(input: string | Readable): EventEmitter;
}
