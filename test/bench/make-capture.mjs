#!/usr/bin/env node
// Writes the benchmark capture: N Ethernet packets (default 1,000,000), deterministic, with a
// realistic mix (IPv4/IPv6 TCP and UDP, ICMP, ARP, 802.1Q) so filters take different paths.
// Usage: node test/bench/make-capture.mjs OUT.pcap [N]
import { openSync, writeSync, closeSync, renameSync } from 'node:fs';

const out = process.argv[2];
const count = Number(process.argv[3] ?? 1_000_000);
if (!out || !Number.isInteger(count) || count <= 0) {
  console.error('usage: make-capture.mjs OUT.pcap [N]');
  process.exit(64);
}

let seed = 0x2545f491;
const rand = () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; };
const pick = (n) => rand() % n;

const CHUNK = 8 << 20;
const buf = Buffer.alloc(CHUNK + 65536);
let used = 0;
const tmp = `${out}.tmp`;
const fd = openSync(tmp, 'w');
const flush = () => { writeSync(fd, buf, 0, used); used = 0; };

// pcap global header: µs magic, v2.4, snaplen 262144, EN10MB.
buf.writeUInt32LE(0xa1b2c3d4, 0); buf.writeUInt16LE(2, 4); buf.writeUInt16LE(4, 6);
buf.writeUInt32LE(0, 8); buf.writeUInt32LE(0, 12); buf.writeUInt32LE(262144, 16); buf.writeUInt32LE(1, 20);
used = 24;

const PORTS = [80, 443, 53, 22, 8080, 123, 25, 3306];
function packet(p) {
  // Ethernet header
  const dst = pick(20) === 0 ? 0xff : 0x02;
  for (let i = 0; i < 6; i++) buf[p + i] = dst === 0xff ? 0xff : (i === 0 ? 0x02 : pick(256));
  for (let i = 6; i < 12; i++) buf[p + i] = i === 6 ? 0x02 : pick(256);
  let q = p + 12;
  const kind = pick(100);
  if (kind < 5) { buf.writeUInt16BE(0x8100, q); buf.writeUInt16BE(100 + pick(4), q + 2); q += 4; }
  if (kind >= 5 && kind < 8) { // ARP
    buf.writeUInt16BE(0x0806, q); q += 2;
    for (let i = 0; i < 28; i++) buf[q + i] = pick(256);
    return Math.max(60, q + 28 - p);
  }
  const v6 = kind >= 8 && kind < 23;
  buf.writeUInt16BE(v6 ? 0x86dd : 0x0800, q); q += 2;
  const l4 = pick(10) < 6 ? 6 : pick(4) < 3 ? 17 : (v6 ? 58 : 1);
  const payload = pick(4) === 0 ? 1000 + pick(460) : pick(200);
  const l4len = (l4 === 6 ? 20 : 8) + payload;
  if (v6) {
    buf.writeUInt32BE(0x60000000, q); buf.writeUInt16BE(l4len, q + 4); buf[q + 6] = l4; buf[q + 7] = 64;
    for (let i = 8; i < 40; i++) buf[q + i] = i === 8 ? 0x20 : pick(256);
    q += 40;
  } else {
    buf[q] = 0x45; buf[q + 1] = 0; buf.writeUInt16BE(20 + l4len, q + 2); buf.writeUInt32BE((rand() & 0xffff0000) >>> 0, q + 4);
    buf[q + 6] = pick(50) === 0 ? 0x20 : 0x40; buf[q + 8] = 64; buf[q + 9] = l4; buf.writeUInt16BE(0, q + 10);
    buf.writeUInt32BE(pick(4) === 0 ? 0x0a000001 + pick(256) : rand(), q + 12);
    buf.writeUInt32BE(pick(4) === 0 ? 0xc0a80001 + pick(256) : rand(), q + 16);
    q += 20;
  }
  if (l4 === 6 || l4 === 17) {
    buf.writeUInt16BE(PORTS[pick(PORTS.length)] ?? 80, q); buf.writeUInt16BE(1024 + pick(60000), q + 2);
    if (pick(2)) { const t = buf.readUInt16BE(q); buf.writeUInt16BE(buf.readUInt16BE(q + 2), q); buf.writeUInt16BE(t, q + 2); }
    if (l4 === 6) {
      buf.writeUInt32BE(rand(), q + 4); buf.writeUInt32BE(rand(), q + 8);
      buf[q + 12] = 0x50; buf[q + 13] = [0x02, 0x10, 0x18, 0x11, 0x12][pick(5)]; q += 20;
    } else { buf.writeUInt16BE(l4len, q + 4); q += 8; }
  } else { buf[q] = pick(2) ? 8 : 0; q += 8; }
  for (let i = 0; i < payload; i++) buf[q + i] = (i * 31 + 7) & 0xff;
  q += payload;
  return Math.max(60, q - p);
}

let sec = 1_700_000_000, usec = 0;
for (let n = 0; n < count; n++) {
  const at = used + 16;
  const len = packet(at);
  usec += 1 + pick(2000);
  if (usec >= 1_000_000) { sec += 1; usec -= 1_000_000; }
  buf.writeUInt32LE(sec, used); buf.writeUInt32LE(usec, used + 4);
  buf.writeUInt32LE(len, used + 8); buf.writeUInt32LE(len, used + 12);
  used = at + len;
  if (used >= CHUNK) flush();
}
flush();
closeSync(fd);
renameSync(tmp, out);
