/**
 * A real Linux packet socket as the oracle for replay (test/native/socket_filter_harness.c):
 * the classic filter is attached with SO_ATTACH_FILTER, each frame is sent on the loopback
 * device of a private network namespace, and the socket reports what it received of the
 * transmit copy (`out`, tag kept in the data: `--vlan packet`) and of the receive copy (`in`,
 * outer tag moved to metadata: `--vlan metadata`). A received length is min(return value,
 * frame length); 0 means the filter dropped the frame; -1 that the kernel dropped that copy
 * before any socket saw it. `socketHarnessMissing` says why the tests must skip.
 */
import { spawnSync } from 'node:child_process';
import { platform } from 'node:os';
import type { ClassicProgram } from '../../src/classic/insn.js';
import { LineChild } from '../classic/line-child.js';
import { buildHarness } from '../native/build.js';

function build(): { binary?: string; missing?: string } {
  if (platform() !== 'linux') return { missing: `needs Linux (this is ${platform()})` };
  const built = buildHarness('socket_filter_harness');
  if ('skip' in built) return { missing: built.skip };
  // Probe: `ret #-1` must keep a 14-byte frame whole, both ways.
  const probe = spawnSync(built.path, [], { input: `f 1 6 0 0 4294967295\np ${'00'.repeat(12)}0800\nq\n`, encoding: 'utf8' });
  if (probe.stdout !== 'ready\n0\n14 14\n') return { missing: `no packet socket oracle here (${JSON.stringify(probe.stdout.split('\n')[0] || probe.stderr)})` };
  return { binary: built.path };
}

const built = build();
export const socketHarnessMissing: string | undefined = built.missing;
if (socketHarnessMissing) console.warn(`skipping packet socket comparisons: ${socketHarnessMissing}`);

/** What the filtered socket received of one frame. */
export interface SocketVerdict {
  /** The transmit copy (PACKET_OUTGOING). */
  out: number;
  /** The receive copy, after eth_type_trans and VLAN untagging. */
  in: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export class SocketHarness {
  private readonly child: LineChild;
  private ready: Promise<void>;

  constructor() {
    if (!built.binary) throw new Error(`socket filter harness unavailable: ${socketHarnessMissing}`);
    this.child = new LineChild(built.binary);
    this.ready = this.child.nextLine().then((l) => {
      if (l !== 'ready') throw new Error(`socket harness: ${l}`);
    });
  }

  /** Attaches `prog` to a new socket; 0, or the errno of SO_ATTACH_FILTER. */
  async attach(prog: ClassicProgram): Promise<number> {
    await this.ready;
    let line = `f ${prog.length}`;
    for (const i of prog) line += ` ${i.code} ${i.jt} ${i.jf} ${i.k >>> 0}`;
    this.child.send(`${line}\n`);
    return this.child.nextNumber();
  }

  /** Sends one frame (at least 14 bytes) through the attached filter. */
  async send(frame: Uint8Array): Promise<SocketVerdict> {
    await this.ready;
    this.child.send(`p ${hex(frame)}\n`);
    const line = await this.child.nextLine();
    const m = /^(-?\d+) (-?\d+)$/.exec(line);
    if (!m) throw new Error(`socket harness said: ${line}`);
    return { out: Number(m[1]), in: Number(m[2]) };
  }

  close(): void {
    this.child.close();
  }
}
