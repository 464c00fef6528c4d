// Tests for the endpoints behind an Ingress backend (ready filtering, port mapping, 503 reasons) and round-robin spread.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../core/types.js';
import { clusterFromYaml, deploymentYaml, REPO_ROOT } from '../testing/cluster.js';
import { backendEndpoints, pickEndpoint, RoundRobinState } from './backend-endpoints.js';
import { buildRouteTable } from './route-table.js';
import { ingress, NGINX_CLASS } from './testdata/match-cases.js';

const svc: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default' },
  spec: { ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9090, targetPort: 9090 }] },
};

function slice(name: string, ports: { name: string; port: number }[], endpoints: { ip: string; ready?: boolean }[]): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    ports,
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: e.ready === undefined ? {} : { ready: e.ready } })),
  };
}

const ref = { namespace: 'default', name: 'web' };
const cases: { name: string; svc?: KubeObject; slices: KubeObject[]; port: { number: number } | { name: string }; want: string }[] = [
  {
    name: 'ready endpoints are listed with the EndpointSlice port of the same name, sorted by IP',
    svc,
    slices: [slice('a', [{ name: 'http', port: 8080 }], [{ ip: '10.0.0.9', ready: true }, { ip: '10.0.0.10', ready: true }])],
    port: { number: 80 },
    want: '10.0.0.9:8080 10.0.0.10:8080',
  },
  { name: 'a nil ready condition counts as ready', svc, slices: [slice('a', [{ name: 'http', port: 8080 }], [{ ip: '10.0.0.1' }])], port: { name: 'http' }, want: '10.0.0.1:8080' },
  {
    name: 'not-ready endpoints are skipped',
    svc,
    slices: [slice('a', [{ name: 'http', port: 8080 }], [{ ip: '10.0.0.1', ready: false }, { ip: '10.0.0.2', ready: true }])],
    port: { number: 80 },
    want: '10.0.0.2:8080',
  },
  {
    name: 'the port by name selects the matching slice port',
    svc,
    slices: [slice('a', [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }], [{ ip: '10.0.0.1', ready: true }])],
    port: { name: 'metrics' },
    want: '10.0.0.1:9090',
  },
  {
    name: 'the same address in two slices is listed once',
    svc,
    slices: [slice('a', [{ name: 'http', port: 8080 }], [{ ip: '10.0.0.1' }]), slice('b', [{ name: 'http', port: 8080 }], [{ ip: '10.0.0.1' }])],
    port: { number: 80 },
    want: '10.0.0.1:8080',
  },
  { name: 'no ready endpoints is a 503', svc, slices: [slice('a', [{ name: 'http', port: 8080 }], [{ ip: '10.0.0.1', ready: false }])], port: { number: 80 }, want: '503 Service default/web port 80 has no ready endpoints (1 not ready): ingress-nginx answers 503' },
  { name: 'a missing Service is a 503', slices: [], port: { number: 80 }, want: '503 Service default/web does not exist' },
  { name: 'a port number the Service does not have is a 503', svc, slices: [], port: { number: 81 }, want: '503 Service default/web has no port 81' },
  { name: 'a port name the Service does not have is a 503', svc, slices: [], port: { name: 'grpc' }, want: '503 Service default/web has no port named "grpc"' },
];

for (const c of cases) {
  test(c.name, () => {
    const got = backendEndpoints(c.svc, c.slices, { service: ref, port: c.port });
    assert.equal(got.kind === 'endpoints' ? got.endpoints.map((e) => `${e.ip}:${e.port}`).join(' ') : `${got.status} ${got.reason}`, c.want);
  });
}

test("the demo's users-svc resolves to its two ready pods on targetPort http (5678)", () => {
  const cluster = clusterFromYaml(readFileSync(join(REPO_ROOT, 'examples/demo/ingress.yaml'), 'utf8'));
  const table = buildRouteTable(cluster.objects, { controller: 'k8s.io/ingress-nginx' });
  const m = table.match({ host: 'api.example.com', path: '/users/1', scheme: 'https' });
  assert.equal(m.kind, 'backend');
  const eps = table.backendEndpoints(m as any);
  assert.equal(eps.kind === 'endpoints' && eps.endpoints.map((e) => `${e.pod?.name?.replace(/-[a-z0-9]+-[a-z0-9]+$/, '')}:${e.port}`).join(' '), 'users:5678 users:5678');
});

test('a Service whose selector matches no pods gives a 503 through the route table', () => {
  const yaml = NGINX_CLASS + `apiVersion: v1\nkind: Service\nmetadata: {name: lonely}\nspec: {selector: {app: nobody}, ports: [{port: 80}]}\n---\n` + ingress({ defaultBackend: 'lonely' });
  const table = buildRouteTable(clusterFromYaml(yaml).objects, { controller: 'k8s.io/ingress-nginx' });
  const m = table.match({ host: 'x', path: '/', scheme: 'http' });
  assert.equal(m.kind === 'backend' && table.backendEndpoints(m).kind, 'unavailable');
});

test('100 requests over 10 ready replicas reach all 10 pods, 10 each (load_balancing.feature)', () => {
  const yaml = NGINX_CLASS + deploymentYaml('echo', 10, { port: 8080 }) + `apiVersion: v1\nkind: Service\nmetadata: {name: echo}\nspec: {selector: {app: echo}, ports: [{port: 80, targetPort: 8080}]}\n---\n` + ingress({ defaultBackend: 'echo' });
  const table = buildRouteTable(clusterFromYaml(yaml).objects, { controller: 'k8s.io/ingress-nginx' });
  const state: RoundRobinState = new Map();
  const hits = new Map<string, number>();
  for (let i = 0; i < 100; i++) {
    const m = table.match({ host: 'load-balancing', path: '/', scheme: 'http' });
    assert.equal(m.kind, 'backend');
    const eps = table.backendEndpoints(m as any);
    assert.equal(eps.kind, 'endpoints');
    const e = pickEndpoint(eps as any, state);
    hits.set(e.ip, (hits.get(e.ip) ?? 0) + 1);
  }
  assert.deepEqual([...hits.values()], Array(10).fill(10));
});
