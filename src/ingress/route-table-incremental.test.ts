// A table built from the previous one (RouteTableOptions.previous) must answer exactly as one built from scratch:
// random Ingress sets, then random edits (replace, add, delete, change of class), compared on every output.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../core/prng.js';
import type { KubeObject } from '../core/types.js';
import { buildRouteTable, RouteTable } from './route-table.js';

const CONTROLLER = 'k8s.io/ingress-nginx';
const HOSTS = ['a.test', 'b.test', 'A.test', '*.w.test', '*.x.a.test', undefined];
const PATHS = ['/', '/x', '/x/', '/x/y', '/api(/|$)(.*)', '/[bad', '/y'];
const SERVICES = ['s1', 's2', 's3'];
const REQUEST_HOSTS = ['a.test', 'b.test', 'q.w.test', 'p.q.w.test', 'z.x.a.test', 'other.test', '_', '*.w.test', ''];
const REQUEST_PATHS = ['/', '/x', '/x/', '/x/y/z', '/X', '/api/v1?q=1', '/y', '/zz'];

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

function backend(r: Rand): object {
  return r() < 0.1 ? { resource: { apiGroup: 'k8s.example.com', kind: 'Bucket', name: 'b' } } : { service: { name: pick(r, SERVICES), port: r() < 0.5 ? { number: 80 } : { name: 'http' } } };
}

let serial = 0;

function randomIngress(r: Rand, name: string): KubeObject {
  const annotations: Record<string, string> = {};
  if (r() < 0.15) annotations['nginx.ingress.kubernetes.io/use-regex'] = 'true';
  if (r() < 0.15) annotations['nginx.ingress.kubernetes.io/rewrite-target'] = '/$2';
  if (r() < 0.15) annotations['nginx.ingress.kubernetes.io/ssl-redirect'] = 'false';
  const rules = Array.from({ length: Math.floor(r() * 4) }, () => {
    const host = pick(r, HOSTS);
    const paths = Array.from({ length: 1 + Math.floor(r() * 3) }, () => ({ path: pick(r, PATHS), pathType: pick(r, ['Exact', 'Prefix', 'ImplementationSpecific']), backend: backend(r) }));
    return { ...(host ? { host } : {}), http: { paths } };
  });
  const spec: Record<string, unknown> = { rules };
  const cls = r();
  if (cls < 0.8) spec.ingressClassName = cls < 0.7 ? 'nginx' : 'other';
  if (r() < 0.3) spec.defaultBackend = backend(r);
  if (r() < 0.3) spec.tls = [{ hosts: HOSTS.filter((h) => h && r() < 0.5), ...(r() < 0.7 ? { secretName: `tls-${Math.floor(r() * 3)}` } : {}) }];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default', creationTimestamp: `2026-01-0${1 + Math.floor(r() * 3)}T00:00:00Z`, uid: `u${++serial}`, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec,
  };
}

function ingressClass(name: string, controller: string, isDefault: boolean): KubeObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name, ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) }, spec: { controller } };
}

const SERVICE_OBJECTS: KubeObject[] = SERVICES.map((name) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80 }] } }));

/** Everything a table tells its users, for comparison. */
function observe(t: RouteTable): unknown {
  const matches = REQUEST_HOSTS.flatMap((host) => REQUEST_PATHS.flatMap((path) => (['http', 'https'] as const).map((scheme) => t.match({ host, path, scheme }))));
  return { served: t.served, ignored: t.ignored, conflicts: t.conflicts, warnings: t.warnings, tls: t.tlsServers(), servers: REQUEST_HOSTS.map((h) => t.serverFor(h).name), matches };
}

test('a table built from the previous one answers as one built from scratch, over random edits', () => {
  for (let seed = 1; seed <= 150; seed++) {
    const r = mulberry32(seed);
    const ingresses = new Map<string, KubeObject>();
    let next = 0;
    for (let i = 0; i < 2 + Math.floor(r() * 8); i++, next++) ingresses.set(`ing-${next}`, randomIngress(r, `ing-${next}`));
    let classes = [ingressClass('nginx', CONTROLLER, r() < 0.5), ingressClass('other', 'example.com/other', false)];
    const objects = () => [...classes, ...SERVICE_OBJECTS, ...ingresses.values()];
    let table = buildRouteTable(objects(), { controller: CONTROLLER });
    for (let step = 0; step < 12; step++) {
      const edit = r();
      const names = [...ingresses.keys()];
      if (edit < 0.45 && names.length > 0) {
        const name = pick(r, names);
        ingresses.set(name, randomIngress(r, name));
      } else if (edit < 0.65 || names.length === 0) {
        ingresses.set(`ing-${next}`, randomIngress(r, `ing-${next}`));
        next++;
      } else if (edit < 0.9) ingresses.delete(pick(r, names));
      else classes = [ingressClass('nginx', r() < 0.8 ? CONTROLLER : 'example.com/other', r() < 0.5), classes[1]];
      const incremental = buildRouteTable(objects(), { controller: CONTROLLER, previous: table });
      const scratch = buildRouteTable(objects(), { controller: CONTROLLER });
      assert.deepEqual(observe(incremental), observe(scratch), `seed ${seed}, step ${step}`);
      table = incremental;
    }
  }
});

test('a table built from the previous one reuses the servers of unchanged Ingresses and sees the changed one', () => {
  const ing = (name: string, host: string, service: string): KubeObject => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { ingressClassName: 'nginx', rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] } }] },
  });
  const base = [ingressClass('nginx', CONTROLLER, false), ...SERVICE_OBJECTS];
  const a = ing('a', 'a.test', 's1');
  const first = buildRouteTable([...base, a, ing('b', 'b.test', 's1')], { controller: CONTROLLER });
  const second = buildRouteTable([...base, a, ing('b', 'b.test', 's2')], { controller: CONTROLLER, previous: first });
  const service = (t: RouteTable, host: string) => {
    const m = t.match({ host, path: '/', scheme: 'http' });
    return m.kind === 'backend' ? m.service.name : m.kind;
  };
  assert.equal(service(second, 'b.test'), 's2');
  assert.equal(service(second, 'a.test'), 's1');
  assert.equal(second.serverFor('a.test'), first.serverFor('a.test'), 'the unchanged Ingress’s server is the same object');
  assert.notEqual(second.serverFor('b.test'), first.serverFor('b.test'));
  const third = buildRouteTable([...base, a], { controller: CONTROLLER, previous: second });
  assert.equal(third.serverFor('b.test').name, '_', 'a deleted Ingress’s host falls to the catch-all');
});
