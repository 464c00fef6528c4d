// IPv4 and IPv6 address and CIDR syntax for validation, with Go's net.ParseIP / ParseCIDR semantics
// (k8s.io/utils/net ParseIPSloppy: IPv4 octets may carry leading zeros). Only syntax: no allocation math.

/** An address as 4 (IPv4) or 16 (IPv6) bytes. */
export type IPBytes = Uint8Array;

export interface ParsedCidr {
  network: IPBytes; // the address with host bits cleared
  prefix: number;
}

function parseIPv4Bytes(s: string): IPBytes | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const n = Number(m[i + 1]);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseIPv6Bytes(s: string): IPBytes | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(s)) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4Bytes(p);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  // An embedded IPv4 address may only end the address.
  if (halves.length === 2 && halves[0].includes('.')) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 255;
  });
  return out;
}

/** Parses an IPv4 or IPv6 address; undefined when it is neither. */
export function parseIP(s: string): IPBytes | undefined {
  if (typeof s !== 'string') return undefined;
  return s.includes(':') ? parseIPv6Bytes(s) : parseIPv4Bytes(s);
}

/** Parses `address/prefix` for either family, host bits allowed (Go's ParseCIDR masks them off). */
export function parseCIDR(s: string): ParsedCidr | undefined {
  if (typeof s !== 'string') return undefined;
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const ps = s.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(ps)) return undefined;
  const prefix = Number(ps);
  if (prefix > ip.length * 8) return undefined;
  return { network: mask(ip, prefix), prefix };
}

function mask(ip: IPBytes, prefix: number): IPBytes {
  const out = new Uint8Array(ip.length);
  for (let i = 0; i < ip.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - 8 * i));
    out[i] = ip[i] & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/**
 * True when `inner` is a strict subset of `outer`: same family, longer prefix, and its network inside outer.
 * This is NetworkPolicy's rule for ipBlock.except (pkg/apis/networking/validation ValidateIPBlock).
 */
export function cidrIsStrictSubset(outer: ParsedCidr, inner: ParsedCidr): boolean {
  if (outer.network.length !== inner.network.length || inner.prefix <= outer.prefix) return false;
  const masked = mask(inner.network, outer.prefix);
  return masked.every((b, i) => b === outer.network[i]);
}

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as 4 bytes, like Go's To4; anything else unchanged. */
function to4(ip: IPBytes): IPBytes {
  if (ip.length === 16 && ip.slice(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff) return ip.slice(12);
  return ip;
}

/**
 * The reasons an endpoint address is not acceptable, with the messages of ValidateNonSpecialIP
 * (pkg/apis/core/validation): unspecified, loopback, link-local unicast and link-local multicast addresses.
 */
export function nonSpecialIPErrors(s: string): string[] {
  const raw = parseIP(s);
  if (!raw) return ['must be a valid IP address'];
  const ip = to4(raw);
  const out: string[] = [];
  if (ip.every((b) => b === 0)) out.push(`may not be unspecified (${s})`);
  const v4 = ip.length === 4;
  const loopback = v4 ? ip[0] === 127 : ip.slice(0, 15).every((b) => b === 0) && ip[15] === 1;
  if (loopback) out.push('may not be in the loopback range (127.0.0.0/8, ::1/128)');
  const linkLocal = v4 ? ip[0] === 169 && ip[1] === 254 : ip[0] === 0xfe && (ip[1] & 0xc0) === 0x80;
  if (linkLocal) out.push('may not be in the link-local range (169.254.0.0/16, fe80::/10)');
  const llMulticast = v4 ? ip[0] === 224 && ip[1] === 0 && ip[2] === 0 : ip[0] === 0xff && (ip[1] & 0x0f) === 0x02;
  if (llMulticast) out.push('may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)');
  return out;
}

/** The messages of apimachinery's IsValidIP and IsValidCIDR. */
export const INVALID_IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
export const INVALID_CIDR = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';
