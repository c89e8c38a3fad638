// A complete vitest file for a seccomp policy: run it with `npx vitest run`.
//
// policy.bpf is the filter as libseccomp's seccomp_export_bpf() (or `seccomp-tools dump`)
// wrote it. This one allows everything on x86_64 except: opening files for writing, killing
// pid 1 or every process, terminal ioctls and anonymous executable mappings; it kills the
// process for any other architecture, x32 included.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSeccompFilter } from 'cbpf2ebpf/vitest'; // importing it also registers the matchers

const filter = loadSeccompFilter(fileURLToPath(new URL('./policy.bpf', import.meta.url)));

const AT_FDCWD = -100;
const O_WRONLY = 0x1, O_RDWR = 0x2, O_CREAT = 0x40;
const PROT_READ = 0x1, PROT_EXEC = 0x4;
const MAP_PRIVATE = 0x2, MAP_ANONYMOUS = 0x20;
const SIGKILL = 9;
const TCGETS = 0x5401;

describe('policy.bpf', () => {
  it('lets ordinary calls through', () => {
    expect(filter).toAllow('read');
    expect(filter).toAllow('write', [1, '0x7ffc1234a000', 12]);
    expect(filter).toAllow('openat', [AT_FDCWD, '0x7ffc1234b000', 0]); // O_RDONLY
  });

  it('refuses to open files for writing', () => {
    expect(filter).toReturnErrno('openat', 'EACCES', [AT_FDCWD, '0x7ffc1234b000', O_WRONLY | O_CREAT]);
    expect(filter).toReturnErrno('openat', 'EROFS', [AT_FDCWD, '0x7ffc1234b000', O_RDWR]);
    expect(filter).toReturnErrno('openat', 30, [AT_FDCWD, 0, O_RDWR | O_CREAT]); // errno by number
    expect(filter).not.toReturnErrno('openat', [AT_FDCWD, 0, 0]); // no errno at all
    expect(filter).toDeny('openat', [AT_FDCWD, 0, O_WRONLY]); // does not run: an errno, a trap or a kill
  });

  it('compares all 64 bits of an argument', () => {
    expect(filter).toReturnErrno('kill', 'EPERM', [1, SIGKILL]);
    expect(filter).toReturnErrno('kill', 'ESRCH', [-1, SIGKILL]);
    expect(filter).toAllow('kill', [0x1_0000_0001n, SIGKILL]); // the high half differs
    expect(filter).toAllow('kill', ['0xfffffffffffffffe', SIGKILL]);
  });

  it('answers terminal ioctls with ENOTTY', () => {
    expect(filter).toReturnErrno('ioctl', 'ENOTTY', [0, TCGETS]);
    expect(filter).toAllow('ioctl', [0, 0x8912]); // SIOCGIFCONF
  });

  it('kills the process for anonymous executable memory', () => {
    const prot = PROT_READ | PROT_EXEC;
    expect(filter).toKillProcess('mmap', [0, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0]);
    expect(filter).toAllow('mmap', [0, 4096, prot, MAP_PRIVATE, 3, 0]); // a file mapping
    expect(filter).toReturnAction('mmap', 'KILL_PROCESS', [0, 4096, prot, MAP_ANONYMOUS, -1, 0]);
  });

  it('kills every other architecture, and x32 calls', () => {
    expect(filter).toKill('read', { arch: 'i386' });
    expect(filter).toKill('getpid', { arch: 'aarch64' });
    expect(filter).toKillProcess('read', { arch: 'x32' });
    expect(filter).toKill(0x40000000 + 39); // x32 getpid, by number
  });
});
