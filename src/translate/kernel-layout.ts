/**
 * Linux's own translation of a classic program (bpf_convert_filter in net/core/filter.c, as
 * in Linux 6.18 on x86-64), as far as it decides whether Linux accepts the program: how many
 * internal instructions each classic one becomes, and whether every jump's offset then fits
 * in 16 bits. Linux translates every instruction, reachable or not.
 *
 * Our own translation (emit.ts) differs only in what it leaves to the verifier: a packet load
 * is one legacy LD_ABS/LD_IND instruction for us, while the kernel inlines its bounds check
 * and helper call (8 to 16 instructions, 21 for ldxb 4*([k]&0xf)); ancillary loads read private
 * sk_buff fields; DIV/MOD by X first zero-extends X. Jumps, ALU, moves and returns expand alike,
 * so their lengths and jump positions come from emit.ts.
 */
import { type ClassicInsn, type ClassicProgram, classicForm } from '../classic/insn.js';
import { type AncillaryName, BPF_B, BPF_DIV, BPF_MOD, ancillaryOf, bpfOp, bpfSize } from '../abi/opcodes.js';
import { expandClassic, type Profile } from './emit.js';
import { fitsJumpOffset, jumpOffset, layout } from './jumps.js';

/** The kernel whose translation this models (on x86-64 and other arches with efficient unaligned access). */
export const KERNEL_MODEL = 'Linux 6.18';

/** convert_bpf_extensions: the instructions each ancillary load becomes. */
const ANCILLARY_LENGTH: Readonly<Record<AncillaryName, number>> = {
  PROTOCOL: 2, // load, byte swap
  PKTTYPE: 2, // load the bitfield's byte, mask
  IFINDEX: 4, // load skb->dev, exit if NULL, load the field
  HATYPE: 4,
  MARK: 1,
  RXHASH: 1,
  QUEUE: 1,
  VLAN_TAG: 1,
  VLAN_TAG_PRESENT: 3, // load vlan_all, A = (vlan_all != 0)
  VLAN_TPID: 2,
  ALU_XOR_X: 1,
  // Three argument moves and a call.
  PAY_OFFSET: 4,
  NLATTR: 4,
  NLATTR_NEST: 4,
  CPU: 4,
  RANDOM: 4,
};

/**
 * convert_bpf_ld_abs for a load of `size` at offset `k` (X + k for IND). A direct load at a
 * non-negative offset gets an inline bounds check and read first (one more instruction for a
 * non-zero offset, two more for one past 32767, one for the byte swap of H and W); then, for
 * everything, the call to bpf_skb_load_helper_{8,16,32} with its four arguments and the
 * "end with 0 if it failed" test.
 */
function packetLoadLength(size: number, k: number, indirect: boolean): number {
  const call = 3 + 1 + (indirect && k !== 0 ? 1 : 0) + 1 + 3;
  if (indirect || (k | 0) < 0) return call;
  return 1 + (k !== 0 ? 1 : 0) + 1 + (k <= 0x7fff ? 1 : 3) + (size === BPF_B ? 0 : 1) + 1 + call;
}

/** The internal instructions Linux emits for classic `i` (which passed the checker) at `pc`. */
export function kernelExpansionLength(i: ClassicInsn, pc: number, profile: Profile): number {
  const kind = classicForm(i.code)?.kind;
  switch (kind) {
    case 'ld-abs': {
      if (profile === 'seccomp') return 1; // seccomp_check_filter made it a load from seccomp_data
      const anc = ancillaryOf(i.k);
      return anc ? ANCILLARY_LENGTH[anc] : packetLoadLength(bpfSize(i.code), i.k, false);
    }
    case 'ld-ind':
      return packetLoadLength(bpfSize(i.code), i.k, true);
    case 'ldx-msh': // save A in X, the byte load, then and, shift and the swap through TMP
      return 1 + packetLoadLength(BPF_B, i.k, false) + 5;
    case 'alu-x': {
      const op = bpfOp(i.code);
      if (op === BPF_DIV || op === BPF_MOD) return 5; // mov32 X, X; the X == 0 guard (3); the op
      return 1;
    }
    default:
      return expandClassic(i, pc, profile).insns.length;
  }
}

/** Whether the kernel caches skb->data and the head length for packet loads (4 more prologue instructions). */
function usesPacketLoads(prog: ClassicProgram, profile: Profile): boolean {
  if (profile === 'seccomp') return false;
  return prog.some((i) => {
    const kind = classicForm(i.code)?.kind;
    return kind === 'ld-ind' || kind === 'ldx-msh' || (kind === 'ld-abs' && ancillaryOf(i.k) === undefined);
  });
}

export interface KernelLayout {
  /** Internal address of each classic instruction's first internal instruction. */
  readonly addrs: Int32Array;
  /** The whole translation's length: prologue and every classic instruction. */
  readonly length: number;
}

/** Where Linux puts each classic instruction's expansion (bpf_convert_filter's addrs[]). */
export function kernelLayout(prog: ClassicProgram, profile: Profile = 'socket'): KernelLayout {
  // The prologue clears A and X and moves ctx to R6 (3); with packet loads it also caches
  // skb->data and the head length (4).
  const prologue = 3 + (usesPacketLoads(prog, profile) ? 4 : 0);
  const lengths = prog.map((i, pc) => kernelExpansionLength(i, pc, profile));
  const addrs = layout(lengths, prologue);
  return { addrs, length: prologue + lengths.reduce((a, b) => a + b, 0) };
}

export interface KernelJumpOverflow {
  /** The classic jump whose internal offset does not fit. */
  readonly pc: number;
  /** The internal address of the internal jump. */
  readonly at: number;
  /** The classic instruction it jumps to. */
  readonly target: number;
  /** The offset bpf_convert_filter computed for it. */
  readonly offset: number;
  /**
   * 'first': the first layout pass, where every target is still at 0, so the offset is -(at + 1):
   * a jump placed past internal instruction 32767 is refused however short it is.
   * 'second': the real distance to the target.
   */
  readonly pass: 'first' | 'second';
}

/**
 * The jump for which Linux refuses the program with EINVAL, in the order bpf_convert_filter
 * meets it, or undefined when every internal jump offset fits in 16 bits.
 */
export function kernelJumpOverflow(prog: ClassicProgram, profile: Profile = 'socket'): KernelJumpOverflow | undefined {
  const { addrs } = kernelLayout(prog, profile);
  const jumps = prog.map((i, pc) => {
    const kind = classicForm(i.code)?.kind;
    return kind === 'ja' || kind === 'jmp-k' || kind === 'jmp-x' ? expandClassic(i, pc, profile).jumps : [];
  });
  for (let pc = 0; pc < prog.length; pc++) {
    for (const { at, target } of jumps[pc]!) {
      const here = addrs[pc]! + at;
      if (!fitsJumpOffset(-(here + 1))) return { pc, at: here, target, offset: -(here + 1), pass: 'first' };
    }
  }
  for (let pc = 0; pc < prog.length; pc++) {
    for (const { at, target } of jumps[pc]!) {
      const offset = jumpOffset(addrs, pc, at, target);
      if (!fitsJumpOffset(offset)) return { pc, at: addrs[pc]! + at, target, offset, pass: 'second' };
    }
  }
  return undefined;
}

/**
 * What attaching the program to a socket charges against net.core.optmem_max (sk_filter_charge):
 * bpf_prog_size of the translation, a 96-byte struct bpf_prog then 8 bytes per instruction.
 * Linux refuses the attach with ENOMEM unless the charge stays below the limit.
 */
export function kernelSocketCharge(prog: ClassicProgram): number {
  return 96 + 8 * kernelLayout(prog, 'socket').length;
}

/** net.core.optmem_max when nobody changed it. */
export const DEFAULT_OPTMEM_MAX = 131072;
