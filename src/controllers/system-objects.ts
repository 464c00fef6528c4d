// The objects every real cluster has before anyone applies anything: namespaces, the kubernetes and kube-dns
// Services, CoreDNS, kube-proxy (unless Cilium replaces it), the CNI's node agent and the control-plane static pods
// (kubeadm/kind layout), plus the ingress-nginx controller that flatnet always runs, as minikube's ingress addon does.

import { kubeProxyReplaced, type ClusterConfig } from '../core/cluster-config.js';
import { cniProfile } from '../core/cni-profiles.js';
import { formatIPv4 } from '../core/ip.js';
import type { Container, KubeObject, PodSpec, Toleration } from '../core/types.js';
import { DEFAULT_CLASS_ANNOTATION } from '../ingress/ingress-classes.js';

export const KUBERNETES_VERSION = 'v1.32.2';
export const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

const TOLERATE_ALL: Toleration[] = [{ operator: 'Exists' }];

function namespace(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: { finalizers: ['kubernetes'] } };
}

function daemonSet(name: string, ns: string, labels: Record<string, string>, container: Container, extra: Partial<PodSpec> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: ns, labels: { ...labels } },
    spec: {
      selector: { matchLabels: { ...labels } },
      template: {
        metadata: { labels: { ...labels } },
        spec: { containers: [container], hostNetwork: true, priorityClassName: 'system-node-critical', tolerations: TOLERATE_ALL, nodeSelector: { 'kubernetes.io/os': 'linux' }, ...extra },
      },
    },
  };
}

/** The kube-proxy ConfigMap; its `mode` line is what users grep for (seed walkthrough). */
function kubeProxyConfigMap(config: ClusterConfig): KubeObject {
  const text = [
    'apiVersion: kubeproxy.config.k8s.io/v1alpha1',
    'bindAddress: 0.0.0.0',
    `clusterCIDR: ${config.spec.podCIDR}`,
    'kind: KubeProxyConfiguration',
    `mode: "${config.proxyMode}"`,
    'ipvs:',
    '  scheduler: "rr"',
    'iptables:',
    '  masqueradeAll: false',
    '  minSyncPeriod: 1s',
    '  syncPeriod: 30s',
    '',
  ].join('\n');
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-proxy', namespace: 'kube-system', labels: { app: 'kube-proxy' } }, data: { 'config.conf': text } };
}

/**
 * Cilium's agent configuration as its Helm chart writes it (install/kubernetes/cilium/templates/cilium-configmap.yaml),
 * reduced to the keys that say what flatnet models: `kube-proxy-replacement`, the routing mode and tunnel protocol
 * (1.14+ names), and `ipam: kubernetes` (pods take addresses from each Node's spec.podCIDR, as flatnet allocates them).
 * `flatnet --kubeconfig` reads the same keys back from a live cluster.
 */
function ciliumConfigMap(config: ClusterConfig, namespace: string): KubeObject {
  const tunnel = config.cni.mode !== 'native';
  const data: Record<string, string> = {
    ipam: 'kubernetes',
    'kube-proxy-replacement': kubeProxyReplaced(config) ? 'true' : 'false',
    'routing-mode': tunnel ? 'tunnel' : 'native',
    ...(tunnel ? { 'tunnel-protocol': 'vxlan' } : {}),
  };
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cilium-config', namespace }, data };
}

/**
 * The coredns ConfigMap: kubeadm's Corefile, with what flatnet's DNS really does — the configured ttl and pods mode,
 * spec.dns.externalNames as a hosts block, and a forward line only when an upstream is configured.
 */
function corednsConfigMap(config: ClusterConfig): KubeObject {
  const zone = config.clusterDomain;
  const dns = config.dns;
  const hosts: string[] = [];
  for (const [name, t] of Object.entries(dns.externalNames))
    if ('cname' in t) hosts.push(`       # ${name} CNAME ${t.cname}. (spec.dns.externalNames)`);
    else for (const ip of t.addresses) hosts.push(`       ${ip} ${name}`);
  const hostsBlock = hosts.length ? `    hosts {\n${hosts.join('\n')}\n       ttl ${dns.ttl}\n       fallthrough\n    }\n` : '';
  const forward = dns.upstream
    ? `    forward . ${dns.upstream.ip}:${dns.upstream.port} {\n       max_concurrent 1000\n    }\n`
    : '    # no forward: names outside the cluster and spec.dns.externalNames are NXDOMAIN (set spec.dns.upstream)\n';
  const corefile = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes ${zone} in-addr.arpa ip6.arpa {
       pods ${dns.podRecords}
       fallthrough in-addr.arpa ip6.arpa
       ttl ${dns.ttl}
    }
${hostsBlock}    prometheus :9153
${forward}    cache 30
    loop
    reload
    loadbalance
}
`;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { Corefile: corefile } };
}

function coredns(): KubeObject {
  const labels = { 'k8s-app': 'kube-dns' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'coredns', namespace: 'kube-system', labels: { ...labels } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { ...labels } },
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          priorityClassName: 'system-cluster-critical',
          dnsPolicy: 'Default',
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
          containers: [
            {
              name: 'coredns',
              image: 'registry.k8s.io/coredns/coredns:v1.11.3',
              args: ['-conf', '/etc/coredns/Corefile'],
              ports: [
                { name: 'dns', containerPort: 53, protocol: 'UDP' },
                { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
              ],
            },
          ],
        },
      },
    },
  };
}

function service(name: string, ns: string, clusterIP: string, ports: any[], selector?: Record<string, string>, labels?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
    spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], ports, ...(selector ? { selector } : {}) },
  };
}

/** A control-plane component as kubeadm runs it: a static, host-network pod named `<component>-<node>`. */
function staticPod(component: string, node: string, image: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${component}-${node}`,
      namespace: 'kube-system',
      labels: { component, tier: 'control-plane' },
      annotations: { 'kubernetes.io/config.source': 'file' },
    },
    spec: { nodeName: node, hostNetwork: true, priorityClassName: 'system-node-critical', tolerations: [{ operator: 'Exists', effect: 'NoExecute' }], containers: [{ name: component, image }] },
  };
}

/** The ingress-nginx release flatnet runs (kubernetes/ingress-nginx deploy/static/provider/cloud/deploy.yaml). */
export const INGRESS_NGINX_VERSION = 'v1.15.1';
export const INGRESS_NGINX_IMAGE = `registry.k8s.io/ingress-nginx/controller:${INGRESS_NGINX_VERSION}@sha256:594ceea76b01c592858f803f9ff4d2cb40542cae2060410b2c95f75907d659e1`;
export const INGRESS_NGINX_NAMESPACE = 'ingress-nginx';
/** The controller's Deployment and its LoadBalancer Service share this name (the manifest's --publish-service). */
export const INGRESS_NGINX_CONTROLLER = 'ingress-nginx-controller';
/** `--controller-class`: IngressClasses whose spec.controller is this string are served by the controller. */
export const INGRESS_NGINX_CONTROLLER_CLASS = 'k8s.io/ingress-nginx';
/** `--ingress-class`: the IngressClass the manifest creates, and the legacy annotation value it accepts. */
export const INGRESS_NGINX_CLASS = 'nginx';
/** The controller pods' labels, which both Services select. */
export const INGRESS_NGINX_SELECTOR: Readonly<Record<string, string>> = {
  'app.kubernetes.io/component': 'controller',
  'app.kubernetes.io/instance': 'ingress-nginx',
  'app.kubernetes.io/name': 'ingress-nginx',
};
const INGRESS_NGINX_LABELS = Object.entries(INGRESS_NGINX_SELECTOR);

/** A pod of the built-in ingress-nginx controller: in its namespace, with the labels its Services select. */
export function isIngressNginxControllerPod(pod: KubeObject): boolean {
  return pod.metadata.namespace === INGRESS_NGINX_NAMESPACE && INGRESS_NGINX_LABELS.every(([k, v]) => pod.metadata.labels?.[k] === v);
}

/**
 * What ingress-nginx's cloud manifest creates that the network sees: the namespace, the IngressClass, the controller
 * Deployment and its two Services. Left out: RBAC, ServiceAccounts, the (empty) ConfigMap, the admission Jobs and
 * the webhook configuration and certificate Secret, so the controller pod mounts no webhook-cert volume.
 * The IngressClass is annotated as the default class, as minikube's ingress addon does
 * (deploy/addons/ingress/ingress-deploy.yaml.tmpl), so an Ingress without a class is served at once.
 */
function ingressNginx(): KubeObject[] {
  const ns = INGRESS_NGINX_NAMESPACE;
  const name = INGRESS_NGINX_CONTROLLER;
  const selector = { ...INGRESS_NGINX_SELECTOR };
  const labels = { ...selector, 'app.kubernetes.io/part-of': 'ingress-nginx', 'app.kubernetes.io/version': INGRESS_NGINX_VERSION.slice(1) };
  const healthz = { httpGet: { path: '/healthz', port: 10254, scheme: 'HTTP' }, initialDelaySeconds: 10, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1 };
  const fieldRef = (fieldPath: string) => ({ valueFrom: { fieldRef: { fieldPath } } });
  const env = [
    { name: 'POD_NAME', ...fieldRef('metadata.name') },
    { name: 'POD_NAMESPACE', ...fieldRef('metadata.namespace') },
    { name: 'LD_PRELOAD', value: '/usr/local/lib/libmimalloc.so' },
  ];
  const controller: Container = {
    name: 'controller',
    image: INGRESS_NGINX_IMAGE,
    imagePullPolicy: 'IfNotPresent',
    args: [
      '/nginx-ingress-controller',
      `--publish-service=$(POD_NAMESPACE)/${name}`,
      '--election-id=ingress-nginx-leader',
      `--controller-class=${INGRESS_NGINX_CONTROLLER_CLASS}`,
      `--ingress-class=${INGRESS_NGINX_CLASS}`,
      `--configmap=$(POD_NAMESPACE)/${name}`,
      '--validating-webhook=:8443',
      '--validating-webhook-certificate=/usr/local/certificates/cert',
      '--validating-webhook-key=/usr/local/certificates/key',
    ],
    env,
    ports: [
      { name: 'http', containerPort: 80, protocol: 'TCP' },
      { name: 'https', containerPort: 443, protocol: 'TCP' },
      { name: 'webhook', containerPort: 8443, protocol: 'TCP' },
    ],
    livenessProbe: { ...healthz, failureThreshold: 5 },
    readinessProbe: { ...healthz, failureThreshold: 3 },
    resources: { requests: { cpu: '100m', memory: '90Mi' } },
  };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'app.kubernetes.io/instance': 'ingress-nginx', 'app.kubernetes.io/name': 'ingress-nginx' } }, spec: { finalizers: ['kubernetes'] } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: INGRESS_NGINX_CLASS, labels: { ...labels }, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
      spec: { controller: INGRESS_NGINX_CONTROLLER_CLASS },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns, labels: { ...labels } },
      spec: {
        replicas: 1,
        minReadySeconds: 0,
        revisionHistoryLimit: 10,
        selector: { matchLabels: { ...selector } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels: { ...labels } },
          spec: {
            containers: [controller],
            dnsPolicy: 'ClusterFirst',
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            serviceAccountName: 'ingress-nginx',
            terminationGracePeriodSeconds: 300,
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns, labels: { ...labels } },
      spec: {
        type: 'LoadBalancer',
        // The cloud manifest keeps client source addresses: only nodes running a controller pod answer the LB.
        externalTrafficPolicy: 'Local',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        ports: [
          { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http', appProtocol: 'http' },
          { name: 'https', port: 443, protocol: 'TCP', targetPort: 'https', appProtocol: 'https' },
        ],
        selector: { ...selector },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${name}-admission`, namespace: ns, labels: { ...labels } },
      spec: { type: 'ClusterIP', ports: [{ name: 'https-webhook', port: 443, targetPort: 'webhook', appProtocol: 'https' }], selector: { ...selector } },
    },
  ];
}

/** Every object a fresh cluster of this shape has, before the user's manifests. */
export function systemObjects(config: ClusterConfig): KubeObject[] {
  const out: KubeObject[] = SYSTEM_NAMESPACES.map(namespace);
  const firstServiceIP = formatIPv4(config.serviceCIDR.base + 1);
  out.push(
    service('kubernetes', 'default', firstServiceIP, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], undefined, { component: 'apiserver', provider: 'kubernetes' }),
    service(
      'kube-dns',
      'kube-system',
      formatIPv4(config.dnsServiceIP),
      [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
      { 'k8s-app': 'kube-dns' },
      { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
    ),
    coredns(),
    corednsConfigMap(config),
  );
  // A kube-proxy-free install skips kube-proxy (`kubeadm init --skip-phases=addon/kube-proxy`) or deletes its
  // DaemonSet and ConfigMap (Cilium's kubeproxy-free guide), so neither exists under Cilium's replacement.
  if (!kubeProxyReplaced(config))
    out.push(
      daemonSet('kube-proxy', 'kube-system', { 'k8s-app': 'kube-proxy' }, {
        name: 'kube-proxy',
        image: `registry.k8s.io/kube-proxy:${KUBERNETES_VERSION}`,
        command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'],
      }),
      kubeProxyConfigMap(config),
    );
  const cni = cniProfile(config.cni.name)!;
  if (!SYSTEM_NAMESPACES.includes(cni.agent.namespace)) out.push(namespace(cni.agent.namespace));
  out.push(daemonSet(cni.agent.name, cni.agent.namespace, cni.agent.labels, { name: cni.agent.name.replace(/-ds$/, ''), image: cni.agent.image }));
  if (cni.name === 'cilium') out.push(ciliumConfigMap(config, cni.agent.namespace));
  // kubernetes-sigs/kube-network-policies' install manifest: a host-network DaemonSet in kube-system.
  if (config.cni.networkPolicy === 'kube-network-policies')
    out.push(daemonSet('kube-network-policies', 'kube-system', { app: 'kube-network-policies', 'k8s-app': 'kube-network-policies' }, { name: 'kube-network-policies', image: 'registry.k8s.io/networking/kube-network-policies:v0.7.0', args: ['/bin/netpol', '--hostname-override=$(MY_NODE_NAME)', '--v=2'] }));
  const controlPlane = config.nodes.find((n) => n.controlPlane);
  if (controlPlane) {
    const v = KUBERNETES_VERSION;
    out.push(
      staticPod('etcd', controlPlane.name, 'registry.k8s.io/etcd:3.5.16-0'),
      staticPod('kube-apiserver', controlPlane.name, `registry.k8s.io/kube-apiserver:${v}`),
      staticPod('kube-controller-manager', controlPlane.name, `registry.k8s.io/kube-controller-manager:${v}`),
      staticPod('kube-scheduler', controlPlane.name, `registry.k8s.io/kube-scheduler:${v}`),
    );
  }
  out.push(...ingressNginx());
  return out;
}
