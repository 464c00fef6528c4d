// Domain-name and address helpers for the DNS engine: absolute names, zone membership, IPv6 text forms, reverse
// (in-addr.arpa / ip6.arpa) names and the dashed-IP labels Kubernetes DNS uses for endpoints and pods.

import { parseIPv4 } from '../core/ip.js';

/** `name` as an absolute name: with exactly one trailing dot (the root is "."). */
export function fqdn(name: string): string {
  if (name === '' || name === '.') return '.';
  return name.endsWith('.') ? name : `${name}.`;
}

/** Whether `name` is `zone` or below it; both absolute and lowercase. */
export function isSubdomain(zone: string, name: string): boolean {
  if (zone === '.') return true;
  return name === zone || (name.length > zone.length && name.endsWith(zone) && name[name.length - zone.length - 1] === '.');
}

/** The labels of an absolute name left of `zone` (both lowercase), e.g. ["svc1", "testns", "svc"]. */
export function labelsBelow(name: string, zone: string): string[] {
  if (name === zone) return [];
  const base = zone === '.' ? name.slice(0, -1) : name.slice(0, name.length - zone.length - 1);
  return base === '' ? [] : base.split('.');
}

/** The 8 groups of an IPv6 address, or undefined when `s` is not one (an embedded IPv4 tail is accepted). */
export function parseIPv6(s: string): number[] | undefined {
  if (typeof s !== 'string' || !s.includes(':')) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const fields = part.split(':');
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      if (i === fields.length - 1 && f.includes('.')) {
        const v4 = parseIPv4(f);
        if (v4 === undefined) return undefined;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(f)) out.push(parseInt(f, 16));
      else return undefined;
    }
    return out;
  };
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const zeros = 8 - head.length - tail.length;
  if (halves.length === 2 ? zeros < 1 : zeros !== 0) return undefined;
  return [...head, ...new Array<number>(zeros).fill(0), ...tail];
}

/** RFC 5952 text of an IPv6 address: lowercase, no leading zeros, the longest run of two or more zero groups as "::". */
export function formatIPv6(groups: number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** The canonical text of an IPv4 or IPv6 address, or undefined when `s` is neither (Go's net.ParseIP, roughly). */
export function canonicalIP(s: string): string | undefined {
  if (parseIPv4(s) !== undefined) return s;
  const g = parseIPv6(s);
  return g ? formatIPv6(g) : undefined;
}

/**
 * An address from an API object in the form answers carry: IPv4 as is (the API server validated it), IPv6 in RFC 5952
 * form. Cheaper than canonicalIP on the hot paths of index building.
 */
export function normalizeIP(s: string): string {
  return s.includes(':') ? (canonicalIP(s) ?? s) : s;
}

export function isIPv6(s: string): boolean {
  return parseIPv6(s) !== undefined;
}

/** The reverse-lookup name of an address: `4.3.2.1.in-addr.arpa.` or 32 nibbles + `ip6.arpa.`. */
export function reverseName(ip: string): string | undefined {
  if (parseIPv4(ip) !== undefined) return `${ip.split('.').reverse().join('.')}.in-addr.arpa.`;
  const g = parseIPv6(ip);
  if (!g) return undefined;
  const nibbles = g.map((x) => x.toString(16).padStart(4, '0')).join('');
  return `${[...nibbles].reverse().join('.')}.ip6.arpa.`;
}

/**
 * The address a complete reverse name stands for (dnsutil.ExtractAddressFromReverse): 4 labels under in-addr.arpa,
 * 32 nibbles under ip6.arpa. Partial names (a /24's zone, say) give undefined. `name` is absolute and lowercase.
 */
export function addressFromReverse(name: string): string | undefined {
  if (name.endsWith('.in-addr.arpa.')) {
    const parts = name.slice(0, -'.in-addr.arpa.'.length).split('.');
    if (parts.length !== 4) return undefined;
    const ip = parts.reverse().join('.');
    return parseIPv4(ip) !== undefined ? ip : undefined;
  }
  if (name.endsWith('.ip6.arpa.')) {
    const parts = name.slice(0, -'.ip6.arpa.'.length).split('.');
    if (parts.length !== 32 || parts.some((p) => !/^[0-9a-f]$/.test(p))) return undefined;
    const hex = parts.reverse().join('');
    const groups: number[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(parseInt(hex.slice(i, i + 4), 16));
    return formatIPv6(groups);
  }
  return undefined;
}

/** Whether `name` (absolute, lowercase) is under in-addr.arpa or ip6.arpa (dnsutil.IsReverse). */
export function isReverse(name: string): boolean {
  return name.endsWith('.in-addr.arpa.') || name.endsWith('.ip6.arpa.') || name === 'in-addr.arpa.' || name === 'ip6.arpa.';
}

/**
 * The dashed label of an endpoint address (CoreDNS endpointHostname): `172-0-0-2`; for IPv6 every ':' becomes '-'
 * and a trailing '-' gets a '0' (`1234::` → `1234--0`), so the label never ends in a hyphen.
 */
export function dashedIP(ip: string): string {
  if (ip.includes('.')) return ip.replaceAll('.', '-');
  const d = ip.replaceAll(':', '-');
  return d.endsWith('-') ? `${d}0` : d;
}
