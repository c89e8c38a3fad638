/**
 * `npm run conformance`: runs the bpf_conformance suite against the interpreter.
 * Usage: node dist/cli/conformance-main.js [SUITE_DIR] [-v]
 * SUITE_DIR defaults to ../shared/conformance/bpf_conformance beside the repository.
 * Every tests/*.data must pass and every negative/*.data must be refused; the exit status
 * is 1 otherwise, 66 when the suite cannot be found.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { negativeRefused, runConformanceSuite } from '../vm/conformance.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_SUITE = resolve(repoRoot, '..', 'shared', 'conformance', 'bpf_conformance');

function main(args: string[]): number {
  const verbose = args.includes('-v') || args.includes('--verbose');
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write('usage: conformance-main [SUITE_DIR] [-v]\n');
    return 0;
  }
  const dir = resolve(args.find((a) => !a.startsWith('-')) ?? DEFAULT_SUITE);
  if (!existsSync(join(dir, 'tests'))) {
    process.stderr.write(`conformance: no suite at ${dir} (expected ${join(dir, 'tests')}/*.data)\n`);
    return 66;
  }
  const report = runConformanceSuite(dir);
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
    `\ntests: ${passed}/${report.tests.length} passed; negative: ${refused}/${report.negative.length} refused; ` +
      `${failed === 0 ? 'all good' : `${failed} failure${failed === 1 ? '' : 's'}`}\n`,
  );
  return failed === 0 && report.tests.length > 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
