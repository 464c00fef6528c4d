// ClusterConfig (flatnet/v1alpha1): the cluster's shape, its defaults, and the checks that ranges fit together.

import { cniProfile, CNI_PROFILES } from './cni-profiles.js';
import { FieldError, invalid, notSupported, required, typeInvalid, duplicate } from './errors.js';
import { Cidr, cidrContains, cidrsOverlap, formatIPv4, parseCidr, parseIPv4 } from './ip.js';
import type { KubeObject, Labels, Taint } from './types.js';
import { validateDns1123Subdomain, validateLabels } from './validation/names.js';

export const CLUSTER_CONFIG_API_VERSION = 'flatnet/v1alpha1';
export const PROXY_MODES = ['iptables', 'ipvs', 'nftables'] as const;
export type ProxyMode = (typeof PROXY_MODES)[number];

export const CONTROL_PLANE_TAINT: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

export interface NodeConfig {
  name: string;
  labels: Labels;
  taints: Taint[];
  controlPlane: boolean;
}

/** A ClusterConfig with every default filled in and every range parsed. */
export interface ClusterConfig {
  name: string;
  nodes: NodeConfig[];
  nodeCIDR: Cidr;
  podCIDR: Cidr;
  nodeCIDRMaskSize: number;
  serviceCIDR: Cidr;
  clusterDomain: string;
  dnsServiceIP: number;
  nodePortRange: { min: number; max: number };
  loadBalancerPool: Cidr;
  /**
   * The CNI profile and mode; `networkPolicy` names a policy engine installed beside the CNI: `kube-network-policies`
   * (kubernetes-sigs/kube-network-policies) enforces NetworkPolicy over any CNI, flannel included.
   * `kubeProxyReplacement` (Cilium only, always set for it) says whether Cilium's eBPF kube-proxy replacement runs
   * instead of kube-proxy (see `kubeProxyReplaced`).
   */
  cni: { name: string; mode: string; networkPolicy?: NetworkPolicyEngineName; kubeProxyReplacement?: boolean };
  /** kube-proxy's mode; not used when Cilium replaces kube-proxy (`kubeProxyReplaced`). */
  proxyMode: ProxyMode;
  /** The cluster DNS (CoreDNS) settings: spec.dns with its defaults. */
  dns: DnsConfig;
  /** The spec as the user wrote it, defaults filled in: what `flatnet get clusterconfig -o yaml` would show. */
  spec: Record<string, unknown>;
}

export const DEFAULT_CLUSTER_SPEC = {
  nodeCIDR: '172.18.0.0/16',
  podCIDR: '10.244.0.0/16',
  nodeCIDRMaskSize: 24,
  serviceCIDR: '10.96.0.0/12',
  clusterDomain: 'cluster.local',
  dnsServiceIP: '10.96.0.10',
  nodePortRange: '30000-32767',
  loadBalancerPool: '127.1.0.0/24',
  cni: { name: 'calico', mode: 'bgp' },
  proxyMode: 'iptables',
  // The CoreDNS kubernetes plugin's own default TTL is 5 s, which issue 5 asks for; kubeadm's stock Corefile says
  // `ttl 30` (../shared/reference/dns.md §3.2), so a cluster that should look like kubeadm sets `dns: {ttl: 30}`.
  dns: { ttl: 5, podRecords: 'insecure', externalNames: {} },
};

export const DNS_POD_RECORD_MODES = ['insecure', 'verified', 'disabled'] as const;
export type DnsPodRecordMode = (typeof DNS_POD_RECORD_MODES)[number];

/** What an externalNames entry answers: addresses (A records) or another name (a CNAME). */
export type ExternalNameTarget = { addresses: string[] } | { cname: string };

/** spec.dns resolved: how the cluster DNS answers, and what the world outside the cluster looks like to it. */
export interface DnsConfig {
  /** TTL of every answer from the cluster zone (CoreDNS `ttl`, 0–3600). */
  ttl: number;
  /** CoreDNS `pods` mode for `a-b-c-d.<ns>.pod.<zone>` names. */
  podRecords: DnsPodRecordMode;
  /** Names outside the cluster domain, lowercase without the trailing dot: the user's external dependencies. */
  externalNames: Record<string, ExternalNameTarget>;
  /** Where other outside names are forwarded (CoreDNS `forward . ip:port`); none by default: they are NXDOMAIN. */
  upstream?: { ip: string; port: number };
}

/** The default node list: a tainted control plane and two workers, like a kind cluster with two workers. */
function defaultNodes(count: number): NodeConfig[] {
  if (count === 1) return [{ name: 'control-plane', labels: {}, taints: [], controlPlane: true }];
  const nodes: NodeConfig[] = [{ name: 'control-plane', labels: {}, taints: [CONTROL_PLANE_TAINT], controlPlane: true }];
  for (let i = 1; i < count; i++) nodes.push({ name: `node-${i}`, labels: {}, taints: [], controlPlane: false });
  return nodes;
}

const SPEC_FIELDS = new Set(['nodes', ...Object.keys(DEFAULT_CLUSTER_SPEC)]);
const TAINT_EFFECTS = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];
const MAX_NODES = 10000;

/**
 * Whether Cilium's eBPF kube-proxy replacement implements Services instead of kube-proxy: no kube-proxy runs, its
 * proxyMode is unused, and Services live in Cilium's BPF maps (socket-LB for connections made on a node, the BPF
 * program on the node's device for packets from outside). Cilium's docs: network/kubernetes/kubeproxy-free.rst.
 */
export function kubeProxyReplaced(config: Pick<ClusterConfig, 'cni'>): boolean {
  return config.cni.kubeProxyReplacement === true;
}

/**
 * Resolves a ClusterConfig document (or none) to a full config. Returns every problem found;
 * `config` is set only when there are none. `warnings` name settings that are valid but have no effect.
 */
export function resolveClusterConfig(doc: KubeObject | undefined): { config?: ClusterConfig; errors: FieldError[]; warnings: string[] } {
  const errors: FieldError[] = [];
  const warnings: string[] = [];
  const specIsObject = typeof doc?.spec === 'object' && doc.spec !== null && !Array.isArray(doc.spec);
  if (doc && doc.spec !== undefined && !specIsObject) errors.push(typeInvalid('spec', doc.spec, 'object'));
  const raw = (specIsObject ? doc!.spec : {}) as Record<string, any>;
  for (const k of Object.keys(raw)) if (!SPEC_FIELDS.has(k)) errors.push({ type: 'Invalid', field: `spec.${k}`, value: raw[k], detail: 'unknown field' });
  const spec: Record<string, any> = { ...DEFAULT_CLUSTER_SPEC, ...raw };

  const nodes = resolveNodes(raw.nodes, errors);
  const cidr = (field: string): Cidr | undefined => {
    const v = spec[field];
    if (typeof v !== 'string') {
      errors.push(typeInvalid(`spec.${field}`, v, 'string'));
      return undefined;
    }
    const c = parseCidr(v);
    if (!c) errors.push(invalid(`spec.${field}`, v, 'must be an IPv4 CIDR with no host bits set, e.g. 10.244.0.0/16'));
    return c;
  };
  const nodeCIDR = cidr('nodeCIDR');
  const podCIDR = cidr('podCIDR');
  const serviceCIDR = cidr('serviceCIDR');
  const loadBalancerPool = cidr('loadBalancerPool');

  const mask = spec.nodeCIDRMaskSize;
  if (!Number.isInteger(mask) || mask < 1 || mask > 30) errors.push(invalid('spec.nodeCIDRMaskSize', mask, 'must be an integer between 1 and 30'));
  else if (podCIDR && mask < podCIDR.prefix)
    errors.push(invalid('spec.nodeCIDRMaskSize', mask, `must not be shorter than the prefix of spec.podCIDR "${spec.podCIDR}"`));
  else if (podCIDR && nodes && 2 ** (mask - podCIDR.prefix) < nodes.length)
    errors.push(
      invalid('spec.nodeCIDRMaskSize', mask, `spec.podCIDR "${spec.podCIDR}" holds only ${2 ** (mask - podCIDR.prefix)} /${mask} node ranges, but there are ${nodes.length} nodes`),
    );
  if (nodeCIDR && nodes && nodeCIDR.size - 3 < nodes.length)
    errors.push(invalid('spec.nodeCIDR', spec.nodeCIDR, `has room for ${Math.max(0, nodeCIDR.size - 3)} node addresses, but there are ${nodes.length} nodes`));

  const ranges: [string, Cidr | undefined][] = [
    ['nodeCIDR', nodeCIDR],
    ['podCIDR', podCIDR],
    ['serviceCIDR', serviceCIDR],
    ['loadBalancerPool', loadBalancerPool],
  ];
  for (let i = 0; i < ranges.length; i++)
    for (let j = i + 1; j < ranges.length; j++) {
      const [an, a] = ranges[i];
      const [bn, b] = ranges[j];
      if (a && b && cidrsOverlap(a, b)) errors.push(invalid(`spec.${bn}`, spec[bn], `overlaps spec.${an} "${spec[an]}": node, pod, service and load-balancer ranges must not overlap`));
    }

  const dnsIP = typeof spec.dnsServiceIP === 'string' ? parseIPv4(spec.dnsServiceIP) : undefined;
  if (dnsIP === undefined) errors.push(invalid('spec.dnsServiceIP', spec.dnsServiceIP, 'must be an IPv4 address'));
  else if (serviceCIDR && !cidrContains(serviceCIDR, dnsIP))
    errors.push(invalid('spec.dnsServiceIP', spec.dnsServiceIP, `must be inside spec.serviceCIDR "${spec.serviceCIDR}"`));
  else if (serviceCIDR && (dnsIP === serviceCIDR.base || dnsIP === serviceCIDR.base + 1 || dnsIP === serviceCIDR.base + serviceCIDR.size - 1))
    errors.push(
      invalid('spec.dnsServiceIP', spec.dnsServiceIP, `must not be the network address, the broadcast address or ${formatIPv4(serviceCIDR.base + 1)} (the kubernetes Service) of spec.serviceCIDR "${spec.serviceCIDR}"`),
    );
  if (serviceCIDR && serviceCIDR.size < 8) errors.push(invalid('spec.serviceCIDR', spec.serviceCIDR, 'must hold at least 8 addresses'));

  const range = parsePortRange(spec.nodePortRange);
  if (!range) errors.push(invalid('spec.nodePortRange', spec.nodePortRange, 'must be "<min>-<max>" with 1 <= min <= max <= 65535'));

  if (typeof spec.clusterDomain !== 'string' || !/^([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(spec.clusterDomain))
    errors.push(invalid('spec.clusterDomain', spec.clusterDomain, 'must be a lowercase DNS domain such as cluster.local'));

  const dns = resolveDns(spec.dns, typeof spec.clusterDomain === 'string' ? spec.clusterDomain : '', errors);
  const cni = resolveCni(spec.cni, errors);
  if (!PROXY_MODES.includes(spec.proxyMode)) errors.push(notSupported('spec.proxyMode', spec.proxyMode, PROXY_MODES));
  else if (cni?.kubeProxyReplacement && raw.proxyMode !== undefined)
    warnings.push(`spec.proxyMode: "${raw.proxyMode}" is ignored: with spec.cni.kubeProxyReplacement true no kube-proxy runs (Cilium's eBPF datapath implements Services)`);

  if (doc?.metadata?.name !== undefined) for (const e of validateDns1123Subdomain(doc.metadata.name)) errors.push(invalid('metadata.name', doc.metadata.name, e));
  if (errors.length > 0) return { errors, warnings };
  spec.cni = cni;
  spec.dns = dnsSpec(dns!);
  spec.nodes = nodes!.map((n) => ({ name: n.name, ...(Object.keys(n.labels).length ? { labels: n.labels } : {}), ...(n.taints.length ? { taints: n.taints } : {}) }));
  return {
    errors,
    warnings,
    config: {
      name: doc?.metadata?.name ?? 'flatnet',
      nodes: nodes!,
      nodeCIDR: nodeCIDR!,
      podCIDR: podCIDR!,
      nodeCIDRMaskSize: mask,
      serviceCIDR: serviceCIDR!,
      clusterDomain: spec.clusterDomain,
      dnsServiceIP: dnsIP!,
      nodePortRange: range!,
      loadBalancerPool: loadBalancerPool!,
      cni: cni!,
      proxyMode: spec.proxyMode,
      dns: dns!,
      spec,
    },
  };
}

function parsePortRange(v: unknown): { min: number; max: number } | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+)-(\d+)$/.exec(v.trim());
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = Number(m[2]);
  return min >= 1 && min <= max && max <= 65535 ? { min, max } : undefined;
}

/** Policy engines that can run beside a CNI (spec.cni.networkPolicy). */
export const NETWORK_POLICY_ENGINES = ['kube-network-policies'] as const;
export type NetworkPolicyEngineName = (typeof NETWORK_POLICY_ENGINES)[number];

function resolveCni(v: any, errors: FieldError[]): ClusterConfig['cni'] | undefined {
  if (typeof v !== 'object' || v === null) {
    errors.push(typeInvalid('spec.cni', v, 'object'));
    return undefined;
  }
  const profile = cniProfile(v.name);
  if (!profile) {
    errors.push(notSupported('spec.cni.name', v.name, CNI_PROFILES.map((p) => p.name)));
    return undefined;
  }
  // Every field is checked before giving up, so one run reports all of them.
  const before = errors.length;
  const mode = v.mode ?? profile.defaultMode;
  if (!profile.modes.some((m) => m.name === mode)) errors.push(notSupported('spec.cni.mode', mode, profile.modes.map((m) => m.name)));
  const np = v.networkPolicy;
  if (np !== undefined && !NETWORK_POLICY_ENGINES.includes(np)) errors.push(notSupported('spec.cni.networkPolicy', np, [...NETWORK_POLICY_ENGINES]));
  const kpr = resolveKubeProxyReplacement(profile.name, v.kubeProxyReplacement, errors);
  if (kpr === null || errors.length > before) return undefined;
  return { name: profile.name, mode, ...(np ? { networkPolicy: np } : {}), ...(kpr !== undefined ? { kubeProxyReplacement: kpr } : {}) };
}

/**
 * spec.cni.kubeProxyReplacement: Cilium's Helm value `kubeProxyReplacement`. Its default there is false ("By default,
 * Helm sets kubeProxyReplacement=false, which only enables per-packet in-cluster load-balancing of ClusterIP
 * services": Cilium docs, network/kubernetes/kubeproxy-free.rst), so flatnet's is false too; set it to true for a
 * kube-proxy-free cluster (`helm install cilium --set kubeProxyReplacement=true`). Helm takes "true"/"false" strings
 * as well; the pre-1.14 values strict, partial, probe and disabled were removed in Cilium 1.14. Undefined for other
 * CNIs, null after an error.
 */
function resolveKubeProxyReplacement(cni: string, v: unknown, errors: FieldError[]): boolean | undefined | null {
  const field = 'spec.cni.kubeProxyReplacement';
  if (cni !== 'cilium') {
    if (v === undefined) return undefined;
    errors.push(invalid(field, v, `only Cilium replaces kube-proxy: spec.cni.name is "${cni}", whose clusters run kube-proxy (spec.proxyMode)`));
    return null;
  }
  if (v === undefined) return false;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  if (typeof v === 'string' && ['strict', 'partial', 'probe', 'disabled'].includes(v)) {
    errors.push(invalid(field, v, 'Cilium 1.14 removed the strict, partial, probe and disabled modes: use true (strict\'s successor) or false'));
    return null;
  }
  errors.push(typeInvalid(field, v, 'boolean'));
  return null;
}

const DNS_FIELDS = ['ttl', 'podRecords', 'externalNames', 'upstream'];
/** A DNS name as users write them: labels of letters, digits, '-' and '_' (as in _service names), at most 253 long. */
const DNS_NAME = /^[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?)*\.?$/;

function isDnsName(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 254 && DNS_NAME.test(v);
}

function inDomain(name: string, domain: string): boolean {
  return domain !== '' && (name === domain || name.endsWith(`.${domain}`));
}

/** spec.dns: TTL, pod records, the externalNames map and an optional upstream, each checked. */
function resolveDns(v: any, clusterDomain: string, errors: FieldError[]): DnsConfig | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    errors.push(typeInvalid('spec.dns', v, 'object'));
    return undefined;
  }
  const before = errors.length;
  for (const k of Object.keys(v)) if (!DNS_FIELDS.includes(k)) errors.push(invalid(`spec.dns.${k}`, v[k], 'unknown field'));
  const ttl = v.ttl ?? 5;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 3600) errors.push(invalid('spec.dns.ttl', ttl, 'must be a whole number of seconds between 0 and 3600 (CoreDNS ttl)'));
  const podRecords = v.podRecords ?? 'insecure';
  if (!DNS_POD_RECORD_MODES.includes(podRecords)) errors.push(notSupported('spec.dns.podRecords', podRecords, DNS_POD_RECORD_MODES));
  const externalNames = resolveExternalNames(v.externalNames ?? {}, clusterDomain, errors);
  let upstream: DnsConfig['upstream'];
  if (v.upstream !== undefined) {
    const m = typeof v.upstream === 'string' ? /^([0-9.]+)(?::(\d{1,5}))?$/.exec(v.upstream) : null;
    const port = m?.[2] === undefined ? 53 : Number(m[2]);
    if (!m || parseIPv4(m[1]) === undefined || port < 1 || port > 65535)
      errors.push(invalid('spec.dns.upstream', v.upstream, 'must be "<IPv4>:<port>" (or an IPv4 address for port 53) of a DNS server to forward other names to'));
    else upstream = { ip: m[1], port };
  }
  if (errors.length > before) return undefined;
  return { ttl, podRecords, externalNames: externalNames!, ...(upstream ? { upstream } : {}) };
}

function resolveExternalNames(v: any, clusterDomain: string, errors: FieldError[]): Record<string, ExternalNameTarget> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    errors.push(typeInvalid('spec.dns.externalNames', v, 'object'));
    return undefined;
  }
  const out: Record<string, ExternalNameTarget> = {};
  const seen = new Map<string, string>();
  for (const [key, target] of Object.entries(v as Record<string, unknown>)) {
    const f = `spec.dns.externalNames[${JSON.stringify(key)}]`;
    const name = key.toLowerCase().replace(/\.$/, '');
    if (!isDnsName(key) || name === '') {
      errors.push(invalid('spec.dns.externalNames', key, "must be a DNS name of labels made of letters, digits, '-' and '_', such as api.example.com"));
      continue;
    }
    if (inDomain(name, clusterDomain)) {
      errors.push(invalid('spec.dns.externalNames', key, `must be outside spec.clusterDomain "${clusterDomain}": names in the cluster domain come from Services and pods`));
      continue;
    }
    if (seen.has(name)) {
      errors.push(duplicate('spec.dns.externalNames', key, `names are case-insensitive; also ${JSON.stringify(seen.get(name))}`));
      continue;
    }
    seen.set(name, key);
    const list = Array.isArray(target) ? target : [target];
    if (list.length > 0 && list.every((t) => typeof t === 'string' && parseIPv4(t) !== undefined)) out[name] = { addresses: [...new Set(list as string[])] };
    else if (!Array.isArray(target) && isDnsName(target) && !/^[0-9.]+$/.test(target)) {
      const cname = target.toLowerCase().replace(/\.$/, '');
      if (inDomain(cname, clusterDomain))
        errors.push(invalid(f, target, `must not point into spec.clusterDomain "${clusterDomain}": the resolvers outside the cluster do not know that zone`));
      else out[name] = { cname };
    } else errors.push(invalid(f, target, 'must be an IPv4 address, a list of IPv4 addresses, or a DNS name to alias (a CNAME target)'));
  }
  return out;
}

/** spec.dns as `get clusterconfig -o yaml` would show it: defaults filled in, names normalised. */
function dnsSpec(d: DnsConfig): Record<string, unknown> {
  const names: Record<string, unknown> = {};
  for (const [k, t] of Object.entries(d.externalNames)) names[k] = 'cname' in t ? t.cname : t.addresses.length === 1 ? t.addresses[0] : t.addresses;
  return { ttl: d.ttl, podRecords: d.podRecords, externalNames: names, ...(d.upstream ? { upstream: `${d.upstream.ip}:${d.upstream.port}` } : {}) };
}

function resolveNodes(v: unknown, errors: FieldError[]): NodeConfig[] | undefined {
  if (v === undefined) return defaultNodes(3);
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 1 || v > MAX_NODES) {
      errors.push(invalid('spec.nodes', v, `must be a whole number of nodes between 1 and ${MAX_NODES}, or a list of nodes`));
      return undefined;
    }
    return defaultNodes(v);
  }
  if (!Array.isArray(v)) {
    errors.push(typeInvalid('spec.nodes', v, 'integer or list'));
    return undefined;
  }
  if (v.length === 0) errors.push(required('spec.nodes', 'a cluster needs at least one node'));
  const seen = new Map<string, number>();
  const out: NodeConfig[] = [];
  v.forEach((n: any, i: number) => {
    const f = `spec.nodes[${i}]`;
    if (typeof n !== 'object' || n === null) {
      errors.push(typeInvalid(f, n, 'object'));
      return;
    }
    if (typeof n.name !== 'string' || n.name === '') errors.push(required(`${f}.name`));
    else {
      for (const e of validateDns1123Subdomain(n.name)) errors.push(invalid(`${f}.name`, n.name, e));
      if (seen.has(n.name)) errors.push(duplicate(`${f}.name`, n.name, `also spec.nodes[${seen.get(n.name)}].name`));
      seen.set(n.name, i);
    }
    errors.push(...validateLabels(n.labels, `${f}.labels`));
    const taints: Taint[] = [];
    if (n.taints !== undefined && !Array.isArray(n.taints)) errors.push(typeInvalid(`${f}.taints`, n.taints, 'list'));
    for (const [j, t] of ((Array.isArray(n.taints) ? n.taints : []) as any[]).entries()) {
      if (typeof t?.key !== 'string' || t.key === '') errors.push(required(`${f}.taints[${j}].key`));
      if (!TAINT_EFFECTS.includes(t?.effect)) errors.push(notSupported(`${f}.taints[${j}].effect`, t?.effect, TAINT_EFFECTS));
      taints.push({ key: t?.key, ...(t?.value !== undefined ? { value: String(t.value) } : {}), effect: t?.effect });
    }
    const controlPlane = n.role === 'control-plane' || n.name === 'control-plane' || (n.labels ?? {})['node-role.kubernetes.io/control-plane'] !== undefined;
    out.push({ name: n.name, labels: { ...(n.labels ?? {}) }, taints, controlPlane });
  });
  return out;
}
