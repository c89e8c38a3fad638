/**
 * Linux's verdict on a classic program, whole: the checkers (classic/check.ts), then the one
 * refusal of the kernel's own translation that follows them in bpf_prepare_filter, an internal
 * jump offset past 16 bits (bpf_convert_filter, modelled in kernel-layout.ts), and what the
 * machine's settings decide (net.core.optmem_max) as warnings.
 */
import { type CheckOptions, checkClassic, findClassicViolations } from '../classic/check.js';
import { classicText } from '../classic/disasm.js';
import type { ClassicProgram } from '../classic/insn.js';
import { checkProfileArgs } from '../classic/shape.js';
import { CheckError } from '../errors.js';
import { DEFAULT_OPTMEM_MAX, KERNEL_MODEL, kernelJumpOverflow, kernelLayout, kernelSocketCharge } from './kernel-layout.js';

/**
 * bpf_convert_filter's refusal of a program the checkers accepted: in the kernel's
 * translation a jump needs an offset that does not fit in 16 bits (EINVAL).
 */
export function conversionViolation(prog: ClassicProgram, opts: CheckOptions = {}): CheckError | undefined {
  const o = kernelJumpOverflow(prog, opts.profile ?? 'socket');
  if (!o) return undefined;
  const detail = o.pass === 'second'
    ? `${KERNEL_MODEL} translates this jump to instruction ${o.target} into an internal jump over ${o.offset} instructions; ` +
      'an internal jump reaches 32767 at most'
    : `${KERNEL_MODEL} translates this jump into internal instruction ${o.at}, where the first pass of bpf_convert_filter ` +
      `(every target still at 0) gives it the offset ${o.offset}; an internal jump reaches -32768 at most`;
  return new CheckError(o.pc, classicText(prog[o.pc]!, o.pc), 'jump-offset-overflow', detail);
}

/**
 * Throws the first reason Linux refuses the program (CheckError, exit 65): the checkers', else
 * its translation's. Returns if Linux loads it.
 */
export function checkForLinux(prog: ClassicProgram, opts: CheckOptions = {}): void {
  checkProfileArgs('checkForLinux', prog, opts);
  checkClassic(prog, opts);
  const v = conversionViolation(prog, opts);
  if (v) throw v;
}

/** Every violation in the kernel's order: the checkers', else the translation's (the kernel stops at the first). */
export function findLinuxViolations(prog: ClassicProgram, opts: CheckOptions = {}): CheckError[] {
  checkProfileArgs('findLinuxViolations', prog, opts);
  const found = findClassicViolations(prog, opts);
  if (found.length > 0) return found;
  const v = conversionViolation(prog, opts);
  return v ? [v] : [];
}

/**
 * What may still stop Linux from taking a program checkForLinux accepts, depending on the
 * machine's settings: one sentence each (none for a program Linux refuses anyway). Attaching
 * a socket filter charges the kernel's translation to the socket's option memory, which
 * net.core.optmem_max bounds.
 */
export function linuxWarnings(prog: ClassicProgram, opts: CheckOptions = {}): string[] {
  checkProfileArgs('linuxWarnings', prog, opts);
  if (opts.profile === 'seccomp' || findLinuxViolations(prog, opts).length > 0) return [];
  const charge = kernelSocketCharge(prog);
  if (charge < DEFAULT_OPTMEM_MAX) return [];
  return [`${KERNEL_MODEL} translates the program into ${kernelLayout(prog).length} internal instructions; attaching it to a socket charges ` +
    `${charge} bytes against net.core.optmem_max (default ${DEFAULT_OPTMEM_MAX}), so SO_ATTACH_FILTER fails with ENOMEM unless that limit is above ${charge}`];
}
