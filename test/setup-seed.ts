// CBPF2EBPF_SEED=N replays the property tests of a failed run: fast-check prints the seed
// of a failure ({ seed: N, path: ... }), and test/translate/kernel.test.ts prints its own.
import fc from 'fast-check';

const seed = process.env.CBPF2EBPF_SEED;
if (seed !== undefined && seed !== '') fc.configureGlobal({ seed: Number(seed) | 0 });
