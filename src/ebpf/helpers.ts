/**
 * Helper function ids. Kernel ids are the UAPI `enum bpf_func_id` values; the project ids
 * stand for the classic ancillary loads that have no public `__sk_buff` field or kernel
 * helper. A program that calls a project helper runs in our VM but cannot be loaded into
 * Linux, and every output format says so.
 */
export interface HelperInfo {
  readonly id: number;
  readonly name: string;
  /** Number of argument registers (R1..R5) the helper reads. */
  readonly args: number;
  /** True for ids that only our VM knows. */
  readonly project: boolean;
  readonly summary: string;
}

export const HELPER_GET_PRANDOM_U32 = 7;
export const HELPER_GET_SMP_PROCESSOR_ID = 8;

/** Project helper ids start here, far above any kernel `bpf_func_id`. */
export const PROJECT_HELPER_BASE = 0x10000;
export const HELPER_CBPF_NLATTR = PROJECT_HELPER_BASE + 0;
export const HELPER_CBPF_NLATTR_NEST = PROJECT_HELPER_BASE + 1;
export const HELPER_CBPF_HATYPE = PROJECT_HELPER_BASE + 2;
export const HELPER_CBPF_PAY_OFFSET = PROJECT_HELPER_BASE + 3;

export const HELPERS: readonly HelperInfo[] = [
  { id: HELPER_GET_PRANDOM_U32, name: 'get_prandom_u32', args: 0, project: false, summary: 'pseudo-random u32' },
  { id: HELPER_GET_SMP_PROCESSOR_ID, name: 'get_smp_processor_id', args: 0, project: false, summary: 'current CPU id' },
  { id: HELPER_CBPF_NLATTR, name: 'cbpf_nlattr', args: 3, project: true, summary: '(ctx, A, X): offset of netlink attribute X found from offset A, or 0 (SKF_AD_NLATTR)' },
  { id: HELPER_CBPF_NLATTR_NEST, name: 'cbpf_nlattr_nest', args: 3, project: true, summary: '(ctx, A, X): as cbpf_nlattr, inside the nested attribute at A (SKF_AD_NLATTR_NEST)' },
  { id: HELPER_CBPF_HATYPE, name: 'cbpf_hatype', args: 2, project: true, summary: '(ctx, A): device hardware type (ARPHRD_*), or A when there is no device (SKF_AD_HATYPE)' },
  { id: HELPER_CBPF_PAY_OFFSET, name: 'cbpf_pay_offset', args: 1, project: true, summary: '(ctx): transport payload offset found by the flow dissector (SKF_AD_PAY_OFFSET)' },
];

const byId = new Map(HELPERS.map((h) => [h.id, h]));
export function helperInfo(id: number): HelperInfo | undefined {
  return byId.get(id);
}
export const isProjectHelper = (id: number): boolean => byId.get(id)?.project === true;
