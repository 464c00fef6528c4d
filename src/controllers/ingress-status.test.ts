// The built-in ingress-nginx controller: the objects of its cloud manifest, and the address it publishes on the
// Ingresses it serves (and only on those).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../core/types.js';
import { clusterFromYaml, find, list } from '../testing/cluster.js';
import { publishedAddresses } from './ingress-status.js';
import { INGRESS_NGINX_IMAGE } from './system-objects.js';

const NS = 'ingress-nginx';
const SELECTOR = { 'app.kubernetes.io/component': 'controller', 'app.kubernetes.io/instance': 'ingress-nginx', 'app.kubernetes.io/name': 'ingress-nginx' };

function ingressYaml(name: string, opts: { className?: string; annotations?: Record<string, string>; path?: string; pathType?: string; status?: string } = {}): string {
  const ann = Object.entries(opts.annotations ?? {}).map(([k, v]) => `\n    ${k}: '${v}'`).join('');
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: default${ann ? `\n  annotations:${ann}` : ''}
spec:${opts.className ? `\n  ingressClassName: ${opts.className}` : ''}
  rules:
  - host: ${name}.example.com
    http:
      paths:
      - path: '${opts.path ?? '/'}'
        pathType: ${opts.pathType ?? 'Prefix'}
        backend: {service: {name: web, port: {number: 80}}}
${opts.status ?? ''}
---
`;
}

/** The controller Service's LB address in this cluster, read from the Service itself (never hard-coded). */
function controllerLbIP(c: { objects: KubeObject[] }): string {
  const ip = find(c, 'Service', NS, 'ingress-nginx-controller').status.loadBalancer.ingress?.[0]?.ip;
  assert.ok(ip, 'the controller Service has an LB IP');
  return ip;
}

const addressOf = (c: { objects: KubeObject[] }, name: string) => find(c, 'Ingress', 'default', name).status;

test('a fresh cluster has the objects of ingress-nginx cloud manifest, with upstream names and labels', () => {
  const c = clusterFromYaml('');
  const ns = find(c, 'Namespace', undefined, NS);
  assert.equal(ns.status.phase, 'Active');
  assert.equal(ns.metadata.labels?.['app.kubernetes.io/name'], 'ingress-nginx');

  const cls = find(c, 'IngressClass', undefined, 'nginx');
  assert.equal(cls.spec.controller, 'k8s.io/ingress-nginx');
  assert.equal(cls.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class'], 'true');

  const deploy = find(c, 'Deployment', NS, 'ingress-nginx-controller');
  assert.equal(deploy.spec.replicas, 1);
  assert.deepEqual(deploy.spec.selector.matchLabels, SELECTOR);
  const container = deploy.spec.template.spec.containers[0];
  assert.equal(container.image, INGRESS_NGINX_IMAGE);
  assert.match(container.image, /^registry\.k8s\.io\/ingress-nginx\/controller:v\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
  for (const arg of ['--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller', '--controller-class=k8s.io/ingress-nginx', '--ingress-class=nginx', '--validating-webhook=:8443'])
    assert.ok(container.args.includes(arg), arg);
  assert.deepEqual(container.ports.map((p: any) => `${p.name} ${p.containerPort}/${p.protocol}`), ['http 80/TCP', 'https 443/TCP', 'webhook 8443/TCP']);
  assert.equal(deploy.status.readyReplicas, 1);

  const pods = list(c, 'Pod', NS);
  assert.equal(pods.length, 1);
  assert.match(pods[0].metadata.name, /^ingress-nginx-controller-[a-z0-9]+-[a-z0-9]{5}$/);
  assert.equal(pods[0].status.phase, 'Running');
  assert.notEqual(pods[0].spec.nodeName, 'control-plane', 'no toleration for the control-plane taint');

  const svc = find(c, 'Service', NS, 'ingress-nginx-controller');
  assert.equal(svc.spec.type, 'LoadBalancer');
  assert.equal(svc.spec.externalTrafficPolicy, 'Local');
  assert.ok(svc.spec.healthCheckNodePort >= 30000, 'eTP Local LoadBalancers get a health-check node port');
  assert.deepEqual(svc.spec.selector, SELECTOR);
  assert.deepEqual(svc.spec.ports.map((p: any) => `${p.name} ${p.port}→${p.targetPort} ${p.appProtocol}`), ['http 80→http http', 'https 443→https https']);
  assert.ok(controllerLbIP(c).startsWith('127.1.0.'), 'an address from the default loadBalancerPool 127.1.0.0/24');

  const admission = find(c, 'Service', NS, 'ingress-nginx-controller-admission');
  assert.equal(admission.spec.type, 'ClusterIP');
  assert.deepEqual(admission.spec.ports.map((p: any) => `${p.name} ${p.port}→${p.targetPort}`), ['https-webhook 443→webhook']);
  const ready = (name: string) => find(c, 'Endpoints', NS, name).subsets?.[0]?.addresses?.map((a: any) => a.ip);
  assert.deepEqual(ready('ingress-nginx-controller'), [pods[0].status.podIP]);
  assert.deepEqual(ready('ingress-nginx-controller-admission'), [pods[0].status.podIP]);
});

const cases = [
  { name: 'a class-less Ingress is served through the default class nginx', yaml: ingressYaml('a'), served: true },
  { name: 'ingressClassName nginx is served', yaml: ingressYaml('a', { className: 'nginx' }), served: true },
  { name: 'an unknown ingressClassName gets no address (conformance ingress_class.feature)', yaml: ingressYaml('a', { className: 'some-invalid-class-name' }), served: false },
  {
    name: 'a class of another controller gets no address',
    yaml: 'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: other}\nspec: {controller: example.com/other}\n---\n' + ingressYaml('a', { className: 'other' }),
    served: false,
  },
  { name: 'the legacy annotation naming nginx is served', yaml: ingressYaml('a', { annotations: { 'kubernetes.io/ingress.class': 'nginx' } }), served: true },
  { name: 'the legacy annotation naming another class gets no address', yaml: ingressYaml('a', { annotations: { 'kubernetes.io/ingress.class': 'traefik' } }), served: false },
  {
    name: 'a redeclared IngressClass nginx that is no longer default leaves class-less Ingresses unserved',
    yaml: "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx, annotations: {ingressclass.kubernetes.io/is-default-class: 'false'}}\nspec: {controller: k8s.io/ingress-nginx}\n---\n" + ingressYaml('a'),
    served: false,
  },
  {
    name: 'a redeclared IngressClass nginx without annotations keeps the default annotation it merges over',
    yaml: 'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}\nspec: {controller: k8s.io/ingress-nginx}\n---\n' + ingressYaml('a'),
    served: true,
  },
  {
    name: 'a redeclared IngressClass nginx pointing at another controller is not served',
    yaml: 'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}\nspec: {controller: example.com/other}\n---\n' + ingressYaml('a', { className: 'nginx' }),
    served: false,
  },
  { name: 'an Ingress the admission webhook would reject (regex in a Prefix path) gets no address', yaml: ingressYaml('a', { path: '/api(/|$)(.*)' }), served: false },
  { name: 'the same regex path as ImplementationSpecific is served', yaml: ingressYaml('a', { path: '/api(/|$)(.*)', pathType: 'ImplementationSpecific' }), served: true },
  {
    name: 'a status written in an unserved Ingress manifest is dropped, as the API server does on create',
    yaml: ingressYaml('a', { className: 'some-invalid-class-name', status: 'status: {loadBalancer: {ingress: [{ip: 203.0.113.9}]}}' }),
    served: false,
  },
  {
    name: 'a status written in a served Ingress manifest is replaced by the published address',
    yaml: ingressYaml('a', { status: 'status: {loadBalancer: {ingress: [{ip: 203.0.113.9}]}}' }),
    served: true,
  },
];

for (const c of cases) {
  test(c.name, () => {
    const cluster = clusterFromYaml(c.yaml);
    const want = c.served ? { loadBalancer: { ingress: [{ ip: controllerLbIP(cluster) }] } } : { loadBalancer: {} };
    assert.deepEqual(addressOf(cluster, 'a'), want);
  });
}

test('every served Ingress gets the one address; the others none', () => {
  const c = clusterFromYaml(ingressYaml('a') + ingressYaml('b', { className: 'nginx' }) + ingressYaml('c', { className: 'nope' }));
  const ip = controllerLbIP(c);
  assert.deepEqual(
    list(c, 'Ingress').map((i) => [i.metadata.name, i.status.loadBalancer.ingress?.map((a: any) => a.ip) ?? []]),
    [['a', [ip]], ['b', [ip]], ['c', []]],
  );
});

const LABELS = '{app.kubernetes.io/component: controller, app.kubernetes.io/instance: ingress-nginx, app.kubernetes.io/name: ingress-nginx}';

/** The controller Service as a user would re-apply it, with `extra` spec fields. */
const controllerService = (extra: string) => `apiVersion: v1
kind: Service
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec:
  selector: ${LABELS}
  ports: [{name: http, port: 80, targetPort: http}, {name: https, port: 443, targetPort: https}]
  ${extra}
---
`;

test('the address follows a loadBalancerIP the user gives the controller Service', () => {
  const c = clusterFromYaml(controllerService('type: LoadBalancer\n  loadBalancerIP: 127.1.0.77') + ingressYaml('a'));
  assert.deepEqual(addressOf(c, 'a'), { loadBalancer: { ingress: [{ ip: '127.1.0.77' }] } });
});

test('a controller Service changed to ClusterIP publishes its cluster IP, as --publish-service does', () => {
  const c = clusterFromYaml(controllerService('type: ClusterIP') + ingressYaml('a'));
  const svc = find(c, 'Service', NS, 'ingress-nginx-controller');
  assert.deepEqual(svc.status, { loadBalancer: {} });
  assert.deepEqual(addressOf(c, 'a'), { loadBalancer: { ingress: [{ ip: svc.spec.clusterIP }] } });
});

test('with the controller scaled to zero no Ingress has an address', () => {
  const yaml = `apiVersion: apps/v1
kind: Deployment
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec:
  replicas: 0
  selector: {matchLabels: ${LABELS}}
  template:
    metadata: {labels: ${LABELS}}
    spec: {containers: [{name: controller, image: '${INGRESS_NGINX_IMAGE}'}]}
---
${ingressYaml('a')}`;
  const c = clusterFromYaml(yaml);
  assert.equal(list(c, 'Pod', NS).length, 0);
  assert.ok(find(c, 'Service', NS, 'ingress-nginx-controller').status.loadBalancer.ingress, 'the Service keeps its LB IP');
  assert.deepEqual(addressOf(c, 'a'), { loadBalancer: {} });
});

test('with no node the controller can run on, no Ingress has an address', () => {
  const config = 'apiVersion: flatnet/v1alpha1\nkind: ClusterConfig\nmetadata: {name: t}\nspec:\n  nodes:\n  - name: control-plane\n    taints: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]\n---\n';
  const c = clusterFromYaml(config + ingressYaml('a'));
  assert.equal(list(c, 'Pod', NS)[0].status.phase, 'Pending');
  assert.deepEqual(addressOf(c, 'a'), { loadBalancer: {} });
});

const svc = (spec: any, status: any = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: NS }, spec, status });
const addressCases = [
  { name: 'a LoadBalancer publishes its status addresses without ipMode', svc: svc({ type: 'LoadBalancer', clusterIP: '10.96.0.5' }, { loadBalancer: { ingress: [{ ip: '127.1.0.9', ipMode: 'VIP' }] } }), want: [{ ip: '127.1.0.9' }] },
  { name: 'a LoadBalancer without an address yet publishes nothing', svc: svc({ type: 'LoadBalancer', clusterIP: '10.96.0.5' }, { loadBalancer: {} }), want: [] },
  {
    name: 'a LoadBalancer adds its externalIPs that are not already listed',
    svc: svc({ type: 'LoadBalancer', clusterIP: '10.96.0.5', externalIPs: ['192.0.2.1', 'lb.example.com'] }, { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } }),
    want: [{ hostname: 'lb.example.com' }, { ip: '192.0.2.1' }],
  },
  { name: 'a NodePort publishes its externalIPs', svc: svc({ type: 'NodePort', clusterIP: '10.96.0.5', externalIPs: ['192.0.2.1'] }), want: [{ ip: '192.0.2.1' }] },
  { name: 'a NodePort without externalIPs publishes its cluster IP', svc: svc({ type: 'NodePort', clusterIP: '10.96.0.5' }), want: [{ ip: '10.96.0.5' }] },
  { name: 'an ExternalName publishes its name', svc: svc({ type: 'ExternalName', externalName: 'ingress.example.com' }), want: [{ hostname: 'ingress.example.com' }] },
  { name: 'a headless Service publishes nothing', svc: svc({ type: 'ClusterIP', clusterIP: 'None' }), want: [] },
  { name: 'a missing Service publishes nothing', svc: undefined, want: [] },
];

for (const c of addressCases) test(`publishedAddresses: ${c.name}`, () => assert.deepEqual(publishedAddresses(c.svc), c.want));
