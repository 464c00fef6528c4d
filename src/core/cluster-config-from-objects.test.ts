// The ClusterConfig read from a cluster's objects: which object each field comes from, the CNI each upstream
// install's DaemonSet names, and a `live:` warning for every value that had to be assumed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cniProfile } from './cni-profiles.js';
import { clusterConfigFromObjects, parseCorefile, parseFlags } from './cluster-config-from-objects.js';
import { formatCidr, formatIPv4 } from './ip.js';
import type { KubeObject } from './types.js';

const node = (name: string, ip: string, podCIDR?: string, labels: Record<string, string> = {}, taints: unknown[] = []): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels },
  spec: { ...(podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {}), ...(taints.length ? { taints } : {}) },
  status: { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] },
});
const svc = (ns: string, name: string, clusterIP: string, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { clusterIP, clusterIPs: [clusterIP] }, ...extra });
const cm = (ns: string, name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data });
const ds = (ns: string, name: string, container: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name, namespace: ns },
  spec: { template: { spec: { containers: [{ name, image: `example/${name}:v1`, ...container }] } } },
});
const staticPod = (component: string, command: string[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `${component}-cp`, namespace: 'kube-system', labels: { component, tier: 'control-plane' } },
  spec: { nodeName: 'cp', hostNetwork: true, containers: [{ name: component, command }] },
  status: { podIP: '192.168.5.10' },
});
const pod = (ns: string, name: string, nodeName: string, podIP: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { nodeName }, status: { podIP } });
const kubeProxy = (conf: string) => cm('kube-system', 'kube-proxy', { 'config.conf': conf });
const corefile = (body: string) => cm('kube-system', 'coredns', { Corefile: `.:53 {\n${body}\n}\n` });

/** A kind cluster as kubeadm leaves it: the objects every field below is read from. */
const kind: KubeObject[] = [
  node('kind-control-plane', '172.19.0.3', '10.244.0.0/24', { 'node-role.kubernetes.io/control-plane': '' }, [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]),
  node('kind-worker', '172.19.0.2', '10.244.1.0/24'),
  svc('default', 'kubernetes', '10.96.0.1'),
  svc('kube-system', 'kube-dns', '10.96.0.10'),
  kubeProxy('apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nclusterCIDR: 10.244.0.0/16\nmode: iptables\n'),
  corefile('    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    forward . /etc/resolv.conf'),
  staticPod('kube-apiserver', ['kube-apiserver', '--service-cluster-ip-range=10.96.0.0/16', '--service-node-port-range', '30000-31000']),
  staticPod('kube-controller-manager', ['kube-controller-manager', '--cluster-cidr=10.244.0.0/16', '--node-cidr-mask-size=24']),
  ds('kube-system', 'kindnet', { image: 'docker.io/kindest/kindnetd:v20250512-df8de77b' }),
  ds('kube-system', 'kube-proxy'),
];

test('a kubeadm (kind) cluster: every field read from its objects, only the guesses warned about', () => {
  const { config, warnings } = clusterConfigFromObjects(kind, { name: 'kind-kind' });
  assert.equal(config.name, 'kind-kind');
  assert.deepEqual(config.nodes.map((n) => [n.name, n.controlPlane, n.taints.length]), [['kind-control-plane', true, 1], ['kind-worker', false, 0]]);
  assert.equal(formatCidr(config.podCIDR), '10.244.0.0/16');
  assert.equal(config.nodeCIDRMaskSize, 24);
  assert.equal(formatCidr(config.serviceCIDR), '10.96.0.0/16');
  assert.deepEqual(config.nodePortRange, { min: 30000, max: 31000 });
  assert.equal(formatIPv4(config.dnsServiceIP), '10.96.0.10');
  assert.equal(config.clusterDomain, 'cluster.local');
  assert.deepEqual(config.dns, { ttl: 30, podRecords: 'insecure', externalNames: {} });
  assert.equal(formatCidr(config.nodeCIDR), '172.19.0.0/16');
  assert.equal(config.proxyMode, 'iptables');
  assert.deepEqual(config.cni, { name: 'flannel', mode: 'host-gw', networkPolicy: 'kube-network-policies' });
  assert.deepEqual(
    warnings.map((w) => w.replace(/^live: (\S+ \S+).*/, '$1')),
    ['CoreDNS forwards', 'nodeCIDR 172.19.0.0/16', 'CNI kindnet'],
  );
  assert.match(warnings[2], /not a flatnet profile: modelled as its closest, flannel host-gw .* with NetworkPolicy enforcement \(image tag v20250512-df8de77b is kind v0\.24\.0's kindnetd/);
});

const without = (objects: KubeObject[], ...drop: string[]) => objects.filter((o) => !drop.includes(`${o.kind}/${o.metadata.name}`));

const fieldCases: { name: string; objects: KubeObject[]; field: (c: ReturnType<typeof clusterConfigFromObjects>['config']) => unknown; want: unknown; warning?: RegExp }[] = [
  {
    name: 'podCIDR falls back to kube-controller-manager --cluster-cidr without the kube-proxy ConfigMap',
    objects: [...without(kind, 'ConfigMap/kube-proxy', 'Pod/kube-controller-manager-cp'), staticPod('kube-controller-manager', ['kube-controller-manager', '--cluster-cidr', '10.32.0.0/12'])],
    field: (c) => formatCidr(c.podCIDR),
    want: '10.32.0.0/12',
  },
  {
    name: "podCIDR is the smallest range holding the nodes' podCIDRs when no component shows it",
    objects: [...without(kind, 'ConfigMap/kube-proxy', 'Pod/kube-controller-manager-cp'), node('kind-worker2', '172.19.0.4', '10.244.3.0/24')],
    field: (c) => formatCidr(c.podCIDR),
    want: '10.244.0.0/22',
    warning: /podCIDR 10\.244\.0\.0\/22 assumed: the smallest range holding the nodes' podCIDRs/,
  },
  {
    name: "podCIDR is the smallest range holding the pods' IPs when nodes have no podCIDR",
    objects: [node('a', '10.0.1.5'), node('b', '10.0.2.5'), pod('default', 'x', 'a', '100.64.0.7'), pod('default', 'y', 'b', '100.64.3.9')],
    field: (c) => formatCidr(c.podCIDR),
    want: '100.64.0.0/22',
    warning: /podCIDR 100\.64\.0\.0\/22 assumed: the smallest range holding the pods' IPs/,
  },
  {
    name: 'a dual-stack clusterCIDR gives its IPv4 range',
    objects: [...without(kind, 'ConfigMap/kube-proxy'), kubeProxy('clusterCIDR: 10.244.0.0/16,fd00:10:244::/56\nmode: ""\n')],
    field: (c) => [formatCidr(c.podCIDR), c.proxyMode],
    want: ['10.244.0.0/16', 'iptables'],
  },
  {
    name: "serviceCIDR is the /12 around the kubernetes Service's IP when kube-apiserver's flags are not visible",
    objects: without(kind, 'Pod/kube-apiserver-cp'),
    field: (c) => formatCidr(c.serviceCIDR),
    want: '10.96.0.0/12',
    warning: /serviceCIDR 10\.96\.0\.0\/12 assumed: the \/12 around the kubernetes Service's IP 10\.96\.0\.1/,
  },
  {
    name: 'serviceCIDR widens until every ClusterIP fits',
    objects: [...without(kind, 'Pod/kube-apiserver-cp'), svc('default', 'far', '10.112.0.5')],
    field: (c) => formatCidr(c.serviceCIDR),
    want: '10.96.0.0/11',
    warning: /smallest range holding every ClusterIP and the kubernetes Service's IP/,
  },
  {
    name: "dnsServiceIP is kubeadm's tenth address without a kube-dns Service",
    objects: without(kind, 'Service/kube-dns'),
    field: (c) => formatIPv4(c.dnsServiceIP),
    want: '10.96.0.10',
    warning: /dnsServiceIP 10\.96\.0\.10 assumed/,
  },
  {
    name: "the Corefile's zone is the cluster domain; pods defaults to disabled and ttl to 5 as in the CoreDNS kubernetes plugin",
    objects: [...without(kind, 'ConfigMap/coredns'), corefile('    kubernetes corp.example in-addr.arpa {\n    }\n    hosts {\n       192.0.2.7 api.partner.net\n       fallthrough\n    }\n    forward . 8.8.8.8')],
    field: (c) => [c.clusterDomain, c.dns],
    want: ['corp.example', { ttl: 5, podRecords: 'disabled', externalNames: { 'api.partner.net': { addresses: ['192.0.2.7'] } }, upstream: { ip: '8.8.8.8', port: 53 } }],
  },
  {
    name: "without a Corefile the cluster domain and DNS settings are flatnet's defaults, said once",
    objects: without(kind, 'ConfigMap/coredns'),
    field: (c) => [c.clusterDomain, c.dns.ttl, c.dns.podRecords],
    want: ['cluster.local', 5, 'insecure'],
    warning: /clusterDomain cluster\.local and DNS ttl 5, pods insecure assumed: no CoreDNS Corefile/,
  },
  {
    name: 'kube-proxy mode ipvs',
    objects: [...without(kind, 'ConfigMap/kube-proxy'), kubeProxy('clusterCIDR: 10.244.0.0/16\nmode: ipvs\n')],
    field: (c) => c.proxyMode,
    want: 'ipvs',
  },
  {
    name: 'an unmodelled kube-proxy mode is iptables, said',
    objects: [...without(kind, 'ConfigMap/kube-proxy'), kubeProxy('clusterCIDR: 10.244.0.0/16\nmode: kernelspace\n')],
    field: (c) => c.proxyMode,
    want: 'iptables',
    warning: /sets mode "kernelspace", which flatnet does not model/,
  },
  {
    name: "EKS's kube-proxy-config ConfigMap",
    objects: [...without(kind, 'ConfigMap/kube-proxy'), cm('kube-system', 'kube-proxy-config', { config: 'kind: KubeProxyConfiguration\nclusterCIDR: ""\nmode: nftables\n' })],
    field: (c) => c.proxyMode,
    want: 'nftables',
  },
  {
    name: 'without any kube-proxy configuration the mode is iptables, said',
    objects: without(kind, 'ConfigMap/kube-proxy', 'DaemonSet/kube-proxy'),
    field: (c) => c.proxyMode,
    want: 'iptables',
    warning: /proxyMode iptables assumed: no kube-proxy configuration found/,
  },
  {
    name: 'node mask size from the nodes when kube-controller-manager is not visible',
    objects: [node('a', '10.0.0.5', '10.200.0.0/26'), node('b', '10.0.0.6', '10.200.0.64/26')],
    field: (c) => c.nodeCIDRMaskSize,
    want: 26,
  },
  {
    name: 'nodeCIDR shrinks to the nodes themselves when the /16 would overlap the pod range',
    objects: [node('a', '10.244.200.5', '10.244.0.0/24'), node('b', '10.244.200.9', '10.244.1.0/24'), kubeProxy('clusterCIDR: 10.244.0.0/17\n')],
    field: (c) => formatCidr(c.nodeCIDR),
    want: '10.244.200.0/28',
  },
  {
    name: "LoadBalancer IPs outside flatnet's default pool give the pool",
    objects: [...kind, svc('default', 'lb', '10.96.7.7', { status: { loadBalancer: { ingress: [{ ip: '172.19.255.200' }, { ip: '172.19.255.201' }] } } })],
    field: (c) => formatCidr(c.loadBalancerPool),
    want: '172.19.255.0/24',
  },
  {
    name: 'without Nodes (RBAC) the nodes are those the pods run on',
    objects: [pod('default', 'x', 'w2', '10.244.1.4'), pod('default', 'y', 'w1', '10.244.0.4'), pod('default', 'z', 'w1', '10.244.0.5')],
    field: (c) => c.nodes.map((n) => n.name),
    want: ['w1', 'w2'],
    warning: /no Nodes: the nodes are the 2 named by pods' spec\.nodeName \(w1, w2\)/,
  },
];

for (const c of fieldCases)
  test(c.name, () => {
    const { config, warnings } = clusterConfigFromObjects(c.objects, { name: 'x' });
    assert.deepEqual(c.field(config), c.want);
    if (c.warning) assert.ok(warnings.some((w) => c.warning!.test(w)), warnings.join('\n'));
    for (const w of warnings) assert.match(w, /^live: /);
  });

const env = (pairs: Record<string, string>) => ({ env: Object.entries(pairs).map(([name, value]) => ({ name, value })) });

const cniCases: { name: string; objects: KubeObject[]; want: unknown; warning?: RegExp }[] = [
  { name: 'calico with IPIP Always is calico ipip', objects: [ds('kube-system', 'calico-node', env({ CALICO_IPV4POOL_IPIP: 'Always', CALICO_IPV4POOL_VXLAN: 'Never' }))], want: { name: 'calico', mode: 'ipip' } },
  { name: 'calico with VXLAN CrossSubnet is calico vxlan', objects: [ds('kube-system', 'calico-node', env({ CALICO_IPV4POOL_IPIP: 'Never', CALICO_IPV4POOL_VXLAN: 'CrossSubnet' }))], want: { name: 'calico', mode: 'vxlan' } },
  { name: 'calico with both Never is calico bgp', objects: [ds('kube-system', 'calico-node', env({ CALICO_IPV4POOL_IPIP: 'Never', CALICO_IPV4POOL_VXLAN: 'Never' }))], want: { name: 'calico', mode: 'bgp' } },
  { name: 'calico from the operator (no pool env) is bgp, said', objects: [ds('calico-system', 'calico-node')], want: { name: 'calico', mode: 'bgp' }, warning: /CNI calico mode bgp assumed/ },
  { name: 'flannel with net-conf.json host-gw', objects: [ds('kube-flannel', 'kube-flannel-ds'), cm('kube-flannel', 'kube-flannel-cfg', { 'net-conf.json': '{"Network": "10.244.0.0/16", "Backend": {"Type": "host-gw"}}' })], want: { name: 'flannel', mode: 'host-gw' } },
  { name: 'flannel with net-conf.json vxlan', objects: [ds('kube-flannel', 'kube-flannel-ds'), cm('kube-flannel', 'kube-flannel-cfg', { 'net-conf.json': '{"Backend": {"Type": "vxlan"}}' })], want: { name: 'flannel', mode: 'vxlan' } },
  { name: 'flannel with kube-network-policies beside it', objects: [ds('kube-flannel', 'kube-flannel-ds'), ds('kube-system', 'kube-network-policies')], want: { name: 'flannel', mode: 'vxlan', networkPolicy: 'kube-network-policies' }, warning: /CNI flannel mode vxlan assumed/ },
  { name: 'cilium native routing', objects: [ds('kube-system', 'cilium'), cm('kube-system', 'cilium-config', { 'routing-mode': 'native' })], want: { name: 'cilium', mode: 'native', kubeProxyReplacement: false } },
  { name: 'cilium before 1.14: tunnel disabled is native', objects: [ds('kube-system', 'cilium'), cm('kube-system', 'cilium-config', { tunnel: 'disabled' })], want: { name: 'cilium', mode: 'native', kubeProxyReplacement: false } },
  { name: 'cilium geneve is modelled as vxlan, said', objects: [ds('kube-system', 'cilium'), cm('kube-system', 'cilium-config', { 'routing-mode': 'tunnel', 'tunnel-protocol': 'geneve' })], want: { name: 'cilium', mode: 'vxlan', kubeProxyReplacement: false }, warning: /geneve is modelled as vxlan/ },
  { name: 'cilium kube-proxy-replacement "true" is the replacement', objects: [ds('kube-system', 'cilium'), cm('kube-system', 'cilium-config', { 'routing-mode': 'tunnel', 'tunnel-protocol': 'vxlan', 'kube-proxy-replacement': 'true' })], want: { name: 'cilium', mode: 'vxlan', kubeProxyReplacement: true } },
  { name: 'cilium before 1.14: kube-proxy-replacement strict is the replacement', objects: [ds('kube-system', 'cilium'), cm('kube-system', 'cilium-config', { tunnel: 'disabled', 'kube-proxy-replacement': 'strict' })], want: { name: 'cilium', mode: 'native', kubeProxyReplacement: true } },
  { name: 'cilium before 1.14: partial replacement is modelled as none, said', objects: [ds('kube-system', 'cilium'), cm('kube-system', 'cilium-config', { tunnel: 'disabled', 'kube-proxy-replacement': 'partial' })], want: { name: 'cilium', mode: 'native', kubeProxyReplacement: false }, warning: /kube-proxy replacement "partial" .* modelled as false/ },
  { name: 'weave-net', objects: [ds('kube-system', 'weave-net')], want: { name: 'weave', mode: 'fastdp' } },
  { name: 'aws-node wins over calico in policy-only mode', objects: [ds('kube-system', 'aws-node'), ds('kube-system', 'calico-node')], want: { name: 'aws-vpc-cni', mode: 'native' } },
  { name: 'kindnet older than kind v0.24 enforces no policy', objects: [ds('kube-system', 'kindnet', { image: 'docker.io/kindest/kindnetd:v20230511-dc714da8' })], want: { name: 'flannel', mode: 'host-gw' }, warning: /without NetworkPolicy enforcement/ },
  { name: 'kindnet with --network-policy=false enforces no policy', objects: [ds('kube-system', 'kindnet', { image: 'ghcr.io/aojea/kindnetd:v1.8.0', args: ['--network-policy=false'] })], want: { name: 'flannel', mode: 'host-gw' }, warning: /its --network-policy=false/ },
  { name: 'no known CNI DaemonSet: the default, said', objects: [ds('kube-system', 'something-else')], want: { name: 'calico', mode: 'bgp' }, warning: /no DaemonSet of a known CNI/ },
];

for (const c of cniCases)
  test(`CNI: ${c.name}`, () => {
    const { config, warnings } = clusterConfigFromObjects([...without(kind, 'DaemonSet/kindnet'), ...c.objects], { name: 'x' });
    assert.deepEqual(config.cni, c.want);
    assert.ok(cniProfile(config.cni.name)?.modes.some((m) => m.name === config.cni.mode), `${config.cni.name} ${config.cni.mode} is a modelled profile and mode`);
    if (c.warning) assert.ok(warnings.some((w) => c.warning!.test(w)), warnings.join('\n'));
    else assert.ok(!warnings.some((w) => /^live: CNI/.test(w)), warnings.join('\n'));
  });

test('a cluster that breaks a ClusterConfig rule is taken as it is, and the rule is named', () => {
  // aws-vpc-cni: pods take addresses from the node subnet, which overlaps any pod range.
  const objects = [node('ip-10-0-1-5', '10.0.1.5'), node('ip-10-0-2-5', '10.0.2.5'), pod('default', 'web', 'ip-10-0-1-5', '10.0.1.77'), ds('kube-system', 'aws-node')];
  const { config, warnings } = clusterConfigFromObjects(objects, { name: 'eks' });
  assert.equal(formatCidr(config.podCIDR), '10.0.1.77/32');
  assert.ok(warnings.some((w) => /does not fit flatnet's ClusterConfig rules: spec\.podCIDR: Invalid value: "10\.0\.1\.77\/32": overlaps spec\.nodeCIDR/.test(w)), warnings.join('\n'));
});

test('parseFlags reads --name=value, --name value and bare switches', () => {
  assert.deepEqual([...parseFlags(['kube-apiserver', '--a=1', '--b', '2', '--c', '--d=x=y'])], [['a', '1'], ['b', '2'], ['c', 'true'], ['d', 'x=y']]);
});

test('parseCorefile takes the first non-reverse zone and keeps forward targets it cannot use', () => {
  const r = parseCorefile('.:53 {\n  kubernetes in-addr.arpa k8s.internal. {\n    pods verified\n  }\n  forward . /etc/resolv.conf {\n    max_concurrent 1000\n  }\n}\n');
  assert.equal(r.clusterDomain, 'k8s.internal');
  assert.equal(r.dns.podRecords, 'verified');
  assert.equal(r.forward, '/etc/resolv.conf');
  assert.equal(r.dns.upstream, undefined);
});
