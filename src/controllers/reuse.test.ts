// Re-applying files where only some documents changed: the outputs of unchanged Ingresses, NetworkPolicies, Secrets,
// ConfigMaps and IngressClasses are the very objects the store holds (no copy, no event), nothing the store holds is
// changed in place, and whatever does change — a document, or the address ingress-nginx publishes — still shows.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../core/clock.js';
import { ManifestCache, parseManifests } from '../core/manifests.js';
import type { KubeObject } from '../core/types.js';
import { TEST_NOW } from '../testing/cluster.js';
import { ControllerManager } from './manager.js';

const ingress = (name: string, service: string) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ${name}}
spec:
  ingressClassName: nginx
  rules:
  - host: ${name}.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: ${service}, port: {number: 80}}}}]}
`;

const OTHERS = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {a: "1"}
---
apiVersion: v1
kind: Secret
metadata: {name: token}
stringData: {t: x}
`;

const config = (pool: string) => `apiVersion: flatnet/v1alpha1
kind: ClusterConfig
metadata: {name: c}
spec: {loadBalancerPool: ${pool}}
`;

function deepFreeze(v: unknown): void {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const x of Object.values(v)) deepFreeze(x);
}

const cache = new ManifestCache();
const read = (yaml: string) => parseManifests(yaml, 'files.yaml', cache).docs;
const get = (m: ControllerManager, kind: string, name: string): KubeObject => m.store.get(kind, kind === 'IngressClass' ? undefined : 'default', name)!;

test('unchanged documents keep their store objects; a changed one is the only event; nothing stored is changed in place', () => {
  const m = new ControllerManager(new FixedClock(TEST_NOW));
  const files = (bService: string, pool = '127.1.0.0/24') => read([config(pool), ingress('a', 'one'), ingress('b', bService), OTHERS].join('---\n'));
  m.apply(files('one'));
  const before = new Map(['Ingress/a', 'Ingress/b', 'NetworkPolicy/deny', 'ConfigMap/settings', 'Secret/token', 'IngressClass/nginx'].map((k) => [k, get(m, k.split('/')[0], k.split('/')[1])]));
  for (const o of m.store.all()) deepFreeze(o); // in strict mode, any write to a stored object now throws

  const changed = m.apply(files('two'));
  assert.deepEqual(changed.events.map((e) => `${e.type} ${e.object.kind}/${e.object.metadata.name}`), ['MODIFIED Ingress/b']);
  const b = get(m, 'Ingress', 'b');
  assert.equal(b.spec.rules[0].http.paths[0].backend.service.name, 'two');
  assert.equal(b.metadata.generation, 2, 'a changed spec is a new generation');
  assert.equal(b.metadata.uid, before.get('Ingress/b')!.metadata.uid);
  assert.deepEqual(b.status, before.get('Ingress/b')!.status);
  for (const [k, o] of before) {
    if (k === 'Ingress/b') continue;
    assert.equal(get(m, k.split('/')[0], k.split('/')[1]), o, `${k} is the same object`);
    // The IngressClass is a system object (system-objects.ts), built anew each time; the user's objects are reused.
    if (k !== 'IngressClass/nginx') assert.ok(changed.cluster.objects.includes(o), `reconcile used ${k} again rather than building a copy`);
  }

  // The same files again: no event at all.
  assert.deepEqual(m.apply(files('two')).events, []);

  // A new LB pool moves ingress-nginx's address: every served Ingress gets the new status, as a new object.
  for (const o of m.store.all()) deepFreeze(o);
  const moved = m.apply(files('two', '127.2.0.0/24'));
  const address = (name: string) => get(m, 'Ingress', name).status?.loadBalancer?.ingress?.[0]?.ip;
  assert.match(address('a'), /^127\.2\.0\./);
  assert.match(address('b'), /^127\.2\.0\./);
  assert.ok(moved.events.some((e) => e.object.kind === 'Ingress' && e.object.metadata.name === 'a'));
  assert.equal(get(m, 'Ingress', 'a').metadata.uid, before.get('Ingress/a')!.metadata.uid);
  assert.equal(get(m, 'NetworkPolicy', 'deny'), before.get('NetworkPolicy/deny'));
});

test('an API write over an unchanged document replaces the reused object, and the file wins back when it changes', () => {
  const m = new ControllerManager(new FixedClock(TEST_NOW));
  const files = (service: string) => read([ingress('a', service), OTHERS].join('---\n'));
  m.apply(files('one'));
  const [doc] = parseManifests(ingress('a', 'api'), 'api.yaml').docs;
  m.write([{ put: doc.object }]);
  const service = () => get(m, 'Ingress', 'a').spec.rules[0].http.paths[0].backend.service.name;
  assert.equal(service(), 'api');
  m.apply(files('one'));
  assert.equal(service(), 'api', 'unchanged files keep the API write');
  m.apply(files('three'));
  assert.equal(service(), 'three');
});
