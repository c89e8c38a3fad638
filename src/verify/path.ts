/**
 * How a violation was reached, as a list of pcs that reads as straight-line runs:
 * `0 -> 3 -> 7 -> 12` means "ran 0..3, jumped to 7, ran 7..12". Paths share their
 * prefixes (a linked list growing at the head), so forking a path at a branch costs one node.
 */

export interface PathNode {
  readonly pc: number;
  readonly prev: PathNode | null;
}

/** The longest path a VerifyError carries; older entries are dropped. */
export const MAX_PATH_ENTRIES = 64;

export const pathStart = (pc = 0): PathNode => ({ pc, prev: null });

/** The path after a jump from `from` to `to` (not a fall-through). */
export const pathJump = (path: PathNode, from: number, to: number): PathNode => ({ pc: to, prev: { pc: from, prev: path } });

/** The pcs of `path` ending at `at`, oldest first, trimmed to the last MAX_PATH_ENTRIES. */
export function pathTo(path: PathNode, at: number): number[] {
  const out: number[] = [at];
  for (let n: PathNode | null = path; n && out.length < MAX_PATH_ENTRIES; n = n.prev) {
    if (n.pc !== out[out.length - 1]) out.push(n.pc);
  }
  return out.reverse();
}

/** Compresses a full pc sequence (each step one edge) into run boundaries, trimmed like pathTo. */
export function compressPcs(pcs: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let k = 0; k < pcs.length; k++) {
    const pc = pcs[k]!;
    const startsRun = k === 0 || pcs[k - 1]! + 1 !== pc;
    const endsRun = k === pcs.length - 1 || pcs[k + 1]! !== pc + 1;
    if (startsRun || endsRun) out.push(pc);
  }
  return out.length > MAX_PATH_ENTRIES ? out.slice(out.length - MAX_PATH_ENTRIES) : out;
}
