/**
 * libpcap 1.10's grammar, by recursive descent. Parsing yields a tree of deferred code
 * generation steps that run in the order yacc's reductions would, so registers and blocks
 * come out as libpcap allocates them. Qualifiers flow as yacc's `$<blk>0` makes them flow:
 * each `and`/`or`/`not`/`(` hands the qualifiers in force to what follows (`host a or b`).
 */
import { CompileError } from '../errors.js';
import type { Block } from './blocks.js';
import type { Arth, CodeGen } from './gen.js';
import { tokenize, type Token } from './lexer.js';
import { ADDR_OF_TOKEN, DIR_OF_TOKEN, PROTO_OF_TOKEN, QERR, type Addr, type Dir, type Proto, type Qual } from './qual.js';
import { BPF_ADD, BPF_AND, BPF_DIV, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_LSH, BPF_MOD, BPF_MUL, BPF_OR, BPF_RSH, BPF_SUB, BPF_XOR } from '../abi/opcodes.js';

export type BlockStep = (g: CodeGen) => Block;
export type ArthStep = (g: CodeGen) => Arth;
interface Parsed {
  gen: BlockStep;
  q: Qual;
}

class Fail extends Error {}

const BINOPS: Record<string, [number, number]> = {
  '|': [1, BPF_OR], '^': [1, BPF_XOR], '&': [2, BPF_AND], LSH: [3, BPF_LSH], RSH: [3, BPF_RSH],
  '+': [4, BPF_ADD], '-': [4, BPF_SUB], '*': [5, BPF_MUL], '/': [5, BPF_DIV], '%': [5, BPF_MOD],
};
const RELOPS: Record<string, [number, boolean]> = {
  '>': [BPF_JGT, false], GEQ: [BPF_JGE, false], '=': [BPF_JEQ, false],
  LEQ: [BPF_JGT, true], '<': [BPF_JGE, true], NEQ: [BPF_JEQ, true],
};

/** Parses an expression; null for the empty expression (which accepts every packet). */
export function parseFilter(expression: string): BlockStep | null {
  const toks = tokenize(expression);
  let i = 0;
  let furthest = 0;
  const peek = (n = 0): Token => toks[Math.min(i + n, toks.length - 1)]!;
  const fail = (): never => {
    furthest = Math.max(furthest, i);
    throw new Fail();
  };
  const expect = (kind: string): Token => {
    if (peek().kind !== kind) fail();
    return toks[i++]!;
  };
  const accept = (kind: string): Token | undefined => (peek().kind === kind ? toks[i++] : undefined);
  /** Tries alternatives in order, rewinding after each failure. */
  const attempt = <T>(...alts: Array<() => T>): T => {
    const start = i;
    for (const alt of alts) {
      try {
        return alt();
      } catch (e) {
        if (!(e instanceof Fail)) throw e;
        i = start;
      }
    }
    return fail();
  };

  const isPname = (t: Token): boolean => t.kind in PROTO_OF_TOKEN;

  function expr(ctx: Qual): Parsed {
    let left = term(ctx);
    for (;;) {
      const op = peek().kind;
      if (op !== 'AND' && op !== 'OR') return left;
      i++;
      const lq = left.q;
      const right = attempt(() => term(lq), () => id(lq));
      const a = left.gen;
      const b = right.gen;
      left = { gen: op === 'AND' ? (g) => g.and(a(g), b(g)) : (g) => g.or(a(g), b(g)), q: right.q };
    }
  }

  function term(ctx: Qual): Parsed {
    if (peek().kind === 'NOT' || peek().kind === '!') {
      i++;
      const inner = term(ctx);
      const a = inner.gen;
      return { gen: (g) => g.not(a(g)), q: inner.q };
    }
    return rterm(ctx);
  }

  function rterm(ctx: Qual): Parsed {
    const t = peek();
    if (t.kind === '(') {
      return attempt(
        () => {
          i++;
          const e = expr(ctx);
          expect(')');
          return { gen: e.gen, q: ctx };
        },
        () => relation(),
      );
    }
    if (isPname(t) || t.kind in DIR_OF_TOKEN || t.kind in ADDR_OF_TOKEN || t.kind === 'PROTO' || t.kind === 'PROTOCHAIN' || t.kind === 'GATEWAY') {
      const h = head();
      if (h) return id(h);
    }
    if (isPname(t)) {
      const next = peek(1).kind;
      if (next === '[') return relation();
      if (next === 'TK_BROADCAST' || next === 'TK_MULTICAST' || next === 'TYPE' || next === 'SUBTYPE' || next === 'DIR') return { gen: other(), q: QERR };
      i++;
      const proto = PROTO_OF_TOKEN[t.kind]!;
      return { gen: (g) => g.at(t).protoAbbrev(proto), q: QERR };
    }
    if (t.kind === 'NUM' || t.kind === '-' || t.kind === 'LEN') return relation();
    return { gen: other(), q: QERR };
  }

  /** `head`: [pname] then a direction and/or an address type, or proto/protochain/gateway; null if none follows. */
  function head(): Qual | null {
    const start = i;
    let proto: Proto = 'default';
    if (isPname(peek())) proto = PROTO_OF_TOKEN[toks[i++]!.kind]!;
    let dir: Dir = 'default';
    let addr: Addr = 'default';
    const t = peek();
    if (t.kind === 'PROTO' || t.kind === 'PROTOCHAIN' || t.kind === 'GATEWAY') {
      i++;
      return { proto, dir, addr: t.kind === 'PROTO' ? 'proto' : t.kind === 'PROTOCHAIN' ? 'protochain' : 'gateway' };
    }
    if (t.kind in DIR_OF_TOKEN) {
      i++;
      dir = DIR_OF_TOKEN[t.kind]!;
      if ((t.kind === 'SRC' || t.kind === 'DST') && (peek().kind === 'OR' || peek().kind === 'AND')) {
        const other = t.kind === 'SRC' ? 'DST' : 'SRC';
        if (peek(1).kind === other) {
          dir = peek().kind === 'OR' ? 'or' : 'and';
          i += 2;
        }
      }
    }
    if (peek().kind in ADDR_OF_TOKEN) addr = ADDR_OF_TOKEN[toks[i++]!.kind]!;
    if (dir === 'default' && addr === 'default') {
      i = start;
      return null;
    }
    return { proto, dir, addr };
  }

  /** `id`: a name, number or address the qualifiers in force apply to. */
  function id(ctx: Qual): Parsed {
    const t = peek();
    if (t.kind === 'NUM' || t.kind === '(') {
      return attempt(
        () => {
          const v = pnum();
          return { gen: (g: CodeGen) => g.at(t).ncode(null, v, ctx), q: ctx };
        },
        () => {
          expect('(');
          const p = pid(ctx);
          expect(')');
          return p;
        },
      );
    }
    return nid(ctx);
  }

  function pid(ctx: Qual): Parsed {
    let left: Parsed;
    if (peek().kind === 'NUM' || (peek().kind === '(' && attemptsPnum())) {
      const t = peek();
      const v = pnum();
      left = { gen: (g) => g.at(t).ncode(null, v, ctx), q: ctx };
      if (peek().kind !== 'AND' && peek().kind !== 'OR') fail();
    } else left = nid(ctx);
    for (;;) {
      const op = peek().kind;
      if (op !== 'AND' && op !== 'OR') return left;
      i++;
      const right = id(ctx);
      const a = left.gen;
      const b = right.gen;
      left = { gen: op === 'AND' ? (g) => g.and(a(g), b(g)) : (g) => g.or(a(g), b(g)), q: ctx };
    }
  }

  function attemptsPnum(): boolean {
    const start = i;
    try {
      pnum();
      return true;
    } catch (e) {
      if (!(e instanceof Fail)) throw e;
      return false;
    } finally {
      i = start;
    }
  }

  function nid(ctx: Qual): Parsed {
    const t = peek();
    switch (t.kind) {
      case 'ID':
        i++;
        return { gen: (g) => g.at(t).scode(t.text, ctx), q: ctx };
      case 'HID': {
        i++;
        if (accept('/')) {
          const n = expect('NUM');
          return { gen: (g) => g.at(t).mcode(t.text, null, n.value, ctx), q: ctx };
        }
        if (accept('NETMASK')) {
          const m = expect('HID');
          return { gen: (g) => g.at(t).mcode(t.text, m.text, 0, ctx), q: ctx };
        }
        return { gen: (g) => g.at(t).hid(t.text, ctx), q: ctx };
      }
      case 'HID6': {
        i++;
        if (accept('/')) {
          const n = expect('NUM');
          return { gen: (g) => g.at(t).mcode6(t.text, n.value, ctx), q: ctx };
        }
        return { gen: (g) => g.at(t).mcode6(t.text, 128, ctx), q: ctx };
      }
      case 'EID':
        i++;
        return { gen: (g) => g.at(t).ecode(t.text, ctx), q: ctx };
      case 'NOT': case '!': {
        i++;
        const inner = id(ctx);
        const a = inner.gen;
        return { gen: (g) => g.not(a(g)), q: inner.q };
      }
      default:
        return fail();
    }
  }

  function pnum(): number {
    if (accept('(')) {
      const v = pnum();
      expect(')');
      return v;
    }
    return expect('NUM').value;
  }

  function relation(): Parsed {
    const a0 = arth(0);
    const op = peek();
    const rel = RELOPS[op.kind];
    if (!rel) fail();
    i++;
    const a1 = arth(0);
    const [code, reversed] = rel!;
    return { gen: (g) => g.at(op).relation(code, a0(g), a1(g), reversed), q: QERR };
  }

  function arth(minPrec: number): ArthStep {
    let left = arthPrimary();
    for (;;) {
      const op = peek();
      const b = BINOPS[op.kind];
      // '^' has no precedence in libpcap's grammar, so yacc always shifts it: it takes the
      // operand just before it, and everything after it (`a * b ^ c | d` is a * (b ^ (c | d))).
      const xor = op.kind === '^';
      if (!b || (!xor && b[0] <= minPrec)) return left;
      i++;
      const right = arth(xor ? 0 : b[0]);
      const l = left;
      const code = b[1];
      left = (g) => {
        const x = l(g);
        const y = right(g);
        return g.at(op).arth(code, x, y);
      };
    }
  }

  function arthPrimary(): ArthStep {
    const t = peek();
    if (t.kind === 'NUM') {
      i++;
      return (g) => g.loadi(t.value);
    }
    if (t.kind === '-') {
      i++;
      const a = arth(6);
      return (g) => g.neg(a(g));
    }
    if (t.kind === 'LEN') {
      i++;
      return (g) => g.loadlen();
    }
    if (t.kind === '(') {
      i++;
      const a = arth(0);
      expect(')');
      return a;
    }
    if (isPname(t) && peek(1).kind === '[') {
      i += 2;
      const index = arth(0);
      let size = 1;
      let sizeTok = t;
      if (accept(':')) {
        sizeTok = expect('NUM');
        size = sizeTok.value;
      }
      expect(']');
      const proto = PROTO_OF_TOKEN[t.kind]!;
      return (g) => {
        const a = index(g);
        return g.at(sizeTok).load(proto, a, size);
      };
    }
    return fail();
  }

  /** The primitives that are neither a qualified id, a protocol name nor a comparison. */
  function other(): BlockStep {
    const t = peek();
    let proto: Proto = 'default';
    if (isPname(t)) {
      proto = PROTO_OF_TOKEN[t.kind]!;
      i++;
    }
    const k = toks[i++]!;
    const optNum = (): number | null => (peek().kind === 'NUM' || (peek().kind === '(' && attemptsPnum()) ? pnum() : null);
    switch (k.kind) {
      case 'TK_BROADCAST': return (g) => g.at(k).broadcast(proto);
      case 'TK_MULTICAST': return (g) => g.at(k).multicast(proto);
      case 'TYPE': case 'SUBTYPE': case 'DIR': {
        const a = toks[i++]!;
        if (a.kind !== 'NUM' && a.kind !== 'ID') fail();
        if (k.kind === 'TYPE' && peek().kind === 'SUBTYPE') {
          i++;
          const b = toks[i++]!;
          if (b.kind !== 'NUM' && b.kind !== 'ID') fail();
          return (g) => g.at(k).p80211TypeSubtype(a, b);
        }
        return (g) => g.at(k).p80211(k.kind, a);
      }
    }
    if (proto !== 'default') fail();
    switch (k.kind) {
      case 'LESS': { const n = expect('NUM'); return (g) => g.at(k).less(n.value); }
      case 'GREATER': { const n = expect('NUM'); return (g) => g.at(k).greater(n.value); }
      case 'CBYTE': {
        const idx = expect('NUM');
        const op = toks[i++]!;
        if (!['&', '|', '<', '>', '='].includes(op.kind)) {
          i--;
          fail();
        }
        const v = expect('NUM');
        return (g) => g.at(k).byteop(op.kind, idx.value, v.value);
      }
      case 'INBOUND': return (g) => g.at(k).inbound(false);
      case 'OUTBOUND': return (g) => g.at(k).inbound(true);
      case 'IFINDEX': { const n = expect('NUM'); return (g) => g.at(k).ifindex(n.value); }
      case 'VLAN': { const n = optNum(); return (g) => g.at(k).vlan(n); }
      case 'MPLS': { const n = optNum(); return (g) => g.at(k).mpls(n); }
      case 'PPPOED': return (g) => g.at(k).pppoed();
      case 'PPPOES': { const n = optNum(); return (g) => g.at(k).pppoes(n); }
      case 'GENEVE': { const n = optNum(); return (g) => g.at(k).geneve(n); }
      case 'LLC': {
        const n = peek();
        if (n.kind === 'ID' || n.kind === 'PF_RNR') {
          i++;
          return (g) => g.at(n).llc(n.kind === 'PF_RNR' ? 'rnr' : n.text);
        }
        return (g) => g.at(k).llc(null);
      }
      case 'PF_IFNAME': case 'PF_RSET': {
        const n = expect('ID');
        return (g) => g.at(n).pfString(k.kind, n.text);
      }
      case 'PF_RNR': case 'PF_SRNR': {
        const n = expect('NUM');
        return (g) => g.at(n).pfNumber(k.kind, n.value);
      }
      case 'PF_REASON': case 'PF_ACTION': {
        const n = toks[i++]!;
        if (n.kind !== 'NUM' && n.kind !== 'ID') fail();
        return (g) => g.at(n).pfNamed(k.kind, n);
      }
    }
    i--;
    return fail();
  }

  try {
    if (peek().kind === 'EOF') return null;
    const e = expr(QERR);
    if (peek().kind !== 'EOF') fail();
    return e.gen;
  } catch (e) {
    if (!(e instanceof Fail)) throw e;
    const t = toks[Math.min(furthest, toks.length - 1)]!;
    throw new CompileError('syntax error in filter expression', expression, t.pos, t.text);
  }
}
