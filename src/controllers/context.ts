// What every controller reads during one reconcile: the config, the clock, the previous state, and where
// problems and warnings go.

import type { ClusterConfig } from '../core/cluster-config.js';
import type { Clock } from '../core/clock.js';
import { rfc3339 } from '../core/clock.js';
import { describeObject, FieldError, Problem, SourceRef } from '../core/errors.js';
import { keyOf } from '../core/objects.js';
import type { KubeObject } from '../core/types.js';

export interface ReconcileContext {
  config: ClusterConfig;
  now: string;
  /** The state of the previous reconcile, by object key; allocations found there are kept. */
  previous: ReadonlyMap<string, KubeObject>;
  /** Where each of the user's objects came from, by object key. */
  sources: ReadonlyMap<string, SourceRef>;
  problems: Problem[];
  warnings: string[];
}

export function newContext(config: ClusterConfig, clock: Clock, previous: ReadonlyMap<string, KubeObject>, sources: ReadonlyMap<string, SourceRef>): ReconcileContext {
  return { config, now: rfc3339(clock.now()), previous, sources, problems: [], warnings: [] };
}

/** Records a field error against an object, located at the document it came from when it is the user's. */
export function reportFieldError(ctx: ReconcileContext, o: KubeObject, error: FieldError): void {
  ctx.problems.push({ source: ctx.sources.get(keyOf(o)), object: describeObject(o.kind, o.metadata.namespace, o.metadata.name), error });
}

/** The previous version of an object, if the last reconcile had it. */
export function previousOf(ctx: ReconcileContext, o: KubeObject): KubeObject | undefined {
  return ctx.previous.get(keyOf(o));
}
