// IPv4 address ranges of ipBlocks (cidr minus except) and the segments the policies cut the address space into:
// every address of a segment is matched by exactly the same ipBlocks, so one segment stands for all of them.

import { formatIPv4, parseCidr } from '../core/ip.js';

/** An inclusive range of IPv4 addresses as unsigned 32-bit numbers. */
export type IpRange = [number, number];

const LAST_ADDRESS = 0xffffffff;

/**
 * The addresses an ipBlock matches: `cidr` minus every `except` range (§7), merged and sorted. Undefined for an
 * IPv6 block: flatnet's model is IPv4-only, so such a block matches nothing.
 */
export function ipBlockRanges(cidr: string, except: readonly string[] = []): IpRange[] | undefined {
  const c = parseCidr(cidr, true);
  if (!c) return undefined;
  let ranges: IpRange[] = [[c.base, c.base + c.size - 1]];
  for (const e of except) {
    const x = parseCidr(e, true);
    if (!x) continue;
    const lo = x.base;
    const hi = x.base + x.size - 1;
    const next: IpRange[] = [];
    for (const [a, b] of ranges) {
      if (hi < a || lo > b) next.push([a, b]);
      else {
        if (a < lo) next.push([a, lo - 1]);
        if (hi < b) next.push([hi + 1, b]);
      }
    }
    ranges = next;
  }
  return ranges;
}

export function rangesContain(ranges: readonly IpRange[], ip: number): boolean {
  for (const [a, b] of ranges) if (ip >= a && ip <= b) return true;
  return false;
}

/** The whole IPv4 space cut at every boundary of the given ranges. */
export class AddressSegments {
  /** Sorted first addresses of the segments; starts[0] is 0.0.0.0. */
  readonly starts: number[];

  constructor(ranges: Iterable<IpRange>) {
    const cuts = new Set<number>([0]);
    for (const [a, b] of ranges) {
      cuts.add(a);
      if (b < LAST_ADDRESS) cuts.add(b + 1);
    }
    this.starts = [...cuts].sort((x, y) => x - y);
  }

  get count(): number {
    return this.starts.length;
  }

  /** The index of the segment holding `ip`. */
  segmentOf(ip: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid] <= ip) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  first(i: number): number {
    return this.starts[i];
  }

  last(i: number): number {
    return i + 1 < this.starts.length ? this.starts[i + 1] - 1 : LAST_ADDRESS;
  }

  /** "10.0.0.0-10.255.255.255", np-guard's notation for an external segment. */
  describe(i: number): string {
    return `${formatIPv4(this.first(i))}-${formatIPv4(this.last(i))}`;
  }

  sameAs(other: AddressSegments): boolean {
    return this.starts.length === other.starts.length && this.starts.every((s, i) => s === other.starts[i]);
  }
}
