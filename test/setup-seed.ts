// CBPF2EBPF_SEED=N replays the property tests of a failed run: fast-check prints the seed
// of a failure ({ seed: N, path: ... }), and test/translate/kernel.test.ts prints its own.
import fc from 'fast-check';
import { runs } from './runs.js';

const seed = process.env.CBPF2EBPF_SEED;
if (seed !== undefined && seed !== '') fc.configureGlobal({ seed: Number(seed) | 0 });

// Properties that name no count get fast-check's 100, scaled like the rest (test/runs.ts).
fc.configureGlobal({ ...fc.readConfigureGlobal(), numRuns: runs(100) });
