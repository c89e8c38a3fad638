#!/usr/bin/env node
/**
 * Records the optimizer goldens from the installed tcpdump/libpcap: for every expression and
 * link type below, libpcap's unoptimized program (`tcpdump -O -ddd`, the optimizer's input in
 * the tests) and libpcap's optimized one (`tcpdump -ddd`, the length to beat and a third
 * verdict to compare). Writes fixtures/compile/opt-goldens.json; an expression libpcap refuses
 * for a link type is left out (and listed on stderr), so the file only changes with this list.
 *
 * Usage: node test/compile/make-opt-goldens.mjs      (needs tcpdump; no host names, no network)
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';

const SNAPLEN = 262144;

const COMMON = [
  'ip', 'ip6', 'tcp', 'udp', 'icmp', 'icmp6', 'sctp',
  'host 192.168.1.1', 'src host 10.0.0.1', 'dst host 10.0.0.2', 'host 10.0.0.1 or host 10.0.0.2',
  'host 10.0.0.1 and host 10.0.0.2', 'src 10.1.1.1 and dst 10.2.2.2', 'not host 10.0.0.1',
  'net 192.168.0.0/16', 'src net 10.0.0.0 mask 255.0.0.0', 'dst net 172.16.0.0/12', 'net 10.0.0.0/8 or net 192.168.0.0/16',
  'ip6 host 2001:db8::1', 'ip6 net 2001:db8::/32', 'src host 2001:db8::1 and dst host 2001:db8::2', 'ip6 dst net fe80::/10',
  'port 53', 'tcp port 80', 'udp port 53', 'tcp src port 443', 'udp dst port 67 or udp dst port 68', 'dst port 67 or dst port 68',
  'port 80 or port 443 or port 8080', 'tcp port 22 and not src net 10.0.0.0/8', 'not port 22', 'port 53 and not udp',
  'portrange 6000-6010', 'tcp portrange 1-1023', 'udp portrange 1000-2000', 'src portrange 1024-65535 and tcp',
  'tcp port 80 and host 10.0.0.1', 'tcp and (port 80 or port 443) and not host 10.0.0.1',
  'host 10.0.0.1 and (tcp port 80 or udp port 53)', 'ip6 and tcp dst port 22', 'ip6 and udp port 546',
  'tcp[tcpflags] & tcp-syn != 0', 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn', 'tcp[tcpflags] == tcp-rst',
  'tcp[tcpflags] & (tcp-fin|tcp-rst) != 0', 'tcp[13] & 2 != 0', 'tcp[13] = 18', 'tcp[12:1] & 0xf0 > 0x50',
  'tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420', 'udp[8:2] = 0x1234', 'udp[4:2] > 512',
  'icmp[icmptype] == icmp-echo', 'icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply', 'icmp[0] = 3 and icmp[1] = 4',
  'icmp6[icmp6type] == icmp6-echo', 'icmp6 and ip6[40] = 135', 'ip6[6] = 58',
  'ip[2:2] - 20 > 100', 'ip[2:2] > 576', 'ip[0] & 0xf != 5', 'ip[6:2] & 0x1fff = 0', 'ip[8] < 5', 'ip[1] & 0xfc = 0xb8',
  'ip[2:2] * 2 + 1 >= 1000', 'ip[2:2] / 4 = 10', 'ip[2:2] % 7 = 3', 'ip[9] ^ 6 = 0', 'ip[9] | 1 = 7', 'ip[2:2] << 1 > 3000',
  'ip[2:2] >> 2 < 10', '-ip[8] = 0xffffff00', 'ip[0:4] & 0xff = 0', 'ip[12:4] = ip[16:4]', 'ip[16] = 224',
  'len > 100', 'len < 60', 'less 100', 'greater 1000', 'len = 60 or len = 64', 'len - 14 > 1500',
  'ip proto 47', 'ip proto 50 or ip proto 51', 'ip6 proto 17', 'ip proto \\tcp', 'proto \\udp',
  'ip broadcast', 'ip multicast', 'ip6 multicast', 'ip and not ip multicast',
  'tcp or udp', 'tcp and udp', 'not tcp', 'not (tcp or udp)', 'ip and not tcp and not udp and not icmp',
  '(tcp or udp) and port 53', 'tcp port 80 or tcp port 8080 or udp port 53 or icmp',
  'host 10.0.0.1 and not (port 22 or port 23)', 'ip and (ip[9] = 6 or ip[9] = 17) and ip[2:2] > 40',
  'tcp dst port 80 and (tcp[tcpflags] & tcp-syn) != 0', 'ip6 and (tcp or udp) and port 53',
  'not ip and not ip6', 'ip or ip6 or arp', 'tcp port 80 and tcp port 80', 'port 53 or port 53',
  'tcp src port 80 or tcp dst port 80', 'src host 10.0.0.1 or dst host 10.0.0.1',
  'udp port 53 and udp[10] & 0x80 = 0', 'tcp and tcp[20] = 0x16', 'ip[2:2] = 0 or ip[2:2] = 1',
  'ip[9] = 1 and ip[20] = 8 and ip[21] = 0', 'ip6 and ip6[6] = 6 and ip6[53] & 2 != 0',
];

const ETHER_ONLY = [
  'arp', 'rarp', 'ether proto \\arp', 'ether proto 0x88cc', 'ether host 01:02:03:04:05:06',
  'ether src 00:11:22:33:44:55', 'ether dst ff:ff:ff:ff:ff:ff', 'ether broadcast', 'ether multicast',
  'ether host 01:02:03:04:05:06 or ether broadcast', 'ether[0] & 1 != 0', 'ether[12:2] = 0x0800', 'arp and host 10.0.0.1',
  'arp or rarp', 'not arp and not ip', 'broadcast', 'multicast', 'ip and ether multicast',
  'vlan', 'vlan 100', 'vlan and tcp port 80', 'vlan 100 and ip', 'vlan and vlan', 'vlan 10 and vlan 20',
  'vlan and host 10.0.0.1', 'vlan or ip', 'ip or vlan', 'not vlan', 'vlan and ip6 and udp',
  'mpls', 'mpls 100', 'mpls 100 and ip', 'mpls and mpls 200', 'mpls and tcp port 80', 'mpls or ip',
  'pppoed', 'pppoes', 'pppoes 0x27', 'pppoes and ip', 'pppoes and tcp port 80',
  'stp', 'llc', 'ipx', 'decnet', 'atalk', 'iso', 'netbeui', 'ether proto 0x8100', 'ether[14] = 0x45',
  'ether src 00:11:22:33:44:55 and tcp', 'ether host 00:11:22:33:44:55 and not port 22',
  'geneve', 'geneve and ip', 'geneve 10', 'udp port 4789',
  'gateway 10.0.0.1', 'ip6 and ether multicast', 'tcp and vlan',
  'ip host 10.0.0.1 and (arp or ip)', 'ether proto 0x86dd and ip6[6] = 17',
];

// Long programs: jumps past jt/jf's 255 go through `ja`, in libpcap's output and in ours.
const LONG = [
  Array.from({ length: 40 }, (_, i) => `net 10.${i + 1}.0.0/16`).join(' or '),
  Array.from({ length: 30 }, (_, i) => `host 10.0.0.${i + 1}`).join(' or '),
  Array.from({ length: 20 }, (_, i) => `not host 10.0.0.${i + 1}`).join(' and '),
  Array.from({ length: 20 }, (_, i) => `net 10.${i + 1}.0.0/16`).join(' or ') + ' or ip6 net 2001:db8::/32',
];

const LINKTYPES = {
  EN10MB: [...COMMON, ...ETHER_ONLY, ...LONG],
  LINUX_SLL: [...COMMON.slice(0, 40), 'arp', 'vlan', 'inbound', 'outbound', 'inbound and tcp', 'not outbound and udp port 53'],
  LINUX_SLL2: [...COMMON.slice(0, 30), 'arp', 'inbound', 'outbound', 'ifindex 2', 'ifindex 3 and tcp'],
  RAW: COMMON.slice(0, 50),
  NULL: COMMON.slice(0, 30),
  LOOP: COMMON.slice(0, 12),
  IPV4: COMMON.slice(0, 20),
  IPV6: COMMON.slice(0, 20),
  PPP: [...COMMON.slice(0, 12), 'protochain 6', 'ip6 protochain 17'],
  IEEE802_11: ['tcp port 80', 'type mgt', 'type data subtype qos-data', 'wlan host 00:11:22:33:44:55', 'ip and udp',
    'type mgt subtype beacon or type ctl', 'wlan addr1 ff:ff:ff:ff:ff:ff', 'dir fromds', 'not type data'],
  IEEE802_11_RADIO: ['tcp port 80', 'type mgt', 'type data subtype qos-data', 'wlan host 00:11:22:33:44:55', 'ip and udp',
    'host 10.0.0.1', 'wlan src 00:11:22:33:44:55 and type data'],
  PFLOG: ['tcp port 80', 'ip and udp', 'action block', 'ifname eth0 and tcp', 'reason match or action pass', 'rnr 3'],
};

const version = spawnSync('tcpdump', ['--version'], { encoding: 'utf8' });
if (version.error) { console.error('make-opt-goldens: tcpdump is required'); process.exit(1); }

function ddd(args) {
  const r = spawnSync('tcpdump', args, { encoding: 'utf8' });
  if (r.status !== 0) return { error: (r.stderr || '').trim().split('\n').pop() };
  const lines = r.stdout.trim().split('\n');
  return { prog: lines.slice(1).map((l) => l.trim().split(/\s+/).map(Number)) };
}

const out = [];
for (const [linktype, exprs] of Object.entries(LINKTYPES)) {
  for (const expression of [...new Set(exprs)]) {
    const common = ['-y', linktype, '-s', String(SNAPLEN)];
    const unopt = ddd([...common, '-O', '-ddd', '--', expression]);
    const opt = ddd([...common, '-ddd', '--', expression]);
    if (unopt.error || opt.error) { console.error(`left out ${linktype} '${expression}': ${unopt.error ?? opt.error}`); continue; }
    out.push({ linktype, expression, unoptimized: unopt.prog, optimized: opt.prog });
  }
}

const dir = new URL('../../fixtures/compile/', import.meta.url);
mkdirSync(dir, { recursive: true });
const recordedWith = `${version.stdout}${version.stderr}`.split('\n').slice(0, 2).join('; ');
const text = `{\n"recordedWith": ${JSON.stringify(recordedWith)},\n"snaplen": ${SNAPLEN},\n"goldens": [\n${out.map((g) => JSON.stringify(g)).join(',\n')}\n]\n}\n`;
writeFileSync(new URL('opt-goldens.json', dir), text);
console.error(`wrote ${out.length} goldens`);

