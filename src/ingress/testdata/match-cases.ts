// Shared Ingress matching cases (request → backend or 404) from ingress.md; the route table and the HTTP proxy both run them.

/** 404, or the Service (name in `default`) with optional Service port and URI the backend must receive. */
export type Want = 404 | { service: string; port?: number; path?: string };

export interface RequestCase {
  name: string;
  host: string;
  path: string;
  scheme?: 'http' | 'https';
  want: Want;
}

export interface MatchCase {
  name: string;
  /** Manifests (YAML; JSON documents are YAML too). */
  yaml: string;
  requests: RequestCase[];
}

type PathSpec = [path: string, pathType: 'Exact' | 'Prefix' | 'ImplementationSpecific', service: string, port?: number | string];

interface IngressSpec {
  name?: string;
  className?: string | null;
  annotations?: Record<string, string>;
  created?: string;
  defaultBackend?: string;
  rules?: { host?: string; paths: PathSpec[] }[];
  tls?: { hosts: string[]; secretName?: string }[];
}

const backend = (service: string, port: number | string = 80) => ({ service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } } });

/** One Ingress as a YAML document. */
export function ingress(spec: IngressSpec): string {
  const metadata: Record<string, unknown> = { name: spec.name ?? 'ing', namespace: 'default' };
  if (spec.annotations) metadata.annotations = spec.annotations;
  if (spec.created) metadata.creationTimestamp = spec.created;
  const s: Record<string, unknown> = {};
  if (spec.className !== null) s.ingressClassName = spec.className ?? 'nginx';
  if (spec.defaultBackend) s.defaultBackend = backend(spec.defaultBackend);
  if (spec.tls) s.tls = spec.tls;
  if (spec.rules)
    s.rules = spec.rules.map((r) => ({
      ...(r.host ? { host: r.host } : {}),
      http: { paths: r.paths.map(([path, pathType, svc, port]) => ({ path, pathType, backend: backend(svc, port) })) },
    }));
  return `${JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata, spec: s })}\n---\n`;
}

/** Services with ports http:80 and alt:8080, no selector. */
export function services(...names: string[]): string {
  return names
    .map((name) => `${JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80 }, { name: 'alt', port: 8080 }] } })}\n---\n`)
    .join('');
}

export const NGINX_CLASS = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx, annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}
spec: {controller: k8s.io/ingress-nginx}
---
`;

/** A single-rule-set Ingress on one host, with the nginx class and Services for every backend. */
function onHost(host: string | undefined, paths: PathSpec[], annotations?: Record<string, string>): string {
  return NGINX_CLASS + services(...new Set(paths.map((p) => p[2]))) + ingress({ rules: [{ host, paths }], annotations });
}

const req = (name: string, path: string, want: Want, host = 'example.com'): RequestCase => ({ name, host, path, want });

/** §3.3: the kubernetes.io path table; each backend is named after its path. */
const pathTable: MatchCase[] = [
  { name: 'Prefix / matches any path', yaml: onHost('example.com', [['/', 'Prefix', 'root']]), requests: [req('the root', '/', { service: 'root' }), req('a deep path', '/a/b/c', { service: 'root' })] },
  {
    name: 'Exact /foo matches only /foo',
    yaml: onHost('example.com', [['/foo', 'Exact', 'foo']]),
    requests: [req('/foo matches', '/foo', { service: 'foo' }), req('/bar does not', '/bar', 404), req('/foo/ does not (trailing slash)', '/foo/', 404), req('/FOO does not (case-sensitive)', '/FOO', 404)],
  },
  { name: 'Exact /foo/ does not match /foo', yaml: onHost('example.com', [['/foo/', 'Exact', 'foo-slash']]), requests: [req('/foo', '/foo', 404), req('/foo/', '/foo/', { service: 'foo-slash' })] },
  {
    name: 'Prefix /foo matches element-wise',
    yaml: onHost('example.com', [['/foo', 'Prefix', 'foo']]),
    requests: [req('/foo', '/foo', { service: 'foo' }), req('/foo/', '/foo/', { service: 'foo' }), req('/foo/bar', '/foo/bar', { service: 'foo' }), req('/foobar is not a sub-path', '/foobar', 404), req('/FOO is case-sensitive', '/FOO', 404)],
  },
  { name: 'Prefix /foo/ ignores its trailing slash', yaml: onHost('example.com', [['/foo/', 'Prefix', 'foo']]), requests: [req('/foo', '/foo', { service: 'foo' }), req('/foo/', '/foo/', { service: 'foo' })] },
  { name: 'Prefix /aaa/bb does not match /aaa/bbb', yaml: onHost('example.com', [['/aaa/bb', 'Prefix', 'bb']]), requests: [req('/aaa/bbb', '/aaa/bbb', 404)] },
  {
    name: 'Prefix /aaa/bbb compares whole elements',
    yaml: onHost('example.com', [['/aaa/bbb', 'Prefix', 'bbb']]),
    requests: [req('/aaa/bbb', '/aaa/bbb', { service: 'bbb' }), req('/aaa/bbb/', '/aaa/bbb/', { service: 'bbb' }), req('/aaa/bbb/ccc', '/aaa/bbb/ccc', { service: 'bbb' }), req('/aaa/bbbxyz', '/aaa/bbbxyz', 404)],
  },
  { name: 'Prefix /aaa/bbb/ matches /aaa/bbb', yaml: onHost('example.com', [['/aaa/bbb/', 'Prefix', 'bbb-slash']]), requests: [req('/aaa/bbb', '/aaa/bbb', { service: 'bbb-slash' }), req('/aaa/bbb/', '/aaa/bbb/', { service: 'bbb-slash' })] },
  { name: 'the longest Prefix wins over /', yaml: onHost('example.com', [['/', 'Prefix', 'root'], ['/aaa', 'Prefix', 'aaa']]), requests: [req('/aaa/ccc', '/aaa/ccc', { service: 'aaa' })] },
  {
    name: 'the longest of three Prefixes wins regardless of order',
    yaml: onHost('example.com', [['/aaa/bbb', 'Prefix', 'bbb'], ['/', 'Prefix', 'root'], ['/aaa', 'Prefix', 'aaa']]),
    requests: [req('/aaa/bbb', '/aaa/bbb', { service: 'bbb' }), req('/ccc', '/ccc', { service: 'root' })],
  },
  { name: 'an unmatched path without a default backend is 404', yaml: onHost('example.com', [['/aaa', 'Prefix', 'aaa']]), requests: [req('/ccc', '/ccc', 404)] },
  {
    name: 'Exact beats Prefix on the same path',
    yaml: onHost('example.com', [['/foo', 'Prefix', 'foo-prefix'], ['/foo', 'Exact', 'foo-exact']]),
    requests: [req('/foo goes to Exact', '/foo', { service: 'foo-exact' }), req('/foo/x goes to Prefix', '/foo/x', { service: 'foo-prefix' })],
  },
  {
    name: 'ImplementationSpecific is Prefix in ingress-nginx v1.15.1 (SetDefaultNGINXPathType)',
    yaml: onHost('example.com', [['/foo', 'ImplementationSpecific', 'foo']]),
    requests: [req('/foo/x', '/foo/x', { service: 'foo' }), req('/foobar (not a string prefix)', '/foobar', 404)],
  },
  { name: 'the query string is not part of the path', yaml: onHost('example.com', [['/foo', 'Exact', 'foo']]), requests: [req('/foo?x=1', '/foo?x=1', { service: 'foo', path: '/foo?x=1' })] },
];

/** §2 and conformance host_rules.feature. */
const hostCases: MatchCase[] = [
  {
    name: 'host rules: wildcard covers one label, precise hosts ignore case and port',
    yaml:
      NGINX_CLASS +
      services('wildcard-foo-com', 'foo-bar-com') +
      ingress({ rules: [{ host: '*.foo.com', paths: [['/', 'Prefix', 'wildcard-foo-com', 8080]] }, { host: 'foo.bar.com', paths: [['/', 'Prefix', 'foo-bar-com', 'http']] }] }),
    requests: [
      req('https to foo.bar.com uses the port named http', '/', { service: 'foo-bar-com', port: 80 }, 'foo.bar.com'),
      req('foo.bar.com:8080 has its port stripped', '/', { service: 'foo-bar-com' }, 'foo.bar.com:8080'),
      req('FOO.Bar.com matches case-insensitively', '/', { service: 'foo-bar-com' }, 'FOO.Bar.com'),
      req('subdomain.bar.com matches nothing', '/', 404, 'subdomain.bar.com'),
      req('bar.foo.com matches the wildcard', '/', { service: 'wildcard-foo-com', port: 8080 }, 'bar.foo.com'),
      req('baz.bar.foo.com is two labels', '/', 404, 'baz.bar.foo.com'),
      req('foo.com has no label for the wildcard', '/', 404, 'foo.com'),
    ],
  },
  {
    name: 'a precise host beats a wildcard, which beats a host-less rule',
    yaml:
      NGINX_CLASS +
      services('precise', 'wild', 'any') +
      ingress({ rules: [{ paths: [['/', 'Prefix', 'any']] }, { host: '*.foo.com', paths: [['/', 'Prefix', 'wild']] }, { host: 'a.foo.com', paths: [['/', 'Prefix', 'precise']] }] }),
    requests: [
      req('a.foo.com', '/', { service: 'precise' }, 'a.foo.com'),
      req('b.foo.com', '/', { service: 'wild' }, 'b.foo.com'),
      req('other.org', '/x', { service: 'any' }, 'other.org'),
      req('no Host header', '/x', { service: 'any' }, ''),
      req('an IP address as host', '/x', { service: 'any' }, '10.0.0.1:80'),
    ],
  },
];

/** §4 and conformance default_backend.feature. */
const defaultBackendCases: MatchCase[] = [
  {
    name: 'an Ingress with only a defaultBackend takes every request',
    yaml: NGINX_CLASS + services('echo-service') + ingress({ defaultBackend: 'echo-service' }),
    requests: [req('my-host /', '/', { service: 'echo-service' }, 'my-host'), req('some-host /resource', '/resource', { service: 'echo-service' }, 'some-host'), req('no host', '/resource', { service: 'echo-service' }, '')],
  },
  {
    name: 'a known host with no matching path goes to its Ingress defaultBackend, not to host-less rules',
    yaml:
      NGINX_CLASS +
      services('app', 'fallback', 'hostless') +
      ingress({ name: 'a', defaultBackend: 'fallback', rules: [{ host: 'app.example.com', paths: [['/api', 'Prefix', 'app']] }] }) +
      ingress({ name: 'b', rules: [{ paths: [['/other', 'Prefix', 'hostless']] }] }),
    requests: [
      req('/api', '/api', { service: 'app' }, 'app.example.com'),
      req('/other on the known host', '/other', { service: 'fallback' }, 'app.example.com'),
      req('/other on an unknown host', '/other', { service: 'hostless' }, 'x.example.com'),
      req('an unknown host and path (no catch-all defaultBackend)', '/nope', 404, 'x.example.com'),
    ],
  },
];

/** §5: several Ingresses on one host. */
const mergeCases: MatchCase[] = [
  {
    name: 'two Ingresses on one host merge, and the older keeps a duplicated path',
    yaml:
      NGINX_CLASS +
      services('users', 'orders', 'orders-v2', 'orders-exact') +
      ingress({ name: 'old', created: '2026-01-01T00:00:00Z', rules: [{ host: 'shop.example.com', paths: [['/users', 'Prefix', 'users'], ['/orders', 'Prefix', 'orders']] }] }) +
      ingress({ name: 'new', created: '2026-02-01T00:00:00Z', rules: [{ host: 'shop.example.com', paths: [['/orders', 'Prefix', 'orders-v2'], ['/orders', 'Exact', 'orders-exact']] }] }),
    requests: [
      req('/users from the older Ingress', '/users/1', { service: 'users' }, 'shop.example.com'),
      req('/orders/1 stays with the older Ingress', '/orders/1', { service: 'orders' }, 'shop.example.com'),
      req('/orders takes the newer Exact path', '/orders', { service: 'orders-exact' }, 'shop.example.com'),
    ],
  },
  {
    name: 'with equal creation times the greater namespace/name is treated as older',
    yaml:
      NGINX_CLASS +
      services('from-a', 'from-b') +
      ingress({ name: 'a', rules: [{ host: 'tie.example.com', paths: [['/', 'Prefix', 'from-a']] }] }) +
      ingress({ name: 'b', rules: [{ host: 'tie.example.com', paths: [['/', 'Prefix', 'from-b']] }] }),
    requests: [req('/', '/', { service: 'from-b' }, 'tie.example.com')],
  },
];

const REWRITE = 'nginx.ingress.kubernetes.io/rewrite-target';
const regexHost = (path: string, target: string) => onHost('example.com', [[path, 'ImplementationSpecific', 'svc']], { [REWRITE]: target });

/** §6: rewrite-target and use-regex. */
const rewriteCases: MatchCase[] = [
  {
    name: 'rewrite-target /$2 keeps what the second group captures',
    yaml: regexHost('/something(/|$)(.*)', '/$2'),
    requests: [
      req('/something', '/something', { service: 'svc', path: '/' }),
      req('/something/', '/something/', { service: 'svc', path: '/' }),
      req('/something/new', '/something/new', { service: 'svc', path: '/new' }),
      req('the query string is appended', '/something/new?x=1', { service: 'svc', path: '/new?x=1' }),
      req('matching is case-insensitive', '/SOMETHING/new', { service: 'svc', path: '/new' }),
      req('/somethingelse needs / or the end after something', '/somethingelse', 404),
    ],
  },
  { name: 'the older /something/?(.*) form with /$1', yaml: regexHost('/something/?(.*)', '/$1'), requests: [req('/something/new', '/something/new', { service: 'svc', path: '/new' })] },
  { name: 'a plain target replaces the whole URI', yaml: regexHost('/app', '/'), requests: [req('/app/x/y', '/app/x/y', { service: 'svc', path: '/' }), req('/application also matches the regex', '/application', { service: 'svc', path: '/' })] },
  { name: 'rewrite of / to /jenkins', yaml: regexHost('/', '/jenkins'), requests: [req('/foo/bar', '/foo/bar', { service: 'svc', path: '/jenkins' })] },
  { name: 'rewrite /api(/|$)(.*) to /v2/$2', yaml: regexHost('/api(/|$)(.*)', '/v2/$2'), requests: [req('/api/users', '/api/users', { service: 'svc', path: '/v2/users' })] },
  {
    name: 'use-regex tries longer paths first, so a longer regex beats a literal path',
    yaml: onHost('example.com', [['/foo/bar/bar', 'ImplementationSpecific', 'literal'], ['/foo/bar/[A-Z0-9]{3}', 'ImplementationSpecific', 'regex']], { 'nginx.ingress.kubernetes.io/use-regex': 'true' }),
    requests: [req('/foo/bar/bar', '/foo/bar/bar', { service: 'regex', path: '/foo/bar/bar' })],
  },
  {
    name: 'a rewrite on one Ingress makes every path of the host a case-insensitive regex',
    yaml:
      NGINX_CLASS +
      services('exact', 'rw') +
      ingress({ name: 'plain', rules: [{ host: 'example.com', paths: [['/foo', 'Exact', 'exact']] }] }) +
      ingress({ name: 'rewriting', annotations: { [REWRITE]: '/' }, rules: [{ host: 'example.com', paths: [['/bar', 'Prefix', 'rw']] }] }),
    requests: [
      req('Exact /foo now matches /foobar', '/foobar', { service: 'exact', path: '/foobar' }),
      req('and /FOO', '/FOO', { service: 'exact', path: '/FOO' }),
      req('/bar/x is rewritten to /', '/bar/x', { service: 'rw', path: '/' }),
    ],
  },
];

/** The demo's app-ingress (examples/demo/ingress.yaml). */
const demoCases: MatchCase[] = [
  {
    name: "the demo's app-ingress",
    yaml: '@examples/demo/ingress.yaml',
    requests: [
      { name: 'https /users/1 goes to users-svc rewritten to /', host: 'api.example.com', path: '/users/1', scheme: 'https', want: { service: 'users-svc', port: 80, path: '/' } },
      { name: '/orders goes to orders-svc', host: 'api.example.com', path: '/orders', scheme: 'https', want: { service: 'orders-svc', port: 80, path: '/' } },
      { name: '/other is 404', host: 'api.example.com', path: '/other', scheme: 'https', want: 404 },
      { name: 'another host is 404', host: 'www.example.com', path: '/users', scheme: 'https', want: 404 },
    ],
  },
];

export const MATCH_CASES: MatchCase[] = [...pathTable, ...hostCases, ...defaultBackendCases, ...mergeCases, ...rewriteCases, ...demoCases];
