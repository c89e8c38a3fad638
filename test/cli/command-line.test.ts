/**
 * The command line itself, across commands: repeated options, mistyped commands, `--` before
 * positionals, missing positionals, and usage errors in one line. In process through main(),
 * and through the built launcher for the real exit status and the working directory.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { hoistOperands } from '../../src/cli/argv.js';
import { usageMessage } from '../../src/cli/usage.js';
import { launcher, launcherBuilt, notBuiltNote, runBin, runMain } from './run-main.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tcpPort = join(root, 'fixtures/filters/EN10MB/tcp-port.ddd');
const mix = join(root, 'fixtures/captures/generated/mix-en10mb.pcap');
const policy = join(root, 'fixtures/seccomp/x86_64-args.bpf');
const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-command-line-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (...args: string[]) => runMain(args);

/** A usage error: exit 64, nothing on stdout, and exactly `message` as the one line on stderr. */
async function usageError(args: string[], message: string): Promise<void> {
  const r = await run(...args);
  expect(r.stderr, args.join(' ')).toBe(`cbpf2ebpf: ${message}\n`);
  expect(r.code).toBe(64);
  expect(r.stdout).toBe('');
}

describe('an option given twice: the last one wins', () => {
  it('--arch i386 --arch x86_64 is --arch x86_64', async () => {
    const twice = await run('seccomp', policy, 'read', '--arch', 'i386', '--arch', 'x86_64');
    expect(twice.stderr).toBe('');
    expect(twice.code).toBe(0);
    expect(twice.stdout).toBe((await run('seccomp', policy, 'read', '--arch', 'x86_64')).stdout);
    // The other order gives the other verdict: the order is what decides.
    expect((await run('seccomp', policy, 'read', '--arch', 'x86_64', '--arch', 'i386')).stdout).toMatch(/^KILL_PROCESS /);
  });

  it('-f c -f json is -f json, under either spelling of the option', async () => {
    const json = (await run(tcpPort, '-f', 'json')).stdout;
    const c = (await run(tcpPort, '-f', 'c')).stdout;
    expect(json).not.toBe(c);
    expect((await run(tcpPort, '-f', 'c', '-f', 'json')).stdout).toBe(json);
    expect((await run(tcpPort, '--format', 'json', '-f', 'c')).stdout).toBe(c);
  });

  it('--engine jit --engine interp runs the interpreter; only the last value is checked', async () => {
    const r = await run('replay', tcpPort, mix, '--engine', 'jit', '--engine', 'interp');
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toBe('engine:     interp');
    expect((await run('replay', tcpPort, mix, '--engine', 'nope', '--engine', 'classic')).stdout.split('\n')[0]).toMatch(/^engine: +classic/);
  });

  it('--stack adds up, and the syscall arguments after it stay arguments', async () => {
    const r = JSON.parse((await run('seccomp', policy, 'kill', '--stack', policy, '--stack', policy, '1', '9', '--json')).stdout);
    expect(r.filters).toHaveLength(3);
    expect(r.args.slice(0, 2)).toEqual(['0x1', '0x9']);
    expect(r.text).toBe('ERRNO(1)');
  });
});

describe('a mistyped command', () => {
  it('is named, with the command it is closest to', async () => {
    await usageError(['dissasm', tcpPort], "unknown command 'dissasm'; did you mean 'disasm'?");
    await usageError(['replya', tcpPort, mix], "unknown command 'replya'; did you mean 'replay'?");
    await usageError(['seccomp', 'disam', policy], "unknown command 'seccomp disam'; did you mean 'seccomp disasm'?");
    await usageError(['seccomp', 'sumary', policy], "unknown command 'seccomp sumary'; did you mean 'seccomp summary'?");
  });

  it('a word close to no command is still a FILTER path', async () => {
    const r = await run(join(tmp, 'nope.ddd'));
    expect(r.code).toBe(66);
    expect(r.stderr).toBe(`cbpf2ebpf: ${join(tmp, 'nope.ddd')}: no such file\n`);
  });
});

describe('-- before the positionals', () => {
  it('seccomp F -- kill -0x1 9 is seccomp F kill -- -0x1 9', async () => {
    const r = await run('seccomp', policy, '--', 'kill', '-0x1', '9');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ERRNO(3)  (line 0095: return ERRNO(3))\n');
    expect((await run('seccomp', policy, 'kill', '--', '-0x1', '9')).stdout).toBe(r.stdout);
    expect((await run('seccomp', policy, 'kill', '-q', '--', '-0x1', '9')).stdout).toBe('ERRNO(3)\n');
  });

  it('works for every command', async () => {
    expect((await run('disasm', '--', tcpPort)).stdout).toBe((await run('disasm', tcpPort)).stdout);
    expect((await run('--', tcpPort)).code).toBe(0);
    const r = await run('replay', '--results', '--', tcpPort, mix);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe((await run('replay', tcpPort, mix, '--results')).stdout);
  });

  it('moves only the words before the first that needs --', () => {
    expect(hoistOperands(['seccomp', 'F', '--', 'kill', '-0x1', '9'])).toEqual(['seccomp', 'F', 'kill', '--', '-0x1', '9']);
    expect(hoistOperands(['disasm', '--', '-'])).toEqual(['disasm', '-']);
    expect(hoistOperands(['seccomp', 'F', 'kill', '--', '-1', 'x'])).toEqual(['seccomp', 'F', 'kill', '--', '-1', 'x']);
    expect(hoistOperands(['disasm', 'F'])).toEqual(['disasm', 'F']);
  });
});

describe('usage errors: one line that says what is wrong', () => {
  it('a missing positional is named, with the synopsis', async () => {
    await usageError(['replay', tcpPort], 'missing CAPTURE (cbpf2ebpf replay FILTER CAPTURE...)');
    await usageError(['replay'], 'missing FILTER (cbpf2ebpf replay FILTER CAPTURE...)');
    await usageError(['seccomp', 'summary'], 'missing FILTER (cbpf2ebpf seccomp summary FILTER)');
    await usageError(['seccomp'], 'missing FILTER (cbpf2ebpf seccomp FILTER SYSCALL [args..])');
    await usageError([], 'missing FILTER (cbpf2ebpf [command] FILTER [options])');
  });

  it('unknown options, extra arguments, bad choices and options without their value', async () => {
    await usageError(['replay', tcpPort, mix, '--bogus'], 'unknown option --bogus (see cbpf2ebpf replay --help)');
    await usageError(['check', tcpPort, '-z'], 'unknown option -z (see cbpf2ebpf check --help)');
    await usageError(['translate', tcpPort, 'extra'], "unexpected argument 'extra' (see cbpf2ebpf translate --help)");
    await usageError(['seccomp', 'disasm', policy, 'extra'], "unexpected argument 'extra' (see cbpf2ebpf seccomp disasm --help)");
    await usageError(['replay', tcpPort, mix, '--engine', 'jti'], "--engine 'jti': expected one of jit, interp, classic");
    await usageError(['seccomp', policy, 'read', '--stack'], '--stack needs a value');
  });

  it('yargs messages it does not know stay whole, on one line', () => {
    expect(usageMessage('Missing dependent arguments:\n a -> b', [], undefined)).toBe('Missing dependent arguments: a -> b');
    expect(usageMessage('Unknown arguments: a, zz', ['x', 'a', '--zz'], '$0 check <filter>'))
      .toBe("unexpected argument 'a'; unknown option --zz (see cbpf2ebpf check --help)");
  });
});

describe('a file given where another kind belongs: what it looks like, and what to do', () => {
  const ddd = tcpPort;
  const listing = tcpPort.replace(/\.ddd$/, '.d');
  const pcapng = join(root, 'fixtures/captures/generated/be.pcapng');

  it('replay CAPTURE FILTER: swapped', async () => {
    await usageError(['replay', mix, ddd],
      `${mix} is a pcap capture and ${ddd} a classic filter (tcpdump -ddd text): give the filter first (cbpf2ebpf replay FILTER CAPTURE)`);
    await usageError(['replay', pcapng, listing],
      `${pcapng} is a pcapng capture and ${listing} a classic filter (a tcpdump -d listing): give the filter first (cbpf2ebpf replay FILTER CAPTURE)`);
  });

  it('replay with a capture for FILTER, or a filter for CAPTURE', async () => {
    await usageError(['replay', mix, mix], `${mix} is a pcap capture, not a filter: give the filter first (cbpf2ebpf replay FILTER CAPTURE)`);
    await usageError(['replay', ddd, ddd],
      `${ddd} is a classic filter (tcpdump -ddd text), not a capture: CAPTURE is a pcap or pcapng file (cbpf2ebpf replay FILTER CAPTURE)`);
  });

  it('verify given a classic filter: add --classic', async () => {
    await usageError(['verify', ddd],
      `${ddd} is a classic filter (tcpdump -ddd text); verify reads internal BPF (struct bpf_insn records): add --classic to check and translate it first`);
    await usageError(['verify', listing],
      `${listing} is a classic filter (a tcpdump -d listing); verify reads internal BPF (struct bpf_insn records): add --classic to check and translate it first`);
    expect((await run('verify', '--classic', ddd)).code).toBe(0);
  });

  it('a capture where a program belongs is bad data (65), said so', async () => {
    const v = await run('verify', mix);
    expect(v.code).toBe(65);
    expect(v.stderr).toBe(`cbpf2ebpf: ${mix}: a pcap capture, not internal BPF (struct bpf_insn records)\n`);
    for (const command of [['disasm'], ['check'], []]) {
      const r = await run(...command, pcapng);
      expect(r.code, command.join(' ')).toBe(65);
      expect(r.stderr).toBe(`cbpf2ebpf: ${pcapng}: a pcapng capture, not a classic filter\n`);
    }
  });
});

describe('output files in messages', () => {
  it('keep the name the user gave, not the temporary file written first', async () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, '');
    for (const [args, dst] of [
      [[tcpPort, '-o', join(file, 'out.bin')], join(file, 'out.bin')],
      [['replay', tcpPort, mix, '-w', join(file, 'kept.pcap')], join(file, 'kept.pcap')],
    ] as const) {
      const r = await run(...args);
      expect(r.stderr).toBe(`cbpf2ebpf: ${dst}: not a directory\n`);
      expect(r.code).toBe(73);
    }
  });
});

const built = launcherBuilt('translate');

describe.skipIf(!built)(`bin/cbpf2ebpf command line${notBuiltNote(built)}`, () => {
  it('a mistyped command exits 64 with its one line', () => {
    const r = runBin(['dissasm', tcpPort]);
    expect(r.status).toBe(64);
    expect(r.stderr).toBe("cbpf2ebpf: unknown command 'dissasm'; did you mean 'disasm'?\n");
    expect(r.stdout).toBe('');
  }, 60_000);

  it('a file named like a mistyped command is read as the FILTER it is', () => {
    copyFileSync(tcpPort, join(tmp, 'dissasm'));
    const r = spawnSync(process.execPath, [launcher, 'dissasm', '-f', 'hex'], { cwd: tmp, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(runBin([tcpPort, '-f', 'hex']).stdout);
  }, 60_000);
});
