// Runs the shared matching cases (testdata/match-cases.ts) against the route table, plus classes, conflicts and 503s.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterFromYaml, REPO_ROOT } from '../testing/cluster.js';
import { buildRouteTable, normalizeHost, RouteMatch, RouteTableOptions } from './route-table.js';
import { ingress, MATCH_CASES, NGINX_CLASS, RequestCase, services } from './testdata/match-cases.js';

const CONTROLLER: RouteTableOptions = { controller: 'k8s.io/ingress-nginx' };

function loadYaml(yaml: string): string {
  return yaml.startsWith('@') ? readFileSync(join(REPO_ROOT, yaml.slice(1)), 'utf8') : yaml;
}

function tableFrom(yaml: string, opts = CONTROLLER) {
  return buildRouteTable(clusterFromYaml(loadYaml(yaml)).objects, opts);
}

function summary(m: RouteMatch): string {
  if (m.kind === 'not-found') return `404 (${m.server} ${m.location})`;
  return `${m.service.name}:${m.resolvedPort} ${m.rewrittenPath} (${m.server} ${m.location})`;
}

function expected(r: RequestCase, got: RouteMatch): string {
  if (r.want === 404) return got.kind === 'not-found' ? summary(got) : '404';
  const port = r.want.port ?? (got.kind === 'backend' ? got.resolvedPort : 80);
  const where = `(${got.server} ${got.location})`;
  return `${r.want.service}:${port} ${r.want.path ?? r.path} ${where}`;
}

for (const c of MATCH_CASES) {
  const table = tableFrom(c.yaml);
  for (const r of c.requests) {
    test(`${c.name}: ${r.name}`, () => {
      const got = table.match({ host: r.host, path: r.path, scheme: r.scheme ?? 'http' });
      assert.equal(summary(got), expected(r, got));
    });
  }
}

test('every shared case builds without ignored Ingresses, conflicts or warnings except where a case is about them', () => {
  for (const c of MATCH_CASES) {
    const table = tableFrom(c.yaml);
    assert.deepEqual(table.ignored, [], c.name);
    assert.deepEqual(table.warnings, [], c.name);
  }
});

test('a duplicated host + path + pathType is listed as a conflict naming the kept and the skipped Ingress', () => {
  const c = MATCH_CASES.find((x) => x.name.startsWith('two Ingresses on one host'))!;
  assert.deepEqual(tableFrom(c.yaml).conflicts, [
    { server: 'shop.example.com', path: '/orders', pathType: 'Prefix', kept: { namespace: 'default', name: 'old' }, skipped: { namespace: 'default', name: 'new' } },
  ]);
});

const classYaml =
  NGINX_CLASS +
  `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: traefik}
spec: {controller: traefik.io/ingress-controller}
---
` +
  services('svc') +
  ingress({ name: 'mine', rules: [{ host: 'mine.example.com', paths: [['/', 'Prefix', 'svc']] }] }) +
  ingress({ name: 'theirs', className: 'traefik', rules: [{ host: 'theirs.example.com', paths: [['/', 'Prefix', 'svc']] }] }) +
  ingress({ name: 'invalid', className: 'some-invalid-class-name', rules: [{ host: 'ingress-class', paths: [['/', 'Prefix', 'svc']] }] }) +
  ingress({ name: 'defaulted', className: null, rules: [{ host: 'defaulted.example.com', paths: [['/', 'Prefix', 'svc']] }] }) +
  ingress({ name: 'legacy', className: null, annotations: { 'kubernetes.io/ingress.class': 'nginx' }, rules: [{ host: 'legacy.example.com', paths: [['/', 'Prefix', 'svc']] }] }) +
  ingress({ name: 'legacy-other', className: null, annotations: { 'kubernetes.io/ingress.class': 'traefik' }, rules: [{ host: 'legacy-other.example.com', paths: [['/', 'Prefix', 'svc']] }] }) +
  ingress({ name: 'regex-prefix', rules: [{ host: 'strict.example.com', paths: [['/api(/|$)(.*)', 'Prefix', 'svc']] }] });

const classCases: { name: string; host: string; want: 'served' | 404 }[] = [
  { name: 'an Ingress of the nginx class is served', host: 'mine.example.com', want: 'served' },
  { name: 'an Ingress of another controller’s class is ignored', host: 'theirs.example.com', want: 404 },
  { name: 'an Ingress naming a class that does not exist is ignored', host: 'ingress-class', want: 404 },
  { name: 'an Ingress without a class gets the default IngressClass', host: 'defaulted.example.com', want: 'served' },
  { name: 'the legacy annotation equal to --ingress-class is served', host: 'legacy.example.com', want: 'served' },
  { name: 'the legacy annotation naming another class is ignored', host: 'legacy-other.example.com', want: 404 },
  { name: 'a regex in a Prefix path fails strict-validate-path-type and is ignored', host: 'strict.example.com', want: 404 },
];

const classTable = tableFrom(classYaml);
for (const c of classCases) {
  test(`classes: ${c.name}`, () => {
    const m = classTable.match({ host: c.host, path: '/', scheme: 'http' });
    assert.equal(m.kind === 'backend' ? 'served' : m.status, c.want);
  });
}

test('classes: ignored Ingresses are listed with their reason', () => {
  assert.deepEqual(
    classTable.ignored.map((i) => `${i.ingress.name}: ${i.reason}`),
    [
      'invalid: spec.ingressClassName is "some-invalid-class-name", and no IngressClass "some-invalid-class-name" exists',
      'legacy-other: annotation kubernetes.io/ingress.class is "traefik", not "nginx"',
      `regex-prefix: spec.rules[0].http.paths[0].path "/api(/|$)(.*)": pathType Prefix allows only letters, digits, '/', '.', '_' and '-' (ingress-nginx strict-validate-path-type; use ImplementationSpecific for a regex)`,
      'theirs: spec.ingressClassName is "traefik", whose controller is "traefik.io/ingress-controller", not "k8s.io/ingress-nginx"',
    ],
  );
});

test('classes: without a default IngressClass an Ingress with no class is ignored unless watchIngressWithoutClass', () => {
  // The built-in IngressClass nginx is the default and a redeclaration merges over it: only "false" takes that away.
  const yaml = NGINX_CLASS.replace('"true"', '"false"') + services('svc') + ingress({ className: null, rules: [{ host: 'x.example.com', paths: [['/', 'Prefix', 'svc']] }] });
  assert.equal(tableFrom(yaml).ignored.length, 1);
  assert.equal(tableFrom(yaml, { ...CONTROLLER, watchIngressWithoutClass: true }).match({ host: 'x.example.com', path: '/', scheme: 'http' }).kind, 'backend');
});

test('classes: with two default IngressClasses the newer one is the default', () => {
  // Three, with the built-in nginx class created at build time (TEST_NOW, 2026-11-23): new-other is the newest.
  const yaml =
    `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: old-nginx, creationTimestamp: "2025-01-01T00:00:00Z", annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: new-other, creationTimestamp: "2027-01-01T00:00:00Z", annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}
spec: {controller: example.com/other}
---
` +
    services('svc') +
    ingress({ className: null, rules: [{ host: 'x.example.com', paths: [['/', 'Prefix', 'svc']] }] });
  assert.match(tableFrom(yaml).ignored[0]?.reason ?? '', /default IngressClass is "new-other"/);
});

test('buildRouteTable rejects a missing controller option, naming it', () => {
  assert.throws(() => buildRouteTable([], { controller: '' }), /options\.controller: Invalid value: "": must name the controller/);
});

const hostHeaders: [string, string][] = [
  ['FOO.bar.com:8080', 'foo.bar.com'],
  ['foo.bar.com.', 'foo.bar.com'],
  ['[::1]:8443', '[::1]'],
  ['', ''],
];
for (const [header, want] of hostHeaders) test(`normalizeHost turns ${JSON.stringify(header)} into ${JSON.stringify(want)}`, () => assert.equal(normalizeHost(header), want));

test('an http request to a host with TLS is marked for the 308 redirect; https is not', () => {
  const table = tableFrom('@examples/demo/ingress.yaml');
  const http = table.match({ host: 'api.example.com', path: '/users', scheme: 'http' });
  const https = table.match({ host: 'api.example.com', path: '/users', scheme: 'https' });
  assert.deepEqual([http.tls, http.sslRedirect, https.tls, https.sslRedirect], [true, true, true, false]);
});

test('x-forwarded-prefix is reported only when the request is rewritten', () => {
  const yaml =
    NGINX_CLASS +
    services('svc') +
    ingress({ annotations: { 'nginx.ingress.kubernetes.io/rewrite-target': '/$2', 'nginx.ingress.kubernetes.io/x-forwarded-prefix': '/api' }, rules: [{ host: 'e.com', paths: [['/api(/|$)(.*)', 'ImplementationSpecific', 'svc']] }] });
  const m = tableFrom(yaml).match({ host: 'e.com', path: '/api/v1', scheme: 'http' });
  assert.equal(m.kind === 'backend' && `${m.rewrittenPath} ${m.xForwardedPrefix}`, '/v1 /api');
});
