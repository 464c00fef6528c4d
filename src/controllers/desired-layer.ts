// The desired state of `flatnet up` as two layers: the documents of the input files, and the objects written through
// the API server. This file holds the rule that combines them and what a write keeps of the object it was given.
//
// The rule, "latest write wins until the file changes again":
// - An API write (create, update, patch, delete) of an object replaces whatever the files declare for the same
//   kind/namespace/name, and records the files' version of that object at the time (or that they had none).
// - When the files are applied again, an API write is dropped as soon as the files' version of its object differs from
//   the one recorded: the file was edited (or the document added or removed) after the write, so the file wins again.
//   Unchanged files leave API writes alone, across restarts too.
// - An API delete of an object a file declares is a tombstone: the object stays deleted until its document changes.

import { objectKey, canonicalJson, deepClone } from '../core/objects.js';
import type { ManifestDoc } from '../core/manifests.js';
import { resourceTypeOfKind } from '../core/resources.js';
import type { KubeObject } from '../core/types.js';

/** The file name problems of API-written objects are reported under (like `<stdin>` for standard input). */
export const API_SOURCE_NAME = '<api>';

/** One object of the API layer. */
export interface ApiLayerEntry {
  /** The object as written (server-managed fields removed); undefined when the write was a delete of a file's object. */
  object?: KubeObject;
  /** The files' version of this object (canonical JSON of its document) when it was written, or null if none declared it. */
  fileVersion: string | null;
}

/** A change to the API layer, for persistence: the new entry of `key`, or `entry` undefined when it was dropped. */
export interface LayerChange {
  key: string;
  entry?: ApiLayerEntry;
}

/** The store key of a manifest document: namespaced kinds without a namespace are in "default", as on input. */
export function docKey(o: KubeObject): string {
  const type = resourceTypeOfKind(o.kind);
  const ns = typeof o.metadata?.namespace === 'string' && o.metadata.namespace !== '' ? o.metadata.namespace : undefined;
  const name = typeof o.metadata?.name === 'string' ? o.metadata.name : '';
  if (!type) return objectKey(o.kind, ns, name);
  return objectKey(o.kind, type.namespaced ? (ns ?? 'default') : undefined, name);
}

// Parsed documents are shared between re-reads of unchanged text (core/manifests.ts ManifestCache) and never mutated,
// so each one's canonical form is worked out once.
const versionOf = new WeakMap<KubeObject, string>();

/** The files' version of every object they declare, by key (flatnet's own documents excluded). */
export function fileVersions(docs: ManifestDoc[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of docs) {
    if (d.object.apiVersion?.startsWith('flatnet/')) continue;
    let v = versionOf.get(d.object);
    if (v === undefined) versionOf.set(d.object, (v = canonicalJson(d.object)));
    out.set(docKey(d.object), v);
  }
  return out;
}

/** The API writes that survive a new set of file documents (see the rule above), and the ones dropped. */
export function survivingWrites(layer: ReadonlyMap<string, ApiLayerEntry>, versions: ReadonlyMap<string, string>): { kept: Map<string, ApiLayerEntry>; dropped: string[] } {
  const kept = new Map<string, ApiLayerEntry>();
  const dropped: string[] = [];
  for (const [key, entry] of layer) {
    if ((versions.get(key) ?? null) === entry.fileVersion) kept.set(key, entry);
    else dropped.push(key);
  }
  return { kept, dropped };
}

/** The documents to build the cluster from: the files' documents not overridden by the API layer, then the API's objects. */
export function combineLayers(fileDocs: ManifestDoc[], layer: ReadonlyMap<string, ApiLayerEntry>): ManifestDoc[] {
  const out: ManifestDoc[] = [];
  for (const d of fileDocs) if (d.object.apiVersion?.startsWith('flatnet/') || !layer.has(docKey(d.object))) out.push(d);
  let n = 0;
  for (const entry of layer.values()) if (entry.object) out.push({ object: deepClone(entry.object), source: { file: API_SOURCE_NAME, doc: ++n } });
  return out;
}

// Fields the API server owns: rest.BeforeCreate/BeforeUpdate fill them in (pkg/registry/rest/create.go, update.go),
// and every registry strategy's PrepareForCreate/PrepareForUpdate resets status from the request
// (e.g. pkg/registry/apps/deployment/strategy.go), so a write never sets them.
const SERVER_METADATA = ['resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/** What the desired layer keeps of a written object: everything the user may set, without server-owned fields. */
export function desiredFromWritten(o: KubeObject): KubeObject {
  const out = deepClone(o);
  for (const f of SERVER_METADATA) delete out.metadata[f];
  delete out.status;
  return out;
}
