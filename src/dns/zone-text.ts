// Resource records as zone-file text, the one canonical form flatnet prints and tests compare
// (`my-api.default.svc.cluster.local.\t5\tIN\tA\t10.96.45.123`, as miekg/dns's RR.String() and dig print them).

import type { ResourceRecord } from './types.js';

/** TXT character-strings quoted as zone files write them: `"` and `\` escaped. */
function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The record data (RDATA) in zone-file presentation format. */
export function formatRdata(rr: ResourceRecord): string {
  switch (rr.type) {
    case 'A':
    case 'AAAA':
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return rr.data;
    case 'TXT':
      return rr.data.map(quote).join(' ');
    case 'SRV':
      return `${rr.data.priority} ${rr.data.weight} ${rr.data.port} ${rr.data.target}`;
    case 'SOA': {
      const d = rr.data;
      return `${d.mname} ${d.rname} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
    }
  }
}

/** One record as a zone-file line: owner, TTL, class, type and data separated by tabs. */
export function formatRecord(rr: ResourceRecord): string {
  return `${rr.name}\t${rr.ttl}\tIN\t${rr.type}\t${formatRdata(rr)}`;
}

export class ZoneTextError extends Error {}

/** Splits RDATA into fields, keeping quoted TXT strings (with their escapes) together. */
function fields(s: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of s.matchAll(re)) out.push(m[1] !== undefined ? `"${m[1]}` : m[2]);
  return out;
}

/**
 * Parses one zone-file line written with any whitespace (`name TTL [IN] TYPE data...`): the form tests write expected
 * answers in, like CoreDNS's test.A("...") helpers. Throws ZoneTextError naming the line when it is not a record.
 */
export function parseRecord(line: string): ResourceRecord {
  const bad = (why: string) => new ZoneTextError(`zone-file line ${JSON.stringify(line)}: ${why}`);
  const m = /^\s*(\S+)\s+(\d+)\s+(?:IN\s+)?([A-Z]+)\s*(.*?)\s*$/.exec(line);
  if (!m) throw bad('expected "<name> <ttl> IN <type> <data>"');
  const [, name, ttlText, type, rest] = m;
  const ttl = Number(ttlText);
  const f = fields(rest);
  const num = (s: string | undefined) => {
    if (s === undefined || !/^\d+$/.test(s)) throw bad(`${JSON.stringify(s)} is not a number`);
    return Number(s);
  };
  switch (type) {
    case 'A':
    case 'AAAA':
    case 'CNAME':
    case 'PTR':
    case 'NS':
      if (f.length !== 1) throw bad(`${type} takes one field`);
      return { name, ttl, type, data: f[0] };
    case 'TXT':
      return { name, ttl, type, data: f.map((x) => (x.startsWith('"') ? x.slice(1).replace(/\\(.)/g, '$1') : x)) };
    case 'SRV':
      if (f.length !== 4) throw bad('SRV takes priority, weight, port and target');
      return { name, ttl, type, data: { priority: num(f[0]), weight: num(f[1]), port: num(f[2]), target: f[3] } };
    case 'SOA':
      if (f.length !== 7) throw bad('SOA takes mname, rname, serial, refresh, retry, expire and minimum');
      return { name, ttl, type, data: { mname: f[0], rname: f[1], serial: num(f[2]), refresh: num(f[3]), retry: num(f[4]), expire: num(f[5]), minimum: num(f[6]) } };
    default:
      throw bad(`type ${type} is not one flatnet answers with`);
  }
}

/** Re-formats zone-file text written with any spacing into the canonical form (for comparing with formatRecord). */
export function canonicalRecordText(line: string): string {
  return formatRecord(parseRecord(line));
}
