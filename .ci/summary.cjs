// Turns vitest's JSON report into the plain `N passed, N failed` line CI ends with.
// A suite that fails to load (no test ran) counts as one failure, as does each failed check
// before the tests (CHECKS_FAILED: typecheck, lint).
const r = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const brokenSuites = r.testResults.filter((s) => s.status === 'failed' && !s.assertionResults.some((a) => a.status === 'failed')).length;
const checks = Number(process.env.CHECKS_FAILED ?? 0);
console.log(`${r.numPassedTests} passed, ${r.numFailedTests + brokenSuites + checks} failed`);
