/**
 * Every subcommand, in the order `--help` lists them; the default command (translate) is
 * first. Each is loaded on demand: starting Node and loading the whole library costs more
 * than many a replay, so a run loads only the command it names (see main.ts).
 */
import type { CommandModule } from 'yargs';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCommand = CommandModule<any, any>;

export interface CommandEntry {
  /** The word that selects the command on the command line. */
  readonly name: string;
  readonly load: () => Promise<AnyCommand>;
}

export const DEFAULT_COMMAND = 'translate';

export const commands: readonly CommandEntry[] = [
  { name: 'translate', load: async () => (await import('./translate.js')).translateCommand },
  { name: 'disasm', load: async () => (await import('./disasm.js')).disasmCommand },
  { name: 'asm', load: async () => (await import('./asm.js')).asmCommand },
  { name: 'conformance-plugin', load: async () => (await import('./conformance-plugin.js')).conformancePluginCommand },
  { name: 'check', load: async () => (await import('./check.js')).checkCommand },
  { name: 'verify', load: async () => (await import('./verify.js')).verifyCommand },
  { name: 'seccomp', load: async () => (await import('./seccomp.js')).seccompCommand },
  { name: 'replay', load: async () => (await import('./replay.js')).replayCommand },
  { name: 'compile', load: async () => (await import('./compile.js')).compileCommand },
];
