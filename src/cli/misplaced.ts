/**
 * A file given where another kind belongs: a capture as a FILTER (replay's arguments swapped,
 * most likely), a classic filter as replay's CAPTURE or as verify's PROG. What the file's
 * first bytes say it is -- a capture's magic, a classic text form's first line -- makes the
 * message say what the file looks like and what to do, rather than how it failed to parse.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { captureFormatOf } from '../capture/decoder.js';
import { detectClassicFormat, isTextBytes, type ClassicFormat } from '../classic/decode.js';
import { DecodeError, UsageError } from '../errors.js';

const TEXT_FORMS: Record<Exclude<ClassicFormat, 'raw'>, string> = {
  ddd: 'tcpdump -ddd text',
  dd: 'tcpdump -dd text',
  comma: 'the bpf_asm comma form',
  listing: 'a tcpdump -d listing',
};

type Looks = { kind: 'capture' | 'classic'; what: string };

/** What `bytes` (a file's start) look like, when it is a capture or a classic filter in text. */
function looks(bytes: Uint8Array): Looks | undefined {
  const capture = captureFormatOf(bytes);
  if (capture) return { kind: 'capture', what: `a ${capture} capture` };
  if (!isTextBytes(bytes)) return undefined;
  let format: ClassicFormat;
  try {
    format = detectClassicFormat(bytes);
  } catch {
    return undefined; // text, but none of the classic forms
  }
  return format === 'raw' ? undefined : { kind: 'classic', what: `a classic filter (${TEXT_FORMS[format]})` };
}

/**
 * The first bytes of the file at `path`; undefined for stdin, which cannot be read twice, and
 * for an unreadable file, whose reader will say why.
 */
function peek(path: string): Uint8Array | undefined {
  if (path === '-') return undefined;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = new Uint8Array(256);
    return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const REPLAY = 'cbpf2ebpf replay FILTER CAPTURE';

/** A UsageError when replay's FILTER is a capture or its CAPTURE a classic filter (the two swapped, most likely). */
export function checkReplayInputs(filter: string, capture: string): void {
  const f = peek(filter);
  const c = peek(capture);
  const filterLooks = f && looks(f);
  const captureLooks = c && looks(c);
  if (filterLooks?.kind === 'capture') {
    if (captureLooks?.kind === 'classic') {
      throw new UsageError(`${filter} is ${filterLooks.what} and ${capture} ${captureLooks.what}: give the filter first (${REPLAY})`);
    }
    throw new UsageError(`${filter} is ${filterLooks.what}, not a filter: give the filter first (${REPLAY})`);
  }
  if (captureLooks?.kind === 'classic') {
    throw new UsageError(`${capture} is ${captureLooks.what}, not a capture: CAPTURE is a pcap or pcapng file (${REPLAY})`);
  }
}

/** For a classic FILTER: a DecodeError for a capture, which would otherwise read as raw records gone wrong. */
export function checkFilterInput(bytes: Uint8Array, source: string): void {
  const capture = captureFormatOf(bytes);
  if (capture) throw new DecodeError(source, `a ${capture} capture, not a classic filter`);
}

/**
 * For `verify PROG` without --classic, whose PROG is raw `struct bpf_insn` records: a
 * UsageError for a classic filter in text (add --classic), a DecodeError for a capture.
 */
export function checkVerifyInput(bytes: Uint8Array, source: string): void {
  const l = looks(bytes);
  if (l?.kind === 'classic') {
    throw new UsageError(`${source} is ${l.what}; verify reads internal BPF (struct bpf_insn records): add --classic to check and translate it first`);
  }
  if (l?.kind === 'capture') throw new DecodeError(source, `${l.what}, not internal BPF (struct bpf_insn records)`);
}
