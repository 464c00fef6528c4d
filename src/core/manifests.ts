// Parses manifest text (multi-document YAML or JSON) into Kubernetes objects, expanding Lists, and reports
// malformed documents as problems located by file, document number and line instead of throwing.

import { parseAllDocuments } from 'yaml';
import { describeObject, FieldError, Problem, required, SourceRef, typeInvalid } from './errors.js';
import type { KubeObject } from './types.js';
import { stringTypeError } from './validation/fields.js';

/** One object of the user's input and where it came from. */
export interface ManifestDoc {
  object: KubeObject;
  source: SourceRef;
  /** The position inside a `kind: List` document (source.doc is the List's document), when it came from one. */
  item?: number;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

// kubectl decodes YAML with go-yaml v2 (YAML 1.1): `yes`/`on` are booleans, `0777` is octal, merge keys work.
// Timestamps stay strings, as they do once kubectl converts the document to JSON.
const PARSE_OPTIONS: Parameters<typeof parseAllDocuments>[1] = {
  version: '1.1',
  customTags: (tags) => tags.filter((t) => (typeof t === 'string' ? t !== 'timestamp' : t.tag !== 'tag:yaml.org,2002:timestamp')),
};

/** Converts what the YAML library produces into plain JSON values (binary → base64, as JSON encodes []byte). */
function toJson(v: unknown): unknown {
  if (v instanceof Uint8Array) {
    let bin = '';
    for (const b of v) bin += String.fromCharCode(b);
    return btoa(bin);
  }
  if (v instanceof Map) return toJson(Object.fromEntries(v));
  if (v instanceof Set) return [...v].map(toJson);
  if (Array.isArray(v)) return v.map(toJson);
  if (isObject(v)) {
    const out: Json = {};
    for (const [k, x] of Object.entries(v)) out[k] = toJson(x);
    return out;
  }
  return typeof v === 'bigint' ? Number(v) : v;
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  return typeof v;
}

/**
 * Parses every document of `text` (read from `file`, used in messages). Documents are numbered from 1 in stream
 * order, empty ones included and skipped, as kubectl counts them. `kind: List` (and typed lists such as
 * `ServiceList`) are expanded into their items, which keep the List's document number.
 * Malformed documents become problems; the others are still returned.
 *
 * @example
 * parseManifests('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n', 'ns.yaml')
 * // → { docs: [{ object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }, source: { file: 'ns.yaml', doc: 1 } }], problems: [] }
 */
export function parseManifests(text: string, file: string): { docs: ManifestDoc[]; problems: Problem[] } {
  const docs: ManifestDoc[] = [];
  const problems: Problem[] = [];
  const stream = parseAllDocuments(text.startsWith('\uFEFF') ? text.slice(1) : text, PARSE_OPTIONS);
  const all = Array.isArray(stream) ? stream : [];
  all.forEach((doc, i) => {
    const source: SourceRef = { file, doc: i + 1 };
    // Only the first error: later ones in the same document are usually consequences of it.
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      const message = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      problems.push({ source: { ...source, ...(pos ? { line: pos.line } : {}) }, error: { message: `YAML syntax error${pos ? ` (column ${pos.col})` : ''}: ${message}` } });
      return;
    }
    let value: unknown;
    try {
      value = toJson(doc.toJS({ maxAliasCount: 100 }));
    } catch (e) {
      problems.push({ source, error: { message: `YAML error: ${(e as Error).message}` } });
      return;
    }
    if (value === null || value === undefined) return;
    if (!isObject(value)) {
      problems.push({ source, error: { message: `a document must be a Kubernetes object (a mapping with apiVersion, kind and metadata), not ${typeName(value)}` } });
      return;
    }
    collect(value, '', source, undefined, docs, problems);
  });
  return { docs, problems };
}

/** A List's own kind and its items' default kind: `ServiceList` → `Service`; plain `List` has none. */
function isList(o: Json): boolean {
  return o.kind === 'List' || (typeof o.kind === 'string' && o.kind.endsWith('List') && o.kind.length > 4 && 'items' in o);
}

function collect(o: Json, prefix: string, source: SourceRef, item: number | undefined, docs: ManifestDoc[], problems: Problem[]): void {
  const at = (f: string) => (prefix === '' ? f : `${prefix}.${f}`);
  if (isList(o)) {
    const items = o.items;
    if (items !== undefined && items !== null && !Array.isArray(items)) {
      problems.push({ source, error: typeInvalid(at('items'), items, 'array') });
      return;
    }
    // A typed list (ServiceList from the API) may omit kind and apiVersion on its items (kubectl's FlattenListVisitor).
    const itemKind = o.kind === 'List' ? undefined : String(o.kind).slice(0, -4);
    ((items as unknown[] | null | undefined) ?? []).forEach((it, i) => {
      const p = `${at('items')}[${i}]`;
      if (!isObject(it)) {
        problems.push({ source, error: typeInvalid(p, it, 'object') });
        return;
      }
      const withKind = itemKind ? { apiVersion: o.apiVersion, kind: itemKind, ...it } : it;
      collect(withKind, p, source, item ?? i, docs, problems);
    });
    return;
  }
  const errors: FieldError[] = [];
  for (const f of ['apiVersion', 'kind']) {
    const v = o[f];
    if (v === undefined || v === null || v === '') errors.push(required(at(f)));
    else if (typeof v !== 'string') errors.push(stringTypeError(at(f), v));
  }
  const meta = o.metadata;
  if (meta === undefined || meta === null) errors.push(required(at('metadata')));
  else if (!isObject(meta)) errors.push(typeInvalid(at('metadata'), meta, 'object'));
  else {
    const hasGenerateName = typeof meta.generateName === 'string' && meta.generateName !== '';
    if (meta.name !== undefined && meta.name !== null && typeof meta.name !== 'string') errors.push(stringTypeError(at('metadata.name'), meta.name));
    else if ((meta.name === undefined || meta.name === null || meta.name === '') && !hasGenerateName)
      errors.push(required(at('metadata.name'), 'name or generateName is required'));
  }
  if (errors.length > 0) {
    const kind = typeof o.kind === 'string' && o.kind !== '' ? o.kind : undefined;
    const name = isObject(meta) && typeof meta.name === 'string' && meta.name !== '' ? meta.name : undefined;
    const ns = isObject(meta) && typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : undefined;
    const object = kind && name ? describeObject(kind, ns, name) : undefined;
    for (const error of errors) problems.push({ source, ...(object ? { object } : {}), error });
    return;
  }
  docs.push({ object: o as unknown as KubeObject, source, ...(item !== undefined ? { item } : {}) });
}
