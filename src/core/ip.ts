// IPv4 addresses and CIDR blocks as numbers: parsing, containment, overlap and indexing.

export interface Cidr {
  base: number; // network address as an unsigned 32-bit number
  prefix: number;
  size: number; // number of addresses
}

/**
 * Parses a dotted-quad IPv4 address; undefined when it is not one: four decimal octets of one to three digits, each
 * at most 255, without leading zeros (`010.0.0.1` is refused: inet_aton would read it as octal). Hand-parsed, not a
 * regular expression: the data plane parses addresses on every simulated connection.
 */
export function parseIPv4(s: string): number | undefined {
  if (typeof s !== 'string') return undefined;
  const len = s.length;
  if (len < 7 || len > 15) return undefined;
  let n = 0;
  let i = 0;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (s.charCodeAt(i) !== 46) return undefined; // '.'
      i++;
    }
    const start = i;
    let v = 0;
    while (i < len && i - start < 3) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      i++;
    }
    const digits = i - start;
    if (digits === 0 || v > 255 || (digits > 1 && s.charCodeAt(start) === 48)) return undefined;
    n = n * 256 + v;
  }
  return i === len ? n : undefined;
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
