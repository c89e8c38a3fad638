/**
 * Classic disassembly, byte-for-byte as libpcap 1.10's bpf_image / `tcpdump -d` prints it
 * (checked against the real library by test/classic/disasm-libpcap.test.ts).
 */
import { checkInteger } from '../args.js';
import { hex } from '../hex.js';
import { type ClassicInsn, type ClassicProgram, classicForm } from './insn.js';
import { checkClassicInsn, checkClassicProgram } from './shape.js';
import { ancillaryOf, type AncillaryName, BPF_JA, BPF_JMP, BPF_LDX, BPF_LEN, BPF_W, bpfClass, bpfOp } from '../abi/opcodes.js';

/** libpcap's names for the ancillary offsets (bpf_image prints `[name]` for LD ABS). */
export const ANCILLARY_IMAGE: Readonly<Record<AncillaryName, string>> = {
  PROTOCOL: 'proto', PKTTYPE: 'type', IFINDEX: 'ifidx', NLATTR: 'nla', NLATTR_NEST: 'nlan',
  MARK: 'mark', QUEUE: 'queue', HATYPE: 'hatype', RXHASH: 'rxhash', CPU: 'cpu', ALU_XOR_X: 'xor_x',
  VLAN_TAG: 'vlan_tci', VLAN_TAG_PRESENT: 'vlanp', PAY_OFFSET: 'poff', RANDOM: 'random', VLAN_TPID: 'vlan_tpid',
};

// bpf_image formats k with %d or %x on a 32-bit value: both see the same 32 bits.
const signed = (v: number): string => String(v | 0);

/**
 * bpf_image chooses the `jt N<TAB>jf N` layout from the bits alone (class JMP, op not JA),
 * so a code it does not know in that class still gets the jump columns after `unimp`.
 */
export function hasJumpColumns(code: number): boolean {
  return bpfClass(code) === BPF_JMP && bpfOp(code) !== BPF_JA;
}

/**
 * Forms Linux runs that libpcap 1.10's bpf_image has no case for: it prints them as
 * `unimp 0x81` (its interpreter does run LDX LEN; only the printer lacks it).
 */
export const LIBPCAP_IMAGE_UNKNOWN: ReadonlySet<number> = new Set([BPF_LDX | BPF_W | BPF_LEN]);

/** Mnemonic and operand column of one instruction at `pc`; `exact` follows libpcap's gaps. */
function operandImage(i: ClassicInsn, pc: number, exact: boolean): { mnemonic: string; operand: string } {
  const f = classicForm(i.code);
  if (!f || (exact && LIBPCAP_IMAGE_UNKNOWN.has(i.code))) return { mnemonic: 'unimp', operand: hex(i.code) };
  let operand: string;
  switch (f.operand) {
    case 'abs': {
      const anc = ancillaryOf(i.k);
      operand = anc ? `[${ANCILLARY_IMAGE[anc]}]` : `[${signed(i.k)}]`;
      break;
    }
    case 'ind': operand = `[x + ${signed(i.k)}]`; break;
    case 'imm-hex': operand = `#${hex(i.k)}`; break;
    case 'imm-dec': operand = `#${signed(i.k)}`; break;
    case 'mem': operand = `M[${signed(i.k)}]`; break;
    case 'pktlen': operand = '#pktlen'; break;
    case 'msh': operand = `4*([${signed(i.k)}]&0xf)`; break;
    case 'x': case 'jmp-x': operand = 'x'; break;
    case 'jmp-k': operand = `#${hex(i.k)}`; break;
    // libpcap adds k to the pc in 32-bit arithmetic and prints it signed: a backward
    // JA (k >= 2^31) shows a target below the pc, possibly negative.
    case 'ja': operand = signed(pc + 1 + i.k); break;
    case 'none': operand = ''; break;
  }
  return { mnemonic: f.mnemonic, operand };
}

/** One line of `tcpdump -d`, e.g. `(002) jeq      #0x800           jt 3\tjf 5`. */
export function classicImage(i: ClassicInsn, pc: number): string {
  checkClassicInsn('classicImage', 'i', i);
  checkInteger('classicImage', 'pc', pc, 0, Number.MAX_SAFE_INTEGER);
  return imageOf(i, pc);
}

function imageOf(i: ClassicInsn, pc: number): string {
  const { mnemonic, operand } = operandImage(i, pc, true);
  const n = String(pc).padStart(3, '0');
  if (hasJumpColumns(i.code)) {
    return `(${n}) ${mnemonic.padEnd(8)} ${operand.padEnd(16)} jt ${pc + 1 + i.jt}\tjf ${pc + 1 + i.jf}`;
  }
  return `(${n}) ${mnemonic.padEnd(8)} ${operand}`;
}

/**
 * Short form for messages: the image without the `(nnn)` column and padding, and with
 * the forms libpcap cannot print spelled out (`ldx #pktlen`, not `unimp 0x81`).
 */
export function classicText(i: ClassicInsn, pc: number): string {
  checkClassicInsn('classicText', 'i', i);
  checkInteger('classicText', 'pc', pc, 0, Number.MAX_SAFE_INTEGER);
  const { mnemonic, operand } = operandImage(i, pc, false);
  const base = operand ? `${mnemonic} ${operand}` : mnemonic;
  return hasJumpColumns(i.code) ? `${base} jt ${pc + 1 + i.jt} jf ${pc + 1 + i.jf}` : base;
}

/** The whole `tcpdump -d` listing, one line per instruction, newline-terminated. */
export function disassembleClassic(prog: ClassicProgram): string {
  return checkClassicProgram('disassembleClassic', prog).map((i, pc) => `${imageOf(i, pc)}\n`).join('');
}
