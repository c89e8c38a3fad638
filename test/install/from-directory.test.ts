/**
 * The package installed from a directory (`npm install ../cbpf2ebpf`): npm links the clone, so
 * the clone's dist/seccomp/vitest.d.ts resolves `vitest` from the clone's own node_modules,
 * while the user's tests import the user's vitest, another copy. The matchers' types must
 * still reach the user's `expect`.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { installDirectory } from './npm-install.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const sample = join(root, 'docs/examples/seccomp-policy.test.ts');
const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-directory-'));
const project = join(tmp, 'project');

function install(): { dir?: string; error?: string } {
  if (!existsSync(join(root, 'dist/seccomp/vitest.d.ts'))) return { error: 'dist/ is not built (run `npm run build`)' };
  const linked = installDirectory(root, project);
  if (linked.error) return linked;
  // The user's own vitest: a copy of ours (npm would fetch it), with what it needs linked.
  const modules = join(project, 'node_modules');
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (name.startsWith('.') || existsSync(join(modules, name))) continue;
    if (name === 'vitest' || name === '@vitest') cpSync(join(root, 'node_modules', name), join(modules, name), { recursive: true });
    else symlinkSync(join(root, 'node_modules', name), join(modules, name), 'dir');
  }
  copyFileSync(sample, join(project, 'seccomp-policy.test.ts'));
  copyFileSync(join(root, 'fixtures/seccomp/x86_64-args.bpf'), join(project, 'policy.bpf'));
  return linked;
}

const installed = install();
if (installed.error) {
  rmSync(tmp, { recursive: true, force: true });
  console.warn(`skipping the install-from-directory tests: ${installed.error}`);
}

describe.skipIf(installed.error !== undefined)(`installed from a directory${installed.error ? ` (skipped: ${installed.error})` : ''}`, () => {
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('is a link to the clone, beside another copy of vitest', () => {
    expect(realpathSync(installed.dir!)).toBe(realpathSync(root));
    expect(realpathSync(join(project, 'node_modules/vitest'))).not.toBe(realpathSync(join(root, 'node_modules/vitest')));
  });

  it('type-checks a test file that uses the matchers, and refuses a wrong argument', () => {
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, types: ['node'], skipLibCheck: true },
      files: ['seccomp-policy.test.ts', 'more.test.ts'],
    }));
    const more = [
      "import { expect } from 'vitest';",
      "import { loadSeccompFilter } from 'cbpf2ebpf/vitest';",
      "const filter = loadSeccompFilter('policy.bpf');",
      "expect(filter).not.toKill('read');",
      "await expect(Promise.resolve(filter)).resolves.toAllow('read');",
    ];
    const tsc = (lines: string[]) => {
      writeFileSync(join(project, 'more.test.ts'), `${lines.join('\n')}\n`);
      return spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd: project, encoding: 'utf8' });
    };
    const ok = tsc(more);
    expect(ok.stdout, 'tsc').toBe('');
    expect(ok.status).toBe(0);
    const bad = tsc([...more, "expect(filter).toReturnErrno('read', { errno: 1 });"]);
    expect(bad.stdout).toMatch(new RegExp(`^more\\.test\\.ts\\(${more.length + 1},\\d+\\): error TS\\d+: No overload matches this call`));
    expect(bad.stdout.match(/error TS/g)).toHaveLength(1);
  }, 120_000);

  it('runs that test file under the user\'s vitest', () => {
    const r = spawnSync(process.execPath, [join(project, 'node_modules/vitest/vitest.mjs'), 'run', 'seccomp-policy.test.ts', '--reporter=json'],
      { cwd: project, encoding: 'utf8', env: { ...process.env, CI: '1', NO_COLOR: '1' } });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { numTotalTests: number; numPassedTests: number };
    expect(report.numTotalTests).toBe(6);
    expect(report.numPassedTests).toBe(6);
  }, 120_000);
});
