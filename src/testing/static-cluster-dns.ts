// A ClusterDns fake for tests of the DNS server and wire format: answers from a fixed zone written as zone-file lines.

import type { Answer, ClusterDns, Question, ResourceRecord } from '../dns/types.js';
import { parseRecord } from '../dns/zone-text.js';

function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

export interface StaticClusterDnsOptions {
  /** The zone served authoritatively; other names are REFUSED. Default "cluster.local.". */
  zone?: string;
  /** Names (any case) whose questions reject, to exercise SERVFAIL. */
  failing?: string[];
}

/**
 * Answers like an authoritative server for one zone: the records of the asked name and type, with the owner name in
 * the question's case; NODATA (SOA in authority) for a known name without that type; NXDOMAIN with SOA otherwise.
 * The SRV and CNAME details of the real engine (additional records, chasing) are out of scope.
 */
export class StaticClusterDns implements ClusterDns {
  private readonly byName = new Map<string, ResourceRecord[]>();
  private readonly zone: string;
  private readonly soa: ResourceRecord;
  private readonly failing: Set<string>;
  /** Every question asked, in order. */
  readonly questions: Question[] = [];

  constructor(records: Array<string | ResourceRecord>, opts: StaticClusterDnsOptions = {}) {
    this.zone = fqdn(opts.zone ?? 'cluster.local.').toLowerCase();
    this.failing = new Set((opts.failing ?? []).map((n) => fqdn(n).toLowerCase()));
    this.soa = parseRecord(`${this.zone} 5 IN SOA ns.dns.${this.zone} hostmaster.${this.zone} 1 7200 1800 86400 5`);
    for (const r of records) {
      const rr = typeof r === 'string' ? parseRecord(r) : r;
      const key = fqdn(rr.name).toLowerCase();
      this.byName.set(key, [...(this.byName.get(key) ?? []), rr]);
    }
  }

  async answer(q: Question): Promise<Answer> {
    this.questions.push(q);
    const key = fqdn(q.name).toLowerCase();
    if (this.failing.has(key)) throw new Error(`injected failure for ${q.name}`);
    const empty = { answers: [], authority: [], additional: [] };
    if (key !== this.zone && !key.endsWith(`.${this.zone}`)) return { rcode: 'REFUSED', authoritative: false, ...empty };
    const records = this.byName.get(key);
    if (!records) return { rcode: 'NXDOMAIN', authoritative: true, ...empty, authority: [this.soa] };
    const answers = records.filter((r) => r.type === q.type || q.type === 'ANY').map((r) => ({ ...r, name: q.name }) as ResourceRecord);
    return { rcode: 'NOERROR', authoritative: true, ...empty, answers, authority: answers.length ? [] : [this.soa] };
  }
}
