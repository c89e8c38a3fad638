/**
 * Classic disassembly, byte-for-byte as libpcap's bpf_image / `tcpdump -d` prints it.
 */
import { type ClassicInsn, type ClassicProgram, classicForm } from './insn.js';
import { ancillaryOf, type AncillaryName } from './opcodes.js';

/** libpcap's names for the ancillary offsets. */
const ANCILLARY_IMAGE: Record<AncillaryName, string> = {
  PROTOCOL: 'proto', PKTTYPE: 'type', IFINDEX: 'ifidx', NLATTR: 'nla', NLATTR_NEST: 'nlan',
  MARK: 'mark', QUEUE: 'queue', HATYPE: 'hatype', RXHASH: 'rxhash', CPU: 'cpu', ALU_XOR_X: 'xor_x',
  VLAN_TAG: 'vlan_tci', VLAN_TAG_PRESENT: 'vlanp', PAY_OFFSET: 'poff', RANDOM: 'random', VLAN_TPID: 'vlan_tpid',
};

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;
const signed = (v: number): string => String(v | 0);

/** The operand column of one instruction at `pc`. */
function operandImage(i: ClassicInsn, pc: number): { mnemonic: string; operand: string } {
  const f = classicForm(i.code);
  if (!f) return { mnemonic: 'unimp', operand: hex(i.code) };
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
    case 'ja': operand = signed(pc + 1 + i.k); break;
    case 'none': operand = ''; break;
  }
  return { mnemonic: f.mnemonic, operand };
}

/** One line of `tcpdump -d`, e.g. `(002) jeq      #0x800           jt 3\tjf 5`. */
export function classicImage(i: ClassicInsn, pc: number): string {
  const { mnemonic, operand } = operandImage(i, pc);
  const f = classicForm(i.code);
  const n = String(pc).padStart(3, '0');
  if (f && (f.kind === 'jmp-k' || f.kind === 'jmp-x')) {
    return `(${n}) ${mnemonic.padEnd(8)} ${operand.padEnd(16)} jt ${pc + 1 + i.jt}\tjf ${pc + 1 + i.jf}`;
  }
  return `(${n}) ${mnemonic.padEnd(8)} ${operand}`;
}

/** Short form for messages: the image without the `(nnn)` column and padding. */
export function classicText(i: ClassicInsn, pc: number): string {
  const { mnemonic, operand } = operandImage(i, pc);
  const f = classicForm(i.code);
  const base = operand ? `${mnemonic} ${operand}` : mnemonic;
  return f && (f.kind === 'jmp-k' || f.kind === 'jmp-x') ? `${base} jt ${pc + 1 + i.jt} jf ${pc + 1 + i.jf}` : base;
}

/** The whole `tcpdump -d` listing, one line per instruction, newline-terminated. */
export function disassembleClassic(prog: ClassicProgram): string {
  return prog.map((i, pc) => `${classicImage(i, pc)}\n`).join('');
}
