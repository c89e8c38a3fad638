/**
 * Random profiles against libseccomp: rules on a few syscalls (socket calls, which 32-bit x86,
 * s390x and powerpc also reach through socketcall and ipc, among them) with every SCMP_CMP_*
 * operator on overlapping values, several rules per syscall with different actions, several
 * conditions on one argument (runc splits those into separate rules), includes/excludes, on
 * several hosts. Either both refuse the rules (libseccomp's EEXIST) or every verdict is equal.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROFILE_ACTIONS, PROFILE_OPS } from '../../src/seccomp/profile/parse.js';
import { NO_PYSECCOMP, SECCOMP_PYTHON } from './libseccomp.js';
import { type CompareCase, type JsonProfile, compareWithLibseccomp, references } from './profile-compare.js';

// Names every arch has: libseccomp 2.5 can lose an arch's `A = nr` when a rule names a call that arch lacks
// (mmap on arm), which we do not reproduce (docs/seccomp-profiles.md).
const NAMES = ['read', 'socket', 'connect', 'semget', 'clone', 'personality', 'write'];
const VALUES = [0, 1, 2, 9, 16, 0x7fffffff, 0xffffffff, 0x100000000, 0x100000001, 0x1ffffffff, 0x20000000000];
const ACTIONS = PROFILE_ACTIONS.filter((a) => a !== 'SCMP_ACT_NOTIFY');

/** Comparisons that test equality: any number of rules of a syscall may combine them. */
const EQUALITY_OPS = ['SCMP_CMP_EQ', 'SCMP_CMP_NE', 'SCMP_CMP_MASKED_EQ'] as const;

// Overlapping rules whose MASKED_EQ has bits above 32: on a 32-bit sub-arch libseccomp orders
// the comparisons otherwise than on the 64-bit arch, so a call both rules match may take the
// other rule's action there (docs/seccomp-profiles.md). Those comparisons keep to 32 bits here.
const LOW_VALUES = VALUES.filter((v) => v <= 0xffffffff);

const arbArg = (index: number, ops: readonly string[]) => fc.constantFrom(...ops).chain((op) => fc.record({
  index: fc.constant(index),
  value: fc.constantFrom(...(op === 'SCMP_CMP_MASKED_EQ' && ops === EQUALITY_OPS ? LOW_VALUES : VALUES)),
  valueTwo: fc.constantFrom(...(op === 'SCMP_CMP_MASKED_EQ' && ops === EQUALITY_OPS ? LOW_VALUES : VALUES)),
  op: fc.constant(op),
}));

const arbEntry = (index: number, ops: readonly string[], names: fc.Arbitrary<string[]>) => fc.record({
  names,
  action: fc.constantFrom(...ACTIONS),
  errnoRet: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
  args: fc.array(arbArg(index, ops), { maxLength: ops.length === PROFILE_OPS.length ? 1 : 3 }),
  includes: fc.option(fc.record({ caps: fc.constantFrom([], ['CAP_SYS_ADMIN'], ['CAP_NET_ADMIN']) }), { nil: undefined }),
}).map((e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)));

// One argument per profile. Two kinds of profile: any number of rules per syscall with
// equality comparisons, or every operator with one condition per rule and one rule per
// syscall. Where several rules of one syscall compare ranges, libseccomp 2.5 sometimes
// compares a word its accumulator no longer holds, which we reproduce only in part (see
// docs/seccomp-profiles.md).
const arbProfile = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.subarray(['SCMP_ARCH_X86', 'SCMP_ARCH_X32'])).chain(([index, ranges, x86Subs]) => fc.record({
  defaultAction: fc.constantFrom('SCMP_ACT_ERRNO', 'SCMP_ACT_ALLOW', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_LOG', 'SCMP_ACT_TRAP'),
  defaultErrnoRet: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
  syscalls: ranges
    ? fc.shuffledSubarray(NAMES, { minLength: 1 }).chain((names) =>
      fc.tuple(...names.map((n) => arbEntry(index, PROFILE_OPS, fc.constant([n])))))
    : fc.array(
      arbEntry(index, EQUALITY_OPS, fc.uniqueArray(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 2 })),
      { minLength: 1, maxLength: 6 },
    ),
  archMap: fc.constant([
    // x86_64 with or without its sub-arches: without x32, libseccomp lets nr -1 through.
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: x86Subs },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
    { architecture: 'SCMP_ARCH_S390X', subArchitectures: [] },
    { architecture: 'SCMP_ARCH_PPC64LE', subArchitectures: [] },
  ]),
})).map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as unknown as JsonProfile);

const arbCase = fc.record({
  profile: arbProfile,
  host: fc.constantFrom('x86_64', 'x86_64', 'aarch64', 's390x', 'ppc64le'),
  caps: fc.constantFrom<readonly string[]>([], ['CAP_SYS_ADMIN']),
});

describe.skipIf(!SECCOMP_PYTHON)(`random profiles${SECCOMP_PYTHON ? '' : ` (skipped: ${NO_PYSECCOMP})`}`, () => {
  it('compile to the verdicts libseccomp gives, or are refused by both', () => {
    let compared = 0;
    let refused = 0;
    let checks = 0;
    fc.assert(fc.property(fc.array(arbCase, { minLength: 12, maxLength: 12 }), (cases: CompareCase[]) => {
      const refs = references(cases);
      cases.forEach((c, n) => {
        const r = compareWithLibseccomp(c, refs[n]!, { dense: false });
        expect(r.diffs, JSON.stringify(c)).toEqual([]);
        if (r.refused) refused++;
        else compared++;
        checks += r.checks;
      });
    }), { numRuns: 5, endOnFailure: true });
    console.log(`random profiles: ${compared} compared (${checks} verdicts), ${refused} refused by both`);
    expect(compared).toBeGreaterThan(30);
  }, 300_000);
});
