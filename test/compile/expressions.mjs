// The expressions the compiler goldens cover (test/compile/make-goldens.mjs records libpcap's
// program, or its refusal, for each of them on each link type of LINKTYPES).
export const LINKTYPES = ['EN10MB', 'RAW', 'LINUX_SLL', 'LINUX_SLL2', 'NULL', 'LOOP', 'IPV4', 'IPV6', 'PPP', 'NFLOG', 'NETLINK', 'CAN_SOCKETCAN', 'USBPCAP', 'DBUS', 'EBHSCR'];

export const EXPRESSIONS = [
  // protocols
  'ip', 'ip6', 'arp', 'rarp', 'tcp', 'udp', 'icmp', 'icmp6', 'sctp', 'igmp', 'igrp', 'pim', 'vrrp', 'carp', 'ah', 'esp',
  'atalk', 'aarp', 'decnet', 'lat', 'sca', 'moprc', 'mopdl', 'ipx', 'netbeui', 'stp', 'iso', 'esis', 'isis', 'clnp',
  'not ip', 'ip and tcp', 'ip or arp', 'ip and not tcp or udp', 'tcp or udp or icmp', '!ip && (tcp || udp)', 'not not ip',
  'ip proto 6', 'ip proto \\tcp', 'ip6 proto 17', 'proto 50', 'ip proto 300', 'proto \\udp', 'ip6 proto \\icmp6',
  'ether proto 0x800', 'ether proto 100', 'ether proto \\ip', 'ether proto \\arp or ether proto \\rarp', 'link proto 0x86dd',
  'ether proto \\ipx', 'ether proto \\iso', 'ether proto \\atalk',
  // hosts and nets
  'host 1.2.3.4', 'src host 1.2.3.4', 'dst host 10.0.0.1', 'src or dst host 192.168.1.1', 'src and dst host 127.0.0.1',
  'ip host 1.2.3.4', 'arp host 10.0.0.1', 'rarp src host 10.0.0.1', 'host 1.2.3.4 or 5.6.7.8', 'host 1.2.3.4 and not 5.6.7.8',
  'host (1.2.3.4 or 5.6.7.8)', 'not host 1.2.3.4 or 5.6.7.8', 'host localhost', 'host 10.1', 'host 10',
  'net 10.0.0.0/8', 'src net 192.168.0.0/16', 'dst net 172.16.0.0 mask 255.240.0.0', 'net 10', 'net 192.168',
  'net 10.1.2.3/8', 'net 0.0.0.0/0', 'net loopback', 'ip6 host ::1', 'host fe80::1', 'ip6 src host 2001:db8::1',
  'net 2001:db8::/32', 'ip6 net ::/0', 'dst net fe80::/10', 'host ::ffff:1.2.3.4', 'ip6 host 1.2.3.4', 'tcp host 1.2.3.4',
  'ether host 1:2:3:4:5:6', 'ether src 00:11:22:33:44:55', 'ether dst ff:ff:ff:ff:ff:ff', 'ether host 0102.0304.0506',
  'ether src or dst 1-2-3-4-5-6', 'host 1:2:3:4:5:6', 'host foo.invalid', 'net foo', 'host 1.2.3.4.5', 'host 256.1.1.1',
  // ports
  'port 53', 'tcp port 80', 'udp port 53', 'sctp port 9', 'tcp src port 22', 'udp dst port 67 or 68', 'port 80 or 443',
  'tcp port http', 'udp port domain', 'port ssh', 'tcp port domain', 'udp port ssh', 'port 0x50', 'port 70000',
  'src port 1024 and dst port 80', 'tcp src or dst port 80', 'tcp src and dst port 80', 'portrange 80-90',
  'tcp portrange 1-1024', 'udp src portrange 5000-6000', 'portrange 90-80', 'tcp portrange http-https', 'port foo',
  'ip and port 80', 'ip6 and tcp port 443', 'host 1.2.3.4 and port 80 or 443', 'icmp port 1',
  // lengths and arithmetic
  'less 100', 'greater 1000', 'len > 100', 'len >= 60 and len <= 1514', 'len < 64', 'len = 60', 'len != 60',
  'ip[0] & 0xf != 5', 'ip[2:2] > 100', 'ip[6:2] & 0x1fff = 0', 'ip[8] < 64', 'ip[9] = 6', 'ip[0:4] = 0x45000054',
  'tcp[tcpflags] & tcp-syn != 0', 'tcp[tcpflags] & (tcp-syn|tcp-ack) = tcp-syn', 'tcp[13] = 18', 'tcp[0:2] = 80',
  'udp[2:2] = 53', 'icmp[icmptype] = icmp-echo', 'icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply',
  'icmp6[icmp6type] = icmp6-echo', 'icmp6[0] = 135', 'ip6[6] = 58', 'arp[7] = 2', 'ether[0] & 1 = 1', 'link[12:2] = 0x800',
  'ether[12:2] = 0x86dd', 'ip[len - 1] = 0', 'ip[0] >> 4 = 4', 'ip[0] << 1 > 100', '-ip[0] > 1', 'ip[0] % 3 = 1',
  'ip[0] / 3 = 1', 'ip[0] * 2 - 1 = ip[1] ^ 3 | 4', 'ip[0] ^ ip[1] & 1 = 0', 'tcp[0] + ip[0] > 1', 'ip[0] + tcp[0] > 1',
  'len - 14 > ip[2:2]', 'ip[0:3] = 1', 'ip[0] / 0 = 1', 'ip[0] << 40 > 1', 'tcp[(tcp[12] >> 4) * 4] = 0x47',
  'udp[8:4] = 0x12345678 or tcp[20:4] = 0x12345678', 'sctp[0:2] = 9', 'igmp[0] = 0x11', 'pim[0] = 0', 'vrrp[0] = 0x21',
  'byte 0 = 0x45', 'byte 9 < 10', 'byte 0 > 0x40', 'byte 0 & 1', 'byte 0 | 1',
  // broadcast and multicast
  'broadcast', 'multicast', 'ether broadcast', 'ether multicast', 'ip broadcast', 'ip multicast', 'ip6 multicast',
  'not broadcast and not multicast', 'tcp broadcast',
  // syntax and qualifier errors
  '', 'tcp and', 'and', 'host', 'port', '1.2.3.4', '(ip', 'ip)', 'ip and $$', 'ip[0', 'ip proto tcp', 'tcp proto 6',
  'arp proto 6', 'src tcp', 'ether 1:2:3:4:5:6', 'ip and \\x', 'host 1:2:3', 'ip host 08', 'tcp[0:5] = 1', 'port 1.2.3.4',
  'proto 1.2.3.4', 'gateway 1.2.3.4', 'ip6 proto 300', 'tcp or 80', 'radio', 'link', 'lat host 1.2.3.4',
  'src port 80 and dst 1.2.3.4', 'dst port domain and src 1.2.3.4',
  // encapsulations that move what follows
  'vlan', 'vlan 100', 'vlan and tcp', 'mpls', 'mpls 100', 'pppoed', 'pppoes', 'pppoes 1 and ip',
  'mpls 100 and host 1.2.3.4', 'vlan and mpls and ip6', 'vlan 1 and vlan 2 and udp port 53', 'pppoes and tcp port 80',
  'mpls and mpls 5 and ip', 'pppoes and ip6 host ::1', 'vlan and ether host 1:2:3:4:5:6', 'pppoes and ether host 1:2:3:4:5:6',
  'pppoes and vlan', 'pppoes and mpls', 'mpls and vlan', 'mpls and arp', 'vlan and arp', 'vlan 5000', 'vlan and not vlan',
  'vlan 10 or vlan 20', 'not vlan and ip', 'vlan and ip[0] = 0x45', 'mpls and tcp[13] = 2', 'pppoes and broadcast',
  // primitives the compiler does not make yet (group 3 of issue 13)
  'geneve', 'llc',
  'inbound', 'outbound', 'ifindex 1', 'ip protochain 6', 'protochain 17', 'gateway localhost', 'decnet host 1.2',
  'iso proto 0x83', 'isis', 'l1', 'iih', 'psnp',
];
