// The ClusterConfig a running cluster shows in its own objects (Nodes, kube-system's ConfigMaps, Services, DaemonSets
// and static pods): read-only, never reconciled, with one `live: ...` warning for every value that had to be assumed.

import { parse as parseYaml } from 'yaml';
import { ClusterConfig, DEFAULT_CLUSTER_SPEC, DnsConfig, DnsPodRecordMode, DNS_POD_RECORD_MODES, ExternalNameTarget, NetworkPolicyEngineName, NodeConfig, PROXY_MODES, ProxyMode, resolveClusterConfig } from './cluster-config.js';
import { fieldErrorMessage } from './errors.js';
import { Cidr, cidrContains, cidrsOverlap, formatCidr, formatIPv4, parseCidr, parseIPv4 } from './ip.js';
import type { KubeObject, Taint } from './types.js';

export interface ObservedClusterConfig {
  config: ClusterConfig;
  /** One line per assumption, each starting `live: `, in a fixed order. */
  warnings: string[];
}

export interface ObserveOptions {
  /** The config's name: the kubeconfig's cluster name. */
  name: string;
  /** Kinds that could not be listed (RBAC): their absence says nothing about the cluster. */
  unlisted?: readonly string[];
}

const CONTROL_PLANE_LABELS = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'];

/** Reads the cluster's shape from its objects; every value not read from the cluster itself is named in a warning. */
export function clusterConfigFromObjects(objects: readonly KubeObject[], opts: ObserveOptions): ObservedClusterConfig {
  const warnings: string[] = [];
  const warn = (s: string) => warnings.push(`live: ${s}`);
  const view = new ClusterView(objects);
  const unlisted = new Set(opts.unlisted ?? []);

  const nodes = observeNodes(view, unlisted, warn);
  const flags = view.controlPlaneFlags();

  const nodePodCIDRs = view.nodes.flatMap((n) => ipv4Cidrs(n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])));
  const podCIDR = observePodCIDR(view, flags, nodePodCIDRs, warn);
  const nodeCIDRMaskSize = observeMaskSize(flags, nodePodCIDRs, warn);
  const serviceCIDR = observeServiceCIDR(view, flags, warn);
  const dnsService = view.get('Service', 'kube-system', 'kube-dns') ?? view.services.find((s) => s.metadata.namespace === 'kube-system' && s.metadata.labels?.['k8s-app'] === 'kube-dns');
  const corefile = view.get('ConfigMap', 'kube-system', 'coredns')?.data?.Corefile;
  const dnsDefaults = observeDns(typeof corefile === 'string' ? corefile : undefined, unlisted, warn);
  const dnsServiceIP = observeDnsServiceIP(dnsService, serviceCIDR, warn);
  const nodeCIDR = observeNodeCIDR(view, [podCIDR, serviceCIDR], warn);
  const nodePortRange = observeNodePortRange(flags, warn);
  const loadBalancerPool = observeLoadBalancerPool(view);
  const cni = observeCni(view, unlisted, warn);
  const proxyMode = observeProxyMode(view, unlisted, warn, cni.kubeProxyReplacement === true);

  const spec: Record<string, unknown> = {
    nodes: nodes.map((n) => ({ name: n.name, ...(Object.keys(n.labels).length ? { labels: n.labels } : {}), ...(n.taints.length ? { taints: n.taints } : {}) })),
    nodeCIDR: formatCidr(nodeCIDR),
    podCIDR: formatCidr(podCIDR),
    nodeCIDRMaskSize,
    serviceCIDR: formatCidr(serviceCIDR),
    clusterDomain: dnsDefaults.clusterDomain,
    dnsServiceIP: formatIPv4(dnsServiceIP),
    nodePortRange: `${nodePortRange.min}-${nodePortRange.max}`,
    loadBalancerPool: formatCidr(loadBalancerPool),
    cni,
    proxyMode,
    dns: dnsSpecOf(dnsDefaults.dns),
  };
  // flatnet's ClusterConfig rules keep its own allocations sane; a live cluster is taken as it is, and a rule it
  // breaks is only worth knowing (e.g. aws-vpc-cni gives pods addresses from the node network).
  const checked = resolveClusterConfig({ apiVersion: 'flatnet/v1alpha1', kind: 'ClusterConfig', metadata: { name: 'live' }, spec: nodes.length ? spec : { ...spec, nodes: 1 } });
  for (const e of checked.errors) warn(`the cluster does not fit flatnet's ClusterConfig rules: ${e.field}: ${fieldErrorMessage(e)}`);
  const config: ClusterConfig = {
    name: opts.name,
    nodes,
    nodeCIDR,
    podCIDR,
    nodeCIDRMaskSize,
    serviceCIDR,
    clusterDomain: dnsDefaults.clusterDomain,
    dnsServiceIP,
    nodePortRange,
    loadBalancerPool,
    cni,
    proxyMode,
    dns: dnsDefaults.dns,
    spec,
  };
  return { config, warnings };
}

/** The objects indexed the way the observers look them up. */
class ClusterView {
  readonly nodes: KubeObject[];
  readonly services: KubeObject[];
  readonly pods: KubeObject[];
  readonly daemonSets: KubeObject[];
  private readonly byKey = new Map<string, KubeObject>();

  constructor(objects: readonly KubeObject[]) {
    for (const o of objects) this.byKey.set(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
    const byName = (a: KubeObject, b: KubeObject) => cmp(`${a.metadata.namespace ?? ''}/${a.metadata.name}`, `${b.metadata.namespace ?? ''}/${b.metadata.name}`);
    const of = (kind: string) => objects.filter((o) => o.kind === kind).sort(byName);
    this.nodes = of('Node');
    this.services = of('Service');
    this.pods = of('Pod');
    this.daemonSets = of('DaemonSet');
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.byKey.get(`${kind}/${namespace ?? ''}/${name}`);
  }

  /**
   * The command-line flags of the control plane's static pods (kubeadm runs kube-apiserver and
   * kube-controller-manager as `<component>-<node>` pods labelled `component: <name>`), first value of each flag.
   * Managed clusters (EKS, GKE, AKS) do not show these pods.
   */
  controlPlaneFlags(): ControlPlaneFlags {
    const out: ControlPlaneFlags = { apiserver: new Map(), controllerManager: new Map() };
    for (const p of this.pods) {
      if (p.metadata.namespace !== 'kube-system') continue;
      const component = p.metadata.labels?.component;
      const target = component === 'kube-apiserver' ? out.apiserver : component === 'kube-controller-manager' ? out.controllerManager : undefined;
      if (!target) continue;
      for (const c of p.spec?.containers ?? []) for (const [k, v] of parseFlags([...(c.command ?? []), ...(c.args ?? [])])) if (!target.has(k)) target.set(k, v);
    }
    return out;
  }
}

interface ControlPlaneFlags {
  apiserver: Map<string, string>;
  controllerManager: Map<string, string>;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `--name=value` and `--name value` pairs of a command line (Go's pflag accepts both). */
export function parseFlags(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?([A-Za-z0-9][-A-Za-z0-9.]*)(?:=(.*))?$/.exec(String(argv[i]));
    if (!m) continue;
    if (m[2] !== undefined) out.set(m[1], m[2]);
    else if (i + 1 < argv.length && !String(argv[i + 1]).startsWith('-')) out.set(m[1], String(argv[++i]));
    else out.set(m[1], 'true');
  }
  return out;
}

/** The IPv4 ranges of a list such as spec.podCIDRs or a dual-stack flag value "10.244.0.0/16,fd00::/56". */
function ipv4Cidrs(list: readonly unknown[]): Cidr[] {
  return list.flatMap((v) => String(v).split(',')).flatMap((s) => parseCidr(s.trim(), true) ?? []);
}

function firstIPv4Cidr(value: string | undefined): Cidr | undefined {
  return value === undefined ? undefined : ipv4Cidrs([value])[0];
}

/** The smallest block holding every address from `lo` to `hi`. */
function supernet(lo: number, hi: number): Cidr {
  let prefix = 32;
  while (prefix > 0 && Math.floor(lo / 2 ** (32 - prefix)) !== Math.floor(hi / 2 ** (32 - prefix))) prefix--;
  const size = 2 ** (32 - prefix);
  return { base: Math.floor(lo / size) * size, prefix, size };
}

function supernetOfCidrs(list: readonly Cidr[]): Cidr | undefined {
  if (list.length === 0) return undefined;
  return supernet(Math.min(...list.map((c) => c.base)), Math.max(...list.map((c) => c.base + c.size - 1)));
}

function supernetOfIPs(ips: readonly number[]): Cidr | undefined {
  return ips.length ? supernet(Math.min(...ips), Math.max(...ips)) : undefined;
}

/** The block of `prefix` holding `c`, or `c` itself when it is already wider. */
function widen(c: Cidr, prefix: number): Cidr {
  if (c.prefix <= prefix) return c;
  const size = 2 ** (32 - prefix);
  return { base: Math.floor(c.base / size) * size, prefix, size };
}

function internalIP(node: KubeObject): number | undefined {
  for (const a of node.status?.addresses ?? []) if (a?.type === 'InternalIP') {
    const ip = parseIPv4(a.address);
    if (ip !== undefined) return ip;
  }
  return undefined;
}

function observeNodes(view: ClusterView, unlisted: Set<string>, warn: (s: string) => void): NodeConfig[] {
  if (view.nodes.length > 0)
    return view.nodes.map((n) => {
      const labels: Record<string, string> = { ...(n.metadata.labels ?? {}) };
      const taints: Taint[] = (n.spec?.taints ?? []).map((t: any) => ({ key: t.key, ...(t.value !== undefined && t.value !== '' ? { value: String(t.value) } : {}), effect: t.effect }));
      return { name: n.metadata.name, labels, taints, controlPlane: CONTROL_PLANE_LABELS.some((l) => labels[l] !== undefined) };
    });
  // Without Node objects the pods still say where they run.
  const names = [...new Set(view.pods.map((p) => p.spec?.nodeName).filter((n): n is string => typeof n === 'string' && n !== ''))].sort(cmp);
  warn(
    `no Nodes${unlisted.has('Node') ? ' (not allowed to list them)' : ''}: the nodes are the ${names.length} named by pods' spec.nodeName` +
      `${names.length ? ` (${names.join(', ')})` : ''}; their labels, taints, InternalIPs and podCIDRs are unknown`,
  );
  return names.map((name) => ({ name, labels: {}, taints: [], controlPlane: false }));
}

/**
 * kube-proxy's clusterCIDR (the KubeProxyConfiguration in ConfigMap kube-system/kube-proxy, as kubeadm writes it, or
 * kube-system/kube-proxy-config on EKS), else kube-controller-manager's --cluster-cidr, else the smallest block
 * holding every node's podCIDR, else the pods' own addresses.
 */
function observePodCIDR(view: ClusterView, flags: ControlPlaneFlags, nodePodCIDRs: Cidr[], warn: (s: string) => void): Cidr {
  const fromProxy = firstIPv4Cidr(kubeProxySettings(view).clusterCIDR);
  const fromFlag = firstIPv4Cidr(flags.controllerManager.get('cluster-cidr'));
  const read = fromProxy ?? fromFlag;
  if (read) {
    const outside = nodePodCIDRs.filter((c) => !cidrContains(read, c.base));
    if (outside.length) warn(`podCIDR ${formatCidr(read)} (${fromProxy ? "kube-proxy's clusterCIDR" : "kube-controller-manager's --cluster-cidr"}) does not hold the podCIDR of every node: ${outside.map(formatCidr).join(', ')}`);
    return read;
  }
  const fromNodes = supernetOfCidrs(nodePodCIDRs);
  if (fromNodes) {
    warn(`podCIDR ${formatCidr(fromNodes)} assumed: the smallest range holding the nodes' podCIDRs (kube-proxy's clusterCIDR and kube-controller-manager's --cluster-cidr are not visible)`);
    return fromNodes;
  }
  const podIPs = view.pods.filter((p) => !p.spec?.hostNetwork).flatMap((p) => parseIPv4(p.status?.podIP ?? '') ?? []);
  const fromPods = supernetOfIPs(podIPs);
  if (fromPods) {
    warn(`podCIDR ${formatCidr(fromPods)} assumed: the smallest range holding the pods' IPs (no node has a podCIDR; the CNI manages its own IP pools)`);
    return fromPods;
  }
  const dflt = parseCidr(DEFAULT_CLUSTER_SPEC.podCIDR)!;
  warn(`podCIDR ${formatCidr(dflt)} assumed: flatnet's default (the cluster shows no pod range, node podCIDR or pod IP)`);
  return dflt;
}

/** kube-controller-manager's --node-cidr-mask-size(-ipv4), else the prefix most nodes' podCIDRs have. */
function observeMaskSize(flags: ControlPlaneFlags, nodePodCIDRs: Cidr[], warn: (s: string) => void): number {
  const flag = flags.controllerManager.get('node-cidr-mask-size-ipv4') ?? flags.controllerManager.get('node-cidr-mask-size');
  if (flag !== undefined && /^\d+$/.test(flag)) return Number(flag);
  if (nodePodCIDRs.length > 0) {
    const count = new Map<number, number>();
    for (const c of nodePodCIDRs) count.set(c.prefix, (count.get(c.prefix) ?? 0) + 1);
    const [best] = [...count].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    if (count.size > 1) warn(`nodeCIDRMaskSize ${best[0]} assumed: the nodes' podCIDRs have different sizes (/${[...count.keys()].sort((a, b) => a - b).join(', /')})`);
    return best[0];
  }
  warn(`nodeCIDRMaskSize ${DEFAULT_CLUSTER_SPEC.nodeCIDRMaskSize} assumed: kube-controller-manager's default (no node has a podCIDR)`);
  return DEFAULT_CLUSTER_SPEC.nodeCIDRMaskSize;
}

/**
 * kube-apiserver's (or kube-controller-manager's) --service-cluster-ip-range. Otherwise the /12 holding the
 * `kubernetes` Service's IP — the API server takes the first address of the range for it (kubeadm's default range is
 * 10.96.0.0/12) — widened until every ClusterIP fits.
 */
function observeServiceCIDR(view: ClusterView, flags: ControlPlaneFlags, warn: (s: string) => void): Cidr {
  const flagged = firstIPv4Cidr(flags.apiserver.get('service-cluster-ip-range') ?? flags.controllerManager.get('service-cluster-ip-range'));
  if (flagged) return flagged;
  const clusterIPs = view.services.flatMap((s) => (s.spec?.clusterIPs ?? [s.spec?.clusterIP]).flatMap((ip: unknown) => parseIPv4(String(ip)) ?? []));
  const kubernetesIP = parseIPv4(view.get('Service', 'default', 'kubernetes')?.spec?.clusterIP ?? '');
  if (kubernetesIP !== undefined) {
    let range = widen({ base: kubernetesIP, prefix: 32, size: 1 }, 12);
    const all = supernetOfIPs([...clusterIPs, range.base, range.base + range.size - 1])!;
    const widened = all.prefix < range.prefix;
    if (widened) range = all;
    warn(
      `serviceCIDR ${formatCidr(range)} assumed: the ${widened ? 'smallest range holding every ClusterIP and' : '/12 around'} the kubernetes Service's IP ${formatIPv4(kubernetesIP)}` +
        " (kube-apiserver's --service-cluster-ip-range is not visible)",
    );
    return range;
  }
  const fromIPs = supernetOfIPs(clusterIPs);
  if (fromIPs) {
    warn(`serviceCIDR ${formatCidr(fromIPs)} assumed: the smallest range holding every ClusterIP (no kubernetes Service, and kube-apiserver's --service-cluster-ip-range is not visible)`);
    return fromIPs;
  }
  const dflt = parseCidr(DEFAULT_CLUSTER_SPEC.serviceCIDR)!;
  warn(`serviceCIDR ${formatCidr(dflt)} assumed: flatnet's default (the cluster shows no Service IP)`);
  return dflt;
}

function observeDnsServiceIP(dnsService: KubeObject | undefined, serviceCIDR: Cidr, warn: (s: string) => void): number {
  const ip = parseIPv4(dnsService?.spec?.clusterIP ?? '');
  if (ip !== undefined) return ip;
  // kubeadm's choice: the tenth address of the service range.
  const guess = serviceCIDR.base + 10;
  warn(`dnsServiceIP ${formatIPv4(guess)} assumed: the tenth address of the serviceCIDR, as kubeadm picks it (no kube-system/kube-dns Service with a ClusterIP)`);
  return guess;
}

/**
 * The cluster's DNS settings from CoreDNS's Corefile (ConfigMap kube-system/coredns): the `kubernetes` plugin's first
 * zone outside in-addr.arpa/ip6.arpa is the cluster domain; its `ttl` (default 5) and `pods` (default disabled) per
 * the plugin's README (coredns plugin/kubernetes/README.md); `hosts` entries; a `forward` to an IP address.
 */
export function parseCorefile(corefile: string): { clusterDomain?: string; dns: DnsConfig; forward?: string } {
  const lines = corefile.split('\n').map((l) => l.replace(/#.*$/, '').trim());
  let clusterDomain: string | undefined;
  let ttl = 5;
  let podRecords: DnsPodRecordMode = 'disabled';
  const externalNames: Record<string, ExternalNameTarget> = {};
  let forward: string | undefined;
  let upstream: DnsConfig['upstream'];
  let block: 'kubernetes' | 'hosts' | undefined;
  let depth = 0;
  for (const line of lines) {
    if (line === '') continue;
    const words = line.split(/\s+/);
    if (block && depth > 0) {
      if (line.startsWith('}')) {
        depth--;
        if (depth === 0) block = undefined;
        continue;
      }
      if (block === 'kubernetes' && words[0] === 'ttl' && /^\d+$/.test(words[1] ?? '')) ttl = Number(words[1]);
      if (block === 'kubernetes' && words[0] === 'pods' && (DNS_POD_RECORD_MODES as readonly string[]).includes(words[1])) podRecords = words[1] as DnsPodRecordMode;
      if (block === 'hosts' && parseIPv4(words[0]) !== undefined)
        for (const name of words.slice(1)) {
          const key = name.toLowerCase().replace(/\.$/, '');
          const t = externalNames[key];
          if (t && 'addresses' in t) t.addresses.push(words[0]);
          else externalNames[key] = { addresses: [words[0]] };
        }
      if (line.endsWith('{')) depth++;
      continue;
    }
    if (words[0] === 'kubernetes') {
      const zones = words.slice(1).filter((w) => w !== '{').map((z) => z.toLowerCase().replace(/\.$/, ''));
      clusterDomain ??= zones.find((z) => !z.endsWith('in-addr.arpa') && !z.endsWith('ip6.arpa'));
      if (line.endsWith('{')) (block = 'kubernetes'), (depth = 1);
    } else if (words[0] === 'hosts' && line.endsWith('{')) {
      block = 'hosts';
      depth = 1;
    } else if (words[0] === 'forward' && words[1] === '.') {
      forward ??= words[2];
      const m = /^(?:dns:\/\/)?(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(words[2] ?? '');
      if (m && parseIPv4(m[1]) !== undefined && !upstream) upstream = { ip: m[1], port: m[2] ? Number(m[2]) : 53 };
    }
  }
  return { clusterDomain, dns: { ttl, podRecords, externalNames, ...(upstream ? { upstream } : {}) }, ...(forward ? { forward } : {}) };
}

function observeDns(corefile: string | undefined, unlisted: Set<string>, warn: (s: string) => void): { clusterDomain: string; dns: DnsConfig } {
  const defaults = { ttl: DEFAULT_CLUSTER_SPEC.dns.ttl, podRecords: DEFAULT_CLUSTER_SPEC.dns.podRecords as DnsPodRecordMode, externalNames: {} };
  if (corefile === undefined) {
    warn(
      `clusterDomain ${DEFAULT_CLUSTER_SPEC.clusterDomain} and DNS ttl ${defaults.ttl}, pods ${defaults.podRecords} assumed: ` +
        `no CoreDNS Corefile (ConfigMap kube-system/coredns${unlisted.has('ConfigMap') ? ': not allowed to list ConfigMaps' : ''})`,
    );
    return { clusterDomain: DEFAULT_CLUSTER_SPEC.clusterDomain, dns: defaults };
  }
  const parsed = parseCorefile(corefile);
  if (!parsed.clusterDomain) warn(`clusterDomain ${DEFAULT_CLUSTER_SPEC.clusterDomain} assumed: the Corefile in ConfigMap kube-system/coredns has no kubernetes plugin zone`);
  if (parsed.forward && !parsed.dns.upstream)
    warn(`CoreDNS forwards other names to ${parsed.forward}, which flatnet cannot ask: names outside the cluster domain and the Corefile's hosts are NXDOMAIN here`);
  return { clusterDomain: parsed.clusterDomain ?? DEFAULT_CLUSTER_SPEC.clusterDomain, dns: parsed.dns };
}

function dnsSpecOf(d: DnsConfig): Record<string, unknown> {
  const names: Record<string, unknown> = {};
  for (const [k, t] of Object.entries(d.externalNames)) names[k] = 'cname' in t ? t.cname : t.addresses.length === 1 ? t.addresses[0] : t.addresses;
  return { ttl: d.ttl, podRecords: d.podRecords, externalNames: names, ...(d.upstream ? { upstream: `${d.upstream.ip}:${d.upstream.port}` } : {}) };
}

/**
 * The node network, which no object records: the /16 around the nodes' InternalIPs — Docker's default bridge networks
 * (kind, minikube) and the clouds' default VPCs are /16 — or only the smallest range holding them when that /16
 * would overlap the pod or service range.
 */
function observeNodeCIDR(view: ClusterView, avoid: Cidr[], warn: (s: string) => void): Cidr {
  const ips = view.nodes.flatMap((n) => internalIP(n) ?? []);
  const tight = supernetOfIPs(ips);
  if (!tight) {
    const dflt = parseCidr(DEFAULT_CLUSTER_SPEC.nodeCIDR)!;
    warn(`nodeCIDR ${formatCidr(dflt)} assumed: flatnet's default (no node shows an InternalIP)`);
    return dflt;
  }
  const wide = widen(tight, 16);
  const range = avoid.some((c) => cidrsOverlap(c, wide) && !cidrsOverlap(c, tight)) ? tight : wide;
  warn(`nodeCIDR ${formatCidr(range)} assumed: the ${range === tight ? 'smallest range' : '/16'} holding the nodes' InternalIPs (a cluster does not record its node network)`);
  return range;
}

function observeNodePortRange(flags: ControlPlaneFlags, warn: (s: string) => void): { min: number; max: number } {
  const flag = flags.apiserver.get('service-node-port-range');
  const m = flag ? /^(\d+)[-+](\d+)$/.exec(flag) : null;
  if (m) {
    // kube-apiserver's --service-node-port-range: "30000-32767" (inclusive), or "base+size".
    const min = Number(m[1]);
    return flag!.includes('+') ? { min, max: min + Number(m[2]) - 1 } : { min, max: Number(m[2]) };
  }
  const [min, max] = DEFAULT_CLUSTER_SPEC.nodePortRange.split('-').map(Number);
  warn(`nodePortRange ${min}-${max} assumed: kube-apiserver's default (its --service-node-port-range is not visible)`);
  return { min, max };
}

/**
 * Where LoadBalancer IPs come from is the cloud's or MetalLB's business, and read-only analysis never allocates one:
 * flatnet's default pool, or the smallest /24-or-wider range holding the IPs the Services have.
 */
function observeLoadBalancerPool(view: ClusterView): Cidr {
  const dflt = parseCidr(DEFAULT_CLUSTER_SPEC.loadBalancerPool)!;
  const ips = view.services.flatMap((s) => (s.status?.loadBalancer?.ingress ?? []).flatMap((i: any) => parseIPv4(i?.ip ?? '') ?? []));
  if (ips.every((ip) => cidrContains(dflt, ip))) return dflt;
  return widen(supernetOfIPs(ips)!, 24);
}

/** The first container's env value of a DaemonSet's pod template. */
function envOf(ds: KubeObject, name: string): string | undefined {
  for (const c of ds.spec?.template?.spec?.containers ?? []) for (const e of c.env ?? []) if (e?.name === name && typeof e.value === 'string') return e.value;
  return undefined;
}

function imageTag(ds: KubeObject): string {
  const image: string = ds.spec?.template?.spec?.containers?.[0]?.image ?? '';
  const at = image.indexOf('@');
  const ref = at < 0 ? image : image.slice(0, at);
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(colon + 1) : '';
}

type Cni = ClusterConfig['cni'];

/**
 * cilium-config's `kube-proxy-replacement`: "true" (1.14+) or "strict" (before 1.14) is the full replacement; absent
 * or "false" ("disabled" before 1.14) is none, Cilium's Helm default. The old partial and probe modes replaced some
 * Service types only, which flatnet does not model: they count as none, said.
 */
function observeKubeProxyReplacement(v: string | undefined, where: string, warn: (s: string) => void): boolean {
  if (v === 'true' || v === 'strict') return true;
  if (v !== undefined && v !== 'false' && v !== 'disabled') warn(`kube-proxy replacement "${v}" in ${where} replaces kube-proxy for some Service types only, which flatnet does not model: modelled as false (kube-proxy handles Services)`);
  return false;
}

/**
 * The CNI from the node agents' DaemonSets (their names in the upstream install manifests), the mode from the agent's
 * own settings; kube-network-policies beside it sets networkPolicy.
 */
function observeCni(view: ClusterView, unlisted: Set<string>, warn: (s: string) => void): Cni {
  const find = (...names: string[]) => view.daemonSets.find((d) => names.includes(d.metadata.name));
  const networkPolicy: NetworkPolicyEngineName | undefined = find('kube-network-policies') ? 'kube-network-policies' : undefined;
  const withPolicy = (c: Cni): Cni => (networkPolicy && !c.networkPolicy ? { ...c, networkPolicy } : c);
  const where = (d: KubeObject) => `DaemonSet ${d.metadata.namespace}/${d.metadata.name}`;

  const aws = find('aws-node');
  if (aws) return withPolicy({ name: 'aws-vpc-cni', mode: 'native' });

  const calico = find('calico-node');
  if (calico) {
    // calico-node creates the default IPPool from these at first start (calico's manifests set IPIP Always);
    // the pool itself is a CRD flatnet does not read.
    const ipip = envOf(calico, 'CALICO_IPV4POOL_IPIP');
    const vxlan = envOf(calico, 'CALICO_IPV4POOL_VXLAN');
    const on = (v: string | undefined) => v === 'Always' || v === 'CrossSubnet';
    if (on(ipip)) return withPolicy({ name: 'calico', mode: 'ipip' });
    if (on(vxlan)) return withPolicy({ name: 'calico', mode: 'vxlan' });
    if (ipip === undefined && vxlan === undefined)
      warn(`CNI calico mode bgp assumed: ${where(calico)} sets neither CALICO_IPV4POOL_IPIP nor CALICO_IPV4POOL_VXLAN (the operator keeps IP pools in CRDs flatnet does not read)`);
    return withPolicy({ name: 'calico', mode: 'bgp' });
  }

  const cilium = find('cilium', 'anetd');
  if (cilium) {
    const cfg = view.get('ConfigMap', cilium.metadata.namespace, 'cilium-config')?.data ?? {};
    // cilium-config: routing-mode native|tunnel (1.14+), tunnel-protocol vxlan|geneve; before 1.14 `tunnel: vxlan|geneve|disabled`.
    const routing = cfg['routing-mode'] ?? (cfg.tunnel === 'disabled' ? 'native' : cfg.tunnel ? 'tunnel' : undefined);
    const protocol = cfg['tunnel-protocol'] ?? (cfg.tunnel && cfg.tunnel !== 'disabled' ? cfg.tunnel : 'vxlan');
    const kubeProxyReplacement = observeKubeProxyReplacement(cfg['kube-proxy-replacement'], `ConfigMap ${cilium.metadata.namespace}/cilium-config`, warn);
    if (routing === 'native') return withPolicy({ name: 'cilium', mode: 'native', kubeProxyReplacement });
    if (routing === undefined) warn(`CNI cilium mode vxlan assumed: no routing-mode in ConfigMap ${cilium.metadata.namespace}/cilium-config (Cilium's default is tunnel with VXLAN)`);
    else if (protocol !== 'vxlan') warn(`CNI cilium tunnel protocol ${protocol} is modelled as vxlan (the closest mode flatnet has)`);
    return withPolicy({ name: 'cilium', mode: 'vxlan', kubeProxyReplacement });
  }

  const weave = find('weave-net');
  if (weave) return withPolicy({ name: 'weave', mode: 'fastdp' });

  const canal = find('canal');
  const flannel = canal ?? find('kube-flannel-ds', 'kube-flannel-ds-amd64', 'kube-flannel');
  if (flannel) {
    const cfgName = canal ? 'canal-config' : 'kube-flannel-cfg';
    const netConf = view.get('ConfigMap', flannel.metadata.namespace, cfgName)?.data?.['net-conf.json'];
    let backend: string | undefined;
    try {
      backend = netConf ? String(JSON.parse(netConf)?.Backend?.Type ?? '').toLowerCase() || undefined : undefined;
    } catch {
      backend = undefined;
    }
    const mode = backend === 'host-gw' ? 'host-gw' : 'vxlan';
    if (backend === undefined) warn(`CNI flannel mode vxlan assumed: no Backend.Type in net-conf.json of ConfigMap ${flannel.metadata.namespace}/${cfgName} (flannel's default backend is vxlan)`);
    else if (backend !== mode) warn(`CNI flannel backend ${backend} is modelled as vxlan (flatnet has flannel's vxlan and host-gw)`);
    if (canal) {
      warn(`${where(canal)} is Canal (flannel with Calico's policy agent): modelled as flannel ${mode} with kube-network-policies enforcing NetworkPolicy`);
      return { name: 'flannel', mode, networkPolicy: 'kube-network-policies' };
    }
    return withPolicy({ name: 'flannel', mode });
  }

  const kindnet = find('kindnet');
  if (kindnet) return kindnetCni(kindnet, networkPolicy, warn);

  const dflt = { name: DEFAULT_CLUSTER_SPEC.cni.name, mode: DEFAULT_CLUSTER_SPEC.cni.mode };
  warn(
    `CNI ${dflt.name} (${dflt.mode}) assumed: ${unlisted.has('DaemonSet') ? 'not allowed to list DaemonSets' : 'no DaemonSet of a known CNI (calico-node, kube-flannel-ds, cilium, weave-net, aws-node, kindnet)'}`,
  );
  return withPolicy(dflt);
}

/**
 * kindnet is no flatnet profile. It routes each node's podCIDR to that node's InternalIP with no encapsulation, as
 * flannel's host-gw does (its pods hang on ptp veths rather than a bridge). It enforces NetworkPolicy with the
 * kube-network-policies code since kind v0.24.0 (kindnetd v20240813; kind PR #3612) and aojea/kindnet's
 * `--network-policy` flag (default true).
 */
function kindnetCni(ds: KubeObject, networkPolicy: NetworkPolicyEngineName | undefined, warn: (s: string) => void): Cni {
  const args = parseFlags((ds.spec?.template?.spec?.containers ?? []).flatMap((c: any) => [...(c.command ?? []), ...(c.args ?? [])]));
  const flag = args.get('network-policy');
  const tag = imageTag(ds);
  const dated = /^v(\d{8})-/.exec(tag);
  let enforces: boolean;
  let why: string;
  if (flag !== undefined) {
    enforces = flag !== 'false';
    why = `its --network-policy=${flag}`;
  } else if (dated) {
    enforces = dated[1] >= '20240813';
    why = `image tag ${tag} ${enforces ? 'is' : 'is older than'} kind v0.24.0's kindnetd (v20240813), the first to enforce NetworkPolicy`;
  } else {
    enforces = true;
    why = `image tag ${tag || '(none)'}: aojea/kindnet enforces NetworkPolicy by default`;
  }
  const np = enforces ? 'kube-network-policies' : networkPolicy;
  warn(
    `CNI kindnet (DaemonSet ${ds.metadata.namespace}/${ds.metadata.name}) is not a flatnet profile: modelled as its closest, flannel host-gw ` +
      `(routes to each node's podCIDR via its InternalIP, no encapsulation; kindnet's ptp veths stand in for flannel's cni0 bridge), ` +
      `${enforces ? 'with' : 'without'} NetworkPolicy enforcement (${why})`,
  );
  return { name: 'flannel', mode: 'host-gw', ...(np ? { networkPolicy: np } : {}) };
}

interface KubeProxySettings {
  mode?: string;
  clusterCIDR?: string;
  source?: string;
}

/**
 * kube-proxy's KubeProxyConfiguration: ConfigMap kube-system/kube-proxy key config.conf (kubeadm) or
 * kube-system/kube-proxy-config key config (EKS); else the flags of kube-proxy pods (GKE runs it as static pods).
 */
function kubeProxySettings(view: ClusterView): KubeProxySettings {
  for (const [name, key] of [
    ['kube-proxy', 'config.conf'],
    ['kube-proxy-config', 'config'],
  ]) {
    const text = view.get('ConfigMap', 'kube-system', name)?.data?.[key];
    if (typeof text !== 'string') continue;
    let doc: any;
    try {
      doc = parseYaml(text);
    } catch {
      continue;
    }
    if (doc && typeof doc === 'object')
      return { mode: typeof doc.mode === 'string' ? doc.mode : '', clusterCIDR: typeof doc.clusterCIDR === 'string' && doc.clusterCIDR !== '' ? doc.clusterCIDR : undefined, source: `ConfigMap kube-system/${name}` };
  }
  for (const p of view.pods) {
    if (p.metadata.namespace !== 'kube-system' || !(p.metadata.labels?.component === 'kube-proxy' || p.metadata.labels?.['k8s-app'] === 'kube-proxy')) continue;
    const flags = parseFlags((p.spec?.containers ?? []).flatMap((c: any) => [...(c.command ?? []), ...(c.args ?? [])]));
    if (flags.has('proxy-mode') || flags.has('cluster-cidr')) return { mode: flags.get('proxy-mode'), clusterCIDR: flags.get('cluster-cidr'), source: `pod kube-system/${p.metadata.name}` };
  }
  return {};
}

/** kube-proxy's mode; empty means the platform default, iptables on Linux (kube-proxy --proxy-mode). */
function observeProxyMode(view: ClusterView, unlisted: Set<string>, warn: (s: string) => void, replaced: boolean): ProxyMode {
  const s = kubeProxySettings(view);
  // Under Cilium's kube-proxy replacement the mode is unused; a kube-proxy left running beside it is not modelled.
  if (replaced) {
    if (s.source !== undefined || view.daemonSets.some((d) => d.metadata.name === 'kube-proxy'))
      warn(`kube-proxy still runs beside Cilium's kube-proxy replacement: flatnet models Services on Cilium's eBPF path only`);
    return 'iptables';
  }
  if (s.source === undefined) {
    const kubeProxy = view.daemonSets.some((d) => d.metadata.name === 'kube-proxy');
    warn(
      `proxyMode iptables assumed: ${kubeProxy ? 'DaemonSet kube-system/kube-proxy shows no configuration' : unlisted.has('ConfigMap') ? 'not allowed to list ConfigMaps' : 'no kube-proxy configuration found, and no Cilium kube-proxy replacement'}`,
    );
    return 'iptables';
  }
  const mode = s.mode ?? '';
  if (mode === '') return 'iptables';
  if ((PROXY_MODES as readonly string[]).includes(mode)) return mode as ProxyMode;
  warn(`proxyMode iptables assumed: ${s.source} sets mode "${mode}", which flatnet does not model (${PROXY_MODES.join(', ')})`);
  return 'iptables';
}
