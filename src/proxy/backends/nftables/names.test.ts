// Chain and set names must equal the ones upstream kube-proxy's nftables goldens show (kube-proxy.md §3.3).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { affinitySetName, endpointChainName, hashAndTruncate, servicePortChainNames } from './names.js';

const id = (ns: string, name: string, portName = 'p80', protocol = 'tcp') => ({ namespace: ns, name, portName, protocol });

const serviceCases = [
  { name: 'ns1/svc1 p80', id: id('ns1', 'svc1'), want: 'service-ULMVA6XW-ns1/svc1/tcp/p80' },
  { name: 'ns2/svc2 p80', id: id('ns2', 'svc2'), want: 'service-42NFTM6N-ns2/svc2/tcp/p80' },
  { name: 'ns3/svc3 p80', id: id('ns3', 'svc3'), want: 'service-4AT6LBPK-ns3/svc3/tcp/p80' },
  { name: 'ns4/svc4 p80', id: id('ns4', 'svc4'), want: 'service-LAUZTJTB-ns4/svc4/tcp/p80' },
  { name: 'ns5/svc5 p80', id: id('ns5', 'svc5'), want: 'service-HVFWP5L3-ns5/svc5/tcp/p80' },
];

for (const c of serviceCases)
  test(`service chains: ${c.name} shares one hash across service-, local-, external- and firewall-`, () => {
    const n = servicePortChainNames(c.id);
    const base = c.want.slice('service-'.length);
    assert.deepEqual(n, { clusterPolicy: c.want, localPolicy: `local-${base}`, external: `external-${base}`, firewall: `firewall-${base}` });
  });

test('an unnamed port leaves the last part of the base empty', () => {
  assert.match(servicePortChainNames(id('ns1', 'svc1', '')).clusterPolicy, /^service-[A-Z2-7]{8}-ns1\/svc1\/tcp\/$/);
});

const endpointCases = [
  { id: id('ns1', 'svc1'), ip: '10.180.0.1', want: 'endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80' },
  { id: id('ns4', 'svc4'), ip: '10.180.0.4', want: 'endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80' },
  { id: id('ns4', 'svc4'), ip: '10.180.0.5', want: 'endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80' },
  { id: id('ns2', 'svc2'), ip: '10.180.0.2', want: 'endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80' },
  { id: id('ns5', 'svc5'), ip: '10.180.0.3', want: 'endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80' },
];

for (const c of endpointCases)
  test(`endpoint chain and affinity set of ${c.want.split('-').slice(2).join('-')}`, () => {
    assert.equal(endpointChainName(c.id, c.ip, 80), c.want);
    assert.equal(affinitySetName(c.id, c.ip, 80), c.want.replace(/^endpoint-/, 'affinity-'));
  });

test('IPv6 endpoint colons become dots (colons are not allowed in chain names)', () => {
  assert.match(endpointChainName(id('ns1', 'svc1'), 'fd00::1', 80), /__fd00\.\.1\/80$/);
});

test('names longer than 240 characters are cut with "..." after the hash', () => {
  const long = hashAndTruncate('x'.repeat(300));
  assert.equal(long.length, 240);
  assert.ok(long.endsWith('...'));
  assert.match(long, /^[A-Z2-7]{8}-x+\.\.\.$/);
});

