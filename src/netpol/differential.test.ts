// Differential property tests: on random small clusters and policies, the compiled engine (evaluate, the bitset
// matrix, and matrices derived after a policy change) agrees with the naive §10 reference for every pair and port.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseIPv4 } from '../core/ip.js';
import type { KubeObject } from '../core/types.js';
import { connectionsAllow } from './connection-set.js';
import { buildPolicyEngine, NetPolEngine } from './engine.js';
import { ReferenceEndpoint, ReferenceEvaluator } from './reference-evaluator.js';
import type { MatrixPeer, PolicySettings, Protocol } from './types.js';
import { namespaceObject, nodeObject, podObject } from './testdata/world.js';

const PROTOCOLS: Protocol[] = ['TCP', 'UDP', 'SCTP'];
const PROBE_PORTS = [1, 52, 53, 54, 79, 80, 81, 443, 8080, 8081, 65535];
const NODES = [
  ['n1', '192.168.0.1'],
  ['n2', '192.168.0.2'],
];
const KEYS = ['app', 'tier', 'team', 'kubernetes.io/metadata.name'];
const VALUES = ['a', 'b', 'x', 'y'];

const labels = fc.dictionary(fc.constantFrom('app', 'tier', 'team'), fc.constantFrom(...VALUES), { maxKeys: 3 });
const selector = fc.record(
  {
    matchLabels: fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES, 'ns-a', 'ns-b'), { maxKeys: 2 }),
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({ key: fc.constantFrom(...KEYS), operator: fc.constantFrom('In', 'NotIn'), values: fc.uniqueArray(fc.constantFrom(...VALUES, 'ns-a', 'ns-c'), { minLength: 1, maxLength: 2 }) }),
        fc.record({ key: fc.constantFrom(...KEYS), operator: fc.constantFrom('Exists', 'DoesNotExist') }),
      ),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);
const CIDRS: [string, string[]][] = [
  ['10.0.0.0/16', ['10.0.0.0/25', '10.0.1.0/28']],
  ['10.0.0.0/24', ['10.0.0.0/30']],
  ['10.0.1.0/24', []],
  ['192.168.0.0/24', ['192.168.0.2/32']],
  ['0.0.0.0/0', ['10.0.0.0/8']],
  ['10.0.0.0/8', ['10.0.1.0/24']],
];
const ipBlock = fc.tuple(fc.integer({ min: 0, max: CIDRS.length - 1 }), fc.boolean()).map(([i, ex]) => ({ ipBlock: { cidr: CIDRS[i][0], ...(ex && CIDRS[i][1].length ? { except: CIDRS[i][1] } : {}) } }));
const peer = fc.oneof(
  selector.map((s) => ({ podSelector: s })),
  selector.map((s) => ({ namespaceSelector: s })),
  fc.tuple(selector, selector).map(([p, n]) => ({ podSelector: p, namespaceSelector: n })),
  ipBlock,
);
const portEntry = fc.record(
  {
    protocol: fc.constantFrom(...PROTOCOLS),
    port: fc.oneof(fc.constantFrom(53, 80, 8080), fc.constantFrom('http', 'dns', 'metrics')),
    endPort: fc.constantFrom(0, 1, 400),
  },
  { requiredKeys: [] },
).map((e) => {
  const out: any = { ...e };
  if (typeof e.port !== 'number' || e.endPort === undefined || e.port === undefined) delete out.endPort;
  else out.endPort = e.port + e.endPort;
  return out;
});
const rule = (field: 'from' | 'to') =>
  fc.record({ peers: fc.option(fc.array(peer, { maxLength: 2 }), { nil: undefined }), ports: fc.option(fc.array(portEntry, { maxLength: 2 }), { nil: undefined }) }).map((r) => ({
    ...(r.peers ? { [field]: r.peers } : {}),
    ...(r.ports ? { ports: r.ports } : {}),
  }));
const policySpec = fc.record({
  ns: fc.constantFrom('ns-a', 'ns-b', 'ns-c'),
  podSelector: selector,
  policyTypes: fc.constantFrom(undefined, ['Ingress'], ['Egress'], ['Ingress', 'Egress']),
  ingress: fc.option(fc.array(rule('from'), { maxLength: 2 }), { nil: undefined }),
  egress: fc.option(fc.array(rule('to'), { maxLength: 2 }), { nil: undefined }),
});
const containerPorts = fc.uniqueArray(
  fc.record({ name: fc.constantFrom('http', 'dns', 'metrics'), containerPort: fc.constantFrom(53, 80, 81, 8080), protocol: fc.constantFrom(...PROTOCOLS) }),
  { selector: (p) => `${p.name}`, maxLength: 3 },
);
const podSpec = fc.record({ ns: fc.constantFrom('ns-a', 'ns-b', 'ns-c'), labels, node: fc.constantFrom(0, 1), ports: containerPorts, subnet: fc.constantFrom(0, 1) });
const world = fc.record({
  pods: fc.array(fc.record({ spec: podSpec, host: fc.integer({ min: 0, max: 9 }) }), { minLength: 1, maxLength: 7 }),
  policies: fc.array(policySpec, { maxLength: 4 }),
  nsLabels: fc.array(labels, { minLength: 3, maxLength: 3 }),
  settings: fc.record({ enforced: fc.integer({ min: 0, max: 9 }).map((n) => n > 0), ipBlockMatchesPods: fc.boolean(), hostNetworkIsNodeTraffic: fc.boolean() }),
});

type World = typeof world extends fc.Arbitrary<infer W> ? W : never;

function objectsOf(w: World): KubeObject[] {
  const out: KubeObject[] = NODES.map(([n, ip]) => nodeObject(n, ip));
  // ns-c stays undeclared: only its kubernetes.io/metadata.name label can select it.
  out.push(namespaceObject('ns-a', w.nsLabels[0]), namespaceObject('ns-b', w.nsLabels[1]));
  w.pods.forEach(({ spec: p, host }, i) => {
    const hostNetwork = host === 0;
    const [node, hostIP] = NODES[p.node];
    out.push(podObject({ ns: p.ns, name: `p${i}`, labels: p.labels, hostNetwork, node, hostIP, ip: hostNetwork ? hostIP : `10.0.${p.subnet}.${i + 1}`, ports: p.ports }));
  });
  w.policies.forEach((p, i) => {
    const spec: any = { podSelector: p.podSelector };
    if (p.policyTypes) spec.policyTypes = p.policyTypes;
    if (p.ingress) spec.ingress = p.ingress;
    if (p.egress) spec.egress = p.egress;
    out.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: p.ns, name: `np${i}` }, spec });
  });
  return out;
}

/** An address of an external segment that is no pod's and no node's, to stand for the whole segment. */
function representative(peer: Extract<MatrixPeer, { kind: 'external' }>, used: Set<number>): string | undefined {
  const first = parseIPv4(peer.first)!;
  const last = parseIPv4(peer.last)!;
  for (const ip of [first, last, first + 1, Math.floor((first + last) / 2), last - 1])
    if (ip >= first && ip <= last && !used.has(ip)) return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
  return undefined;
}

/** Every matrix cell and every evaluate verdict agrees with the reference for every probe port and protocol. */
function compare(objects: KubeObject[], settings: PolicySettings, engine: NetPolEngine): void {
  const ref = new ReferenceEvaluator(objects, settings);
  const matrix = engine.matrix();
  const pods = objects.filter((o) => o.kind === 'Pod');
  const used = new Set([...pods.map((p) => parseIPv4(p.status.podIP)!), ...NODES.map(([, ip]) => parseIPv4(ip)!)]);
  const ends: (ReferenceEndpoint | undefined)[] = matrix.peers.map((p) =>
    p.kind === 'pod' ? { pod: pods.find((o) => o.metadata.namespace === p.namespace && o.metadata.name === p.name)! } : ((ip) => (ip ? { ip } : undefined))(representative(p, used)),
  );
  const endpointOf = (e: ReferenceEndpoint) => ('pod' in e ? { kind: 'pod' as const, namespace: e.pod.metadata.namespace!, name: e.pod.metadata.name } : { kind: 'ip' as const, ip: e.ip });
  for (let i = 0; i < ends.length; i++)
    for (let j = 0; j < ends.length; j++) {
      const src = ends[i];
      const dst = ends[j];
      if (i === j || !src || !dst || (!('pod' in src) && !('pod' in dst))) continue;
      const cell = matrix.connections(i, j);
      for (const protocol of PROTOCOLS) {
        for (const port of PROBE_PORTS) {
          const want = ref.allowed(src, dst, port, protocol);
          assert.equal(connectionsAllow(cell, protocol, port), want, `matrix ${JSON.stringify(matrix.peers[i])} -> ${JSON.stringify(matrix.peers[j])} ${port}/${protocol}`);
          if (port === 80 || port === 53) assert.equal(engine.evaluate({ from: endpointOf(src), to: endpointOf(dst), port, protocol }).allowed, want, `evaluate ${i} -> ${j} ${port}/${protocol}`);
        }
        for (const name of ['http', 'dns']) {
          const want = ref.allowed(src, dst, ref.resolvePort(dst, name, protocol), protocol);
          assert.equal(engine.evaluate({ from: endpointOf(src), to: endpointOf(dst), port: name, protocol }).allowed, want, `evaluate ${i} -> ${j} ${name}/${protocol}`);
        }
      }
    }
}

const RUNS = { numRuns: 300, seed: 20261123 };

test('the compiled matrix and evaluate agree with the naive reference on random clusters', () => {
  fc.assert(
    fc.property(world, (w) => {
      const objects = objectsOf(w);
      const settings = { cni: 'test', ...w.settings };
      compare(objects, settings, buildPolicyEngine(objects, settings));
    }),
    RUNS,
  );
});

test('an engine derived after policies change agrees with the reference, incremental matrix included', () => {
  let derived = 0;
  fc.assert(
    fc.property(world, fc.array(policySpec, { maxLength: 3 }), fc.nat(), (w, more, drop) => {
      const settings = { cni: 'test', ...w.settings };
      const before = buildPolicyEngine(objectsOf(w), settings);
      before.matrix();
      const after: World = { ...w, policies: [...w.policies.filter((_, i) => i !== drop % Math.max(1, w.policies.length)), ...more] };
      const objects = objectsOf(after);
      const engine = before.withPolicies(objects.filter((o) => o.kind === 'NetworkPolicy'));
      if (engine.stats().derivation === 'derived') derived++;
      compare(objects, settings, engine);
    }),
    { ...RUNS, numRuns: 150 },
  );
  assert.ok(derived >= 30, `only ${derived} of 150 changes took the incremental path (derived from the previous engine)`);
});
