/**
 * The package as npm installs it from a tarball (`npm pack`, then `npm ci` in a new project):
 * npm keeps file contents but not file times, and the launcher must still start from the
 * bundle with its code cache, as it does in the clone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { installTarball, pack } from './npm-install.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

const bundle = join(root, 'dist/cbpf2ebpf.cjs');
/** The build line the build ends the bundle with: `// cbpf2ebpf build <id>`. */
const buildId = (): string | undefined => /\n\/\/ cbpf2ebpf build ([0-9a-f]{32})\n$/.exec(readFileSync(bundle, 'utf8'))?.[1];

const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-tarball-'));

function install(): { dir?: string; error?: string } {
  if (!existsSync(bundle)) return { error: 'dist/ is not built (run `npm run build`)' };
  const packed = pack(root, tmp);
  return packed.error !== undefined ? packed : installTarball(root, packed.tarball!, join(tmp, 'project'));
}

const installed = install();
if (installed.error) {
  rmSync(tmp, { recursive: true, force: true });
  console.warn(`skipping the install-from-tarball tests: ${installed.error}`);
}

describe.skipIf(installed.error !== undefined)(`installed from a tarball${installed.error ? ` (skipped: ${installed.error})` : ''}`, () => {
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const dir = installed.dir!;
  const start = () => spawnSync(process.execPath, [join(dir, 'bin/cbpf2ebpf'), '--version'],
    { encoding: 'utf8', env: { ...process.env, CBPF2EBPF_DEBUG_LAUNCHER: '1' } });

  const id = buildId();

  it('starts from the bundle with its code cache', () => {
    expect(id, 'the build ends the bundle with its build id').toMatch(/^[0-9a-f]{32}$/);
    const r = start();
    expect(r.stdout.trim()).toBe(version);
    expect(r.stderr).toBe(`cbpf2ebpf launcher: bundle (build ${id}), code cache used\n`);
  });

  it('does so whatever the file times npm left', () => {
    // The compiled modules newer than the bundle, and the bundle newer than its code cache.
    const t = Date.now() / 1000;
    utimesSync(join(dir, 'dist/cbpf2ebpf.cjs.cache'), t - 7200, t - 7200);
    utimesSync(join(dir, 'dist/cbpf2ebpf.cjs'), t - 3600, t - 3600);
    utimesSync(join(dir, 'dist/cli/main.js'), t, t);
    const r = start();
    expect(r.stdout.trim()).toBe(version);
    expect(r.stderr).toBe(`cbpf2ebpf launcher: bundle (build ${id}), code cache used\n`);
  });
});
