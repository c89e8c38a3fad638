/**
 * `cbpf2ebpf [translate] FILTER`: in process through main() for output and exit codes, and
 * through the built launcher (bin/cbpf2ebpf -> dist/cbpf2ebpf.cjs) for stdin, the default
 * command, --version and the bundle itself.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeClassic } from '../../src/classic/decode.js';
import { decodeProgram, encodeProgram } from '../../src/ebpf/encode.js';
import { formatListing } from '../../src/ebpf/format.js';
import { translateClassic } from '../../src/translate/translate.js';
import { launcher, launcherBuilt, notBuiltNote, runBin, runBinBytes, runMain } from './run-main.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

const tmp = mkdtempSync(join(tmpdir(), 'cbpf2ebpf-translate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** `tcp port 80` as tcpdump -ddd prints it for Ethernet (written here so the test stands alone). */
const TCP80 = `20
40 0 0 12
21 0 6 34525
48 0 0 20
21 0 15 6
40 0 0 54
21 12 0 80
40 0 0 56
21 10 11 80
21 0 10 2048
48 0 0 23
21 0 8 6
40 0 0 20
69 6 0 8191
177 0 0 14
72 0 0 14
21 2 0 80
72 0 0 16
21 0 1 80
6 0 0 262144
6 0 0 0
`;
const filterFile = join(tmp, 'tcp80.ddd');
writeFileSync(filterFile, TCP80);
const expectedInsns = translateClassic(decodeClassic(TCP80)).insns;

const run = (...args: string[]) => runMain(args, 'bytes');

describe('cbpf2ebpf FILTER (in process)', () => {
  it('is the default command and prints the listing', async () => {
    const r = await run(filterFile);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(formatListing(expectedInsns));
    expect((await run('translate', filterFile)).stdout.toString()).toBe(r.stdout.toString());
  });

  it('writes bin with -o, whose decoded listing is the printed one', async () => {
    const file = join(tmp, 'tcp80.bin');
    expect((await run(filterFile, '-f', 'bin', '-o', file)).code).toBe(0);
    const bytes = readFileSync(file);
    expect(Buffer.compare(bytes, Buffer.from(encodeProgram(expectedInsns)))).toBe(0);
    expect(formatListing(decodeProgram(bytes))).toBe(formatListing(expectedInsns));
  });

  it('prints hex, json and c', async () => {
    expect((await run(filterFile, '-f', 'hex')).stdout.toString().split('\n')[0]).toBe('bf16000000000000');
    const json = JSON.parse((await run(filterFile, '-f', 'json')).stdout.toString()) as { loadable: boolean; insns: unknown[] };
    expect(json.loadable).toBe(true);
    expect(json.insns.length).toBe(expectedInsns.length);
    expect((await run(filterFile, '-f', 'c')).stdout.toString()).toMatch(/^struct bpf_insn prog\[\] = \{$/m);
  });

  it('annotates with --annotate', async () => {
    const text = (await run(filterFile, '--annotate')).stdout.toString();
    expect(text).toContain('; 0: ldh [12]');
    expect(text).toContain('; 13: ldxb 4*([14]&0xf)');
  });

  it('translates seccomp filters with --seccomp', async () => {
    const file = join(tmp, 'seccomp.ddd');
    writeFileSync(file, '4\n32 0 0 4\n21 0 1 3221225534\n6 0 0 2147418112\n6 0 0 0\n');
    const r = await run(file, '--seccomp');
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toContain('r0 = *(u32 *)(r6 +4)');
    expect(r.stdout.toString()).toContain('w2 = 3221225534');
    // socket profile: the same load is a packet load
    expect((await run(file)).stdout.toString()).toContain('r0 = *(u32 *)skb[4]');
  });

  it('runs the checker first: an invalid classic program is exit 65, one line', async () => {
    const file = join(tmp, 'bad.ddd');
    writeFileSync(file, '2\n6 0 0 0\n0 0 0 0\n');
    const r = await run(file);
    expect(r.code).toBe(65);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toMatch(/^cbpf2ebpf: instruction 1 .*last-not-ret.*\n$/);
    writeFileSync(file, '2\n32 0 0 0\n6 0 0 0\n');
    const s = await run(file, '--seccomp');
    expect(s.code).toBe(0);
    writeFileSync(file, '2\n40 0 0 0\n6 0 0 0\n');
    expect((await run(file, '--seccomp')).code).toBe(65);
  });

  it('warns when the program calls a project helper', async () => {
    const file = join(tmp, 'nla.ddd');
    writeFileSync(file, `2\n32 0 0 ${0xfffff000 + 12}\n22 0 0 0\n`);
    const r = await run(file, '-f', 'bin', '-o', join(tmp, 'nla.bin'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^cbpf2ebpf: warning: NOT LOADABLE INTO LINUX: calls project helper cbpf_nlattr#65536/);
    expect((await run(file)).stdout.toString()).toMatch(/^; NOT LOADABLE INTO LINUX/m);
  });

  it('reports a missing file with exit 66', async () => {
    const r = await run(join(tmp, 'nope.ddd'));
    expect(r.code).toBe(66);
    expect(r.stderr).toMatch(/no such file/);
  });
});

const built = launcherBuilt('translate');

describe.skipIf(!built)(`bin/cbpf2ebpf FILTER${notBuiltNote(built)}`, () => {
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  /** A copy of the install under tmp: bin/ and the dist/ files named. */
  const installCopy = (name: string, distFiles: string[]): string => {
    const copy = mkdtempSync(join(tmp, `${name}-`));
    cpSync(join(root, 'bin'), join(copy, 'bin'), { recursive: true });
    mkdirSync(join(copy, 'dist'));
    for (const f of distFiles) cpSync(join(root, 'dist', f), join(copy, 'dist', f), { recursive: true });
    return copy;
  };
  const runVersion = (copy: string) => spawnSync(process.execPath, [join(copy, 'bin/cbpf2ebpf'), '--version'], { encoding: 'utf8' });

  it('reads the filter from stdin and exits 0', () => {
    const r = runBinBytes(['-', '-f', 'bin'], { input: Buffer.from(TCP80) });
    expect(r.status).toBe(0);
    expect(Buffer.compare(r.stdout, Buffer.from(encodeProgram(expectedInsns)))).toBe(0);
  });
  it('exits 65 on a program the checker refuses', () => {
    const r = runBin(['-'], { input: '1\n0 0 0 0\n' });
    expect(r.status).toBe(65);
    expect(r.stderr.trim().split('\n').length).toBe(1);
  });
  it('prints the package version from any working directory', () => {
    const r = spawnSync(process.execPath, [launcher, '--version'], { cwd: tmpdir(), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });
  it('runs from a copy of the bundle whose code cache is missing, of another build or garbage', () => {
    const copy = installCopy('install', ['cbpf2ebpf.cjs']);
    const run = () => spawnSync(process.execPath, [join(copy, 'bin/cbpf2ebpf'), '--version'],
      { encoding: 'utf8', env: { ...process.env, CBPF2EBPF_DEBUG_LAUNCHER: '1' } });
    const id = /\n\/\/ cbpf2ebpf build ([0-9a-f]{32})\n$/.exec(readFileSync(join(copy, 'dist/cbpf2ebpf.cjs'), 'utf8'))![1]!;
    const cache = join(copy, 'dist/cbpf2ebpf.cjs.cache');
    const compiled = readFileSync(join(root, 'dist/cbpf2ebpf.cjs.cache')).subarray(id.length);
    const cases: Array<[string, Buffer | undefined]> = [
      ['missing', undefined],
      ['of another build', Buffer.concat([Buffer.from('0'.repeat(id.length)), compiled])],
      ['rejected by V8', Buffer.concat([Buffer.from(id), Buffer.alloc(4096, 0x5a)])], // this build's stamp, garbage code
      ['used', Buffer.concat([Buffer.from(id), compiled])],
    ];
    for (const [state, contents] of cases) {
      if (contents) writeFileSync(cache, contents);
      const r = run();
      expect(r.stdout.trim()).toBe(version);
      expect(r.stderr).toBe(`cbpf2ebpf launcher: bundle (build ${id}), code cache ${state}\n`);
    }
  });
  it('says in one line, with exit 70, that a damaged bundle cannot start', () => {
    const copy = installCopy('damaged', []);
    writeFileSync(join(copy, 'dist/cbpf2ebpf.cjs'), 'exports.main = (;\n');
    const r = runVersion(copy);
    expect(r.status).toBe(70);
    expect(r.stderr).toMatch(/^cbpf2ebpf: cannot start: .+\n$/);
  });
  it('runs the compiled modules when main.js is not the build the bundle was made from, whatever the file times', () => {
    const copy = installCopy('stale', readdirSync(join(root, 'dist')));
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
    copyFileSync(join(root, 'package.json'), join(copy, 'package.json'));
    const bundle = join(copy, 'dist/cbpf2ebpf.cjs');
    const modules = join(copy, 'dist/cli/main.js');
    const line = '\n// cbpf2ebpf build 0123456789abcdef0123456789abcdef\n';
    writeFileSync(bundle, `exports.main = async () => { process.stdout.write('from the bundle\\n'); return 0; };${line}`);
    const compiled = readFileSync(modules, 'utf8').replace(/\n\/\/ cbpf2ebpf build [0-9a-f]{32}\n$/, '\n');
    const run = () => runVersion(copy).stdout.trim();
    // main.js as this build made it, though newer than the bundle: the bundle runs.
    writeFileSync(modules, `${compiled.trimEnd()}${line}`);
    utimesSync(bundle, new Date(), new Date(Date.now() - 60_000));
    expect(run()).toBe('from the bundle');
    // main.js as a bare `tsc` rewrites it (no build line), though older than the bundle: the modules run.
    writeFileSync(modules, compiled);
    utimesSync(modules, new Date(), new Date(Date.now() - 120_000));
    expect(run()).toBe(version);
  });
  it('runs the same from the bundle as from the compiled modules', () => {
    const args = [join(root, 'fixtures/filters/EN10MB/tcp-port.ddd'), '--annotate'];
    const fromBundle = runBin(args);
    const fromModules = spawnSync(process.execPath, ['--input-type=module', '-e',
      `const { main } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/cli/main.js')).href)});
       process.exitCode = await main(process.argv.slice(1));`, ...args], { encoding: 'utf8' });
    expect(fromBundle.status).toBe(0);
    expect(fromBundle.stdout).toContain('r0 = *(u16 *)skb[12]');
    expect(fromModules.stdout).toBe(fromBundle.stdout);
  });
});
