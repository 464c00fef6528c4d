// Property tests of the model: no duplicate IPs, every IP in its range, determinism, and stability — adding or
// removing an object never moves another pod or Service.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cidrContains, parseCidr, parseIPv4 } from '../core/ip.js';
import { canonicalJson } from '../core/objects.js';
import type { KubeObject } from '../core/types.js';
import { clusterFromYaml, deploymentYaml, list, serviceYaml } from '../testing/cluster.js';

interface World {
  deployments: { name: string; ns: string; replicas: number }[];
  services: { name: string; ns: string; type: string }[];
}

const name = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
const ns = fc.constantFrom('default', 'team-a', 'team-b');
const world: fc.Arbitrary<World> = fc.record({
  deployments: fc.uniqueArray(fc.record({ name, ns, replicas: fc.integer({ min: 0, max: 6 }) }), { selector: (d) => `${d.ns}/${d.name}`, maxLength: 12 }),
  services: fc.uniqueArray(fc.record({ name, ns, type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer') }), { selector: (s) => `${s.ns}/${s.name}`, maxLength: 10 }),
});

const CONFIG = `apiVersion: flatnet/v1alpha1
kind: ClusterConfig
metadata: {name: prop}
spec: {nodes: 4, nodeCIDRMaskSize: 27, loadBalancerPool: 127.1.0.0/28}
---
`;

function yamlOf(w: World): string {
  return CONFIG + w.deployments.map((d) => deploymentYaml(d.name, d.replicas, { ns: d.ns })).join('') + w.services.map((s) => serviceYaml(s.name, { ns: s.ns, type: s.type })).join('');
}

/** The allocations a user would notice moving: pod node and IP, Service IPs and node ports. */
function allocations(objects: KubeObject[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
    if (o.kind === 'Pod') m.set(id, `${o.spec.nodeName} ${o.status.podIP ?? '-'}`);
    if (o.kind === 'Service') m.set(id, `${o.spec.clusterIP} ${(o.spec.ports ?? []).map((p: any) => p.nodePort).join(',')} ${o.status?.loadBalancer?.ingress?.[0]?.ip ?? ''}`);
  }
  return m;
}

const RUNS = { numRuns: 40, seed: 4242 };

test('no two pods share an IP and every pod IP lies in its node podCIDR; Service IPs lie in their ranges', () => {
  fc.assert(
    fc.property(world, (w) => {
      const c = clusterFromYaml(yamlOf(w));
      const nodeCidr = new Map(list(c, 'Node').map((n) => [n.metadata.name, parseCidr(n.spec.podCIDR)!]));
      const seen = new Set<string>();
      for (const p of list(c, 'Pod')) {
        if (!p.status.podIP || p.spec.hostNetwork) continue;
        assert.ok(!seen.has(p.status.podIP), `duplicate pod IP ${p.status.podIP}`);
        seen.add(p.status.podIP);
        const range = nodeCidr.get(p.spec.nodeName)!;
        const ip = parseIPv4(p.status.podIP)!;
        assert.ok(cidrContains(range, ip) && ip !== range.base + 1 && ip !== range.base && ip !== range.base + range.size - 1);
      }
      const svcRange = parseCidr('10.96.0.0/12')!;
      const pool = parseCidr('127.1.0.0/28')!;
      const clusterIPs = new Set<string>();
      for (const s of list(c, 'Service')) {
        if (s.spec.clusterIP && s.spec.clusterIP !== 'None') {
          assert.ok(cidrContains(svcRange, parseIPv4(s.spec.clusterIP)!));
          assert.ok(!clusterIPs.has(s.spec.clusterIP), `duplicate ClusterIP ${s.spec.clusterIP}`);
          clusterIPs.add(s.spec.clusterIP);
        }
        const lb = s.status?.loadBalancer?.ingress?.[0]?.ip;
        if (lb) assert.ok(cidrContains(pool, parseIPv4(lb)!));
      }
    }),
    RUNS,
  );
});

test('the same input always gives byte-identical state', () => {
  fc.assert(
    fc.property(world, (w) => {
      const y = yamlOf(w);
      assert.equal(canonicalJson(clusterFromYaml(y).objects), canonicalJson(clusterFromYaml(y).objects));
    }),
    { ...RUNS, numRuns: 15 },
  );
});

test('adding or removing a Deployment or Service moves no other pod or Service', () => {
  fc.assert(
    fc.property(world, fc.nat(), fc.boolean(), (w, pick, removeService) => {
      const before = clusterFromYaml(yamlOf(w));
      // Remove one object, reconciling from the previous state as `flatnet up` does.
      const smaller: World = removeService && w.services.length
        ? { ...w, services: w.services.filter((_, i) => i !== pick % w.services.length) }
        : { ...w, deployments: w.deployments.filter((_, i) => i !== pick % Math.max(1, w.deployments.length)) };
      const after = clusterFromYaml(yamlOf(smaller), before.objects);
      const a = allocations(before.objects);
      // A pod that had no IP (its node range was full) may gain one when room frees up; nothing else may change.
      const held = (m: Map<string, string>, id: string) => m.has(id) && !m.get(id)!.endsWith(' -');
      for (const [id, v] of allocations(after.objects)) if (held(a, id)) assert.equal(v, a.get(id), `${id} moved on removal`);
      // Add it back: everything that stayed keeps its allocation.
      const again = clusterFromYaml(yamlOf(w), after.objects);
      const b = allocations(after.objects);
      for (const [id, v] of allocations(again.objects)) if (held(b, id)) assert.equal(v, b.get(id), `${id} moved on addition`);
    }),
    RUNS,
  );
});

test('scaling a Deployment up keeps the existing pods where they are', () => {
  const before = clusterFromYaml(deploymentYaml('web', 3));
  const after = clusterFromYaml(deploymentYaml('web', 5), before.objects);
  const a = allocations(before.objects);
  const b = allocations(after.objects);
  for (const [id, v] of a) if (id.startsWith('Pod/default/')) assert.equal(b.get(id), v);
  assert.equal(list(after, 'Pod', 'default').length, 5);
});
