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
import { FIXTURE_DIR, loadFixtures } from './fixtures.js';

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
        check(action === 'ALLOW', (a) => a.toAllow(c.syscall, c.args, opts));
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
      'toAllow', 'toKill', 'toKillProcess', 'toKillThread', 'toLog', 'toNotify', 'toReturnAction', 'toReturnErrno', 'toTrace', 'toTrap',
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
