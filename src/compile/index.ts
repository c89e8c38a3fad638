/**
 * The pcap-filter compiler: an expression in libpcap 1.10's language to a classic program,
 * as `pcap_compile` makes it. With `optimize: false` the program is the one `tcpdump -O -d`
 * prints for the same link type and snaplen.
 */
import { checkOptions, checkString, optBoolean, optInteger } from '../args.js';
import { CompileError } from '../errors.js';
import type { ClassicInsn } from '../classic/insn.js';
import { linktypeByName, linktypeName } from '../capture/linktype.js';
import { Block, finish } from './blocks.js';
import { BPF_K, BPF_RET } from '../abi/opcodes.js';
import { CodeGen } from './gen.js';
import { linearize } from './linearize.js';
import { compilableLinktypes, linkLayout } from './link.js';
import { optimizeClassic } from './optimize/index.js';
import { parseFilter } from './parser.js';

export interface CompileOptions {
  /** LINKTYPE_* value, or its name (`EN10MB`, `LINUX_SLL`); default EN10MB. */
  linktype?: number | string;
  /** The snapshot length accepted packets return; default 262144. */
  snaplen?: number;
  /** Run the optimizer (default true), as libpcap does unless told `-O`. */
  optimize?: boolean;
  /** The IPv4 netmask `ip broadcast` uses; default 0, as tcpdump passes without a capture device. */
  netmask?: number;
}

export const DEFAULT_SNAPLEN = 262144;

/** Compiles a pcap-filter expression; refuses what libpcap refuses with a CompileError. */
export function compileFilter(expression: string, opts: CompileOptions = {}): ClassicInsn[] {
  const fn = 'compileFilter';
  checkString(fn, 'expression', expression);
  const o = checkOptions(fn, 'opts', opts);
  let linktype = 1;
  if (typeof o.linktype === 'string') {
    const v = linktypeByName(o.linktype);
    if (v === undefined) throw new CompileError(`unknown link type '${o.linktype}'`, expression, -1);
    linktype = v;
  } else if (o.linktype !== undefined) linktype = optInteger(fn, 'opts.linktype', o.linktype, 0, 0xffffffff, 1);
  const snaplen = optInteger(fn, 'opts.snaplen', o.snaplen, 0, 0xffffffff, DEFAULT_SNAPLEN);
  const netmask = optInteger(fn, 'opts.netmask', o.netmask, 0, 0xffffffff, 0);
  const optimize = optBoolean(fn, 'opts.optimize', o.optimize) ?? true;
  if (snaplen === 0) throw new CompileError('snaplen of 0 rejects all packets', expression, -1);
  const layout = linkLayout(linktype);
  if (!layout) {
    const known = compilableLinktypes().map((t) => linktypeName(t)).filter((n) => !n.startsWith('LINKTYPE_'));
    throw new CompileError(`the compiler does not know link type ${linktypeName(linktype)} (it knows ${[...new Set(known)].join(', ')})`, expression, -1);
  }
  const step = parseFilter(expression);
  let root: Block;
  let noOptimize = false;
  if (step === null) root = new Block(BPF_RET | BPF_K, snaplen);
  else {
    const g = new CodeGen(layout, netmask, expression);
    const b = step(g);
    noOptimize = g.noOptimize;
    root = finish(b, new Block(BPF_RET | BPF_K, snaplen), new Block(BPF_RET | BPF_K, 0));
  }
  const prog = linearize(root);
  // libpcap does not optimize a program with protochain's loop.
  return optimize && !noOptimize ? optimizeClassic(prog) : prog;
}
