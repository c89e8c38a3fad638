/**
 * Builds test/native/pcap_filter_harness.c in a temporary directory and talks to one
 * long-lived process of it, so thousands of programs cost one spawn. `filterHarnessMissing`
 * says why it could not be built (no cc, no libpcap-dev) so the tests that need it skip.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ClassicProgram } from '../../src/classic/insn.js';
import { buildHarness } from '../native/build.js';
import { LineChild } from './line-child.js';

interface Built { binary?: string; aux: boolean; missing?: string }

function build(): Built {
  const name = 'pcap_filter_harness';
  // The static archive exports pcap_filter_with_aux_data (the shared library hides it).
  const archive = spawnSync('cc', ['-print-file-name=libpcap.a'], { encoding: 'utf8' });
  const archivePath = archive.status === 0 ? archive.stdout.trim() : '';
  if (archivePath && archivePath !== 'libpcap.a' && existsSync(archivePath)) {
    const withAux = buildHarness(name, { libs: [archivePath, '-DHAVE_PCAP_AUX'] });
    if ('path' in withAux) return { binary: withAux.path, aux: true };
  }
  const shared = buildHarness(name, { libs: ['-lpcap'], hint: 'is libpcap-dev installed?' });
  return 'skip' in shared ? { aux: false, missing: shared.skip } : { binary: shared.path, aux: false };
}

const built = build();
export const filterHarnessMissing: string | undefined = built.missing;
/** Whether pcap_filter_with_aux_data is reachable (needs the static libpcap.a). */
export const filterHarnessHasAux = built.aux;
if (filterHarnessMissing) console.warn(`skipping libpcap filter comparisons: ${filterHarnessMissing}`);
else if (!filterHarnessHasAux) console.warn('libpcap.a not found: VLAN aux-data comparisons will skip');

export interface PcapRun {
  wirelen: number;
  bytes: Uint8Array;
  /** Present: call pcap_filter_with_aux_data with this aux data; absent: bpf_filter. */
  aux?: { present: number; tag: number };
}

const hex = (b: Uint8Array): string => (b.length ? Buffer.from(b).toString('hex') : '-');

/** One harness process; requests are answered in order, one line per result. */
export class PcapFilterHarness {
  private readonly child: LineChild;

  constructor() {
    if (!built.binary) throw new Error(`libpcap filter harness unavailable: ${filterHarnessMissing}`);
    this.child = new LineChild(built.binary);
  }

  /** bpf_filter (or pcap_filter_with_aux_data) of `prog` over each packet. */
  async filter(prog: ClassicProgram, runs: readonly PcapRun[]): Promise<number[]> {
    let req = programLine(prog);
    for (const r of runs) {
      req += r.aux
        ? `a ${r.wirelen} ${r.aux.present} ${r.aux.tag} ${hex(r.bytes)}\n`
        : `r ${r.wirelen} ${hex(r.bytes)}\n`;
    }
    this.child.send(req);
    const out: number[] = [];
    for (let n = 0; n < runs.length; n++) out.push(await this.child.nextNumber());
    return out;
  }

  /** bpf_validate(prog). */
  async validate(prog: ClassicProgram): Promise<boolean> {
    this.child.send(`${programLine(prog)}v\n`);
    return (await this.child.nextNumber()) !== 0;
  }

  close(): void {
    this.child.close();
  }
}

function programLine(prog: ClassicProgram): string {
  let line = `p ${prog.length}`;
  for (const i of prog) line += ` ${i.code} ${i.jt} ${i.jf} ${i.k >>> 0}`;
  return `${line}\n`;
}
