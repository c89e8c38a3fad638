// Installing this package the ways users do, into a temporary project, with npm itself and
// without the network: for the install tests (test/install/) and `npm run bench`.
//
// Every function returns { dir } on success or { error } with npm's own reason, so that a
// caller on a machine where npm cannot work offline skips and says why.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const NPM_FLAGS = ['--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'];

function npm(args, cwd) {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8' });
  if (r.error) return { error: `npm: ${r.error.message}` };
  if (r.status !== 0) {
    const reason = r.stderr.split('\n').find((l) => /^npm error (?!A complete log|code )/.test(l)) ?? r.stderr.trim().split('\n')[0];
    return { error: `npm ${args[0]}: ${reason ?? `exit ${r.status}`}` };
  }
  return { stdout: r.stdout };
}

/**
 * `npm pack` of the package at `root` into `dir`, without its prepare script (dist/ is built
 * already), as npm would publish it. Returns { tarball } or { error }.
 */
export function pack(root, dir) {
  const r = npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir, root], dir);
  if (r.error) return r;
  return { tarball: join(dir, JSON.parse(r.stdout)[0].filename) };
}

/**
 * Installs `tarball` (packed from `root`) into a new project at `project` with `npm ci
 * --offline`: the lockfile names the tarball and takes the dependencies' versions and
 * integrity from root's own lockfile, so npm needs nothing `npm ci` at root did not cache.
 * Returns { dir }, the installed package, or { error }.
 */
export function installTarball(root, tarball, project) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const rootLock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const spec = `file:${tarball}`;
  const packages = {
    '': { name: 'consumer', dependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: spec,
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      peerDependencies: pkg.peerDependencies,
      peerDependenciesMeta: pkg.peerDependenciesMeta,
    },
  };
  for (const [path, entry] of Object.entries(rootLock.packages)) {
    if (path.startsWith('node_modules/') && !entry.dev && !entry.peer) packages[path] = entry;
  }
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, dependencies: { [pkg.name]: spec } }));
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }));
  const r = npm(['ci', ...NPM_FLAGS], project);
  if (r.error) return { error: `${r.error} (\`npm ci\` in ${root} fills npm's cache with what this needs)` };
  return { dir: join(project, 'node_modules', pkg.name) };
}

/**
 * `npm install <root>` in a new project at `project`: npm links the directory (it does not
 * copy it), so the package keeps resolving its own imports from root's node_modules.
 * Returns { dir }, the linked package, or { error }.
 */
export function installDirectory(root, project) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const r = npm(['install', ...NPM_FLAGS, root], project);
  return r.error ? r : { dir: join(project, 'node_modules', pkg.name) };
}
