// Record assembly written once over any Backend, as CoreDNS plugin/backend_lookup.go and the kubernetes plugin's
// handler.go do it: A/AAAA/TXT with CNAME chasing, SRV weights and additional addresses, CNAME, PTR, NS, SOA, and the
// choice between NXDOMAIN and NODATA that stub resolvers depend on.

import { Backend, BackendRequest, BackendService, NAME_ERROR } from './backend.js';
import type { Answer, Rcode, ResourceRecord } from './types.js';

/** The SOA an authoritative zone sends: its serial and the configured TTL. */
export interface SoaSettings {
  serial: number;
  ttl: number;
}

/** How one zone is being served for one question. */
export interface ZoneContext {
  /** The zone as it appears at the end of the question (case preserved, absolute); "." for the outside. */
  zone: string;
  /** Present when the zone is served authoritatively: negative answers then carry its SOA and AA is set. */
  soa?: SoaSettings;
  /** Asks the whole server about a name this backend does not own (CoreDNS's Upstream.Lookup for CNAME targets). */
  lookup: (name: string, type: string) => Promise<Answer>;
}

/** CoreDNS maxCnameChainLength: longer chains stop growing. */
const MAX_CNAME_CHAIN = 10;

/**
 * The zone's SOA (backend_lookup.go SOA): `<zone> min(ttl,300) IN SOA ns.dns.<zone> hostmaster.<zone> serial 7200 1800
 * 86400 ttl`, with the zone's case as asked.
 */
export function soaRecord(zone: string, soa: SoaSettings): ResourceRecord {
  return {
    name: zone,
    type: 'SOA',
    ttl: Math.min(soa.ttl, 300),
    data: { mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: soa.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: soa.ttl },
  };
}

function reply(rcode: Rcode, ctx: ZoneContext, answers: ResourceRecord[] = [], additional: ResourceRecord[] = []): Answer {
  const negative = rcode === 'NXDOMAIN' || (rcode === 'NOERROR' && answers.length === 0);
  return { rcode, authoritative: ctx.soa !== undefined, answers, authority: negative && ctx.soa ? [soaRecord(ctx.zone, ctx.soa)] : [], additional };
}

function addressRecord(name: string, s: BackendService): ResourceRecord {
  return { name, type: s.what as 'A' | 'AAAA', ttl: s.ttl, data: s.host };
}

type Records = ResourceRecord[] | typeof NAME_ERROR;

/**
 * Answers one question from one backend (kubernetes handler.go ServeDNS). Types the backend cannot hold get a hidden A
 * lookup so that a name that exists answers NODATA and one that does not answers NXDOMAIN.
 */
export async function serveFromBackend(b: Backend, req: BackendRequest, ctx: ZoneContext): Promise<Answer> {
  let records: Records = [];
  let extra: ResourceRecord[] = [];
  const apex = req.name === ctx.zone.toLowerCase();
  switch (req.type) {
    case 'A':
    case 'AAAA':
    case 'TXT':
      records = await chase(b, req, ctx, []);
      break;
    case 'CNAME':
      records = cname(b, req);
      break;
    case 'PTR':
      records = ptr(b, req);
      break;
    case 'SRV':
      [records, extra] = srv(b, req);
      break;
    case 'SOA':
      // Only the apex has a SOA; any other name answers NODATA, existing or not (handler.go has no fake lookup here).
      if (apex && ctx.soa) records = [soaRecord(ctx.zone, ctx.soa)];
      break;
    case 'AXFR':
    case 'IXFR':
      return { rcode: 'REFUSED', authoritative: false, answers: [], authority: [], additional: [] };
    case 'NS':
      // NS below the apex is like any other type.
      if (apex && ctx.soa) [records, extra] = ns(b, req, ctx);
      else records = exists(b, req);
      break;
    default:
      records = exists(b, req);
  }
  if (records === NAME_ERROR) return reply('NXDOMAIN', ctx);
  return reply('NOERROR', ctx, records, extra);
}

/** The hidden A lookup: NODATA when the name exists, NXDOMAIN when it does not. */
function exists(b: Backend, req: BackendRequest): Records {
  return b.services({ ...req, type: 'A' }) === NAME_ERROR ? NAME_ERROR : [];
}

/**
 * A, AAAA or TXT records of a name (backend_lookup.go A/AAAA/TXT): addresses once each; a CNAME is followed inside the
 * backend when it owns the target (and kept only if the target has records), otherwise through the server's lookup.
 */
async function chase(b: Backend, req: BackendRequest, ctx: ZoneContext, previous: ResourceRecord[]): Promise<Records> {
  const services = b.services(req);
  if (services === NAME_ERROR) return NAME_ERROR;
  const out: ResourceRecord[] = [];
  const dup = new Set<string>();
  for (const s of services) {
    if (s.what === 'CNAME') {
      const target = s.host.toLowerCase();
      if (target === req.name || previous.length > MAX_CNAME_CHAIN) continue; // x CNAME x, or a chain too long
      if (previous.some((r) => r.type === 'CNAME' && r.data === s.host)) continue;
      const cname: ResourceRecord = { name: req.qname, type: 'CNAME', ttl: s.ttl, data: s.host };
      if (b.owns(target)) {
        const next = await chase(b, { ...req, qname: s.host, name: target }, ctx, [...previous, cname]);
        if (next !== NAME_ERROR && next.length > 0) out.push(cname, ...next);
        continue;
      }
      const m = await ctx.lookup(s.host, req.type);
      if (m.rcode === 'SERVFAIL' || m.rcode === 'REFUSED') continue; // the lookup failed: drop the CNAME too
      out.push(cname, ...m.answers);
      continue;
    }
    if (s.what !== req.type) continue;
    const key = s.what === 'TXT' ? s.text! : s.host;
    if (dup.has(key)) continue;
    dup.add(key);
    out.push(s.what === 'TXT' ? { name: req.qname, type: 'TXT', ttl: s.ttl, data: [s.text!] } : addressRecord(req.qname, s));
  }
  return out;
}

/** The CNAME of a name, if the first thing it leads to is a name (backend_lookup.go CNAME). */
function cname(b: Backend, req: BackendRequest): Records {
  const services = b.services(req);
  if (services === NAME_ERROR) return NAME_ERROR;
  const first = services[0];
  return first?.what === 'CNAME' ? [{ name: req.qname, type: 'CNAME', ttl: first.ttl, data: first.host }] : [];
}

/** PTR records of a reverse name, one per distinct target name (backend_lookup.go PTR). */
function ptr(b: Backend, req: BackendRequest): Records {
  const services = b.reverse(req);
  if (services === NAME_ERROR) return NAME_ERROR;
  const seen = new Set<string>();
  const out: ResourceRecord[] = [];
  for (const s of services)
    if (s.what === 'CNAME' && !seen.has(s.host)) {
      seen.add(s.host);
      out.push({ name: req.qname, type: 'PTR', ttl: s.ttl, data: s.host });
    }
  return out;
}

/**
 * SRV records (backend_lookup.go SRV): priority 0; weight floor(100 / candidates), at least 1, counted before
 * duplicate targets are dropped; entries without a port make no record but still count. The additional section
 * holds each target's address once. Name targets (never produced by the backends here) would need a lookup.
 */
function srv(b: Backend, req: BackendRequest): [Records, ResourceRecord[]] {
  const services = b.services(req);
  if (services === NAME_ERROR) return [NAME_ERROR, []];
  // Go computes 100.0/float64(sum of weights)*100 in float64; the same IEEE operations give the same floor here.
  const weight = Math.max(1, Math.floor((100 / (100 * services.length)) * 100));
  const records: ResourceRecord[] = [];
  const extra: ResourceRecord[] = [];
  const dup = new Set<string>();
  for (const s of services) {
    if (s.port === -1 || (s.what !== 'A' && s.what !== 'AAAA')) continue;
    const portKey = `${s.target}\u0000${s.port}`;
    if (!dup.has(portKey)) {
      dup.add(portKey);
      records.push({ name: req.qname, type: 'SRV', ttl: s.ttl, data: { priority: 0, weight, port: s.port, target: s.target } });
    }
    const addrKey = `${s.target}\u0000${s.host}`;
    if (!dup.has(addrKey)) {
      dup.add(addrKey);
      extra.push(addressRecord(s.target, s));
    }
  }
  return [records, extra];
}

/** NS at the apex (backend_lookup.go NS): the backend's name servers, with their addresses as glue. */
function ns(b: Backend, req: BackendRequest, ctx: ZoneContext): [Records, ResourceRecord[]] {
  const at = `ns.dns.${ctx.zone}`;
  const services = b.services({ ...req, qname: at, name: at.toLowerCase(), type: 'NS' });
  if (services === NAME_ERROR) return [NAME_ERROR, []];
  const records: ResourceRecord[] = [];
  const extra: ResourceRecord[] = [];
  const seen = new Set<string>();
  for (const s of services) {
    if (s.what !== 'A' && s.what !== 'AAAA') continue;
    extra.push(addressRecord(s.target, s));
    if (seen.has(s.target)) continue;
    seen.add(s.target);
    records.push({ name: req.qname, type: 'NS', ttl: s.ttl, data: s.target });
  }
  return [records, extra];
}
