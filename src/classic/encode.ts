/**
 * Writers for the classic program forms users exchange. The text forms are byte-identical
 * to what the originating tools print (libpcap's bpf_dump for `tcpdump -dd`/`-ddd`, the
 * kernel's tools/bpf/bpf_asm for the comma form); tests compare them with libpcap itself.
 */
import { checkOneOf } from '../args.js';
import type { ClassicProgram } from './insn.js';
import { checkClassicProgram } from './shape.js';

export type Endian = 'little' | 'big';
export const ENDIANS: readonly Endian[] = ['little', 'big'];

/** `struct sock_filter` records, 8 bytes each: u16 code, u8 jt, u8 jf, u32 k. */
export function encodeClassicRaw(prog: ClassicProgram, endian: Endian = 'little'): Uint8Array {
  checkClassicProgram('encodeClassicRaw', prog);
  checkOneOf('encodeClassicRaw', 'endian', endian, ENDIANS);
  const out = new Uint8Array(prog.length * 8);
  const view = new DataView(out.buffer);
  const little = endian === 'little';
  prog.forEach((i, n) => {
    const at = n * 8;
    view.setUint16(at, i.code, little);
    view.setUint8(at + 2, i.jt);
    view.setUint8(at + 3, i.jf);
    view.setUint32(at + 4, i.k >>> 0, little);
  });
  return out;
}

/** `tcpdump -ddd`: the count, then `code jt jf k` in decimal, one instruction a line. */
export function formatDdd(prog: ClassicProgram): string {
  checkClassicProgram('formatDdd', prog);
  return `${prog.length}\n${prog.map((i) => `${i.code} ${i.jt} ${i.jf} ${i.k >>> 0}\n`).join('')}`;
}

/** `tcpdump -dd`: `{ 0x28, 0, 0, 0x0000000c },` lines, ready to paste into a C array. */
export function formatDd(prog: ClassicProgram): string {
  checkClassicProgram('formatDd', prog);
  return prog
    .map((i) => `{ 0x${i.code.toString(16)}, ${i.jt}, ${i.jf}, 0x${(i.k >>> 0).toString(16).padStart(8, '0')} },\n`)
    .join('');
}

/**
 * bpf_asm's default output, which iptables' `-m bpf --bytecode`, xt_bpf and bpf_dbg read:
 * `N,code jt jf k,code jt jf k,...,` on one line (bpf_asm ends every field with a comma).
 */
export function formatComma(prog: ClassicProgram): string {
  checkClassicProgram('formatComma', prog);
  return `${prog.length},${prog.map((i) => `${i.code} ${i.jt} ${i.jf} ${i.k >>> 0},`).join('')}\n`;
}
