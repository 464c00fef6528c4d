// The tracer checks meaning: flows through each fixture's rendered rules land where kube-proxy's rules send them,
// agree with the model's `choose` for every flow of a grid, and the parser refuses any rule it does not understand.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderJumpRules } from '../backends/iptables/jump-rules.js';
import { IptablesRenderer } from '../backends/iptables/render.js';
import { nodeRuleset } from '../backends/iptables/save-view.js';
import { fixtureModel, fixtureNames, TEST_NODE } from '../../testing/proxy-fixtures.js';
import type { NodeProxyView } from '../model.js';
import { IptablesParseError } from './iptables-rules.js';
import { loadRestore } from './iptables-ruleset.js';
import { traceIptables } from './iptables-tracer.js';
import { summarizeDecision, summarizeTrace } from './trace-summary.js';

function traceOn(fixture: string) {
  const view = fixtureModel(fixture).forNode(TEST_NODE);
  const r = new IptablesRenderer(view);
  const rs = nodeRuleset(renderJumpRules(r.options), r.render());
  return { view, trace: (src: string, proto: string, dst: string, port: number) => traceIptables(rs, { sourceIP: src, protocol: proto, destinationIP: dst, destinationPort: port }, (ip) => view.isLocalAddress(ip)) };
}

const POD = '10.0.1.99'; // a pod on test-node
const REMOTE_POD = '10.0.2.99';
const NODE = '192.168.0.2';
const EXTERNAL = '203.0.113.2';
const BLOCKED = '203.0.113.130';

const cases = [
  { name: 'a pod reaches the single endpoint without masquerade', f: 'clusterip-one-endpoint', flow: [POD, 'tcp', '172.30.0.41', 80], want: { verdict: 'dnat', destinations: ['10.0.1.1:80 p=1.000000 -'] } },
  { name: 'an off-cluster client to a ClusterIP is masqueraded', f: 'clusterip-one-endpoint', flow: [EXTERNAL, 'tcp', '172.30.0.41', 80], want: { verdict: 'dnat', destinations: ['10.0.1.1:80 p=1.000000 masq'] } },
  { name: 'a wrong port on a ClusterIP passes untouched in iptables mode', f: 'clusterip-one-endpoint', flow: [POD, 'tcp', '172.30.0.41', 81], want: { verdict: 'none', destinations: [] } },
  { name: 'three endpoints each get a third', f: 'clusterip-three-endpoints', flow: [REMOTE_POD, 'tcp', '172.30.0.43', 80], want: { verdict: 'dnat', destinations: ['10.0.3.1:80 p=0.333333 -', '10.0.3.2:80 p=0.333333 -', '10.0.3.3:80 p=0.333333 -'] } },
  { name: 'hairpin: an endpoint reaching itself through its Service is masqueraded', f: 'clusterip-three-endpoints', flow: ['10.0.3.1', 'tcp', '172.30.0.43', 80], want: { verdict: 'dnat', destinations: ['10.0.3.1:80 p=0.333333 masq', '10.0.3.2:80 p=0.333333 -', '10.0.3.3:80 p=0.333333 -'] } },
  { name: 'no endpoints: the ClusterIP rejects', f: 'no-endpoints', flow: [POD, 'tcp', '172.30.0.46', 80], want: { verdict: 'reject', destinations: [] } },
  { name: 'no endpoints: a UDP NodePort rejects', f: 'no-endpoints', flow: [EXTERNAL, 'udp', NODE, 3007], want: { verdict: 'reject', destinations: [] } },
  { name: 'a TCP flow to a UDP-only NodePort is not captured', f: 'no-endpoints', flow: [EXTERNAL, 'tcp', NODE, 3007], want: { verdict: 'none', destinations: [] } },
  { name: 'NodePort with eTP Cluster masquerades to all endpoints', f: 'nodeport', flow: [EXTERNAL, 'tcp', NODE, 3003], want: { verdict: 'dnat', destinations: ['10.180.0.1:80 p=0.500000 masq', '10.180.1.1:80 p=0.500000 masq'] } },
  { name: 'NodePort on localhost from the node itself works (localhost NodePorts)', f: 'nodeport', flow: ['127.0.0.1', 'tcp', '127.0.0.1', 3003], want: { verdict: 'dnat', destinations: ['10.180.0.1:80 p=0.500000 masq', '10.180.1.1:80 p=0.500000 masq'] } },
  { name: 'an allowed source reaches the LoadBalancer IP, masqueraded', f: 'loadbalancer-source-ranges', flow: [EXTERNAL, 'tcp', '5.6.7.8', 80], want: { verdict: 'dnat', destinations: ['10.180.0.3:80 p=1.000000 masq'] } },
  { name: 'a source outside loadBalancerSourceRanges is dropped', f: 'loadbalancer-source-ranges', flow: [BLOCKED, 'tcp', '5.6.7.8', 80], want: { verdict: 'drop', destinations: [] } },
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
  test(`trace: ${c.name}`, () => {
    const { view, trace } = traceOn(c.f);
    const [src, proto, dst, port] = c.flow;
    assert.deepEqual(summarizeTrace(trace(src, proto, dst, port)), c.want);
    assert.deepEqual(summarizeDecision(view.choose({ sourceIP: src, protocol: proto, destinationIP: dst, destinationPort: port })), c.want, 'the model decides the same');
  });

test('trace: affinity rules record the recent lists they check and set', () => {
  const r = traceOn('session-affinity').trace(POD, 'tcp', '172.30.0.50', 80);
  const p = r.paths.find((x) => x.dnat === '10.0.1.5:8080')!;
  // Both --rcheck rules are consulted (as a first connection, neither matches); the endpoint chain then --sets its own list.
  assert.equal(p.affinityChecked.length, 2);
  const sep = p.chains.filter((c) => c.startsWith('nat/KUBE-SEP-')).at(-1)!.slice('nat/'.length);
  assert.deepEqual(p.affinitySet, [sep]);
  assert.ok(p.affinityChecked.includes(sep));
});

/** Every source and destination worth trying on a fixture: its Service IPs and ports, NodePorts, endpoints as sources. */
function grid(view: NodeProxyView): [string, string, string, number][] {
  const sources = new Set([POD, REMOTE_POD, NODE, '127.0.0.1', EXTERNAL, BLOCKED]);
  const dests: [string, string, number][] = [];
  for (const sp of view.servicePorts()) {
    const p = sp.port;
    for (const e of p.endpoints) sources.add(e.ip);
    for (const ip of [p.clusterIP, ...p.externalIPs, ...p.loadBalancerIPs]) dests.push([p.protocol, ip, p.port], [p.protocol, ip, p.port + 1]);
    if (p.nodePort) dests.push([p.protocol, NODE, p.nodePort], [p.protocol, '127.0.0.1', p.nodePort], [p.protocol === 'tcp' ? 'udp' : 'tcp', NODE, p.nodePort]);
  }
  return [...sources].flatMap((s) => dests.map(([proto, ip, port]): [string, string, string, number] => [s, proto, ip, port]));
}

for (const name of fixtureNames())
  test(`${name}: the tracer over the rendered rules and the model agree on every flow of the grid`, () => {
    const { view, trace } = traceOn(name);
    for (const [src, proto, dst, port] of grid(view)) {
      const got = summarizeTrace(trace(src, proto, dst, port));
      const want = summarizeDecision(view.choose({ sourceIP: src, protocol: proto as any, destinationIP: dst, destinationPort: port }));
      assert.deepEqual(got, want, `${src} -> ${proto} ${dst}:${port}`);
    }
  });

const rejects = [
  { name: 'an unknown match option', line: '-A KUBE-X -m tcp -p tcp --sport 80 -j ACCEPT' },
  { name: 'an unknown target', line: '-A KUBE-X -j LOG --log-prefix x' },
  { name: 'an unknown statistic mode', line: '-A KUBE-X -m statistic --mode nth --every 2 -j ACCEPT' },
  { name: 'a jump to a chain that does not exist', line: '-A KUBE-X -j KUBE-MISSING' },
  { name: 'an unknown DNAT option', line: '-A KUBE-X -j DNAT --to-destination 1.2.3.4:80 --persistent' },
];

for (const c of rejects)
  test(`the tracer refuses ${c.name}`, () => {
    const run = () => traceIptables(loadRestore(`*nat\n:KUBE-X - [0:0]\n-A PREROUTING -j KUBE-X\n${c.line}\nCOMMIT\n`), { sourceIP: POD, protocol: 'tcp', destinationIP: '1.1.1.1', destinationPort: 80 }, () => false);
    assert.throws(run, (e: Error) => e instanceof IptablesParseError || /tracer:/.test(e.message));
  });
