/** How long an internal program's input can be, as records or as text (see io/input.ts). */
import type { InputLimit } from '../io/input.js';
import { BPF_COMPLEXITY_LIMIT_INSNS } from './opcodes.js';

/**
 * Room per instruction in internal BPF text (assembly, hex). Lines are 10 to 40 characters
 * (`lock fetch cmpxchg32 [%r10-32768], %r10`; 16 hex digits and a separator); a program near
 * the kernel's million instructions is generated, not commented, and 32 keeps the bound low
 * enough that refusing a longer pipe stays under 100 MB of memory.
 */
const EBPF_TEXT_BYTES_PER_INSN = 32;

/** Raw `struct bpf_insn` records: the kernel's limit on program length, 8 bytes each. */
export const EBPF_RAW_INPUT: InputLimit = {
  kind: 'an internal BPF program',
  maxInsns: BPF_COMPLEXITY_LIMIT_INSNS,
  maxBytes: BPF_COMPLEXITY_LIMIT_INSNS * 8,
};

/** Internal BPF as text: assembly, hex, bpf_conformance `.data` files. */
export const EBPF_TEXT_INPUT: InputLimit = {
  kind: 'an internal BPF program',
  maxInsns: BPF_COMPLEXITY_LIMIT_INSNS,
  maxBytes: BPF_COMPLEXITY_LIMIT_INSNS * EBPF_TEXT_BYTES_PER_INSN,
};
