// Tests of the StaticClusterDns fake: it answers like an authoritative server, so server tests built on it mean something.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRecord } from '../dns/zone-text.js';
import { StaticClusterDns } from './static-cluster-dns.js';

const dns = new StaticClusterDns(
  ['web.default.svc.cluster.local. 5 IN A 10.96.0.20', 'web.default.svc.cluster.local. 5 IN A 10.96.0.21', '_http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 100 80 web.default.svc.cluster.local.'],
  { failing: ['boom.default.svc.cluster.local'] },
);
const SOA = 'cluster.local.\t5\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5';

test('StaticClusterDns answers records, NODATA, NXDOMAIN and REFUSED like an authoritative server', async () => {
  const cases = [
    { name: 'records of the asked type, owner in the question case', q: { name: 'WEB.default.svc.cluster.local.', type: 'A' }, want: 'NOERROR aa | WEB.default.svc.cluster.local.\t5\tIN\tA\t10.96.0.20 ; WEB.default.svc.cluster.local.\t5\tIN\tA\t10.96.0.21 | ' },
    { name: 'a known name without the type is NODATA with the SOA', q: { name: 'web.default.svc.cluster.local.', type: 'AAAA' }, want: `NOERROR aa |  | ${SOA}` },
    { name: 'an unknown name in the zone is NXDOMAIN with the SOA', q: { name: 'nope.default.svc.cluster.local', type: 'A' }, want: `NXDOMAIN aa |  | ${SOA}` },
    { name: 'a name outside the zone is REFUSED', q: { name: 'example.com.', type: 'A' }, want: 'REFUSED - |  | ' },
  ];
  for (const c of cases) {
    const a = await dns.answer(c.q);
    assert.equal(`${a.rcode} ${a.authoritative ? 'aa' : '-'} | ${a.answers.map(formatRecord).join(' ; ')} | ${a.authority.map(formatRecord).join(' ; ')}`, c.want, c.name);
  }
  await assert.rejects(dns.answer({ name: 'boom.default.svc.cluster.local.', type: 'A' }), /injected failure/);
  assert.equal(dns.questions.length, 5);
});
