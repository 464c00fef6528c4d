// Incremental IPVS: the operations an update emits, replayed on the previous state, give the state a full render
// of the new cluster gives — virtual and real servers, ipset entries, kube-ipvs0 addresses, iptables payload.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureModel, TEST_NODE } from '../../../testing/proxy-fixtures.js';
import { IpvsRenderer } from './ipvs-renderer.js';
import { IpvsState, renderIpvs } from './render.js';

interface Node {
  servers: Map<string, { attrs: string; reals: Set<string> }>;
  sets: Map<string, Set<string>>;
  addresses: Set<string>;
  iptables: string;
}

const FLAG: Record<string, string> = { TCP: '-t', UDP: '-u', SCTP: '--sctp-service' };

function nodeOf(s: IpvsState): Node {
  const servers = new Map(s.virtualServers.map((v) => [`${FLAG[v.protocol]} ${v.address}:${v.port}`, { attrs: `-s ${v.scheduler}${v.persistentTimeout !== undefined ? ` -p ${v.persistentTimeout}` : ''}`, reals: new Set(v.realServers.map((r) => `${r.address}:${r.port}`)) }]));
  return { servers, sets: new Map(s.ipsets.map((x) => [x.name, new Set(x.entries)])), addresses: new Set(s.dummyAddresses), iptables: s.restore };
}

/** Applies an update's operations the way the kernel tools would, refusing impossible ones. */
function replay(n: Node, payload: string): void {
  const lines = payload.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    let m: RegExpExecArray | null;
    if (l === '') continue;
    if ((m = /^ipvsadm -([ADE]) (-t|-u|--sctp-service) (\S+)(?: (.*))?$/.exec(l))) {
      const k = `${m[2]} ${m[3]}`;
      if (m[1] === 'A') assert.ok(!n.servers.has(k), l), n.servers.set(k, { attrs: m[4], reals: new Set() });
      else if (m[1] === 'E') n.servers.get(k)!.attrs = m[4];
      else assert.ok(n.servers.delete(k), l);
    } else if ((m = /^ipvsadm -([ad]) (-t|-u|--sctp-service) (\S+) -r (\S+)/.exec(l))) {
      const reals = n.servers.get(`${m[2]} ${m[3]}`)!.reals;
      if (m[1] === 'a') assert.ok(!reals.has(m[4]), l), reals.add(m[4]);
      else assert.ok(reals.delete(m[4]), l);
    } else if ((m = /^ipset (add|del) (\S+) (\S+)$/.exec(l))) {
      const set = n.sets.get(m[2])!;
      if (m[1] === 'add') assert.ok(!set.has(m[3]), l), set.add(m[3]);
      else assert.ok(set.delete(m[3]), l);
    } else if ((m = /^ip addr (add|del) (\S+)\/32 dev kube-ipvs0$/.exec(l))) {
      if (m[1] === 'add') n.addresses.add(m[2]);
      else assert.ok(n.addresses.delete(m[2]), l);
    } else if (l === "iptables-restore --noflush <<'EOF'") {
      const end = lines.indexOf('EOF', i);
      n.iptables = lines.slice(i + 1, end).join('\n') + '\n';
      i = end;
    } else assert.fail(`unknown operation: ${l}`);
  }
}

const slice = (svc: string, ns: string, ips: string[], port = 80, portName = 'p80') => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${svc}-abc`, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4',
  ports: [{ name: portName, port, protocol: 'TCP' }],
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: 'test-node' })),
});

const changes = [
  { name: 'an endpoint goes away', fixture: 'clusterip-three-endpoints', change: { upsert: [slice('svc3', 'ns3', ['10.0.3.1', '10.0.3.3'])] } },
  { name: 'a NodePort Service is added', fixture: 'clusterip-one-endpoint', change: { upsert: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'np', namespace: 'ns9' }, spec: { type: 'NodePort', clusterIP: '172.30.9.9', ports: [{ name: 'p80', port: 80, protocol: 'TCP', nodePort: 30999 }] } }, slice('np', 'ns9', ['10.0.1.9'])] } },
  { name: 'the LoadBalancer with source ranges is deleted', fixture: 'loadbalancer-source-ranges', change: { remove: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc5', namespace: 'ns5' } }] } },
  { name: 'affinity Service loses its local endpoint', fixture: 'session-affinity', change: { upsert: [{ ...slice('sticky', 'default', ['10.0.2.5'], 8080, 'http'), endpoints: [{ addresses: ['10.0.2.5'], conditions: { ready: true }, nodeName: 'other-node' }] }] } },
];

for (const c of changes)
  test(`ipvs update: ${c.name} — replayed operations give the full render's state`, () => {
    const model = fixtureModel(c.fixture);
    const view = model.forNode(TEST_NODE);
    const r = new IpvsRenderer(view);
    r.render();
    const node = nodeOf(renderIpvs(view));
    const { payload } = r.update(model.apply(c.change as any));
    assert.notEqual(payload, '');
    replay(node, payload);
    assert.deepEqual(node, nodeOf(renderIpvs(view)));
  });

test('ipvs update: a change that touches nothing emits nothing', () => {
  const model = fixtureModel('nodeport');
  const r = new IpvsRenderer(model.forNode(TEST_NODE));
  r.render();
  assert.equal(r.update([]).payload, '');
});
