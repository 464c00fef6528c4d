// The nft tracer checks meaning: flows through each fixture's rendered nftables rules land where kube-proxy's rules
// send them, agree with the model's `choose` on every flow of a grid (nftables mode's known differences from
// iptables mode listed as data), and the interpreter refuses any rule it does not understand.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NftablesRenderer, UPSTREAM_TEST_OPTIONS } from '../backends/nftables/render.js';
import { upstreamOverallModel } from '../../testing/nft-fixtures.js';
import { tableFromScripts } from '../backends/nftables/table.js';
import { fixtureModel, fixtureNames, TEST_NODE } from '../../testing/proxy-fixtures.js';
import type { NodeProxyView } from '../model.js';
import { NftRuleError } from './nft-rule.js';
import { traceNft } from './nft-tracer.js';
import { FlowSummary, summarizeDecision, summarizeTrace } from './trace-summary.js';

function traceOn(view: NodeProxyView, options = {}) {
  const table = tableFromScripts(new NftablesRenderer(view, { serviceCIDRs: ['172.30.0.0/16'], ...options }).render());
  return (src: string, proto: string, dst: string, port: number) => traceNft(table, { sourceIP: src, protocol: proto, destinationIP: dst, destinationPort: port }, (ip) => view.isLocalAddress(ip));
}

const POD = '10.0.1.99';
const REMOTE_POD = '10.0.2.99';
const NODE = '192.168.0.2';
const EXTERNAL = '203.0.113.2';
const BLOCKED = '203.0.113.130';

const cases = [
  { name: 'a pod reaches the single endpoint without masquerade', f: 'clusterip-one-endpoint', flow: [POD, 'tcp', '172.30.0.41', 80], want: { verdict: 'dnat', destinations: ['10.0.1.1:80 p=1.000000 -'] } },
  { name: 'an off-cluster client to a ClusterIP is masqueraded', f: 'clusterip-one-endpoint', flow: [EXTERNAL, 'tcp', '172.30.0.41', 80], want: { verdict: 'dnat', destinations: ['10.0.1.1:80 p=1.000000 masq'] } },
  { name: 'a wrong port on a ClusterIP is rejected (nftables mode only)', f: 'clusterip-one-endpoint', flow: [POD, 'tcp', '172.30.0.41', 81], want: { verdict: 'reject', destinations: [] } },
  { name: 'an unallocated IP in the service CIDR is dropped (nftables mode only)', f: 'clusterip-one-endpoint', flow: [POD, 'tcp', '172.30.0.200', 80], want: { verdict: 'drop', destinations: [] } },
  { name: 'numgen random mod 3 gives each endpoint a third', f: 'clusterip-three-endpoints', flow: [REMOTE_POD, 'tcp', '172.30.0.43', 80], want: { verdict: 'dnat', destinations: ['10.0.3.1:80 p=0.333333 -', '10.0.3.2:80 p=0.333333 -', '10.0.3.3:80 p=0.333333 -'] } },
  { name: 'hairpin: an endpoint reaching itself through its Service is masqueraded', f: 'clusterip-three-endpoints', flow: ['10.0.3.1', 'tcp', '172.30.0.43', 80], want: { verdict: 'dnat', destinations: ['10.0.3.1:80 p=0.333333 masq', '10.0.3.2:80 p=0.333333 -', '10.0.3.3:80 p=0.333333 -'] } },
  { name: 'no endpoints: the ClusterIP rejects through reject-chain', f: 'no-endpoints', flow: [POD, 'tcp', '172.30.0.46', 80], want: { verdict: 'reject', destinations: [] } },
  { name: 'no endpoints: a UDP NodePort rejects', f: 'no-endpoints', flow: [EXTERNAL, 'udp', NODE, 3007], want: { verdict: 'reject', destinations: [] } },
  { name: 'a TCP flow to a UDP-only NodePort is not captured', f: 'no-endpoints', flow: [EXTERNAL, 'tcp', NODE, 3007], want: { verdict: 'none', destinations: [] } },
  { name: 'NodePort with eTP Cluster masquerades to all endpoints', f: 'nodeport', flow: [EXTERNAL, 'tcp', NODE, 3003], want: { verdict: 'dnat', destinations: ['10.180.0.1:80 p=0.500000 masq', '10.180.1.1:80 p=0.500000 masq'] } },
  { name: 'NodePorts do not answer on 127.0.0.1 in nftables mode', f: 'nodeport', flow: ['127.0.0.1', 'tcp', '127.0.0.1', 3003], want: { verdict: 'none', destinations: [] } },
  { name: 'an allowed source reaches the LoadBalancer IP, masqueraded', f: 'loadbalancer-source-ranges', flow: [EXTERNAL, 'tcp', '5.6.7.8', 80], want: { verdict: 'dnat', destinations: ['10.180.0.3:80 p=1.000000 masq'] } },
  { name: 'a source outside loadBalancerSourceRanges is dropped by firewall-check before DNAT', f: 'loadbalancer-source-ranges', flow: [BLOCKED, 'tcp', '5.6.7.8', 80], want: { verdict: 'drop', destinations: [] } },
  { name: 'NodePorts ignore loadBalancerSourceRanges', f: 'loadbalancer-source-ranges', flow: [BLOCKED, 'tcp', NODE, 3002], want: { verdict: 'dnat', destinations: ['10.180.0.3:80 p=1.000000 masq'] } },
  { name: 'an externalIP masquerades (eTP Cluster)', f: 'external-ips', flow: [EXTERNAL, 'tcp', '192.168.99.33', 80], want: { verdict: 'dnat', destinations: ['10.180.0.4:80 p=0.500000 masq', '10.180.0.5:80 p=0.500000 masq'] } },
  { name: 'eTP Local without a local endpoint drops external traffic', f: 'external-traffic-policy-local', flow: [EXTERNAL, 'tcp', '1.2.3.4', 80], want: { verdict: 'drop', destinations: [] } },
  { name: 'eTP Local: pod traffic to the LB IP short-circuits to all endpoints', f: 'external-traffic-policy-local', flow: [POD, 'tcp', '1.2.3.4', 80], want: { verdict: 'dnat', destinations: ['10.180.0.2:80 p=1.000000 -'] } },
  { name: 'eTP Local: the node itself reaches the external IP, masqueraded', f: 'external-traffic-policy-local', flow: [NODE, 'tcp', '192.168.99.22', 80], want: { verdict: 'dnat', destinations: ['10.180.0.2:80 p=1.000000 masq'] } },
  { name: 'eTP Local with a local endpoint keeps the client IP', f: 'external-traffic-policy-local', flow: [EXTERNAL, 'tcp', NODE, 3008], want: { verdict: 'dnat', destinations: ['10.180.0.8:80 p=1.000000 -'] } },
  { name: 'iTP Local uses only the local endpoint', f: 'internal-traffic-policy-local', flow: [REMOTE_POD, 'tcp', '172.30.0.41', 80], want: { verdict: 'dnat', destinations: ['10.0.1.1:80 p=1.000000 -'] } },
  { name: 'iTP Local without a local endpoint drops', f: 'internal-traffic-policy-local', flow: [POD, 'tcp', '172.30.0.49', 80], want: { verdict: 'drop', destinations: [] } },
  { name: 'affinity: a first connection load-balances', f: 'session-affinity', flow: [POD, 'tcp', '172.30.0.50', 80], want: { verdict: 'dnat', destinations: ['10.0.1.5:8080 p=0.500000 -', '10.0.2.5:8080 p=0.500000 -'] } },
  { name: 'only serving+terminating endpoints: they are used, the non-serving one is not', f: 'terminating-endpoints', flow: [POD, 'tcp', '172.30.0.51', 80], want: { verdict: 'dnat', destinations: ['10.0.1.10:80 p=0.500000 -', '10.0.2.10:80 p=0.500000 -'] } },
  { name: 'eTP Local falls back to the local terminating endpoint for external traffic', f: 'terminating-endpoints', flow: [EXTERNAL, 'tcp', NODE, 3052], want: { verdict: 'dnat', destinations: ['10.0.1.20:80 p=1.000000 -'] } },
  { name: 'while ClusterIP traffic uses the ready remote endpoint', f: 'terminating-endpoints', flow: [POD, 'tcp', '172.30.0.52', 80], want: { verdict: 'dnat', destinations: ['10.0.2.20:80 p=1.000000 -'] } },
] as const;

for (const c of cases)
  test(`nft trace: ${c.name}`, () => {
    const view = fixtureModel(c.f).forNode(TEST_NODE);
    const [src, proto, dst, port] = c.flow;
    assert.deepEqual(summarizeTrace(traceOn(view)(src, proto, dst, port)), c.want);
    assert.deepEqual(summarizeTrace(traceOn(view, { endpointMaps: 'anonymous' })(src, proto, dst, port)), c.want, 'kube-proxy\'s anonymous vmaps behave the same');
    assert.deepEqual(summarizeTrace(traceOn(view, { endpointMaps: 'rules' })(src, proto, dst, port)), c.want, 'numgen rules with 1/(n-i) chances behave the same');
  });

test('nft trace: affinity rules record the sets they check and update, and the chains taken', () => {
  const r = traceOn(fixtureModel('session-affinity').forNode(TEST_NODE))(POD, 'tcp', '172.30.0.50', 80);
  const p = r.paths.find((x) => x.dnat === '10.0.1.5:8080')!;
  assert.equal(p.affinityChecked.length, 2, 'both affinity sets are consulted (empty for a first connection)');
  const endpoint = p.chains.find((c) => c.startsWith('endpoint-'))!;
  assert.deepEqual(p.affinitySet, [endpoint.replace(/^endpoint-/, 'affinity-')]);
  assert.deepEqual(p.chains.slice(0, 4), ['filter-prerouting-pre-dnat', 'firewall-check', 'nat-prerouting', 'services']);
  assert.ok(p.chains.includes('masquerading'), 'postrouting runs the masquerading chain');
});

/** Every source and destination worth trying on a fixture: its Service IPs and ports, NodePorts, endpoints as sources. */
function grid(view: NodeProxyView): [string, string, string, number][] {
  const sources = new Set([POD, REMOTE_POD, NODE, '127.0.0.1', EXTERNAL, BLOCKED]);
  const dests: [string, string, number][] = [['tcp', '172.30.255.254', 80]];
  for (const sp of view.servicePorts()) {
    const p = sp.port;
    for (const e of p.endpoints) sources.add(e.ip);
    for (const ip of [p.clusterIP, ...p.externalIPs, ...p.loadBalancerIPs]) dests.push([p.protocol, ip, p.port], [p.protocol, ip, p.port + 1]);
    if (p.nodePort) dests.push([p.protocol, NODE, p.nodePort], [p.protocol, '127.0.0.1', p.nodePort], [p.protocol === 'tcp' ? 'udp' : 'tcp', NODE, p.nodePort]);
  }
  return [...sources].flatMap((s) => dests.map(([proto, ip, port]): [string, string, string, number] => [s, proto, ip, port]));
}

/** Where nftables mode deliberately differs from the iptables-mode decisions `choose` makes (kube-proxy.md §3.2). */
const NFT_DIFFERENCES: { reason: string; applies: (view: NodeProxyView, dst: string, want: FlowSummary) => FlowSummary | undefined }[] = [
  {
    reason: 'NodePorts never answer on 127.0.0.1 in nftables mode (only on nodeport-ips)',
    applies: (_, dst) => (dst === '127.0.0.1' ? { verdict: 'none', destinations: [] } : undefined),
  },
  {
    reason: 'traffic to a ClusterIP on a port it does not serve is rejected (cluster-ips-check)',
    applies: (view, dst, want) => (want.verdict === 'none' && view.servicePorts().some((sp) => sp.port.clusterIP === dst) ? { verdict: 'reject', destinations: [] } : undefined),
  },
  {
    reason: 'traffic to an unallocated IP of the service CIDR is dropped (cluster-ips-check)',
    applies: (_, dst, want) => (want.verdict === 'none' && dst.startsWith('172.30.') ? { verdict: 'drop', destinations: [] } : undefined),
  },
];

for (const name of fixtureNames())
  test(`${name}: the nft tracer over the rendered rules and the model agree on every flow of the grid`, () => {
    const view = fixtureModel(name).forNode(TEST_NODE);
    const trace = traceOn(view);
    for (const [src, proto, dst, port] of grid(view)) {
      const got = summarizeTrace(trace(src, proto, dst, port));
      let want = summarizeDecision(view.choose({ sourceIP: src, protocol: proto as any, destinationIP: dst, destinationPort: port }));
      for (const d of NFT_DIFFERENCES) want = d.applies(view, dst, want) ?? want;
      assert.deepEqual(got, want, `${src} -> ${proto} ${dst}:${port}`);
    }
  });

const upstreamFlows: { name: string; flow: [string, string, string, number]; want: FlowSummary }[] = [
  { name: 'ClusterIP to one endpoint', flow: ['10.0.0.2', 'tcp', '172.30.0.41', 80], want: { verdict: 'dnat', destinations: ['10.180.0.1:80 p=1.000000 -'] } },
  { name: 'eTP Local LB IP without a local endpoint drops off-cluster clients', flow: ['203.0.113.2', 'tcp', '1.2.3.4', 80], want: { verdict: 'drop', destinations: [] } },
  { name: 'two endpoints, one local, for a NodePort-typed externalIP', flow: ['203.0.113.2', 'tcp', '192.168.99.33', 80], want: { verdict: 'dnat', destinations: ['10.180.0.4:80 p=0.500000 masq', '10.180.0.5:80 p=0.500000 masq'] } },
  { name: 'source range blocks an LB client', flow: ['203.0.113.130', 'tcp', '5.6.7.8', 80], want: { verdict: 'drop', destinations: [] } },
  { name: 'no endpoints rejects', flow: ['10.0.0.2', 'tcp', '172.30.0.46', 80], want: { verdict: 'reject', destinations: [] } },
  { name: 'UDP to a TCP-only ClusterIP port rejects', flow: ['10.0.0.2', 'udp', '172.30.0.41', 80], want: { verdict: 'reject', destinations: [] } },
];

for (const c of upstreamFlows)
  test(`nft trace over upstream's TestOverallNFTablesRules ruleset: ${c.name}`, () => {
    const view = upstreamOverallModel().forNode('test-node');
    const [src, proto, dst, port] = c.flow;
    assert.deepEqual(summarizeTrace(traceOn(view, UPSTREAM_TEST_OPTIONS)(src, proto, dst, port)), c.want);
  });

const rejects = [
  { name: 'an unknown match', rule: 'tcp sport 80 accept' },
  { name: 'an unknown statement', rule: 'log prefix "x"' },
  { name: 'a counter', rule: 'counter jump services' },
  { name: 'a numgen with an incremental mode', rule: 'numgen inc mod 2 vmap { 0 : goto services , 1 : goto services }' },
  { name: 'a dnat with a port range', rule: 'meta l4proto tcp dnat to 10.0.0.1:80-90' },
];

for (const c of rejects)
  test(`the nft tracer refuses ${c.name}`, () => {
    const view = fixtureModel('clusterip-one-endpoint').forNode(TEST_NODE);
    const table = tableFromScripts(new NftablesRenderer(view).render(), `add rule ip kube-proxy nat-prerouting ${c.rule}\n`);
    const run = () => traceNft(table, { sourceIP: POD, protocol: 'tcp', destinationIP: '1.1.1.1', destinationPort: 80 }, () => false);
    assert.throws(run, NftRuleError);
  });

test('the nft tracer refuses a jump to a chain that does not exist, and the table refuses to load it', () => {
  assert.throws(() => tableFromScripts('add table ip kube-proxy\nadd chain ip kube-proxy a\nadd rule ip kube-proxy a jump missing\n'), /missing chain missing/);
});
