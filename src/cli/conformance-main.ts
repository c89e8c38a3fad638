/**
 * `npm run conformance`: runs the bpf_conformance suite on the interpreter and on the JIT.
 * Usage: node dist/cli/conformance-main.js [SUITE_DIR] [-v] [--engine interp|jit]
 * SUITE_DIR defaults to ../shared/conformance/bpf_conformance beside the repository.
 * Every tests/*.data must pass and every negative/*.data must be refused; the exit status
 * is 1 otherwise, 66 when the suite cannot be found.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { negativeRefused, runConformanceSuite, type EngineFactory } from '../vm/conformance.js';
import { Interpreter } from '../vm/interp.js';
import { JitEngine } from '../vm/jit/index.js';

const ENGINES: Record<string, EngineFactory> = {
  interp: (prog, opts) => new Interpreter(prog, opts),
  jit: (prog, opts) => new JitEngine(prog, opts),
};

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_SUITE = resolve(repoRoot, '..', 'shared', 'conformance', 'bpf_conformance');

function main(args: string[]): number {
  const verbose = args.includes('-v') || args.includes('--verbose');
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write('usage: conformance-main [SUITE_DIR] [-v] [--engine interp|jit]\n');
    return 0;
  }
  const at = args.indexOf('--engine');
  const only = at >= 0 ? args[at + 1] : undefined;
  if (at >= 0 && (only === undefined || !(only in ENGINES))) {
    process.stderr.write(`conformance: --engine takes one of ${Object.keys(ENGINES).join(', ')}\n`);
    return 64;
  }
  const positional = args.filter((a, n) => !a.startsWith('-') && !(at >= 0 && n === at + 1));
  const dir = resolve(positional[0] ?? DEFAULT_SUITE);
  if (!existsSync(join(dir, 'tests'))) {
    process.stderr.write(`conformance: no suite at ${dir} (expected ${join(dir, 'tests')}/*.data)\n`);
    return 66;
  }
  let status = 0;
  for (const name of only ? [only] : Object.keys(ENGINES)) {
    process.stdout.write(`== ${name} ==\n`);
    status = Math.max(status, runOn(dir, name, ENGINES[name]!, verbose));
  }
  return status;
}

function runOn(dir: string, name: string, engine: EngineFactory, verbose: boolean): number {
  const report = runConformanceSuite(dir, { engine });
  let passed = 0;
  for (const o of report.tests) {
    if (o.status === 'pass') {
      passed++;
      process.stdout.write(`PASS ${o.name}${verbose ? `: ${o.detail}` : ''}\n`);
    } else {
      process.stdout.write(`FAIL ${o.name}: ${o.detail}\n`);
    }
  }
  let refused = 0;
  for (const o of report.negative) {
    if (negativeRefused(o)) {
      refused++;
      process.stdout.write(`REFUSED ${o.name}${verbose ? `: ${o.detail}` : ''}\n`);
    } else {
      process.stdout.write(`FAIL ${o.name}: accepted, but a negative test must be refused (${o.detail})\n`);
    }
  }
  const failed = report.tests.length - passed + report.negative.length - refused;
  process.stdout.write(
    `\n${name}: tests: ${passed}/${report.tests.length} passed; negative: ${refused}/${report.negative.length} refused; ` +
      `${failed === 0 ? 'all good' : `${failed} failure${failed === 1 ? '' : 's'}`}\n`,
  );
  return failed === 0 && report.tests.length > 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
