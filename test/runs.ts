/**
 * How many random cases a property test tries. CBPF2EBPF_RUNS scales every count at once:
 * `npm run test:quick` sets it to 0.1 for a pass in under a minute, a long search sets 10.
 * Assertions about how many cases reached some branch scale with the same factor.
 */
const raw = process.env.CBPF2EBPF_RUNS;
export const RUN_SCALE = raw === undefined || raw === '' ? 1 : Number(raw);
if (!(RUN_SCALE > 0)) throw new Error(`CBPF2EBPF_RUNS must be a positive number, not '${raw}'`);

/** `n` runs scaled by CBPF2EBPF_RUNS, at least 1. */
export function runs(n: number): number {
  return Math.max(1, Math.round(n * RUN_SCALE));
}

/**
 * How many of the runs must reach some case for a property to mean something: `n` scaled
 * like the runs, with a quarter of that as the bar when scaled down, since small samples spread more.
 */
export function minimum(n: number): number {
  return RUN_SCALE >= 1 ? Math.round(n * RUN_SCALE) : Math.floor((n * RUN_SCALE) / 4);
}
