/**
 * Return values: decoding as __seccomp_filter does, libseccomp's spellings both ways, and
 * the stacking rule of seccomp_run_filters (kernel/seccomp.c). The kernel itself confirms
 * these in kernel.test.ts where it can run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  ACTION_VALUES, actionByName, combineStack, decodeAction, errnoOf, formatAction, parseAction,
} from '../../src/seccomp/actions.js';

describe('actions', () => {
  it('decodes the upper 16 bits; unknown ones act as KILL_PROCESS', () => {
    expect(decodeAction(0x7fff0000)).toEqual({ action: 'ALLOW', data: 0, known: true });
    expect(decodeAction(0x0005000d)).toEqual({ action: 'ERRNO', data: 13, known: true });
    expect(decodeAction(0x80000000)).toEqual({ action: 'KILL_PROCESS', data: 0, known: true });
    expect(decodeAction(0x00000007)).toEqual({ action: 'KILL_THREAD', data: 7, known: true });
    expect(decodeAction(0x7ffe0001)).toEqual({ action: 'KILL_PROCESS', data: 1, known: false });
    expect(errnoOf(0x00050000 | 4095)).toBe(4095);
    expect(errnoOf(0x00050000 | 4096)).toBe(4095);
    expect(errnoOf(0x7fff0000)).toBeUndefined();
  });

  it('spells values as libseccomp does and reads the spellings back', () => {
    expect(formatAction(0x7fff0000)).toBe('ALLOW');
    expect(formatAction(0x00050001)).toBe('ERRNO(1)');
    expect(formatAction(0x0005000d, { errnoNames: true })).toBe('ERRNO(EACCES)');
    expect(formatAction(0x7ff00000)).toBe('TRACE(0)');
    expect(formatAction(0)).toBe('KILL');
    expect(formatAction(0x80000000)).toBe('KILL_PROCESS');
    expect(formatAction(0x7fc00000)).toBe('USER_NOTIF');
    expect(formatAction(0x7ffc0000)).toBe('LOG');
    expect(formatAction(0x00030002)).toBe('TRAP(2)');
    expect(formatAction(0x12345678)).toBe('0x12345678');
    expect(parseAction('ERRNO(EPERM)')).toBe(0x00050001);
    expect(parseAction('SCMP_ACT_ERRNO(13)')).toBe(0x0005000d);
    expect(parseAction('kill_thread')).toBe(0);
    expect(parseAction('KILL')).toBe(0);
    expect(parseAction('NOTIFY')).toBe(0x7fc00000);
    expect(parseAction('0x7fff0000')).toBe(0x7fff0000);
    expect(actionByName('SECCOMP_RET_ALLOW')).toBe('ALLOW');
    expect(() => parseAction('PERMIT')).toThrow(UsageError);
    expect(() => parseAction('TRACE(70000)')).toThrow(/not in 0..65535/);
    fc.assert(fc.property(fc.nat({ max: 0xffffffff }), (v) => {
      expect(parseAction(formatAction(v))).toBe(v);
    }));
    for (const v of Object.values(ACTION_VALUES)) expect(parseAction(formatAction(v))).toBe(v);
  });

  it('stacks: lowest (s32)(ret & 0xffff0000) wins, ties to the newest, starting from ALLOW', () => {
    expect(combineStack([0x00050001, 0x00050002])).toEqual({ value: 0x00050002, index: 1 });
    expect(combineStack([0x00030000, 0x00050002])).toEqual({ value: 0x00030000, index: 0 });
    expect(combineStack([0x7fff0003])).toEqual({ value: 0x7fff0000, index: -1 });
    expect(combineStack([0, 0x80000000])).toEqual({ value: 0x80000000, index: 1 });
    expect(combineStack([0x7ffc0000, 0x7fff0000])).toEqual({ value: 0x7ffc0000, index: 0 });
  });
});
