// `can`, `matrix` and `trace` over a cluster already in hand — the running instance's current state when `flatnet up`
// answers them for `--server` — with the arguments, output and exit codes of the offline verbs (can.ts, matrix.ts,
// trace.ts), and the argument schema the API checks a request against.
//
// The verbs themselves run on a cluster in hand (canOnCluster, matrixOnCluster, traceOnCluster); this file adds the
// request schema and the dispatch.

import type { ClusterConfig } from '../../core/cluster-config.js';
import type { KubeObject } from '../../core/types.js';
import { canOnCluster, type CanOptions } from './can.js';
import type { CliIO } from './io.js';
import { matrixOnCluster, type MatrixOptions } from './matrix.js';
import { traceOnCluster, type TraceArgs } from './trace.js';

/** The cluster a query runs on: its objects (with their IPs, nodes and podCIDRs) and its ClusterConfig. */
export interface QueryCluster {
  objects: KubeObject[];
  config: ClusterConfig;
}

export type CanQuery = Omit<CanOptions, 'filename'> & { from: string; to: string };
export type MatrixQuery = Omit<MatrixOptions, 'filename'>;
export type TraceQuery = Omit<TraceArgs, 'filename'>;

export interface QueryArgs {
  can: CanQuery;
  matrix: MatrixQuery;
  trace: TraceQuery;
}

export type QueryVerb = keyof QueryArgs;

type FieldType = 'string' | 'boolean';

/** Each verb's arguments: the field names of the offline verb's options, their JSON types, and which are required. */
export const QUERY_SCHEMAS: Record<QueryVerb, { fields: Record<string, FieldType>; required: string[] }> = {
  can: { fields: { from: 'string', to: 'string', port: 'string', protocol: 'string', namespace: 'string', output: 'string' }, required: ['from', 'to', 'port'] },
  matrix: { fields: { namespace: 'string', allNamespaces: 'boolean', output: 'string', port: 'string', protocol: 'string' }, required: [] },
  trace: {
    fields: { from: 'string', target: 'string', port: 'string', protocol: 'string', namespace: 'string', output: 'string', seed: 'string', entryNode: 'string', resolver: 'string' },
    required: ['from', 'target'],
  },
};

export const QUERY_VERBS = Object.keys(QUERY_SCHEMAS) as QueryVerb[];

/**
 * Checks a request body against a verb's schema; returns one message per problem (a number is taken for a string
 * field, as `"port": 8080` means `--port 8080`). An empty list means the body is the verb's arguments.
 */
export function queryProblems(verb: QueryVerb, body: unknown): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ['the request body must be a JSON object of the arguments'];
  const { fields, required } = QUERY_SCHEMAS[verb];
  const problems: string[] = [];
  for (const [k, v] of Object.entries(body)) {
    const want = fields[k];
    if (want === undefined) problems.push(`unknown field "${k}" (${verb} takes ${Object.keys(fields).join(', ')})`);
    else if (v !== null && typeof v !== want && !(want === 'string' && typeof v === 'number')) problems.push(`${k}: must be a ${want}`);
  }
  for (const k of required) if ((body as Record<string, unknown>)[k] === undefined || (body as Record<string, unknown>)[k] === null) problems.push(`${k}: required`);
  return problems;
}

/** The body after queryProblems passed: numbers as strings, nulls dropped. */
export function normalizeQuery<V extends QueryVerb>(verb: V, body: Record<string, unknown>): QueryArgs[V] {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (v !== null && v !== undefined) out[k] = typeof v === 'number' ? String(v) : v;
  return out as unknown as QueryArgs[V];
}


/** Runs one verb on `cluster`, writing to `io`; returns the exit code. Throws UsageError for bad arguments (exit 2). */
export async function runClusterQuery<V extends QueryVerb>(verb: V, args: QueryArgs[V], cluster: QueryCluster, io: CliIO): Promise<number> {
  switch (verb) {
    case 'can':
      return canOnCluster(cluster, args as CanQuery, io);
    case 'matrix':
      return matrixOnCluster(cluster, args as MatrixQuery, io);
    default:
      return traceOnCluster(cluster, args as TraceQuery, io);
  }
}
