// Test fixtures for the NetworkPolicy engine: raw API objects with fixed addresses (no reconcile, no defaulting), and
// upstream e2e's world of namespaces x, y, z and pods a, b, c serving 80 and 81 on TCP, UDP and SCTP.

import { parse, parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../core/types.js';
import type { Endpoint } from '../types.js';

export interface PodFixture {
  ns: string;
  name: string;
  labels?: Record<string, string>;
  ip?: string;
  node?: string;
  hostIP?: string;
  hostNetwork?: boolean;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  owner?: { kind: string; name: string };
}

export function podObject(p: PodFixture): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name, namespace: p.ns, labels: p.labels ?? {}, ...(p.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: p.owner.kind, name: p.owner.name, uid: 'u', controller: true }] } : {}) },
    spec: { nodeName: p.node, ...(p.hostNetwork ? { hostNetwork: true } : {}), containers: [{ name: 'c', image: 'agnhost', ports: p.ports ?? [] }] },
    status: { phase: 'Running', ...(p.ip ? { podIP: p.ip } : {}), ...(p.hostIP ? { hostIP: p.hostIP } : {}) },
  };
}

/** A Namespace as a file might declare it: without the kubernetes.io/metadata.name label the API server adds. */
export function namespaceObject(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

export function nodeObject(name: string, ip: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: ip }] } };
}

/** NetworkPolicies from YAML documents, as written (policyTypes and protocols not defaulted). */
export function policies(yaml: string): KubeObject[] {
  return parseAllDocuments(yaml).map((d) => {
    const o = d.toJSON() as KubeObject;
    return { ...o, apiVersion: o.apiVersion ?? 'networking.k8s.io/v1', kind: o.kind ?? 'NetworkPolicy', metadata: { namespace: 'x', ...o.metadata } };
  });
}

/** One NetworkPolicy in namespace `ns` from the YAML of its spec. */
export function policy(ns: string, name: string, specYaml: string): KubeObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec: parse(specYaml) ?? {} };
}

export const NODE_IPS: Record<string, string> = { 'node-1': '172.18.0.2', 'node-2': '172.18.0.3' };

const SERVE_PORTS = [80, 81].flatMap((port) => ['TCP', 'UDP', 'SCTP'].map((protocol) => ({ name: `serve-${port}-${protocol.toLowerCase()}`, containerPort: port, protocol })));

/**
 * Upstream e2e's model (test/e2e/network/netpol/model.go): namespaces x, y, z labelled ns=<name>, pods a, b, c
 * labelled pod=<name> with ports serve-80-tcp ... serve-81-sctp; plus a hostNetwork agent on node-1. Pod IPs are
 * 10.244.<ns>.<pod>: x/a 10.244.1.1, y/b 10.244.2.2, z/c 10.244.3.3; a and c run on node-1, b on node-2.
 */
export function e2eWorld(): KubeObject[] {
  const out: KubeObject[] = [nodeObject('node-1', NODE_IPS['node-1']), nodeObject('node-2', NODE_IPS['node-2'])];
  ['x', 'y', 'z'].forEach((ns, i) => {
    out.push(namespaceObject(ns, { ns }));
    ['a', 'b', 'c'].forEach((name, j) => {
      const node = name === 'b' ? 'node-2' : 'node-1';
      out.push(podObject({ ns, name, labels: { pod: name }, ip: `10.244.${i + 1}.${j + 1}`, node, hostIP: NODE_IPS[node], ports: SERVE_PORTS }));
    });
  });
  out.push(namespaceObject('kube-system'));
  out.push(podObject({ ns: 'kube-system', name: 'agent-1', labels: { app: 'agent' }, ip: NODE_IPS['node-1'], node: 'node-1', hostIP: NODE_IPS['node-1'], hostNetwork: true, ports: [{ name: 'metrics', containerPort: 9100 }] }));
  return out;
}

/** "x/a" is a pod, anything else an address. */
export function endpoint(s: string): Endpoint {
  const slash = s.indexOf('/');
  return slash > 0 && !/^\d/.test(s) ? { kind: 'pod', namespace: s.slice(0, slash), name: s.slice(slash + 1) } : { kind: 'ip', ip: s };
}
