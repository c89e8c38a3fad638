/**
 * Builds test/native/bpf_image_harness.c against the installed libpcap, in a temporary
 * directory, and runs it. `harnessMissing` says why it could not be built (no cc, no
 * libpcap-dev) so the tests that need it skip with that reason.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClassicInsn } from '../../src/classic/insn.js';

const source = fileURLToPath(new URL('../native/bpf_image_harness.c', import.meta.url));

function build(): { binary?: string; missing?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-pcap-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const binary = join(dir, 'bpf_image_harness');
  const r = spawnSync('cc', ['-O1', '-o', binary, source, '-lpcap'], { encoding: 'utf8' });
  if (r.error) return { missing: `cc is not available (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` };
  if (r.status !== 0) {
    const first = (r.stderr || '').split('\n').find((l) => /error/.test(l)) ?? r.stderr.trim();
    return { missing: `cannot build the libpcap harness; is libpcap-dev installed? (${first})` };
  }
  return { binary };
}

const built = build();
export const harnessMissing: string | undefined = built.missing;
if (harnessMissing) console.warn(`skipping libpcap comparisons: ${harnessMissing}`);

function run(args: string[], input: string): string {
  return execFileSync(built.binary!, args, { input, encoding: 'utf8', maxBuffer: 256 << 20 });
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
