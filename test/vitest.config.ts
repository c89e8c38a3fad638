// Test configuration (kept under test/ so the top level stays as the design card fixes it).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // src/cli/*.cts are CommonJS TypeScript (see src/cli/yargs.cts); Vite transforms only .ts by default.
  oxc: { include: /\.[cm]?tsx?$/ },
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup-seed.ts'],
    // Differential and kernel tests spawn compilers and processes; shared CI machines are slow.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
