#!/usr/bin/env node
// Measures the filter engines on one capture, in one run: ns per packet of our interpreter,
// our JIT, and libpcap's bpf_filter (test/native/pcap_bench.c, compiled into a temp dir),
// for a list of tcpdump filters. Not a test: prints a table of ns/packet and the JIT's
// packets/s relative to libpcap. Accepted counts must agree between the three, or it fails.
//
// Each JS measurement runs in its own process (one engine, one filter: the engine.run call
// site sees one target, as in a replay), and every measurement is repeated, interleaved
// with the others, keeping the best: shared machines are noisy.
//
// The JS processes raise V8's inlining budget as the CLI does (src/vm/jit/tune.ts); set
// JIT_BENCH_DEFAULT_INLINING=1 to measure with V8's defaults.
//
// Per packet, the JS loop does what a replay does besides reading: point env at the packet,
// write skb->len into the context (only when the program reads the context), run.
//
// Usage: npx tsc -p . && node test/bench/jit-bench.mjs CAPTURE.pcap [ROUNDS] [REPEATS] [filter...]
// (make a capture with: node test/bench/make-capture.mjs /tmp/b.pcap 200000)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = (p) => import(join(root, 'dist', p));
const self = fileURLToPath(import.meta.url);

const FILTERS = [
  'ip',
  'vlan',
  'greater 100 and ip and udp',
  'tcp[tcpflags] & (tcp-syn|tcp-fin) != 0',
  'host 10.0.0.1',
  'net 192.168.0.0/16',
  'tcp port 80',
  'vlan and tcp port 80',
  'tcp and (port 80 or port 443 or port 8080) and not net 10.0.0.0/8',
  'tcp port 80 or udp port 53 or host 192.168.0.1',
];

if (process.argv[2] === '--child') {
  const [, , , kind, file, capture, rounds] = process.argv;
  console.log(await measureInChild(kind, file, capture, Number(rounds)));
  process.exit(0);
}

/** One engine over every packet of the capture, held in memory as pcap_bench.c holds it. */
async function measureInChild(kind, file, capture, rounds) {
  const { CaptureReader } = await dist('capture/index.js');
  const { decodeClassic } = await dist('classic/decode.js');
  const { translateClassic } = await dist('translate/translate.js');
  const { Interpreter } = await dist('vm/interp.js');
  const { JitEngine, raiseInliningBudget } = await dist('vm/jit/index.js');
  // What the CLI does at startup (see src/vm/jit/tune.ts); '--default-inlining' measures without it.
  if (!process.env.JIT_BENCH_DEFAULT_INLINING) raiseInliningBudget();
  const { ExecEnv } = await dist('vm/types.js');
  const { SKB_CTX_SIZE } = await dist('ebpf/ctx.js');

  const r = CaptureReader.open(capture);
  let data = new Uint8Array(64 << 20), used = 0;
  const offs = [], caps = [], wires = [];
  while (r.next()) {
    const c = r.current;
    if (used + c.caplen > data.length) { const d = new Uint8Array(2 * (used + c.caplen)); d.set(data.subarray(0, used)); data = d; }
    data.set(c.buf.subarray(c.offset, c.offset + c.caplen), used);
    offs.push(used); caps.push(c.caplen); wires.push(c.wirelen);
    used += c.caplen;
  }
  r.close();
  const n = offs.length;
  const off = Int32Array.from(offs), cap = Int32Array.from(caps), wire = Int32Array.from(wires);

  const { insns } = translateClassic(decodeClassic(readFileSync(file, 'utf8')));
  const engine = kind === 'jit' ? new JitEngine(insns) : new Interpreter(insns);
  const env = new ExecEnv();
  env.ctx = new Uint8Array(SKB_CTX_SIZE);
  const ctx = new DataView(env.ctx.buffer);
  const fillCtx = kind !== 'jit' || engine.readsContext;
  const pass = () => {
    let accepted = 0;
    for (let i = 0; i < n; i++) {
      env.setPacket(data, off[i], cap[i]);
      if (fillCtx) ctx.setUint32(0, wire[i], true);
      if (engine.run(env) !== 0) accepted++;
    }
    return accepted;
  };
  pass(); pass(); // warm up (and let V8 optimise)
  let best = Infinity, accepted = 0;
  for (let k = 0; k < rounds; k++) {
    const t0 = process.hrtime.bigint();
    accepted = pass();
    const t = Number(process.hrtime.bigint() - t0);
    if (t < best) best = t;
  }
  return `${n} ${accepted} ${best / n}`;
}

const [capture, roundsArg, repeatsArg, ...filterArgs] = process.argv.slice(2);
if (!capture) {
  console.error('usage: node test/bench/jit-bench.mjs CAPTURE.pcap [ROUNDS] [REPEATS] [filter...]');
  process.exit(64);
}
const rounds = Number(roundsArg ?? 10);
const repeats = Number(repeatsArg ?? 3);
const filters = filterArgs.length > 0 ? filterArgs : FILTERS;

const dir = mkdtempSync(join(tmpdir(), 'jit-bench-'));
try {
  const bench = join(dir, 'pcap_bench');
  execFileSync('gcc', ['-O2', '-o', bench, join(root, 'test/native/pcap_bench.c'), '-lpcap']);
  const parse = (out) => out.trim().split(/\s+/).map(Number);
  const rows = [];
  let failed = false, packets = 0;
  for (const f of filters) {
    const ddd = execFileSync('tcpdump', ['-y', 'EN10MB', '-ddd', f], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const file = join(dir, `f${rows.length}.ddd`);
    writeFileSync(file, ddd);
    const best = { libpcap: Infinity, interp: Infinity, jit: Infinity };
    const accepted = {};
    for (let k = 0; k < repeats; k++) {
      for (const engine of ['libpcap', 'jit', 'interp']) {
        const out = engine === 'libpcap'
          ? execFileSync(bench, [file, capture, String(rounds)], { encoding: 'utf8' })
          : execFileSync(process.execPath, [...process.execArgv, self, '--child', engine, file, capture, String(rounds)], { encoding: 'utf8' });
        const [count, acc, ns] = parse(out);
        packets = count;
        accepted[engine] = acc;
        best[engine] = Math.min(best[engine], ns);
      }
    }
    if (accepted.interp !== accepted.libpcap || accepted.jit !== accepted.libpcap) {
      console.error(`MISMATCH ${f}: libpcap ${accepted.libpcap}, interp ${accepted.interp}, jit ${accepted.jit}`);
      failed = true;
    }
    rows.push([f, Number(ddd.split('\n')[0]), accepted.libpcap, best.libpcap, best.interp, best.jit]);
  }
  console.log(`${packets} packets; ns/packet, best of ${rounds} rounds x ${repeats} interleaved runs; ratio = packets/s relative to libpcap's bpf_filter`);
  console.log(['filter', 'insns', 'accepted', 'libpcap', 'interp', 'jit', 'jit/libpcap', 'interp/libpcap'].join('\t'));
  for (const [f, insns, acc, c, i, j] of rows) {
    console.log([f, insns, acc, c.toFixed(1), i.toFixed(1), j.toFixed(1), (c / j).toFixed(2), (c / i).toFixed(2)].join('\t'));
  }
  if (failed) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
