/**
 * `cbpf2ebpf seccomp`: in process through main() for output and exit codes, on the
 * libseccomp-generated fixtures (fixtures/seccomp, with the rules that built them), and
 * through the built launcher for stdin, pipes and the process status. The verdicts are held
 * to the rules libseccomp compiled; the listing is held to the bytes libseccomp exported (it
 * must assemble back to them).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDdd } from '../../src/classic/encode.js';
import { formatAction, parseAction } from '../../src/seccomp/actions.js';
import { FIXTURE_DIR, loadFixtures } from '../seccomp/fixtures.js';
import { launcherBuilt, notBuiltNote, runBinBytes, runMain } from './run-main.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = loadFixtures();
const fixture = (name: string): string => join(FIXTURE_DIR, `${name}.bpf`);
const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-seccomp-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (...args: string[]) => runMain(args, 'latin1');

/** libseccomp's spelling of a fixture's expected action, as we print it. */
const spelled = (action: string): string => formatAction(parseAction(action));

/** The pseudo-code of each line, from `seccomp disasm --no-raw`. */
async function statements(path: string): Promise<string[]> {
  const r = await run('seccomp', 'disasm', path, '--no-raw');
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split('\n').filter((l) => /^ \d{4}: /.test(l)).map((l) => l.slice(7));
}

describe('seccomp FILTER SYSCALL [ARG...]', () => {
  it('gives the verdict libseccomp\'s rules give, and the line that returned it, for every fixture case', async () => {
    let cases = 0;
    for (const fx of fixtures) {
      const text = await statements(fx.path);
      for (const c of fx.cases) {
        const what = `${fx.name}: ${c.arch} ${c.syscall}(${c.args.join(', ')})`;
        const q = await run('seccomp', fx.path, c.syscall, ...c.args, '--arch', c.arch, '-q');
        expect(q.code, q.stderr).toBe(0);
        expect(q.stdout, what).toBe(`${spelled(c.expect)}\n`);
        const full = await run('seccomp', fx.path, c.syscall, ...c.args, '--arch', c.arch);
        const m = /^(\S+) {2}\(line (\d{4}): (.*)\)\n$/.exec(full.stdout);
        expect(m, full.stdout).not.toBeNull();
        expect(m![1]).toBe(spelled(c.expect));
        // The line is a RET of the listing that returns this very verdict.
        expect(m![3], what).toBe(text[Number(m![2])]);
        expect(m![3], what).toBe(`return ${spelled(c.expect)}`);
        cases++;
      }
    }
    expect(cases).toBe(fixtures.reduce((n, fx) => n + fx.cases.length, 0));
  });

  it('--json: the query as resolved, the result and the line; --trace adds the path', async () => {
    const r = await run('seccomp', fixture('x86_64-args'), 'openat', '-100', '0x7ffc0000', '0x241', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      arch: 'x86_64', syscall: 'openat', nr: 257,
      args: ['0xffffffffffffff9c', '0x7ffc0000', '0x241', '0x0', '0x0', '0x0'], ip: '0x0',
      source: fixture('x86_64-args'),
      action: 'ERRNO', data: 13, value: 0x5000d, text: 'ERRNO(13)', errno: 13, known: true,
      pc: 65, line: 'return ERRNO(13)',
    });
    const t = JSON.parse((await run('seccomp', fixture('x86_64-args'), 'kill', '-1', '9', '--json', '--trace', '--ip', '0x401000')).stdout);
    expect(t.ip).toBe('0x401000');
    expect(t.text).toBe('ERRNO(3)');
    const path = t.path as Array<{ pc: number; text: string; a: number; x: number }>;
    expect(path[0]).toEqual({ pc: 0, text: 'A = arch', a: 0xc000003e, x: 0 });
    expect(path.find((s) => s.text === 'A = sys_number')!.a).toBe(62);
    expect(path[path.length - 1]).toMatchObject({ pc: t.pc, text: 'return ERRNO(3)' });
    // by number, on x32: named from the x32 table
    const x32 = JSON.parse((await run('seccomp', fixture('multiarch'), '0x40000027', '--json')).stdout);
    expect(x32).toMatchObject({ arch: 'x86_64', syscall: 'getpid', nr: 0x40000027, text: 'ALLOW' });
  });

  it('--trace prints the path under the verdict', async () => {
    const r = await run('seccomp', fixture('x86_64-args'), 'openat', '0', '0', '2', '--trace');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('ERRNO(30)  (line 0066: return ERRNO(30))');
    expect(lines[1]).toMatch(/^ 0000: A = arch +# A = 0xc000003e \(ARCH_X86_64\)$/);
    expect(lines).toContainEqual(expect.stringMatching(/^ 0002: A = sys_number +# A = 0x101 \(openat\)$/));
    expect(lines[lines.length - 1]).toMatch(/^ 0066: return ERRNO\(30\) +# => ERRNO\(30\)$/);
  });

  it('--stack: filters installed one after another, the kernel\'s precedence', async () => {
    const args = fixture('x86_64-args');
    const deny = fixture('x86_64-denylist');
    const r = await run('seccomp', args, 'ptrace', '--stack', deny);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `ERRNO(1)  (filter #1 ${deny}, line 0009: return ERRNO(1))\n` +
      `  #0 ${args}: ALLOW  (line 0093: return ALLOW)\n` +
      `  #1 ${deny}: ERRNO(1)  (line 0009: return ERRNO(1))\n`);
    const three = await run('seccomp', args, 'openat', '-100', '0', '1', '--stack', deny, '--stack', fixture('x86_64-allowlist'), '-q');
    expect(three.stdout).toBe('ERRNO(13)\n');
    const killed = await run('seccomp', args, 'execve', '--stack', fixture('x86_64-allowlist'), '--stack', deny, '-q');
    expect(killed.stdout).toBe('KILL_PROCESS\n');
    const all = await run('seccomp', args, 'read', '--stack', deny);
    expect(all.stdout.split('\n')[0]).toBe('ALLOW  (all 2 filters allow it)');
    const json = JSON.parse((await run('seccomp', args, 'ptrace', '--stack', deny, '--json')).stdout);
    expect(json).toMatchObject({ syscall: 'ptrace', text: 'ERRNO(1)', filter: 1, source: deny, pc: 9, line: 'return ERRNO(1)' });
    expect(json.filters.map((f: { source: string; text: string }) => [f.source, f.text])).toEqual([[args, 'ALLOW'], [deny, 'ERRNO(1)']]);
    const none = JSON.parse((await run('seccomp', args, 'read', '--stack', deny, '--json')).stdout);
    expect(none).toMatchObject({ text: 'ALLOW', filter: -1, source: null, pc: null, line: null });
  });

  it('reads every input form: the -ddd text and the pseudo-code of the same filter give the same verdicts', async () => {
    const fx = fixtures.find((f) => f.name === 'x86_64-args')!;
    const ddd = join(tmp, 'args.ddd');
    writeFileSync(ddd, formatDdd(fx.prog));
    const asm = join(tmp, 'args.asm');
    writeFileSync(asm, (await run('seccomp', 'disasm', fx.path)).stdout);
    for (const c of fx.cases) {
      const want = `${spelled(c.expect)}\n`;
      for (const f of [ddd, asm]) expect((await run('seccomp', f, c.syscall, ...c.args, '--arch', c.arch, '-q')).stdout).toBe(want);
    }
  });
});

describe('seccomp disasm / asm', () => {
  it('the listing of every fixture assembles back to the bytes libseccomp exported', async () => {
    for (const fx of fixtures) {
      for (const raw of [[], ['--no-raw']]) {
        const d = await run('seccomp', 'disasm', fx.path, ...raw);
        expect(d.code, d.stderr).toBe(0);
        expect(d.stdout.startsWith(' line  CODE  JT   JF      K\n=================================\n')).toBe(true);
        const listing = join(tmp, `${fx.name}.asm`);
        writeFileSync(listing, d.stdout);
        const bin = join(tmp, `${fx.name}.bin`);
        const a = await run('seccomp', 'asm', listing, '-o', bin);
        expect(a.code, a.stderr).toBe(0);
        expect(readFileSync(bin).equals(Buffer.from(fx.bytes)), `${fx.name} ${raw.join(' ')}`).toBe(true);
      }
    }
  });

  it('names syscalls for the arches the filter checks, as seccomp-tools does', async () => {
    const d = (await run('seccomp', 'disasm', fixture('x86_64-allowlist'))).stdout.split('\n');
    expect(d[2]).toBe(' 0000: 0x20 0x00 0x00 0x00000004  A = arch');
    expect(d[3]).toMatch(/^ 0001: 0x15 0x00 0x[0-9a-f]{2} 0xc000003e  if \(A != ARCH_X86_64\) goto \d{4}$/);
    expect(d.some((l) => / if \(A [!=]= execve\) /.test(l) || / if \(A [!=]= read\) /.test(l))).toBe(true);
    const s390 = (await run('seccomp', 'disasm', fixture('s390x'), '--no-raw')).stdout;
    expect(s390).toContain(' 0001: if (A != ARCH_S390X) goto ');
    expect(s390).toContain(' 0003: if (A != getpid) goto 0005\n');
  });

  it('asm writes the text forms and the listing again', async () => {
    const fx = fixtures.find((f) => f.name === 'aarch64')!;
    const listing = join(tmp, 'aarch64.asm');
    const d = await run('seccomp', 'disasm', fx.path);
    writeFileSync(listing, d.stdout);
    expect((await run('seccomp', 'asm', listing, '-f', 'ddd')).stdout).toBe(formatDdd(fx.prog));
    expect((await run('seccomp', 'asm', listing, '-f', 'disasm')).stdout).toBe(d.stdout);
    expect((await run('seccomp', 'asm', listing, '-f', 'comma')).stdout).toMatch(new RegExp(`^${fx.prog.length},32 0 0 4,`));
    // s390x: big-endian records by default (every arch it checks is), little when asked
    const s = join(tmp, 's390x.asm');
    writeFileSync(s, (await run('seccomp', 'disasm', fixture('s390x'))).stdout);
    await run('seccomp', 'asm', s, '-o', join(tmp, 's390x.le'), '--output-endian', 'little');
    await run('seccomp', 'asm', s, '-o', join(tmp, 's390x.be'));
    const le = readFileSync(join(tmp, 's390x.le'));
    expect(readFileSync(join(tmp, 's390x.be')).equals(readFileSync(fixture('s390x')))).toBe(true);
    expect(le.readUInt16LE(0)).toBe(0x20);
    // the little-endian copy is the same filter to the evaluator
    expect((await run('seccomp', join(tmp, 's390x.le'), 'getpid', '-q')).stdout).toBe('ERRNO(1)\n');
  });
});

describe('seccomp summary', () => {
  it('on every fixture and arch: the default, foreign arches and each rule\'s syscall as libseccomp built them', async () => {
    for (const fx of fixtures) {
      for (const arch of fx.arches.filter((a) => a !== 'x32')) {
        const r = await run('seccomp', 'summary', fx.path, '--arch', arch, '--json');
        expect(r.code, r.stderr).toBe(0);
        const s = JSON.parse(r.stdout);
        const what = `${fx.name} --arch ${arch}`;
        expect(s.arch, what).toBe(arch);
        expect(s.default, what).toBe(spelled(fx.default));
        expect(s.otherArches.otherwise.text, what).toBe(spelled(fx.badarch));
        const tables: Array<[string, Array<{ name: string; verdict: string; depends: string[] }>]> = [[arch, s.syscalls]];
        if (arch === 'x86_64' && fx.arches.includes('x32')) tables.push(['x32', s.x32]);
        for (const [table, rows] of tables) {
          for (const rule of fx.rules.filter((x) => !x.arches || x.arches.includes(table))) {
            const row = rows.find((x) => x.name === rule.syscall);
            if (!row) continue; // a syscall this arch has not (libseccomp skips it)
            if (rule.args.length === 0 && !fx.rules.some((o) => o !== rule && o.syscall === rule.syscall)) {
              expect(row.verdict, `${what} ${table}:${rule.syscall}`).toBe(spelled(rule.action));
            } else {
              expect(row.depends, `${what} ${table}:${rule.syscall}`).toContain('args');
              // The rule's action is one of the cases, or what is left when no case holds.
              const action = spelled(rule.action).replace(/[()]/g, '\\$&');
              expect(row.verdict, `${what} ${table}:${rule.syscall}`).toMatch(new RegExp(`(?:-> |otherwise )${action}(?:;|$)`));
            }
          }
        }
        const kinds = s.warnings.map((w: { kind: string }) => w.kind);
        expect(kinds.includes('default-allow'), what).toBe(fx.default === 'ALLOW');
      }
    }
  });

  it('prints the table, the conditions and the warnings as text', async () => {
    const r = await run('seccomp', 'summary', fixture('x86_64-args'), '--view', 'syscall');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 4)).toEqual(['arch x86_64 (ARCH_X86_64 0xc000003e), 375 syscalls', 'default: ALLOW',
      // libseccomp's x32 guard: the numbers >= 0x40000000 no table names (all but -1, which it lets through).
      'other numbers: nr > 0x3fffffff && nr != 0xffffffff -> KILL_PROCESS; otherwise ALLOW', 'other arches: KILL_PROCESS']);
    expect(lines).toContainEqual(expect.stringMatching(
      /^ {2}openat +257 {2}\(\(u32\)args\[2\] & 0x3\) == 0x2 -> ERRNO\(30\); \(\(u32\)args\[2\] & 0x3\) == 0x1 -> ERRNO\(13\); otherwise ALLOW$/));
    expect(lines).toContain('x32 (nr | 0x40000000): KILL_PROCESS');
    expect(lines).toContainEqual(expect.stringMatching(/^warning: the default action is ALLOW \(line 0093\)/));
    const grouped = (await run('seccomp', 'summary', fixture('x86_64-args'), '--changes')).stdout.split('\n');
    expect(grouped).not.toContainEqual(expect.stringMatching(/\(the default\)/));
    expect(grouped).toContain('depends on arguments: 11 syscalls');
    expect(grouped).toContain('x32 (nr | 0x40000000): KILL_PROCESS');
    const multi = (await run('seccomp', 'summary', fixture('multiarch'))).stdout;
    expect(multi.split('\n')[2]).toBe('other arches: KILL_PROCESS (the filter also handles i386: summarize with that --arch)');
  });
});

describe('bad input: one line and the exit code', () => {
  const args = fixture('x86_64-args');
  const cases: Array<[string, string[], number, string | RegExp]> = [
    ['unknown syscall, with a suggestion', ['seccomp', args, 'getpidd'], 64, "cbpf2ebpf: unknown syscall 'getpidd' on x86_64 (did you mean 'getpid'?)\n"],
    ['unknown arch', ['seccomp', args, 'read', '--arch', 'sparc'], 64, /^cbpf2ebpf: unknown architecture 'sparc' \(known: x86_64, /],
    ['argument not a number', ['seccomp', args, 'read', 'zz'], 64, "cbpf2ebpf: args[0]: 'zz' is not a number\n"],
    ['argument too wide', ['seccomp', args, 'read', '--arch', 'i386', '0x100000000'], 64, 'cbpf2ebpf: args[0]: 0x100000000 does not fit a 32-bit register\n'],
    ['seven arguments', ['seccomp', args, 'read', '1', '2', '3', '4', '5', '6', '7'], 64, 'cbpf2ebpf: a syscall has at most 6 arguments, got 7\n'],
    ['no syscall', ['seccomp', args], 64, 'cbpf2ebpf: missing SYSCALL (cbpf2ebpf seccomp FILTER SYSCALL [args..])\n'],
    ['--json with -q', ['seccomp', args, 'read', '--json', '-q'], 64, 'cbpf2ebpf: --json and --quiet exclude each other\n'],
    ['missing file', ['seccomp', join(tmp, 'nope.bpf'), 'read'], 66, `cbpf2ebpf: ${join(tmp, 'nope.bpf')}: no such file\n`],
    ['a socket filter', ['seccomp', join(root, 'fixtures/filters/EN10MB/tcp-port.ddd'), 'read'], 65,
      'cbpf2ebpf: instruction 0 (ldh [12]): seccomp-opcode: seccomp loads only 32-bit words (ld [k]), not 16-bit ones\n'],
    ['summary of a missing file', ['seccomp', 'summary', join(tmp, 'nope.bpf')], 66, `cbpf2ebpf: ${join(tmp, 'nope.bpf')}: no such file\n`],
    ['asm of raw records', ['seccomp', 'asm', args], 65, /^cbpf2ebpf: .*x86_64-args\.bpf: not text: seccomp asm reads the pseudo-code/],
  ];
  for (const [name, argv, code, message] of cases) {
    it(name, async () => {
      const r = await run(...argv);
      expect(r.code).toBe(code);
      expect(r.stdout).toBe('');
      if (typeof message === 'string') expect(r.stderr).toBe(message);
      else expect(r.stderr).toMatch(message);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('cbpf2ebpf:'))).toHaveLength(1);
    });
  }

  it('a filter seccomp would refuse is reported with the rule it breaks', async () => {
    const off = join(tmp, 'outside.ddd');
    writeFileSync(off, '2\n32 0 0 64\n6 0 0 2147418112\n'); // ld [64]: past struct seccomp_data
    const r = await run('seccomp', off, 'read');
    expect(r.code).toBe(65);
    expect(r.stderr).toBe('cbpf2ebpf: instruction 0 (ld [64]): seccomp-load: offset 64 is outside struct seccomp_data (64 bytes)\n');
    const code = join(tmp, 'misaligned.asm');
    writeFileSync(code, 'A = data[0x3]\nreturn ALLOW\n');
    const a = await run('seccomp', 'asm', code, '-f', 'ddd');
    expect(a.code).toBe(65);
    expect(a.stderr).toBe('cbpf2ebpf: instruction 0 (ld [3]): seccomp-load: offset 3 is not a multiple of 4\n');
    const line = join(tmp, 'badline.asm');
    writeFileSync(line, 'A = arch\nA = args[9]\nreturn KILL\n');
    const b = await run('seccomp', 'asm', line, '-f', 'ddd');
    expect(b.code).toBe(65);
    expect(b.stderr).toBe(`cbpf2ebpf: ${line}:2: cannot load A from 'args[9]'\n`);
  });

  it('subcommand names win over file names: a filter called disasm is ./disasm', async () => {
    const dir = mkdtempSync(join(tmp, 'named-'));
    writeFileSync(join(dir, 'disasm'), readFileSync(fixture('x86_64-denylist')));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect((await run('seccomp', './disasm', 'ptrace', '-q')).stdout).toBe('ERRNO(1)\n');
      const sub = await run('seccomp', 'disasm', 'ptrace');
      expect(sub.code).toBe(66);
      expect(sub.stderr).toBe('cbpf2ebpf: ptrace: no such file\n');
    } finally {
      process.chdir(cwd);
    }
  });
});

const built = launcherBuilt('seccomp');

describe.skipIf(!built)(`bin/cbpf2ebpf seccomp${notBuiltNote(built)}`, () => {
  const cli = (args: string[], input?: Uint8Array | string) => runBinBytes(args, { input });

  it('disasm | asm - : identical bytes through a pipe', () => {
    for (const name of ['x86_64-large', 's390x']) {
      const d = cli(['seccomp', 'disasm', fixture(name)]);
      expect(d.status, d.stderr.toString()).toBe(0);
      const a = cli(['seccomp', 'asm', '-'], d.stdout);
      expect(a.status, a.stderr.toString()).toBe(0);
      expect(a.stdout.equals(readFileSync(fixture(name))), name).toBe(true);
    }
  }, 60_000);

  it('reads FILTER from stdin and sets the exit status', () => {
    const ok = cli(['seccomp', '-', 'openat', '-100', '0', '0x241', '--json'], readFileSync(fixture('x86_64-args')));
    expect(ok.status, ok.stderr.toString()).toBe(0);
    expect(JSON.parse(ok.stdout.toString())).toMatchObject({ source: '<stdin>', text: 'ERRNO(13)', errno: 13, pc: 65 });
    const neg = cli(['seccomp', fixture('x86_64-args'), 'kill', '-q', '--', '-0x1', '9']);
    expect(neg.stdout.toString()).toBe('ERRNO(3)\n');
    const after = cli(['seccomp', fixture('x86_64-args'), 'kill', '--json', '--', '-0x1', '18446744073709551615', '0x10']);
    expect(JSON.parse(after.stdout.toString()).args.slice(0, 4)).toEqual(['0xffffffffffffffff', '0xffffffffffffffff', '0x10', '0x0']);
    const bad = cli(['seccomp', fixture('x86_64-args'), 'getpidd']);
    expect(bad.status).toBe(64);
    expect(bad.stdout.toString()).toBe('');
    expect(bad.stderr.toString()).toBe("cbpf2ebpf: unknown syscall 'getpidd' on x86_64 (did you mean 'getpid'?)\n");
  }, 60_000);
});
