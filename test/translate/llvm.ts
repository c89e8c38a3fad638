/**
 * LLVM's BPF disassembler as an oracle for ours: the bytes are wrapped into an object file
 * with `llvm-mc` (.byte directives) and printed by `llvm-objdump -d`. LLVM's syntax differs
 * from the kernel style we print only in spacing, number bases, `goto +N` for `goto pc+N`
 * and `call N` for `call name#N`; `canonical` erases those differences.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function findTools(): { mc: string; objdump: string } | undefined {
  for (const suffix of ['', '-14', '-15', '-16', '-17', '-18']) {
    const mc = `llvm-mc${suffix}`;
    const objdump = `llvm-objdump${suffix}`;
    if (spawnSync(mc, ['--version']).status === 0 && spawnSync(objdump, ['--version']).status === 0) return { mc, objdump };
  }
  return undefined;
}

const tools = findTools();
export const llvmUnavailable = tools ? undefined : 'llvm-mc / llvm-objdump not found';
if (llvmUnavailable) console.warn(`LLVM disassembler comparison skipped: ${llvmUnavailable}`);

/** LLVM's text for each 8-byte slot (LD IMM64 takes two slots; its second gets ''). */
export function llvmDisassemble(bytes: Uint8Array): string[] {
  if (!tools) throw new Error(llvmUnavailable);
  const dir = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-llvm-'));
  try {
    const lines = ['.text'];
    for (let at = 0; at < bytes.length; at += 8) {
      lines.push(`.byte ${Array.from(bytes.subarray(at, at + 8), (b) => `0x${b.toString(16)}`).join(', ')}`);
    }
    writeFileSync(join(dir, 'p.s'), `${lines.join('\n')}\n`);
    execFileSync(tools.mc, ['-triple', 'bpfel', '-filetype=obj', join(dir, 'p.s'), '-o', join(dir, 'p.o')]);
    const out = execFileSync(tools.objdump, ['-d', '--no-show-raw-insn', '--mcpu=v3', join(dir, 'p.o')], { encoding: 'utf8' });
    const texts: string[] = new Array<string>(bytes.length / 8).fill('');
    for (const line of out.split('\n')) {
      const m = /^\s*(\d+):\t(.*)$/.exec(line);
      if (m) texts[Number(m[1])] = m[2]!.trim();
    }
    return texts;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A spelling-independent form of one line: spaces, labels, `pc` and helper names dropped,
 * numbers as their unsigned value modulo 2^32 when the line works on `w` registers or a
 * 32-bit memory word, else modulo 2^64.
 */
export function canonical(text: string): string {
  let s = text.replace(/\s*<[^<>]*>\s*$/, '').replace(/\bpc(?=[+-])/g, '').replace(/\bcall [A-Za-z_][\w]*#/, 'call ');
  // LLVM 14 names the stored register rN even for a 32-bit store; we print wN.
  if (s.startsWith('*(')) s = s.replace(/= w(\d+)$/, '= r$1');
  const bits = /\bw\d+\b/.test(s) ? 32 : 64;
  s = s.replace(/(?<![\w])-?\s*(?:0x[0-9a-fA-F]+|\d+)(?![\w])/g, (n) => {
    const neg = n.startsWith('-');
    const v = BigInt(neg ? n.slice(1).trim() : n);
    return ` ${BigInt.asUintN(bits, neg ? -v : v).toString()} `;
  });
  return s.replace(/\s+/g, '');
}
