// The long-lived control plane: holds the store, re-reconciles when the desired input changes, and reports what
// changed. Front ends (`flatnet up`, later the API server) feed it documents; storage subscribes to its events.

import type { Clock } from '../core/clock.js';
import type { ManifestDoc } from '../core/manifests.js';
import { ObjectStore, StoreEvent } from '../core/store.js';
import type { KubeObject } from '../core/types.js';
import { buildCluster, BuiltCluster } from './cluster.js';

export interface ApplyResult {
  cluster: BuiltCluster;
  events: StoreEvent[];
}

export class ControllerManager {
  readonly store: ObjectStore;
  private last?: BuiltCluster;

  constructor(private readonly clock: Clock, saved?: { objects: KubeObject[]; resourceVersion: number }) {
    this.store = new ObjectStore(saved?.objects ?? [], saved?.resourceVersion ?? 0);
  }

  /** The cluster of the last successful apply. */
  get cluster(): BuiltCluster | undefined {
    return this.last;
  }

  /**
   * Reconciles the documents against the current state and makes the store match. Throws InputError (leaving the
   * store untouched) when the documents are invalid: nothing is half-applied.
   */
  apply(docs: ManifestDoc[]): ApplyResult {
    const cluster = buildCluster(docs, { clock: this.clock, previous: this.store.all() });
    const events = this.store.replaceAll(cluster.objects);
    this.last = cluster;
    return { cluster, events };
  }
}
