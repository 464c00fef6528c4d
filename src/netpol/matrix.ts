// The ConnectivityMatrix front ends read: pods sorted by namespace/name, then the external address segments the
// policies' ipBlocks cut, each cell looked up in the class matrix (plus the node-to-local-pod rule of §9).

import { formatIPv4 } from '../core/ip.js';
import type { ClassMatrix } from './class-matrix.js';
import { ALL_CONNECTIONS, NO_CONNECTIONS } from './connection-set.js';
import type { ConnectionSet, ConnectivityMatrix, MatrixPeer, PolicySettings } from './types.js';
import type { Universe } from './universe.js';

export class PolicyMatrix implements ConnectivityMatrix {
  readonly peers: MatrixPeer[] = [];
  /** The universe element of each peer. */
  private readonly elements: Int32Array;
  /** For pod peers that are node traffic (hostNetwork), their node; '' otherwise. */
  private readonly nodeOf: string[] = [];
  /** For pod peers subject to policy, their node; '' otherwise. */
  private readonly podNode: string[] = [];

  /**
   * @param classes undefined when nothing is enforced: every cell then allows everything.
   * @param pods indexes into universe.pods of the pods to show, in order.
   */
  constructor(
    private readonly universe: Universe,
    private readonly classes: ClassMatrix | undefined,
    private readonly settings: PolicySettings,
    pods: readonly number[],
  ) {
    const els: number[] = [];
    for (const i of pods) {
      const p = universe.pods[i];
      this.peers.push({ kind: 'pod', namespace: p.namespace, name: p.name, ...(p.ownerKind ? { ownerKind: p.ownerKind, ownerName: p.ownerName } : {}) });
      els.push(universe.elementOfPod[i]);
      const node = universe.isNodeTraffic(p);
      this.nodeOf.push(node ? (p.nodeName ?? '') : '');
      this.podNode.push(node ? '' : (p.nodeName ?? ''));
    }
    const seg = universe.segments;
    for (let s = 0; s < seg.count; s++) {
      this.peers.push({ kind: 'external', first: formatIPv4(seg.first(s)), last: formatIPv4(seg.last(s)) });
      els.push(universe.segmentBase + s);
    }
    this.elements = Int32Array.from(els);
  }

  /** The connection-set id from peer i to peer j (ids of the universe's ConnectionSetTable). */
  connectionId(i: number, j: number): number {
    const podCount = this.nodeOf.length;
    // Two external ranges: that traffic never enters the cluster, so no connection is reported (np-guard omits it).
    if (i >= podCount && j >= podCount) return NO_CONNECTIONS;
    if (!this.classes || i === j) return ALL_CONNECTIONS;
    // §9: traffic between a pod and the node it runs on (a hostNetwork pod there is node traffic) is always allowed.
    if (i < podCount && j < podCount && ((this.nodeOf[i] !== '' && this.nodeOf[i] === this.podNode[j]) || (this.nodeOf[j] !== '' && this.nodeOf[j] === this.podNode[i]))) return ALL_CONNECTIONS;
    return this.classes.cell(this.elements[i], this.elements[j]);
  }

  /**
   * The universe element of peers[i]: pods with equal elements have identical rows and columns (they are one pod
   * class), except for pairs with a hostNetwork pod on the same node (§9). Aggregating by element avoids N² lookups.
   */
  elementOf(i: number): number {
    return this.elements[i];
  }

  /** The connections allowed from peers[i] to peers[j]. The returned set is shared and frozen. */
  connections(i: number, j: number): ConnectionSet {
    return this.universe.table.get(this.connectionId(i, j));
  }

  get enforced(): boolean {
    return this.settings.enforced;
  }
}
