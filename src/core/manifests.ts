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
export function parseManifests(text: string, file: string, cache?: ManifestCache): { docs: ManifestDoc[]; problems: Problem[] } {
  const docs: ManifestDoc[] = [];
  const problems: Problem[] = [];
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let doc = 0;
  let lineOffset = 0;
  for (const chunk of cache ? cache.split(file, body) : splitDocuments(body)) {
    for (const parsed of cache ? cache.chunk(file, chunk) : parseChunk(chunk)) {
      const source: SourceRef = { file, doc: ++doc };
      if (parsed.kind === 'syntax') {
        problems.push({ source: { ...source, ...(parsed.line !== undefined ? { line: parsed.line + lineOffset } : {}) }, error: { message: parsed.message } });
        continue;
      }
      if (parsed.kind === 'error') {
        problems.push({ source, error: { message: parsed.message } });
        continue;
      }
      const value = parsed.value;
      if (value === null || value === undefined) continue;
      if (!isObject(value)) {
        problems.push({ source, error: { message: `a document must be a Kubernetes object (a mapping with apiVersion, kind and metadata), not ${typeName(value)}` } });
        continue;
      }
      collect(value, '', source, undefined, docs, problems);
    }
    lineOffset += cache ? cache.lines(file, chunk) : countLines(chunk);
  }
  cache?.sweep(file);
  return { docs, problems };
}

/** One document of a chunk: its JSON value, or why it has none (a syntax error's line is relative to the chunk). */
type ParsedDocument = { kind: 'value'; value: unknown } | { kind: 'syntax'; line?: number; message: string } | { kind: 'error'; message: string };

function parseChunk(chunk: string): ParsedDocument[] {
  const stream = parseAllDocuments(chunk, PARSE_OPTIONS);
  const all = Array.isArray(stream) ? stream : [];
  return all.map((doc): ParsedDocument => {
    // Only the first error: later ones in the same document are usually consequences of it.
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      const message = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      return { kind: 'syntax', ...(pos ? { line: pos.line } : {}), message: `YAML syntax error${pos ? ` (column ${pos.col})` : ''}: ${message}` };
    }
    try {
      return { kind: 'value', value: toJson(doc.toJS({ maxAliasCount: 100 })) };
    } catch (e) {
      return { kind: 'error', message: `YAML error: ${(e as Error).message}` };
    }
  });
}

/**
 * Cuts a stream at its document markers: every line that starts with `---` followed by a space, a tab or the end of
 * the line begins a document (YAML 1.2 §9.1.3; inside a document such a line cannot occur, since block scalars are
 * indented and flow scalars may not contain it). Each piece parses on its own to the same documents.
 */
function splitDocuments(text: string): string[] {
  const out: string[] = [];
  const marker = /^---(?=[ \t\r\n]|$)/gm;
  let last = 0;
  for (let m = marker.exec(text); m; m = marker.exec(text)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    last = m.index;
  }
  out.push(text.slice(last));
  return out;
}

function countLines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Parsed documents of earlier parses, by file and document text. `flatnet up` re-reads every input on any change;
 * with a cache only the documents whose text changed are parsed again (YAML parsing is most of a re-apply). The
 * values handed out are shared between parses: callers must not mutate them (applyDefaults copies).
 */
export class ManifestCache {
  private readonly files = new Map<string, CachedFile>();

  /**
   * `body` cut at its document markers, like splitDocuments, but the pieces before and after the part that changed
   * since the last parse of `file` are the strings of that parse: a 1 MB file with one edited document costs one
   * scan for the common prefix and suffix, the split of the edited part, and Map lookups of strings already hashed.
   */
  split(file: string, body: string): string[] {
    const f = this.fileOf(file);
    const before = f.body;
    const pieces = before === undefined ? splitDocuments(body) : before === body ? f.pieces : resplit(before, f.pieces, body);
    f.body = body;
    f.pieces = pieces;
    return pieces;
  }

  /** The documents of one piece of a file, parsed now or earlier. */
  chunk(file: string, text: string): ParsedDocument[] {
    return this.entry(file, text).parsed;
  }

  /** How many line breaks a piece holds (for the line numbers of syntax errors in later pieces). */
  lines(file: string, text: string): number {
    const e = this.entry(file, text);
    return (e.lines ??= countLines(text));
  }

  /** Forgets the pieces of `file` the last parse did not use. */
  sweep(file: string): void {
    const f = this.files.get(file);
    if (!f) return;
    for (const k of f.chunks.keys()) if (!f.seen.has(k)) f.chunks.delete(k);
    f.seen.clear();
  }

  private fileOf(file: string): CachedFile {
    let f = this.files.get(file);
    if (!f) this.files.set(file, (f = { chunks: new Map(), seen: new Set(), pieces: [] }));
    return f;
  }

  private entry(file: string, text: string): CachedChunk {
    const f = this.fileOf(file);
    f.seen.add(text);
    let e = f.chunks.get(text);
    if (!e) f.chunks.set(text, (e = { parsed: parseChunk(text) }));
    return e;
  }
}

interface CachedChunk {
  parsed: ParsedDocument[];
  lines?: number;
}

interface CachedFile {
  chunks: Map<string, CachedChunk>;
  seen: Set<string>;
  /** The text of the last parse and its pieces (splitDocuments of it). */
  body?: string;
  pieces: string[];
}

/**
 * The length of the longest common run (≤ max) given `same(i, n)`: are the n characters from offset i equal? Compares
 * 4 KiB blocks (string equality is a memory compare) before single characters: a character loop over 1 MB costs ~10 ms.
 */
function commonLength(max: number, same: (i: number, n: number) => boolean): number {
  let n = 0;
  for (let block = 4096; block >= 1; block = block === 1 ? 0 : Math.max(1, block >> 4)) while (n + block <= max && same(n, block)) n += block;
  return n;
}

/**
 * splitDocuments(body), given the pieces of an earlier text: pieces wholly inside the common prefix or suffix (with
 * the marker that begins or ends them, and the line break before a suffix piece) are the same in both texts, so they
 * are kept as they are and only the text between them is split again.
 */
function resplit(before: string, pieces: string[], body: string): string[] {
  const max = Math.min(before.length, body.length);
  const prefix = commonLength(max, (i, n) => before.slice(i, i + n) === body.slice(i, i + n));
  const suffix = commonLength(max - prefix, (i, n) => before.slice(before.length - i - n, before.length - i) === body.slice(body.length - i - n, body.length - i));
  const head: string[] = [];
  let start = 0;
  let i = 0;
  // A marker is `---` plus one character of lookahead: four characters past a piece's end must be common too.
  for (; i < pieces.length && start + pieces[i].length + 4 <= prefix; i++) {
    head.push(pieces[i]);
    start += pieces[i].length;
  }
  const tail: string[] = [];
  let end = before.length;
  for (let j = pieces.length - 1; j >= i; j--) {
    const pieceStart = end - pieces[j].length;
    if (pieceStart - 1 < before.length - suffix || pieceStart <= start) break;
    tail.unshift(pieces[j]);
    end = pieceStart;
  }
  const middle = body.slice(start, end + body.length - before.length);
  return [...head, ...(middle === '' && head.length + tail.length > 0 ? [] : splitDocuments(middle)), ...tail];
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
