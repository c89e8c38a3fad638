/**
 * fast-check arbitraries for seccomp: filters shaped like real ones (an arch check, then
 * syscall numbers of that arch, argument loads, actions with data) built on top of the
 * random seccomp-valid programs of test/classic/arbitrary.ts, and syscall inputs.
 */
import fc from 'fast-check';
import { type ClassicInsn, type ClassicProgram, classicForm, insn } from '../../src/classic/insn.js';
import { ACTION_VALUES } from '../../src/seccomp/actions.js';
import { ARCHES, type SeccompArch } from '../../src/seccomp/arch.js';
import { syscallTable } from '../../src/seccomp/syscalls/index.js';
import { arbClassicProgram } from '../classic/arbitrary.js';

const ACTIONS = Object.values(ACTION_VALUES);
export const FILTER_ARCHES: readonly SeccompArch[] = ARCHES.filter((a) => a.name !== 'x32');

export interface ArbFilter {
  arch: SeccompArch;
  prog: ClassicProgram;
}

/**
 * `ld [4]; jeq ARCH, 0, <last>; ld [0]` then a random seccomp program whose comparisons
 * often test syscall numbers of the arch and whose returns are mostly real actions.
 */
export function arbSeccompFilter(opts: { maxLength?: number } = {}): fc.Arbitrary<ArbFilter> {
  const maxLength = opts.maxLength ?? 48;
  return fc.record({
    arch: fc.constantFrom(...FILTER_ARCHES),
    body: arbClassicProgram({ profile: 'seccomp', maxLength }),
    picks: fc.array(fc.nat({ max: 0xffff }), { minLength: maxLength + 1, maxLength: maxLength + 1 }),
    guard: fc.boolean(),
  }).map(({ arch, body, picks, guard }) => {
    const numbers = [...syscallTable(arch).byName.values()];
    const shaped: ClassicInsn[] = body.map((i, n) => {
      const kind = classicForm(i.code)?.kind;
      const pick = picks[n]!;
      if (kind === 'jmp-k' && pick % 3 !== 0) return insn(i.code, i.jt, i.jf, numbers[pick % numbers.length]!);
      if (kind === 'ld-abs' && pick % 4 === 0) return insn(i.code, 0, 0, 0);
      if (kind === 'ret-k' && pick % 5 !== 0) return insn(i.code, 0, 0, ACTIONS[pick % ACTIONS.length]! | (pick % 7 === 0 ? pick >> 4 : 0));
      return i;
    });
    if (!guard) return { arch, prog: shaped };
    const total = shaped.length + 3;
    const prefix = [insn(0x20, 0, 0, 4), insn(0x15, 0, total - 3, arch.audit), insn(0x20, 0, 0, 0)];
    return { arch, prog: [...prefix, ...shaped] };
  });
}

/** A 64-bit argument value, often at the edges a filter compares against. */
export function arbArg(): fc.Arbitrary<bigint> {
  return fc.oneof(
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    fc.constantFrom(0n, 1n, 2n, 0xffffffffn, 0x100000000n, 0x100000002n, (1n << 64n) - 1n, 0x80000000n),
    fc.bigInt({ min: 0n, max: 0xffffn }),
  );
}
