/**
 * Quoting what users wrote in messages. Errors quote input (an operand, a mnemonic, a syscall
 * name, an option value, a file name); quoted raw, it would carry terminal escapes, NUL bytes,
 * line breaks or bidi overrides to the user's terminal, or a million-digit number into a
 * one-line message.
 */

/** How much of an input a message quotes by default, in characters of the quote. */
export const QUOTE_MAX = 40;
/** How much of a file name a message shows: any real path, but not a megabyte of one. */
export const NAME_QUOTE_MAX = 1024;

/**
 * Characters that do not show as themselves: C0 and C1 controls and DEL (Cc); format
 * characters (Cf): bidi embeddings, overrides and isolates, zero-width spaces and joiners,
 * the BOM, soft hyphens, tags; line and paragraph separators (Zl, Zp); lone surrogates (Cs).
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

const NAMED: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const cp = ch.codePointAt(0)!;
  const digits = cp.toString(16);
  if (cp < 0x100) return `\\x${digits.padStart(2, '0')}`;
  return cp < 0x10000 ? `\\u${digits.padStart(4, '0')}` : `\\u{${digits}}`;
}

/**
 * `text` made safe to quote in a one-line message: every character that would not show as
 * itself is written as an escape (`\x1b`, `\x00`, `\n`, `\u202e`), and a quote longer than
 * `max` characters is cut, at a whole character or escape, and ends in `...`. Reads at most
 * about `max` characters of `text`, however long it is.
 */
export function quotable(text: string, max: number = QUOTE_MAX): string {
  let out = '';
  for (const ch of text) {
    const shown = HIDDEN.test(ch) ? escapeChar(ch) : ch;
    if (out.length + shown.length > max) return `${out}...`;
    out += shown;
  }
  return out;
}
