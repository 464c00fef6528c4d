// `GET /api/v1/namespaces/NS/pods/NAME/log`: a container's log lines from its emulated workload as text/plain, with
// PodLogOptions (tailLines, timestamps, sinceSeconds, sinceTime, limitBytes, previous) and `follow`, which keeps the
// response open and writes each line as the workload logs it (kubectl-api.md §11).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Problem } from '../../core/errors.js';
import { forbidden, invalid as invalidField } from '../../core/errors.js';
import type { KubeObject } from '../../core/types.js';
import { rfc3339Nano, type LogEntry } from '../../dataplane/sim/workloads/pod-logs.js';
import { PodViews, queryFlag, validateContainer } from './pod-runtime.js';
import { badRequest, invalid, methodNotAllowed } from './status.js';
import type { SubresourceContext, SubresourceHandler } from './subresources.js';

/** PodLogOptions as the query carries them. */
export interface PodLogOptions {
  container: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: Date;
  limitBytes?: number;
}

/** An integer query parameter; a value that is not one is a 400, as the parameter codec's conversion error is. */
function intParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`${name}: invalid value "${v}": must be an integer`);
  return Number(v);
}

/**
 * The options of a log request, checked as ValidatePodLogOptions does (pkg/apis/core/validation/validation.go):
 * every problem at once, as a 422 `PodLogOptions "<pod>" is invalid`.
 */
export function podLogOptions(ctx: SubresourceContext): PodLogOptions {
  const q = ctx.query;
  const container = validateContainer(ctx.object, q.get('container')).name;
  const tailLines = intParam(q, 'tailLines');
  const sinceSeconds = intParam(q, 'sinceSeconds');
  const limitBytes = intParam(q, 'limitBytes');
  const sinceText = q.get('sinceTime');
  let sinceTime: Date | undefined;
  if (sinceText) {
    const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(sinceText) ? Date.parse(sinceText) : NaN;
    if (Number.isNaN(ms)) throw badRequest(`sinceTime: invalid value "${sinceText}": must be an RFC 3339 time, such as 2006-01-02T15:04:05Z`);
    sinceTime = new Date(ms);
  }
  const problems: Problem[] = [];
  if (tailLines !== undefined && tailLines < 0) problems.push({ error: invalidField('tailLines', tailLines, 'must be greater than or equal to 0') });
  if (limitBytes !== undefined && limitBytes < 1) problems.push({ error: invalidField('limitBytes', limitBytes, 'must be greater than 0') });
  if (sinceSeconds !== undefined && sinceTime !== undefined) problems.push({ error: forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified') });
  else if (sinceSeconds !== undefined && sinceSeconds < 1) problems.push({ error: invalidField('sinceSeconds', sinceSeconds, 'must be greater than 0') });
  if (problems.length > 0) throw invalid({ ...ctx.type, kind: 'PodLogOptions' }, ctx.object.metadata.name, problems);
  return {
    container,
    follow: queryFlag(q, 'follow'),
    previous: queryFlag(q, 'previous'),
    timestamps: queryFlag(q, 'timestamps'),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
    ...(sinceTime ? { sinceTime } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
  };
}

interface ContainerStatusView {
  name: string;
  state?: { waiting?: { reason?: string }; running?: unknown; terminated?: unknown };
  lastState?: { terminated?: unknown };
}

/**
 * The kubelet's answer for a container it has no log of (pkg/kubelet/kubelet_pods.go validateContainerLogStatus),
 * which kubectl shows as `Error from server (BadRequest): <message>`.
 */
function checkLogStatus(pod: KubeObject, container: string, previous: boolean): void {
  const podName = pod.metadata.name;
  const status = ((pod.status?.containerStatuses ?? []) as ContainerStatusView[]).find((s) => s.name === container);
  if (!status) throw badRequest(`container "${container}" in pod "${podName}" is not available`);
  // The model's containers never restart (restartCount 0, an empty lastState), so there is never a previous instance.
  if (previous) throw badRequest(`previous terminated container "${container}" in pod "${podName}" not found`);
  const waiting = status.state?.waiting;
  if (waiting && !status.state?.running && !status.state?.terminated) throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${waiting.reason ?? ''}`);
}

/** One line as the kubelet writes it: the runtime's RFC 3339 (nano) timestamp first with `timestamps`. */
function lineOf(e: LogEntry, timestamps: boolean): string {
  return `${timestamps ? `${rfc3339Nano(e.time)} ` : ''}${e.line}\n`;
}

/** Cuts output at limitBytes across writes, as the kubelet's LimitWriter does (mid-line if need be). */
class ByteLimit {
  private left: number;
  constructor(limit: number | undefined) {
    this.left = limit ?? Infinity;
  }
  get reached(): boolean {
    return this.left <= 0;
  }
  take(text: string): Buffer {
    const b = Buffer.from(text);
    const out = b.length <= this.left ? b : b.subarray(0, this.left);
    this.left -= out.length;
    return out;
  }
}

/** The handler of pods/<name>/log, and the function that ends the open `follow` streams. */
export interface PodLogHandler {
  handler: SubresourceHandler;
  close(): void;
}

/** `pods/<name>/log` over `views`' workloads. */
export function podLogHandler(views: PodViews): PodLogHandler {
  const following = new Set<ServerResponse>();

  const request = (ctx: SubresourceContext, req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET') throw methodNotAllowed(`${req.method} is not supported on pods/log; use GET`);
    const opts = podLogOptions(ctx);
    const pod = ctx.object;
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name;
    // A pod not yet on a node has no log location: kube-apiserver answers an empty body (pod/rest/log.go).
    if (!pod.spec?.nodeName) {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 0 });
      res.end();
      return;
    }
    checkLogStatus(pod, opts.container, opts.previous);
    const logs = views.logs(ns, name);
    const now = views.clock.now();
    const since = opts.sinceTime ?? (opts.sinceSeconds !== undefined ? new Date(now.getTime() - opts.sinceSeconds * 1000) : undefined);
    let kept = (logs?.entries(opts.container) ?? []).filter((e) => !since || e.time.getTime() >= since.getTime());
    if (opts.tailLines !== undefined) kept = opts.tailLines === 0 ? [] : kept.slice(-opts.tailLines);
    const limit = new ByteLimit(opts.limitBytes);
    const body = limit.take(kept.map((e) => lineOf(e, opts.timestamps)).join(''));
    if (!opts.follow || !logs || limit.reached) {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
      res.end(body);
      return;
    }
    // Streamed: headers flushed at once, or client-go waits for them (kubectl-api.md §13 item 1).
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    if (body.length > 0) res.write(body);
    following.add(res);
    const uid = pod.metadata.uid;
    const stop = logs.subscribe((e) => {
      if (e.container !== opts.container || res.writableEnded) return;
      res.write(limit.take(lineOf(e, opts.timestamps)));
      if (limit.reached) res.end();
    });
    // A follow ends when the container does: the pod deleted or replaced, or its workloads restarted with a new spec.
    // Checked after the data plane has taken the change (LiveDataPlane updates in a microtask).
    const unwatch = views.manager.store.subscribe(() =>
      setImmediate(() => {
        if (res.writableEnded) return;
        const current = views.manager.store.get('Pod', ns, name);
        if (current?.metadata.uid !== uid || views.logs(ns, name) !== logs) res.end();
      }),
    );
    // The response's close, not the request's: the request closes as soon as its empty body is read (§13 item 2).
    res.on('close', () => {
      stop();
      unwatch();
      following.delete(res);
    });
  };

  return {
    handler: { request },
    close: () => {
      for (const res of following) res.end();
      following.clear();
    },
  };
}
