/** Types of npm-install.mjs (shared with the bench, which runs as plain JavaScript). */
export interface NpmOutcome {
  /** npm's own reason, when it failed. */
  error?: string;
  /** The installed project's directory. */
  dir?: string;
}
export function pack(root: string, dir: string): NpmOutcome & { tarball?: string };
export function installTarball(root: string, tarball: string, project: string): NpmOutcome;
export function installDirectory(root: string, project: string): NpmOutcome;
