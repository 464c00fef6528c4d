// The golden question → answer table of ../shared/reference/dns.md §5 (CoreDNS's kubernetes plugin unit tests),
// run against flatnet's engine with the upstream fixtures restated as YAML; expected answers are zone-file text.

import { test } from 'node:test';
import { DnsCase, dnsFixture, fixtureEngine, runDnsCases } from '../testing/dns-cases.js';

const SOA = 'cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1499347823 7200 1800 86400 5';
const handler = dnsFixture('coredns-handler.yaml');

const serviceCases: DnsCase[] = [
  { name: '#1 a ClusterIP Service answers A with its ClusterIP', q: 'svc1.testns.svc.cluster.local. A', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
  { name: '#2 a ClusterIP Service with no ready endpoints still answers A', q: 'svcempty.testns.svc.cluster.local. A', rcode: 'NOERROR', answer: ['svcempty.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
  { name: '#3 a bare-name SRV lists the port, with the ClusterIP as additional', q: 'svc1.testns.svc.cluster.local. SRV', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc1.testns.svc.cluster.local.'], extra: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
  { name: '#3 SRV on a Service without endpoints', q: 'svcempty.testns.svc.cluster.local. SRV', rcode: 'NOERROR', answer: ['svcempty.testns.svc.cluster.local. 5 IN SRV 0 100 80 svcempty.testns.svc.cluster.local.'], extra: ['svcempty.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
  { name: '#4 a named-port SRV', q: '_http._tcp.svc1.testns.svc.cluster.local. SRV', rcode: 'NOERROR', answer: ['_http._tcp.svc1.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc1.testns.svc.cluster.local.'], extra: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
  { name: '#4 a named-port SRV without endpoints', q: '_http._tcp.svcempty.testns.svc.cluster.local. SRV', rcode: 'NOERROR', answer: ['_http._tcp.svcempty.testns.svc.cluster.local. 5 IN SRV 0 100 80 svcempty.testns.svc.cluster.local.'], extra: ['svcempty.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
  { name: '#5 an IPv6 Service SRV carries an AAAA', q: 'svc6.testns.svc.cluster.local. SRV', rcode: 'NOERROR', answer: ['svc6.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc6.testns.svc.cluster.local.'], extra: ['svc6.testns.svc.cluster.local. 5 IN AAAA 1234:abcd::1'] },
  { name: '#5 a named-port SRV of an IPv6 Service', q: '_http._tcp.svc6.testns.svc.cluster.local. SRV', rcode: 'NOERROR', answer: ['_http._tcp.svc6.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc6.testns.svc.cluster.local.'], extra: ['svc6.testns.svc.cluster.local. 5 IN AAAA 1234:abcd::1'] },
  { name: 'an IPv6 Service answers AAAA', q: 'svc6.testns.svc.cluster.local. AAAA', rcode: 'NOERROR', answer: ['svc6.testns.svc.cluster.local. 5 IN AAAA 1234:abcd::1'] },
  { name: '#9 AAAA on an IPv4-only Service is NODATA', q: 'svc1.testns.svc.cluster.local. AAAA', rcode: 'NOERROR', ns: [SOA] },
  { name: '#10 an unknown Service is NXDOMAIN (A)', q: 'svc0.testns.svc.cluster.local. A', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: '#10 an unknown Service is NXDOMAIN (AAAA)', q: 'svc0.testns.svc.cluster.local. AAAA', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: '#11 a missing namespace is NXDOMAIN', q: 'svc0.svc-nons.svc.cluster.local. A', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: '#11 TXT in a missing namespace is NXDOMAIN', q: 'svc0.svc-nons.svc.cluster.local. TXT', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: '#12 dns-version TXT is the schema version, TTL 28800', q: 'dns-version.cluster.local. TXT', rcode: 'NOERROR', answer: ['dns-version.cluster.local. 28800 IN TXT "1.1.0"'] },
  { name: '#13 TXT on a Service is NODATA', q: 'svc1.testns.svc.cluster.local. TXT', rcode: 'NOERROR', ns: [SOA] },
  { name: '#14 an unknown endpoint of a headless Service is NXDOMAIN', q: 'bogusendpoint.hdls1.testns.svc.cluster.local. A', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: '#15 an endpoint of an unknown Service is NXDOMAIN', q: 'bogusendpoint.svc0.testns.svc.cluster.local. A', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: '#16 svc.<zone> A is NODATA', q: 'svc.cluster.local. A', rcode: 'NOERROR', ns: [SOA] },
  { name: '#16 svc.<zone> NS is NODATA', q: 'svc.cluster.local. NS', rcode: 'NOERROR', ns: [SOA] },
  { name: '#16 pod.<zone> A is NODATA', q: 'pod.cluster.local. A', rcode: 'NOERROR', ns: [SOA] },
  { name: '#16 <ns>.svc.<zone> A is NODATA', q: 'testns.svc.cluster.local. A', rcode: 'NOERROR', ns: [SOA] },
  { name: '#16 <ns>.svc.<zone> NS is NODATA', q: 'testns.svc.cluster.local. NS', rcode: 'NOERROR', ns: [SOA] },
  { name: '#17 a label other than svc or pod is NXDOMAIN', q: 'foo.cluster.local. NS', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: '#17 a missing namespace under svc is NXDOMAIN', q: 'foo.svc.cluster.local. NS', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: '#18 a dual-stack Service answers A with its IPv4', q: 'svc-dual-stack.testns.svc.cluster.local. A', rcode: 'NOERROR', answer: ['svc-dual-stack.testns.svc.cluster.local. 5 IN A 10.0.0.3'] },
  { name: '#18 a dual-stack Service answers AAAA with its IPv6', q: 'svc-dual-stack.testns.svc.cluster.local. AAAA', rcode: 'NOERROR', answer: ['svc-dual-stack.testns.svc.cluster.local. 5 IN AAAA 10::3'] },
  { name: '#19 dual-stack SRV: one record of weight 50 (two candidates), both addresses additional', q: 'svc-dual-stack.testns.svc.cluster.local. SRV', rcode: 'NOERROR', answer: ['svc-dual-stack.testns.svc.cluster.local. 5 IN SRV 0 50 80 svc-dual-stack.testns.svc.cluster.local.'], extra: ['svc-dual-stack.testns.svc.cluster.local. 5 IN A 10.0.0.3', 'svc-dual-stack.testns.svc.cluster.local. 5 IN AAAA 10::3'] },
  { name: '#20 SOA below the apex is NODATA', q: 'svc1.testns.svc.cluster.local. SOA', rcode: 'NOERROR', ns: [SOA] },
  { name: '#21 a name below an ExternalName Service is NXDOMAIN', q: 'endpoint.external.testns.svc.cluster.local. CNAME', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: '#21 two names below an ExternalName Service are NXDOMAIN', q: 'subdomain.subdomain.external.testns.svc.cluster.local. CNAME', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: 'ns.dns.<zone> answers the DNS Service address', q: 'ns.dns.cluster.local. A', rcode: 'NOERROR', answer: ['ns.dns.cluster.local. 5 IN A 10.96.0.10'] },
  { name: 'zone transfers are refused', q: 'cluster.local. AXFR', rcode: 'REFUSED' },
];

const headlessCases: DnsCase[] = [
  { name: '#6 a headless Service answers one A per ready IPv4 endpoint', q: 'hdls1.testns.svc.cluster.local. A', rcode: 'NOERROR', answer: ['172.0.0.2', '172.0.0.3', '172.0.0.4', '172.0.0.5'].map((ip) => `hdls1.testns.svc.cluster.local. 5 IN A ${ip}`) },
  { name: '#7 and one AAAA per IPv6 endpoint', q: 'hdls1.testns.svc.cluster.local. AAAA', rcode: 'NOERROR', answer: ['hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::1', 'hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::2'] },
  { name: '#8 a headless Service without ports still answers A', q: 'hdlsprtls.testns.svc.cluster.local. A', rcode: 'NOERROR', answer: ['hdlsprtls.testns.svc.cluster.local. 5 IN A 172.0.0.20'] },
  { name: 'SRV on a portless headless Service is NODATA', q: 'hdlsprtls.testns.svc.cluster.local. SRV', rcode: 'NOERROR', ns: [SOA] },
  {
    name: '#22 headless SRV: weight floor(100/6) counted before the duplicate dup-name target is dropped',
    q: '_http._tcp.hdls1.testns.svc.cluster.local. SRV',
    rcode: 'NOERROR',
    answer: ['172-0-0-2', '172-0-0-3', '5678-abcd--1', '5678-abcd--2', 'dup-name'].map((l) => `_http._tcp.hdls1.testns.svc.cluster.local. 5 IN SRV 0 16 80 ${l}.hdls1.testns.svc.cluster.local.`),
    extra: [
      '172-0-0-2.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.2',
      '172-0-0-3.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.3',
      '5678-abcd--1.hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::1',
      '5678-abcd--2.hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::2',
      'dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.4',
      'dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.5',
    ],
  },
  { name: '#23 an IPv6 endpoint by its dashed name (no trailing dot asked)', q: '5678-abcd--2.hdls1.testns.svc.cluster.local AAAA', rcode: 'NOERROR', answer: ['5678-abcd--2.hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::2'] },
  { name: '#23 another IPv6 endpoint', q: '5678-abcd--1.hdls1.testns.svc.cluster.local. AAAA', rcode: 'NOERROR', answer: ['5678-abcd--1.hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::1'] },
  { name: '#24 an endpoint of a portless Service by its dashed IP', q: '172-0-0-20.hdlsprtls.testns.svc.cluster.local. A', rcode: 'NOERROR', answer: ['172-0-0-20.hdlsprtls.testns.svc.cluster.local. 5 IN A 172.0.0.20'] },
  { name: '#24 an endpoint without a hostname by its dashed IP', q: '172-0-0-2.hdls1.testns.svc.cluster.local. A', rcode: 'NOERROR', answer: ['172-0-0-2.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.2'] },
  { name: '#25 endpoints sharing a hostname answer one A each', q: 'dup-name.hdls1.testns.svc.cluster.local. A', rcode: 'NOERROR', answer: ['dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.4', 'dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.5'] },
  { name: 'a ClusterIP Service endpoint by its hostname (a CoreDNS extension)', q: 'ep1a.svc1.testns.svc.cluster.local. A', rcode: 'NOERROR', answer: ['ep1a.svc1.testns.svc.cluster.local. 5 IN A 172.0.0.1'] },
];

const externalNameCases: DnsCase[] = [
  { name: '#26 an ExternalName Service is a CNAME', q: 'external.testns.svc.cluster.local. CNAME', rcode: 'NOERROR', answer: ['external.testns.svc.cluster.local. 5 IN CNAME ext.interwebs.test.'] },
  { name: '#27 A on it returns the CNAME, then the target (from externalNames)', q: 'external.testns.svc.cluster.local. A', rcode: 'NOERROR', answer: ['external.testns.svc.cluster.local. 5 IN CNAME ext.interwebs.test.', 'ext.interwebs.test. 5 IN A 1.2.3.4'] },
  { name: '#28 a target inside the cluster zone resolves internally', q: 'external-to-service.testns.svc.cluster.local A', rcode: 'NOERROR', answer: ['external-to-service.testns.svc.cluster.local. 5 IN CNAME svc1.testns.svc.cluster.local.', 'svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
  { name: 'SRV is never answered for an ExternalName Service', q: 'external.testns.svc.cluster.local. SRV', rcode: 'NOERROR', ns: [SOA] },
  { name: 'port labels below an ExternalName Service are NXDOMAIN', q: '_http._tcp.external.testns.svc.cluster.local. SRV', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: 'CNAME on a ClusterIP Service is NODATA', q: 'svc1.testns.svc.cluster.local. CNAME', rcode: 'NOERROR', ns: [SOA] },
];

const caseCases: DnsCase[] = [
  { name: '#32 a negative answer keeps the zone as asked', q: 'not-a-service.testns.svc.ClUsTeR.lOcAl. A', rcode: 'NXDOMAIN', ns: ['ClUsTeR.lOcAl. 5 IN SOA ns.dns.ClUsTeR.lOcAl. hostmaster.ClUsTeR.lOcAl. 1499347823 7200 1800 86400 5'] },
  { name: '#32 the owner name is echoed exactly as asked', q: 'SvC1.TeStNs.SvC.cLuStEr.LoCaL. A', rcode: 'NOERROR', answer: ['SvC1.TeStNs.SvC.cLuStEr.LoCaL. 5 IN A 10.0.0.1'] },
  { name: '#32 SRV targets keep the zone as asked', q: '_HtTp._TcP.sVc1.TeStNs.SvC.cLuStEr.LoCaL. SRV', rcode: 'NOERROR', answer: ['_HtTp._TcP.sVc1.TeStNs.SvC.cLuStEr.LoCaL. 5 IN SRV 0 100 80 svc1.testns.svc.cLuStEr.LoCaL.'], extra: ['svc1.testns.svc.cLuStEr.LoCaL. 5 IN A 10.0.0.1'] },
  { name: '#32 the apex SOA keeps the zone as asked', q: 'Cluster.local. SOA', rcode: 'NOERROR', answer: ['Cluster.local. 5 IN SOA ns.dns.Cluster.local. hostmaster.Cluster.local. 1499347823 7200 1800 86400 5'] },
];

const apexCases: DnsCase[] = [
  { name: '#33 the apex SOA', q: 'cluster.local. SOA', rcode: 'NOERROR', answer: [SOA], authoritative: true },
  { name: '#33 apex HINFO is NODATA', q: 'cluster.local. HINFO', rcode: 'NOERROR', ns: [SOA] },
  { name: '#33 apex NS names the DNS server, with glue (no kube-system/kube-dns here: ns.dns)', q: 'cluster.local. NS', rcode: 'NOERROR', answer: ['cluster.local. 5 IN NS ns.dns.cluster.local.'], extra: ['ns.dns.cluster.local. 5 IN A 10.96.0.10'] },
  { name: '#33 apex A is NODATA', q: 'cluster.local. A', rcode: 'NOERROR', ns: [SOA] },
  { name: '#33 apex AAAA is NODATA', q: 'cluster.local. AAAA', rcode: 'NOERROR', ns: [SOA] },
  { name: '#33 apex SRV is NODATA', q: 'cluster.local. SRV', rcode: 'NOERROR', ns: [SOA] },
  { name: 'apex TXT is NXDOMAIN: TXT needs a name with other records (kubernetes.go Services)', q: 'cluster.local. TXT', rcode: 'NXDOMAIN', ns: [SOA] },
];

const podCases: Record<string, DnsCase[]> = {
  insecure: [
    { name: '#29 insecure: a dashed IPv4 pod name answers without a pod', q: '10-240-0-1.podns.pod.cluster.local. A', rcode: 'NOERROR', answer: ['10-240-0-1.podns.pod.cluster.local. 5 IN A 10.240.0.1'] },
    { name: '#29 insecure: any address in an existing namespace', q: '172-0-0-2.podns.pod.cluster.local. A', rcode: 'NOERROR', answer: ['172-0-0-2.podns.pod.cluster.local. 5 IN A 172.0.0.2'] },
    { name: '#29 insecure: a dashed IPv6 pod name', q: '1234-abcd--1.podns.pod.cluster.local. AAAA', rcode: 'NOERROR', answer: ['1234-abcd--1.podns.pod.cluster.local. 5 IN AAAA 1234:abcd::1'] },
    { name: '#29 insecure: a label that is no address is NXDOMAIN (A)', q: 'blah.podns.pod.cluster.local. A', rcode: 'NXDOMAIN', ns: [SOA] },
    { name: '#29 insecure: a label that is no address is NXDOMAIN (AAAA)', q: 'blah.podns.pod.cluster.local. AAAA', rcode: 'NXDOMAIN', ns: [SOA] },
    { name: '#29 insecure: a label that is no address is NXDOMAIN (HINFO)', q: 'blah.podns.pod.cluster.local. HINFO', rcode: 'NXDOMAIN', ns: [SOA] },
    { name: '#29 insecure: a missing namespace is NXDOMAIN', q: 'blah.pod-nons.pod.cluster.local. A', rcode: 'NXDOMAIN', ns: [SOA] },
    { name: '#29 insecure: <ns>.pod.<zone> is NODATA', q: 'podns.pod.cluster.local. A', rcode: 'NOERROR', ns: [SOA] },
  ],
  verified: [
    { name: '#30 verified: the address of a pod in that namespace', q: '10-240-0-1.podns.pod.cluster.local. A', rcode: 'NOERROR', answer: ['10-240-0-1.podns.pod.cluster.local. 5 IN A 10.240.0.1'] },
    { name: '#30 verified: an address no pod has is NXDOMAIN', q: '172-0-0-2.podns.pod.cluster.local. A', rcode: 'NXDOMAIN', ns: [SOA] },
    { name: '#30 verified: a pod of another namespace does not count', q: '10-240-0-1.testns.pod.cluster.local. A', rcode: 'NXDOMAIN', ns: [SOA] },
    { name: '#30 verified: a label that is no address is NXDOMAIN', q: 'blah.podns.pod.cluster.local. A', rcode: 'NXDOMAIN', ns: [SOA] },
    { name: '#30 verified: <ns>.pod.<zone> is NODATA', q: 'podns.pod.cluster.local. A', rcode: 'NOERROR', ns: [SOA] },
  ],
  disabled: [
    { name: '#31 disabled: every pod name is NXDOMAIN', q: '10-240-0-1.podns.pod.cluster.local. A', rcode: 'NXDOMAIN', ns: [SOA] },
    { name: '#31 disabled: <ns>.pod.<zone> too', q: 'podns.pod.cluster.local. A', rcode: 'NXDOMAIN', ns: [SOA] },
  ],
};

const reverseCases: DnsCase[] = [
  { name: '#34 PTR of a ClusterIP names the Service', q: '100.1.168.192.in-addr.arpa. PTR', rcode: 'NOERROR', answer: ['100.1.168.192.in-addr.arpa. 5 IN PTR svc1.testns.svc.cluster.local.'] },
  { name: '#35 PTR of an endpoint names it under its Service, once despite two slices', q: '100.0.0.10.in-addr.arpa. PTR', rcode: 'NOERROR', answer: ['100.0.0.10.in-addr.arpa. 5 IN PTR ep1a.svc1.testns.svc.cluster.local.'] },
  { name: '#35 an endpoint in two Services has two PTRs', q: '99.0.0.10.in-addr.arpa. PTR', rcode: 'NOERROR', answer: ['99.0.0.10.in-addr.arpa. 5 IN PTR double-ep.svc1.testns.svc.cluster.local.', '99.0.0.10.in-addr.arpa. 5 IN PTR double-ep.svc2.testns.svc.cluster.local.'] },
  { name: '#35 PTR of an IPv6 endpoint', q: '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.4.3.2.1.ip6.arpa. PTR', rcode: 'NOERROR', answer: ['1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.4.3.2.1.ip6.arpa. 5 IN PTR ep1b.svc1.testns.svc.cluster.local.'] },
  { name: '#35 PTR of another IPv6 endpoint', q: '6.a.b.9.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.0.7.7.0.0.0.0.d.f.ip6.arpa. PTR', rcode: 'NOERROR', answer: ['6.a.b.9.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.0.7.7.0.0.0.0.d.f.ip6.arpa. 5 IN PTR ip6svc1in.svc1.testns.svc.cluster.local.'] },
  { name: '#36 PTR of an unknown address is NXDOMAIN with the reverse zone SOA', q: '101.0.0.10.in-addr.arpa. PTR', rcode: 'NXDOMAIN', ns: ['in-addr.arpa. 5 IN SOA ns.dns.in-addr.arpa. hostmaster.in-addr.arpa. 1499347823 7200 1800 86400 5'] },
  { name: 'PTR on a name of the cluster zone that is no address is NXDOMAIN', q: 'example.org.cluster.local. PTR', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: 'PTR on a Service name is NODATA', q: 'svc1.testns.svc.cluster.local. PTR', rcode: 'NOERROR', ns: [SOA] },
  { name: 'Service labels under a reverse zone are NXDOMAIN', q: 'svc1.testns.svc.0.10.in-addr.arpa. A', rcode: 'NXDOMAIN', ns: ['in-addr.arpa. 5 IN SOA ns.dns.in-addr.arpa. hostmaster.in-addr.arpa. 1499347823 7200 1800 86400 5'] },
  { name: 'an address-shaped name in the cluster zone is NXDOMAIN', q: '100.0.0.10.cluster.local. PTR', rcode: 'NXDOMAIN', ns: [SOA] },
];

test('Services: ClusterIP, SRV, NODATA and NXDOMAIN answer as the CoreDNS table says', () => runDnsCases(fixtureEngine(handler, { externalNames: { 'ext.interwebs.test': '1.2.3.4' } }), serviceCases));
test('headless Services: endpoints, dashed-IP and hostname labels, SRV weights', () => runDnsCases(fixtureEngine(handler), headlessCases));
test('ExternalName Services: CNAME first, then the target, inside the zone or from externalNames', () => runDnsCases(fixtureEngine(handler, { externalNames: { 'ext.interwebs.test': '1.2.3.4' } }), externalNameCases));
test('the case of the question is kept in owner names, the zone of targets and the SOA', () => runDnsCases(fixtureEngine(handler), caseCases));
test('the apex answers SOA and NS and NODATA for other types', () => runDnsCases(fixtureEngine(handler), apexCases));
for (const mode of ['insecure', 'verified', 'disabled'])
  test(`pod records in ${mode} mode`, () => runDnsCases(fixtureEngine(handler, { podRecords: mode }), podCases[mode]));
test('PTR: ClusterIPs first, then endpoints, under the primary zone; unknown addresses NXDOMAIN', () => runDnsCases(fixtureEngine(dnsFixture('coredns-reverse.yaml')), reverseCases));
