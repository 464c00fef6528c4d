// DNS over clusters built by flatnet's own controllers: StatefulSet and hostname/subdomain names, readiness and
// publishNotReadyAddresses, PTR for ClusterIPs and pods, ExternalName and externalNames, TTLs, upstream, rebuilds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterFromYaml, find, REPO_ROOT } from '../testing/cluster.js';
import { buildClusterDns, LiveClusterDns } from './cluster-dns.js';
import { DnsCase, question, runDnsCases } from '../testing/dns-cases.js';
import { dashedIP } from './names.js';
import type { Answer, Question } from './types.js';
import type { Upstream } from './upstream.js';
import { formatRecord } from './zone-text.js';

const MODEL = readFileSync(join(REPO_ROOT, 'src/dns/testdata/model.yaml'), 'utf8');
const cluster = clusterFromYaml(MODEL);
const dns = buildClusterDns(cluster.objects, cluster.config, { upstream: null });
const serial = dns.soa.serial;
const SOA = `cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. ${serial} 7200 1800 86400 5`;
const REVERSE_SOA = `in-addr.arpa. 5 IN SOA ns.dns.in-addr.arpa. hostmaster.in-addr.arpa. ${serial} 7200 1800 86400 5`;
const ip = (pod: string) => find(cluster, 'Pod', 'shop', pod).status.podIP as string;
const webPods = cluster.objects.filter((o) => o.kind === 'Pod' && o.metadata.labels?.app === 'web').map((p) => p.status.podIP as string);
const webIP = find(cluster, 'Service', 'shop', 'web').spec.clusterIP as string;
const rev = (addr: string) => `${addr.split('.').reverse().join('.')}.in-addr.arpa.`;

test('a Service with two named ports: A, SRV per port, and weight 50 for the bare name', () =>
  runDnsCases(dns, [
    { name: 'A', q: 'web.shop.svc.cluster.local. A', rcode: 'NOERROR', answer: [`web.shop.svc.cluster.local. 5 IN A ${webIP}`] },
    {
      name: 'both ports by the bare name',
      q: 'web.shop.svc.cluster.local. SRV',
      rcode: 'NOERROR',
      answer: ['web.shop.svc.cluster.local. 5 IN SRV 0 50 80 web.shop.svc.cluster.local.', 'web.shop.svc.cluster.local. 5 IN SRV 0 50 9090 web.shop.svc.cluster.local.'],
      extra: [`web.shop.svc.cluster.local. 5 IN A ${webIP}`],
    },
    { name: 'one port by name', q: '_metrics._tcp.web.shop.svc.cluster.local. SRV', rcode: 'NOERROR', answer: ['_metrics._tcp.web.shop.svc.cluster.local. 5 IN SRV 0 100 9090 web.shop.svc.cluster.local.'], extra: [`web.shop.svc.cluster.local. 5 IN A ${webIP}`] },
    { name: 'a port the Service lacks', q: '_grpc._tcp.web.shop.svc.cluster.local. SRV', rcode: 'NXDOMAIN', ns: [SOA] },
    { name: 'a protocol the port lacks', q: '_http._udp.web.shop.svc.cluster.local. SRV', rcode: 'NXDOMAIN', ns: [SOA] },
    { name: 'a pod behind it by its dashed IP', q: `${dashedIP(webPods[0])}.web.shop.svc.cluster.local. A`, rcode: 'NOERROR', answer: [`${dashedIP(webPods[0])}.web.shop.svc.cluster.local. 5 IN A ${webPods[0]}`] },
  ]));

test('StatefulSet pods and hostname+subdomain pods are named under their headless Service', () =>
  runDnsCases(dns, [
    { name: 'the Service lists both pods', q: 'db.shop.svc.cluster.local. A', rcode: 'NOERROR', answer: [`db.shop.svc.cluster.local. 5 IN A ${ip('db-0')}`, `db.shop.svc.cluster.local. 5 IN A ${ip('db-1')}`] },
    { name: 'db-0 by its hostname', q: 'db-0.db.shop.svc.cluster.local. A', rcode: 'NOERROR', answer: [`db-0.db.shop.svc.cluster.local. 5 IN A ${ip('db-0')}`] },
    {
      name: 'SRV targets the pod names',
      q: '_pg._tcp.db.shop.svc.cluster.local. SRV',
      rcode: 'NOERROR',
      answer: ['_pg._tcp.db.shop.svc.cluster.local. 5 IN SRV 0 50 5432 db-0.db.shop.svc.cluster.local.', '_pg._tcp.db.shop.svc.cluster.local. 5 IN SRV 0 50 5432 db-1.db.shop.svc.cluster.local.'],
      extra: [`db-0.db.shop.svc.cluster.local. 5 IN A ${ip('db-0')}`, `db-1.db.shop.svc.cluster.local. 5 IN A ${ip('db-1')}`],
    },
    { name: 'a pod with hostname and subdomain', q: 'solo-host.group.shop.svc.cluster.local. A', rcode: 'NOERROR', answer: [`solo-host.group.shop.svc.cluster.local. 5 IN A ${ip('solo')}`] },
    { name: 'its dashed IP is not a name: the hostname replaces it', q: `${dashedIP(ip('solo'))}.group.shop.svc.cluster.local. A`, rcode: 'NXDOMAIN', ns: [SOA] },
    { name: 'a StatefulSet ordinal that does not exist', q: 'db-2.db.shop.svc.cluster.local. A', rcode: 'NXDOMAIN', ns: [SOA] },
  ]));

test('not-ready endpoints are left out; a headless Service with none ready is NXDOMAIN unless it publishes them', () =>
  runDnsCases(dns, [
    { name: 'only the ready pod', q: 'mixed.shop.svc.cluster.local. A', rcode: 'NOERROR', answer: [`mixed.shop.svc.cluster.local. 5 IN A ${ip('mixed-a')}`] },
    { name: 'the not-ready pod has no name either', q: `${dashedIP(ip('mixed-b'))}.mixed.shop.svc.cluster.local. A`, rcode: 'NXDOMAIN', ns: [SOA] },
    { name: 'no pod ready', q: 'starting.shop.svc.cluster.local. A', rcode: 'NXDOMAIN', ns: [SOA] },
    { name: 'no pod selected', q: 'unready.shop.svc.cluster.local. A', rcode: 'NXDOMAIN', ns: [SOA] },
    { name: 'publishNotReadyAddresses', q: 'starting-published.shop.svc.cluster.local. A', rcode: 'NOERROR', answer: [`starting-published.shop.svc.cluster.local. 5 IN A ${ip('starting')}`] },
  ]));

test('PTR: a ClusterIP names its Service, a pod IP names the pod under each Service, others fall through', () =>
  runDnsCases(dns, [
    { name: 'ClusterIP', q: `${rev(webIP)} PTR`, rcode: 'NOERROR', answer: [`${rev(webIP)} 5 IN PTR web.shop.svc.cluster.local.`] },
    { name: 'the DNS Service itself', q: '10.0.96.10.in-addr.arpa. PTR', rcode: 'NOERROR', answer: ['10.0.96.10.in-addr.arpa. 5 IN PTR kube-dns.kube-system.svc.cluster.local.'] },
    { name: 'a StatefulSet pod', q: `${rev(ip('db-1'))} PTR`, rcode: 'NOERROR', answer: [`${rev(ip('db-1'))} 5 IN PTR db-1.db.shop.svc.cluster.local.`] },
    { name: 'a Deployment pod', q: `${rev(webPods[1])} PTR`, rcode: 'NOERROR', answer: [`${rev(webPods[1])} 5 IN PTR ${dashedIP(webPods[1])}.web.shop.svc.cluster.local.`] },
    { name: 'a pod behind two Services, ready only in the one that publishes not-ready addresses', q: `${rev(ip('starting'))} PTR`, rcode: 'NOERROR', answer: [`${rev(ip('starting'))} 5 IN PTR ${dashedIP(ip('starting'))}.starting-published.shop.svc.cluster.local.`] },
    { name: 'an externalNames address (fallthrough)', q: '10.113.0.203.in-addr.arpa. PTR', rcode: 'NOERROR', answer: ['10.113.0.203.in-addr.arpa. 5 IN PTR api.example.com.'] },
    { name: 'an unknown address', q: '1.1.1.1.in-addr.arpa. PTR', rcode: 'NXDOMAIN', ns: [REVERSE_SOA] },
  ]));

test('pod records: a-b-c-d.<ns>.pod.<zone> (insecure, the default)', () =>
  runDnsCases(dns, [{ name: 'a pod', q: `${dashedIP(ip('solo'))}.shop.pod.cluster.local. A`, rcode: 'NOERROR', answer: [`${dashedIP(ip('solo'))}.shop.pod.cluster.local. 5 IN A ${ip('solo')}`] }]));

const externalCases: DnsCase[] = [
  { name: 'ExternalName to a listed name: CNAME, then its address', q: 'payments.shop.svc.cluster.local. A', rcode: 'NOERROR', answer: ['payments.shop.svc.cluster.local. 5 IN CNAME api.example.com.', 'api.example.com. 5 IN A 203.0.113.10'] },
  { name: 'ExternalName to an unlisted name: the CNAME alone (the lookup found nothing)', q: 'docs.shop.svc.cluster.local. A', rcode: 'NOERROR', answer: ['docs.shop.svc.cluster.local. 5 IN CNAME docs.example.org.'] },
  { name: 'ExternalName holding an IP address answers nothing (kind#1152)', q: 'legacy.shop.svc.cluster.local. A', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: 'an externalNames address', q: 'api.example.com. A', rcode: 'NOERROR', answer: ['api.example.com. 5 IN A 203.0.113.10'], authoritative: false },
  { name: 'a list of addresses', q: 'db.example.com A', rcode: 'NOERROR', answer: ['db.example.com. 5 IN A 198.51.100.1', 'db.example.com. 5 IN A 198.51.100.2'] },
  { name: 'an alias: the CNAME and the target', q: 'www.example.com. A', rcode: 'NOERROR', answer: ['www.example.com. 5 IN CNAME api.example.com.', 'api.example.com. 5 IN A 203.0.113.10'] },
  { name: 'names are case-insensitive and echoed as asked', q: 'MIXED.case.example. A', rcode: 'NOERROR', answer: ['MIXED.case.example. 5 IN A 203.0.113.20'] },
  { name: 'AAAA of an IPv4-only external name is NODATA', q: 'api.example.com. AAAA', rcode: 'NOERROR', authoritative: false },
  { name: 'an unlisted name is NXDOMAIN without a SOA', q: 'google.com. A', rcode: 'NXDOMAIN', authoritative: false },
  { name: 'a name below a listed one does not exist', q: 'x.api.example.com. A', rcode: 'NXDOMAIN' },
  { name: 'a CNAME loop ends without records', q: 'loop-a.example. A', rcode: 'NOERROR' },
];

test('outside names come from spec.dns.externalNames; ExternalName Services resolve through them', () => runDnsCases(dns, externalCases));

test('the TTL is configurable; the SOA TTL is capped at 300 and its minimum follows the TTL', async () => {
  const long = clusterFromYaml(MODEL.replace('  dns:\n', '  dns:\n    ttl: 600\n'));
  const d = buildClusterDns(long.objects, long.config, { serial: 7 });
  const a = await d.answer(question('web.shop.svc.cluster.local. A'));
  assert.deepEqual(a.answers.map(formatRecord), [`web.shop.svc.cluster.local.\t600\tIN\tA\t${long.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'web')!.spec.clusterIP}`]);
  const n = await d.answer(question('nothing.shop.svc.cluster.local. A'));
  assert.deepEqual(n.authority.map(formatRecord), ['cluster.local.\t300\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local. 7 7200 1800 86400 600']);
  const version = await d.answer(question('dns-version.cluster.local. TXT'));
  assert.equal(version.answers[0].ttl, 28800, 'dns-version keeps its fixed TTL');
});

function fakeUpstream(reply: (q: Question) => Answer): Upstream & { asked: string[] } {
  const asked: string[] = [];
  return { address: 'fake:53', asked, lookup: async (q) => (asked.push(`${q.name} ${q.type}`), reply(q)) };
}

test('with an upstream, names nobody else answers are forwarded; the cluster zone and externalNames never are', async () => {
  const up = fakeUpstream((q) => ({ rcode: 'NOERROR', authoritative: false, answers: [{ name: q.name, type: 'A', ttl: 60, data: '192.0.2.80' }], authority: [], additional: [] }));
  const d = buildClusterDns(cluster.objects, cluster.config, { upstream: up, serial });
  await runDnsCases(d, [
    { name: 'forwarded', q: 'google.com. A', rcode: 'NOERROR', answer: ['google.com. 60 IN A 192.0.2.80'] },
    { name: 'externalNames first', q: 'api.example.com. A', rcode: 'NOERROR', answer: ['api.example.com. 5 IN A 203.0.113.10'] },
    { name: 'the cluster zone answers itself', q: 'nothing.shop.svc.cluster.local. A', rcode: 'NXDOMAIN', ns: [SOA] },
    { name: 'an ExternalName target is looked up upstream', q: 'docs.shop.svc.cluster.local. A', rcode: 'NOERROR', answer: ['docs.shop.svc.cluster.local. 5 IN CNAME docs.example.org.', 'docs.example.org. 60 IN A 192.0.2.80'] },
    { name: 'unknown reverse names fall through to it', q: '1.1.1.1.in-addr.arpa. PTR', rcode: 'NOERROR', answer: ['1.1.1.1.in-addr.arpa. 60 IN A 192.0.2.80'] },
  ]);
  assert.deepEqual(up.asked, ['google.com. A', 'docs.example.org. A', '1.1.1.1.in-addr.arpa. PTR']);
  const failing = buildClusterDns(cluster.objects, cluster.config, { upstream: fakeUpstream(() => ({ rcode: 'SERVFAIL', authoritative: false, answers: [], authority: [], additional: [] })), serial });
  await runDnsCases(failing, [
    { name: 'an upstream failure is SERVFAIL', q: 'google.com. A', rcode: 'SERVFAIL' },
    { name: 'a failed target lookup drops the CNAME too', q: 'docs.shop.svc.cluster.local. A', rcode: 'NOERROR', ns: [SOA] },
  ]);
});

test('a rebuilt engine swapped into LiveClusterDns answers for the new model at once', async () => {
  const live = new LiveClusterDns(dns);
  assert.equal((await live.answer(question('late.shop.svc.cluster.local. A'))).rcode, 'NXDOMAIN');
  const next = clusterFromYaml(`${MODEL}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: late, namespace: shop}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n`, cluster.objects);
  live.swap(buildClusterDns(next.objects, next.config, { upstream: null }));
  const a = await live.answer(question('late.shop.svc.cluster.local. A'));
  assert.deepEqual(a.answers.map((r) => r.data), [find(next, 'Service', 'shop', 'late').spec.clusterIP]);
  assert.equal(live.engine.soa.serial >= serial, true);
});

test('forNameserver: kube-dns addresses reach the cluster DNS, any other address the outside only', async () => {
  assert.equal(dns.forNameserver('10.96.0.10'), dns);
  const node = dns.forNameserver('172.18.0.1');
  assert.equal((await node.answer(question('web.shop.svc.cluster.local. A'))).rcode, 'NXDOMAIN', 'a node resolver knows no cluster zone');
  assert.equal((await node.answer(question('api.example.com. A'))).answers.length, 1);
  assert.equal((await dns.forNameserver(undefined).answer(question('api.example.com. A'))).rcode, 'SERVFAIL');
});
