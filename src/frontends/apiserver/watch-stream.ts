// One watch response: chunked newline-delimited JSON events with the headers flushed at once, plain objects or
// one-row Tables (`kubectl get -w`), ended by timeoutSeconds or by the client (kubectl-api.md §5, §13).

import type { ServerResponse } from 'node:http';
import type { Clock } from '../../core/clock.js';
import { apiVersionOf } from '../../core/resources.js';
import type { ObjectStore } from '../../core/store.js';
import type { KubeObject } from '../../core/types.js';
import { objectJson } from './object-json.js';
import { filterOf, includeObjectOf, tableBody } from './reads.js';
import type { ResourceRequest } from './routes.js';
import { ApiError, badRequest } from './status.js';
import type { WatchEvent, WatchHub } from './watch-hub.js';

export const TABLE_CONTENT_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

export interface WatchStreamOptions {
  hub: WatchHub;
  store: ObjectStore;
  clock: Clock;
  /** Called when the stream ends, whoever ends it. */
  onEnd?: () => void;
}

function resourceVersionOf(query: URLSearchParams): number | undefined {
  const v = query.get('resourceVersion');
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw badRequest(`resourceVersion: Invalid value: "${v}": must be a non-negative integer`);
  return Number(v);
}

/**
 * Serves a watch on `res`. Validation errors (a bad selector or resourceVersion) are thrown before anything is
 * written; a resourceVersion older than the kept history ends the stream with an ERROR event carrying a 410 Expired
 * Status, as the watch cache does. `sendInitialEvents=true` ends the initial ADDED events with the bookmark that
 * marks their end (k8s.io/apiserver watch-list, annotation k8s.io/initial-events-end).
 */
export function serveWatch(res: ServerResponse, req: ResourceRequest, query: URLSearchParams, table: boolean, opts: WatchStreamOptions): void {
  const filter = filterOf(req, query);
  const include = includeObjectOf(query);
  const initialEvents = query.get('sendInitialEvents') === 'true';
  const from = initialEvents ? undefined : resourceVersionOf(query);
  const timeoutSeconds = query.get('timeoutSeconds');
  res.writeHead(200, { 'Content-Type': table ? TABLE_CONTENT_TYPE : 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  const encode = (e: WatchEvent): string => {
    if (!table) return `{"type":"${e.type}","object":${objectJson(e.object)}}\n`;
    return `${JSON.stringify({ type: e.type, object: tableBody(req.type, [e.object], opts.clock.now(), include, e.object.metadata.resourceVersion ?? '') })}\n`;
  };
  const send = (events: WatchEvent[]) => {
    if (!res.writableEnded) res.write(events.map(encode).join(''));
  };
  let stop: (() => void) | undefined;
  try {
    stop = opts.hub.watch(filter, from, send);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    res.end(`${JSON.stringify({ type: 'ERROR', object: e.status })}\n`);
    opts.onEnd?.();
    return;
  }
  if (initialEvents) {
    const bookmark: KubeObject = {
      kind: req.type.kind,
      apiVersion: apiVersionOf(req.type),
      metadata: { name: '', resourceVersion: String(opts.store.resourceVersion), annotations: { 'k8s.io/initial-events-end': 'true' } },
    };
    delete (bookmark.metadata as Partial<KubeObject['metadata']>).name;
    res.write(`${JSON.stringify({ type: 'BOOKMARK', object: bookmark })}\n`);
  }
  const timer = timeoutSeconds && Number(timeoutSeconds) > 0 ? setTimeout(() => res.end(), Number(timeoutSeconds) * 1000) : undefined;
  // `close` of the response, not of the request: on Node >= 16 the request closes as soon as its empty body is read (§13).
  res.on('close', () => {
    stop?.();
    clearTimeout(timer);
    opts.onEnd?.();
  });
}
