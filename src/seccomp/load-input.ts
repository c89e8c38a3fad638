/**
 * One way in for the commands that take "any filter or profile" (evaluate, explain, summary,
 * diff, disasm): a JSON object is an OCI/Docker/Podman profile, compiled as runc applies it;
 * anything else is a filter in one of loadSeccompFilter's forms.
 */
import { type BytesLike, checkArray, checkOptions, checkString, isBytesLike, optString, toBytes } from '../args.js';
import { CLASSIC_INPUT } from '../classic/limits.js';
import type { ClassicInsn } from '../classic/insn.js';
import { DecodeError } from '../errors.js';
import { readInput, sourceName } from '../io/input.js';
import { type LoadSeccompOptions, type SeccompFilter, loadSeccompFilter } from './filter.js';
import { compileSeccompProfile } from './profile/compile.js';
import { PROFILE_INPUT } from './profile/parse.js';

/** Options of loadSeccompInput: a filter's load options, and what a profile is compiled for. */
export interface SeccompInputOptions extends LoadSeccompOptions {
  /** For a profile: the container's capabilities (default: Docker's default set). */
  caps?: readonly string[];
  /** For a profile: the kernel version `X.Y[.Z]` that minKernel is resolved against. */
  kernel?: string;
}

const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Whether the bytes start, after white space, with `{` and then `"` or `}`: a JSON object.
 * tcpdump -dd text starts with `{` too, but a number follows it (`{ 0x28, 0, 0, 0x0000000c },`).
 */
function isJsonObject(bytes: Uint8Array): boolean {
  let n = 0;
  while (n < bytes.length && SPACE.has(bytes[n]!)) n++;
  if (bytes[n] !== 0x7b) return false; // {
  n++;
  while (n < bytes.length && SPACE.has(bytes[n]!)) n++;
  return bytes[n] === 0x22 || bytes[n] === 0x7d; // " or }
}

function filterTooLong(source: string): DecodeError {
  return new DecodeError(source, `input over the ${CLASSIC_INPUT.maxBytes}-byte limit for ${CLASSIC_INPUT.kind} (${CLASSIC_INPUT.maxInsns} instructions at most)`);
}

/** Loads a seccomp filter, or compiles a JSON profile (for opts.arch as the host), from a path, bytes or a program. */
export function loadSeccompInput(input: BytesLike | string | readonly ClassicInsn[], opts: SeccompInputOptions = {}): SeccompFilter {
  const { caps, kernel, ...load } = checkOptions('loadSeccompInput', 'opts', opts);
  if (caps !== undefined) checkArray('loadSeccompInput', 'opts.caps', caps).forEach((c, n) => checkString('loadSeccompInput', `opts.caps[${n}]`, c));
  optString('loadSeccompInput', 'opts.kernel', kernel);
  if (Array.isArray(input) || (typeof input !== 'string' && !isBytesLike(input))) return loadSeccompFilter(input, load);
  const source = opts.source ?? (typeof input === 'string' ? sourceName(input) : '<input>');
  // A profile may be larger than any filter text: read to the profile's bound, then hold a filter to its own.
  // Past both, the message names a filter's bound, since that is what most inputs are.
  let bytes: Uint8Array;
  try {
    bytes = typeof input === 'string' ? readInput(input, PROFILE_INPUT) : toBytes('loadSeccompInput', 'input', input);
  } catch (e) {
    if (e instanceof DecodeError && e.message.includes(`over the ${PROFILE_INPUT.maxBytes}-byte limit`)) throw filterTooLong(source);
    throw e;
  }
  if (isJsonObject(bytes)) {
    return compileSeccompProfile(new TextDecoder().decode(bytes), {
      source,
      ...(opts.arch !== undefined ? { arch: opts.arch } : {}),
      ...(caps !== undefined ? { caps } : {}),
      ...(kernel !== undefined ? { kernel } : {}),
    });
  }
  if (bytes.length > CLASSIC_INPUT.maxBytes) throw filterTooLong(source);
  return loadSeccompFilter(bytes, { ...load, source });
}
