/**
 * Name resolution as libpcap does it offline: protocols and services from the system's
 * /etc/protocols and /etc/services when present (else the tables shipped beside this file),
 * hosts from numeric forms and /etc/hosts, MAC addresses from /etc/ethers, networks from
 * /etc/networks. Nothing here touches the network.
 */
import { readFileSync } from 'node:fs';
import { PROTOCOLS } from './protocols.js';
import { SERVICES } from './services.js';

function readLines(path: string): string[] | undefined {
  try {
    return readFileSync(path, 'latin1').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((l) => l !== '');
  } catch {
    return undefined;
  }
}

let protocolMap: Map<string, number> | undefined;
let serviceMap: Map<string, number> | undefined;

function protocols(): Map<string, number> {
  if (protocolMap) return protocolMap;
  const m = new Map<string, number>();
  const lines = readLines('/etc/protocols');
  const rows: Array<readonly [string, number, ...string[]]> = lines
    ? lines.map((l) => l.split(/\s+/)).filter((f) => f.length >= 2 && /^\d+$/.test(f[1]!)).map((f) => [f[0]!, Number(f[1]), ...f.slice(2)] as const)
    : [...PROTOCOLS];
  for (const [name, n, ...aliases] of rows) for (const a of [name, ...aliases]) if (!m.has(a)) m.set(a, n);
  return (protocolMap = m);
}

function services(): Map<string, number> {
  if (serviceMap) return serviceMap;
  const m = new Map<string, number>();
  const lines = readLines('/etc/services');
  const rows: Array<readonly [string, number, string, ...string[]]> = [];
  if (lines) {
    for (const l of lines) {
      const f = l.split(/\s+/);
      const pm = /^(\d+)\/(\w+)$/.exec(f[1] ?? '');
      if (pm) rows.push([f[0]!, Number(pm[1]), pm[2]!, ...f.slice(2)]);
    }
  } else rows.push(...SERVICES);
  for (const [name, port, proto, ...aliases] of rows) for (const a of [name, ...aliases]) if (!m.has(`${a}/${proto}`)) m.set(`${a}/${proto}`, port);
  return (serviceMap = m);
}

/** getprotobyname. */
export function protocolNumber(name: string): number | undefined {
  return protocols().get(name);
}

/** A service's port for one transport; a decimal name is its own port, as getaddrinfo has it. */
export function servicePort(name: string, proto: 'tcp' | 'udp'): number | undefined {
  if (/^\d+$/.test(name)) return Number(name) <= 65535 ? Number(name) : undefined;
  return services().get(`${name}/${proto}`);
}

/** The addresses /etc/hosts gives a name, in file order (4 or 16 bytes each). */
export function hostAddresses(name: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const l of readLines('/etc/hosts') ?? []) {
    const [addr, ...names] = l.split(/\s+/);
    if (!names.includes(name)) continue;
    const a = parseIPv4(addr!) ?? parseIPv6(addr!);
    if (a) out.push(a);
  }
  return out;
}

/** /etc/ethers: the MAC address of a host name. */
export function etherAddress(name: string): Uint8Array | undefined {
  for (const l of readLines('/etc/ethers') ?? []) {
    const [mac, host] = l.split(/\s+/);
    if (host === name && mac) {
      const parts = mac.split(':').map((p) => parseInt(p, 16));
      if (parts.length === 6 && parts.every((p) => p >= 0 && p <= 255)) return Uint8Array.from(parts);
    }
  }
  return undefined;
}

/** getnetbyname, from /etc/networks: the network number, unshifted (`127` for 127.0.0.0 written as 127). */
export function networkNumber(name: string): number | undefined {
  for (const l of readLines('/etc/networks') ?? []) {
    const [net, number, ...aliases] = l.split(/\s+/);
    if ((net === name || aliases.includes(name)) && number) {
      // getnetbyname's inet_network: trailing .0 parts count, as written.
      const parts = number.split('.').map(Number);
      let v = 0;
      for (const p of parts) v = (v * 256 + p) >>> 0;
      return v;
    }
  }
  return undefined;
}

export function parseIPv4(text: string): Uint8Array | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (!m) return undefined;
  const b = m.slice(1).map(Number);
  return b.every((x) => x <= 255) ? Uint8Array.from(b) : undefined;
}

export function parseIPv6(text: string): Uint8Array | undefined {
  let t = text;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (v4) {
    const a = parseIPv4(v4[1]!);
    if (!a) return undefined;
    tail.push((a[0]! << 8) | a[1]!, (a[2]! << 8) | a[3]!);
    t = t.slice(0, -v4[1]!.length);
    if (t.endsWith(':') && !t.endsWith('::')) t = t.slice(0, -1);
  }
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const words = (h: string): number[] | undefined => {
    if (h === '') return [];
    const w = h.split(':');
    if (!w.every((x) => /^[0-9A-Fa-f]{1,4}$/.test(x))) return undefined;
    return w.map((x) => parseInt(x, 16));
  };
  const a = words(halves[0]!);
  const b = halves.length === 2 ? words(halves[1]!) : [];
  if (!a || !b) return undefined;
  const total = a.length + b.length + tail.length;
  let all: number[];
  if (halves.length === 2) {
    if (total > 7) return undefined;
    all = [...a, ...new Array<number>(8 - total).fill(0), ...b, ...tail];
  } else {
    if (total !== 8) return undefined;
    all = [...a, ...tail];
  }
  const out = new Uint8Array(16);
  all.forEach((w, n) => {
    out[2 * n] = w >> 8;
    out[2 * n + 1] = w & 0xff;
  });
  return out;
}
