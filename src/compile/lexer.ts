/**
 * The words of a filter expression, as libpcap 1.10's scanner cuts them: longest match,
 * keywords before names at equal length, `\name` to use a keyword as a name.
 */
import { CompileError } from '../errors.js';

export type TokenKind =
  | 'ID' | 'HID' | 'HID6' | 'EID' | 'AID' | 'NUM' | 'EOF'
  | 'AND' | 'OR' | 'NOT' | 'GEQ' | 'LEQ' | 'NEQ' | 'LSH' | 'RSH'
  | '+' | '-' | '*' | '/' | '%' | ':' | '[' | ']' | '!' | '<' | '>' | '(' | ')' | '&' | '|' | '^' | '='
  | string; // keywords, by their grammar name (DST, SRC, LINK, ...)

export interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
  /** NUM's value. */
  value: number;
}

/** Keyword spellings and the grammar token each is. */
const KEYWORDS: Record<string, string> = {};
const kw = (kind: string, ...words: string[]): void => {
  for (const w of words) KEYWORDS[w] = kind;
};
kw('DST', 'dst'); kw('SRC', 'src');
kw('LINK', 'link', 'ether', 'ppp', 'slip', 'fddi', 'tr', 'wlan');
kw('ARP', 'arp'); kw('RARP', 'rarp'); kw('IP', 'ip'); kw('SCTP', 'sctp'); kw('TCP', 'tcp'); kw('UDP', 'udp');
kw('ICMP', 'icmp'); kw('IGMP', 'igmp'); kw('IGRP', 'igrp'); kw('PIM', 'pim'); kw('VRRP', 'vrrp'); kw('CARP', 'carp');
kw('RADIO', 'radio'); kw('IPV6', 'ip6'); kw('ICMPV6', 'icmp6'); kw('AH', 'ah'); kw('ESP', 'esp');
kw('ATALK', 'atalk'); kw('AARP', 'aarp'); kw('DECNET', 'decnet'); kw('LAT', 'lat'); kw('SCA', 'sca');
kw('MOPRC', 'moprc'); kw('MOPDL', 'mopdl'); kw('ISO', 'iso'); kw('ESIS', 'esis', 'es-is'); kw('ISIS', 'isis', 'is-is');
kw('L1', 'l1'); kw('L2', 'l2'); kw('IIH', 'iih'); kw('LSP', 'lsp'); kw('SNP', 'snp'); kw('CSNP', 'csnp'); kw('PSNP', 'psnp');
kw('CLNP', 'clnp'); kw('STP', 'stp'); kw('IPX', 'ipx'); kw('NETBEUI', 'netbeui');
kw('HOST', 'host'); kw('NET', 'net'); kw('NETMASK', 'mask'); kw('PORT', 'port'); kw('PORTRANGE', 'portrange');
kw('PROTO', 'proto'); kw('PROTOCHAIN', 'protochain'); kw('GATEWAY', 'gateway');
kw('TYPE', 'type'); kw('SUBTYPE', 'subtype'); kw('DIR', 'direction', 'dir');
kw('ADDR1', 'address1', 'addr1'); kw('ADDR2', 'address2', 'addr2'); kw('ADDR3', 'address3', 'addr3'); kw('ADDR4', 'address4', 'addr4');
kw('RA', 'ra'); kw('TA', 'ta');
kw('LESS', 'less'); kw('GREATER', 'greater'); kw('CBYTE', 'byte');
kw('TK_BROADCAST', 'broadcast'); kw('TK_MULTICAST', 'multicast');
kw('AND', 'and'); kw('OR', 'or'); kw('NOT', 'not'); kw('LEN', 'len', 'length');
kw('INBOUND', 'inbound'); kw('OUTBOUND', 'outbound'); kw('IFINDEX', 'ifindex');
kw('VLAN', 'vlan'); kw('MPLS', 'mpls'); kw('PPPOED', 'pppoed'); kw('PPPOES', 'pppoes'); kw('GENEVE', 'geneve');
kw('LANE', 'lane'); kw('LLC', 'llc'); kw('METAC', 'metac'); kw('BCC', 'bcc'); kw('OAM', 'oam'); kw('OAMF4', 'oamf4');
kw('OAMF4EC', 'oamf4ec'); kw('OAMF4SC', 'oamf4sc'); kw('SC', 'sc'); kw('ILMIC', 'ilmic'); kw('VPI', 'vpi'); kw('VCI', 'vci');
kw('CONNECTMSG', 'connectmsg'); kw('METACONNECT', 'metaconnect');
kw('PF_IFNAME', 'on', 'ifname'); kw('PF_RSET', 'rset', 'ruleset'); kw('PF_RNR', 'rnr', 'rulenum');
kw('PF_SRNR', 'srnr', 'subrulenum'); kw('PF_REASON', 'reason'); kw('PF_ACTION', 'action');
kw('FISU', 'fisu'); kw('LSSU', 'lssu', 'lsu'); kw('MSU', 'msu'); kw('HFISU', 'hfisu'); kw('HLSSU', 'hlssu'); kw('HMSU', 'hmsu');
kw('SIO', 'sio'); kw('OPC', 'opc'); kw('DPC', 'dpc'); kw('SLS', 'sls');
kw('HSIO', 'hsio'); kw('HOPC', 'hopc'); kw('HDPC', 'hdpc'); kw('HSLS', 'hsls');

/** Names the scanner turns into numbers (the tcpflags, icmptype and icmp6type fields and values). */
const NUMBER_WORDS: Record<string, number> = {
  icmptype: 0, icmpcode: 1, 'icmp-echoreply': 0, 'icmp-unreach': 3, 'icmp-sourcequench': 4, 'icmp-redirect': 5,
  'icmp-echo': 8, 'icmp-routeradvert': 9, 'icmp-routersolicit': 10, 'icmp-timxceed': 11, 'icmp-paramprob': 12,
  'icmp-tstamp': 13, 'icmp-tstampreply': 14, 'icmp-ireq': 15, 'icmp-ireqreply': 16, 'icmp-maskreq': 17, 'icmp-maskreply': 18,
  icmp6type: 0, icmp6code: 1, 'icmp6-destinationunreach': 1, 'icmp6-packettoobig': 2, 'icmp6-timeexceeded': 3,
  'icmp6-parameterproblem': 4, 'icmp6-echo': 128, 'icmp6-echoreply': 129, 'icmp6-multicastlistenerquery': 130,
  'icmp6-multicastlistenerreportv1': 131, 'icmp6-multicastlistenerdone': 132, 'icmp6-routersolicit': 133,
  'icmp6-routeradvert': 134, 'icmp6-neighborsolicit': 135, 'icmp6-neighboradvert': 136, 'icmp6-redirect': 137,
  'icmp6-routerrenum': 138, 'icmp6-nodeinformationquery': 139, 'icmp6-nodeinformationresponse': 140,
  'icmp6-ineighbordiscoverysolicit': 141, 'icmp6-ineighbordiscoveryadvert': 142, 'icmp6-multicastlistenerreportv2': 143,
  'icmp6-homeagentdiscoveryrequest': 144, 'icmp6-homeagentdiscoveryreply': 145, 'icmp6-mobileprefixsolicit': 146,
  'icmp6-mobileprefixadvert': 147, 'icmp6-certpathsolicit': 148, 'icmp6-certpathadvert': 149,
  'icmp6-multicastrouteradvert': 151, 'icmp6-multicastroutersolicit': 152, 'icmp6-multicastrouterterm': 153,
  tcpflags: 13, 'tcp-fin': 0x01, 'tcp-syn': 0x02, 'tcp-rst': 0x04, 'tcp-push': 0x08, 'tcp-ack': 0x10, 'tcp-urg': 0x20,
  'tcp-ece': 0x40, 'tcp-cwr': 0x80,
};

const B = '[0-9A-Fa-f][0-9A-Fa-f]?';
const B2 = '[0-9A-Fa-f]{4}';
const N = '(?:0[xX][0-9A-Fa-f]+|[0-9]+)';
/** Each pattern anchored at the current position (sticky); the longest match wins, then the earliest. */
const PATTERNS: Array<[string, RegExp]> = [
  ['MAC', new RegExp(`(?:${B}:${B}:${B}:${B}:${B}:${B}|${B}-${B}-${B}-${B}-${B}-${B}|${B}\\.${B}\\.${B}\\.${B}\\.${B}\\.${B}|${B2}\\.${B2}\\.${B2}|${B2}${B2}${B2})`, 'y')],
  ['NUM', new RegExp(N, 'y')],
  ['HID', new RegExp(`${N}\\.${N}(?:\\.${N}(?:\\.${N})?)?`, 'y')],
  ['HID6', /[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*/y],
  ['BOGUS', new RegExp(`${B}:+(?:${B}:+)+`, 'y')],
  ['ID', /[A-Za-z0-9](?:[-_.A-Za-z0-9]*[.A-Za-z0-9])?/y],
  ['ESCAPED', /\\[^ !()\n\t]+/y],
];
const OPERATORS: Array<[string, TokenKind]> = [
  ['>=', 'GEQ'], ['<=', 'LEQ'], ['!=', 'NEQ'], ['==', '='], ['<<', 'LSH'], ['>>', 'RSH'], ['&&', 'AND'], ['||', 'OR'],
];
const SINGLE = '+-*/%:[]!<>()&|^=';

/** libpcap's stoulen: hex with 0x, octal with a leading 0, else decimal; 32 bits at most. */
function parseNumber(text: string, fail: (m: string) => never): number {
  let v = 0;
  let base = 10;
  let digits = text;
  if (/^0[xX]/.test(text)) {
    base = 16;
    digits = text.slice(2);
  } else if (text.length > 1 && text[0] === '0') {
    base = 8;
    digits = text.slice(1);
  }
  for (const c of digits) {
    const d = parseInt(c, 16);
    if (base === 8 && d > 7) fail(`number ${text} contains non-octal digit`);
    if (base === 10 && d > 9) fail(`number ${text} contains non-decimal digit`);
    v = v * base + d;
    if (v > 0xffffffff) fail(`number ${text} overflows 32 bits`);
  }
  return v;
}

function isIPv6(text: string): boolean {
  let t = text;
  const v4 = /(?:^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  let groups = 8;
  if (v4) {
    if (!v4[1]!.split('.').every((p) => Number(p) <= 255)) return false;
    t = t.slice(0, t.length - v4[1]!.length) + (t.endsWith(`:${v4[1]}`) ? '0' : '');
    groups = 7;
    if (t === '') return false;
    t = t.replace(/:0$/, ':0');
  }
  const halves = t.split('::');
  if (halves.length > 2) return false;
  const parts = (h: string): string[] | null => (h === '' ? [] : h.split(':'));
  const a = parts(halves[0]!);
  const b = halves.length === 2 ? parts(halves[1]!) : [];
  if (!a || !b) return false;
  for (const p of [...a, ...b]) if (!/^[0-9A-Fa-f]{1,4}$/.test(p)) return false;
  const n = a.length + b.length;
  return halves.length === 2 ? n < groups + (v4 ? 1 : 0) : n === groups + (v4 ? 1 : 0);
}

export function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  const fail = (detail: string, at: number, word: string): never => {
    throw new CompileError(detail, expression, at, word);
  };
  while (pos < expression.length) {
    const c = expression[pos]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      pos++;
      continue;
    }
    // Longest of: keyword/ID, numbers, addresses, operators.
    let best = '';
    let kind = '';
    for (const [k, re] of PATTERNS) {
      re.lastIndex = pos;
      const m = re.exec(expression);
      if (!m || m[0].length === 0) continue;
      let text = m[0];
      if (k === 'HID6') {
        // The scanner's V6 pattern: only a well-formed address (the longest such prefix).
        while (text.length && !isIPv6(text)) text = text.slice(0, -1);
        if (!text) continue;
      }
      if (text.length > best.length) {
        best = text;
        kind = k;
      }
    }
    for (const [op, k] of OPERATORS) {
      if (expression.startsWith(op, pos) && op.length > best.length) {
        best = op;
        kind = k;
      }
    }
    if (!best && SINGLE.includes(c)) {
      best = c;
      kind = c;
    }
    // libpcap's scanner returns an error token for anything else, which the parser refuses.
    if (!best) fail('syntax error in filter expression', pos, c);
    const start = pos;
    pos += best.length;
    const push = (k: TokenKind, text: string, value = 0): void => {
      tokens.push({ kind: k, text, pos: start, value });
    };
    switch (kind) {
      case 'MAC': push('EID', best); break;
      case 'NUM': push('NUM', best, parseNumber(best, (m) => fail(m, start, best))); break;
      case 'HID': push('HID', best); break;
      case 'HID6': push('HID6', best); break;
      case 'BOGUS': fail(`bogus ethernet address ${best}`, start, best); break;
      case 'ID': {
        const k = KEYWORDS[best];
        if (k) push(k, best);
        else if (best in NUMBER_WORDS) push('NUM', best, NUMBER_WORDS[best]!);
        else push('ID', best);
        break;
      }
      case 'ESCAPED': push('ID', best.slice(1)); break;
      default: push(kind, best);
    }
  }
  tokens.push({ kind: 'EOF', text: '', pos: expression.length, value: 0 });
  return tokens;
}
