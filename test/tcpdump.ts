/** Whether the tests can run tcpdump, the reference they compare captures and filters with. */
import { spawnSync } from 'node:child_process';

/** Why tcpdump cannot be run here, or undefined when `tcpdump --version` works. */
export const tcpdumpMissing: string | undefined = (() => {
  const r = spawnSync('tcpdump', ['--version'], { encoding: 'utf8' });
  if (r.error) return `tcpdump is not installed (${(r.error as NodeJS.ErrnoException).code})`;
  if (r.status !== 0) return `tcpdump --version failed (exit ${r.status})`;
  return undefined;
})();
