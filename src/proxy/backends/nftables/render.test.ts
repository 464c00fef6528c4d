// Golden `nft -f` scripts and `nft list` views for the fixture clusters, upstream's TestOverallNFTablesRules
// reproduced exactly, and incremental updates that replay to the same table as a full render.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assertGolden } from '../../../testing/golden.js';
import { fixtureModel, fixtureNames, TEST_NODE } from '../../../testing/proxy-fixtures.js';
import { canonicalTransaction } from './canonical.js';
import { NFT_TESTDATA as TESTDATA, upstreamOverallModel } from '../../../testing/nft-fixtures.js';
import { listTable } from './list-view.js';
import { NftablesRenderer, UPSTREAM_TEST_OPTIONS } from './render.js';
import { NftTable, tableFromScripts } from './table.js';

const FIXTURE_OPTIONS = { serviceCIDRs: ['172.30.0.0/16'] };

for (const name of fixtureNames())
  test(`${name}: nft -f script and nft list view match their goldens`, () => {
    const script = new NftablesRenderer(fixtureModel(name).forNode(TEST_NODE), FIXTURE_OPTIONS).render();
    assertGolden(`${TESTDATA}${name}.nft`, script);
    assertGolden(`${TESTDATA}${name}.list`, listTable(tableFromScripts(script)));
  });

test('upstream TestOverallNFTablesRules: the fake proxier configuration renders upstream\'s expected ruleset exactly', () => {
  const got = new NftablesRenderer(upstreamOverallModel().forNode('test-node'), UPSTREAM_TEST_OPTIONS).render();
  const want = readFileSync(`${TESTDATA}upstream-overall.nft`, 'utf8');
  assert.equal(canonicalTransaction(got), canonicalTransaction(want));
});

test('upstream TestOverallNFTablesRules: named endpoint maps change only the numgen rules', () => {
  const view = upstreamOverallModel().forNode('test-node');
  const anon = new NftablesRenderer(view, UPSTREAM_TEST_OPTIONS).render().split('\n');
  const named = new NftablesRenderer(view, { ...UPSTREAM_TEST_OPTIONS, endpointMaps: 'named' }).render().split('\n');
  const onlyAnon = anon.filter((l) => !named.includes(l));
  const onlyNamed = named.filter((l) => !anon.includes(l));
  assert.ok(onlyAnon.length === 5 && onlyAnon.every((l) => /numgen random mod \d+ vmap \{ /.test(l)), onlyAnon.join('\n'));
  assert.ok(onlyNamed.every((l) => /numgen random mod \d+ vmap @service-|^add map .* typeof numgen|^add element ip kube-proxy service-\S+ \{ 0 : goto/.test(l)), onlyNamed.join('\n'));
});

/** Tables compared as content: set, map and chain declarations and contents, ignoring creation order and empty stale chains. */
function content(t: NftTable): unknown {
  const sets = [...t.sets.values()].map((s) => [s.kind, s.name, JSON.stringify(s.spec), [...s.elements.values()].map((e) => JSON.stringify(e)).sort()]).sort();
  const chains = [...t.chains.values()].filter((c) => c.rules.length > 0 || !c.name.includes('/')).map((c) => [c.name, JSON.stringify(c.spec ?? {}), c.rules]).sort();
  return { sets, chains };
}

const slice = (svc: string, ns: string, eps: { ip: string; ready?: boolean; node?: string }[], port = 80, portName = 'p80') => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${svc}-abc`, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4',
  ports: [{ name: portName, port, protocol: 'TCP' }],
  endpoints: eps.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true }, ...(e.node ? { nodeName: e.node } : {}) })),
});
const service = (name: string, ns: string, ip: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns },
  spec: { clusterIP: ip, ports: [{ name: 'p80', port: 80, protocol: 'TCP' }], ...extra },
});

const updates = [
  { name: 'an endpoint turns not-ready', fixture: 'clusterip-three-endpoints', change: { upsert: [slice('svc3', 'ns3', [{ ip: '10.0.3.1' }, { ip: '10.0.3.2', ready: false }, { ip: '10.0.3.3' }])] } },
  { name: 'the last endpoint goes away (reject)', fixture: 'clusterip-one-endpoint', change: { upsert: [slice('svc1', 'ns1', [])] } },
  { name: 'a Service is added', fixture: 'clusterip-one-endpoint', change: { upsert: [service('new', 'ns9', '172.30.9.9'), slice('new', 'ns9', [{ ip: '10.0.9.1' }, { ip: '10.0.9.2' }])] } },
  { name: 'a Service with affinity loses an endpoint', fixture: 'session-affinity', change: { upsert: [slice('sticky', 'default', [{ ip: '10.0.1.5', node: 'test-node' }], 8080, 'http')] } },
  { name: 'a LoadBalancer Service is deleted', fixture: 'loadbalancer-source-ranges', change: { remove: [service('svc5', 'ns5', '172.30.0.45')] } },
  { name: 'eTP Local gains a local endpoint', fixture: 'external-traffic-policy-local', change: { upsert: [slice('svc2', 'ns2', [{ ip: '10.180.0.2' }, { ip: '10.0.1.7', node: 'test-node' }])] } },
];

for (const u of updates)
  test(`update: ${u.name} — the partial transaction applied to the old table equals a fresh full render`, () => {
    const model = fixtureModel(u.fixture);
    const r = new NftablesRenderer(model.forNode(TEST_NODE), FIXTURE_OPTIONS);
    const table = tableFromScripts(r.render());
    const delta = r.update(model.apply(u.change as any));
    assert.notEqual(delta.payload, '', 'the change touches the ruleset');
    table.applyScript(delta.payload);
    table.applyScript(r.update([]).payload);
    const fresh = tableFromScripts(new NftablesRenderer(model.forNode(TEST_NODE), FIXTURE_OPTIONS).render());
    assert.deepEqual(content(table), content(fresh));
    assertGolden(`${TESTDATA}update-${u.name.replace(/[^a-z0-9]+/gi, '-').replace(/-$/, '').toLowerCase()}.nft`, delta.payload);
  });

test('update: stale chains are flushed at once and deleted by the next update (kernels before 6.2)', () => {
  const model = fixtureModel('clusterip-three-endpoints');
  const r = new NftablesRenderer(model.forNode(TEST_NODE), FIXTURE_OPTIONS);
  r.render();
  const first = r.update(model.apply({ upsert: [slice('svc3', 'ns3', [{ ip: '10.0.3.1' }])] as any })).payload;
  assert.match(first, /^flush chain ip kube-proxy endpoint-\S+__10\.0\.3\.2\/80$/m);
  assert.doesNotMatch(first, /^delete chain/m);
  const second = r.update([]).payload;
  assert.match(second, /^delete chain ip kube-proxy endpoint-\S+__10\.0\.3\.2\/80$/m);
  assert.equal(r.update([]).payload, '');
});

test('rules endpoint selection: n-1 numgen rules with chances 1/n … 1/2, then a plain goto; no per-Service maps', () => {
  const script = new NftablesRenderer(fixtureModel('clusterip-three-endpoints').forNode(TEST_NODE), { ...FIXTURE_OPTIONS, endpointMaps: 'rules' }).render();
  const svc = script.split('\n').filter((l) => l.startsWith('add rule ip kube-proxy service-4AT6LBPK-ns3/svc3/tcp/p80 '));
  assert.deepEqual(
    svc.map((l) => l.split(' ').slice(5).join(' ').replace(/endpoint-\S+__/, 'endpoint-…__')),
    ['ip daddr 172.30.0.43 ip saddr != 10.0.0.0/8 jump mark-for-masquerade', 'numgen random mod 3 0 goto endpoint-…__10.0.3.1/80', 'numgen random mod 2 0 goto endpoint-…__10.0.3.2/80', 'goto endpoint-…__10.0.3.3/80'],
  );
  assert.doesNotMatch(script, /typeof numgen/);
});
