/**
 * The vitest matchers of `cbpf2ebpf/vitest`: on every case of the libseccomp fixtures exactly
 * the matchers for the action libseccomp's rules give pass (and the others pass under `.not`);
 * failure messages carry the verdict, the returning line and the path; stacks, input forms and
 * bad input. Last, the README's sample test file runs in a separate vitest process against the
 * built package, installed the way a user's project installs it, and type-checks there.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentError, UsageError } from '../../src/errors.js';
import { decodeAction, parseAction } from '../../src/seccomp/actions.js';
import { loadSeccompFilter, type SeccompFilter } from '../../src/seccomp/filter.js';
import '../../src/seccomp/vitest.js';
import { seccompMatchers } from '../../src/seccomp/vitest.js';
import { syscallTable } from '../../src/seccomp/syscalls/index.js';
import { FIXTURE_DIR, loadFixtures } from './fixtures.js';
import { NO_PYSECCOMP, SECCOMP_PYTHON, pySeccomp } from './libseccomp.js';

const fixtures = loadFixtures();
const fixture = (name: string): string => join(FIXTURE_DIR, `${name}.bpf`);
const load = (name: string): SeccompFilter => loadSeccompFilter(fixture(name));

/** The message a failing expectation throws. */
function failure(assertion: () => void): string {
  try {
    assertion();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the assertion passed');
}

describe('on the libseccomp fixtures, exactly the matchers of the expected action pass', () => {
  for (const fx of fixtures) {
    it(`${fx.name} (${fx.cases.length} cases)`, () => {
      const f = loadSeccompFilter(fx.path);
      for (const c of fx.cases) {
        const value = parseAction(c.expect);
        const { action, data } = decodeAction(value);
        const opts = { arch: c.arch };
        const check = (should: boolean, run: (a: ReturnType<typeof expect<SeccompFilter>>) => void): void =>
          run(should ? expect(f) : expect(f).not);
        // The call runs for ALLOW and LOG, does not for ERRNO, TRAP and the kills; TRACE and USER_NOTIF are neither.
        check(action === 'ALLOW' || action === 'LOG', (a) => a.toAllow(c.syscall, c.args, opts));
        check(['ERRNO', 'TRAP', 'KILL_THREAD', 'KILL_PROCESS'].includes(action), (a) => a.toDeny(c.syscall, c.args, opts));
        check(action === 'KILL_PROCESS' || action === 'KILL_THREAD', (a) => a.toKill(c.syscall, c.args, opts));
        check(action === 'KILL_PROCESS', (a) => a.toKillProcess(c.syscall, c.args, opts));
        check(action === 'KILL_THREAD', (a) => a.toKillThread(c.syscall, c.args, opts));
        check(action === 'ERRNO', (a) => a.toReturnErrno(c.syscall, undefined, c.args, opts));
        check(action === 'ERRNO', (a) => a.toReturnErrno(c.syscall, action === 'ERRNO' ? data : 1, c.args, opts));
        check(false, (a) => a.toReturnErrno(c.syscall, action === 'ERRNO' ? data + 1 : 1, c.args, opts));
        check(action === 'TRAP', (a) => a.toTrap(c.syscall, c.args, opts));
        check(action === 'LOG', (a) => a.toLog(c.syscall, c.args, opts));
        check(action === 'TRACE', (a) => a.toTrace(c.syscall, c.args, opts));
        check(action === 'USER_NOTIF', (a) => a.toNotify(c.syscall, c.args, opts));
        check(true, (a) => a.toReturnAction(c.syscall, c.expect, c.args, opts));
        check(true, (a) => a.toReturnAction(c.syscall, value, c.args, opts));
      }
    });
  }
});

describe('failure messages', () => {
  const allowlist = load('x86_64-allowlist');
  const args = load('x86_64-args');

  it('give the verdict, its line and the path the syscall took', () => {
    const r = allowlist.evaluate({ syscall: 'execve' });
    expect(r.text).toBe('KILL_PROCESS');
    const line = String(r.pc).padStart(4, '0');
    const msg = failure(() => expect(allowlist).toAllow('execve'));
    const [head, title, ...path] = msg.split('\n');
    expect(head).toBe(`expected execve() on x86_64 to be allowed, but the filter returned KILL_PROCESS at line ${line}; path:`);
    expect(title).toMatch(/^ 0000: A = arch +# A = 0xc000003e \(ARCH_X86_64\)$/);
    expect(path.join('\n')).toMatch(/ A = sys_number +# A = 0x3b \(execve\)\n/);
    expect(path[path.length - 1]).toMatch(new RegExp(`^ ${line}: return KILL_PROCESS +# => KILL_PROCESS$`));
    expect(() => expect(allowlist).toAllow('execve')).toThrow(/path:\n 0000: A = arch/);
  });

  it('under .not, say what was not expected', () => {
    const r = allowlist.evaluate({ syscall: 'read' });
    const msg = failure(() => expect(allowlist).not.toAllow('read'));
    expect(msg.split('\n')[0]).toBe(`expected read() on x86_64 not to be allowed, but the filter returned ALLOW at line ${String(r.pc).padStart(4, '0')}; path:`);
  });

  it('show the arguments and options as given, and the errno by name', () => {
    const msg = failure(() => expect(args).toReturnErrno('openat', 'EACCES', [-100, '0x7ffc0000', 0x42n]));
    expect(msg.split('\n')[0]).toBe('expected openat(-100, 0x7ffc0000, 66) on x86_64 to fail with EACCES (13), but the filter returned ERRNO(30) at line 0066; path:');
    expect(msg).toMatch(/ 0062: A &= 0x3 +# A = 0x2\n 0063: if \(A == 0x2\) goto 0066 +# -> 0066\n 0066: return ERRNO\(30\) +# => ERRNO\(30\)$/);
    const foreign = failure(() => expect(args).toAllow('getpid', { arch: 'i386', ip: '0x8048000' }));
    expect(foreign.split('\n')[0]).toBe('expected getpid() on i386 (ip 0x8048000) to be allowed, but the filter returned KILL_PROCESS at line 0096; path:');
    expect(foreign).toMatch(/ 0000: A = arch +# A = 0x40000003 \(ARCH_I386\)\n 0001: if \(A != ARCH_X86_64\) goto 0096 +# -> 0096\n/);
    const byNumber = failure(() => expect(args).toTrap(0x40000000 + 39));
    expect(byNumber.split('\n')[0]).toBe(
      'expected syscall 1073741863 (getpid)() on x86_64 to trap (TRAP: SIGSYS), but the filter returned KILL_PROCESS at line 0096; path:');
    const action = failure(() => expect(args).toReturnAction('uname', 'ERRNO(EACCES)', [1]));
    expect(action.split('\n')[0]).toBe('expected uname(1) on x86_64 to return ERRNO(EACCES), but the filter returned ERRNO(7) at line 0023; path:');
  });
});

describe('one family: whether the call runs', () => {
  const actions = load('actions'); // default LOG; getpid TRAP, getppid TRACE(7), getuid USER_NOTIF, getgid KILL, geteuid KILL_PROCESS, getegid ERRNO(4000), read ALLOW

  it('LOG runs the call: toAllow passes and .not.toAllow fails, saying so', () => {
    expect(actions).toAllow('write');
    expect(actions).toLog('write');
    expect(actions).not.toDeny('write');
    const r = actions.evaluate({ syscall: 'write' });
    expect(r.text).toBe('LOG');
    const msg = failure(() => expect(actions).not.toAllow('write'));
    expect(msg.split('\n')[0]).toBe(
      `expected write() on x86_64 not to be allowed, but the filter returned LOG at line ${String(r.pc).padStart(4, '0')} (LOG: the call runs, and is logged); path:`);
    expect(actions).toAllow('read');
    expect(actions).not.toLog('read');
  });

  it('toDeny: ERRNO, TRAP and the kills, the calls that do not run', () => {
    for (const call of ['getpid', 'getgid', 'geteuid', 'getegid']) expect(actions).toDeny(call);
    expect(loadSeccompFilter([{ code: 0x06, jt: 0, jf: 0, k: 0x12340000 }])).toDeny('read'); // unknown: KILL_PROCESS
    expect(loadSeccompFilter([{ code: 0x06, jt: 0, jf: 0, k: 0x00050000 }])).toDeny('read'); // ERRNO(0) skips the call too
    expect(actions).not.toDeny('read');
    expect(failure(() => expect(actions).toDeny('read')).split('\n')[0]).toMatch(
      /^expected read\(\) on x86_64 to be denied, but the filter returned ALLOW at line \d{4}; path:$/);
    expect(failure(() => expect(actions).not.toDeny('getpid')).split('\n')[0]).toMatch(
      /^expected getpid\(\) on x86_64 not to be denied, but the filter returned TRAP at line \d{4}; path:$/);
  });

  it('TRACE and USER_NOTIF are neither allowed nor denied: another process decides', () => {
    for (const call of ['getppid', 'getuid']) {
      expect(actions).not.toAllow(call);
      expect(actions).not.toDeny(call);
    }
    expect(actions).toTrace('getppid');
    expect(actions).toNotify('getuid');
    expect(failure(() => expect(actions).toDeny('getuid')).split('\n')[0]).toMatch(
      /^expected getuid\(\) on x86_64 to be denied, but the filter returned USER_NOTIF at line \d{4} \(USER_NOTIF: the supervisor decides whether the call runs\); path:$/);
    expect(failure(() => expect(actions).toAllow('getppid')).split('\n')[0]).toMatch(
      /\(TRACE: a ptrace tracer decides whether the call runs\); path:$/);
  });
});

/** libseccomp's filter for a Docker-like profile: ~430 calls allowed on x86_64, i386 and x32, default ERRNO(EPERM). */
const MOBY_LIKE = `
import json, sys, tempfile, seccomp as sc
req = json.load(sys.stdin)
f = sc.SyscallFilter(sc.ERRNO(1))
for a in ('X86', 'X32'): f.add_arch(getattr(sc.Arch, a))
for name in req['allow']:
    try: f.add_rule(sc.ALLOW, name)
    except Exception: pass
for v in (0, 8, 0x20000, 0x20008, 0xffffffff):
    f.add_rule(sc.ALLOW, 'personality', sc.Arg(0, sc.EQ, v))
f.add_rule(sc.ALLOW, 'clone', sc.Arg(0, sc.MASKED_EQ, 0x7e020000, 0))
with tempfile.TemporaryFile() as fh:
    f.export_bpf(fh)
    fh.seek(0)
    print(json.dumps(fh.read().hex()))
`;
const MOBY_DENIES = new Set(('acct add_key bpf clock_adjtime clock_settime create_module delete_module finit_module get_kernel_syms ' +
  'get_mempolicy init_module ioperm iopl kcmp kexec_file_load kexec_load keyctl lookup_dcookie mbind mount move_pages name_to_handle_at ' +
  'nfsservctl open_by_handle_at perf_event_open personality pivot_root process_vm_readv process_vm_writev quotactl reboot request_key ' +
  'set_mempolicy setns settimeofday swapon swapoff sysfs _sysctl umount2 unshare uselib userfaultfd ustat clone ptrace').split(' '));

describe('failure messages on large filters show the path that decided, not every line of it', () => {
  it('x86_64-large: a long allow-list walked past is one line', () => {
    const large = load('x86_64-large');
    const r = large.evaluate({ syscall: 'reboot' });
    const msg = failure(() => expect(large).toAllow('reboot'));
    const lines = msg.split('\n');
    expect(lines.length).toBeLessThanOrEqual(10);
    expect(lines[0]).toBe(`expected reboot() on x86_64 to be allowed, but the filter returned KILL_PROCESS at line ${String(r.pc).padStart(4, '0')}; path:`);
    expect(lines[3]).toMatch(/^ 0002: A = sys_number +# A = 0xa9 \(reboot\)$/);
    expect(msg).toMatch(/\n 0003: if \(A < 0x40000000\) goto 0006 +# -> 0006\n 0006-\d{4}: \d+ conditional jumps on the same A, not shown\n \d{4}: if \(A != \w+\) goto \d{4} +# -> \d{4}\n/);
    expect(lines[lines.length - 1]).toMatch(/^ \d{4}: return KILL_PROCESS +# => KILL_PROCESS$/);
    // The jump that was taken into an argument check stays, and what follows it.
    const clone = failure(() => expect(large).toAllow('clone', [0, 0x10, 1]));
    expect(clone.split('\n').length, clone).toBeLessThanOrEqual(20);
    expect(clone).toMatch(/ if \(A != clone\) goto \d{4} +# -> \d{4}\n \d{4}: A = args\[1\] >> 32 /);
    expect(clone).toMatch(/ return ERRNO\(1\) +# => ERRNO\(1\)$/);
  });

  it.skipIf(!SECCOMP_PYTHON)(`a Docker-sized filter libseccomp built (~1000 instructions, three arches)${SECCOMP_PYTHON ? '' : ` (skipped: ${NO_PYSECCOMP})`}`, () => {
    const allow = [...syscallTable('x86_64').byName.keys()].filter((n) => !MOBY_DENIES.has(n));
    const moby = loadSeccompFilter(Buffer.from(pySeccomp<string>(MOBY_LIKE, { allow }), 'hex'));
    expect(moby.prog.length).toBeGreaterThan(800);
    for (const [call, opts] of [['reboot', {}], ['reboot', { arch: 'i386' }], ['mount', { arch: 'x32' }]] as const) {
      const msg = failure(() => expect(moby).toAllow(call, opts));
      expect(msg.split('\n').length, msg).toBeLessThanOrEqual(12);
      expect(msg, msg).toMatch(/ conditional jumps on the same A, not shown\n/);
      expect(msg).toMatch(/\n \d{4}: return ERRNO\(1\) +# => ERRNO\(1\)$/);
    }
    // Under .not, a call far down the list: the jump that matched it is there.
    const msg = failure(() => expect(moby).not.toAllow('getrandom'));
    expect(msg.split('\n').length, msg).toBeLessThanOrEqual(12);
    expect(msg).toMatch(/ conditional jumps on the same A, not shown\n \d{4}: if \(A == getrandom\) goto \d{4} +# -> \d{4}\n \d{4}: return ALLOW +# => ALLOW$/);
    expect(moby).toAllow('personality', [8]);
    expect(moby).toDeny('personality', [1]);
  });
});

describe('bad input in a matcher', () => {
  const args = load('x86_64-args');

  it('says "not a safe integer" for 2**60, exactly as given', () => {
    expect(() => expect(args).toAllow('kill', [2 ** 60])).toThrow(UsageError);
    expect(() => expect(args).toAllow('kill', [2 ** 60])).toThrow(
      'args[0]: 1152921504606846976 is not a safe integer (past 2^53 a number may already be rounded): give a bigint or a hex string');
    expect(args).toAllow('kill', [2n ** 60n]);
  });

  it('serializes as its name, message and stack alone (no "Serialized Error" under it in vitest)', () => {
    let thrown: unknown;
    try { expect(args).not.toAllow('getpidd'); } catch (e) { thrown = e; }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).exitCode).toBe(64);
    expect(Object.keys(JSON.parse(JSON.stringify(thrown)) as object).sort()).toEqual(['message', 'name', 'stack']);
    // Errors from loading a subject too (a CheckError carries its rule and pc).
    try { expect([{ code: 0x06, jt: 0, jf: 0, k: 0 }, { code: 0x94, jt: 0, jf: 0, k: 3 }]).toAllow('read'); } catch (e) { thrown = e; }
    expect((thrown as Error).name).toBe('CheckError');
    expect(Object.keys(JSON.parse(JSON.stringify(thrown)) as object).sort()).toEqual(['message', 'name', 'stack']);
  });
});

describe('stacked filters', () => {
  // Both default to ALLOW; x86_64-args refuses writable opens, x86_64-denylist ptrace.
  const stack = [fixture('x86_64-args'), fixture('x86_64-denylist')];

  it('are judged as the kernel combines them', () => {
    expect(stack).toAllow('read');
    expect(stack).toReturnErrno('openat', 'EACCES', [-100, 0, 1]);
    expect(stack).toReturnErrno('ptrace', 'EPERM');
    expect(stack).toKillProcess('kexec_load');
    expect(stack).toKill('read', { arch: 'arm' });
  });

  it('name the filter whose result stands, and trace it', () => {
    const msg = failure(() => expect(stack).toAllow('openat', [-100, 0, 1]));
    expect(msg.split('\n')[0]).toBe('expected openat(-100, 0, 1) on x86_64 to be allowed, but the stacked filters returned ERRNO(13) ' +
      '(filter #0 of 2, line 0065; each: #0 ERRNO(13), #1 ALLOW); path through filter #0:');
    expect(msg).toMatch(/ 0065: return ERRNO\(13\) +# => ERRNO\(13\)$/);
    const read = failure(() => expect(stack).not.toAllow('read'));
    expect(read.split('\n')[0]).toBe('expected read() on x86_64 not to be allowed, but the stacked filters returned ALLOW ' +
      '(all 2 allow it; each: #0 ALLOW, #1 ALLOW); path through filter #1 (the newest):');
    const ptrace = failure(() => expect(stack).toAllow('ptrace'));
    expect(ptrace.split('\n')[0]).toMatch(/^expected ptrace\(\) on x86_64 to be allowed, but the stacked filters returned ERRNO\(1\) \(filter #1 of 2, line \d{4}; each: #0 ALLOW, #1 ERRNO\(1\)\); path through filter #1:$/);
  });
});

describe('inputs and options', () => {
  it('takes a filter, a path, its bytes or its instructions', () => {
    const f = load('x86_64-denylist');
    for (const subject of [f, fixture('x86_64-denylist'), readFileSync(fixture('x86_64-denylist')), f.prog]) {
      expect(subject).toReturnErrno('bpf', 'EACCES');
      expect(subject).toAllow('read');
    }
  });

  it('takes arguments as numbers, bigints and strings, and options alone or after them', () => {
    const f = load('x86_64-args');
    expect(f).toReturnErrno('kill', 'ESRCH', [-1]);
    expect(f).toReturnErrno('kill', 3, [0xffff_ffff_ffff_ffffn]);
    expect(f).toReturnErrno('kill', '3', ['0xffffffffffffffff']);
    expect(f).toAllow('kill', ['-2']);
    expect(f).toReturnErrno('kill', 'ESRCH', [-1], { arch: 'x86_64', auditArch: 0xc000003e });
    expect(f).toReturnErrno('kill', [-1]);
    expect(f).toReturnErrno('kill', [-1], { arch: 'x86_64' });
    expect(f).not.toReturnErrno('kill', { arch: 'x86_64' });
    expect(f).toKillProcess('kill', [-1], { auditArch: 0x40000003 });
    expect(f).toKillProcess('write', { arch: 'aarch64' });
  });

  it('tells the errno the syscall fails with from the action data (capped at 4095)', () => {
    const f = loadSeccompFilter([{ code: 0x06, jt: 0, jf: 0, k: 0x00051388 }]); // ERRNO(5000)
    expect(f).toReturnErrno('read', 4095);
    expect(f).not.toReturnErrno('read', 5000);
    expect(failure(() => expect(f).toReturnErrno('read', 5000)).split('\n')[0]).toBe(
      "expected read() on x86_64 to fail with errno 5000 (more than the kernel's MAX_ERRNO 4095), but the filter returned ERRNO(5000) at line 0000; path:");
    expect(f).toReturnAction('read', 'ERRNO(5000)');
    expect(f).toReturnAction('read', 'ERRNO');
    expect(f).toReturnAction('read', '0x00051388');
    const actions = load('actions');
    expect(actions).toReturnErrno('getegid', 4000);
    expect(actions).toReturnAction('getppid', 'TRACE(7)');
    expect(actions).not.toReturnAction('getppid', 'TRACE(8)');
    expect(actions).toReturnAction('getppid', 'SCMP_ACT_TRACE');
    expect(actions).toReturnAction('getgid', 'KILL');
    expect(actions).not.toReturnAction('getgid', 'KILL_PROCESS');
  });

  it('lets bad input through as errors, not as failed expectations', () => {
    const f = load('x86_64-args');
    expect(() => expect(f).toAllow('opneat')).toThrow(UsageError);
    expect(() => expect(f).not.toAllow('getpidd')).toThrow("unknown syscall 'getpidd' on x86_64 (did you mean 'getpid'?)");
    expect(() => expect(f).toReturnErrno('read', 'EWHAT')).toThrow("unknown errno name 'EWHAT'");
    expect(() => expect(f).toReturnAction('read', 'PERMIT')).toThrow("unknown seccomp action 'PERMIT'");
    expect(() => expect(f).toAllow('read', [1, 2, 3, 4, 5, 6, 7])).toThrow('at most 6 arguments');
    expect(() => expect(f).toAllow('read', { arch: 'i386' }, { arch: 'arm' })).toThrow(ArgumentError);
    expect(() => expect(42).toAllow('read')).toThrow(/^expect: the value must be a SeccompFilter, a path to one, its bytes, or a non-empty list of those \(stacked, oldest first\), not 42$/);
    expect(() => expect([]).toAllow('read')).toThrow(/the value must be a SeccompFilter.*, not an array of 0$/);
    expect(() => expect(join(FIXTURE_DIR, 'missing.bpf')).toAllow('read')).toThrow(/missing\.bpf: no such file/);
  });

  it('exports the matcher object for manual registration', () => {
    expect(Object.keys(seccompMatchers).sort()).toEqual([
      'toAllow', 'toDeny', 'toKill', 'toKillProcess', 'toKillThread', 'toLog', 'toNotify', 'toReturnAction', 'toReturnErrno', 'toTrace', 'toTrap',
    ]);
  });
});

const root = fileURLToPath(new URL('../../', import.meta.url));
const sample = join(root, 'docs/examples/seccomp-policy.test.ts');
const built = existsSync(join(root, 'dist/seccomp/vitest.js')) && existsSync(join(root, 'dist/seccomp/vitest.d.ts'));
if (!built) console.warn('skipping the README sample test: dist/ is not built (run `npx tsc -p .`)');

describe.skipIf(!built)(`the README's sample test file${built ? '' : ' (skipped: dist/ not built)'}`, () => {
  // A user's project: the sample, the policy it tests, and cbpf2ebpf and vitest in node_modules.
  const project = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-sample-'));
  afterAll(() => rmSync(project, { recursive: true, force: true }));
  mkdirSync(join(project, 'node_modules/@types'), { recursive: true });
  symlinkSync(root, join(project, 'node_modules/cbpf2ebpf'), 'dir');
  symlinkSync(join(root, 'node_modules/vitest'), join(project, 'node_modules/vitest'), 'dir');
  symlinkSync(join(root, 'node_modules/@types/node'), join(project, 'node_modules/@types/node'), 'dir');
  writeFileSync(join(project, 'package.json'), '{ "name": "policy-tests", "private": true, "type": "module" }\n');
  copyFileSync(sample, join(project, 'seccomp-policy.test.ts'));
  copyFileSync(fixture('x86_64-args'), join(project, 'policy.bpf'));

  const vitest = (file: string) => {
    const r = spawnSync(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', file, '--root', project, '--reporter=json'],
      { cwd: project, encoding: 'utf8', env: { ...process.env, CI: '1', NO_COLOR: '1' } });
    const json = r.stdout.slice(r.stdout.indexOf('{'));
    return { status: r.status, stderr: r.stderr, report: JSON.parse(json) as VitestReport };
  };

  it('passes under vitest, importing the built package by its name', () => {
    const { status, stderr, report } = vitest('seccomp-policy.test.ts');
    expect(status, stderr).toBe(0);
    expect(report.numTotalTests).toBe(6);
    expect(report.numPassedTests).toBe(6);
  }, 120_000);

  it('fails there, with the path, when the policy does not hold', () => {
    const broken = readFileSync(sample, 'utf8').replace("expect(filter).toAllow('read');", "expect(filter).toAllow('read', { arch: 'arm' });");
    writeFileSync(join(project, 'broken.test.ts'), broken);
    const { status, report } = vitest('broken.test.ts');
    expect(status).toBe(1);
    expect(report.numFailedTests).toBe(1);
    const failed = report.testResults.flatMap((f) => f.assertionResults).find((a) => a.status === 'failed')!;
    expect(failed.title).toBe('lets ordinary calls through');
    expect(failed.failureMessages.join('\n')).toMatch(
      /expected read\(\) on arm to be allowed, but the filter returned KILL_PROCESS at line 0096; path:\n 0000: A = arch +# A = 0x40000028 \(ARCH_ARM\)/);
  }, 120_000);

  it('reports failures there as the messages say, with no "Serialized Error" line, even with --reporter=verbose', () => {
    copyFileSync(fixture('x86_64-large'), join(project, 'large.bpf'));
    copyFileSync(fixture('actions'), join(project, 'actions.bpf'));
    writeFileSync(join(project, 'failing.test.ts'), [
      "import { fileURLToPath } from 'node:url';",
      "import { expect, it } from 'vitest';",
      "import { loadSeccompFilter } from 'cbpf2ebpf/vitest';",
      "const large = loadSeccompFilter(fileURLToPath(new URL('./large.bpf', import.meta.url)));",
      "const actions = loadSeccompFilter(fileURLToPath(new URL('./actions.bpf', import.meta.url)));",
      "it('walks past a long allow-list', () => expect(large).toAllow('reboot'));",
      "it('runs a logged call', () => expect(actions).not.toAllow('write'));",
      "it('takes 2**60', () => expect(large).toAllow('read', [2 ** 60]));",
      "it('knows the syscall', () => expect(large).toAllow('getpidd'));",
      '',
    ].join('\n'));
    const r = spawnSync(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'failing.test.ts', '--root', project, '--reporter=verbose'],
      { cwd: project, encoding: 'utf8', env: { ...process.env, CI: '1', NO_COLOR: '1' } });
    const out = r.stdout + r.stderr;
    expect(r.status, out).toBe(1);
    expect(out).toMatch(/Tests +4 failed/);
    expect(out).not.toContain('Serialized Error');
    expect(out).toMatch(/expected reboot\(\) on x86_64 to be allowed, but the filter returned KILL_PROCESS at line \d{4}; path:\n 0000: A = arch .*\n 0001: .*\n 0002: A = sys_number .*\n 0003: .*\n 0006-\d{4}: \d+ conditional jumps on the same A, not shown\n \d{4}: if .*\n \d{4}: return KILL_PROCESS +# => KILL_PROCESS\n/);
    expect(out).toMatch(/expected write\(\) on x86_64 not to be allowed, but the filter returned LOG at line \d{4} \(LOG: the call runs, and is logged\); path:/);
    expect(out).toContain('UsageError: args[0]: 1152921504606846976 is not a safe integer (past 2^53 a number may already be rounded): give a bigint or a hex string');
    expect(out).toContain("UsageError: unknown syscall 'getpidd' on x86_64 (did you mean 'getpid'?)");
    // The whole report of four failures stays short: no path of 400 lines, no property dumps.
    expect(out.split('\n').length, out).toBeLessThan(120);
  }, 120_000);

  it('type-checks there: the matchers extend vitest\'s Matchers', () => {
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, types: ['node'], skipLibCheck: true },
      files: ['seccomp-policy.test.ts'],
    }));
    const tsc = (): ReturnType<typeof spawnSync> =>
      spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd: project, encoding: 'utf8' });
    const ok = tsc();
    expect(ok.status, String(ok.stdout)).toBe(0);
    // The same project with a wrong argument type must not compile.
    writeFileSync(join(project, 'seccomp-policy.test.ts'), `${readFileSync(sample, 'utf8')}\nexpect(filter).toReturnErrno('read', { errno: 1 });\n`);
    const bad = tsc();
    expect(bad.status).not.toBe(0);
    const lastLine = readFileSync(join(project, 'seccomp-policy.test.ts'), 'utf8').trimEnd().split('\n').length;
    expect(String(bad.stdout)).toMatch(new RegExp(`^seccomp-policy\\.test\\.ts\\(${lastLine},\\d+\\): error TS\\d+: No overload matches this call`));
    expect(String(bad.stdout).match(/error TS/g)).toHaveLength(1);
    copyFileSync(sample, join(project, 'seccomp-policy.test.ts'));
  }, 120_000);
});

interface VitestReport {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: Array<{ assertionResults: Array<{ title: string; status: string; failureMessages: string[] }> }>;
}
