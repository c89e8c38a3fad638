#!/usr/bin/env python3
"""Generates the syscall name/number tables (src/seccomp/syscalls/<arch>.ts) and the errno
table (src/seccomp/errno-table.ts) from a Linux source tree.

The kernel's own tables are the source of truth:
  x86_64, x32   arch/x86/entry/syscalls/syscall_64.tbl   (abis common,64 / common,x32)
  i386          arch/x86/entry/syscalls/syscall_32.tbl   (abi i386)
  arm           arch/arm/tools/syscall.tbl               (abis common,eabi) + the ARM private
                calls __ARM_NR_* of arch/arm/include/uapi/asm/unistd.h
  aarch64, riscv64, loongarch64
                scripts/syscall.tbl, the generic table that replaced
                include/uapi/asm-generic/unistd.h in 6.11, with the extra abis each arch's
                arch/<arch>/kernel/Makefile.syscalls adds to common,64
  ppc64le       arch/powerpc/kernel/syscalls/syscall.tbl (abis common,nospu,64)
  s390x         arch/s390/kernel/syscalls/syscall.tbl    (abis common,64)
  errno         include/uapi/asm-generic/errno-base.h, errno.h (the numbering every arch
                above uses)

Only names and numbers are kept: they are interface facts, not the kernel's text.

Usage (Debian: `apt-get install linux-source-6.12` puts the tarball in /usr/src):
  python3 src/seccomp/syscalls/generate.py --linux /usr/src/linux-source-6.12.tar.xz
  python3 src/seccomp/syscalls/generate.py --linux /path/to/linux        # an unpacked tree

test/seccomp/syscalls.test.ts compares the result with libseccomp's resolver.
"""
import argparse
import os
import re
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
SECCOMP_DIR = os.path.dirname(HERE)

X32_SYSCALL_BIT = 0x40000000
ARM_NR_BASE = 0x0F0000


class Source:
    """Reads files of a kernel tree, unpacked or as a tarball, by their path in the tree."""

    def __init__(self, path):
        self.path = path
        self.tar = None
        self.prefix = ''
        if os.path.isfile(path):
            self.tar = tarfile.open(path)
            self.members = {}
            for m in self.tar:
                self.members[m.name] = m
            # The tarball holds one top directory (linux-source-6.12/ ...).
            tops = {name.split('/', 1)[0] for name in self.members}
            if len(tops) == 1:
                self.prefix = tops.pop() + '/'

    def read(self, rel):
        if self.tar is None:
            with open(os.path.join(self.path, rel), encoding='utf-8') as f:
                return f.read()
        name = self.prefix + rel
        member = self.members[name]
        seen = 0
        while member.issym() and seen < 8:
            target = os.path.normpath(os.path.join(os.path.dirname(name), member.linkname))
            name = target
            member = self.members[name]
            seen += 1
        return self.tar.extractfile(member).read().decode('utf-8')

    def version(self):
        text = self.read('Makefile')
        fields = {}
        for key in ('VERSION', 'PATCHLEVEL', 'SUBLEVEL'):
            m = re.search(r'^%s\s*=\s*(\d+)' % key, text, re.M)
            fields[key] = m.group(1) if m else '?'
        return '%s.%s.%s' % (fields['VERSION'], fields['PATCHLEVEL'], fields['SUBLEVEL'])


def parse_tbl(text, abis):
    """`nr abi name [entry [compat]]` lines; keeps the entries whose abi is in `abis`."""
    out = {}
    for line in text.splitlines():
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) < 3:
            continue
        nr, abi, name = int(fields[0]), fields[1], fields[2]
        if abi not in abis:
            continue
        if name in out and out[name] != nr:
            raise SystemExit('conflicting numbers for %s: %d and %d' % (name, out[name], nr))
        out[name] = nr
    return out


def makefile_abis(source, arch_dir, bits):
    """The extra abis arch/<arch>/kernel/Makefile.syscalls adds for the generic table."""
    text = source.read('arch/%s/kernel/Makefile.syscalls' % arch_dir)
    extra = []
    for m in re.finditer(r'^syscall_abis_%d\s*\+?=\s*(.*)$' % bits, text, re.M):
        extra += m.group(1).split()
    return ['common', str(bits)] + extra


def arm_private(source):
    text = source.read('arch/arm/include/uapi/asm/unistd.h')
    out = {}
    for m in re.finditer(r'^#define\s+__ARM_NR_(\w+)\s+\(__ARM_NR_BASE\s*\+\s*(\d+)\)', text, re.M):
        out[m.group(1)] = ARM_NR_BASE + int(m.group(2))
    return out


def tables(source):
    x86_64 = source.read('arch/x86/entry/syscalls/syscall_64.tbl')
    generic = source.read('scripts/syscall.tbl')
    arm = parse_tbl(source.read('arch/arm/tools/syscall.tbl'), {'common', 'eabi'})
    arm.update(arm_private(source))
    x32 = {name: nr | X32_SYSCALL_BIT for name, nr in parse_tbl(x86_64, {'common', 'x32'}).items()}
    return {
        'x86_64': (parse_tbl(x86_64, {'common', '64'}), 'arch/x86/entry/syscalls/syscall_64.tbl (abis common,64)'),
        'x32': (x32, 'arch/x86/entry/syscalls/syscall_64.tbl (abis common,x32), numbers | 0x40000000'),
        'i386': (parse_tbl(source.read('arch/x86/entry/syscalls/syscall_32.tbl'), {'i386'}),
                 'arch/x86/entry/syscalls/syscall_32.tbl (abi i386)'),
        'arm': (arm, 'arch/arm/tools/syscall.tbl (abis common,eabi) and the __ARM_NR_* private calls'),
        'aarch64': (parse_tbl(generic, set(makefile_abis(source, 'arm64', 64))),
                    'scripts/syscall.tbl (abis %s)' % ','.join(makefile_abis(source, 'arm64', 64))),
        'riscv64': (parse_tbl(generic, set(makefile_abis(source, 'riscv', 64))),
                    'scripts/syscall.tbl (abis %s)' % ','.join(makefile_abis(source, 'riscv', 64))),
        'loongarch64': (parse_tbl(generic, set(makefile_abis(source, 'loongarch', 64))),
                        'scripts/syscall.tbl (abis %s)' % ','.join(makefile_abis(source, 'loongarch', 64))),
        'ppc64le': (parse_tbl(source.read('arch/powerpc/kernel/syscalls/syscall.tbl'), {'common', 'nospu', '64'}),
                    'arch/powerpc/kernel/syscalls/syscall.tbl (abis common,nospu,64)'),
        's390x': (parse_tbl(source.read('arch/s390/kernel/syscalls/syscall.tbl'), {'common', '64'}),
                  'arch/s390/kernel/syscalls/syscall.tbl (abis common,64)'),
    }


def errnos(source):
    """(name, number) in definition order; aliases (EWOULDBLOCK = EAGAIN) resolve to the number."""
    values = {}
    order = []
    for rel in ('include/uapi/asm-generic/errno-base.h', 'include/uapi/asm-generic/errno.h'):
        for m in re.finditer(r'^#define\s+(E\w+)\s+(\w+)', source.read(rel), re.M):
            name, value = m.group(1), m.group(2)
            number = int(value) if value.isdigit() else values.get(value)
            if number is None:
                continue
            values[name] = number
            order.append((name, number))
    return order


def ts_key(name):
    return name if re.match(r'^[A-Za-z_$][\w$]*$', name) else "'%s'" % name


def const_name(arch):
    return arch.upper() + '_SYSCALLS'


def write(path, text):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    print('wrote %s' % os.path.relpath(path))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--linux', required=True, help='Linux source tree or tarball')
    args = ap.parse_args()
    source = Source(args.linux)
    version = source.version()

    for arch, (table, origin) in tables(source).items():
        rows = sorted(table.items(), key=lambda kv: (kv[1], kv[0]))
        body = ''.join('  %s: %s,\n' % (ts_key(name), hex(nr) if nr >= 0x10000 else nr) for name, nr in rows)
        write(os.path.join(HERE, '%s.ts' % arch),
              '// GENERATED by src/seccomp/syscalls/generate.py from Linux %s\n'
              '// %s. Do not edit.\n'
              'export const %s = {\n%s} as const satisfies Readonly<Record<string, number>>;\n'
              % (version, origin, const_name(arch), body))

    rows = errnos(source)
    body = ''.join("  ['%s', %d],\n" % (name, nr) for name, nr in rows)
    write(os.path.join(SECCOMP_DIR, 'errno-table.ts'),
          '// GENERATED by src/seccomp/syscalls/generate.py from Linux %s\n'
          '// include/uapi/asm-generic/errno-base.h and errno.h (the generic numbering). Do not edit.\n'
          '// Definition order: the first name of a number is its canonical name.\n'
          'export const ERRNO_TABLE = [\n%s] as const satisfies ReadonlyArray<readonly [string, number]>;\n'
          % (version, body))
    return 0


if __name__ == '__main__':
    sys.exit(main())
