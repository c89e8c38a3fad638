/**
 * The only ways the JIT puts program-derived content into generated JavaScript.
 *
 * SAFETY INVARIANT. The generated source is built exclusively from
 *   1. fixed text written in this directory (keywords, operators, local and runtime names), and
 *   2. numbers, through `num()`, `reg()` and `label()`, which check that the value is a safe
 *      integer (a register index 0..10 for `reg`) and print it with String(n): nothing
 *      but an optional minus sign and decimal digits.
 * No string, property name or character taken from the input program, the environment or
 * the caller's options ever reaches the source, so a program (however malformed) can only
 * change which of our fixed fragments are emitted and which integers appear in them; it
 * cannot make the generated function run arbitrary JavaScript. The source has no string
 * literals, no comments and no `/` at all (division goes through runtime functions).
 * test/vm/jit-safety.test.ts fuzzes instruction fields and checks every generated source
 * against a whitelist of characters and identifiers.
 */

/** A safe integer as JavaScript source; negative values in parentheses (so `a - (-1)`). */
export function num(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`jit: refusing to emit ${typeof n} ${String(n)} (not a safe integer)`);
  return n < 0 ? `(${String(n)})` : String(n);
}

/** A register index 0..10 (the suffix of the `l<r>`/`h<r>` locals). */
export function reg(r: number): string {
  if (!Number.isInteger(r) || r < 0 || r > 10) throw new Error(`jit: refusing to emit register ${String(r)}`);
  return String(r);
}

/** The label of the block starting at `pc`. */
export function label(pc: number): string {
  if (!Number.isInteger(pc) || pc < 0) throw new Error(`jit: refusing to emit label ${String(pc)}`);
  return `b${String(pc)}`;
}

/** The low / high half local of a register. */
export const lo = (r: number): string => `l${reg(r)}`;
export const hi = (r: number): string => `h${reg(r)}`;
