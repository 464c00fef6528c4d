// The narrow interface every DNS data source implements (the cluster zone, the externalNames map), like CoreDNS
// plugin/backend.go: sources say what a name leads to; record assembly (backend-lookup.ts) is written once on top.

import { parseIPv4 } from '../core/ip.js';
import { isIPv6 } from './names.js';

/** One thing a name leads to, like CoreDNS's msg.Service: an address, another name (a CNAME) or a text. */
export interface BackendService {
  /** 'A'/'AAAA': `host` is an address; 'CNAME': `host` is an absolute name; 'TXT': `text` holds the data. */
  what: 'A' | 'AAAA' | 'CNAME' | 'TXT';
  host: string;
  /** The port SRV records carry; -1 when the object declares no port (then no SRV record is made). */
  port: number;
  ttl: number;
  /** The name SRV and NS records point at for this entry, absolute (e.g. `ep1a.svc1.testns.svc.cluster.local.`). */
  target: string;
  text?: string;
}

/** The backend's "no such name" (CoreDNS errNoItems): NXDOMAIN, unless the zone falls through. */
export const NAME_ERROR = Symbol('NAME_ERROR');
export type BackendLookup = BackendService[] | typeof NAME_ERROR;

/** A question as a backend sees it. */
export interface BackendRequest {
  /** The name as asked, absolute, case preserved (answers echo it). */
  qname: string;
  /** The same name in lowercase: what every comparison uses. */
  name: string;
  /** The question type's mnemonic in upper case ("A", "SRV", "HINFO"). */
  type: string;
  /** The zone being served as it appears at the end of `qname` (case preserved), absolute; "." for the outside. */
  zone: string;
}

/**
 * A source of DNS data. `services` returns what a name leads to — an empty list when the name exists without data
 * (NODATA) — and `reverse` the names a reverse-lookup name leads to (PTR). `owns` says whether a CNAME target is
 * answered by this backend itself (CoreDNS: dns.IsSubDomain(zone, target)) rather than looked up through the server.
 */
export interface Backend {
  services(req: BackendRequest): BackendLookup;
  reverse(req: BackendRequest): BackendLookup;
  owns(name: string): boolean;
}

/** The record type an address or name stands for, as msg.Service.HostType decides it. */
export function hostType(host: string): 'A' | 'AAAA' | 'CNAME' {
  if (parseIPv4(host) !== undefined) return 'A';
  if (isIPv6(host)) return 'AAAA';
  return 'CNAME';
}
