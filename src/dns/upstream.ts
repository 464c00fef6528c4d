// Forwarding to an upstream DNS server over UDP (CoreDNS `forward . ip:port`), kept apart from the pure engine: one
// socket per query, a short timeout, and SERVFAIL when the upstream cannot be reached, as forward answers then.

import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import dnsPacket from 'dns-packet';
import { fqdn } from './names.js';
import type { Answer, Question, Rcode, ResourceRecord } from './types.js';

/** Somewhere names outside the cluster zone and externalNames are sent. */
export interface Upstream {
  /** `ip:port`, for messages. */
  readonly address: string;
  /** The upstream's answer; SERVFAIL when it does not answer in time or cannot be asked. Never rejects. */
  lookup(q: Question): Promise<Answer>;
}

export interface UdpUpstreamOptions {
  /** How long to wait for the reply, in ms (default 2000, CoreDNS forward's read timeout). */
  timeoutMs?: number;
}

const RCODES: readonly Rcode[] = ['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED', 'NOTIMP', 'FORMERR'];

export function servfail(): Answer {
  return { rcode: 'SERVFAIL', authoritative: false, answers: [], authority: [], additional: [] };
}

function text(v: unknown): string {
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

/** A decoded record in flatnet's form; undefined for types flatnet does not carry (MX, OPT, ...). */
function toRecord(a: dnsPacket.Answer): ResourceRecord | undefined {
  const name = fqdn(a.name);
  const ttl = 'ttl' in a && typeof a.ttl === 'number' ? a.ttl : 0;
  const d = (a as { data?: unknown }).data as any;
  switch (a.type) {
    case 'A':
    case 'AAAA':
      return { name, ttl, type: a.type, data: String(d) };
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return { name, ttl, type: a.type, data: fqdn(String(d)) };
    case 'TXT':
      return { name, ttl, type: 'TXT', data: (Array.isArray(d) ? d : [d]).map(text) };
    case 'SRV':
      return { name, ttl, type: 'SRV', data: { priority: d.priority ?? 0, weight: d.weight ?? 0, port: d.port, target: fqdn(d.target) } };
    case 'SOA':
      return { name, ttl, type: 'SOA', data: { mname: fqdn(d.mname), rname: fqdn(d.rname), serial: d.serial, refresh: d.refresh, retry: d.retry, expire: d.expire, minimum: d.minimum } };
    default:
      return undefined;
  }
}

function records(list: dnsPacket.Answer[] | undefined): ResourceRecord[] {
  const out: ResourceRecord[] = [];
  for (const a of list ?? []) {
    const r = toRecord(a);
    if (r) out.push(r);
  }
  return out;
}

/**
 * An upstream reached over UDP at `ip:port`. A truncated reply is passed on as it is (CoreDNS would retry over TCP);
 * records of types flatnet does not model are left out.
 */
export function udpUpstream(ip: string, port = 53, opts: UdpUpstreamOptions = {}): Upstream {
  const timeoutMs = opts.timeoutMs ?? 2000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`udpUpstream: timeoutMs must be a positive number of milliseconds, not ${timeoutMs}`);
  return {
    address: `${ip}:${port}`,
    lookup(q: Question): Promise<Answer> {
      let query: Buffer;
      const id = randomInt(65536);
      try {
        const name = q.name.endsWith('.') && q.name !== '.' ? q.name.slice(0, -1) : q.name;
        query = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: q.type as dnsPacket.RecordType, name, class: 'IN' }] });
      } catch {
        return Promise.resolve(servfail()); // a type dns-packet cannot encode
      }
      return new Promise<Answer>((resolve) => {
        const socket = dgram.createSocket(ip.includes(':') ? 'udp6' : 'udp4');
        let done = false;
        const finish = (a: Answer) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          socket.close();
          resolve(a);
        };
        const timer = setTimeout(() => finish(servfail()), timeoutMs);
        socket.on('error', () => finish(servfail()));
        socket.on('message', (msg) => {
          let p: dnsPacket.DecodedPacket;
          try {
            p = dnsPacket.decode(msg);
          } catch {
            return; // not a DNS message: keep waiting for the real reply
          }
          if (p.id !== id || p.type !== 'response') return;
          const rcode = (p as { rcode?: string }).rcode as Rcode | undefined;
          finish({
            rcode: rcode && RCODES.includes(rcode) ? rcode : 'SERVFAIL',
            authoritative: !!p.flag_aa,
            answers: records(p.answers),
            authority: records(p.authorities),
            additional: records(p.additionals),
          });
        });
        socket.send(query, port, ip, (err) => {
          if (err) finish(servfail());
        });
      });
    },
  };
}
