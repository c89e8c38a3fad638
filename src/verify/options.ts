/** What callers tell the verifier, and what it answers. */
import type { VerifyError } from '../errors.js';

/**
 * What R1 points at on entry: a socket filter's `__sk_buff`, a `seccomp_data`, or a plain
 * memory region of `size` bytes (bpf_conformance `-- mem`; R2 then holds its length).
 */
export type VerifyContext = 'skb' | 'seccomp' | { readonly size: number };

export interface HelperSignature {
  /** Number of argument registers (R1..R5) the helper reads. */
  readonly args: number;
}

export interface VerifyOptions {
  /** Default 'skb'. */
  ctx?: VerifyContext;
  /** Helper lookup by id; default: the table in src/ebpf/helpers.ts. */
  helpers?: (id: number) => HelperSignature | undefined;
  /** Longest program accepted; default BPF_COMPLEXITY_LIMIT_INSNS. */
  maxInsns?: number;
  /** Most instructions the path walk may process before it gives up; default BPF_COMPLEXITY_LIMIT_INSNS. */
  maxProcessed?: number;
  /**
   * 'refuse' (default): any backward jump is an error. 'bounded': loops are walked turn by
   * turn, as Linux's verifier does for privileged programs (5.3+): accepted when every turn
   * is safe and the walk ends, i.e. a known counter decides the exit (translateClassic's
   * backwardLoops: 'bounded' emits such loops). A loop whose state comes back unchanged
   * is refused as possibly endless.
   */
  loops?: 'refuse' | 'bounded';
}

export interface VerifyStats {
  /** Instructions the path walk processed (each path counts its own). */
  readonly insnsProcessed: number;
  /** States kept at join points for pruning. */
  readonly states: number;
}

export type VerifyResult =
  | ({ readonly ok: true } & VerifyStats)
  | ({ readonly ok: false; readonly error: VerifyError } & VerifyStats);
