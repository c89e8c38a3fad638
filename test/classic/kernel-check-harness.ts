/**
 * Builds test/native/kernel_check_harness.c and asks the running kernel whether it accepts
 * classic programs as socket filters (SO_ATTACH_FILTER) and as seccomp filters.
 * `kernelCheckMissing` says why that is impossible here, so the tests skip.
 */
import { spawnSync } from 'node:child_process';
import { platform } from 'node:os';
import type { ClassicProgram } from '../../src/classic/insn.js';
import { buildHarness } from '../native/build.js';
import { LineChild } from './line-child.js';

function build(): { binary?: string; missing?: string } {
  if (platform() !== 'linux') return { missing: `needs Linux (this is ${platform()})` };
  const built = buildHarness('kernel_check_harness');
  if ('skip' in built) return { missing: built.skip };
  const binary = built.path;
  // Probe: the smallest valid program must load both ways.
  const probe = spawnSync(binary, [], { input: 's 1 6 0 0 0\nc 1 6 0 0 2147418112\nq\n', encoding: 'utf8' });
  if (probe.stdout !== '0\n0\n') return { missing: `the kernel refuses a trivial filter here (${JSON.stringify(probe.stdout || probe.stderr)})` };
  return { binary };
}

const built = build();
export const kernelCheckMissing: string | undefined = built.missing;
if (kernelCheckMissing) console.warn(`skipping kernel checker comparisons: ${kernelCheckMissing}`);

export const EINVAL = 22;

export class KernelCheckHarness {
  private readonly child: LineChild;

  constructor() {
    if (!built.binary) throw new Error(`kernel check harness unavailable: ${kernelCheckMissing}`);
    this.child = new LineChild(built.binary);
  }

  /** 0 when the kernel accepts `prog` with this profile, else the errno it returned. */
  async check(prog: ClassicProgram, profile: 'socket' | 'seccomp'): Promise<number> {
    let line = `${profile === 'socket' ? 's' : 'c'} ${prog.length}`;
    for (const i of prog) line += ` ${i.code} ${i.jt} ${i.jf} ${i.k >>> 0}`;
    this.child.send(`${line}\n`);
    return this.child.nextNumber();
  }

  close(): void {
    this.child.close();
  }
}
