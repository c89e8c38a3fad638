/**
 * `cbpf2ebpf replay FILTER CAPTURE`: runs a classic filter over every packet of a pcap or
 * pcapng capture, as a Linux packet socket with the filter attached would, and prints a
 * summary, one result per packet (--results, --json), writes the kept packets (-w), or
 * traces one packet (--trace N).
 */
import { statSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { quotable } from '../../text.js';
import { raiseInliningBudget } from '../../vm/jit/tune.js';
import { DEFAULT_ENGINE, ENGINE_NAMES, ENGINES, type EngineName } from '../../replay/engine.js';
import { type LoopArgs, loopOptions, loopOptionsFromArgs } from '../loops.js';
import { PACKET_BROADCAST, PACKET_HOST, PACKET_MULTICAST, PACKET_OTHERHOST, PACKET_OUTGOING, type LinkOptions } from '../../replay/link.js';
import { ChunkedWriter, formatSummary, jsonLine, resultLine } from '../../replay/output.js';
import { ProgressBar, wantsProgress } from '../../replay/progress.js';
import { replay, type ReplayOptions, type ReplayPacket } from '../../replay/replay.js';
import { descriptorAlias } from '../../io/output.js';
import { stdout } from '../stdout.js';
import { checkReplayInputs } from '../misplaced.js';
import { type FilterInputArgs, loadClassicFromArgs, withFilterInput } from '../options.js';

interface ReplayArgs extends FilterInputArgs, LoopArgs {
  capture: string;
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
  command: 'replay [filter] [capture]',
  describe: 'run a classic filter over a pcap/pcapng capture as a Linux packet socket would',
  builder: (y) =>
    withFilterInput(y)
      .positional('capture', {
        describe: 'pcap or pcapng file, or - for stdin',
        type: 'string',
        coerce: (v: string) => (v === '' ? '-' : v),
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
      .option('keep-going', { describe: 'on a truncated or corrupt capture, report it and exit 0 with what was read', type: 'boolean', default: false })
      .option('progress', { describe: 'progress bar on stderr (default: when stderr is a terminal and the capture is over 32 MiB)', type: 'boolean' })
      .example('tcpdump -ddd "tcp port 80" > web.ddd; $0 replay web.ddd trace.pcap', 'how many packets a socket filter keeps, and how fast')
      .example('$0 replay --expr "vlan and tcp port 80" trace.pcapng', 'compile an expression for each interface of the capture, as tcpdump -r does')
      .example('$0 replay web.ddd trace.pcap --results > ours.txt', 'one return value per packet, to diff against libpcap')
      .example('$0 replay web.ddd trace.pcap -w kept.pcap', 'write the packets the filter keeps')
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
    // With --expr the one positional is the capture.
    const expr = argv.expr;
    const capture = expr !== undefined && argv.capture === undefined ? argv.filter : argv.capture;
    if (expr !== undefined && argv.capture !== undefined) throw new UsageError('give FILTER or --expr EXPRESSION, not both');
    if (capture === undefined) throw new UsageError(`missing ${expr !== undefined || argv.filter !== undefined ? 'CAPTURE' : 'FILTER'} (cbpf2ebpf replay FILTER CAPTURE)`);
    argv.capture = capture;
    if (expr === undefined) {
      if (argv.filter === '-' && argv.capture === '-') throw new UsageError('FILTER and CAPTURE cannot both be stdin');
      checkReplayInputs(argv.filter, argv.capture);
    }

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
    const prog = expr !== undefined ? { expression: expr } : loadClassicFromArgs(argv, 'cbpf2ebpf replay FILTER CAPTURE');
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
    const size = argv.capture === '-' ? undefined : fileSize(argv.capture);
    if (argv.progress ?? wantsProgress(process.stderr, size)) {
      bar = new ProgressBar(process.stderr, size ?? 0);
      opts.onProgress = (bytes, packets) => bar!.update(bytes, packets);
    }

    let result;
    try {
      result = await replay(prog, argv.capture, opts);
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
      if (!argv['keep-going']) throw result.captureError;
      process.stderr.write(`cbpf2ebpf: warning: ${result.captureError.message} (kept going: ${result.packets} packets read before it)\n`);
    }
  },
};

function fileSize(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined; // the replay reports an unreadable capture itself
  }
}
