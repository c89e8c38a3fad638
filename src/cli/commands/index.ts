/** Every subcommand, in the order `--help` lists them. The default command (translate) is first. */
import type { CommandModule } from 'yargs';
import { translateCommand } from './translate.js';
import { disasmCommand } from './disasm.js';
import { asmCommand } from './asm.js';
import { conformancePluginCommand } from './conformance-plugin.js';
import { checkCommand } from './check.js';
import { verifyCommand } from './verify.js';
import { seccompCommand } from './seccomp.js';
import { replayCommand } from './replay.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  translateCommand,
  disasmCommand,
  asmCommand,
  conformancePluginCommand,
  checkCommand,
  verifyCommand,
  seccompCommand,
  replayCommand,
];
