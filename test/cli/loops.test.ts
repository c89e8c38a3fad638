/**
 * `--bounded-loops [--loop-bound N]` on translate, verify and replay, in process through
 * main(): the protochain goldens of fixtures/protochain translate, verify and replay with it;
 * without it the refusal names it; misuse is a usage error (64). The replay's count of
 * accepted packets is tcpdump's own (`tcpdump -r chains.pcap EXPR`) when tcpdump is present.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tcpdumpMissing } from '../tcpdump.js';
import { runMain } from './run-main.js';

const dir = fileURLToPath(new URL('../../fixtures/protochain/', import.meta.url));
const ip6 = join(dir, 'EN10MB/ip6-protochain-6.ddd');
const any17 = join(dir, 'EN10MB/protochain-17.ddd');
const chains = join(dir, 'chains.pcap');

describe('--bounded-loops', () => {
  it('translate: refused without it (65, naming it), a counted loop with it', async () => {
    const refused = await runMain([ip6]);
    expect(refused.code).toBe(65);
    expect(refused.stderr).toMatch(/^cbpf2ebpf: instruction 18 \(ja 4\): jump-out-of-range: .*--bounded-loops translates it/);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    const ok = await runMain(['--bounded-loops', ip6]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/w8 = 1024\n/);
    expect(ok.stdout).toMatch(/if r8 == 0x0 goto pc\+2\n.*r8 \+= -1\n.*goto pc-\d+\n/);
    const small = await runMain(['--bounded-loops', '--loop-bound', '7', ip6]);
    expect(small.stdout).toMatch(/w8 = 7\n/);
  });

  it('verify: our verifier walks the loop with the flag and refuses the back edge without', async () => {
    const ok = await runMain(['verify', '--classic', '--bounded-loops', ip6]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok \(\d+ instructions, \d+ states\)\n$/);
    const refused = await runMain(['verify', '--classic', ip6]);
    expect(refused.code).toBe(65);
  });

  it('misuse is a usage error', async () => {
    for (const args of [
      ['--loop-bound', '8', ip6],
      ['--bounded-loops', '--loop-bound', '0', ip6],
      ['--bounded-loops', '--loop-bound', '1.5', ip6],
      ['replay', ip6, chains, '--bounded-loops', '--engine', 'classic'],
    ]) {
      const r = await runMain(args);
      expect(r.code, args.join(' ')).toBe(64);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  for (const [file, expr] of [[ip6, 'ip6 protochain 6'], [any17, 'protochain 17']] as const) {
    it(`replay ${expr}: jit and interp accept what libpcap accepts`, async () => {
      const accepted = async (args: string[]): Promise<number> => {
        const r = await runMain(['replay', file, chains, '--bounded-loops', ...args]);
        expect(r.code).toBe(0);
        return Number(/accepted: +(\d+)/.exec(r.stdout)![1]);
      };
      // chains.pcap has one chain of 1100 headers, past the default bound: 2048 takes it.
      const counts = [await accepted(['--engine', 'jit', '--loop-bound', '2048']), await accepted(['--engine', 'interp', '--loop-bound', '2048'])];
      const byDefault = await accepted([]);
      const libpcap = await runMain(['replay', file, chains, '--engine', 'classic', '--semantics', 'libpcap']);
      const want = Number(/accepted: +(\d+)/.exec(libpcap.stdout)![1]);
      expect(counts).toEqual([want, want]);
      expect(want - byDefault).toBe(expr === 'protochain 17' ? 1 : 0);
      expect(want).toBeGreaterThan(20);
      if (tcpdumpMissing === undefined) {
        const t = spawnSync('tcpdump', ['-n', '-r', chains, expr], { encoding: 'utf8' });
        expect(t.stdout.trim().split('\n')).toHaveLength(want);
      }
    });
  }
});
