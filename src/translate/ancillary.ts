/**
 * Ancillary loads (LD ABS at SKF_AD_OFF + n) onto what a loadable program may use: public
 * `struct __sk_buff` fields, kernel helpers, and, where Linux offers neither, the project
 * helpers of src/ebpf/helpers.ts. The B/H/W size of the classic load is ignored, as in Linux.
 */
import type { AncillaryName } from '../abi/opcodes.js';
import { BPF_W, BPF_XOR } from '../ebpf/opcodes.js';
import { alu32Reg, call, endianToBe, ldxMem, mov64Reg, type Insn } from '../ebpf/insn.js';
import { SKB } from '../abi/ctx.js';
import {
  HELPER_CBPF_HATYPE, HELPER_CBPF_NLATTR, HELPER_CBPF_NLATTR_NEST, HELPER_CBPF_PAY_OFFSET,
  HELPER_GET_PRANDOM_U32, HELPER_GET_SMP_PROCESSOR_ID, helperInfo,
} from '../ebpf/helpers.js';
import { expansion, type Expansion } from './expansion.js';
import { REG_A, REG_ARG1, REG_ARG2, REG_ARG3, REG_CTX, REG_X } from './regs.js';

/** A = the u32 `__sk_buff` field at `off`. */
const field = (off: number): Expansion => expansion([ldxMem(BPF_W, REG_A, REG_CTX, off)]);

/**
 * A = ntohs of a u16 kept in network order in a u32 `__sk_buff` field: the little-endian
 * u32 load yields the two bytes swapped in the low half, and the be16 swap puts them back.
 */
const networkOrderField = (off: number): Expansion => expansion([ldxMem(BPF_W, REG_A, REG_CTX, off), endianToBe(REG_A, 16)]);

/**
 * A = helper(ctx, A, X), passing only the arguments the helper reads. The result lands in
 * R0, which is A; R1-R5 (TMP too) are dead afterwards, X and ctx survive in R7/R6.
 */
function helperCall(id: number): Expansion {
  const args = helperInfo(id)?.args ?? 0;
  const insns: Insn[] = [];
  if (args >= 1) insns.push(mov64Reg(REG_ARG1, REG_CTX));
  if (args >= 2) insns.push(mov64Reg(REG_ARG2, REG_A));
  if (args >= 3) insns.push(mov64Reg(REG_ARG3, REG_X));
  insns.push(call(id));
  return expansion(insns, [], [id]);
}

export function expandAncillary(name: AncillaryName): Expansion {
  switch (name) {
    case 'PROTOCOL': return networkOrderField(SKB.protocol);
    case 'PKTTYPE': return field(SKB.pkt_type);
    case 'IFINDEX': return field(SKB.ifindex);
    case 'NLATTR': return helperCall(HELPER_CBPF_NLATTR);
    case 'NLATTR_NEST': return helperCall(HELPER_CBPF_NLATTR_NEST);
    case 'MARK': return field(SKB.mark);
    case 'QUEUE': return field(SKB.queue_mapping);
    case 'HATYPE': return helperCall(HELPER_CBPF_HATYPE);
    case 'RXHASH': return field(SKB.hash);
    case 'CPU': return helperCall(HELPER_GET_SMP_PROCESSOR_ID);
    case 'ALU_XOR_X': return expansion([alu32Reg(BPF_XOR, REG_A, REG_X)]);
    case 'VLAN_TAG': return field(SKB.vlan_tci);
    case 'VLAN_TAG_PRESENT': return field(SKB.vlan_present);
    case 'PAY_OFFSET': return helperCall(HELPER_CBPF_PAY_OFFSET);
    case 'RANDOM': return helperCall(HELPER_GET_PRANDOM_U32);
    case 'VLAN_TPID': return networkOrderField(SKB.vlan_proto);
  }
}
