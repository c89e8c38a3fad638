/**
 * One way in for the commands that compare or explain "any filter or profile": a path, bytes
 * or a program becomes a SeccompFilter.
 */
import type { BytesLike } from '../args.js';
import type { ClassicInsn } from '../classic/insn.js';
import { type LoadSeccompOptions, type SeccompFilter, loadSeccompFilter } from './filter.js';

/** Loads a seccomp filter (see loadSeccompFilter) for diff and explain. */
export function loadSeccompInput(input: BytesLike | string | readonly ClassicInsn[], opts: LoadSeccompOptions = {}): SeccompFilter {
  // Profiles: inputs that are JSON objects go to compileSeccompProfile (src/seccomp/profile/) here, once it is merged.
  return loadSeccompFilter(input, opts);
}
