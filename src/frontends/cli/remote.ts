// `--server`: the CLI asking a running `flatnet up` instead of building the cluster from -f — the instance's kubeconfig
// (`<state>/kubeconfig`, or --kubeconfig) names the API server, its certificate and token; the verbs POST their
// arguments to /apis/flatnet.dev/v1alpha1/<verb> and print what comes back, and `flows` reads the flow log from there.

import { existsSync, readFileSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { FLATNET_API_PREFIX, type QueryResult } from '../apiserver/flatnet-api.js';
import { QUERY_SCHEMAS, type QueryArgs, type QueryVerb } from './cluster-queries.js';
import type { CliIO } from './io.js';
import { DEFAULT_STATE_DIR } from './remote-options.js';
import { LiveClusterError, UsageError } from './load.js';

/** Where the running instance is: its state directory (default ./.flatnet), or a kubeconfig and context. */
export interface ServerOptions {
  state?: string;
  kubeconfig?: string;
  context?: string;
  /** -f beside --server is a usage error: the instance has the cluster. */
  filename?: string[];
}


/** The API server of a running instance and the credentials of its kubeconfig. */
export interface ApiEndpoint {
  /** `https://127.0.0.1:6443` */
  server: string;
  /** The kubeconfig it came from, for messages. */
  kubeconfig: string;
  ca?: Buffer;
  token?: string;
  cert?: Buffer;
  key?: Buffer;
  insecure: boolean;
}

const HINT = '(start it with flatnet up; --state names its directory)';

type Named<T> = { name?: string } & T;

function dataOrFile(data: unknown, file: unknown, base: string, label: string): Buffer | undefined {
  if (typeof data === 'string' && data !== '') return Buffer.from(data, 'base64');
  if (typeof file !== 'string' || file === '') return undefined;
  const path = resolve(base, file);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`${label}: ${(e as Error).message}`);
  }
}

/**
 * Reads the kubeconfig of a running instance: `opts.kubeconfig`, else `<opts.state>/kubeconfig`. Throws UsageError
 * for an unusable kubeconfig, LiveClusterError (exit 1) when the state directory has none (no instance ever served it).
 */
export function apiEndpoint(opts: ServerOptions): ApiEndpoint {
  if (opts.filename && opts.filename.length > 0) throw new UsageError('-f and --server cannot be combined: --server asks the running flatnet up, whose state holds the cluster');
  const state = opts.state ?? DEFAULT_STATE_DIR;
  const path = opts.kubeconfig ?? join(state, 'kubeconfig');
  if (!existsSync(path)) {
    if (opts.kubeconfig !== undefined) throw new UsageError(`--kubeconfig ${path}: no such file`);
    throw new LiveClusterError(`no flatnet up has served the API from the state directory ${state}: ${path} does not exist ${HINT}`);
  }
  let doc: any;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`${path}: not a kubeconfig: ${String((e as Error).message).split('\n')[0]}`);
  }
  if (typeof doc !== 'object' || doc === null) throw new UsageError(`${path}: not a kubeconfig (want a YAML mapping with clusters, users and contexts)`);
  const contextName: unknown = opts.context ?? doc['current-context'];
  const contexts = (Array.isArray(doc.contexts) ? doc.contexts : []) as Named<{ context?: { cluster?: string; user?: string } }>[];
  const names = contexts.map((c) => `"${c.name}"`).join(', ') || 'none';
  if (typeof contextName !== 'string' || contextName === '') throw new UsageError(`${path} sets no current-context; choose one with --context NAME (its contexts: ${names})`);
  const ctx = contexts.find((c) => c.name === contextName)?.context;
  if (!ctx) throw new UsageError(`context "${contextName}" not found in ${path}; its contexts: ${names}`);
  const cluster = ((Array.isArray(doc.clusters) ? doc.clusters : []) as Named<{ cluster?: Record<string, unknown> }>[]).find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster || typeof cluster.server !== 'string') throw new UsageError(`${path}: context "${contextName}" names cluster "${ctx.cluster}", which is not defined or has no server`);
  const user = ((Array.isArray(doc.users) ? doc.users : []) as Named<{ user?: Record<string, unknown> }>[]).find((u) => u.name === ctx.user)?.user ?? {};
  const base = dirname(resolve(path));
  const tokenFile = typeof user.tokenFile === 'string' ? dataOrFile(undefined, user.tokenFile, base, `${path}: tokenFile`)?.toString('utf8').trim() : undefined;
  return {
    server: cluster.server.replace(/\/+$/, ''),
    kubeconfig: path,
    ca: dataOrFile(cluster['certificate-authority-data'], cluster['certificate-authority'], base, `${path}: certificate-authority`),
    token: typeof user.token === 'string' ? user.token : tokenFile,
    cert: dataOrFile(user['client-certificate-data'], user['client-certificate'], base, `${path}: client-certificate`),
    key: dataOrFile(user['client-key-data'], user['client-key'], base, `${path}: client-key`),
    insecure: cluster['insecure-skip-tls-verify'] === true,
  };
}

/** A failed connection as one line: nothing listening is the instance not running. */
function connectionError(ep: ApiEndpoint, e: NodeJS.ErrnoException): LiveClusterError {
  if (e.code === 'ECONNREFUSED') return new LiveClusterError(`no flatnet up is serving the API at ${ep.server} ${HINT}`);
  if (e.code && /CERT|SIGNATURE|SELF_SIGNED|ALTNAME|UNABLE_TO_(GET|VERIFY)/.test(e.code))
    return new LiveClusterError(`cannot verify the API server at ${ep.server} with the certificate authority in ${ep.kubeconfig}: ${e.message} (is it another instance's kubeconfig?)`);
  return new LiveClusterError(`cannot reach the API server at ${ep.server}: ${e.message}`);
}

async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A non-200 answer as one line, with the Status message the server gave. */
async function statusError(ep: ApiEndpoint, res: IncomingMessage): Promise<LiveClusterError> {
  const text = await readAll(res).catch(() => '');
  let message = text.trim().split('\n')[0];
  try {
    const s = JSON.parse(text) as { message?: string };
    if (typeof s.message === 'string') message = s.message;
  } catch {
    // not a Status: keep the text
  }
  if (res.statusCode === 401) return new LiveClusterError(`the API server at ${ep.server} refused the token in ${ep.kubeconfig} (401 Unauthorized): the kubeconfig belongs to another instance`);
  if (res.statusCode === 404) return new LiveClusterError(`the API server at ${ep.server} does not answer flatnet's queries (404 Not Found): is it a flatnet up?`);
  return new LiveClusterError(`the API server at ${ep.server} answered ${res.statusCode}: ${message || res.statusMessage}`);
}

/** Sends one request; resolves with the 200 response (its body unread), rejects with a LiveClusterError otherwise. */
function send(ep: ApiEndpoint, method: 'GET' | 'POST', path: string, body?: string, timeoutMs?: number): Promise<IncomingMessage> {
  const url = new URL(`${ep.server}${path}`);
  const options: RequestOptions = {
    method,
    headers: {
      Accept: 'application/json, application/x-ndjson',
      'User-Agent': 'flatnet',
      ...(ep.token ? { Authorization: `Bearer ${ep.token}` } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {}),
    },
    ...(ep.ca ? { ca: ep.ca } : {}),
    ...(ep.cert ? { cert: ep.cert } : {}),
    ...(ep.key ? { key: ep.key } : {}),
    rejectUnauthorized: !ep.insecure,
    agent: false,
  };
  return new Promise((resolvePromise, reject) => {
    const req = httpsRequest(url, options, (res) => {
      if (res.statusCode === 200) return resolvePromise(res);
      void statusError(ep, res).then(reject);
    });
    req.on('error', (e) => reject(e instanceof LiveClusterError ? e : connectionError(ep, e as NodeJS.ErrnoException)));
    if (timeoutMs !== undefined) req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
    req.end(body);
  });
}

const QUERY_TIMEOUT_MS = 120_000;

/** Asks the instance to run `verb` with `args`; the answer carries the verb's stdout, stderr and exit code. */
export async function postQuery<V extends QueryVerb>(ep: ApiEndpoint, verb: V, args: QueryArgs[V]): Promise<QueryResult> {
  const res = await send(ep, 'POST', `${FLATNET_API_PREFIX}/${verb}`, JSON.stringify(args), QUERY_TIMEOUT_MS);
  const text = await readAll(res);
  try {
    const r = JSON.parse(text) as QueryResult;
    if (r.kind === 'QueryResult' && typeof r.exitCode === 'number') return r;
  } catch {
    // reported below
  }
  throw new LiveClusterError(`the API server at ${ep.server} answered ${verb} with something other than a QueryResult`);
}

/**
 * Reads GET /flows with `params`, calling `onLine` with each JSON line as it arrives (under follow=true, until the
 * server ends the stream). Resolves when the response ends.
 */
export async function readFlows(ep: ApiEndpoint, params: URLSearchParams, onLine: (line: string) => void): Promise<void> {
  const query = params.toString();
  const res = await send(ep, 'GET', `${FLATNET_API_PREFIX}/flows${query ? `?${query}` : ''}`);
  let rest = '';
  res.setEncoding('utf8');
  try {
    for await (const chunk of res) {
      rest += chunk as string;
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        if (line.trim() !== '') onLine(line);
      }
    }
  } catch (e) {
    // The instance stopped while following: the stream simply ends, as `kubectl logs -f` ends.
    if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET' && (e as Error).message !== 'aborted') throw e;
  }
  if (rest.trim() !== '') onLine(rest);
}

/** Only the arguments `verb` takes, from a command's options (which also hold --server, --state, -f ...). */
export function queryArgs<V extends QueryVerb>(verb: V, opts: Record<string, unknown>): QueryArgs[V] {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(QUERY_SCHEMAS[verb].fields)) if (opts[k] !== undefined) out[k] = opts[k];
  return out as unknown as QueryArgs[V];
}

/**
 * `flatnet can|matrix|trace ... --server`: runs the verb in the running instance, on its current state, and prints
 * its output; returns its exit code.
 */
export async function runServerQuery<V extends QueryVerb>(verb: V, opts: Record<string, unknown> & ServerOptions, io: CliIO): Promise<number> {
  const ep = apiEndpoint(opts);
  const r = await postQuery(ep, verb, queryArgs(verb, opts));
  if (r.stdout) io.stdout(r.stdout);
  if (r.stderr) io.stderr(r.stderr);
  return r.exitCode;
}

