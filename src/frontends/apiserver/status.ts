// Errors as the Kubernetes API returns them: a meta/v1 Status with reason, code, details and the message text of
// k8s.io/apimachinery/pkg/api/errors/errors.go, which kubectl prints as `Error from server (<reason>): <message>`.

import { fieldErrorMessage, FieldErrorType, formatProblem, Problem } from '../../core/errors.js';
import type { ResourceType } from '../../core/resources.js';

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A request that ends in a Status; thrown by handlers, answered by the server. */
export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
    this.name = 'ApiError';
  }
  get code(): number {
    return this.status.code;
  }
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): ApiError {
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
}

/** `deployments.apps`, `pods`: schema.GroupResource.String(), how errors name a resource. */
export function qualifiedResource(t: ResourceType): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}

/** `Deployment.apps`, `Pod`: schema.GroupKind.String(), how Invalid errors name a kind. */
function qualifiedKind(t: ResourceType): string {
  return t.group ? `${t.kind}.${t.group}` : t.kind;
}

function resourceDetails(t: ResourceType, name: string): StatusDetails {
  return { name, ...(t.group ? { group: t.group } : {}), kind: t.plural };
}

/** errors.NewNotFound: `pods "x" not found`. */
export function notFound(t: ResourceType, name: string): ApiError {
  return failure(404, 'NotFound', `${qualifiedResource(t)} "${name}" not found`, resourceDetails(t, name));
}

/** A 404 for an object outside the modelled kinds, with the message kube-apiserver gives (e.g. a node's Lease). */
export function objectNotFound(group: string, kind: string, name: string, message: string): ApiError {
  return failure(404, 'NotFound', message, { name, group, kind });
}

/** The answer to a path no handler serves (errors.NewNotFound for an unknown resource, as genericapiserver's 404). */
export function pathNotFound(): ApiError {
  return failure(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** errors.NewAlreadyExists: `pods "x" already exists`. */
export function alreadyExists(t: ResourceType, name: string): ApiError {
  return failure(409, 'AlreadyExists', `${qualifiedResource(t)} "${name}" already exists`, resourceDetails(t, name));
}

/** errors.NewConflict: `Operation cannot be fulfilled on pods "x": <why>`. */
export function conflict(t: ResourceType, name: string, why: string): ApiError {
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(t)} "${name}": ${why}`, resourceDetails(t, name));
}

/** The message of a stale resourceVersion (registry.OptimisticLockErrorMsg). */
export const OPTIMISTIC_LOCK_MESSAGE = 'the object has been modified; please apply your changes to the latest version and try again';

const CAUSE_TYPES: Record<FieldErrorType, string> = {
  Required: 'FieldValueRequired',
  Invalid: 'FieldValueInvalid',
  NotSupported: 'FieldValueNotSupported',
  Duplicate: 'FieldValueDuplicate',
  Forbidden: 'FieldValueForbidden',
  TypeInvalid: 'FieldValueTypeInvalid',
};

/**
 * One problem as a StatusCause: the field path and the same message text the CLI prints after it. A problem of
 * another object than `target` (the one written) keeps that object's name in its message.
 */
function causeOf(p: Problem, target: string | undefined): StatusCause {
  const other = p.object !== undefined && p.object !== target;
  if ('message' in p.error || other) return { ...('type' in p.error ? { reason: CAUSE_TYPES[p.error.type] } : {}), message: formatProblem({ ...(other ? { object: p.object } : {}), error: p.error }) };
  return { reason: CAUSE_TYPES[p.error.type], message: fieldErrorMessage(p.error), field: p.error.field };
}

/**
 * errors.NewInvalid: 422 with one cause per problem; the message is `Service "web" is invalid: <errors>`, the errors
 * joined as utilerrors.Aggregate does (`[a, b]` when there are several). `target` is the written object as problems
 * name it (`Service default/web`).
 */
export function invalid(t: ResourceType, name: string, problems: Problem[], target?: string): ApiError {
  const causes = problems.map((p) => causeOf(p, target));
  const texts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const joined = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  const message = texts.length === 0 ? `${qualifiedKind(t)} "${name}" is invalid` : `${qualifiedKind(t)} "${name}" is invalid: ${joined}`;
  return failure(422, 'Invalid', message, { name, ...(t.group ? { group: t.group } : {}), kind: t.kind, causes });
}

export function badRequest(message: string): ApiError {
  return failure(400, 'BadRequest', message);
}

export function methodNotAllowed(message: string): ApiError {
  return failure(405, 'MethodNotAllowed', message);
}

export function unsupportedMediaType(message: string): ApiError {
  return failure(415, 'UnsupportedMediaType', message);
}

/** What kube-apiserver answers when authentication fails. */
export function unauthorized(): ApiError {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

/** errors.NewResourceExpired: a watch from a resourceVersion older than the kept history. */
export function expired(message: string): ApiError {
  return failure(410, 'Expired', message);
}

/** A route flatnet does not serve yet: 501 with a message saying what is missing and what to use instead. */
export function notImplemented(message: string): ApiError {
  return failure(501, 'NotImplemented', message);
}

export function internalError(message: string): ApiError {
  return failure(500, 'InternalError', `Internal error occurred: ${message}`);
}

/** The Success Status some deletes answer with (metav1.Status with details of the deleted object). */
export function success(t: ResourceType, name: string, uid?: string): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { ...resourceDetails(t, name), ...(uid ? { uid } : {}) }, code: 200 };
}
