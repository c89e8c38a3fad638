/** How long a classic program's input can be, in each of its forms (see io/input.ts). */
import { BPF_MAXINSNS } from '../abi/opcodes.js';
import type { InputLimit } from '../io/input.js';
import { isTextBytes } from './decode.js';

/**
 * Room per instruction in a classic program's text forms. The longest lines are about 70
 * characters (`seccomp disasm` with its raw columns; `tcpdump -d` needs about 50, -dd 30,
 * -ddd and the comma form 25), so 256 leaves room for indentation, comments and blank lines.
 */
const CLASSIC_TEXT_BYTES_PER_INSN = 256;

/** A classic program (seccomp filters too): BPF_MAXINSNS instructions, in any text form or as raw records. */
export const CLASSIC_INPUT: InputLimit = {
  kind: 'a classic program',
  maxInsns: BPF_MAXINSNS,
  maxBytes: BPF_MAXINSNS * CLASSIC_TEXT_BYTES_PER_INSN,
  maxBinaryBytes: BPF_MAXINSNS * 8,
  isText: isTextBytes,
};
