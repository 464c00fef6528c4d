// Reads a live cluster for the offline verbs (--kubeconfig/--context): lists every kind flatnet models through the
// official client (@kubernetes/client-node), keeps the objects exactly as the API server holds them (real IPs, nodes,
// podCIDRs), and reads the cluster's shape from them. Read-only: nothing is written, nothing is reconciled.

import { setMaxListeners } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ApiException, AppsV1Api, Context, CoreV1Api, DiscoveryV1Api, KubeConfig, NetworkingV1Api, Observable, RequestContext, ResponseContext } from '@kubernetes/client-node';
import type { BuiltCluster } from '../../controllers/cluster.js';
import { clusterConfigFromObjects } from '../../core/cluster-config-from-objects.js';
import { apiVersionOf, RESOURCE_TYPES } from '../../core/resources.js';
import type { KubeObject } from '../../core/types.js';
import type { CliIO } from './io.js';
import { LiveClusterError, UsageError } from './load.js';

export interface LiveOptions {
  /** A kubeconfig file; without it KUBECONFIG, then ~/.kube/config, as kubectl looks. */
  kubeconfig?: string;
  /** The context to use instead of the kubeconfig's current-context. */
  context?: string;
  /** Give up when the whole listing takes longer (default 30 s, client-go's dial timeout). */
  timeoutMs?: number;
  /** Environment for KUBECONFIG and HOME (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface LiveCluster extends BuiltCluster {
  /** Always empty: the objects came from the server. */
  files: string[];
  /** The API server's URL and the context used, for messages. */
  server: string;
  context: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const PAGE_SIZE = 500; // kubectl's --chunk-size default (500)

/** One page of a LIST as the typed client returns it. */
interface Page {
  items: object[];
  metadata?: { _continue?: string };
}
type Lister = (param: { limit: number; _continue?: string }, options: object) => Promise<Page>;

/**
 * Lists every kind flatnet models and reads the ClusterConfig the cluster shows. A kind the user may not list (403,
 * RBAC) or the server does not serve (404) is skipped with a warning; anything else stops with one error line:
 * UsageError (exit 2) for a kubeconfig that cannot be used or an unknown context, LiveClusterError (exit 1) when the
 * cluster cannot be read (unreachable, TLS, 401, server errors, timeout).
 * Warnings go to stderr as `Warning: live: ...` and are returned in `warnings`.
 */
export async function loadLiveCluster(opts: LiveOptions, io: CliIO): Promise<LiveCluster> {
  const { kc, contextName, server, user } = loadKubeConfig(opts);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const networking = kc.makeApiClient(NetworkingV1Api);
  const listers: Record<string, Lister> = {
    Namespace: (p, o) => core.listNamespace(p, o),
    Node: (p, o) => core.listNode(p, o),
    Pod: (p, o) => core.listPodForAllNamespaces(p, o),
    Service: (p, o) => core.listServiceForAllNamespaces(p, o),
    Endpoints: (p, o) => core.listEndpointsForAllNamespaces(p, o),
    ConfigMap: (p, o) => core.listConfigMapForAllNamespaces(p, o),
    Secret: (p, o) => core.listSecretForAllNamespaces(p, o),
    DaemonSet: (p, o) => apps.listDaemonSetForAllNamespaces(p, o),
    Deployment: (p, o) => apps.listDeploymentForAllNamespaces(p, o),
    ReplicaSet: (p, o) => apps.listReplicaSetForAllNamespaces(p, o),
    StatefulSet: (p, o) => apps.listStatefulSetForAllNamespaces(p, o),
    EndpointSlice: (p, o) => discovery.listEndpointSliceForAllNamespaces(p, o),
    Ingress: (p, o) => networking.listIngressForAllNamespaces(p, o),
    IngressClass: (p, o) => networking.listIngressClass(p, o),
    NetworkPolicy: (p, o) => networking.listNetworkPolicyForAllNamespaces(p, o),
  };
  // Events are history, not network state: they are not read.
  const kinds = RESOURCE_TYPES.filter((t) => listers[t.kind] !== undefined);

  const abort = new AbortController();
  // One signal for every request of the listing (15 kinds and their pages): not a leak.
  setMaxListeners(0, abort.signal);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const where = `the API server at ${server} (context "${contextName}")`;
  let results: PromiseSettledResult<object[]>[];
  try {
    results = await Promise.allSettled(kinds.map((t) => listAll(listers[t.kind], abort.signal)));
  } finally {
    clearTimeout(timer);
  }

  const objects: KubeObject[] = [];
  const warnings: string[] = [];
  const unlisted: string[] = [];
  for (const [i, r] of results.entries()) {
    const type = kinds[i];
    if (r.status === 'fulfilled') {
      for (const item of r.value) objects.push({ ...(item as KubeObject), apiVersion: apiVersionOf(type), kind: type.kind });
      continue;
    }
    const e = r.reason;
    if (e instanceof ApiException && (e.code === 403 || e.code === 404)) {
      unlisted.push(type.kind);
      const resource = type.group ? `${type.plural}.${type.group}` : type.plural;
      const why = e.code === 403 ? `forbidden: user "${user}" may not list ${resource} at cluster scope (RBAC)` : `the server does not serve ${resource}`;
      warnings.push(`live: skipped kind ${type.kind}: ${why}${statusMessage(e) ? `: ${statusMessage(e)}` : ''}`);
      continue;
    }
    throw new LiveClusterError(describeFailure(e, where, user, abort.signal.aborted ? timeoutMs : undefined));
  }
  if (unlisted.length === kinds.length) {
    const forbidden = warnings.filter((w) => w.includes(': forbidden: ')).length;
    throw new LiveClusterError(
      forbidden === kinds.length
        ? `${where} lets user "${user}" list none of the kinds flatnet reads (${kinds.map((t) => t.plural).join(', ')})`
        : `${where} serves none of the kinds flatnet reads (${forbidden} forbidden, ${kinds.length - forbidden} not found): is it a Kubernetes API server?`,
    );
  }

  objects.sort(compareObjects);
  const observed = clusterConfigFromObjects(objects, { name: kc.getCurrentCluster()?.name ?? contextName, unlisted });
  warnings.push(...observed.warnings);
  for (const w of warnings) io.stderr(`Warning: ${w}\n`);
  return { objects, warnings, config: observed.config, flatnetDocs: [], files: [], server, context: contextName };
}

/**
 * Fetches every page of a LIST (limit/continue, as kubectl pages with --chunk-size 500) and returns the items as the
 * server sent them. The client's typed models would drop the fields they do not know and reorder the rest
 * alphabetically, so the JSON body is kept on its way through (toWire is the fallback should it not parse).
 */
async function listAll(list: Lister, signal: AbortSignal): Promise<object[]> {
  const items: object[] = [];
  let token: string | undefined;
  do {
    let body: string | undefined;
    const options = { middleware: [requestMiddleware(signal, (text) => (body = text))], middlewareMergeStrategy: 'append' };
    const page = await list({ limit: PAGE_SIZE, ...(token ? { _continue: token } : {}) }, options);
    const raw = rawItems(body);
    for (const item of raw ?? (page.items ?? []).map(toWire)) items.push(item as object);
    token = page.metadata?._continue || undefined;
  } while (token);
  return items;
}

function rawItems(body: string | undefined): unknown[] | undefined {
  if (body === undefined) return undefined;
  try {
    const list = JSON.parse(body);
    return Array.isArray(list?.items) ? list.items : list?.items === null || list?.items === undefined ? [] : undefined;
  } catch {
    return undefined;
  }
}

/** Puts the abort signal on every request (a timeout ends the sockets too) and hands over each 2xx body's text. */
function requestMiddleware(signal: AbortSignal, keep: (body: string) => void) {
  return {
    pre: (ctx: RequestContext) => {
      ctx.setSignal(signal as any);
      return new Observable(Promise.resolve(ctx));
    },
    post: (ctx: ResponseContext) =>
      new Observable(
        (async () => {
          if (ctx.httpStatusCode < 200 || ctx.httpStatusCode > 299) return ctx;
          const text = await ctx.body.text();
          keep(text);
          // The body is read once; the client deserializes this copy.
          ctx.body = { text: async () => text, binary: async () => Buffer.from(text) };
          return ctx;
        })(),
      ),
  };
}

const kindRank = new Map(RESOURCE_TYPES.map((t, i) => [t.kind, i]));

/** Kind order of the registry, then namespace, then name: the order a built cluster has. */
function compareObjects(a: KubeObject, b: KubeObject): number {
  const d = (kindRank.get(a.kind) ?? 99) - (kindRank.get(b.kind) ?? 99);
  if (d !== 0) return d;
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * The JSON the API server sent, rebuilt from the client's typed models (listAll's fallback when it cannot keep the
 * body): each model class names its wire fields
 * (`attributeTypeMap`: name → baseName, e.g. `_continue` → `continue`, `_ref` → `$ref`); Dates become RFC 3339 with
 * whole seconds, as metav1.Time marshals (apimachinery pkg/apis/meta/v1/time.go); int-or-string values pass through
 * untouched. Fields the client's models do not know were dropped by the client on the way in.
 */
export function toWire(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString().replace(/\.000Z$/, 'Z');
  if (Array.isArray(v)) return v.map(toWire);
  if (v === null || typeof v !== 'object') return v;
  const model = (v as { constructor?: { getAttributeTypeMap?: () => { name: string; baseName: string }[] } }).constructor;
  const out: Record<string, unknown> = {};
  if (typeof model?.getAttributeTypeMap === 'function') {
    for (const a of model.getAttributeTypeMap()) {
      const x = (v as Record<string, unknown>)[a.name];
      if (x !== undefined) out[a.baseName] = toWire(x);
    }
  } else for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toWire(x);
  return out;
}

function statusMessage(e: ApiException<unknown>): string | undefined {
  const body = e.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body);
      return typeof parsed?.message === 'string' ? parsed.message : undefined;
    } catch {
      return body.trim().split('\n')[0] || undefined;
    }
  }
  return typeof (body as any)?.message === 'string' ? (body as any).message : undefined;
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the server running, and is this its address?)',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve (temporary DNS failure)',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'the connection timed out',
  CERT_HAS_EXPIRED: "TLS: the server's certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "TLS: the server's certificate is self-signed and not the kubeconfig's certificate-authority-data",
  SELF_SIGNED_CERT_IN_CHAIN: "TLS: the server's certificate chain ends in a CA the kubeconfig does not trust",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "TLS: the server's certificate is not signed by the kubeconfig's certificate authority",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "TLS: the server's certificate is not signed by the kubeconfig's certificate authority",
  ERR_TLS_CERT_ALTNAME_INVALID: "TLS: the server's certificate is not valid for this address",
};

/** One line saying what went wrong, without a stack trace. */
function describeFailure(e: unknown, where: string, user: string, timedOutAfter: number | undefined): string {
  if (timedOutAfter !== undefined) return `no answer from ${where} within ${timedOutAfter / 1000} s`;
  if (e instanceof ApiException) {
    if (e.code === 401) return `${where} rejected the credentials of user "${user}" (401 Unauthorized): the token or certificate is wrong or expired`;
    const msg = statusMessage(e);
    return `${where} answered ${e.code}${msg ? `: ${msg}` : ''}`;
  }
  const err = e as { code?: string; errno?: string; message?: string };
  const code = err?.code ?? err?.errno;
  if (code && NETWORK_ERRORS[code]) return `cannot reach ${where}: ${NETWORK_ERRORS[code]}`;
  const message = String(err?.message ?? e).split('\n')[0];
  return `cannot read ${where}: ${message}`;
}

/**
 * The kubeconfig as kubectl finds it: --kubeconfig alone when given (it must exist); else every file of KUBECONFIG
 * (missing ones skipped) merged so that the first file to set a name or the current-context wins
 * (client-go tools/clientcmd/loader.go, ClientConfigLoadingRules.Load); else ~/.kube/config; else, inside a pod,
 * its service account.
 */
function loadKubeConfig(opts: LiveOptions): { kc: KubeConfig; contextName: string; server: string; user: string } {
  const env = opts.env ?? process.env;
  const kc = new KubeConfig();
  let source: string;
  if (opts.kubeconfig !== undefined) {
    source = opts.kubeconfig;
    if (!existsSync(source)) throw new UsageError(`--kubeconfig ${source}: no such file`);
    loadFile(kc, source, `--kubeconfig ${source}`);
  } else if (env.KUBECONFIG) {
    const files = env.KUBECONFIG.split(delimiter).filter((f) => f !== '');
    const present = files.filter((f) => existsSync(f));
    if (present.length === 0) throw new UsageError(`KUBECONFIG=${env.KUBECONFIG}: none of its files exists`);
    source = `KUBECONFIG=${env.KUBECONFIG}`;
    mergeFirstWins(kc, present);
  } else {
    const home = env.HOME ?? homedir();
    const file = join(home, '.kube', 'config');
    if (existsSync(file)) {
      source = file;
      loadFile(kc, file, file);
    } else if (env.KUBERNETES_SERVICE_HOST && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')) {
      source = 'the in-cluster service account';
      kc.loadFromCluster();
    } else throw new UsageError(`no kubeconfig: ${file} does not exist and KUBECONFIG is not set; give --kubeconfig PATH`);
  }

  const names = kc.getContexts().map((c) => c.name);
  const list = names.length ? names.map((n) => `"${n}"`).join(', ') : 'none';
  let contextName: string;
  if (opts.context !== undefined) {
    if (!kc.getContextObject(opts.context)) throw new UsageError(`context "${opts.context}" not found in ${source}; its contexts: ${list}`);
    contextName = opts.context;
  } else {
    contextName = kc.getCurrentContext() ?? '';
    if (!contextName) throw new UsageError(`${source} sets no current-context; choose one with --context NAME (its contexts: ${list})`);
    if (!kc.getContextObject(contextName)) throw new UsageError(`${source}: current-context "${contextName}" is not one of its contexts (${list})`);
  }
  kc.setCurrentContext(contextName);
  const ctx = kc.getContextObject(contextName) as Context;
  const cluster = kc.getCluster(ctx.cluster);
  if (!cluster) throw new UsageError(`${source}: context "${contextName}" names cluster "${ctx.cluster}", which is not defined`);
  if (ctx.user && !kc.getUser(ctx.user)) throw new UsageError(`${source}: context "${contextName}" names user "${ctx.user}", which is not defined`);
  return { kc, contextName, server: cluster.server, user: ctx.user ?? '' };
}

function loadFile(kc: KubeConfig, file: string, label: string): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${label}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new UsageError(`${label}: not YAML: ${String((e as Error).message).split('\n')[0]}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new UsageError(`${label}: not a kubeconfig (want a YAML mapping with clusters, users and contexts)`);
  try {
    kc.loadFromString(text);
  } catch (e) {
    const message = e instanceof TypeError ? 'not a kubeconfig (want a YAML mapping with clusters, users and contexts)' : String((e as Error).message).split('\n')[0];
    throw new UsageError(`${label}: ${message}`);
  }
  // Relative certificate and key paths are relative to the kubeconfig's directory, as kubectl resolves them.
  kc.makePathsAbsolute(dirname(resolve(file)));
}

function mergeFirstWins(kc: KubeConfig, files: string[]): void {
  const merged = { clusters: new Map(), users: new Map(), contexts: new Map(), currentContext: '' };
  for (const file of files) {
    const one = new KubeConfig();
    loadFile(one, file, `KUBECONFIG file ${file}`);
    for (const c of one.getClusters()) if (!merged.clusters.has(c.name)) merged.clusters.set(c.name, c);
    for (const u of one.getUsers()) if (!merged.users.has(u.name)) merged.users.set(u.name, u);
    for (const c of one.getContexts()) if (!merged.contexts.has(c.name)) merged.contexts.set(c.name, c);
    merged.currentContext ||= one.getCurrentContext() ?? '';
  }
  kc.loadFromOptions({ clusters: [...merged.clusters.values()], users: [...merged.users.values()], contexts: [...merged.contexts.values()], currentContext: merged.currentContext });
}
