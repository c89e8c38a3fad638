/**
 * The JSON seccomp profile format of Docker/moby, Podman (containers/common) and the OCI
 * runtime spec, read into typed values. Checks shapes and spellings only; what a profile
 * means for a given host, capability set and kernel is resolve.ts's job. Fields no runtime
 * reads (`comment`, Podman's `defaultErrno`) are ignored, as the runtimes' JSON decoders do.
 */
import { argFail, checkString } from '../../args.js';
import { DecodeError } from '../../errors.js';

/** The SCMP_ACT_* words profiles use. */
export const PROFILE_ACTIONS = [
  'SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY',
] as const;
export type ProfileAction = (typeof PROFILE_ACTIONS)[number];

export const PROFILE_OPS = [
  'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ',
] as const;
export type ProfileOp = (typeof PROFILE_OPS)[number];

export interface ProfileArg {
  readonly index: number;
  /** For MASKED_EQ the mask; otherwise the value compared with. A u64 held exactly (bigint). */
  readonly value: bigint;
  /** For MASKED_EQ the value the masked argument must equal. */
  readonly valueTwo: bigint;
  readonly op: ProfileOp;
}

export interface ProfileFilter {
  /** libseccomp arch names (`SCMP_ARCH_X86`) or Go names (`amd64`) as the profile writes them. */
  readonly arches: readonly string[];
  readonly caps: readonly string[];
  /** `X.Y` or `X.Y.Z`, as [major, minor, patch]. */
  readonly minKernel?: readonly [number, number, number];
}

export interface ProfileSyscall {
  /** Position in `syscalls`, for messages and provenance. */
  readonly index: number;
  readonly names: readonly string[];
  readonly action: ProfileAction;
  readonly errnoRet?: number;
  readonly args: readonly ProfileArg[];
  readonly includes?: ProfileFilter;
  readonly excludes?: ProfileFilter;
}

export interface ProfileArchMap {
  readonly architecture: string;
  readonly subArchitectures: readonly string[];
}

export interface SeccompProfile {
  readonly defaultAction: ProfileAction;
  readonly defaultErrnoRet?: number;
  /** The legacy list; a profile has this or archMap, not both. */
  readonly architectures: readonly string[];
  readonly archMap: readonly ProfileArchMap[];
  readonly syscalls: readonly ProfileSyscall[];
}

type Json = unknown;

class Reader {
  constructor(readonly source: string) {}

  fail(path: string, detail: string): never {
    throw new DecodeError(this.source, `${path}: ${detail}`);
  }

  object(path: string, v: Json): Record<string, Json> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, `expected an object, found ${kind(v)}`);
    return v as Record<string, Json>;
  }

  /** Go decodes `null` into an empty slice: so do we. */
  array(path: string, v: Json): Json[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(path, `expected an array, found ${kind(v)}`);
    return v;
  }

  string(path: string, v: Json): string {
    if (typeof v !== 'string') this.fail(path, `expected a string, found ${kind(v)}`);
    return v;
  }

  strings(path: string, v: Json): string[] {
    return this.array(path, v).map((s, i) => this.string(`${path}[${i}]`, s));
  }

  uint(path: string, v: Json, max: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) this.fail(path, `expected an integer in 0..${max}, found ${show(v)}`);
    return v;
  }

  /** A u64. JSON numbers above 2^53 lose precision in JSON.parse; profiles pass them as written, so we refuse them. */
  u64(path: string, v: Json): bigint {
    if (v === undefined || v === null) return 0n;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.fail(path, `expected an unsigned integer, found ${show(v)}`);
    if (!Number.isSafeInteger(v)) this.fail(path, `${show(v)} is above 2^53 and cannot be read exactly from JSON`);
    return BigInt(v);
  }

  oneOf<T extends string>(path: string, v: Json, words: readonly T[]): T {
    const s = this.string(path, v);
    if (!(words as readonly string[]).includes(s)) this.fail(path, `unknown ${show(s)} (known: ${words.join(', ')})`);
    return s as T;
  }
}

function kind(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${show(v)}`;
}

function show(v: Json): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function kernelVersion(r: Reader, path: string, v: Json): [number, number, number] {
  const s = r.string(path, v);
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(s.trim());
  if (!m) r.fail(path, `expected a kernel version like "4.8", found ${show(s)}`);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/** A kernel version `X.Y[.Z]`, as --kernel takes it; undefined when it is not one. */
export function parseKernelVersion(text: string): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

function filterOf(r: Reader, path: string, v: Json): ProfileFilter | undefined {
  if (v === undefined || v === null) return undefined;
  const o = r.object(path, v);
  const minKernel = o.minKernel === undefined || o.minKernel === null || o.minKernel === '' ? undefined : kernelVersion(r, `${path}.minKernel`, o.minKernel);
  return { arches: r.strings(`${path}.arches`, o.arches), caps: r.strings(`${path}.caps`, o.caps), ...(minKernel ? { minKernel } : {}) };
}

const ERRNO_MAX = 0xffff;

/** Reads a profile: its text, or the value JSON.parse made of it. Throws DecodeError (exit 65). */
export function parseSeccompProfile(json: string | object, source = '<profile>'): SeccompProfile {
  checkString('parseSeccompProfile', 'source', source);
  if (typeof json !== 'string' && (typeof json !== 'object' || json === null)) {
    argFail('parseSeccompProfile', 'json', 'the text of a JSON profile or the parsed object', json);
  }
  const r = new Reader(source);
  let value: Json = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (e) {
      throw new DecodeError(source, `not JSON: ${(e as Error).message}`);
    }
  }
  const top = r.object('profile', value);
  if (top.defaultAction === undefined) r.fail('defaultAction', 'missing (every profile names the action for calls no rule matches)');
  const defaultAction = r.oneOf('defaultAction', top.defaultAction, PROFILE_ACTIONS);
  const defaultErrnoRet = top.defaultErrnoRet === undefined || top.defaultErrnoRet === null ? undefined : r.uint('defaultErrnoRet', top.defaultErrnoRet, ERRNO_MAX);
  const architectures = r.strings('architectures', top.architectures);
  const archMap = r.array('archMap', top.archMap).map((a, i) => {
    const o = r.object(`archMap[${i}]`, a);
    return { architecture: r.string(`archMap[${i}].architecture`, o.architecture), subArchitectures: r.strings(`archMap[${i}].subArchitectures`, o.subArchitectures) };
  });
  // moby refuses a profile with both: which one applies would be a guess.
  if (architectures.length > 0 && archMap.length > 0) r.fail('profile', "both 'architectures' and 'archMap' are given; use one");
  const syscalls = r.array('syscalls', top.syscalls).map((s, index): ProfileSyscall => {
    const path = `syscalls[${index}]`;
    const o = r.object(path, s);
    const names = r.strings(`${path}.names`, o.names);
    if (o.name !== undefined && o.name !== null && o.name !== '') {
      if (names.length > 0) r.fail(path, "both 'name' and 'names' are given; use one");
      names.push(r.string(`${path}.name`, o.name));
    }
    if (o.action === undefined) r.fail(`${path}.action`, 'missing');
    const action = r.oneOf(`${path}.action`, o.action, PROFILE_ACTIONS);
    const errnoRet = o.errnoRet === undefined || o.errnoRet === null ? undefined : r.uint(`${path}.errnoRet`, o.errnoRet, ERRNO_MAX);
    const args = r.array(`${path}.args`, o.args).map((a, j): ProfileArg => {
      const ap = `${path}.args[${j}]`;
      const ao = r.object(ap, a);
      return {
        index: r.uint(`${ap}.index`, ao.index, 5),
        value: r.u64(`${ap}.value`, ao.value),
        valueTwo: r.u64(`${ap}.valueTwo`, ao.valueTwo),
        op: r.oneOf(`${ap}.op`, ao.op, PROFILE_OPS),
      };
    });
    const includes = filterOf(r, `${path}.includes`, o.includes);
    const excludes = filterOf(r, `${path}.excludes`, o.excludes);
    return {
      index, names, action, args,
      ...(errnoRet !== undefined ? { errnoRet } : {}), ...(includes ? { includes } : {}), ...(excludes ? { excludes } : {}),
    };
  });
  return { defaultAction, ...(defaultErrnoRet !== undefined ? { defaultErrnoRet } : {}), architectures, archMap, syscalls };
}

/** A profile file's bound: moby's default is 17 KiB; no real profile comes near 4 MiB. */
export const PROFILE_INPUT = {
  kind: 'a seccomp profile',
  maxInsns: 4096,
  maxBytes: 4 << 20,
} as const;
