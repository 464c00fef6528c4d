// IPVS mode per fixture cluster: one golden with the ipvsadm, kube-ipvs0, ipset and iptables views, plus the
// decisions that matter (which real servers, persistence, what is bound, which ipset entries) asserted directly.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { assertGolden } from '../../../testing/golden.js';
import { fixtureModel, fixtureNames, TEST_NODE } from '../../../testing/proxy-fixtures.js';
import { ipsetScript } from './ipsets.js';
import { IpvsState, renderIpvs } from './render.js';
import { dummyInterfaceView, ipvsadmView } from './views.js';

const TESTDATA = fileURLToPath(new URL('../../../../../src/proxy/backends/ipvs/testdata/', import.meta.url));

/** All four views of a node, in one file. */
export function allViews(s: IpvsState): string {
  return [
    '# ipvsadm -Ln',
    ipvsadmView(s),
    '# ip -br -4 addr show kube-ipvs0',
    dummyInterfaceView(s),
    '# ipset restore',
    ipsetScript(s.ipsets),
    '# iptables-restore',
    s.restore,
  ].join('\n');
}

for (const name of fixtureNames())
  test(`${name}: ipvsadm, kube-ipvs0, ipset and iptables views match the golden`, () => {
    assertGolden(`${TESTDATA}${name}.txt`, allViews(renderIpvs(fixtureModel(name).forNode(TEST_NODE))));
  });

const state = (f: string) => renderIpvs(fixtureModel(f).forNode(TEST_NODE));
const servers = (s: IpvsState, address: string, port: number) => s.virtualServers.find((v) => v.address === address && v.port === port);
const reals = (s: IpvsState, address: string, port: number) => servers(s, address, port)?.realServers.map((r) => `${r.address}:${r.port}`);
const entries = (s: IpvsState, set: string) => s.ipsets.find((x) => x.name === set)!.entries;

const cases = [
  { name: 'a ClusterIP virtual server lists every endpoint, Masq, weight 1', check: () => assert.deepEqual(servers(state('clusterip-three-endpoints'), '172.30.0.43', 80)?.realServers.map((r) => `${r.address}:${r.port} ${r.forward} ${r.weight}`), ['10.0.3.1:80 Masq 1', '10.0.3.2:80 Masq 1', '10.0.3.3:80 Masq 1']) },
  { name: 'no endpoints: the virtual server exists without real servers', check: () => assert.deepEqual(reals(state('no-endpoints'), '172.30.0.46', 80), []) },
  { name: 'ClientIP affinity makes the virtual server persistent with the timeout', check: () => assert.equal(servers(state('session-affinity'), '172.30.0.50', 80)?.persistentTimeout, 300) },
  { name: 'a NodePort gets a virtual server on the node IP, not on 127.0.0.1', check: () => assert.deepEqual(state('nodeport').virtualServers.filter((v) => v.entry === 'nodePort').map((v) => `${v.address}:${v.port}`), ['192.168.0.2:3003']) },
  { name: 'eTP Local: the NodePort virtual server has only the local endpoint', check: () => assert.deepEqual(reals(state('external-traffic-policy-local'), '192.168.0.2', 3008), ['10.180.0.8:80']) },
  { name: 'eTP Local without a local endpoint falls back to cluster endpoints (kubernetes#97081)', check: () => assert.deepEqual(reals(state('external-traffic-policy-local'), '1.2.3.4', 80), ['10.180.0.2:80']) },
  { name: 'iTP Local: the ClusterIP virtual server has only the local endpoint', check: () => assert.deepEqual(reals(state('internal-traffic-policy-local'), '172.30.0.41', 80), ['10.0.1.1:80']) },
  { name: 'ClusterIPs and LB IPs are bound to kube-ipvs0', check: () => assert.deepEqual(state('loadbalancer-source-ranges').dummyAddresses, ['5.6.7.8', '172.30.0.45']) },
  { name: 'source ranges fill KUBE-LOAD-BALANCER-FW and -SOURCE-CIDR, and block the node (KUBE-IPVS-OUT-FILTER)', check: () => {
    const s = state('loadbalancer-source-ranges');
    assert.deepEqual(entries(s, 'KUBE-LOAD-BALANCER-FW'), ['5.6.7.8,tcp:80']);
    assert.deepEqual(entries(s, 'KUBE-LOAD-BALANCER-SOURCE-CIDR'), ['5.6.7.8,tcp:80,203.0.113.0/25']);
    assert.match(s.iptables, /^-A KUBE-IPVS-OUT-FILTER -s 5\.6\.7\.8 -m ipvs --vaddr 5\.6\.7\.8 --vproto tcp --vport 80 -j DROP$/m);
  } },
  { name: 'eTP Local externalIPs go to KUBE-EXTERNAL-IP-LOCAL, which gets no masquerade rule', check: () => {
    const s = state('external-traffic-policy-local');
    assert.ok(entries(s, 'KUBE-EXTERNAL-IP-LOCAL').includes('192.168.99.22,tcp:80'));
    assert.doesNotMatch(s.iptables, /KUBE-EXTERNAL-IP-LOCAL dst,dst -j KUBE-MARK-MASQ/);
  } },
  { name: 'local endpoints get hairpin KUBE-LOOP-BACK entries (dst ip:port, src ip)', check: () => assert.deepEqual(entries(state('session-affinity'), 'KUBE-LOOP-BACK'), ['10.0.1.5,tcp:8080,10.0.1.5']) },
  { name: 'LoadBalancers with eTP Local list their health check NodePorts', check: () => assert.deepEqual(entries(state('external-traffic-policy-local'), 'KUBE-HEALTH-CHECK-NODE-PORT'), ['30000', '30001']) },
];

for (const c of cases) test(`ipvs: ${c.name}`, c.check);

test('ipvs: a different scheduler is used for every virtual server', () => {
  const s = renderIpvs(fixtureModel('nodeport').forNode(TEST_NODE), { scheduler: 'lc' });
  assert.ok(s.virtualServers.length > 0 && s.virtualServers.every((v) => v.scheduler === 'lc'));
  assert.match(ipvsadmView(s), /^TCP {2}172\.30\.0\.43:80 lc$/m);
});
