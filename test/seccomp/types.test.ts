/**
 * The names editors complete: arches, syscalls and errno names are unions of literal types
 * (built from the generated tables), while the functions still take any string and check it
 * when called.
 */
import { describe, expect, it } from 'vitest';
import { srcModule, typeErrors } from '../typecheck.js';

describe('name types', () => {
  it('are unions of the known names, and the functions still take other strings', () => {
    expect(typeErrors([
      `import type { ArchName, ArchAlias, ErrnoName, SyscallName, SyscallInput } from ${srcModule('seccomp/index')};`,
      "export const arch: ArchName = 'aarch64';",
      "export const alias: ArchAlias = 'amd64';",
      "export const errno: ErrnoName = 'EACCES';",
      "export const call: SyscallName = 'openat';",
      "export const s390only: SyscallName = 'socketcall';",
      '// @ts-expect-error: not an errno name',
      "export const notErrno: ErrnoName = 'EBOGUS';",
      '// @ts-expect-error: not a syscall of any arch',
      "export const notCall: SyscallName = 'opneat';",
      '// @ts-expect-error: not an arch',
      "export const notArch: ArchName = 'sparc';",
      // Inputs take the known names and, checked at run time, any other string.
      "export const known: SyscallInput = { arch: 'x86_64', syscall: 'openat' };",
      "export const other: SyscallInput = { arch: 'mips', syscall: 'whatever' };",
      "export const byNumber: SyscallInput = { arch: 'x86_64', syscall: 257 };",
    ])).toEqual([]);
  }, 60_000);
});
