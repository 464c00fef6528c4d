// Watch events for API clients: follows the store, keeps a bounded history so a watch can resume from a
// resourceVersion (the watch cache of k8s.io/apiserver/pkg/storage/cacher), and turns each change into the event
// a filtered watcher sees — an object that starts or stops matching a selector arrives as ADDED or DELETED,
// as upstream's cacher filters (cacheWatcher.convertToWatchEvent).

import { keyOf } from '../../core/objects.js';
import type { ObjectStore, StoreEvent, WatchEventType } from '../../core/store.js';
import type { KubeObject } from '../../core/types.js';
import { matchesFilter, ObjectFilter } from './reads.js';
import { expired } from './status.js';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

interface HistoryEntry {
  rv: number;
  type: WatchEventType;
  object: KubeObject;
  /** The object before this change, for selector transitions. */
  prev?: KubeObject;
}

interface Watcher {
  filter: ObjectFilter;
  send: (events: WatchEvent[]) => void;
}

/**
 * The history kept by default (between this and twice as many changes): a 1,000-replica rollout is about 3,000
 * changes, and kubectl watches from the resourceVersion of a list it has just made, so it never needs more.
 */
export const DEFAULT_HISTORY = 10_000;

/** The event a watcher with `filter` sees for one change, if any. */
function eventFor(filter: ObjectFilter, e: HistoryEntry): WatchEvent | undefined {
  if (e.object.kind !== filter.kind) return undefined;
  const now = e.type !== 'DELETED' && matchesFilter(filter, e.object);
  const before = e.type === 'DELETED' ? matchesFilter(filter, e.object) : e.prev !== undefined && matchesFilter(filter, e.prev);
  if (e.type === 'DELETED') return before ? { type: 'DELETED', object: e.object } : undefined;
  if (now && before) return { type: 'MODIFIED', object: e.object };
  if (now) return { type: 'ADDED', object: e.object };
  if (before) return { type: 'DELETED', object: e.object };
  return undefined;
}

export class WatchHub {
  private history: HistoryEntry[] = [];
  /** Every change with a resourceVersion above this one is in `history`. */
  private floor: number;
  private readonly last = new Map<string, KubeObject>();
  private readonly watchers = new Set<Watcher>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: ObjectStore,
    private readonly historySize = DEFAULT_HISTORY,
  ) {
    this.floor = store.resourceVersion;
    for (const o of store.all()) this.last.set(keyOf(o), o);
    this.unsubscribe = store.subscribe((events) => this.onEvents(events));
  }

  private onEvents(events: StoreEvent[]): void {
    const batch: HistoryEntry[] = [];
    for (const e of events) {
      const key = keyOf(e.object);
      const entry: HistoryEntry = { rv: Number(e.object.metadata.resourceVersion), type: e.type, object: e.object, prev: this.last.get(key) };
      if (e.type === 'DELETED') this.last.delete(key);
      else this.last.set(key, e.object);
      batch.push(entry);
      this.history.push(entry);
    }
    if (this.history.length > this.historySize * 2) {
      const drop = this.history.length - this.historySize;
      this.floor = this.history[drop - 1].rv;
      this.history = this.history.slice(drop);
    }
    for (const w of this.watchers) {
      const out: WatchEvent[] = [];
      for (const e of batch) {
        const ev = eventFor(w.filter, e);
        if (ev) out.push(ev);
      }
      if (out.length > 0) w.send(out);
    }
  }

  /**
   * Starts watching: without `from` (or from 0), ADDED for every object matching now, then changes; with `from`,
   * the changes after that resourceVersion, then the later ones. Throws a 410 Expired Status when `from` is older
   * than the kept history. `send` is called synchronously with the first events; returns the function that stops.
   */
  watch(filter: ObjectFilter, from: number | undefined, send: (events: WatchEvent[]) => void): () => void {
    const first: WatchEvent[] = [];
    if (from === undefined || from === 0) {
      for (const o of this.store.list(filter.kind, filter.namespace)) if (matchesFilter(filter, o)) first.push({ type: 'ADDED', object: o });
    } else {
      if (from < this.floor) throw expired(`too old resource version: ${from} (${this.floor})`);
      // The history is in resourceVersion order: find the first change after `from` by bisection.
      let lo = 0;
      let hi = this.history.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.history[mid].rv <= from) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < this.history.length; i++) {
        const ev = eventFor(filter, this.history[i]);
        if (ev) first.push(ev);
      }
    }
    const w: Watcher = { filter, send };
    this.watchers.add(w);
    if (first.length > 0) send(first);
    return () => this.watchers.delete(w);
  }

  /** Number of open watches. */
  get size(): number {
    return this.watchers.size;
  }

  close(): void {
    this.unsubscribe();
    this.watchers.clear();
  }
}
