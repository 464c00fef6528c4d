// The Kubernetes API server of `flatnet up`: HTTPS with a bearer token, discovery, reads, watches and writes over the
// ControllerManager's store, answering the requests the real kubectl makes (../shared/reference/kubectl-api.md).

import { timingSafeEqual } from 'node:crypto';
import { createServer, Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { ApplyResult, ControllerManager, LayerChange } from '../../controllers/manager.js';
import type { Clock } from '../../core/clock.js';
import type { StoreEvent } from '../../core/store.js';
import { loadOrCreateCredentials, writeKubeconfig } from './credentials.js';
import { FlatnetApi, type FlatnetApiOptions } from './flatnet-api.js';
import { aggregatedContentType, aggregatedDiscovery, aggregatedVersion, legacyCoreVersions, legacyGroup, legacyGroupList, openApiDocument, openApiIndex, resourceList, SCALABLE_KINDS, versionInfo, wantsTable } from './discovery.js';
import { nodeLease, nodeLeaseName } from './node-leases.js';
import { objectJson } from './object-json.js';
import { podStreamHandlers } from './pod-exec.js';
import { podLogHandler } from './pod-log.js';
import { PodViews, type PodRuntime } from './pod-runtime.js';
import { connectInPod, portForwardHandler } from './port-forward.js';
import { filterOf, getObject, includeObjectOf, listJsonOf, listObjects, tableBody } from './reads.js';
import { groupVersionOf, parseResourcePath, ResourceRequest } from './routes.js';
import { ApiError, internalError, methodNotAllowed, objectNotFound, pathNotFound, Status, unauthorized } from './status.js';
import { SubresourceRegistry } from './subresources.js';
import { serveWatch, TABLE_CONTENT_TYPE } from './watch-stream.js';
import { WatchHub } from './watch-hub.js';
import { ApiWriter, WriteAnswer } from './writes.js';

export { SubresourceRegistry } from './subresources.js';
export type { SubresourceContext, SubresourceHandler } from './subresources.js';
export type { PodRuntime } from './pod-runtime.js';

export { DEFAULT_API_ADDRESS, parseApiAddress } from './api-address.js';

/** Where committed writes are made durable; SqliteState satisfies it. */
export interface ApiState {
  save(events: StoreEvent[], resourceVersion: number, layerChanges: LayerChange[]): void;
}

export interface ServeApiOptions {
  /** Where to listen; port 0 picks a free one. */
  address: { host: string; port: number };
  /** The state directory: the kubeconfig is written to `<stateDir>/kubeconfig`, credentials kept in `<stateDir>/apiserver/`. */
  stateDir: string;
  clock: Clock;
  log?: (line: string) => void;
  /** Watch history kept for resuming from a resourceVersion (default watch-hub.ts DEFAULT_HISTORY). */
  historySize?: number;
  /**
   * The running pods `kubectl exec`, `attach` and `logs` use (pod-runtime.ts): `flatnet up` passes its live data plane,
   * so the workloads that log the Ingress and NodePort traffic are the ones exec'd programs reach. Default: a
   * LiveDataPlane of the API server's own.
   */
  pods?: PodRuntime;
  /** flatnet's own queries under /apis/flatnet.dev/v1alpha1 (flatnet-api.ts): can, matrix and trace always; flows with a flow log. */
  flatnet?: FlatnetApiOptions;
}

export interface ServedApi {
  /** `https://127.0.0.1:6443` (the port actually bound). */
  url: string;
  kubeconfigPath: string;
  token: string;
  /** Where `pods/<name>/exec`, `log`, `attach` and `portforward` handlers are registered (501 until they are). */
  subresources: SubresourceRegistry;
  close(): Promise<void>;
}


const MAX_BODY = 64 * 1024 * 1024;

// kube-apiserver's system:public-info-viewer ClusterRole lets unauthenticated clients read these paths; every other
// request needs the token. A token that does not match is 401 on every path (authentication fails before authorization).
const PUBLIC_PATHS = /^\/(version|healthz|livez|readyz)(\/.*)?$/;

function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  sendText(res, code, JSON.stringify(body), contentType);
}

function sendText(res: ServerResponse, code: number, text: string, contentType = 'application/json'): void {
  const body = Buffer.from(text);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': body.length, 'Cache-Control': 'no-cache, private' });
  res.end(body);
}

function sendStatus(res: ServerResponse, s: Status): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, s.code, s);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the request body is too large', reason: 'RequestEntityTooLarge', code: 413 }));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

class ApiHandler {
  readonly hub: WatchHub;
  readonly subresources = new SubresourceRegistry();
  flatnet?: FlatnetApi;
  private readonly writer: ApiWriter;
  private readonly watches = new Set<ServerResponse>();

  constructor(
    private readonly manager: ControllerManager,
    private readonly token: string,
    private readonly clock: Clock,
    private readonly serverAddress: () => string,
    state: ApiState,
    private readonly log: (line: string) => void,
    historySize?: number,
  ) {
    this.hub = new WatchHub(manager.store, historySize);
    const persist = (r: ApplyResult) => state.save(r.events, manager.store.resourceVersion, r.layerChanges);
    this.writer = new ApiWriter({ manager, persist, log });
  }

  authorized(req: IncomingMessage, path: string): boolean {
    const header = req.headers.authorization;
    if (header === undefined) return PUBLIC_PATHS.test(path);
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m) return false;
    const got = Buffer.from(m[1].trim());
    const want = Buffer.from(this.token);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://flatnet');
    try {
      if (!this.authorized(req, url.pathname)) throw unauthorized();
      await this.route(req, res, url);
    } catch (e) {
      if (!(e instanceof ApiError)) this.log(`API: error: ${req.method} ${url.pathname}: ${(e as Error).stack ?? e}`);
      sendStatus(res, e instanceof ApiError ? e.status : internalError((e as Error).message).status);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (this.flatnet?.handles(path)) return this.flatnet.handle(req, res, path, url.searchParams);
    const resource = parseResourcePath(path);
    if (resource) return this.resource(req, res, resource, url.searchParams);
    if (method !== 'GET') throw pathNotFound();
    const lease = nodeLeaseName(path);
    if (lease !== undefined) {
      const node = this.manager.store.get('Node', undefined, lease);
      if (!node) throw objectNotFound('coordination.k8s.io', 'leases', lease, `leases.coordination.k8s.io "${lease}" not found`);
      return sendJson(res, 200, nodeLease(node, this.clock.now()));
    }
    if (PUBLIC_PATHS.test(path) && path !== '/version') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return;
    }
    if (path === '/version') return sendJson(res, 200, versionInfo());
    if (path === '/api' || path === '/apis') {
      const v = aggregatedVersion(req.headers.accept);
      if (v) return sendJson(res, 200, aggregatedDiscovery(path === '/api', v), aggregatedContentType(v));
      return sendJson(res, 200, path === '/api' ? legacyCoreVersions(this.serverAddress()) : legacyGroupList());
    }
    if (path === '/openapi/v3') return sendJson(res, 200, openApiIndex());
    if (path.startsWith('/openapi/v3/')) {
      const doc = openApiDocument(path.slice('/openapi/v3/'.length));
      if (doc) return sendJson(res, 200, doc);
      throw pathNotFound();
    }
    const segments = path.split('/').filter((s) => s !== '');
    const gv = groupVersionOf(segments);
    if (gv && gv.rest.length === 0) {
      const list = resourceList(gv.group, gv.version);
      if (list) return sendJson(res, 200, list);
    }
    if (segments[0] === 'apis' && segments.length === 2) {
      const group = legacyGroup(segments[1]);
      if (group) return sendJson(res, 200, group);
    }
    throw pathNotFound();
  }

  private async resource(req: IncomingMessage, res: ServerResponse, r: ResourceRequest, query: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    const sub = r.subresource;
    if (sub !== undefined && sub !== 'status' && sub !== 'scale') return this.subresource(req, res, r, query);
    if (sub === 'scale' && !SCALABLE_KINDS.includes(r.type.kind)) throw pathNotFound();
    const table = wantsTable(req.headers.accept);
    const watch = r.watchPath || query.get('watch') === 'true' || query.get('watch') === '1';
    switch (method) {
      case 'GET':
        if (watch) {
          if (sub !== undefined) throw methodNotAllowed(`watch is not supported on ${r.type.plural}/${sub}`);
          this.watches.add(res);
          try {
            serveWatch(res, r, query, table, { hub: this.hub, store: this.manager.store, clock: this.clock, onEnd: () => this.watches.delete(res) });
          } catch (e) {
            this.watches.delete(res);
            throw e;
          }
          return;
        }
        if (sub === 'scale') return this.answer(res, this.writer.getScale(r));
        return this.get(res, r, query, table);
      case 'POST':
        if (r.name !== undefined) throw methodNotAllowed(`POST is not supported on a single ${r.type.singular}; use PUT or PATCH`);
        return this.answer(res, this.writer.create(r, query, await readBody(req), req.headers['content-type']));
      case 'PUT':
      case 'PATCH': {
        if (r.name === undefined) throw methodNotAllowed(`${method} is not supported on a collection of ${r.type.plural}`);
        if (sub === 'status') throw methodNotAllowed(`the status of ${r.type.plural} is computed by flatnet's controllers and cannot be written`);
        const body = await readBody(req);
        if (sub === 'scale') return this.answer(res, this.writer.setScale(r, query, body, req.headers['content-type'], method));
        if (method === 'PUT') return this.answer(res, this.writer.update(r, query, body, req.headers['content-type']));
        return this.answer(res, this.writer.patch(r, query, body, req.headers['content-type']));
      }
      case 'DELETE':
        if (r.name === undefined || sub !== undefined) throw methodNotAllowed(`deleting a collection of ${r.type.plural} is not supported; delete the objects by name`);
        return this.answer(res, this.writer.delete(r, query, await readBody(req)));
      default:
        throw methodNotAllowed(`${method} is not supported`);
    }
  }

  private answer(res: ServerResponse, a: WriteAnswer): void {
    // Warning headers as kube-apiserver sends them (RFC 7234 warn-code 299); kubectl prints `Warning: <text>`.
    if (a.warnings?.length) res.setHeader('Warning', a.warnings.map((w) => `299 - ${JSON.stringify(w)}`));
    sendJson(res, a.code, a.body);
  }

  private get(res: ServerResponse, r: ResourceRequest, query: URLSearchParams, table: boolean): void {
    const now = this.clock.now();
    if (r.name !== undefined) {
      const o = getObject(this.manager.store, r);
      if (table) return sendJson(res, 200, tableBody(r.type, [o], now, includeObjectOf(query), o.metadata.resourceVersion ?? ''), TABLE_CONTENT_TYPE);
      return sendText(res, 200, objectJson(o));
    }
    const items = listObjects(this.manager.store, filterOf(r, query));
    const rv = this.manager.store.resourceVersion;
    if (table) return sendJson(res, 200, tableBody(r.type, items, now, includeObjectOf(query), String(rv)), TABLE_CONTENT_TYPE);
    sendText(res, 200, listJsonOf(r.type, items, rv));
  }

  private async subresource(req: IncomingMessage, res: ServerResponse, r: ResourceRequest, query: URLSearchParams): Promise<void> {
    const handler = this.subresources.get(r.type.plural, r.subresource!);
    if (!handler) throw pathNotFound();
    const object = getObject(this.manager.store, r);
    if (!handler.request) throw methodNotAllowed(`${r.type.plural}/${r.subresource} needs a connection upgrade (WebSocket)`);
    await handler.request({ type: r.type, namespace: r.namespace, name: r.name!, subresource: r.subresource!, query, object }, req, res);
  }

  /** An Upgrade request (WebSocket exec, attach, port-forward): to its subresource handler, or a Status on the socket. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'https://flatnet');
    const refuse = (s: Status) => {
      const body = JSON.stringify(s);
      socket.end(`HTTP/1.1 ${s.code} ${s.reason ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    try {
      if (!this.authorized(req, url.pathname)) throw unauthorized();
      const r = parseResourcePath(url.pathname);
      const handler = r?.subresource ? this.subresources.get(r.type.plural, r.subresource) : undefined;
      if (!r || !handler) throw pathNotFound();
      const object = getObject(this.manager.store, r);
      if (!handler.upgrade) throw methodNotAllowed(`${r.type.plural}/${r.subresource} does not accept a connection upgrade`);
      handler.upgrade({ type: r.type, namespace: r.namespace, name: r.name!, subresource: r.subresource!, query: url.searchParams, object }, req, socket, head);
    } catch (e) {
      refuse(e instanceof ApiError ? e.status : internalError((e as Error).message).status);
    }
  }

  close(): void {
    this.hub.close();
    this.flatnet?.close();
    for (const res of this.watches) res.end();
    this.watches.clear();
  }
}

/**
 * Starts the API server on `opts.address`, writes `<stateDir>/kubeconfig` for it, and keeps serving until `close()`.
 * Writes go through `manager` and are saved to `state` before they are acknowledged.
 *
 * @example
 *   const api = await serveApi(manager, state, { address: { host: '127.0.0.1', port: 6443 }, stateDir: '.flatnet', clock });
 *   // KUBECONFIG=.flatnet/kubeconfig kubectl get pods -o wide
 *   await api.close();
 */
export async function serveApi(manager: ControllerManager, state: ApiState, opts: ServeApiOptions): Promise<ServedApi> {
  if (!manager.cluster) throw new Error('serveApi: the manager has no cluster yet: apply the inputs first');
  const log = opts.log ?? (() => {});
  // Certificates are checked by real clients against the real clock, never the model's (which tests fix).
  const creds = await loadOrCreateCredentials(join(opts.stateDir, 'apiserver'), opts.address.host, new Date());
  let url = '';
  const hostForClients = opts.address.host === '0.0.0.0' ? '127.0.0.1' : opts.address.host === '::' ? '::1' : opts.address.host;
  const handler = new ApiHandler(manager, creds.token, opts.clock, () => url.replace(/^https:\/\//, ''), state, log, opts.historySize);
  handler.flatnet = new FlatnetApi(manager, opts.clock, opts.flatnet);
  const pods = new PodViews(manager, opts.clock, opts.pods);
  const streams = podStreamHandlers(pods, log, (r) => state.save(r.events, manager.store.resourceVersion, r.layerChanges));
  const podLogs = podLogHandler(pods);
  handler.subresources.register('pods', 'exec', streams.exec);
  handler.subresources.register('pods', 'attach', streams.attach);
  handler.subresources.register('pods', 'log', podLogs.handler);
  const portForward = portForwardHandler({ connect: (pod, port) => connectInPod(pods.runtime.dataPlane)(pod, port), log });
  handler.subresources.register('pods', 'portforward', portForward);
  const server: Server = createServer({ cert: creds.cert, key: creds.key }, (req, res) => void handler.handle(req, res));
  server.on('upgrade', (req, socket, head) => handler.upgrade(req, socket, head));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.address.port, opts.address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  url = `https://${hostForClients.includes(':') ? `[${hostForClients}]` : hostForClients}:${port}`;
  const kubeconfigPath = writeKubeconfig(join(opts.stateDir, 'kubeconfig'), url, creds);
  let closed = false;
  return {
    url,
    kubeconfigPath,
    token: creds.token,
    subresources: handler.subresources,
    close: async () => {
      if (closed) return;
      closed = true;
      handler.close();
      streams.close();
      podLogs.close();
      portForward.close();
      pods.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
