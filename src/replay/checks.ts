/**
 * Argument checks of the replay entry points whose modules belong to the loop: replay.ts and
 * ReplaySession call checkReplayArgs first, and the public dissectLink is link.ts's behind
 * its checks (the replay loop calls link.ts's directly, once per packet, with arguments of
 * its own).
 */
import {
  argFail, checkFunction, checkInteger, checkObject, checkOneOf, checkOptions, checkString, checkUint8Array, optBoolean, optFunction,
  optInteger, optOneOf,
} from '../args.js';
import { CLASSIC_FORMATS } from '../classic/decode.js';
import { ENDIANS } from '../classic/encode.js';
import type { ClassicProgram } from '../classic/insn.js';
import { checkClassicProgram } from '../classic/shape.js';
import { checkSkbMeta, type SkbMeta } from '../abi/ctx.js';
import { dissectLink as dissect, type LinkOptions, type PacketWindow } from './link.js';
import type { FilterExpression, ReplayOptions } from './types.js';

/** Whether a replay's filter is an expression to compile rather than a program or a path. */
export function isFilterExpression(filter: unknown): filter is FilterExpression {
  return typeof filter === 'object' && filter !== null && !Array.isArray(filter) && 'expression' in filter;
}

/** The arguments of replay/replaySync (ArgumentError from `fn`); prepareFilter checks the engine options. */
export function checkReplayArgs(
  fn: string, filter: ClassicProgram | string | FilterExpression, capture: string, options: ReplayOptions | undefined,
): void {
  if (isFilterExpression(filter)) checkString(fn, 'filter.expression', filter.expression);
  else if (typeof filter !== 'string') checkClassicProgram(fn, filter, 'filter');
  checkString(fn, 'capture', capture);
  const o = checkOptions(fn, 'options', options);
  if (o.link !== undefined) checkObject(fn, 'options.link', o.link, 'link options (see LinkOptions)');
  optOneOf(fn, 'options.filterFormat', o.filterFormat, ['auto', ...CLASSIC_FORMATS], 'auto');
  optOneOf(fn, 'options.endian', o.endian, ENDIANS, 'little');
  optBoolean(fn, 'options.keepGoing', o.keepGoing);
  if (o.write !== undefined && typeof o.write !== 'string') {
    const sink = checkObject(fn, 'options.write', o.write, 'a path or a ByteSink {path, write, commit, abort}');
    checkString(fn, 'options.write.path', sink.path);
    for (const m of ['write', 'commit', 'abort'] as const) checkFunction(fn, `options.write.${m}`, sink[m]);
  }
  optOneOf(fn, 'options.writeFormat', o.writeFormat, ['pcap', 'pcapng'], 'pcap');
  optFunction(fn, 'options.backpressure', o.backpressure);
  optBoolean(fn, 'options.collect', o.collect);
  optFunction(fn, 'options.onPacket', o.onPacket);
  optFunction(fn, 'options.onProgress', o.onProgress);
  if (o.trace !== undefined) {
    const t = checkObject(fn, 'options.trace', o.trace, 'a trace request {packet, annotate?}');
    checkInteger(fn, 'options.trace.packet', t.packet, 1, Number.MAX_SAFE_INTEGER);
    optBoolean(fn, 'options.trace.annotate', t.annotate);
  }
  optInteger(fn, 'options.bufferSize', o.bufferSize, 64, 1 << 30, 0);
}

/** A packet window: bytes buf[start, start + caplen) of a Uint8Array, and the wire length. */
function checkWindow(fn: string, arg: string, win: unknown): void {
  const { buf, start, caplen, wirelen } = checkObject(fn, arg, win as PacketWindow, 'a packet window {buf, start, caplen, wirelen}');
  const b = checkUint8Array(fn, `${arg}.buf`, buf);
  checkInteger(fn, `${arg}.start`, start, 0, b.length);
  checkInteger(fn, `${arg}.caplen`, caplen, 0, b.length - start!);
  checkInteger(fn, `${arg}.wirelen`, wirelen, 0, 0xffffffff);
}

/**
 * Fills `meta` for one packet and returns the window to run the filter over: `win` itself,
 * or, when a tag is moved into metadata, `scratch` holding the untagged copy.
 */
export function dissectLink(linktype: number, win: PacketWindow, meta: SkbMeta, opts: LinkOptions, scratch: PacketWindow): PacketWindow {
  const fn = 'dissectLink';
  checkInteger(fn, 'linktype', linktype, 0, 0xffffffff);
  checkWindow(fn, 'win', win);
  checkSkbMeta(fn, 'meta', meta);
  const o = checkObject(fn, 'opts', opts, 'LinkOptions (defaultLinkOptions() makes them)');
  checkLinkOptions(fn, o);
  checkObject(fn, 'scratch', scratch, 'a packet window to reuse');
  if (scratch === win) argFail(fn, 'scratch', 'a window other than win', scratch);
  return dissect(linktype, win, meta, opts, scratch);
}

/** LinkOptions in full, as defaultLinkOptions() gives them (replay takes a partial set and fills it). */
function checkLinkOptions(fn: string, o: LinkOptions): void {
  checkOneOf(fn, 'opts.vlan', o.vlan, ['packet', 'metadata']);
  checkOneOf(fn, 'opts.len', o.len, ['wire', 'captured']);
  if (o.pktType !== undefined) checkInteger(fn, 'opts.pktType', o.pktType, 0, 7);
  if (o.ifindex !== undefined) checkInteger(fn, 'opts.ifindex', o.ifindex, 0, 0xffffffff);
  for (const k of ['mark', 'hash', 'priority', 'cpu'] as const) checkInteger(fn, `opts.${k}`, o[k], 0, 0xffffffff);
  checkInteger(fn, 'opts.queueMapping', o.queueMapping, 0, 0xffff);
  optBoolean(fn, 'opts.payOffset', o.payOffset);
}
