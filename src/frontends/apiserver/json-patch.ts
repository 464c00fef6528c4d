// JSON Patch (RFC 6902, `application/json-patch+json`: `kubectl patch --type json`) as kube-apiserver applies it:
// gopkg.in/evanphx/json-patch.v4 Patch.Apply, called from k8s.io/apiserver/pkg/endpoints/handlers/patch.go, with
// that library's quirks where they differ from the RFC.

import { cloneJson, isMap, JsonMap, jsonTypeName, patchBadRequest, patchTooLarge, patchUnprocessable, put } from './patch-error.js';

/** patch.go maxJSONPatchOperations. */
const MAX_OPERATIONS = 10000;
/** The default of kube-apiserver's JSONPatchMaxCopyBytes (k8s.io/apiserver/pkg/server/config.go). */
const MAX_COPY_BYTES = 3 * 1024 * 1024;

type Container = JsonMap | unknown[];
type Operation = JsonMap;

/** A failure inside the library: kube-apiserver answers every one with the same 422. */
class OpFailure extends Error {}

const MISSING = 'missing value';

/**
 * Applies RFC 6902 operations in order and returns the patched copy; the input is not modified. A malformed
 * operation list is a 400; an operation that does not apply (a failed `test`, a missing path, a bad index) is a 422
 * whose Status message is kube-apiserver's generic one, with the library's reason in PatchError.detail.
 *
 * Library behaviour kept: `replace` of a missing object member adds it, `test` of a missing member against `null`
 * passes, `copy` from a missing member copies `null`, negative array indices count from the end, and the root
 * (path `""`) can be replaced and tested but not added to or removed.
 *
 * @example
 * jsonPatch({ spec: { replicas: 1 } }, [
 *   { op: 'test', path: '/spec/replicas', value: 1 },
 *   { op: 'replace', path: '/spec/replicas', value: 3 },
 * ]); // → { spec: { replicas: 3 } }
 */
export function jsonPatch(original: unknown, ops: unknown): unknown {
  if (ops === null) return cloneJson(original);
  if (!Array.isArray(ops)) throw patchBadRequest(`json: cannot unmarshal ${jsonTypeName(ops)} into Go value of type jsonpatch.Patch`);
  for (const op of ops) {
    if (op !== null && !isMap(op)) throw patchBadRequest(`json: cannot unmarshal ${jsonTypeName(op)} into Go value of type jsonpatch.Operation`);
  }
  if (ops.length > MAX_OPERATIONS) {
    throw patchTooLarge(`The allowed maximum operations in a JSON patch is ${MAX_OPERATIONS}, got ${ops.length}`);
  }
  const doc = cloneJson(original);
  if (!isMap(doc) && !Array.isArray(doc)) throw patchUnprocessable(`json: cannot unmarshal ${jsonTypeName(doc)} into Go value of type jsonpatch.partialDoc`);
  const state = { root: doc as Container, copied: 0 };
  try {
    for (const op of ops as (Operation | null)[]) applyOne(state, op ?? {});
  } catch (e) {
    if (e instanceof OpFailure) throw patchUnprocessable(e.message);
    throw e;
  }
  return state.root;
}

interface State {
  root: Container;
  copied: number;
}

function applyOne(state: State, op: Operation): void {
  const kind = typeof op.op === 'string' ? op.op : 'unknown';
  switch (kind) {
    case 'add':
      return add(state, op);
    case 'remove':
      return remove(state, op);
    case 'replace':
      return replace(state, op);
    case 'move':
      return move(state, op);
    case 'test':
      return test(state, op);
    case 'copy':
      return copy(state, op);
    default:
      throw new OpFailure(`Unexpected kind: ${kind}`);
  }
}

/** Operation.Path / From: the string, or the reason it cannot be read. */
function pointer(op: Operation, field: 'path' | 'from'): string | { error: string } {
  const v = op[field];
  if (v === undefined || v === null) {
    return { error: field === 'path' ? `operation missing path field: ${MISSING}` : `operation, missing from field: ${MISSING}` };
  }
  if (typeof v !== 'string') return { error: `json: cannot unmarshal ${jsonTypeName(v)} into Go value of type string` };
  return v;
}

function requirePointer(op: Operation, field: 'path' | 'from', wrap: (reason: string) => string): string {
  const p = pointer(op, field);
  if (typeof p !== 'string') throw new OpFailure(wrap(p.error));
  return p;
}

/** RFC 6901 unescaping, one pass: `~1` → `/`, `~0` → `~`. */
function decodeKey(k: string): string {
  return k.replace(/~[01]/g, (m) => (m === '~1' ? '/' : '~'));
}

/** strconv.Atoi, with its error text. */
function atoi(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new OpFailure(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) throw new OpFailure(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return Number(n);
}

function invalidIndex(idx: number): OpFailure {
  return new OpFailure(`Unable to access invalid index: ${idx}: invalid index referenced`);
}

/** A member or element; `undefined` both when absent and when JSON null (the library holds both as a nil node). */
function get(con: Container, key: string): unknown {
  if (!Array.isArray(con)) return Object.hasOwn(con, key) && con[key] !== null ? con[key] : undefined;
  let idx = atoi(key);
  if (idx < 0) {
    if (idx < -con.length) throw invalidIndex(idx);
    idx += con.length;
  }
  if (idx >= con.length) throw invalidIndex(idx);
  return con[idx] === null ? undefined : con[idx];
}

function addTo(con: Container, key: string, value: unknown): void {
  if (!Array.isArray(con)) return put(con, key, value);
  if (key === '-') {
    con.push(value);
    return;
  }
  let idx: number;
  try {
    idx = atoi(key);
  } catch (e) {
    throw new OpFailure(`value was not a proper array index: '${key}': ${(e as Error).message}`);
  }
  const size = con.length + 1;
  if (idx >= size) throw invalidIndex(idx);
  if (idx < 0) {
    if (idx < -size) throw invalidIndex(idx);
    idx += size;
  }
  con.splice(idx, 0, value);
}

/** partialArray.set / partialDoc.set: replaces an element the caller has checked exists, or sets a member. */
function setIn(con: Container, key: string, value: unknown): void {
  if (!Array.isArray(con)) return put(con, key, value);
  let idx = atoi(key);
  if (idx < 0) {
    if (idx < -con.length) throw invalidIndex(idx);
    idx += con.length;
  }
  con[idx] = value;
}

function removeFrom(con: Container, key: string): void {
  if (!Array.isArray(con)) {
    if (!Object.hasOwn(con, key)) throw new OpFailure(`Unable to remove nonexistent key: ${key}: ${MISSING}`);
    delete con[key];
    return;
  }
  let idx = atoi(key);
  if (idx >= con.length) throw invalidIndex(idx);
  if (idx < 0) {
    if (idx < -con.length) throw invalidIndex(idx);
    idx += con.length;
  }
  con.splice(idx, 1);
}

/** findObject: the container holding the pointer's last token, and that token; undefined when it does not exist. */
function findObject(state: State, path: string): { con: Container; key: string } | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  let doc: Container = state.root;
  for (const part of split.slice(1, -1)) {
    let next: unknown;
    try {
      next = get(doc, decodeKey(part));
    } catch {
      return undefined;
    }
    if (!isMap(next) && !Array.isArray(next)) return undefined;
    doc = next;
  }
  return { con: doc, key: decodeKey(split[split.length - 1]) };
}

/** Runs `fn`, prefixing the library failure it throws. */
function wrapped(prefix: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof OpFailure) throw new OpFailure(`${prefix}: ${e.message}`);
    throw e;
  }
}

/** The operation's value; a missing `value` member is a nil node, which the library stores as `null`. */
function valueOf(op: Operation): unknown {
  return Object.hasOwn(op, 'value') ? cloneJson(op.value) : null;
}

function add(state: State, op: Operation): void {
  const path = requirePointer(op, 'path', () => `add operation failed to decode path: ${MISSING}`);
  const at = findObject(state, path);
  if (!at) throw new OpFailure(`add operation does not apply: doc is missing path: "${path}": ${MISSING}`);
  wrapped(`error in add for path: '${path}'`, () => addTo(at.con, at.key, valueOf(op)));
}

function remove(state: State, op: Operation): void {
  const path = requirePointer(op, 'path', () => `remove operation failed to decode path: ${MISSING}`);
  const at = findObject(state, path);
  if (!at) throw new OpFailure(`remove operation does not apply: doc is missing path: "${path}": ${MISSING}`);
  wrapped(`error in remove for path: '${path}'`, () => removeFrom(at.con, at.key));
}

function replace(state: State, op: Operation): void {
  const path = requirePointer(op, 'path', (r) => `replace operation failed to decode path: ${r}`);
  if (path === '') {
    const value = op.value;
    // Go formats the nil error it wraps here as %!w(<nil>).
    if (!isMap(value) && !Array.isArray(value)) throw new OpFailure('replace operation value must be object or array: %!w(<nil>)');
    state.root = cloneJson(value) as Container;
    return;
  }
  const at = findObject(state, path);
  if (!at) throw new OpFailure(`replace operation does not apply: doc is missing path: ${path}: ${MISSING}`);
  try {
    get(at.con, at.key);
  } catch {
    throw new OpFailure(`replace operation does not apply: doc is missing key: ${path}: ${MISSING}`);
  }
  // An object member that is absent is simply set: the library's object get never fails.
  // The library's message for a failed set really says "remove".
  wrapped(`error in remove for path: '${path}'`, () => setIn(at.con, at.key, valueOf(op)));
}

function move(state: State, op: Operation): void {
  const from = requirePointer(op, 'from', (r) => `move operation failed to decode from: ${r}`);
  const src = findObject(state, from);
  if (!src) throw new OpFailure(`move operation does not apply: doc is missing from path: ${from}: ${MISSING}`);
  let value: unknown;
  wrapped(`error in move for path: '${src.key}'`, () => {
    value = get(src.con, src.key);
    removeFrom(src.con, src.key);
  });
  const path = requirePointer(op, 'path', (r) => `move operation failed to decode path: ${r}`);
  const dst = findObject(state, path);
  if (!dst) throw new OpFailure(`move operation does not apply: doc is missing destination path: ${path}: ${MISSING}`);
  wrapped(`error in move for path: '${path}'`, () => addTo(dst.con, dst.key, value === undefined ? null : value));
}

function test(state: State, op: Operation): void {
  const path = requirePointer(op, 'path', (r) => `test operation failed to decode path: ${r}`);
  const failed = new OpFailure(`testing value ${path} failed: test failed`);
  const hasValue = Object.hasOwn(op, 'value');
  if (path === '') {
    if (!hasValue || !jsonEqual(state.root, op.value)) throw failed;
    return;
  }
  const at = findObject(state, path);
  if (!at) throw new OpFailure(`test operation does not apply: is missing path: ${path}: ${MISSING}`);
  let actual: unknown;
  wrapped(`error in test for path: '${path}'`, () => {
    actual = get(at.con, at.key);
  });
  if (actual === undefined) {
    if (!hasValue || op.value === null) return;
    throw failed;
  }
  if (!hasValue || !jsonEqual(actual, op.value)) throw failed;
}

function copy(state: State, op: Operation): void {
  const from = requirePointer(op, 'from', (r) => `copy operation failed to decode from: ${r}`);
  const src = findObject(state, from);
  if (!src) throw new OpFailure(`copy operation does not apply: doc is missing from path: ${from}: ${MISSING}`);
  let value: unknown;
  wrapped(`error in copy for from: '${from}'`, () => {
    value = get(src.con, src.key);
  });
  const path = requirePointer(op, 'path', () => `copy operation failed to decode path: ${MISSING}`);
  const dst = findObject(state, path);
  if (!dst) throw new OpFailure(`copy operation does not apply: doc is missing destination path: ${path}: ${MISSING}`);
  const copied = value === undefined ? null : cloneJson(value);
  if (value !== undefined) state.copied += utf8Length(JSON.stringify(value));
  if (state.copied > MAX_COPY_BYTES) {
    throw new OpFailure(`Unable to complete the copy, the accumulated size increase of copy is ${state.copied}, exceeding the limit ${MAX_COPY_BYTES}`);
  }
  wrapped('error while adding value during copy', () => addTo(dst.con, dst.key, copied));
}

/** Structural equality of two JSON values (lazyNode.equal). */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isMap(a)) {
    if (!isMap(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return a === b;
}

function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}
