/**
 * The README's TypeScript examples compile against the library as written, with `cbpf2ebpf`
 * and its subpaths mapped to the sources: a newcomer copying one gets no type error.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { srcModule, typeErrorsOf } from './typecheck.js';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

/** `from 'cbpf2ebpf'` and `from 'cbpf2ebpf/x'`, pointed at src/. */
function againstSources(code: string): string {
  return code.replace(/from 'cbpf2ebpf(?:\/([a-z]+))?'/g, (_, sub?: string) =>
    `from ${srcModule(sub === undefined ? 'index' : sub === 'vitest' ? 'seccomp/vitest' : `${sub}/index`)}`);
}

describe("the README's TypeScript examples", () => {
  it('type-check, each as a module of its own', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    // `export {}` makes every snippet a module, as a user's file with top-level await is.
    const files = Object.fromEntries(blocks.map((code, n) => [`example-${n + 1}`, `${againstSources(code)}\nexport {};\n`]));
    expect(typeErrorsOf(files)).toEqual([]);
  }, 120_000);
});
