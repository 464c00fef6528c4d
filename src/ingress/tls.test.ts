// Tests for per-host certificates from kubernetes.io/tls Secrets (present, missing, malformed) and SNI selection.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterFromYaml, REPO_ROOT } from '../testing/cluster.js';
import { buildRouteTable } from './route-table.js';
import { ingress, NGINX_CLASS, services } from './testdata/match-cases.js';
import { selectCertificate, tlsCertificates } from './tls.js';

const CONTROLLER = { controller: 'k8s.io/ingress-nginx' };

function certsFor(yaml: string) {
  return tlsCertificates(buildRouteTable(clusterFromYaml(yaml).objects, CONTROLLER));
}

test("the demo's api-tls-cert Secret gives api.example.com its PEM certificate and key", () => {
  const [c, ...rest] = certsFor(readFileSync(join(REPO_ROOT, 'examples/demo/ingress.yaml'), 'utf8'));
  assert.equal(rest.length, 0);
  assert.equal(c.kind, 'secret');
  assert.equal(c.host, 'api.example.com');
  assert.ok(c.kind === 'secret' && c.cert.startsWith('-----BEGIN CERTIFICATE-----') && c.key.startsWith('-----BEGIN PRIVATE KEY-----'));
});

const pem = (s: string) => Buffer.from(`-----BEGIN ${s}-----\nAAAA\n-----END ${s}-----\n`).toString('base64');
const secret = (name: string, type: string, data: Record<string, string>) =>
  `${JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, type, data })}\n---\n`;
const withTls = (tls: { hosts: string[]; secretName?: string }[], extra = '') =>
  NGINX_CLASS + services('svc') + extra + ingress({ name: 'web', tls, rules: [{ host: 'a.example.com', paths: [['/', 'Prefix', 'svc']] }] });

const cases: { name: string; yaml: string; want: string }[] = [
  { name: 'a kubernetes.io/tls Secret is used', yaml: withTls([{ hosts: ['a.example.com'], secretName: 'a-tls' }], secret('a-tls', 'kubernetes.io/tls', { 'tls.crt': pem('CERTIFICATE'), 'tls.key': pem('PRIVATE KEY') })), want: 'secret' },
  {
    name: 'a missing Secret gives a warning naming the Ingress, host and Secret',
    yaml: withTls([{ hosts: ['a.example.com'], secretName: 'gone' }]),
    want: 'missing: Ingress default/web: TLS host a.example.com: Secret default/gone does not exist; serving a self-signed certificate for a.example.com',
  },
  {
    name: 'a Secret of another type is treated as missing',
    yaml: withTls([{ hosts: ['a.example.com'], secretName: 'opaque' }], secret('opaque', 'Opaque', { 'tls.crt': pem('CERTIFICATE'), 'tls.key': pem('PRIVATE KEY') })),
    want: 'missing: Ingress default/web: TLS host a.example.com: Secret default/opaque has type "Opaque", not "kubernetes.io/tls"; serving a self-signed certificate for a.example.com',
  },
  {
    name: 'a tls entry without secretName still means TLS, with a self-signed certificate',
    yaml: withTls([{ hosts: ['a.example.com'] }]),
    want: 'missing: Ingress default/web: TLS host a.example.com: the tls entry has no secretName; serving a self-signed certificate for a.example.com',
  },
];

for (const c of cases) {
  test(c.name, () => {
    const [got] = certsFor(c.yaml);
    assert.equal(got.kind === 'secret' ? 'secret' : `missing: ${got.warning}`, c.want);
  });
}

const sni: { name: string; serverName: string | undefined; want: string | undefined }[] = [
  { name: 'SNI picks the exact host first', serverName: 'a.foo.com', want: 'a.foo.com' },
  { name: 'SNI falls back to the one-label wildcard', serverName: 'b.foo.com', want: '*.foo.com' },
  { name: 'SNI ignores case and a trailing dot', serverName: 'B.Foo.com.', want: '*.foo.com' },
  { name: 'the wildcard does not cover two labels, so the default certificate is used', serverName: 'x.b.foo.com', want: undefined },
  { name: 'no SNI gets the default certificate', serverName: undefined, want: undefined },
];
for (const c of sni) {
  test(c.name, () => assert.equal(selectCertificate([{ host: '*.foo.com' }, { host: 'a.foo.com' }], c.serverName)?.host, c.want));
}
