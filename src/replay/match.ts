/**
 * Does this packet match this filter? One call, as a Linux packet socket with the filter
 * attached would answer it: the packet's link layer gives the socket metadata (as in a
 * replay), the filter runs on the chosen engine, and a non-zero return keeps the packet.
 *
 *   const web = decodeClassic(readFileSync('web.ddd'));
 *   matchPacket(web, frame)                    // true or false
 *   const match = packetMatcher(web);          // prepared once, for many packets
 *   match(frame).kept                          // bytes the socket would deliver
 */
import { checkUint8Array, optInteger } from '../args.js';
import { defaultSkbMeta } from '../abi/ctx.js';
import { LINKTYPE_EN10MB } from '../capture/linktype.js';
import { checkClassicProgram } from '../classic/shape.js';
import type { ClassicProgram } from '../classic/insn.js';
import { prepareFilter, type PrepareOptions } from './engine.js';
import { dissectLink, type LinkOptions, type PacketWindow } from './link.js';
import { resolveLinkOptions } from './session.js';

export interface MatchOptions extends PrepareOptions {
  /** LINKTYPE_* of the packet bytes (default EN10MB, an Ethernet frame). */
  linktype?: number;
  /** The socket metadata the link layer does not give (mark, ifindex, VLAN placement...), as replay's `link`. */
  link?: Partial<LinkOptions>;
}

/** One packet's outcome. */
export interface PacketVerdict {
  /** The filter's return value (u32). */
  ret: number;
  /** ret !== 0: a socket keeps the packet. */
  accepted: boolean;
  /** Bytes a socket would deliver: min(ret, the packet's length). */
  kept: number;
}

/**
 * Prepares `filter` once (checked as Linux checks it, translated, compiled) and returns a
 * function that runs it over one packet: `packet` holds the captured bytes from the link-layer
 * header on; `wirelen` is the length on the wire (default: the packet's length).
 */
export function packetMatcher(filter: ClassicProgram, options: MatchOptions = {}): (packet: Uint8Array, wirelen?: number) => PacketVerdict {
  checkClassicProgram('packetMatcher', filter, 'filter');
  const linktype = optInteger('packetMatcher', 'options.linktype', options.linktype, 0, 0xffffffff, LINKTYPE_EN10MB);
  const prep = prepareFilter(filter, options);
  const link = resolveLinkOptions(options.link, prep.wantsPayOffset);
  const meta = defaultSkbMeta();
  const win: PacketWindow = { buf: new Uint8Array(0), start: 0, caplen: 0, wirelen: 0 };
  const scratch: PacketWindow = { buf: new Uint8Array(0), start: 0, caplen: 0, wirelen: 0 };
  return (packet, wirelen) => {
    win.buf = checkUint8Array('packetMatcher', 'packet', packet);
    win.start = 0;
    win.caplen = packet.length;
    win.wirelen = optInteger('packetMatcher', 'wirelen', wirelen, 0, 0xffffffff, packet.length);
    const w = dissectLink(linktype, win, meta, link, scratch);
    const ret = prep.filter.run(w.buf, w.start, w.caplen, meta) >>> 0;
    return { ret, accepted: ret !== 0, kept: ret < w.caplen ? ret : w.caplen };
  };
}

/** Whether a socket with `filter` attached keeps `packet` (see packetMatcher, which prepares once). */
export function matchPacket(filter: ClassicProgram, packet: Uint8Array, options: MatchOptions = {}): boolean {
  return packetMatcher(filter, options)(packet).accepted;
}
