/**
 * `cbpf2ebpf replay FILTER CAPTURE`: runs a classic filter over every packet of a pcap or
 * pcapng capture, as a Linux packet socket with the filter attached would, and prints a
 * summary, one result per packet (--results, --json), writes the kept packets (-w), or
 * traces one packet (--trace N).
 */
import { statSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { Cbpf2ebpfError, UsageError } from '../../errors.js';
import { quotable } from '../../text.js';
import { raiseInliningBudget } from '../../vm/jit/tune.js';
import { DEFAULT_ENGINE, ENGINE_NAMES, ENGINES, type EngineName } from '../../replay/engine.js';
import { type LoopArgs, loopOptions, loopOptionsFromArgs } from '../loops.js';
import { PACKET_BROADCAST, PACKET_HOST, PACKET_MULTICAST, PACKET_OTHERHOST, PACKET_OUTGOING, type LinkOptions } from '../../replay/link.js';
import { ChunkedWriter, formatFileLine, formatSummary, jsonLine, resultLine } from '../../replay/output.js';
import { replayFiles, type ReplayFilesOptions, type ReplayFilesResult } from '../../replay/files.js';
import { plan } from '../../replay/parallel.js';
import type { ClassicProgram } from '../../classic/insn.js';
import type { FilterExpression } from '../../replay/types.js';
import { ProgressBar, wantsProgress } from '../../replay/progress.js';
import { replay, type ReplayOptions, type ReplayPacket } from '../../replay/replay.js';
import { descriptorAlias } from '../../io/output.js';
import { stdout } from '../stdout.js';
import { checkReplayInputs } from '../misplaced.js';
import { stdinOperands } from '../argv.js';
import { type FilterInputArgs, loadClassicFromArgs, withFilterInput } from '../options.js';

interface ReplayArgs extends FilterInputArgs, LoopArgs {
  capture: string[];
  'with-filename'?: boolean;
  jobs?: number;
  engine: EngineName;
  semantics: 'linux' | 'libpcap';
  len: 'wire' | 'captured';
  vlan: 'packet' | 'metadata';
  ifindex?: number;
  pkttype?: string;
  mark: number;
  hash: number;
  queue: number;
  priority: number;
  cpu: number;
  results: boolean;
  json: boolean;
  write?: string;
  'write-format'?: 'pcap' | 'pcapng';
  trace?: number;
  'trace-classic'?: number;
  annotate: boolean;
  'keep-going': boolean;
  progress?: boolean;
}

const PKTTYPES: Record<string, number> = {
  host: PACKET_HOST, broadcast: PACKET_BROADCAST, multicast: PACKET_MULTICAST, otherhost: PACKET_OTHERHOST, outgoing: PACKET_OUTGOING,
};

function pktType(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const named = PKTTYPES[v.toLowerCase()];
  if (named !== undefined) return named;
  if (/^[0-7]$/.test(v)) return Number(v);
  throw new UsageError(`--pkttype must be one of ${Object.keys(PKTTYPES).join(', ')} or 0-7, not '${quotable(v)}'`);
}

function integer(name: string, v: number | undefined, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!(Number.isInteger(v) && v >= 0 && v <= max)) throw new UsageError(`--${name} must be an integer from 0 to ${max}`);
  return v;
}

const engineHelp = ENGINE_NAMES.map((n) => `${n}: ${ENGINES[n].describe}`).join('; ');

export const replayCommand: CommandModule<object, ReplayArgs> = {
  command: 'replay [filter] [capture..]',
  describe: 'run a classic filter over pcap/pcapng captures as a Linux packet socket would',
  builder: (y) =>
    withFilterInput(y)
      .positional('capture', {
        describe: 'pcap or pcapng files, or - for stdin',
        type: 'string',
        array: true,
        coerce: (v: string[]) => v.map((c) => (c === '' ? '-' : String(c))),
      })
      .option('jobs', {
        alias: 'j',
        describe: 'worker threads: each takes whole captures, or byte ranges of a pcap file over 16 MiB (4 MiB with --json); the output is the same as with --jobs 1 (default 1: on a 2-core machine two workers took 1.8x as long as one over a 439 MB capture; at most one per piece of work)',
        type: 'number',
      })
      .option('with-filename', {
        alias: 'H',
        describe: 'start each --results/--json line with the capture it comes from (default: with more than one capture); --no-with-filename: never',
        type: 'boolean',
      })
      .option('engine', { describe: engineHelp, choices: ENGINE_NAMES, default: DEFAULT_ENGINE })
      .option('semantics', {
        describe: "classic engine only: linux (what a socket filter does) or libpcap (libpcap's bpf_filter, which also runs tcpdump's protochain)",
        choices: ['linux', 'libpcap'] as const,
        default: 'linux' as const,
      })
      .options(loopOptions)
      .option('len', { describe: 'what LEN (skb->len) is: the wire length, as tcpdump compares it, or the captured length', choices: ['wire', 'captured'] as const, default: 'wire' as const })
      .option('vlan', {
        describe: "where an Ethernet VLAN tag is: packet (left in the data, as tcpdump's offline filters expect) or metadata (the outer tag moved to vlan_tci/vlan_present, as Linux delivers it to a packet socket)",
        choices: ['packet', 'metadata'] as const,
        default: 'packet' as const,
      })
      .option('ifindex', { describe: 'interface index of every packet (default: LINUX_SLL2 header, else 1)', type: 'number' })
      .option('pkttype', { describe: 'packet type of every packet: host, broadcast, multicast, otherhost, outgoing or 0-7 (default: SLL header, Ethernet destination, else host)', type: 'string' })
      .option('mark', { describe: 'skb->mark', type: 'number', default: 0 })
      .option('hash', { describe: 'skb->hash (SKF_AD_RXHASH)', type: 'number', default: 0 })
      .option('queue', { describe: 'skb->queue_mapping', type: 'number', default: 0 })
      .option('priority', { describe: 'skb->priority', type: 'number', default: 0 })
      .option('cpu', { describe: 'CPU number SKF_AD_CPU returns', type: 'number', default: 0 })
      .option('results', { describe: "print the filter's return value for each packet, one per line (what libpcap's bpf_filter returns)", type: 'boolean', default: false })
      .option('json', { describe: 'print one JSON object per packet', type: 'boolean', default: false })
      .option('write', {
        alias: 'w',
        describe: 'write the kept packets, each cut to the length the filter returned, to this file (atomically; - for stdout, the summary then goes to stderr)',
        type: 'string',
      })
      .option('write-format', {
        describe: 'format of the --write file: pcap (one link type) or pcapng (every interface and its timestamp precision); default: pcapng for a .pcapng name, else pcap',
        choices: ['pcap', 'pcapng'] as const,
      })
      .option('trace', { describe: 'trace packet N (1-based) step by step: each instruction and the registers it changed', type: 'number' })
      .option('annotate', { describe: 'with --trace: show the classic instruction each step comes from', type: 'boolean', default: false })
      .option('trace-classic', { describe: 'the same as --trace N --annotate', type: 'number' })
      .option('keep-going', {
        describe: 'on a truncated or corrupt capture, report it and go on with what was read (exit 0); a capture that cannot be read at all is reported and the others go on (exit: its error\'s code)',
        type: 'boolean',
        default: false,
      })
      .option('progress', { describe: 'progress bar on stderr (default: when stderr is a terminal and the capture is over 32 MiB)', type: 'boolean' })
      .example('tcpdump -ddd "tcp port 80" > web.ddd; $0 replay web.ddd trace.pcap', 'how many packets a socket filter keeps, and how fast')
      .example('$0 replay --expr "vlan and tcp port 80" trace.pcapng', 'compile an expression for each interface of the capture, as tcpdump -r does')
      .example('$0 replay web.ddd trace.pcap --results > ours.txt', 'one return value per packet, to diff against libpcap')
      .example('$0 replay web.ddd trace.pcap -w kept.pcap', 'write the packets the filter keeps')
      .example('$0 replay web.ddd day1/*.pcap day2.pcapng --json', 'several captures: one JSON line per packet, naming its capture')
      .example('$0 replay web.ddd trace.pcap --trace-classic 3', 'trace packet 3, with the classic instruction of each step')
      .example('$0 replay proto.ddd trace.pcap --engine classic --semantics libpcap', 'run a protochain filter (Linux refuses it) as libpcap does')
      .example('$0 replay proto.ddd trace.pcap --bounded-loops', 'run the translation of a protochain filter, its loop bounded') as unknown as Argv<ReplayArgs>,
  handler: async (argv) => {
    // This process exists to run one compiled filter in a hot loop: let V8 inline it there.
    if (argv.engine === 'jit') raiseInliningBudget();
    if (argv.results && argv.json) throw new UsageError('--results and --json cannot be used together');
    if (argv.trace !== undefined && argv['trace-classic'] !== undefined) throw new UsageError('--trace and --trace-classic cannot be used together');
    const traceN = argv['trace-classic'] ?? argv.trace;
    const annotate = argv.annotate || argv['trace-classic'] !== undefined;
    if (argv.annotate && argv.trace === undefined) throw new UsageError('--annotate goes with --trace N');
    if (traceN !== undefined && (argv.results || argv.json || argv.write !== undefined)) {
      throw new UsageError('--trace prints one packet; it does not go with --results, --json or --write');
    }
    if ((argv.results || argv.json) && argv.write !== undefined && descriptorAlias(argv.write) === 1) {
      throw new UsageError(`--write ${argv.write} and --results/--json would both use stdout`);
    }
    if (argv['write-format'] !== undefined && argv.write === undefined) throw new UsageError('--write-format goes with --write FILE');
    if (argv.semantics === 'libpcap' && argv.engine !== 'classic') {
      throw new UsageError(`--semantics libpcap needs --engine classic (the ${argv.engine} engine runs the translated program with Linux's semantics)`);
    }
    const loops = loopOptionsFromArgs(argv);
    if (loops.backwardLoops === 'bounded' && argv.engine === 'classic') {
      throw new UsageError('--bounded-loops is a translation: it goes with --engine jit or interp (the classic engine with --semantics libpcap runs the loop itself)');
    }
    // With --expr every positional is a capture.
    const expr = argv.expr;
    const named = [...(argv.filter !== undefined && expr !== undefined ? [argv.filter] : []), ...(argv.capture ?? [])];
    if (expr === undefined && argv.filter === undefined) throw new UsageError('missing FILTER (cbpf2ebpf replay FILTER CAPTURE...)');
    // yargs drops a lone `-` from a variadic positional: alone, it is stdin as before; among
    // other captures it would silently be lost, so it is refused there.
    if (named.length === 0 && stdinOperands(['-w', '--write']) <= (argv.filter === '-' && expr === undefined ? 1 : 0)) {
      throw new UsageError('missing CAPTURE (cbpf2ebpf replay FILTER CAPTURE...)');
    }
    const captures = named.length > 0 ? named : ['-'];
    const stdinFilter = expr === undefined && argv.filter === '-' ? 1 : 0;
    if (stdinOperands(['-w', '--write']) > stdinFilter + captures.filter((c) => c === '-').length) {
      throw new UsageError('stdin (-) can be a capture only when it is the only one; name it /dev/stdin among others');
    }
    if (stdinFilter === 1 && captures.includes('-')) throw new UsageError('FILTER and CAPTURE cannot both be stdin');
    if (captures.filter((c) => c === '-').length > 1) throw new UsageError('stdin (-) can be given as a capture only once');
    if (expr === undefined) for (const c of captures) checkReplayInputs(argv.filter!, c);
    if (traceN !== undefined && captures.length > 1) throw new UsageError('--trace N traces a packet of one capture; give one CAPTURE');

    const link: Partial<LinkOptions> = {
      vlan: argv.vlan,
      len: argv.len,
      mark: integer('mark', argv.mark, 0xffffffff)!,
      hash: integer('hash', argv.hash, 0xffffffff)!,
      queueMapping: integer('queue', argv.queue, 0xffff)!,
      priority: integer('priority', argv.priority, 0xffffffff)!,
      cpu: integer('cpu', argv.cpu, 0xffffffff)!,
    };
    const ifindex = integer('ifindex', argv.ifindex, 0xffffffff);
    if (ifindex !== undefined) link.ifindex = ifindex;
    const pt = pktType(argv.pkttype);
    if (pt !== undefined) link.pktType = pt;

    // An expression is compiled for each interface's link type and snaplen, as tcpdump -r does.
    const prog = expr !== undefined ? { expression: expr } : loadClassicFromArgs(argv, 'cbpf2ebpf replay FILTER CAPTURE...');
    // Workers take a classic program as it is.
    const oneThread = expr !== undefined || loops.backwardLoops === 'bounded';
    // One thread unless asked: workers cost more than they gain on the machines we measured
    // (docs/replay-at-scale.md), and do not yet follow a pipe reader's pace (issue 10).
    const jobs = integer('jobs', argv.jobs, 1024) ?? 1;
    if (jobs < 1) throw new UsageError('--jobs must be an integer from 1 to 1024');
    if (jobs > 1 && oneThread) throw new UsageError('--jobs goes with a FILTER program as it is; --expr and --bounded-loops replay on one thread');
    const parallel = traceN === undefined && jobs > 1 && plan(captures, jobs, argv.json ? 'json' : argv.results ? 'results' : undefined) !== null;
    if (captures.length > 1 || argv['with-filename'] === true || parallel) {
      await replayMany(prog, captures, argv, link, parallel ? jobs : 1, loops);
      return;
    }
    const capture = captures[0]!;
    const out = stdout();
    const text = new ChunkedWriter((chunk) => out.write(chunk));
    // With the packets on stdout, the summary and warnings go to stderr.
    const toStdout = argv.write !== undefined && descriptorAlias(argv.write) === 1;
    const opts: ReplayOptions = {
      engine: argv.engine, semantics: argv.semantics, link, keepGoing: true, backpressure: () => out.backpressure(), ...loops,
    };
    if (argv.write !== undefined) opts.write = toStdout ? out.sink() : argv.write;
    if (argv['write-format'] !== undefined) opts.writeFormat = argv['write-format'];
    if (traceN !== undefined) opts.trace = { packet: traceN, annotate };
    if (argv.results) opts.onPacket = (p: ReplayPacket) => text.push(resultLine(p));
    else if (argv.json) opts.onPacket = (p: ReplayPacket) => text.push(jsonLine(p));

    let bar: ProgressBar | undefined;
    const size = capture === '-' ? undefined : fileSize(capture);
    if (argv.progress ?? wantsProgress(process.stderr, size)) {
      bar = new ProgressBar(process.stderr, size ?? 0);
      opts.onProgress = (bytes, packets) => bar!.update(bytes, packets);
    }

    let result;
    try {
      result = await replay(prog, capture, opts);
    } finally {
      bar?.clear();
    }
    text.flush();
    // A failed -w - must not be followed by a summary that reads like success.
    if (toStdout) await out.end();
    if (result.trace) {
      const t = result.trace;
      const verdict = t.ret === 0 ? 'dropped' : `kept, ${t.kept} byte${t.kept === 1 ? '' : 's'}`;
      out.write(`${t.header}\n${t.lines.join('\n')}\nreturns ${t.ret} (${verdict}) after ${t.steps} instructions\n`);
    } else if (!argv.results && !argv.json) {
      (toStdout ? process.stderr : out).write(formatSummary(result));
    }
    if (result.captureError) {
      // A file that is not a capture at all was not replayed: that is a failure even so.
      if (!argv['keep-going'] || result.linktypes.length === 0) throw result.captureError;
      process.stderr.write(`cbpf2ebpf: warning: ${result.captureError.message} (kept going: ${result.packets} packets read before it)\n`);
    }
  },
};

/** `replay FILTER CAPTURE...`: every capture in turn, a summary line each, then the total. */
async function replayMany(
  prog: ClassicProgram | FilterExpression, captures: string[], argv: ReplayArgs, link: Partial<LinkOptions>, jobs: number,
  loops: ReturnType<typeof loopOptionsFromArgs>,
): Promise<void> {
  const out = stdout();
  const text = new ChunkedWriter((chunk) => out.write(chunk));
  const toStdout = argv.write !== undefined && descriptorAlias(argv.write) === 1;
  const keepGoing = argv['keep-going'];
  const opts: ReplayFilesOptions = {
    engine: argv.engine, semantics: argv.semantics, link, keepGoing, jobs, backpressure: () => out.backpressure(), ...loops,
  };
  if (argv.write !== undefined) opts.write = toStdout ? out.sink() : argv.write;
  if (argv['write-format'] !== undefined) opts.writeFormat = argv['write-format'];
  if (argv.results || argv.json) {
    opts.lines = argv.results ? 'results' : 'json';
    opts.onText = (t) => text.push(t);
    if (argv['with-filename'] !== undefined) opts.fileNames = argv['with-filename'];
  }
  const lines: string[] = [];
  opts.onFile = (f) => {
    if (f.error) {
      const detail = f.result ? ` (kept going: ${f.result.packets} packets read before it)` : ' (kept going with the other captures)';
      process.stderr.write(`cbpf2ebpf: warning: ${f.error.message}${detail}\n`);
    }
    if (captures.length > 1) lines.push(f.result ? formatFileLine(f.path, f.result) : `${f.path}: not replayed: ${f.error?.message ?? 'unknown error'}\n`);
  };
  let bar: ProgressBar | undefined;
  const sizes = captures.map((c) => (c === '-' ? undefined : fileSize(c)));
  const size = sizes.includes(undefined) ? undefined : sizes.reduce((a: number, b) => a + b!, 0);
  if (argv.progress ?? wantsProgress(process.stderr, size)) {
    bar = new ProgressBar(process.stderr, size ?? 0);
    opts.onProgress = (bytes, packets) => bar!.update(bytes, packets);
  }
  let result: ReplayFilesResult;
  try {
    result = await replayFiles(prog, captures, opts);
  } finally {
    bar?.clear();
  }
  text.flush();
  if (toStdout) await out.end();
  if (!argv.results && !argv.json) (toStdout ? process.stderr : out).write(`${lines.join('')}${formatSummary(result.total)}`);
  if (result.failed) {
    const n = result.files.filter((f) => f.result === null).length;
    throw new Cbpf2ebpfError(`${n} of ${captures.length} captures could not be replayed (see the warnings above)`, result.failed.exitCode);
  }
}

function fileSize(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined; // the replay reports an unreadable capture itself
  }
}
