// One test per expansion rule of ../shared/reference/dns.md §9, for glibc and for musl: which names a lookup tries,
// in what order, and where it stops, against the zone of the verified experiment.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NAME_ERROR } from './backend.js';
import { parseResolvConf } from './resolv-conf.js';
import { LookupType, resolve, ResolverLibrary } from './resolver.js';
import type { Answer, ClusterDns, Question, ResourceRecord } from './types.js';
import { parseRecord } from './zone-text.js';

/**
 * A server for a fixed set of records: NODATA for a name that has records of other types (or is listed with none),
 * NXDOMAIN otherwise; the names in `failing` answer SERVFAIL. It records every question.
 */
class ZoneDns implements ClusterDns {
  readonly asked: string[] = [];
  private readonly names = new Map<string, ResourceRecord[] | typeof NAME_ERROR>();
  constructor(lines: string[], empty: string[] = [], private readonly failing: string[] = []) {
    for (const l of lines) {
      const rr = parseRecord(l);
      const list = this.names.get(rr.name) as ResourceRecord[] | undefined;
      if (list) list.push(rr);
      else this.names.set(rr.name, [rr]);
    }
    for (const n of empty) this.names.set(n, []);
  }
  async answer(q: Question): Promise<Answer> {
    this.asked.push(`${q.name} ${q.type}`);
    const none = { authoritative: true, answers: [], authority: [], additional: [] };
    if (this.failing.includes(q.name)) return { ...none, rcode: 'SERVFAIL' };
    const rrs = this.names.get(q.name);
    if (rrs === undefined || rrs === NAME_ERROR) return { ...none, rcode: 'NXDOMAIN' };
    return { ...none, rcode: 'NOERROR', answers: rrs.filter((r) => r.type === q.type) };
  }
}

/** The experiment's zone (§9): my-api and google.com, plus the names the musl NODATA test used. */
const zone = () =>
  new ZoneDns(
    [
      'my-api.default.svc.cluster.local. 5 IN A 10.96.45.123',
      'google.com. 30 IN A 142.250.74.110',
      'a.b.c.d.e.f. 5 IN A 192.0.2.6',
      'svcnodata.svc.cluster.local. 5 IN A 10.96.0.77',
      '_http._tcp.my-api.svc.cluster.local. 5 IN SRV 0 100 80 my-api.svc.cluster.local.',
      '123.45.96.10.in-addr.arpa. 5 IN PTR my-api.default.svc.cluster.local.',
      'flaky.cluster.local. 5 IN A 10.96.0.78',
    ],
    ['svcnodata.default.svc.cluster.local.'],
    ['flaky.default.svc.cluster.local.', 'flaky.svc.cluster.local.'],
  );

const POD = parseResolvConf('search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
const WITH_NODE_SEARCH = parseResolvConf('search default.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\noptions ndots:5\n');

interface Case {
  name: string;
  lookup: string;
  type?: LookupType;
  conf?: typeof POD;
  /** The tries as `name status`, per library. */
  glibc: string[];
  musl: string[];
  resolved: { glibc: boolean; musl: boolean };
}

const D = 'default.svc.cluster.local.';
const cases: Case[] = [
  { name: '0 dots < ndots: the first search domain answers', lookup: 'my-api', glibc: [`my-api.${D} FOUND`], musl: [`my-api.${D} FOUND`], resolved: { glibc: true, musl: true } },
  {
    name: '1 dot: the namespace search domain misses, the next one answers',
    lookup: 'my-api.default',
    glibc: [`my-api.default.${D} NXDOMAIN`, `my-api.${D} FOUND`],
    musl: [`my-api.default.${D} NXDOMAIN`, `my-api.${D} FOUND`],
    resolved: { glibc: true, musl: true },
  },
  {
    name: 'an external name walks the whole search list, then is asked as is',
    lookup: 'google.com',
    glibc: [`google.com.${D} NXDOMAIN`, 'google.com.svc.cluster.local. NXDOMAIN', 'google.com.cluster.local. NXDOMAIN', 'google.com. FOUND'],
    musl: [`google.com.${D} NXDOMAIN`, 'google.com.svc.cluster.local. NXDOMAIN', 'google.com.cluster.local. NXDOMAIN', 'google.com. FOUND'],
    resolved: { glibc: true, musl: true },
  },
  {
    name: "the node's search domains come after the cluster's, before the name as is",
    lookup: 'google.com',
    conf: WITH_NODE_SEARCH,
    glibc: [`google.com.${D} NXDOMAIN`, 'google.com.svc.cluster.local. NXDOMAIN', 'google.com.cluster.local. NXDOMAIN', 'google.com.corp.example. NXDOMAIN', 'google.com. FOUND'],
    musl: [`google.com.${D} NXDOMAIN`, 'google.com.svc.cluster.local. NXDOMAIN', 'google.com.cluster.local. NXDOMAIN', 'google.com.corp.example. NXDOMAIN', 'google.com. FOUND'],
    resolved: { glibc: true, musl: true },
  },
  { name: 'a trailing dot: absolute, one try, no search', lookup: 'google.com.', glibc: ['google.com. FOUND'], musl: ['google.com. FOUND'], resolved: { glibc: true, musl: true } },
  { name: 'dots ≥ ndots: the name as is first', lookup: 'a.b.c.d.e.f', glibc: ['a.b.c.d.e.f. FOUND'], musl: ['a.b.c.d.e.f. FOUND'], resolved: { glibc: true, musl: true } },
  {
    name: 'dots ≥ ndots and absent: glibc falls back to the search list, musl never does',
    lookup: 'u.v.w.x.y.z',
    glibc: ['u.v.w.x.y.z. NXDOMAIN', `u.v.w.x.y.z.${D} NXDOMAIN`, 'u.v.w.x.y.z.svc.cluster.local. NXDOMAIN', 'u.v.w.x.y.z.cluster.local. NXDOMAIN'],
    musl: ['u.v.w.x.y.z. NXDOMAIN'],
    resolved: { glibc: false, musl: false },
  },
  {
    name: 'a name that exists nowhere: every candidate, then failure',
    lookup: 'nothere',
    glibc: [`nothere.${D} NXDOMAIN`, 'nothere.svc.cluster.local. NXDOMAIN', 'nothere.cluster.local. NXDOMAIN', 'nothere. NXDOMAIN'],
    musl: [`nothere.${D} NXDOMAIN`, 'nothere.svc.cluster.local. NXDOMAIN', 'nothere.cluster.local. NXDOMAIN', 'nothere. NXDOMAIN'],
    resolved: { glibc: false, musl: false },
  },
  {
    name: 'NODATA on a search candidate: glibc goes on, musl stops (why unknown names must be NXDOMAIN)',
    lookup: 'svcnodata',
    glibc: [`svcnodata.${D} NODATA`, 'svcnodata.svc.cluster.local. FOUND'],
    musl: [`svcnodata.${D} NODATA`],
    resolved: { glibc: true, musl: false },
  },
  {
    name: 'SERVFAIL on a search candidate: glibc goes on, musl gives up',
    lookup: 'flaky',
    glibc: [`flaky.${D} SERVFAIL`, 'flaky.svc.cluster.local. SERVFAIL', 'flaky.cluster.local. FOUND'],
    musl: [`flaky.${D} SERVFAIL`],
    resolved: { glibc: true, musl: false },
  },
  {
    name: "a typed lookup: glibc's res_search searches, musl's res_search is res_query (the name as is, once)",
    lookup: '_http._tcp.my-api',
    type: 'SRV',
    glibc: [`_http._tcp.my-api.${D} NXDOMAIN`, '_http._tcp.my-api.svc.cluster.local. FOUND'],
    musl: ['_http._tcp.my-api. NXDOMAIN'],
    resolved: { glibc: true, musl: false },
  },
  { name: 'PTR of an address: its reverse name, once', lookup: '10.96.45.123', type: 'PTR', glibc: ['123.45.96.10.in-addr.arpa. FOUND'], musl: ['123.45.96.10.in-addr.arpa. FOUND'], resolved: { glibc: true, musl: true } },
];

for (const c of cases)
  for (const library of ['glibc', 'musl'] as ResolverLibrary[])
    test(`${library}: ${c.name}`, async () => {
      const r = await resolve(c.lookup, c.type ?? 'ADDR', c.conf ?? POD, zone(), { library });
      assert.deepEqual(
        r.tries.map((t) => `${t.name} ${t.status}`),
        c[library],
      );
      assert.equal(r.resolved, c.resolved[library], r.summary);
    });

test('an address lookup sends an A and an AAAA query for each candidate, in that order', async () => {
  const dns = zone();
  const r = await resolve('my-api.default', 'ADDR', POD, dns);
  assert.deepEqual(dns.asked, [`my-api.default.${D} A`, `my-api.default.${D} AAAA`, `my-api.${D} A`, `my-api.${D} AAAA`]);
  assert.deepEqual(r.candidates, [`my-api.default.${D}`, `my-api.${D}`, 'my-api.default.cluster.local.', 'my-api.default.']);
  assert.deepEqual(r.records.map((x) => x.data), ['10.96.45.123']);
  assert.equal(r.status, 'NOERROR');
});

test('the error reported: NXDOMAIN when every try said so; glibc reports NODATA if any try had it', async () => {
  assert.equal((await resolve('nothere', 'ADDR', POD, zone())).status, 'NXDOMAIN');
  const dns = new ZoneDns([], ['ghost.svc.cluster.local.']);
  const glibc = await resolve('ghost', 'ADDR', POD, dns);
  assert.deepEqual([glibc.tries.length, glibc.tries[3].status, glibc.status], [4, 'NXDOMAIN', 'NODATA'], 'the last try said NXDOMAIN, but an earlier one NODATA');
  const musl = await resolve('ghost', 'ADDR', POD, dns, { library: 'musl' });
  assert.deepEqual([musl.tries.length, musl.status], [2, 'NODATA']);
});

test('a name as is that fails first keeps its error for glibc (saved_herrno), whatever the search list says', async () => {
  const dns = new ZoneDns([], ['q.r.s.t.u.v.svc.cluster.local.']);
  const r = await resolve('q.r.s.t.u.v', 'ADDR', POD, dns);
  assert.deepEqual([r.tries.map((t) => t.status), r.status], [['NXDOMAIN', 'NXDOMAIN', 'NODATA', 'NXDOMAIN'], 'NXDOMAIN']);
});

test('a root (".") search domain asks the name as is in its place, and glibc does not ask it again', async () => {
  const conf = parseResolvConf('search default.svc.cluster.local .\nnameserver 10.96.0.10\noptions ndots:5\n');
  const r = await resolve('nothere', 'ADDR', conf, zone());
  assert.deepEqual(r.tries.map((t) => t.name), [`nothere.${D}`, 'nothere.']);
});

test('without search domains or ndots, a bare name is asked once as is (glibc: ndots 1)', async () => {
  const r = await resolve('google.com', 'ADDR', parseResolvConf('nameserver 172.18.0.1\noptions ndots:0\n'), zone());
  assert.deepEqual(r.tries.map((t) => `${t.name} ${t.status}`), ['google.com. FOUND']);
});
