// Typed errors: field errors in Kubernetes' own wording, and the aggregate a whole input fails with.
// Wording follows k8s.io/apimachinery/pkg/util/validation/field/errors.go so messages read like a real API server's.

/** Where a document came from: a file (or "<stdin>") and its 1-based position in a multi-document stream. */
export interface SourceRef {
  file: string;
  doc: number;
  line?: number;
}

export type FieldErrorType = 'Required' | 'Invalid' | 'NotSupported' | 'Duplicate' | 'Forbidden' | 'TypeInvalid';

/** One problem with one field of one object. */
export interface FieldError {
  type: FieldErrorType;
  field: string; // path like spec.ports[0].port
  value?: unknown;
  detail?: string;
}

/** Formats a value the way Go's %#v-ish field errors do: strings quoted, the rest as JSON. */
export function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'null';
  return JSON.stringify(v);
}

/** The message part of a field error, e.g. `Invalid value: 70000: must be between 1 and 65535, inclusive`. */
export function fieldErrorMessage(e: FieldError): string {
  switch (e.type) {
    case 'Required':
      return e.detail ? `Required value: ${e.detail}` : 'Required value';
    case 'Forbidden':
      return e.detail ? `Forbidden: ${e.detail}` : 'Forbidden';
    case 'Duplicate':
      return `Duplicate value: ${formatValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
    case 'NotSupported':
      return `Unsupported value: ${formatValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
    case 'TypeInvalid':
      return `Invalid value: ${formatValue(e.value)}: ${e.detail ?? 'wrong type'}`;
    case 'Invalid':
      return `Invalid value: ${formatValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
  }
}

export function required(field: string, detail?: string): FieldError {
  return { type: 'Required', field, detail };
}
export function invalid(field: string, value: unknown, detail: string): FieldError {
  return { type: 'Invalid', field, value, detail };
}
export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  return { type: 'NotSupported', field, value, detail: `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` };
}
export function typeInvalid(field: string, value: unknown, want: string): FieldError {
  return { type: 'TypeInvalid', field, value, detail: `must be of type ${want}` };
}
export function duplicate(field: string, value: unknown, detail?: string): FieldError {
  return { type: 'Duplicate', field, value, detail };
}
export function forbidden(field: string, detail: string): FieldError {
  return { type: 'Forbidden', field, detail };
}

/** One problem in the user's input, located as precisely as it can be. */
export interface Problem {
  source?: SourceRef;
  object?: string; // "Service default/web"
  error: FieldError | { message: string };
}

/** The one-line text of a problem: `web.yaml doc 2: Service default/web: spec.ports[0].port: Invalid value: ...`. */
export function formatProblem(p: Problem): string {
  const parts: string[] = [];
  if (p.source) parts.push(`${p.source.file} doc ${p.source.doc}${p.source.line ? ` (line ${p.source.line})` : ''}`);
  if (p.object) parts.push(p.object);
  if ('message' in p.error) parts.push(p.error.message);
  else parts.push(`${p.error.field}: ${fieldErrorMessage(p.error)}`);
  return parts.join(': ');
}

/** Bad user input: every problem found, reported at once; nothing was applied. */
export class InputError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'InputError';
  }
}

export class NotFoundError extends Error {
  constructor(readonly resource: string, readonly objectName: string) {
    super(`${resource} "${objectName}" not found`);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** Describes an object in messages: `Service default/web`, `Node node-1`. */
export function describeObject(kind: string, namespace: string | undefined, name: string): string {
  return namespace ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
}
