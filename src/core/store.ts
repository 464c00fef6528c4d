// The object store: every object of the cluster by key, a resourceVersion that counts writes, and watch events.
// Pure and in memory; persistence lives in src/storage/ and replays what this store emits.

import { jsonEqual, keyOf, objectKey } from './objects.js';
import type { KubeObject } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  object: KubeObject;
}

export type StoreListener = (events: StoreEvent[]) => void;

/** Whether two versions of an object are the same apart from metadata.resourceVersion (compared as JSON). */
function sameApartFromResourceVersion(a: KubeObject, b: KubeObject): boolean {
  const { resourceVersion: _ra, ...ma } = a.metadata;
  const { resourceVersion: _rb, ...mb } = b.metadata;
  return jsonEqual({ ...a, metadata: ma }, { ...b, metadata: mb });
}

export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private rv: number;
  private readonly listeners = new Set<StoreListener>();

  /** A store holding `objects` as they were saved (their resourceVersions kept), at `resourceVersion`. */
  constructor(objects: Iterable<KubeObject> = [], resourceVersion = 0) {
    this.rv = resourceVersion;
    for (const o of objects) {
      this.objects.set(keyOf(o), o);
    }
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get size(): number {
    return this.objects.size;
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(objectKey(kind, namespace, name));
  }

  /** Objects of one kind (in one namespace, or all), sorted by namespace then name. */
  list(kind: string, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of this.objects.values()) if (o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace)) out.push(o);
    return out.sort((a, b) => {
      const na = a.metadata.namespace ?? '';
      const nb = b.metadata.namespace ?? '';
      if (na !== nb) return na < nb ? -1 : 1;
      return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
    });
  }

  all(): KubeObject[] {
    return [...this.objects.values()];
  }

  /**
   * Makes the store hold exactly `objects`. Objects that differ from what is stored (ignoring resourceVersion) get
   * the next resourceVersion; the events, in the given order with deletions last, go to every listener.
   */
  replaceAll(objects: KubeObject[]): StoreEvent[] {
    const events: StoreEvent[] = [];
    const seen = new Set<string>();
    for (const o of objects) {
      const key = keyOf(o);
      seen.add(key);
      const old = this.objects.get(key);
      // The same object again (reconcile reuses unchanged outputs) needs no comparison.
      if (old === o || (old && sameApartFromResourceVersion(old, o))) continue;
      o.metadata.resourceVersion = String(++this.rv);
      this.objects.set(key, o);
      events.push({ type: old ? 'MODIFIED' : 'ADDED', object: o });
    }
    for (const [key, o] of this.objects) {
      if (seen.has(key)) continue;
      this.objects.delete(key);
      this.rv++;
      events.push({ type: 'DELETED', object: { ...o, metadata: { ...o.metadata, resourceVersion: String(this.rv) } } });
    }
    if (events.length > 0) for (const l of this.listeners) l(events);
    return events;
  }

  /** Calls `listener` with the events of every later change; returns the function that stops it. */
  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
