// A direct, deliberately naive transcription of networkpolicy.md §10 over raw API objects: every query walks every
// policy. It shares no code with the compiled engine beyond core label and CIDR helpers, so tests use it as an oracle.

import { cidrContains, parseCidr, parseIPv4 } from '../core/ip.js';
import { fromLabelSelector, matches } from '../core/labels.js';
import type { KubeObject } from '../core/types.js';
import type { PolicySettings, Protocol } from './types.js';

/** A pod object, or an address that is no pod's. */
export type ReferenceEndpoint = { pod: KubeObject } | { ip: string };

export class ReferenceEvaluator {
  private readonly pods: KubeObject[];
  private readonly policies: KubeObject[];
  private readonly nsLabels = new Map<string, Record<string, string>>();
  private readonly nodeOfIP = new Map<string, string>();

  constructor(
    objects: KubeObject[],
    private readonly settings: PolicySettings,
  ) {
    this.pods = objects.filter((o) => o.kind === 'Pod');
    this.policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    for (const o of objects) if (o.kind === 'Namespace') this.nsLabels.set(o.metadata.name, { ...(o.metadata.labels ?? {}) });
    for (const o of objects) {
      if (o.kind === 'Node') for (const a of o.status?.addresses ?? []) if (a.type === 'InternalIP') this.nodeOfIP.set(a.address, o.metadata.name);
      if (o.kind === 'Pod' && o.status?.hostIP && o.spec?.nodeName) this.nodeOfIP.set(o.status.hostIP, o.spec.nodeName);
    }
  }

  /** An address as an endpoint: the pod that owns it (hostNetwork pods own none), or the bare address. */
  endpointOfIP(ip: string): ReferenceEndpoint {
    const pod = this.pods.find((p) => p.status?.podIP === ip && !p.spec?.hostNetwork);
    return pod ? { pod } : { ip };
  }

  /** Resolves a port name on the destination pod (undefined: it does not resolve). */
  resolvePort(dst: ReferenceEndpoint, port: number | string, protocol: Protocol): number | undefined {
    if (typeof port === 'number') return port;
    if (!('pod' in dst) || this.isNodeTraffic(dst.pod)) return undefined;
    for (const c of dst.pod.spec.containers ?? []) for (const cp of c.ports ?? []) if (cp.name === port && (cp.protocol ?? 'TCP') === protocol) return cp.containerPort;
    return undefined;
  }

  /** §10 allowed(src, dst, port, proto); `port` undefined stands for a port name the destination does not declare. */
  allowed(src: ReferenceEndpoint, dst: ReferenceEndpoint, port: number | undefined, protocol: Protocol): boolean {
    if (!this.settings.enforced) return true;
    if ('pod' in src && 'pod' in dst && src.pod === dst.pod) return true;
    // Traffic to and from the node where a pod runs is always allowed (kubernetes.io, Network Policies).
    if (this.podOnNode(dst, this.nodeOf(src)) || this.podOnNode(src, this.nodeOf(dst))) return true;
    return this.sideAllows('Egress', src, dst, dst, port, protocol) && this.sideAllows('Ingress', dst, src, dst, port, protocol);
  }

  /** The node an endpoint's traffic is node traffic of: a hostNetwork pod's node, or the node owning an address. */
  private nodeOf(e: ReferenceEndpoint): string | undefined {
    if ('pod' in e) return this.isNodeTraffic(e.pod) ? e.pod.spec.nodeName : undefined;
    return this.nodeOfIP.get(e.ip);
  }

  private podOnNode(e: ReferenceEndpoint, node: string | undefined): boolean {
    return node !== undefined && 'pod' in e && !this.isNodeTraffic(e.pod) && e.pod.spec.nodeName === node;
  }

  private isNodeTraffic(pod: KubeObject): boolean {
    return pod.spec?.hostNetwork === true && this.settings.hostNetworkIsNodeTraffic;
  }

  private sideAllows(dir: 'Ingress' | 'Egress', subject: ReferenceEndpoint, peer: ReferenceEndpoint, dst: ReferenceEndpoint, port: number | undefined, protocol: Protocol): boolean {
    if (!('pod' in subject) || this.isNodeTraffic(subject.pod)) return true;
    const pod = subject.pod;
    const ns = pod.metadata.namespace ?? 'default';
    const pols = this.policies.filter((p) => (p.metadata.namespace ?? 'default') === ns && matches(fromLabelSelector(p.spec?.podSelector), pod.metadata.labels) && this.types(p).includes(dir));
    if (pols.length === 0) return true;
    const field = dir === 'Ingress' ? 'from' : 'to';
    return pols.some((p) =>
      ((dir === 'Ingress' ? p.spec?.ingress : p.spec?.egress) ?? []).some((rule: any) => {
        const peers: any[] = rule?.[field] ?? [];
        const ports: any[] = rule?.ports ?? [];
        const peerOk = peers.length === 0 || peers.some((x) => this.peerMatches(x, p.metadata.namespace ?? 'default', peer));
        const portOk = ports.length === 0 || ports.some((e) => this.portMatches(e, dst, port, protocol));
        return peerOk && portOk;
      }),
    );
  }

  /** §2: policyTypes as written, else Ingress plus Egress when there are egress rules. */
  private types(p: KubeObject): string[] {
    const t = p.spec?.policyTypes;
    if (Array.isArray(t) && t.length > 0) return t;
    return Array.isArray(p.spec?.egress) && p.spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }

  private namespaceLabels(ns: string): Record<string, string> {
    return { ...(this.nsLabels.get(ns) ?? {}), 'kubernetes.io/metadata.name': ns };
  }

  private peerMatches(peer: any, policyNs: string, other: ReferenceEndpoint): boolean {
    const isPod = 'pod' in other && !this.isNodeTraffic(other.pod);
    if (peer.ipBlock) {
      const ipText = 'pod' in other ? other.pod.status?.podIP : other.ip;
      if (ipText === undefined || (isPod && !this.settings.ipBlockMatchesPods)) return false;
      const ip = parseIPv4(ipText);
      const cidr = parseCidr(peer.ipBlock.cidr, true);
      if (ip === undefined || !cidr || !cidrContains(cidr, ip)) return false;
      return !(peer.ipBlock.except ?? []).some((e: string) => {
        const x = parseCidr(e, true);
        return x !== undefined && cidrContains(x, ip);
      });
    }
    if (!isPod) return false;
    const pod = (other as { pod: KubeObject }).pod;
    const ns = pod.metadata.namespace ?? 'default';
    const nsOk = peer.namespaceSelector ? matches(fromLabelSelector(peer.namespaceSelector), this.namespaceLabels(ns)) : ns === policyNs;
    return nsOk && (!peer.podSelector || matches(fromLabelSelector(peer.podSelector), pod.metadata.labels));
  }

  private portMatches(e: any, dst: ReferenceEndpoint, port: number | undefined, protocol: Protocol): boolean {
    if ((e.protocol ?? 'TCP') !== protocol) return false;
    if (e.port === undefined) return true;
    if (port === undefined) return false;
    if (typeof e.port === 'number') return port >= e.port && port <= (e.endPort ?? e.port);
    return this.resolvePort(dst, e.port, protocol) === port;
  }
}
