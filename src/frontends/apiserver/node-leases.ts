// The node heartbeat Leases `kubectl describe node` reads (coordination.k8s.io/v1, namespace kube-node-lease): every
// kubelet renews one named after its node every 10 s (pkg/kubelet/nodelease, leaseDurationSeconds 40). flatnet's
// kubelets are always alive, so the Lease is derived from the Node on each read: held by the node, renewed now.

import type { KubeObject } from '../../core/types.js';

/** The path of one node's Lease, or undefined for any other path. */
export function nodeLeaseName(path: string): string | undefined {
  return /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/kube-node-lease\/leases\/([^/]+)$/.exec(path)?.[1];
}

/** metav1.MicroTime as the API server writes it: RFC 3339 with six fractional digits. */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The Lease the node's kubelet holds, renewed at `now`. */
export function nodeLease(node: KubeObject, now: Date): KubeObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: node.metadata.name,
      namespace: 'kube-node-lease',
      uid: node.metadata.uid,
      resourceVersion: node.metadata.resourceVersion,
      creationTimestamp: node.metadata.creationTimestamp,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.metadata.name, uid: node.metadata.uid ?? '' }],
    },
    spec: { holderIdentity: node.metadata.name, leaseDurationSeconds: 40, renewTime: microTime(now) },
  };
}
