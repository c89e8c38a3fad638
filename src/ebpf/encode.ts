/** Byte encoding of internal programs: 8-byte little-endian `struct bpf_insn` records. */
import { bpfInsn, type Insn, type Program } from './insn.js';
import { type BytesLike, checkString, toBytes } from '../args.js';
import { DecodeError } from '../errors.js';
import { checkProgramShape } from './shape.js';

export const INSN_SIZE = 8;

export function encodeProgram(prog: Program): Uint8Array {
  checkProgramShape('encodeProgram', prog);
  const out = new Uint8Array(prog.length * INSN_SIZE);
  const view = new DataView(out.buffer);
  prog.forEach((i, n) => {
    const at = n * INSN_SIZE;
    view.setUint8(at, i.code);
    view.setUint8(at + 1, (i.src << 4) | i.dst);
    view.setInt16(at + 2, i.off, true);
    view.setInt32(at + 4, i.imm, true);
  });
  return out;
}

export function decodeProgram(input: BytesLike, source = '<input>'): Insn[] {
  const bytes = toBytes('decodeProgram', 'bytes', input);
  checkString('decodeProgram', 'source', source);
  if (bytes.length % INSN_SIZE !== 0) {
    throw new DecodeError(source, `size ${bytes.length} is not a multiple of 8 (struct bpf_insn)`, { byteOffset: bytes.length - (bytes.length % INSN_SIZE) });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let at = 0; at < bytes.length; at += INSN_SIZE) {
    const regs = view.getUint8(at + 1);
    out.push(bpfInsn(view.getUint8(at), regs & 0xf, regs >> 4, view.getInt16(at + 2, true), view.getInt32(at + 4, true)));
  }
  return out;
}
