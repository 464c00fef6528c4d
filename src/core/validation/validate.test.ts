// Tests for validateObject: each case is a manifest as a user writes it, defaulted and validated like the API
// server, and the exact messages users see. Fixtures: src/core/testdata/every-kind.yaml.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { applyDefaults } from '../defaults.js';
import { collectDocuments } from '../documents.js';
import { formatProblem } from '../errors.js';
import { parseManifests } from '../manifests.js';
import type { KubeObject } from '../types.js';
import { validateObject } from './validate.js';

/** The repository root: tests run from dist/src/core/validation. */
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function problemsOf(yaml: string): string[] {
  const parsed = parseManifests(yaml, 'in.yaml');
  const collected = collectDocuments(parsed.docs);
  return [...parsed.problems, ...collected.problems].map(formatProblem);
}

const svc = (spec: string, name = 'web') => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const deploy = (spec: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n${spec}`;
const netpol = (spec: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np\nspec:\n${spec}`;
const ingress = (spec: string) => `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ing\nspec:\n${spec}`;
const pod = (spec: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n${spec}`;
const CONTAINERS = '  containers:\n  - name: c\n    image: nginx\n';
const TEMPLATE = '  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - {name: web, image: nginx}\n';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const CIDR_MSG = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

const cases: { name: string; yaml: string; want: string[] }[] = [
  {
    name: 'a Service port above 65535 is out of range',
    yaml: svc('  ports:\n  - port: 70000\n    targetPort: 8080\n'),
    want: ['in.yaml doc 1: Service default/web: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive'],
  },
  {
    name: 'an unknown protocol lists the supported ones, sorted',
    yaml: svc('  ports:\n  - port: 80\n    protocol: TCPX\n'),
    want: ['in.yaml doc 1: Service default/web: spec.ports[0].protocol: Unsupported value: "TCPX": supported values: "SCTP", "TCP", "UDP"'],
  },
  {
    name: 'a port written as a string is a type error naming the expected type',
    yaml: svc('  ports:\n  - port: "80"\n'),
    want: ['in.yaml doc 1: Service default/web: spec.ports[0].port: Invalid value: "80": must be of type integer'],
  },
  {
    name: 'a Service without ports needs them unless it is headless or ExternalName',
    yaml: svc('  selector: {app: web}\n') + '---\n' + svc('  clusterIP: None\n  selector: {app: web}\n', 'headless'),
    want: ['in.yaml doc 1: Service default/web: spec.ports: Required value'],
  },
  {
    name: 'a Service with several ports must name each of them, uniquely',
    yaml: svc('  ports:\n  - port: 80\n  - {name: a, port: 81}\n  - {name: a, port: 82}\n'),
    want: ['in.yaml doc 1: Service default/web: spec.ports[0].name: Required value', 'in.yaml doc 1: Service default/web: spec.ports[2].name: Duplicate value: "a"'],
  },
  {
    name: 'a Service name must be a DNS-1035 label',
    yaml: svc('  ports:\n  - port: 80\n', '1web'),
    want: [`in.yaml doc 1: Service default/1web: metadata.name: Invalid value: "1web": ${DNS1035_MSG}`],
  },
  {
    name: 'a Namespace name with dots says that dots are the problem',
    yaml: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team.a\n',
    want: ['in.yaml doc 1: Namespace team.a: metadata.name: Invalid value: "team.a": must not contain dots'],
  },
  {
    name: 'a Deployment name that is not a DNS subdomain is rejected with the upstream message',
    yaml: deploy(`  selector: {matchLabels: {app: web}}\n${TEMPLATE}`).replace('name: web\nspec', 'name: Web_1\nspec'),
    want: [`in.yaml doc 1: Deployment default/Web_1: metadata.name: Invalid value: "Web_1": ${SUBDOMAIN_MSG}`],
  },
  {
    name: 'the type, clusterIP and targetPort name of a Service are checked',
    yaml: svc('  type: Cluster\n  clusterIP: 10.96.0.300\n  ports:\n  - {port: 80, targetPort: web--port}\n'),
    want: [
      'in.yaml doc 1: Service default/web: spec.type: Unsupported value: "Cluster": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
      'in.yaml doc 1: Service default/web: spec.ports[0].targetPort: Invalid value: "web--port": must not contain consecutive hyphens',
      'in.yaml doc 1: Service default/web: spec.clusterIP: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ],
  },
  {
    name: 'an ExternalName Service needs a DNS name and may not have a cluster IP',
    yaml: svc('  type: ExternalName\n  externalName: bad_name\n  clusterIP: 10.96.0.5\n'),
    want: [
      `in.yaml doc 1: Service default/web: spec.clusterIP: Forbidden: may not be set for ExternalName services`,
      `in.yaml doc 1: Service default/web: spec.externalName: Invalid value: "bad_name": ${SUBDOMAIN_MSG}`,
    ],
  },
  {
    name: 'a nodePort is forbidden on a ClusterIP Service and a headless NodePort Service is invalid',
    yaml: svc('  ports:\n  - {port: 80, nodePort: 30080}\n') + '---\n' + svc('  type: NodePort\n  clusterIP: None\n  ports:\n  - {port: 80}\n', 'np'),
    want: [
      "in.yaml doc 1: Service default/web: spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
      "in.yaml doc 2: Service default/np: spec.clusterIP: Invalid value: \"None\": may not be set to 'None' for NodePort services",
    ],
  },
  {
    name: 'traffic policy and session affinity enums are checked',
    yaml: svc('  type: NodePort\n  externalTrafficPolicy: Global\n  internalTrafficPolicy: Node\n  sessionAffinity: Sticky\n  ports:\n  - {port: 80}\n'),
    want: [
      'in.yaml doc 1: Service default/web: spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"',
      'in.yaml doc 1: Service default/web: spec.externalTrafficPolicy: Unsupported value: "Global": supported values: "Cluster", "Local"',
      'in.yaml doc 1: Service default/web: spec.internalTrafficPolicy: Unsupported value: "Node": supported values: "Cluster", "Local"',
    ],
  },
  {
    name: 'a workload selector that does not match the template labels is rejected on the labels',
    yaml: deploy(`  selector: {matchLabels: {app: api}}\n${TEMPLATE}`),
    want: ['in.yaml doc 1: Deployment default/web: spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`'],
  },
  {
    name: 'a workload without a selector, or with an empty one, is rejected',
    yaml: deploy(TEMPLATE) + '---\n' + deploy(`  selector: {}\n${TEMPLATE}`).replace('name: web', 'name: web2'),
    want: [
      'in.yaml doc 1: Deployment default/web: spec.selector: Required value',
      'in.yaml doc 2: Deployment default/web2: spec.selector: Invalid value: {}: empty selector is invalid for deployment',
    ],
  },
  {
    name: 'selector expressions check their operator and values',
    yaml: deploy(
      `  selector:\n    matchExpressions:\n    - {key: app, operator: Equals, values: [web]}\n    - {key: app, operator: In}\n    - {key: tier, operator: Exists, values: [x]}\n${TEMPLATE}`,
    ),
    want: [
      'in.yaml doc 1: Deployment default/web: spec.selector.matchExpressions[0].operator: Unsupported value: "Equals": supported values: "DoesNotExist", "Exists", "In", "NotIn"',
      "in.yaml doc 1: Deployment default/web: spec.selector.matchExpressions[1].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "in.yaml doc 1: Deployment default/web: spec.selector.matchExpressions[2].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    ],
  },
  {
    name: 'containers need a name and an image, names are unique, and port names are IANA service names',
    yaml: pod('  containers:\n  - image: nginx\n  - name: a\n  - name: a\n    image: nginx\n    ports:\n    - {name: 9090, containerPort: 9090}\n    - {name: http-metrics-endpoint, containerPort: 0}\n'),
    want: [
      'in.yaml doc 1: Pod default/p: spec.containers[0].name: Required value',
      'in.yaml doc 1: Pod default/p: spec.containers[1].image: Required value',
      'in.yaml doc 1: Pod default/p: spec.containers[2].name: Duplicate value: "a"',
      'in.yaml doc 1: Pod default/p: spec.containers[2].ports[0].name: Invalid value: 9090: must be of type string',
      'in.yaml doc 1: Pod default/p: spec.containers[2].ports[1].name: Invalid value: "http-metrics-endpoint": must be no more than 15 characters',
      'in.yaml doc 1: Pod default/p: spec.containers[2].ports[1].containerPort: Required value',
    ],
  },
  {
    name: 'a Pod without containers is rejected and its policies are enums',
    yaml: pod('  containers: []\n  restartPolicy: Sometimes\n  dnsPolicy: ClusterLast\n'),
    want: [
      'in.yaml doc 1: Pod default/p: spec.containers: Required value',
      'in.yaml doc 1: Pod default/p: spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"',
      'in.yaml doc 1: Pod default/p: spec.dnsPolicy: Unsupported value: "ClusterLast": supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"',
    ],
  },
  {
    name: 'a workload template may only restart Always',
    yaml: deploy(`  selector: {matchLabels: {app: web}}\n${TEMPLATE}      restartPolicy: Never\n`),
    want: ['in.yaml doc 1: Deployment default/web: spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
  },
  {
    name: 'an ipBlock cidr that does not parse is rejected',
    yaml: netpol('  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/33}\n'),
    want: [`in.yaml doc 1: NetworkPolicy default/np: spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": ${CIDR_MSG}`],
  },
  {
    name: 'an ipBlock except must be strictly inside the cidr',
    yaml: netpol('  podSelector: {}\n  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24, 10.0.0.0/16, "2001:db8::/64", 10.0.1.0/24]}\n'),
    want: [
      'in.yaml doc 1: NetworkPolicy default/np: spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`',
      'in.yaml doc 1: NetworkPolicy default/np: spec.egress[0].to[0].ipBlock.except[1]: Invalid value: "10.0.0.0/16": must be a strict subset of `cidr`',
      'in.yaml doc 1: NetworkPolicy default/np: spec.egress[0].to[0].ipBlock.except[2]: Invalid value: "2001:db8::/64": must be a strict subset of `cidr`',
    ],
  },
  {
    name: 'endPort needs a numeric port no greater than itself',
    yaml: netpol('  podSelector: {}\n  ingress:\n  - ports:\n    - endPort: 9000\n    - {port: http, endPort: 9000}\n    - {port: 9000, endPort: 8000}\n'),
    want: [
      'in.yaml doc 1: NetworkPolicy default/np: spec.ingress[0].ports[0].endPort: Invalid value: 9000: may not be specified when `port` is not specified',
      'in.yaml doc 1: NetworkPolicy default/np: spec.ingress[0].ports[1].endPort: Invalid value: 9000: may not be specified when `port` is non-numeric',
      'in.yaml doc 1: NetworkPolicy default/np: spec.ingress[0].ports[2].endPort: Invalid value: 8000: must be greater than or equal to `port`',
    ],
  },
  {
    name: 'a peer needs a selector or an ipBlock, and an ipBlock stands alone',
    yaml: netpol('  podSelector: {}\n  ingress:\n  - from:\n    - {}\n    - {podSelector: {}, ipBlock: {cidr: 10.0.0.0/8}}\n'),
    want: [
      'in.yaml doc 1: NetworkPolicy default/np: spec.ingress[0].from[0]: Required value: must specify a peer',
      'in.yaml doc 1: NetworkPolicy default/np: spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer',
    ],
  },
  {
    name: 'a NetworkPolicy needs a podSelector and known policyTypes',
    yaml: netpol('  policyTypes: [Ingress, Both]\n'),
    want: [
      'in.yaml doc 1: NetworkPolicy default/np: spec.podSelector: Required value',
      'in.yaml doc 1: NetworkPolicy default/np: spec.policyTypes[1]: Unsupported value: "Both": supported values: "Egress", "Ingress"',
    ],
  },
  {
    name: 'Ingress hosts may only use a wildcard as the first label, and paths need a type and an absolute path',
    yaml: ingress(
      '  rules:\n  - host: "foo.*.example.com"\n    http:\n      paths:\n      - {path: api, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}\n      - {path: /x, pathType: Regex, backend: {service: {name: web, port: {name: http}}}}\n      - {path: /y, backend: {service: {name: web, port: {number: 80}}}}\n',
    ),
    want: [
      "in.yaml doc 1: Ingress default/ing: spec.rules[0].host: Invalid value: \"foo.*.example.com\": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      'in.yaml doc 1: Ingress default/ing: spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path',
      'in.yaml doc 1: Ingress default/ing: spec.rules[0].http.paths[1].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
      'in.yaml doc 1: Ingress default/ing: spec.rules[0].http.paths[2].pathType: Required value: pathType must be specified',
    ],
  },
  {
    name: 'an Ingress backend has exactly one of service and resource, and a service port exactly one of number and name',
    yaml: ingress(
      '  defaultBackend:\n    service: {name: web, port: {number: 80, name: http}}\n    resource: {kind: Bucket, name: b}\n  rules:\n  - http:\n      paths:\n      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80, name: http}}}}\n      - {path: /, pathType: Prefix, backend: {service: {name: web}}}\n      - {path: /, pathType: Prefix, backend: {}}\n',
    ),
    want: [
      'in.yaml doc 1: Ingress default/ing: spec.defaultBackend: Invalid value: "": cannot set both resource and service backends',
      'in.yaml doc 1: Ingress default/ing: spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both port name & port number',
      'in.yaml doc 1: Ingress default/ing: spec.rules[0].http.paths[1].backend: Required value: port name or number is required',
      'in.yaml doc 1: Ingress default/ing: spec.rules[0].http.paths[2].backend: Invalid value: "": resource or service backend is required',
    ],
  },
  {
    name: 'an IngressClass needs a domain-prefixed controller',
    yaml: 'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: a}\nspec: {}\n---\napiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: b}\nspec: {controller: nginx}\n',
    want: [
      'in.yaml doc 1: IngressClass a: spec.controller: Required value',
      'in.yaml doc 2: IngressClass b: spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")',
    ],
  },
  {
    name: 'Endpoints reject loopback addresses and unnamed ports when there are several',
    yaml: 'apiVersion: v1\nkind: Endpoints\nmetadata: {name: e}\nsubsets:\n- addresses: [{ip: 127.0.0.1}, {ip: 10.1.2.3.4}]\n  ports: [{port: 80}, {name: b, port: 81}]\n',
    want: [
      'in.yaml doc 1: Endpoints default/e: subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      'in.yaml doc 1: Endpoints default/e: subsets[0].addresses[1].ip: Invalid value: "10.1.2.3.4": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'in.yaml doc 1: Endpoints default/e: subsets[0].ports[0].name: Required value',
    ],
  },
  {
    name: 'EndpointSlice addresses must match the address type',
    yaml: 'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s}\naddressType: IPv4\nendpoints:\n- addresses: ["2001:db8::1"]\n- addresses: []\nports: [{port: 0}]\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: t}\naddressType: IP\n',
    want: [
      'in.yaml doc 1: EndpointSlice default/s: endpoints[0].addresses[0]: Invalid value: "2001:db8::1": must be a valid IPv4 address',
      'in.yaml doc 1: EndpointSlice default/s: endpoints[1].addresses: Required value: must contain at least 1 address',
      'in.yaml doc 1: EndpointSlice default/s: ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'in.yaml doc 2: EndpointSlice default/t: addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"',
    ],
  },
  {
    name: 'a Node podCIDR must parse and taint effects are an enum',
    yaml: 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec:\n  podCIDR: 10.244.1.0\n  taints: [{key: gpu, effect: NoRun}, {effect: NoSchedule}]\n',
    want: [
      `in.yaml doc 1: Node n1: spec.podCIDR: Invalid value: "10.244.1.0": ${CIDR_MSG}`,
      'in.yaml doc 1: Node n1: spec.taints[0].effect: Unsupported value: "NoRun": supported values: "NoExecute", "NoSchedule", "PreferNoSchedule"',
      'in.yaml doc 1: Node n1: spec.taints[1].key: Required value',
    ],
  },
  {
    name: 'Secret data must be base64 and its values are never echoed; a TLS Secret needs its key pair',
    yaml: 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/tls\ndata:\n  tls.crt: not base64!\n',
    want: [
      'in.yaml doc 1: Secret default/s: data[tls.crt]: Invalid value: "(value hidden)": must be base64-encoded (standard alphabet, with padding)',
      'in.yaml doc 1: Secret default/s: data[tls.key]: Required value',
    ],
  },
  {
    name: 'ConfigMap values are strings and keys are valid file names',
    yaml: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  replicas: 3\n  "a/b": x\n',
    want: [
      'in.yaml doc 1: ConfigMap default/c: data[replicas]: Invalid value: 3: must be of type string',
      "in.yaml doc 1: ConfigMap default/c: data: Invalid value: \"a/b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ],
  },
  {
    name: 'label keys and values are checked in metadata and templates',
    yaml: pod(CONTAINERS).replace('name: p\n', 'name: p\n  labels: {"app": "web site"}\n'),
    want: [
      "in.yaml doc 1: Pod default/p: metadata.labels[app]: Invalid value: \"web site\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ],
  },
  {
    name: 'a spec of the wrong type is one type error, not a cascade',
    yaml: 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: [80]\n',
    want: ['in.yaml doc 1: Service default/web: spec: Invalid value: [80]: must be of type object', 'in.yaml doc 1: Service default/web: spec.type: Required value', 'in.yaml doc 1: Service default/web: spec.ports: Required value', 'in.yaml doc 1: Service default/web: spec.sessionAffinity: Required value'],
  },
];

describe('validateObject', () => {
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(problemsOf(c.yaml), c.want));
  }

  it('accepts a valid object of every kind, as users write them', () => {
    const text = readFileSync(`${REPO_ROOT}src/core/testdata/every-kind.yaml`, 'utf8');
    assert.deepEqual(problemsOf(text), []);
    assert.equal(parseManifests(text, 'every-kind.yaml').docs.length, 18);
  });

  it('expects defaulted objects: without defaults the fields the API server fills in are Required', () => {
    const raw: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 80 }] } };
    assert.deepEqual(
      validateObject(raw).map((e) => e.field),
      ['spec.type', 'spec.ports[0].protocol', 'spec.sessionAffinity'],
    );
    assert.deepEqual(validateObject(applyDefaults(raw)), []);
  });

  it('never throws, whatever value replaces any field of a valid object', () => {
    const objects = parseManifests(readFileSync(`${REPO_ROOT}src/core/testdata/every-kind.yaml`, 'utf8'), 'f.yaml').docs.map((d) => d.object);
    const paths = (v: unknown, at: (string | number)[] = []): (string | number)[][] =>
      typeof v !== 'object' || v === null ? [at] : [at, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...at, Array.isArray(v) ? Number(k) : k]))];
    fc.assert(
      fc.property(fc.nat(objects.length - 1), fc.nat(), fc.jsonValue({ maxDepth: 2 }), (i, j, value) => {
        const o = structuredClone(objects[i]) as Record<string, any>;
        const all = paths(o).filter((p) => p.length > 0 && p[0] !== 'kind');
        const path = all[j % all.length];
        let parent = o;
        for (const k of path.slice(0, -1)) parent = parent[k];
        parent[path[path.length - 1]] = value;
        const errs = validateObject(applyDefaults(o as KubeObject));
        assert.ok(Array.isArray(errs));
      }),
      { numRuns: 3000, seed: 7 },
    );
  });

  it('forbids a namespace on a cluster-scoped kind when it was not defaulted away', () => {
    const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', namespace: 'default' } };
    assert.deepEqual(validateObject(node), [{ type: 'Forbidden', field: 'metadata.namespace', detail: 'not allowed on this type' }]);
  });
});
