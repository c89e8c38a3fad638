/**
 * compileSeccompProfile: a Docker/Podman/OCI JSON seccomp profile to the classic program a
 * container runtime (runc over libseccomp) installs for it, as a SeccompFilter. Our layout
 * is our own (linear syscall checks, no binary tree), but every path returns what
 * libseccomp's program returns; the tests check that against libseccomp itself.
 */
import { argFail, checkArray, checkOptions, checkString, optBoolean, optString } from '../../args.js';
import type { ClassicInsn } from '../../classic/insn.js';
import { SECCOMP_DATA } from '../../abi/ctx.js';
import { UsageError } from '../../errors.js';
import { ACTION_VALUES, formatAction } from '../actions.js';
import { type ArchInput, type SeccompArch, X32_SYSCALL_BIT, checkArch, hostArch, toArch } from '../arch.js';
import { offsetOf } from '../data.js';
import { SeccompFilter } from '../filter.js';
import { syscallNumber } from '../syscalls/index.js';
import { type Label, ProgramBuilder } from './assemble.js';
import { multiplexed } from './mux.js';
import { type SeccompProfile, parseKernelVersion, parseSeccompProfile } from './parse.js';
import { DOCKER_DEFAULT_CAPS, type ResolvedProfile, normalizeCap, resolveProfile } from './resolve.js';
import { type Level, type SyscallRules, addRule, ruleTree } from './tree.js';

export interface CompileProfileOptions {
  /** The host (Linux or Go name); default: this machine's. */
  arch?: ArchInput;
  /** The container's capabilities, for includes/excludes.caps (`CAP_` optional); default: Docker's default set. */
  caps?: readonly string[];
  /** The kernel, `X.Y[.Z]`, for minKernel; default: newer than any. */
  kernel?: string;
  /** Prepend runc's stub that fails calls newer than the profile with ENOSYS (default true, as runc does). */
  enosysStub?: boolean;
  /** Name for messages. */
  source?: string;
}

/** What compiling a profile found besides the program. */
export interface CompiledProfileInfo {
  readonly source: string;
  /** The host: queries without an arch use it; its byte order is the records'. */
  readonly host: SeccompArch;
  /** The arches the filter covers, the host first. */
  readonly arches: readonly SeccompArch[];
  /** One line per kind of problem (syscall names unknown on an arch, arches without a table). */
  readonly warnings: readonly string[];
  /** The JSON rule behind each instruction. */
  readonly provenance: readonly (string | undefined)[];
}

/** A compiled profile: a SeccompFilter, with what compiling it found. */
export class CompiledSeccompProfile extends SeccompFilter {
  /** One line per kind of problem (syscall names unknown on an arch, arches without a table). */
  readonly warnings: readonly string[];
  /** The arches the filter covers, the host first. */
  readonly arches: readonly SeccompArch[];

  constructor(prog: readonly ClassicInsn[], info: CompiledProfileInfo) {
    super(prog, { source: info.source, arch: info.host, endian: info.host.endian, provenance: info.provenance });
    this.warnings = info.warnings;
    this.arches = info.arches;
  }
}

interface Built {
  prog: ClassicInsn[];
  provenance: Array<string | undefined>;
}

const ENOSYS = 38;
const BAD_ARCH = ACTION_VALUES.KILL_THREAD;
const BAD_ARCH_WHY = 'an arch (or ABI) the profile does not cover: libseccomp\'s bad-arch action, KILL_THREAD (runc keeps it)';

/** The rules of each covered arch, keyed by syscall number, and the names each arch lacks. */
function tables(r: ResolvedProfile): { per: Map<SeccompArch, Map<number, SyscallRules>>; unknown: Map<SeccompArch, string[]> } {
  const per = new Map<SeccompArch, Map<number, SyscallRules>>();
  const unknown = new Map<SeccompArch, string[]>();
  for (const arch of r.arches) {
    const table = new Map<number, SyscallRules>();
    const missing: string[] = [];
    // libseccomp compares only the low words on x32, as on the 32-bit arches.
    const bits = arch.name === 'x32' ? 32 : arch.bits;
    for (const rule of r.rules) {
      const nr = syscallNumber(arch, rule.name);
      const mux = multiplexed(arch.name, rule.name);
      if (nr === undefined && mux === undefined) {
        if (!missing.includes(rule.name)) missing.push(rule.name);
        continue;
      }
      if (nr !== undefined) addRule(table, nr, rule.action, ruleTree(rule.args, rule.action, bits, rule.origin), rule.origin);
      if (mux !== undefined) {
        const via = syscallNumber(arch, mux.via)!;
        const args = [...rule.args.filter((a) => a.index !== 0), { index: 0, op: 'SCMP_CMP_EQ' as const, value: BigInt(mux.call), valueTwo: 0n }];
        addRule(table, via, rule.action, ruleTree(args, rule.action, bits, `${rule.origin} via ${mux.via}`), rule.origin);
      }
    }
    per.set(arch, table);
    if (missing.length > 0) unknown.set(arch, missing);
  }
  return { per, unknown };
}

/**
 * The largest number each arch gives a name of the profile: runc's ENOSYS stub limit. runc
 * asks libseccomp, which numbers a multiplexed call by its multiplexer (connect is socketcall
 * on i386), so its direct number does not count.
 */
function largest(r: ResolvedProfile, arch: SeccompArch): number {
  let max = 0;
  for (const name of r.names) {
    const mux = multiplexed(arch.name, name);
    const nr = syscallNumber(arch, mux ? mux.via : name);
    if (nr !== undefined && nr > max) max = nr;
  }
  return max;
}

/** libseccomp's idea of what A holds: the word at `offset`, ANDed with `mask`. */
interface Acc {
  offset: number;
  mask: number;
}

class Generator {
  readonly b = new ProgramBuilder();

  constructor(private readonly r: ResolvedProfile, private readonly defaultWhy: string) {}

  /**
   * One level of a syscall's tree; `cont` is where the level goes when no node decides. `acc`
   * is what libseccomp (2.5) believes A holds: a node loads its word only when the belief
   * differs. The belief follows the level, not the path: the next node of a level believes what
   * the previous node loaded even when that node's sub-tree loaded another word before falling
   * through, so libseccomp's program then compares the wrong word. We keep that belief, so our
   * program returns what libseccomp's returns.
   */
  private level(level: Level, arch: SeccompArch, cont: Label, rets: Map<number, { label: Label; why: string }>, acc: Acc): Acc {
    const b = this.b;
    const labels = level.nodes.map(() => b.label());
    let belief: Acc = { ...acc };
    level.nodes.forEach((n, i) => {
      b.place(labels[i]!);
      const c = i + 1 < labels.length ? labels[i + 1]! : cont;
      const branch = (act: number | undefined, nxt: Level | undefined): Label => {
        if (act !== undefined) {
          let r = rets.get(act);
          if (!r) rets.set(act, r = { label: b.label(), why: n.origin });
          return r.label;
        }
        return nxt ? b.label() : c;
      };
      const t = branch(n.actT, n.nxtT);
      const f = branch(n.actF, n.nxtF);
      const why = n.origin;
      const offset = offsetOf('arg', n.arg, n.hi, arch.endian);
      if (offset !== belief.offset || ((n.mask & belief.mask) >>> 0) !== n.mask >>> 0) {
        b.push({ kind: 'ld', offset, why });
        belief.offset = offset;
        belief.mask = 0xffffffff;
      }
      if (n.mask >>> 0 !== belief.mask >>> 0) {
        b.push({ kind: 'and', k: n.mask, why });
        belief.mask = n.mask;
      }
      const op = n.op === 'GT' ? 'jgt' : n.op === 'GE' ? 'jge' : 'jeq';
      b.push({ kind: 'jmp', op, k: n.datum, t, f, why });
      // What the true branch's sub-tree loads carries on to the false branch and the next
      // nodes; what the false branch's loads does not.
      if (n.nxtT && n.actT === undefined) { b.place(t); belief = this.level(n.nxtT, arch, c, rets, belief); }
      if (n.nxtF && n.actF === undefined) { b.place(f); this.level(n.nxtF, arch, c, rets, belief); }
    });
    return belief;
  }

  /** The checks of one arch's syscalls, with A holding nr; ends in the default action. */
  syscalls(arch: SeccompArch, table: Map<number, SyscallRules>): void {
    const b = this.b;
    const def = b.label();
    for (const s of [...table.values()].sort((x, y) => (x.nr >>> 0) - (y.nr >>> 0))) {
      const next = b.label();
      const body = b.label();
      b.push({ kind: 'jmp', op: 'jeq', k: s.nr, t: body, f: next, why: s.origin });
      b.place(body);
      if (s.tree === undefined) {
        b.push({ kind: 'ret', k: s.action!, why: s.origin });
      } else {
        const rets = new Map<number, { label: Label; why: string }>();
        this.level(s.tree, arch, def, rets, { offset: SECCOMP_DATA.nr, mask: 0xffffffff });
        for (const [act, r] of rets) {
          b.place(r.label);
          b.push({ kind: 'ret', k: act, why: r.why });
        }
      }
      b.place(next);
      if (s.tree !== undefined) b.push({ kind: 'ld', offset: SECCOMP_DATA.nr, why: s.origin });
    }
    b.place(def);
    b.push({ kind: 'ret', k: this.r.defaultAction, why: this.defaultWhy });
  }
}

function build(r: ResolvedProfile, per: Map<SeccompArch, Map<number, SyscallRules>>, stub: boolean, defaultWhy: string): Built {
  const g = new Generator(r, defaultWhy);
  const b = g.b;
  // Arches that share an AUDIT_ARCH value (x86_64 and x32) share one check.
  const groups: Array<{ audit: number; arches: SeccompArch[] }> = [];
  for (const a of r.arches) {
    const grp = groups.find((x) => x.audit === a.audit);
    if (grp) grp.arches.push(a);
    else groups.push({ audit: a.audit, arches: [a] });
  }
  const archWhy = `covered arches: ${r.arches.map((a) => a.name).join(', ')}`;
  if (stub) buildStub(b, r, groups);
  b.push({ kind: 'ld', offset: SECCOMP_DATA.arch, why: archWhy });
  const entries = groups.map(() => b.label());
  groups.forEach((grp, i) => {
    const next = b.label();
    b.push({ kind: 'jmp', op: 'jeq', k: grp.audit, t: entries[i]!, f: next, why: archWhy });
    b.place(next);
  });
  const bad = b.label();
  b.place(bad);
  b.push({ kind: 'ret', k: BAD_ARCH, why: BAD_ARCH_WHY });
  groups.forEach((grp, i) => {
    b.place(entries[i]!);
    b.push({ kind: 'ld', offset: SECCOMP_DATA.nr, why: archWhy });
    const native = grp.arches.find((a) => a.name !== 'x32');
    const x32 = grp.arches.find((a) => a.name === 'x32');
    if (native?.name === 'x86_64' || x32) {
      // One AUDIT_ARCH, two ABIs: x32 calls carry the x32 bit and everything above it. Jumps
      // only go forward, so this group has its own bad-arch return.
      const low = b.label();
      const high = b.label();
      const localBad = b.label();
      b.push({ kind: 'jmp', op: 'jge', k: X32_SYSCALL_BIT, t: high, f: native ? low : localBad, why: archWhy });
      if (!x32) {
        // libseccomp lets nr -1 through to the x86_64 checks when x32 is not covered.
        b.place(high);
        b.push({ kind: 'jmp', op: 'jeq', k: 0xffffffff, t: low, f: localBad, why: archWhy });
      }
      if (native) { b.place(low); g.syscalls(native, per.get(native)!); }
      if (x32) { b.place(high); b.push({ kind: 'ld', offset: SECCOMP_DATA.nr, why: archWhy }); g.syscalls(x32, per.get(x32)!); }
      b.place(localBad);
      b.push({ kind: 'ret', k: BAD_ARCH, why: BAD_ARCH_WHY });
    } else {
      g.syscalls(native!, per.get(native!)!);
    }
  });
  return b.assemble();
}

/** runc's stub: ENOSYS for numbers above the largest the profile names on each arch (patchbpf). */
function buildStub(b: ProgramBuilder, r: ResolvedProfile, groups: Array<{ audit: number; arches: SeccompArch[] }>): void {
  const filter = b.label();
  const enosys = b.label();
  const sections: Array<{ label: Label; arches: Array<{ arch: SeccompArch; max: number }> }> = [];
  for (const grp of groups) {
    const arches = grp.arches
      .filter((a) => r.listed.includes(a))
      .map((arch) => ({ arch, max: largest(r, arch) }))
      .filter((x) => x.max !== 0);
    if (arches.length > 0) sections.push({ label: b.label(), arches });
  }
  const why = (s: { arches: Array<{ arch: SeccompArch; max: number }> }): string =>
    `runc's ENOSYS stub: calls numbered above the profile's largest (${s.arches.map((x) => `${x.arch.name}: ${x.max & ~X32_SYSCALL_BIT}`).join(', ')})`;
  const head = 'runc\'s ENOSYS stub';
  b.push({ kind: 'ld', offset: SECCOMP_DATA.arch, why: head });
  for (const s of sections) {
    const next = b.label();
    b.push({ kind: 'jmp', op: 'jeq', k: s.arches[0]!.arch.audit, t: s.label, f: next, why: why(s) });
    b.place(next);
  }
  b.push({ kind: 'ja', target: filter, why: head });
  for (const s of sections) {
    const w = why(s);
    b.place(s.label);
    b.push({ kind: 'ld', offset: SECCOMP_DATA.nr, why: w });
    const x64 = s.arches.find((x) => x.arch.name === 'x86_64');
    const x32 = s.arches.find((x) => x.arch.name === 'x32');
    if (s.arches.length === 1 && s.arches[0]!.arch.name === 's390x') {
      // s390x leaves unknown large numbers as 0 (setup), which must fail with ENOSYS too.
      const on = b.label();
      b.push({ kind: 'jmp', op: 'jeq', k: 0, t: enosys, f: on, why: w });
      b.place(on);
    }
    if (x64 || x32) {
      const lo = b.label();
      const hi = b.label();
      b.push({ kind: 'jmp', op: 'jset', k: X32_SYSCALL_BIT, t: hi, f: lo, why: w });
      b.place(lo);
      if (x64) b.push({ kind: 'jmp', op: 'jgt', k: x64.max, t: enosys, f: filter, why: w });
      else b.push({ kind: 'ja', target: filter, why: w });
      b.place(hi);
      if (x32) b.push({ kind: 'jmp', op: 'jgt', k: x32.max, t: enosys, f: filter, why: w });
      else b.push({ kind: 'ja', target: filter, why: w });
    } else {
      b.push({ kind: 'jmp', op: 'jgt', k: s.arches[0]!.max, t: enosys, f: filter, why: w });
    }
  }
  b.place(enosys);
  b.push({ kind: 'ret', k: (ACTION_VALUES.ERRNO | ENOSYS) >>> 0, why: head });
  b.place(filter);
}

function unknownWarning(unknown: Map<SeccompArch, string[]>): string | undefined {
  if (unknown.size === 0) return undefined;
  const parts = [...unknown].map(([a, names]) => `${a.name}: ${names.join(', ')}`);
  return `syscalls unknown on an arch, skipped there as runtimes do: ${parts.join('; ')}`;
}

/**
 * Compiles a JSON seccomp profile (text, or the parsed value) into the filter a container
 * runtime installs for it on `opts.arch`. Throws DecodeError (exit 65) for a malformed
 * profile, UsageError (64) for bad options.
 */
export function compileSeccompProfile(json: string | object, opts: CompileProfileOptions = {}): CompiledSeccompProfile {
  const fn = 'compileSeccompProfile';
  if (typeof json !== 'string' && (typeof json !== 'object' || json === null || Array.isArray(json))) {
    argFail(fn, 'json', 'the profile\'s JSON text or the object JSON.parse made of it', json);
  }
  const o = checkOptions(fn, 'opts', opts);
  const source = optString(fn, 'opts.source', o.source) ?? '<profile>';
  optBoolean(fn, 'opts.enosysStub', o.enosysStub);
  if (o.caps !== undefined) checkArray(fn, 'opts.caps', o.caps).forEach((c, n) => checkString(fn, `opts.caps[${n}]`, c));
  if (o.kernel !== undefined) checkString(fn, 'opts.kernel', o.kernel);
  const profile: SeccompProfile = parseSeccompProfile(json, source);
  const host = o.arch !== undefined ? checkArch(fn, 'opts.arch', o.arch) : hostArch() ?? toArch('x86_64');
  let kernel: [number, number, number] | undefined;
  if (o.kernel !== undefined) {
    kernel = parseKernelVersion(String(o.kernel));
    if (!kernel) throw new UsageError(`kernel version '${String(o.kernel)}' is not X.Y or X.Y.Z`);
  }
  const caps = new Set((o.caps ?? DOCKER_DEFAULT_CAPS).map(normalizeCap));
  const resolved = resolveProfile(profile, { arch: host, caps, ...(kernel ? { kernel } : {}) });
  const { per, unknown } = tables(resolved);
  const warnings = [...resolved.warnings];
  const w = unknownWarning(unknown);
  if (w) warnings.push(w);
  const defaultWhy = `defaultAction: ${profile.defaultAction}${profile.defaultErrnoRet !== undefined ? ` (defaultErrnoRet ${profile.defaultErrnoRet})` : ''} = ${formatAction(resolved.defaultAction)}`;
  const built = build(resolved, per, (o.enosysStub ?? true) && resolved.stubApplies, defaultWhy);
  return new CompiledSeccompProfile(built.prog, { source, host, arches: resolved.arches, warnings, provenance: built.provenance });
}
