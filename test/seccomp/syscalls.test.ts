/**
 * The generated syscall tables, arch values and errno names against outside truth:
 * libseccomp's resolver (through python3-seccomp), Python's errno module (Linux's generic
 * numbering on these arches) and the installed kernel UAPI headers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARCHES, archByName, archesByAudit, auditArchName, auditArchValue, X32_SYSCALL_BIT } from '../../src/seccomp/arch.js';
import { errnoEntries, errnoName, errnoNumber, MAX_ERRNO, parseErrno } from '../../src/seccomp/errno.js';
import { resolveSyscall, syscallName, syscallTable } from '../../src/seccomp/syscalls/index.js';
import { UsageError } from '../../src/errors.js';
import { LIBSECCOMP_ARCH, NO_PYSECCOMP, SECCOMP_PYTHON, pySeccomp } from './libseccomp.js';

/** For each arch, libseccomp's answer for every name and number of our table. */
interface Resolved {
  byName: Record<string, number | null>;
  byNumber: Record<string, string | null>;
}

const RESOLVE = `
import json, sys, seccomp
req = json.load(sys.stdin)
out = {}
for arch, (member, names, numbers) in req.items():
    a = getattr(seccomp.Arch, member)
    r = {'byName': {}, 'byNumber': {}}
    for n in names:
        try: r['byName'][n] = seccomp.resolve_syscall(a, n)
        except Exception: r['byName'][n] = None
    for nr in numbers:
        try: r['byNumber'][str(nr)] = seccomp.resolve_syscall(a, nr).decode()
        except Exception: r['byNumber'][str(nr)] = None
    out[arch] = r
print(json.dumps(out))
`;

/** The multiplexers libseccomp's name lookup answers with on arches that have them. */
const MULTIPLEXERS: Record<string, number[]> = { i386: [102, 117], ppc64le: [102, 117], s390x: [102, 117] };

describe.skipIf(!SECCOMP_PYTHON)(`syscall tables agree with libseccomp${SECCOMP_PYTHON ? '' : ` (skipped: ${NO_PYSECCOMP})`}`, () => {
  const arches = Object.keys(LIBSECCOMP_ARCH);
  const request: Record<string, [string, string[], number[]]> = {};
  for (const arch of arches) {
    const t = syscallTable(arch);
    const extra = arch === 'x32' ? [] : Array.from({ length: 600 }, (_, i) => i);
    const numbers = [...new Set([...t.byName.values(), ...extra.map((n) => n | (arch === 'x32' ? X32_SYSCALL_BIT : 0))])];
    request[arch] = [LIBSECCOMP_ARCH[arch]!, [...t.byName.keys()], numbers];
  }
  const resolved = SECCOMP_PYTHON ? pySeccomp<Record<string, Resolved>>(RESOLVE, request) : {};

  for (const arch of arches) {
    it(`${arch}: every number libseccomp knows maps to our name for it, and back`, () => {
      const t = syscallTable(arch);
      const r = resolved[arch]!;
      let checked = 0;
      for (const [nrText, name] of Object.entries(r.byNumber)) {
        if (name === null) continue;
        const nr = Number(nrText);
        expect(t.byName.get(name), `${arch} ${name}`).toBe(nr);
        expect(t.byNumber.get(nr), `${arch} ${nr}`).toBe(name);
        checked++;
      }
      expect(checked).toBeGreaterThan(250);
    });

    it(`${arch}: every name of ours resolves to our number in libseccomp, or is newer than libseccomp`, () => {
      const t = syscallTable(arch);
      const r = resolved[arch]!;
      const newer: string[] = [];
      for (const [name, nr] of t.byName) {
        const theirs = r.byName[name];
        if (theirs === null || theirs === undefined || theirs < 0) {
          // Unknown to this libseccomp: then it must not give our number to another name either.
          expect(r.byNumber[String(nr)] ?? null, `${arch} ${name}=${nr}`).toBeNull();
          newer.push(name);
          continue;
        }
        if (theirs !== nr) {
          // socketcall/ipc arches: libseccomp answers the multiplexer for the direct calls.
          expect(MULTIPLEXERS[arch] ?? [], `${arch} ${name}: ours ${nr}, libseccomp ${theirs}`).toContain(theirs);
          expect(r.byNumber[String(nr)]).toBe(name);
        }
      }
      expect(newer.length).toBeLessThan(12);
    });
  }
});

describe('syscall lookups', () => {
  it('resolves names, SYS_/__NR_ prefixes and numbers', () => {
    expect(resolveSyscall('x86_64', 'execve')).toBe(59);
    expect(resolveSyscall('x86_64', 'SYS_execve')).toBe(59);
    expect(resolveSyscall('x86_64', '__NR_execve')).toBe(59);
    expect(resolveSyscall('x86_64', '59')).toBe(59);
    expect(resolveSyscall('x86_64', '0x3b')).toBe(59);
    expect(resolveSyscall('x86_64', 1000)).toBe(1000);
    expect(resolveSyscall('x32', 'read')).toBe(X32_SYSCALL_BIT);
    expect(resolveSyscall('i386', 'execve')).toBe(11);
    expect(resolveSyscall('aarch64', 'execve')).toBe(221);
    expect(resolveSyscall('arm', 'cacheflush')).toBe(0xf0002);
    expect(resolveSyscall('x86_64', -1)).toBe(-1);
    expect(syscallName('x86_64', 59)).toBe('execve');
    expect(syscallName('x86_64', 100000)).toBeUndefined();
  });

  it('refuses unknown names with a suggestion, and numbers outside 32 bits', () => {
    expect(() => resolveSyscall('x86_64', 'exeve')).toThrow(UsageError);
    expect(() => resolveSyscall('x86_64', 'execv')).toThrow(/did you mean 'execve'/);
    expect(() => resolveSyscall('aarch64', 'open')).toThrow(/unknown syscall 'open' on aarch64/);
    expect(() => resolveSyscall('x86_64', 2 ** 32)).toThrow(UsageError);
    expect(() => resolveSyscall('x86_64', 1.5)).toThrow(UsageError);
  });

  it('suggests the name closest by edit distance: swapped letters, a missing underscore, the wrong case', () => {
    expect(() => resolveSyscall('x86_64', 'opneat')).toThrow("unknown syscall 'opneat' on x86_64 (did you mean 'openat'?)");
    expect(() => resolveSyscall('x86_64', 'exitgroup')).toThrow("unknown syscall 'exitgroup' on x86_64 (did you mean 'exit_group'?)");
    expect(() => resolveSyscall('aarch64', 'SYS_getpidd')).toThrow("unknown syscall 'SYS_getpidd' on aarch64 (did you mean 'getpid'?)");
    expect(() => resolveSyscall('x86_64', 'OPENAT')).toThrow("unknown syscall 'OPENAT' on x86_64 (did you mean 'openat'?)");
    // Too far from every name to be a typo of one.
    expect(() => resolveSyscall('x86_64', 'frobnicate')).toThrow(/^unknown syscall 'frobnicate' on x86_64$/);
    expect(() => resolveSyscall('x86_64', 'rd')).toThrow(/^unknown syscall 'rd' on x86_64$/);
  });
});

describe('arches', () => {
  it.skipIf(!SECCOMP_PYTHON)('AUDIT_ARCH values are libseccomp\'s', () => {
    const theirs = pySeccomp<Record<string, number>>(
      `import json, seccomp\nprint(json.dumps({m: int(getattr(seccomp.Arch, m)) & 0xffffffff for m in ${JSON.stringify(Object.values(LIBSECCOMP_ARCH))}}))`);
    for (const [ours, member] of Object.entries(LIBSECCOMP_ARCH)) {
      if (ours === 'x32') continue; // libseccomp's x32 token is its own; the kernel reports AUDIT_ARCH_X86_64
      expect(archByName(ours).audit, ours).toBe(theirs[member]);
    }
    expect(archByName('x32').audit).toBe(archByName('x86_64').audit);
  });

  const AUDIT_H = '/usr/include/linux/audit.h';
  const ELF_EM_H = '/usr/include/linux/elf-em.h';
  it.skipIf(!existsSync(AUDIT_H) || !existsSync(ELF_EM_H))(`AUDIT_ARCH values match ${AUDIT_H}${existsSync(AUDIT_H) ? '' : ' (skipped: linux-libc-dev missing)'}`, () => {
    const defines = new Map<string, string>();
    for (const file of [ELF_EM_H, AUDIT_H]) {
      for (const m of readFileSync(file, 'utf8').matchAll(/^#define\s+(\w+)\s+(.+?)\s*(?:\/\*.*)?$/gm)) defines.set(m[1]!, m[2]!);
    }
    const value = (expr: string): number => {
      let text = expr;
      for (let i = 0; i < 5; i++) text = text.replace(/[A-Za-z_]\w*/g, (n) => (defines.has(n) ? `(${defines.get(n)})` : n));
      // The headers' expressions are C integer constants joined by |.
      return (Function(`return (${text.replace(/(\d)U\b/g, '$1')}) >>> 0`) as () => number)();
    };
    const names: Record<string, string> = {
      x86_64: 'AUDIT_ARCH_X86_64', i386: 'AUDIT_ARCH_I386', aarch64: 'AUDIT_ARCH_AARCH64', arm: 'AUDIT_ARCH_ARM',
      riscv64: 'AUDIT_ARCH_RISCV64', ppc64le: 'AUDIT_ARCH_PPC64LE', s390x: 'AUDIT_ARCH_S390X', loongarch64: 'AUDIT_ARCH_LOONGARCH64',
    };
    let compared = 0;
    for (const [arch, macro] of Object.entries(names)) {
      if (!defines.has(macro)) continue;
      expect(archByName(arch).audit, arch).toBe(value(defines.get(macro)!));
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(7);
  });

  it('names, aliases and seccomp-tools constant names', () => {
    expect(archByName('amd64').name).toBe('x86_64');
    expect(archByName('X86').name).toBe('i386');
    expect(archByName('arm64').name).toBe('aarch64');
    expect(() => archByName('mips')).toThrow(/^unknown architecture 'mips' \(known: x86_64, /);
    expect(() => archByName('x68_64')).toThrow(/^unknown architecture 'x68_64' \(did you mean 'x86_64'\? known: x86_64, /);
    // The closest spelling is an alias (arm64): the suggestion is its arch's name.
    expect(() => archByName('arm46')).toThrow(/^unknown architecture 'arm46' \(did you mean 'aarch64'\? known: /);
    expect(archesByAudit(0xc000003e).map((a) => a.name)).toEqual(['x86_64', 'x32']);
    expect(auditArchName(0xc000003e)).toBe('ARCH_X86_64');
    expect(auditArchValue('ARCH_S390X')).toBe(0x80000016);
    expect(ARCHES.filter((a) => a.endian === 'big').map((a) => a.name)).toEqual(['s390x']);
  });
});

/** Any python3: its errno module needs no bindings. */
const PYTHON = SECCOMP_PYTHON ?? (spawnSync('python3', ['-c', 'pass']).status === 0 ? 'python3' : undefined);

describe('errno', () => {
  const PY_ERRNO = `import errno, json\nprint(json.dumps({n: getattr(errno, n) for n in dir(errno) if n.startswith('E')}))`;
  it.skipIf(!PYTHON)(`names and numbers match Python's errno module (Linux generic numbering)${PYTHON ? '' : ' (skipped: no python3)'}`, () => {
    const r = spawnSync(PYTHON!, ['-c', PY_ERRNO], { encoding: 'utf8' });
    const theirs = JSON.parse(r.stdout) as Record<string, number>;
    let compared = 0;
    for (const [name, nr] of errnoEntries()) {
      if (theirs[name] === undefined) continue;
      expect(theirs[name], name).toBe(nr);
      compared++;
    }
    expect(compared).toBeGreaterThan(120);
    for (const [name, nr] of Object.entries(theirs)) {
      if (name === 'ENOTSUP' || errnoNumber(name) === undefined) continue;
      expect(errnoNumber(name), name).toBe(nr);
    }
  });

  it('parses names and numbers', () => {
    expect(errnoName(13)).toBe('EACCES');
    expect(errnoName(11)).toBe('EAGAIN');
    expect(errnoNumber('EWOULDBLOCK')).toBe(11);
    expect(errnoNumber('ehwpoison')).toBe(133);
    expect(parseErrno('EPERM')).toBe(1);
    expect(parseErrno('38')).toBe(38);
    expect(MAX_ERRNO).toBe(4095);
    expect(() => parseErrno('EWHATEVER')).toThrow(UsageError);
    expect(() => parseErrno('EACCESS')).toThrow("unknown errno name 'EACCESS' (did you mean 'EACCES'?)");
    expect(() => parseErrno('eprem')).toThrow("unknown errno name 'eprem' (did you mean 'EPERM'?)");
    expect(() => parseErrno('EWHATEVER')).toThrow(/^unknown errno name 'EWHATEVER'$/);
  });
});
