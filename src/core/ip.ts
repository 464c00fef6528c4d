// IPv4 addresses and CIDR blocks as numbers: parsing, containment, overlap and indexing.

export interface Cidr {
  base: number; // network address as an unsigned 32-bit number
  prefix: number;
  size: number; // number of addresses
}

/** Parses a dotted-quad IPv4 address; undefined when it is not one. */
export function parseIPv4(s: string): number | undefined {
  if (typeof s !== 'string') return undefined;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255 || (m[i].length > 1 && m[i][0] === '0')) return undefined;
    n = n * 256 + o;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Parses "a.b.c.d/n". Host bits must be zero unless `lenient` (kubeadm and kind accept only network addresses). */
export function parseCidr(s: string, lenient = false): Cidr | undefined {
  if (typeof s !== 'string') return undefined;
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIPv4(s.slice(0, slash));
  const ps = s.slice(slash + 1);
  if (ip === undefined || !/^\d{1,2}$/.test(ps)) return undefined;
  const prefix = Number(ps);
  if (prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const base = Math.floor(ip / size) * size;
  if (base !== ip && !lenient) return undefined;
  return { base, prefix, size };
}

export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.base)}/${c.prefix}`;
}

export function cidrContains(c: Cidr, ip: number): boolean {
  return ip >= c.base && ip < c.base + c.size;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** The i-th subnet of mask `prefix` inside `c` (node podCIDRs are carved this way, in order). */
export function subnet(c: Cidr, prefix: number, i: number): Cidr {
  const size = 2 ** (32 - prefix);
  return { base: c.base + i * size, prefix, size };
}

/** True when `s` parses as an IPv4 address. */
export function isIPv4(s: unknown): s is string {
  return typeof s === 'string' && parseIPv4(s) !== undefined;
}

/** True when `s` is an IPv4 address in 127.0.0.0/8 (the host's loopback network). */
export function isLoopbackIPv4(s: string): boolean {
  const n = parseIPv4(s);
  return n !== undefined && n >>> 24 === 127;
}

/** Orders IPv4 addresses numerically (10.0.0.9 before 10.0.0.10); anything else after them, as text. */
export function compareIPv4(a: string, b: string): number {
  const na = parseIPv4(a);
  const nb = parseIPv4(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  if (na !== undefined || nb !== undefined) return na !== undefined ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
