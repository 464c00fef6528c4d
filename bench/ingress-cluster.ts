// Clusters for the Ingress benchmark: a small one served over HTTP by both flatnet and nginx (hosts and paths to
// http-echo Deployments), and a 10k-host one for route-table build and route-change timings.

import { stringify } from 'yaml';

/** One host + path of the small cluster, the Service it routes to, and the body its http-echo pods answer. */
export interface BenchRoute {
  host: string;
  path: string;
  service: string;
  /** What every endpoint of the Service answers: http-echo's -text plus a newline. */
  body: string;
}

/** A Service of the small cluster: its name, replica count and http-echo text. */
export interface BenchService {
  name: string;
  replicas: number;
  text: string;
}

export const INGRESS_CLASS = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'k8s.io/ingress-nginx' } };
export const CONTROLLER = 'k8s.io/ingress-nginx';
const ECHO_PORT = 5678;

/** An http-echo Deployment and its Service on port 80, like examples/demo/ingress.yaml. */
export function echoApp(name: string, replicas: number, text: string): object[] {
  const labels = { app: name };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name, image: 'hashicorp/http-echo:1.0', args: [`-listen=:${ECHO_PORT}`, `-text=${text}`], ports: [{ name: 'http', containerPort: ECHO_PORT }] }] } },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
  ];
}

/** An Ingress with one Prefix path per (host, path, service) rule, in the default class. */
export function ingress(name: string, rules: { host: string; paths: { path: string; service: string }[] }[]): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name },
    spec: {
      ingressClassName: 'nginx',
      rules: rules.map((r) => ({ host: r.host, http: { paths: r.paths.map((p) => ({ path: p.path, pathType: 'Prefix', backend: { service: { name: p.service, port: { number: 80 } } } })) } })),
    },
  };
}

export const yamlDocs = (docs: object[]): string => docs.map((d) => stringify(d)).join('---\n');

/**
 * The HTTP workload's cluster: 4 hosts × 2 paths over 4 http-echo Services of 2–3 replicas (10 endpoints), one
 * Ingress per host.
 */
export function smallCluster(): { yaml: string; routes: BenchRoute[]; services: BenchService[] } {
  const services: BenchService[] = [
    { name: 'users', replicas: 3, text: 'users' },
    { name: 'orders', replicas: 2, text: 'orders' },
    { name: 'cart', replicas: 3, text: 'cart' },
    { name: 'search', replicas: 2, text: 'search' },
  ];
  const routes: BenchRoute[] = [];
  const docs: object[] = [INGRESS_CLASS, ...services.flatMap((s) => echoApp(s.name, s.replicas, s.text))];
  for (let h = 0; h < 4; h++) {
    const host = `app-${h}.bench.test`;
    const paths = [0, 1].map((k) => {
      const svc = services[(h + k * 2) % services.length];
      return { path: `/${svc.name}`, service: svc.name };
    });
    for (const p of paths) routes.push({ host, path: p.path, service: p.service, body: `${services.find((s) => s.name === p.service)!.text}\n` });
    docs.push(ingress(`app-${h}`, [{ host, paths }]));
  }
  return { yaml: yamlDocs(docs), routes, services };
}

export interface LargeCluster {
  /** Deployments, Services and the IngressClass. */
  appsYaml: string;
  /** The Ingresses; `changed` routes `changedHost` to Service `svc-{to}` instead of its usual one. */
  ingressesYaml(changed?: { to: number }): string;
  hosts: number;
  changedHost: string;
  /** The Service `changedHost` routes to with no change applied. */
  usualService: string;
  /** The Ingress holding `changedHost`, as in ingressesYaml(changed). */
  changedIngress(changed?: { to: number }): { metadata: { name: string }; spec: object };
}

/** `ingresses` Ingresses × `hostsPerIngress` hosts, each host's `/` to one of `services` single-replica Services. */
export function largeCluster(ingresses: number, hostsPerIngress: number, services: number): LargeCluster {
  const apps: object[] = [INGRESS_CLASS];
  for (let s = 0; s < services; s++) apps.push(...echoApp(`svc-${s}`, 1, `svc-${s}`));
  const hostIndex = Math.floor((ingresses * hostsPerIngress) / 2);
  const changedIngress = Math.floor(hostIndex / hostsPerIngress);
  const rulesOf = (i: number, changed?: { to: number }) =>
    Array.from({ length: hostsPerIngress }, (_, j) => {
      const n = i * hostsPerIngress + j;
      const svc = changed && n === hostIndex ? changed.to : n % services;
      return { host: `h${n}.bench.test`, paths: [{ path: '/', service: `svc-${svc}` }] };
    });
  return {
    appsYaml: yamlDocs(apps),
    ingressesYaml: (changed) => yamlDocs(Array.from({ length: ingresses }, (_, i) => ingress(`ing-${i}`, rulesOf(i, i === changedIngress ? changed : undefined)))),
    changedIngress: (changed) => ingress(`ing-${changedIngress}`, rulesOf(changedIngress, changed)) as { metadata: { name: string }; spec: object },
    hosts: ingresses * hostsPerIngress,
    changedHost: `h${hostIndex}.bench.test`,
    usualService: `svc-${hostIndex % services}`,
  };
}
