/**
 * Replaying a capture through a classic filter, as a Linux packet socket with that filter
 * attached would see it (see ReplaySession): synchronously, or as a promise that lets the
 * event loop turn and output streams drain.
 */
import type { ClassicProgram } from '../classic/insn.js';
import type { FilterExpression } from './types.js';
import { checkReplayArgs } from './checks.js';
import { ReplaySession } from './session.js';
import type { ReplayOptions, ReplayResult } from './types.js';

export { loadFilter, ReplaySession } from './session.js';
export { ReplayPacket, type FilterExpression, type PacketResult, type ReplayOptions, type ReplayResult, type ReplayTrace } from './types.js';

/**
 * Runs `filter` (a classic program, a path to one, or an expression compiled per interface) over every packet of `capture` (a path,
 * or `-` for stdin). Throws UsageError (bad options), InputError (unreadable filter or
 * capture), DecodeError/CheckError/TranslateError (a filter that cannot run), CaptureError (a
 * bad capture, unless keepGoing), OutputError (the -w file), VmError (a run that faults).
 */
export function replaySync(filter: ClassicProgram | string | FilterExpression, capture: string, options: ReplayOptions = {}): ReplayResult {
  checkReplayArgs('replaySync', filter, capture, options);
  const session = new ReplaySession(filter, capture, options);
  try {
    while (session.step(SLICE_PACKETS));
  } catch (e) {
    session.abort();
    throw e;
  }
  return session.finish();
}

/**
 * The same as replaySync, as a promise. The replay runs in slices of packets and lets the
 * event loop turn between them and while it waits for a capture coming down a pipe, so signals
 * are handled and output streams drain; the `backpressure` option pauses it while a reader of
 * its output is slow.
 */
export async function replay(
  filter: ClassicProgram | string | FilterExpression, capture: string, options: ReplayOptions = {},
): Promise<ReplayResult> {
  checkReplayArgs('replay', filter, capture, options);
  const session = new ReplaySession(filter, capture, options);
  await runSession(session, options.backpressure);
  return session.finish();
}

/**
 * Runs a session to its end in slices, letting the event loop turn between them, waiting on
 * `backpressure` and on a capture coming down a pipe. On an error the session is aborted.
 */
export async function runSession(session: ReplaySession, backpressure: (() => Promise<void> | undefined) | undefined): Promise<void> {
  try {
    session.readWithoutBlocking();
    let turned = performance.now();
    while (session.step(SLICE_PACKETS)) {
      if (session.wantsInput) {
        await session.readMore();
        turned = performance.now();
        continue;
      }
      const wait = backpressure?.();
      if (wait) {
        await wait;
        turned = performance.now();
      } else if (performance.now() - turned >= TURN_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        turned = performance.now();
      }
    }
  } catch (e) {
    session.abort();
    throw e;
  }
}

/** Packets run between two looks at the world outside the loop (output back-pressure, signals). */
const SLICE_PACKETS = 4096;
/** How long the async replay may keep the event loop from turning. */
const TURN_EVERY_MS = 20;
