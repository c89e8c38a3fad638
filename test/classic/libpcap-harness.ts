/**
 * Builds test/native/bpf_image_harness.c against the installed libpcap, in a temporary
 * directory, and runs it. `harnessMissing` says why it could not be built (no cc, no
 * libpcap-dev) so the tests that need it skip with that reason.
 */
import { execFileSync } from 'node:child_process';
import type { ClassicInsn } from '../../src/classic/insn.js';
import { buildHarness } from '../native/build.js';

const built = buildHarness('bpf_image_harness', { libs: ['-lpcap'], hint: 'is libpcap-dev installed?' });
export const harnessMissing: string | undefined = 'skip' in built ? built.skip : undefined;
if (harnessMissing) console.warn(`skipping libpcap comparisons: ${harnessMissing}`);

function run(args: string[], input: string): string {
  if ('skip' in built) throw new Error(`libpcap harness unavailable: ${built.skip}`);
  return execFileSync(built.path, args, { input, encoding: 'utf8', maxBuffer: 256 << 20 });
}

/** libpcap's bpf_image() for each (pc, instruction) pair, one string per pair. */
export function pcapImages(items: ReadonlyArray<{ pc: number; insn: ClassicInsn }>): string[] {
  const input = items.map(({ pc, insn: i }) => `${pc} ${i.code} ${i.jt} ${i.jf} ${i.k >>> 0}\n`).join('');
  const out = run(['image'], input);
  const lines = out.split('\n');
  lines.pop(); // the text ends with a newline
  return lines;
}

/** libpcap's bpf_dump(program, option): 1 = tcpdump -d, 2 = -dd, 3 = -ddd. */
export function pcapDump(prog: readonly ClassicInsn[], option: 1 | 2 | 3): string {
  return run(['dump', String(option)], prog.map((i) => `${i.code} ${i.jt} ${i.jf} ${i.k >>> 0}\n`).join(''));
}
