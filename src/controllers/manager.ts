// The long-lived control plane: holds the store and the desired state — the input files' documents plus the objects
// written through the API server (desired-layer.ts has the rule that combines them) — re-reconciles when either
// changes, and reports what changed. Storage persists the events and the API layer it returns.

import type { Clock } from '../core/clock.js';
import type { ManifestDoc } from '../core/manifests.js';
import { objectKey } from '../core/objects.js';
import { ObjectStore, StoreEvent } from '../core/store.js';
import type { KubeObject } from '../core/types.js';
import { buildCluster, BuiltCluster } from './cluster.js';
import { ApiLayerEntry, combineLayers, docKey, fileVersions, LayerChange, survivingWrites } from './desired-layer.js';

export type { ApiLayerEntry, LayerChange } from './desired-layer.js';

export interface ApplyResult {
  cluster: BuiltCluster;
  events: StoreEvent[];
  /** Changes to the API layer (writes made or dropped), to persist with the events. */
  layerChanges: LayerChange[];
}

/** What a saved state holds: the objects, the resourceVersion, and the API layer. */
export interface SavedState {
  objects: KubeObject[];
  resourceVersion: number;
  apiLayer?: Iterable<[string, ApiLayerEntry]>;
}

/** A write through the API: create or replace an object of the desired state, or delete one. */
export type DesiredWrite = { put: KubeObject } | { delete: { kind: string; namespace?: string; name: string } };

export interface WriteOptions {
  /** Build and return the would-be cluster without changing the store or the layers (`dryRun=All`). */
  dryRun?: boolean;
}

export class ControllerManager {
  readonly store: ObjectStore;
  private last?: BuiltCluster;
  private fileDocs: ManifestDoc[] = [];
  private versions = new Map<string, string>();
  private layer: Map<string, ApiLayerEntry>;

  constructor(private readonly clock: Clock, saved?: SavedState) {
    this.store = new ObjectStore(saved?.objects ?? [], saved?.resourceVersion ?? 0);
    this.layer = new Map(saved?.apiLayer ?? []);
  }

  /** The cluster of the last successful apply or write. */
  get cluster(): BuiltCluster | undefined {
    return this.last;
  }

  /** The objects written through the API that are in effect, by store key. */
  get apiLayer(): ReadonlyMap<string, ApiLayerEntry> {
    return this.layer;
  }

  /** Who declares the object with this key: a file, the API layer, or nobody (built in, derived, or absent). */
  declaredBy(kind: string, namespace: string | undefined, name: string): 'file' | 'api' | undefined {
    const key = objectKey(kind, namespace, name);
    const entry = this.layer.get(key);
    if (entry) return entry.object ? 'api' : undefined;
    return this.versions.has(key) ? 'file' : undefined;
  }

  /**
   * Takes a new set of file documents, drops the API writes those files changed under (desired-layer.ts), reconciles,
   * and makes the store match. Throws InputError (leaving the store and both layers untouched) when the result is
   * invalid: nothing is half-applied.
   */
  apply(docs: ManifestDoc[]): ApplyResult {
    const versions = fileVersions(docs);
    const { kept, dropped } = survivingWrites(this.layer, versions);
    const cluster = buildCluster(combineLayers(docs, kept), { clock: this.clock, previous: this.store.all() });
    this.fileDocs = docs;
    this.versions = versions;
    this.layer = kept;
    return this.commit(cluster, dropped.map((key) => ({ key })));
  }

  /**
   * Applies writes to the API layer and reconciles. Deleting a Namespace deletes every object declared in it, as the
   * namespace controller does (pkg/controller/namespace/deletion). Throws InputError, changing nothing, when the
   * result is invalid; with `dryRun` nothing changes either way and the result has no events.
   */
  write(writes: DesiredWrite[], opts: WriteOptions = {}): ApplyResult {
    if (!this.last) throw new Error('ControllerManager.write: apply the input files first');
    const layer = new Map(this.layer);
    const changes = new Map<string, LayerChange>();
    const set = (key: string, entry: ApiLayerEntry | undefined) => {
      if (entry) layer.set(key, entry);
      else layer.delete(key);
      changes.set(key, { key, entry });
    };
    const remove = (key: string) => {
      const fileVersion = this.versions.get(key) ?? null;
      // A tombstone is needed only to hide a file's document; an object only the API declared just goes.
      set(key, fileVersion === null ? undefined : { fileVersion });
    };
    for (const w of writes) {
      if ('put' in w) {
        const key = docKey(w.put);
        set(key, { object: w.put, fileVersion: this.versions.get(key) ?? null });
        continue;
      }
      const { kind, namespace, name } = w.delete;
      remove(objectKey(kind, namespace, name));
      if (kind === 'Namespace') for (const key of this.declaredKeys()) if (key.split('/')[1] === name) remove(key);
    }
    const cluster = buildCluster(combineLayers(this.fileDocs, layer), { clock: this.clock, previous: this.store.all() });
    if (opts.dryRun) return { cluster, events: [], layerChanges: [] };
    this.layer = layer;
    return this.commit(cluster, [...changes.values()]);
  }

  /** Keys of every object declared by a file or the API layer (tombstoned ones excluded). */
  private declaredKeys(): string[] {
    const out = new Set<string>();
    for (const key of this.versions.keys()) if (!this.layer.has(key)) out.add(key);
    for (const [key, e] of this.layer) if (e.object) out.add(key);
    return [...out];
  }

  private commit(cluster: BuiltCluster, layerChanges: LayerChange[]): ApplyResult {
    const events = this.store.replaceAll(cluster.objects);
    this.last = cluster;
    return { cluster, events, layerChanges };
  }
}
