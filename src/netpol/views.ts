// Small internal views of the pods, namespaces, nodes and NetworkPolicies the engine reads, converted once at the
// edge from API objects (API defaulting of policyTypes and protocol is re-applied, so raw files work too).

import { parseIPv4 } from '../core/ip.js';
import { fromLabelSelector, Selector } from '../core/labels.js';
import type { KubeObject, Labels } from '../core/types.js';
import { ipBlockRanges, IpRange } from './address-segments.js';
import type { Protocol } from './types.js';

export interface PodView {
  namespace: string;
  name: string;
  /** "namespace/name" */
  key: string;
  labels: Labels;
  ip?: number;
  ipText?: string;
  nodeName?: string;
  hostIP?: string;
  hostNetwork: boolean;
  /** Named container ports: "name/PROTOCOL" → number. */
  namedPorts: Map<string, number>;
  /** The top controller: Deployment (through its ReplicaSet), StatefulSet, DaemonSet, Job, ...; none for bare pods. */
  ownerKind?: string;
  ownerName?: string;
}

export interface NamespaceView {
  name: string;
  labels: Labels;
}

export interface NodeView {
  name: string;
  ip: number;
  ipText: string;
}

/** A peer; `key` is equal for peers of policies in the same namespace that match the same elements. */
export type PeerView =
  | { kind: 'selector'; podSelector?: Selector; namespaceSelector?: Selector; podKey: string; namespaceKey: string; key: string }
  | { kind: 'ipBlock'; cidr: string; except: string[]; ranges: IpRange[]; key: string };

export interface PortEntryView {
  protocol: Protocol;
  port?: number | string;
  endPort?: number;
}

export interface RuleView {
  /** Empty: every peer (§3). */
  peers: PeerView[];
  /** Empty: every port and protocol. */
  ports: PortEntryView[];
}

export interface PolicyView {
  /** "namespace/name" */
  key: string;
  namespace: string;
  name: string;
  podSelector: Selector;
  podSelectorKey: string;
  /** Undefined when Ingress is not in the effective policyTypes (an ingress section is then inert, §2). */
  ingress?: RuleView[];
  egress?: RuleView[];
  /** True when the policy selects no pod, so its rules were not converted (they can decide nothing). */
  inert?: boolean;
}

/** The parts of a cluster the engine reads. */
export interface ClusterViews {
  /** Sorted by namespace, then name; pods that finished (Succeeded/Failed) hold no address and are left out. */
  pods: PodView[];
  /** Sorted by name; every namespace pods or policies use, each with its kubernetes.io/metadata.name label. */
  namespaces: NamespaceView[];
  nodes: NodeView[];
  /** Sorted by namespace/name. */
  policies: PolicyView[];
}

/**
 * Orders by namespace, then name (kubectl's order). Compares the parts rather than "namespace/name" keys: those are
 * concatenated strings, which V8 re-flattens on every comparison, and "a-b/x" would sort before "a/x".
 */
export function compareNamespaced(a: { namespace: string; name: string }, b: { namespace: string; name: string }): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** A canonical string for a selector, equal for selectors that match the same way (for memoizing selections). */
export function selectorKey(sel: Selector): string {
  if (sel.length === 0) return '';
  const term = (r: Selector[number]) => `${r.key} ${r.operator} ${r.values.length > 1 ? [...r.values].sort().join(',') : (r.values[0] ?? '')}`;
  if (sel.length === 1) return term(sel[0]);
  return sel.map(term).sort().join(';');
}

function protocolOf(v: unknown): Protocol {
  return v === 'UDP' || v === 'SCTP' ? v : 'TCP';
}

function topOwner(o: KubeObject, byKey: Map<string, KubeObject>): { kind?: string; name?: string } {
  let kind: string | undefined;
  let name: string | undefined;
  let cur: KubeObject | undefined = o;
  for (let depth = 0; cur && depth < 4; depth++) {
    const ref = (cur.metadata.ownerReferences ?? []).find((r) => r.controller) ?? cur.metadata.ownerReferences?.[0];
    if (!ref) break;
    kind = ref.kind;
    name = ref.name;
    cur = byKey.get(`${ref.kind}/${o.metadata.namespace}/${ref.name}`);
  }
  return { kind, name };
}

export function podView(p: KubeObject, byKey: Map<string, KubeObject>): PodView {
  const namespace = p.metadata.namespace ?? 'default';
  const namedPorts = new Map<string, number>();
  for (const c of p.spec?.containers ?? [])
    for (const cp of c.ports ?? []) if (cp.name) namedPorts.set(`${cp.name}/${protocolOf(cp.protocol)}`, cp.containerPort);
  const ipText: string | undefined = p.status?.podIP ?? p.status?.podIPs?.[0]?.ip;
  const ip = ipText === undefined ? undefined : parseIPv4(ipText);
  const owner = topOwner(p, byKey);
  return {
    namespace,
    name: p.metadata.name,
    key: `${namespace}/${p.metadata.name}`,
    labels: p.metadata.labels ?? {},
    ...(ip !== undefined ? { ip, ipText } : {}),
    nodeName: p.spec?.nodeName,
    hostIP: p.status?.hostIP,
    hostNetwork: p.spec?.hostNetwork === true,
    namedPorts,
    ownerKind: owner.kind,
    ownerName: owner.name,
  };
}

/** ipBlocks by cidr, then except list: real clusters repeat a few CIDRs across thousands of policies. */
const ipBlockMemo = new Map<string, Map<string, { ranges: IpRange[]; key: string }>>();

/** The ranges and key of an ipBlock, memoized so equal blocks share them (and their key's hash). */
function ipBlockOf(cidr: string, except: string[]): { ranges: IpRange[]; key: string } {
  let byExcept = ipBlockMemo.get(cidr);
  if (!byExcept) {
    if (ipBlockMemo.size > 10000) ipBlockMemo.clear();
    ipBlockMemo.set(cidr, (byExcept = new Map()));
  }
  const ex = except.length ? except.join(',') : '';
  let b = byExcept.get(ex);
  if (!b) byExcept.set(ex, (b = { ranges: ipBlockRanges(cidr, except) ?? [], key: `ip\u0000${cidr}\u0000${ex}` }));
  return b;
}

function peerView(p: any, namespace: string): PeerView {
  if (p?.ipBlock) {
    const except: string[] = p.ipBlock.except ?? [];
    const { ranges, key } = ipBlockOf(p.ipBlock.cidr, except);
    return { kind: 'ipBlock', cidr: p.ipBlock.cidr, except, ranges, key };
  }
  const podSelector = p?.podSelector ? fromLabelSelector(p.podSelector) : undefined;
  const namespaceSelector = p?.namespaceSelector ? fromLabelSelector(p.namespaceSelector) : undefined;
  const podKey = podSelector ? selectorKey(podSelector) : '';
  const namespaceKey = namespaceSelector ? selectorKey(namespaceSelector) : '';
  // A podSelector alone selects in the policy's own namespace (§4), so its namespace is part of what it matches.
  const key = `${namespaceSelector ? namespaceKey : `@${namespace}`}\u0000${podSelector ? podKey : '*'}`;
  return { kind: 'selector', podSelector, namespaceSelector, podKey, namespaceKey, key };
}

function ruleViews(rules: any, peersField: 'from' | 'to', namespace: string): RuleView[] {
  if (!Array.isArray(rules)) return [];
  return rules.map((r: any) => ({
    peers: Array.isArray(r?.[peersField]) ? r[peersField].map((p: any) => peerView(p, namespace)) : [],
    ports: Array.isArray(r?.ports)
      ? r.ports.map((e: any) => ({ protocol: protocolOf(e?.protocol), ...(e?.port !== undefined ? { port: e.port } : {}), ...(typeof e?.endPort === 'number' ? { endPort: e.endPort } : {}) }))
      : [],
  }));
}

/** The effective policyTypes: as written, or SetDefaults_NetworkPolicy's (Ingress always, Egress with egress rules). */
export function effectivePolicyTypes(spec: any): { ingress: boolean; egress: boolean } {
  const types: unknown = spec?.policyTypes;
  if (Array.isArray(types) && types.length > 0) return { ingress: types.includes('Ingress'), egress: types.includes('Egress') };
  return { ingress: true, egress: Array.isArray(spec?.egress) && spec.egress.length > 0 };
}

/**
 * A policy's view. With `selectsPods`, a policy for which it returns false is returned `inert`, without its rules:
 * a policy that selects no pod changes nothing (§1).
 */
export function policyView(o: KubeObject, selectsPods?: (namespace: string, podSelector: Selector) => boolean): PolicyView {
  const namespace = o.metadata.namespace ?? 'default';
  const podSelector = fromLabelSelector(o.spec?.podSelector);
  const view: PolicyView = { key: `${namespace}/${o.metadata.name}`, namespace, name: o.metadata.name, podSelector, podSelectorKey: selectorKey(podSelector) };
  if (selectsPods && !selectsPods(namespace, podSelector)) {
    view.inert = true;
    return view;
  }
  const types = effectivePolicyTypes(o.spec);
  if (types.ingress) view.ingress = ruleViews(o.spec?.ingress, 'from', namespace);
  if (types.egress) view.egress = ruleViews(o.spec?.egress, 'to', namespace);
  return view;
}

export function policyViews(objects: Iterable<KubeObject>): PolicyView[] {
  const out: PolicyView[] = [];
  for (const o of objects) if (o.kind === 'NetworkPolicy') out.push(policyView(o));
  return out.sort(compareNamespaced);
}

function nodeViews(objects: KubeObject[], pods: PodView[]): NodeView[] {
  const out = new Map<string, NodeView>();
  for (const o of objects) {
    if (o.kind !== 'Node') continue;
    const addr = (o.status?.addresses ?? []).find((a: any) => a.type === 'InternalIP')?.address;
    const ip = addr === undefined ? undefined : parseIPv4(addr);
    if (ip !== undefined) out.set(o.metadata.name, { name: o.metadata.name, ip, ipText: addr });
  }
  // Offline files have no Node objects: a pod's hostIP still names its node's address.
  for (const p of pods) {
    if (!p.nodeName || out.has(p.nodeName)) continue;
    const ip = p.hostIP === undefined ? undefined : parseIPv4(p.hostIP);
    if (ip !== undefined) out.set(p.nodeName, { name: p.nodeName, ip, ipText: p.hostIP! });
  }
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Converts a cluster's objects (a BuiltCluster's `objects`, or parsed files) into the engine's views. */
export function clusterViews(objects: KubeObject[], opts: { policies?: boolean } = {}): ClusterViews {
  const byKey = new Map<string, KubeObject>();
  for (const o of objects) if (o.kind === 'ReplicaSet' || o.kind === 'Job') byKey.set(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o);
  const pods: PodView[] = [];
  for (const o of objects) if (o.kind === 'Pod' && o.status?.phase !== 'Succeeded' && o.status?.phase !== 'Failed') pods.push(podView(o, byKey));
  pods.sort(compareNamespaced);
  const policies = opts.policies === false ? [] : policyViews(objects);
  const namespaces = new Map<string, NamespaceView>();
  for (const o of objects)
    if (o.kind === 'Namespace') namespaces.set(o.metadata.name, { name: o.metadata.name, labels: { ...(o.metadata.labels ?? {}), 'kubernetes.io/metadata.name': o.metadata.name } });
  // §6: every namespace carries kubernetes.io/metadata.name, including ones a file only mentions.
  for (const x of [...pods, ...policies]) if (!namespaces.has(x.namespace)) namespaces.set(x.namespace, { name: x.namespace, labels: { 'kubernetes.io/metadata.name': x.namespace } });
  const nsList = [...namespaces.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { pods, namespaces: nsList, nodes: nodeViews(objects, pods), policies };
}
