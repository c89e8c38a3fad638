/**
 * "Did you mean ...?" for a misspelt name (a command, syscall, arch or errno): the known name
 * closest to it by edit distance, when it is close enough to be a typo of it rather than
 * another word. The distance is leven's (a small maintained library); its closestMatch keeps
 * the first of equally close names, so callers list the likelier ones first.
 */
import { closestMatch } from 'leven';

/**
 * How many edits a typo of `name` may hold: a third of its length, rounded, at least one.
 * Swapping two letters costs two (`opneat`, `eprem`), which a five-letter name still allows;
 * `rd` is not a typo of `read`.
 */
function typoBudget(name: string): number {
  return Math.max(1, Math.round(name.length / 3));
}

/** The name of `known` that `name` is most likely a typo of, or undefined when none is close. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  return closestMatch(name, [...known], { maxDistance: typoBudget(name) });
}

/**
 * A string outside a union of known names, still accepted: `KnownName | OtherName` keeps the
 * known names in an editor's completion list (a plain `| string` would swallow them).
 */
export type OtherName = string & Record<never, never>;
