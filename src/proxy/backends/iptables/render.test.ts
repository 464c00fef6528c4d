// Golden restore payloads and iptables-save views for the fixture clusters, upstream's exact lines for its worked
// examples, upstream's jump-consistency checks, and incremental updates that replay to the full render.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { assertGolden } from '../../../testing/golden.js';
import { fixtureModel, fixtureNames, fixtureObjects, TEST_NODE } from '../../../testing/proxy-fixtures.js';
import { canonicalText, checkJumps, loadRestore } from '../../tracer/iptables-ruleset.js';
import { renderJumpRules } from './jump-rules.js';
import { IptablesRenderer, probability, renderIptables, UPSTREAM_TEST_OPTIONS } from './index.js';
import { nodeRuleset, saveView } from './save-view.js';

const TESTDATA = fileURLToPath(new URL('../../../../../src/proxy/backends/iptables/testdata/', import.meta.url));

for (const name of fixtureNames())
  test(`${name}: restore payload and iptables-save view match their goldens`, () => {
    const r = new IptablesRenderer(fixtureModel(name).forNode(TEST_NODE));
    const payload = r.render();
    assertGolden(`${TESTDATA}${name}.restore`, payload);
    assertGolden(`${TESTDATA}${name}.save`, saveView(nodeRuleset(renderJumpRules(r.options), payload)));
  });

for (const name of fixtureNames())
  test(`${name}: every jump has a target and every chain is used (upstream checkIPTablesRuleJumps)`, () => {
    const rs = nodeRuleset(renderJumpRules(UPSTREAM_TEST_OPTIONS), renderIptables(fixtureModel(name).forNode(TEST_NODE)));
    assert.deepEqual(checkJumps(rs), []);
  });

/** Lines restated from upstream goldens (kube-proxy.md §2.8), rendered with the fake proxier's settings. */
const upstreamLines = [
  {
    name: 'example A: one endpoint',
    fixture: 'clusterip-one-endpoint',
    want: [
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.0.1.1:80" -j KUBE-SEP-SNQ3ZNILQDEJNDQO',
      '-A KUBE-SEP-SNQ3ZNILQDEJNDQO -m comment --comment ns1/svc1:p80 -s 10.0.1.1 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-SNQ3ZNILQDEJNDQO -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.1.1:80',
      ':KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]',
      ':KUBE-SEP-SNQ3ZNILQDEJNDQO - [0:0]',
    ],
  },
  {
    name: 'example B: three endpoints in ip:port order with 1/(n-i) probabilities',
    fixture: 'clusterip-three-endpoints',
    want: [
      '-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.0.3.1:80" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-BSWRHOQ77KEXZLNL',
      '-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.0.3.2:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-DKCFIS26GWF2WLWC',
      '-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.0.3.3:80" -j KUBE-SEP-JVVZVJ7BSEPPRNBS',
    ],
  },
  {
    name: 'example C: LoadBalancer with source ranges, affinity and NodePort',
    fixture: 'loadbalancer-source-ranges',
    want: [
      '-A KUBE-PROXY-FIREWALL -m comment --comment "ns5/svc5:p80 traffic not accepted by KUBE-FW-NUKIZ6OKUXPJNT4C" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j DROP',
      '-A KUBE-NODEPORTS -m comment --comment ns5/svc5:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3002 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-NUKIZ6OKUXPJNT4C',
      '-A KUBE-NODEPORTS -m comment --comment ns5/svc5:p80 -m tcp -p tcp --dport 3002 -j KUBE-EXT-NUKIZ6OKUXPJNT4C',
      '-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 -j KUBE-SVC-NUKIZ6OKUXPJNT4C',
      '-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 loadbalancer IP" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j KUBE-FW-NUKIZ6OKUXPJNT4C',
      '-A KUBE-EXT-NUKIZ6OKUXPJNT4C -m comment --comment "masquerade traffic for ns5/svc5:p80 external destinations" -j KUBE-MARK-MASQ',
      '-A KUBE-EXT-NUKIZ6OKUXPJNT4C -j KUBE-SVC-NUKIZ6OKUXPJNT4C',
      '-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 loadbalancer IP" -s 203.0.113.0/25 -j KUBE-EXT-NUKIZ6OKUXPJNT4C',
      '-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "other traffic to ns5/svc5:p80 will be dropped by KUBE-PROXY-FIREWALL"',
      '-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --rcheck --seconds 10800 --reap -j KUBE-SEP-I77PXRDZVX7PMWMN',
      '-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -j KUBE-SEP-I77PXRDZVX7PMWMN',
      '-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80',
    ],
  },
  {
    name: 'example D: eTP Local without a local endpoint drops external traffic and short-circuits pods and the host',
    fixture: 'external-traffic-policy-local',
    want: [
      '-A KUBE-NODEPORTS -m comment --comment "ns2/svc2:p80 health check node port" -m tcp -p tcp --dport 30000 -j ACCEPT',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j DROP',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j DROP',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j DROP',
      '-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "pod traffic for ns2/svc2:p80 external destinations" -s 10.0.0.0/8 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT',
      '-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "masquerade LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ',
      '-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "route LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-GNZBNJ2PO5MGZ6GT',
      '-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 -> 10.180.0.2:80" -j KUBE-SEP-RS4RBKLTHTF2IUXJ',
    ],
    absent: ['KUBE-SVL-GNZBNJ2PO5MGZ6GT'],
  },
  {
    name: 'example E: no endpoints rejects in the filter table only',
    fixture: 'no-endpoints',
    want: ['-A KUBE-SERVICES -m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.46 --dport 80 -j REJECT'],
    absent: ['KUBE-SVC-'],
  },
  {
    name: 'example F: iTP Local without a local endpoint drops, with no chains',
    fixture: 'internal-traffic-policy-local',
    want: ['-A KUBE-SERVICES -m comment --comment "ns9/svc9 has no local endpoints" -m tcp -p tcp -d 172.30.0.49 --dport 80 -j DROP'],
  },
];

for (const c of upstreamLines)
  test(`upstream ${c.name}`, () => {
    const lines = new Set(renderIptables(fixtureModel(c.fixture).forNode(TEST_NODE), UPSTREAM_TEST_OPTIONS).split('\n'));
    for (const l of c.want) assert.ok(lines.has(l), `missing line:\n${l}`);
    for (const a of c.absent ?? []) assert.ok(![...lines].some((l) => l.includes(a)), `unexpected ${a}`);
  });

test('probabilities print with 10 decimals like kube-proxy (%0.10f of 1/n)', () => {
  const cases = [
    { n: 1, want: '1.0000000000' }, { n: 2, want: '0.5000000000' }, { n: 3, want: '0.3333333333' }, { n: 6, want: '0.1666666667' },
    { n: 10, want: '0.1000000000' }, { n: 1000, want: '0.0010000000' }, { n: 100000, want: '0.0000100000' }, { n: 100001, want: '0.0000099999' },
  ];
  for (const c of cases) assert.equal(probability(c.n), c.want, `n=${c.n}`);
});

test('an incremental update replays onto the previous ruleset to give the full render', () => {
  const model = fixtureModel('external-traffic-policy-local');
  const r = new IptablesRenderer(model.forNode(TEST_NODE));
  const jumps = renderJumpRules(r.options);
  const state = nodeRuleset(jumps, r.render());
  const slice = fixtureObjects('external-traffic-policy-local').find((o) => o.metadata.name === 'svc2-abc')!;
  slice.endpoints.push({ addresses: ['10.180.0.3'], conditions: { ready: true }, nodeName: TEST_NODE });
  const added = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc-new', namespace: 'ns2' }, spec: { type: 'ClusterIP', clusterIP: '172.30.0.99', ports: [{ port: 8080, protocol: 'TCP' }] } };
  const update = r.update(model.apply({ upsert: [slice, added] }));
  assert.equal(update.full, false);
  assert.deepEqual(update.services, ['ns2/svc-new', 'ns2/svc2']);
  loadRestore(update.payload, state);
  assert.equal(canonicalText(state), canonicalText(nodeRuleset(jumps, r.render())));
});

test('an update that removes a Service deletes its chains', () => {
  const model = fixtureModel('nodeport');
  const r = new IptablesRenderer(model.forNode(TEST_NODE));
  const state = nodeRuleset(renderJumpRules(r.options), r.render());
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc3', namespace: 'ns3' } };
  const update = r.update(model.apply({ remove: [svc] }));
  assert.match(update.payload, /^-X KUBE-SVC-X27LE4BHSL4DOUIK$/m);
  loadRestore(update.payload, state);
  assert.equal(canonicalText(state), canonicalText(nodeRuleset(renderJumpRules(r.options), r.render())));
  assert.ok(![...state.get('nat')!.chains.keys()].some((c) => c.startsWith('KUBE-SEP-')));
});
