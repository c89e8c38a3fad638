/**
 * The layering of src/ (docs/architecture.md): dependency-cruiser with the project's rules
 * (test/dependency-rules.cjs), the same check `npm run lint:deps` runs.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cruise, type IReporterOutput } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const rules = createRequire(import.meta.url)('./dependency-rules.cjs') as { forbidden: unknown[]; options: Record<string, unknown> };

describe('layers', () => {
  it('no import goes against the flow, and there is no cycle', async () => {
    const cwd = process.cwd();
    process.chdir(root);
    let result: IReporterOutput;
    try {
      result = await cruise(['src'], { ...rules.options, ruleSet: { forbidden: rules.forbidden }, validate: true, outputType: 'err' } as never);
    } finally {
      process.chdir(cwd);
    }
    const out = result.output as string;
    expect(result.exitCode, out).toBe(0);
    expect(out).toMatch(/no dependency violations found \((\d+) modules/);
    // Guard against a cruise that saw nothing (a wrong root or resolver setting).
    expect(Number(/\((\d+) modules/.exec(out)![1])).toBeGreaterThan(100);
  }, 60_000);
});
