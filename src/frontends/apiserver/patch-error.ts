// PatchError: a patch kube-apiserver refuses, with the HTTP code, Status reason and message its PATCH handler
// (k8s.io/apiserver/pkg/endpoints/handlers/patch.go) answers with, and Go-style value formatting for the messages of
// k8s.io/apimachinery/pkg/util/mergepatch/errors.go that embed values.

/** The Status reason kube-apiserver gives a failed patch; `''` is metav1.StatusReasonUnknown. */
export type PatchErrorReason = 'BadRequest' | 'Invalid' | 'RequestEntityTooLarge' | '';

/**
 * A patch that cannot be applied. `message` is what the Status carries; `detail` is the patch library's own text,
 * which kube-apiserver hides behind a generic message for 422s.
 */
export class PatchError extends Error {
  readonly detail: string;
  constructor(
    readonly code: 400 | 413 | 422 | 500,
    readonly reason: PatchErrorReason,
    message: string,
    detail?: string,
  ) {
    super(message);
    this.name = 'PatchError';
    this.detail = detail ?? message;
  }
}

/** errors.NewBadRequest(text): 400, the text as the message. */
export function patchBadRequest(text: string): PatchError {
  return new PatchError(400, 'BadRequest', text);
}

/**
 * errors.NewGenericServerResponse(422, …): the Status message is the generic sentence below, not the library's text
 * (kubectl prints `The request is invalid: the server rejected our request due to an error in our request`).
 */
export function patchUnprocessable(detail: string): PatchError {
  return new PatchError(422, 'Invalid', 'the server rejected our request due to an error in our request', detail);
}

/** A plain Go error that reaches responsewriters.ErrorToAPIStatus: 500, reason unknown, the error text as message. */
export function patchInternal(text: string): PatchError {
  return new PatchError(500, '', text);
}

/** errors.NewRequestEntityTooLargeError. */
export function patchTooLarge(text: string): PatchError {
  return new PatchError(413, 'RequestEntityTooLarge', `Request entity too large: ${text}`, text);
}

export type JsonMap = Record<string, unknown>;

export function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Sets a key as an own property, even `__proto__` (which plain assignment would treat as the prototype). */
export function put(obj: JsonMap, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

/** A deep copy of a JSON value. */
export function cloneJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneJson);
  if (isMap(v)) {
    const out: JsonMap = {};
    for (const [k, x] of Object.entries(v)) put(out, k, cloneJson(x));
    return out;
  }
  return v;
}

/** The JSON type name encoding/json's UnmarshalTypeError uses: object, array, string, number, bool. */
export function jsonTypeName(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (isMap(v)) return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/** reflect.TypeOf(v) as %s prints it, for a value decoded by kube-apiserver (integers are int64). */
export function goType(v: unknown): string {
  if (v === null || v === undefined) return '%!s(<nil>)';
  if (Array.isArray(v)) return '[]interface {}';
  if (isMap(v)) return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

/** A value as Go's %v prints a decoded JSON value: `map[k:v …]` with sorted keys, `[a b]`, `<nil>`. */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (isMap(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goValue(v[k])}`).join(' ')}]`;
  }
  if (typeof v === 'number' && !Number.isInteger(v)) return String(v).replace(/e([+-])(\d)$/, 'e$10$2');
  return String(v);
}
