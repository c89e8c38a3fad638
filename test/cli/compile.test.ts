/** `cbpf2ebpf compile` and `--expr`, in process through main(). */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runMain } from './run-main.js';

const run = (...args: string[]) => runMain(args);
const capture = join(fileURLToPath(new URL('../../fixtures/captures/generated/', import.meta.url)), 'mix-en10mb.pcap');

describe('cbpf2ebpf compile', () => {
  it('prints the listing tcpdump -O -d prints, words joined with spaces', async () => {
    const r = await run('compile', '-O', 'ip', 'or', 'arp');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      '(000) ldh      [12]\n(001) jeq      #0x800           jt 4\tjf 2\n(002) ldh      [12]\n' +
      '(003) jeq      #0x806           jt 4\tjf 5\n(004) ret      #262144\n(005) ret      #0\n',
    );
  });

  it('takes a link type and a snaplen, and the other output forms', async () => {
    expect((await run('compile', '-y', 'LINUX_SLL', '-s', '96', '-f', 'ddd', 'ip')).stdout).toBe('4\n40 0 0 14\n21 0 1 2048\n6 0 0 96\n6 0 0 0\n');
    expect((await run('compile', '-O', '-y', 'RAW', '-f', 'comma', 'arp')).stdout).toBe('4,0 0 0 1,21 0 1 0,6 0 0 262144,6 0 0 0,\n');
    // Optimized, as libpcap's optimizer finds too (tcpdump says 'expression rejects all packets').
    expect((await run('compile', '-y', 'RAW', '-f', 'comma', 'arp')).stdout).toBe('1,6 0 0 0,\n');
  });

  it('refuses what libpcap refuses with exit 65, naming the word', async () => {
    const r = await run('compile', 'tcp', 'host', '1.2.3.4');
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/'tcp' modifier applied to host \(at '1\.2\.3\.4', character 10/);
    const s = await run('compile', 'ip and');
    expect(s.code).toBe(65);
    expect(s.stderr).toMatch(/syntax error in filter expression/);
    expect((await run('compile', '-y', 'BOGUS', 'ip')).code).toBe(65);
  });
});

describe('--expr instead of FILTER', () => {
  it('disasm, check and translate compile it', async () => {
    expect((await run('disasm', '--expr', 'ip')).stdout).toMatch(/^\(000\) ldh      \[12\]\n/);
    expect((await run('check', '--expr', 'tcp port 80', '--linktype', 'RAW')).stdout).toMatch(/^ok \(\d+ instructions\)/);
    expect((await run('translate', '--expr', 'udp')).code).toBe(0);
    expect((await run('check', '--expr', 'ip', 'x.ddd')).code).toBe(64);
  });

  it('replay compiles it for the capture and keeps what the program from tcpdump keeps', async () => {
    const ours = await run('replay', '--expr', 'tcp port 80', capture, '--results');
    const theirs = await run('replay', join(fileURLToPath(new URL('../../fixtures/filters/EN10MB/', import.meta.url)), 'tcp-port.ddd'), capture, '--results');
    expect(ours.code).toBe(0);
    expect(ours.stdout).toBe(theirs.stdout);
  });
});
