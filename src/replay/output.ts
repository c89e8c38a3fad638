/**
 * Text forms of a replay: the summary, one result line per packet (`--results`, what scripts
 * diff against libpcap), one JSON object per packet (`--json`), and a chunked writer so that
 * a million lines cost a few hundred writes.
 */
import { argFail, checkArray, checkFunction, checkInteger, checkObject, checkString } from '../args.js';
import { linktypeName } from '../capture/linktype.js';
import type { ReplayPacket, ReplayResult } from './replay.js';

/** Gathers text and hands it to `write` in chunks of at least `chunk` characters. */
export class ChunkedWriter {
  private buf = '';

  constructor(private readonly write: (text: string) => void, private readonly chunk = 1 << 16) {
    checkFunction('ChunkedWriter', 'write', write);
    checkInteger('ChunkedWriter', 'chunk', chunk, 1, 1 << 30);
  }

  push(text: string): void {
    if (typeof text !== 'string') argFail('push', 'text', 'a string', text);
    this.buf += text;
    if (this.buf.length >= this.chunk) this.flush();
  }

  flush(): void {
    if (this.buf.length === 0) return;
    const text = this.buf;
    this.buf = '';
    this.write(text);
  }
}

/** `sec.fraction` with 6 digits (µs captures) or 9 (finer ones), as tcpdump -tt prints it. */
export function formatTimestamp(tsSec: number, tsNsec: number, nanosecond: boolean): string {
  checkTimestamp('formatTimestamp', '', tsSec, tsNsec, nanosecond);
  const frac = nanosecond ? String(tsNsec).padStart(9, '0') : String(Math.floor(tsNsec / 1000)).padStart(6, '0');
  return `${tsSec}.${frac}`;
}

/** The `--results` line: the filter's return value, unsigned decimal. */
export function resultLine(p: ReplayPacket): string {
  if (typeof p !== 'object' || p === null || (p.ret >>> 0) !== p.ret) checkInteger('resultLine', 'p.ret', checkObject('resultLine', 'p', p, 'a ReplayPacket').ret, 0, 0xffffffff);
  return `${p.ret}\n`;
}

/** The `--json` line: one object per packet. */
export function jsonLine(p: ReplayPacket): string {
  const fn = 'jsonLine';
  checkObject(fn, 'p', p, 'a ReplayPacket');
  for (const k of ['index', 'caplen', 'wirelen', 'ret', 'kept'] as const) checkInteger(fn, `p.${k}`, p[k], 0, Number.MAX_SAFE_INTEGER);
  checkTimestamp(fn, 'p.', p.tsSec, p.tsNsec, p.nanosecond);
  return `{"index":${p.index},"ts":"${formatTimestamp(p.tsSec, p.tsNsec, p.nanosecond)}","caplen":${p.caplen},"wirelen":${p.wirelen},` +
    `"ret":${p.ret},"accepted":${p.ret !== 0},"kept":${p.kept}}\n`;
}

/** A timestamp as the capture reader gives it; `prefix` names the fields' owner in messages. */
function checkTimestamp(fn: string, prefix: string, tsSec: unknown, tsNsec: unknown, nanosecond: unknown): void {
  checkInteger(fn, `${prefix}tsSec`, tsSec, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  // Not capped at a second: a pcap record's fraction is not, in every file.
  checkInteger(fn, `${prefix}tsNsec`, tsNsec, 0, Number.MAX_SAFE_INTEGER);
  if (typeof nanosecond !== 'boolean') argFail(fn, `${prefix}nanosecond`, 'true or false', nanosecond);
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${((100 * part) / whole).toFixed(part === whole || part === 0 ? 0 : 2)}%`;
}

/** `EN10MB (1)`: the registry name and the value; an unnamed one is `LINKTYPE_300` already. */
function linktypeLabel(linktype: number): string {
  const name = linktypeName(linktype);
  return name === `LINKTYPE_${linktype}` ? name : `${name} (${linktype})`;
}

/** The default output: what was read, what the filter kept, and how fast. */
export function formatSummary(r: ReplayResult): string {
  const fn = 'formatSummary';
  checkObject(fn, 'r', r, 'a ReplayResult');
  checkString(fn, 'r.engine', r.engine);
  checkString(fn, 'r.semantics', r.semantics);
  for (const k of ['packets', 'accepted', 'bytesKept', 'bytesCaptured'] as const) checkInteger(fn, `r.${k}`, r[k], 0, Number.MAX_SAFE_INTEGER);
  if (typeof r.elapsedMs !== 'number' || !(r.elapsedMs >= 0) || r.elapsedMs === Infinity) argFail(fn, 'r.elapsedMs', 'a finite number of at least 0', r.elapsedMs);
  checkArray(fn, 'r.linktypes', r.linktypes).forEach((l, n) => checkInteger(fn, `r.linktypes[${n}]`, l, 0, 0xffffffff));
  const seconds = r.elapsedMs / 1000;
  const rows: Array<[string, string]> = [
    ['engine', r.engine === 'classic' ? `classic (${r.semantics} semantics)` : r.engine],
    [r.linktypes.length > 1 ? 'link types' : 'link type', r.linktypes.map(linktypeLabel).join(', ')],
    ['packets', String(r.packets)],
    ['accepted', `${r.accepted} (${percent(r.accepted, r.packets)})`],
    ['bytes kept', `${r.bytesKept} of ${r.bytesCaptured} captured`],
    ['elapsed', `${seconds.toFixed(3)} s`],
    ['packets/s', r.elapsedMs > 0 ? String(Math.round(r.packets / seconds)) : '-'],
  ];
  return rows.map(([k, v]) => `${`${k}:`.padEnd(12)}${v}\n`).join('');
}

/**
 * The per-packet line of a replay over several captures (or `--with-filename`): `FILE<TAB>RET`
 * for --results, and the --json object with a leading `"file"` field. `prefix` comes from
 * linePrefix(), made once per capture.
 */
export function linePrefix(file: string, kind: 'results' | 'json'): string {
  checkString('linePrefix', 'file', file);
  return kind === 'results' ? `${file}\t` : `{"file":${JSON.stringify(file)},`;
}

/** `resultLine` or `jsonLine` behind a prefix from linePrefix ('' for none). */
export function prefixedLine(prefix: string, kind: 'results' | 'json', p: ReplayPacket): string {
  if (kind === 'results') return prefix + resultLine(p);
  const line = jsonLine(p);
  return prefix === '' ? line : prefix + line.slice(1);
}

/** One capture's line in the summary of a replay over several: its link types and counts. */
export function formatFileLine(file: string, r: Pick<ReplayResult, 'linktypes' | 'packets' | 'accepted' | 'bytesKept' | 'bytesCaptured'>): string {
  checkString('formatFileLine', 'file', file);
  checkObject('formatFileLine', 'r', r, 'a replay result');
  checkArray('formatFileLine', 'r.linktypes', r.linktypes);
  const links = r.linktypes.length > 0 ? r.linktypes.map(linktypeLabel).join(', ') : 'no link type';
  return `${file}: ${links}; ${r.packets} packet${r.packets === 1 ? '' : 's'}, ${r.accepted} accepted (${percent(r.accepted, r.packets)}), ` +
    `${r.bytesKept} of ${r.bytesCaptured} bytes kept\n`;
}
