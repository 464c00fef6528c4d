// flatnet's own queries on the API port of `flatnet up`, under /apis/flatnet.dev/v1alpha1/ and behind the same bearer
// token: `can`, `matrix` and `trace` (POST the verb's arguments as JSON; the answer is the verb's output and exit code,
// computed on the instance's current state), and `flows` (GET the flow log as JSON lines, filtered like `hubble
// observe`, `?follow=true` streaming each new flow as it is recorded).
//
// The group is deliberately absent from discovery (/apis, /apis/<group>): kubectl never sees it, so `kubectl
// api-resources`, `get all` and its discovery cache stay exactly as for a cluster without flatnet.
//
// @example
//   POST /apis/flatnet.dev/v1alpha1/can   {"from":"production/deploy/frontend","to":"production/deploy/backend","port":"8080"}
//   → {"apiVersion":"flatnet.dev/v1alpha1","kind":"QueryResult","exitCode":0,"stdout":"ALLOWED …","stderr":""}
//   GET  /apis/flatnet.dev/v1alpha1/flows?namespace=production&verdict=DROPPED&follow=true
//   → {"flow":{…,"verdict":"DROPPED",…},"node_name":"node-1","time":"…"}\n …

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ControllerManager } from '../../controllers/manager.js';
import type { Clock } from '../../core/clock.js';
import { flowJsonLine, type Flow, type FlowLog } from '../../dataplane/flows.js';
import { flowMatches, FlowFilterError, parseFlowFilter, selectFlows } from '../../dataplane/flow-filter.js';
import { normalizeQuery, QUERY_VERBS, queryProblems, runClusterQuery, type QueryVerb } from '../cli/cluster-queries.js';
import { UsageError } from '../cli/load.js';
import { badRequest, methodNotAllowed, notImplemented, pathNotFound, unsupportedMediaType } from './status.js';

export const FLATNET_API_GROUP = 'flatnet.dev';
export const FLATNET_API_VERSION = 'v1alpha1';
export const FLATNET_API_PREFIX = `/apis/${FLATNET_API_GROUP}/${FLATNET_API_VERSION}`;

/** Newline-delimited JSON: one GetFlowsResponse per line, as `hubble observe -o jsonpb` prints them. */
export const FLOWS_CONTENT_TYPE = 'application/x-ndjson';

/** What a query answers: the verb's output and exit code, as the CLI would have printed and returned them. */
export interface QueryResult {
  apiVersion: 'flatnet.dev/v1alpha1';
  kind: 'QueryResult';
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** What `flatnet up` hands the API server besides the store: the flow log its data plane records into. */
export interface FlatnetApiOptions {
  flows?: FlowLog;
}

const MAX_QUERY_BODY = 1024 * 1024;

function readSmallBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_QUERY_BODY) {
        reject(badRequest(`the query body is larger than ${MAX_QUERY_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, code: number, text: string, contentType: string): void {
  const body = Buffer.from(text);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': body.length, 'Cache-Control': 'no-cache, private' });
  res.end(body);
}

/** The handler of /apis/flatnet.dev/v1alpha1/*; errors are thrown as ApiError for the server to answer as a Status. */
export class FlatnetApi {
  private readonly streams = new Set<ServerResponse>();

  constructor(
    private readonly manager: ControllerManager,
    private readonly clock: Clock,
    private readonly opts: FlatnetApiOptions = {},
  ) {}

  /** Whether `path` (without a trailing slash) is under this API. */
  handles(path: string): boolean {
    return path === FLATNET_API_PREFIX || path.startsWith(`${FLATNET_API_PREFIX}/`);
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    const name = path.slice(FLATNET_API_PREFIX.length + 1);
    const method = req.method ?? 'GET';
    if (name === 'flows') {
      if (method !== 'GET') throw methodNotAllowed(`${method} is not supported on flows; use GET`);
      return this.flows(res, query);
    }
    if ((QUERY_VERBS as string[]).includes(name)) {
      if (method !== 'POST') throw methodNotAllowed(`${method} is not supported on ${name}; POST the arguments as JSON`);
      return this.query(name as QueryVerb, req, res);
    }
    throw pathNotFound();
  }

  private async query(verb: QueryVerb, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const type = req.headers['content-type'];
    if (type !== undefined && !/^application\/json\b/i.test(type)) throw unsupportedMediaType(`the body of ${verb} must be application/json, not ${type}`);
    const text = await readSmallBody(req);
    let body: unknown;
    try {
      body = text.trim() === '' ? {} : JSON.parse(text);
    } catch (e) {
      throw badRequest(`${verb}: the body is not JSON: ${(e as Error).message}`);
    }
    const problems = queryProblems(verb, body);
    if (problems.length > 0) throw badRequest(`${verb}: ${problems.join('; ')}`);
    const cluster = this.manager.cluster;
    if (!cluster) throw notImplemented('the cluster is not built yet');
    let stdout = '';
    let stderr = '';
    const io = {
      stdout: (s: string) => void (stdout += s),
      stderr: (s: string) => void (stderr += s),
      readStdin: async () => '',
      clock: this.clock,
    };
    let exitCode: number;
    try {
      // The store's objects, not the last build's: they carry the resourceVersions and everything written since.
      exitCode = await runClusterQuery(verb, normalizeQuery(verb, body as Record<string, unknown>), { objects: this.manager.store.all(), config: cluster.config }, io);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      stderr += `error: ${e.message}\n`;
      exitCode = 2;
    }
    const result: QueryResult = { apiVersion: `${FLATNET_API_GROUP}/${FLATNET_API_VERSION}`, kind: 'QueryResult', exitCode, stdout, stderr };
    send(res, 200, JSON.stringify(result), 'application/json');
  }

  private flows(res: ServerResponse, query: URLSearchParams): void {
    const log = this.opts.flows;
    if (!log) throw notImplemented('flows: this API server was started without a flow log (flatnet up passes its own)');
    const param = (k: string) => query.get(k) ?? undefined;
    let filter;
    try {
      filter = parseFlowFilter({ namespace: param('namespace'), pod: param('pod'), verdict: param('verdict'), since: param('since'), last: param('last') }, this.clock.now());
    } catch (e) {
      if (e instanceof FlowFilterError) throw badRequest(`flows: ${e.message}`);
      throw e;
    }
    const follow = query.get('follow') === 'true' || query.get('follow') === '1';
    const kept = selectFlows(log.flows(), filter).map(flowJsonLine).join('');
    if (!follow) return send(res, 200, kept, FLOWS_CONTENT_TYPE);
    res.writeHead(200, { 'Content-Type': FLOWS_CONTENT_TYPE, 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    if (kept) res.write(kept);
    // Subscribed in the same turn as the snapshot above, so no flow falls between the two.
    const stop = log.subscribe((f: Flow) => {
      if (!res.writableEnded && flowMatches(f, filter)) res.write(flowJsonLine(f));
    });
    this.streams.add(res);
    res.on('close', () => {
      stop();
      this.streams.delete(res);
    });
  }

  /** Ends every --follow stream (the server is shutting down). */
  close(): void {
    for (const res of this.streams) res.end();
    this.streams.clear();
  }
}

