/**
 * Text forms of a replay: the summary, one result line per packet (`--results`, what scripts
 * diff against libpcap), one JSON object per packet (`--json`), and a chunked writer so that
 * a million lines cost a few hundred writes.
 */
import { linktypeName } from '../capture/linktype.js';
import type { ReplayPacket, ReplayResult } from './replay.js';

/** Gathers text and hands it to `write` in chunks of at least `chunk` characters. */
export class ChunkedWriter {
  private buf = '';

  constructor(private readonly write: (text: string) => void, private readonly chunk = 1 << 16) {}

  push(text: string): void {
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
  const frac = nanosecond ? String(tsNsec).padStart(9, '0') : String(Math.floor(tsNsec / 1000)).padStart(6, '0');
  return `${tsSec}.${frac}`;
}

/** The `--results` line: the filter's return value, unsigned decimal. */
export function resultLine(p: ReplayPacket): string {
  return `${p.ret}\n`;
}

/** The `--json` line: one object per packet. */
export function jsonLine(p: ReplayPacket): string {
  return `{"index":${p.index},"ts":"${formatTimestamp(p.tsSec, p.tsNsec, p.nanosecond)}","caplen":${p.caplen},"wirelen":${p.wirelen},` +
    `"ret":${p.ret},"accepted":${p.ret !== 0},"kept":${p.kept}}\n`;
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
