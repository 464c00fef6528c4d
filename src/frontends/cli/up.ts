// `flatnet up`: the model as a long-lived process — load, print a summary, persist, and re-apply on file changes.

import { createWriteStream, openSync, watch, FSWatcher, statSync, WriteStream } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { ControllerManager } from '../../controllers/manager.js';
import { kubeProxyReplaced } from '../../core/cluster-config.js';
import { DEFAULT_API_ADDRESS, parseApiAddress } from '../apiserver/api-address.js';
import type { ServedApi } from '../apiserver/server.js';
import { INGRESS_NGINX_CONTROLLER_CLASS, isIngressNginxControllerPod } from '../../controllers/system-objects.js';
import { InputError, formatProblem } from '../../core/errors.js';
import { ManifestCache } from '../../core/manifests.js';
import { nodeInternalIPOf } from '../../core/objects.js';
import { buildClusterDns } from '../../dns/cluster-dns.js';
import { DnsListenError, DnsServer } from '../../dns/server.js';
import type { StoreEvent } from '../../core/store.js';
import type { KubeObject } from '../../core/types.js';
import type { IngressServer, ListenAddress } from '../../host/ingress-server.js';
import { LiveDataPlane } from '../../host/live-data-plane.js';
import { FlowEndpoints, FlowLog, flowJsonLine, RecordingDataPlane } from '../../dataplane/flows.js';
import type { PodLogs } from '../../dataplane/sim/workloads/pod-logs.js';
import type { ConnectionSource, DataPlane } from '../../dataplane/types.js';
import type { ServedServiceListeners } from '../../host/service-listeners.js';
import { ingressRoutes, IngressProxy, IngressRoutes } from '../../ingress/proxy.js';
import { SqliteState } from '../../storage/sqlite-state.js';
import { readInputs } from './inputs.js';
import type { CliIO } from './io.js';
import { UsageError } from './load.js';
import { alignColumns } from './columns.js';

export interface UpOptions {
  filename: string[];
  state: string;
  /** Resolves when the process should stop (SIGINT/SIGTERM in the real CLI). */
  stopped: Promise<void>;
  /** Quiet period after a file change before re-applying, in ms. Default DEFAULT_DEBOUNCE_MS. */
  debounceMs?: number;
  /** Where the cluster DNS listens, `HOST:PORT` on a loopback address, or `off`. Default 127.0.0.1:10053. */
  dns?: string;
  /** Where the Ingress proxy serves HTTP, `HOST:PORT` on a loopback address, or `off`. Default 127.0.0.1:8080. */
  ingress?: string;
  /** Where the Ingress proxy serves HTTPS (certificates by SNI), or `off`. Default 127.0.0.1:8443. */
  ingressTls?: string;
  /** Where NodePorts listen on this machine (a loopback IPv4 address), or `off` for no NodePort/LoadBalancer listeners. Default 127.0.0.1. */
  nodePortAddress?: string;
  /** Append every simulated connection as a Hubble-style flow (JSON lines) to this file. */
  flows?: string;
  /** Where the Kubernetes API listens (HTTPS, bearer token), `HOST:PORT` or `off`. Default 127.0.0.1:6443. */
  api?: string;
}

export const DEFAULT_DNS_ADDRESS = '127.0.0.1:10053';

/**
 * How long the files must be quiet before a re-apply. Long enough to take an editor's save (truncate + write, or write
 * + rename) or a redirect's back-to-back writes as one change, short enough that an edited route is served within
 * 100 ms at 10k Ingress hosts. A writer that pauses longer mid-file gets what was read so far applied (or, cut inside
 * a document, rejected with the error logged), and its next write's event re-applies the whole file.
 */
export const DEFAULT_DEBOUNCE_MS = 25;
export const DEFAULT_INGRESS_ADDRESS = '127.0.0.1:8080';
export const DEFAULT_INGRESS_TLS_ADDRESS = '127.0.0.1:8443';

/**
 * Parses a listen-address flag: `off`, or HOST:PORT with HOST a loopback IP or localhost (`[::1]:PORT` for IPv6;
 * port 0 picks one). `example` is the flag's default, shown in the message for a malformed value.
 */
export function parseLoopbackAddress(flag: string, value: string, example: string): ListenAddress | 'off' {
  if (value === 'off') return 'off';
  const bad = (rule: string) => new UsageError(`${flag}: invalid value "${value}": ${rule}`);
  const m = /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(value);
  const port = example.slice(example.lastIndexOf(':') + 1);
  if (!m) throw bad(`want HOST:PORT, such as ${example} or [::1]:${port}, or off`);
  const host = m[2] === 'localhost' ? '127.0.0.1' : (m[1] ?? m[2]);
  if (isIP(host) === 0) throw bad('HOST must be an IP address or localhost');
  // The model is for this machine only, like the rest of flatnet: it never listens on a network interface.
  if (!(isIP(host) === 4 ? host.startsWith('127.') : host === '::1')) throw bad('HOST must be a loopback address (127.0.0.0/8 or ::1)');
  if (Number(m[3]) > 65535) throw bad('PORT must be from 0 to 65535');
  return { host, port: Number(m[3]) };
}

/** Parses --dns (see parseLoopbackAddress). */
export function parseDnsAddress(value: string): ListenAddress | 'off' {
  return parseLoopbackAddress('--dns', value, DEFAULT_DNS_ADDRESS);
}

/** Parses --node-port-address: `off`, or a loopback IPv4 address (ServiceListeners serves IPv4 only). */
export function parseNodePortAddress(value: string): string | 'off' {
  if (value === 'off') return 'off';
  const host = value === 'localhost' ? '127.0.0.1' : value;
  if (isIP(host) !== 4 || !host.startsWith('127.')) throw new UsageError(`--node-port-address: invalid value "${value}": want a loopback IPv4 address (127.0.0.0/8), such as 127.0.0.1, or off`);
  return host;
}

function showAddress(a: ListenAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

export interface ServedDns {
  server: DnsServer;
  /** Rebuilds the answers from the store and the cluster config (coalesced: once per turn of the event loop). */
  refresh(): void;
  close(): Promise<void>;
}

/**
 * Serves the model's cluster zone and keeps it in step with the store: every change rebuilds the ClusterDns and swaps
 * it into the server (which drops its cached replies), in the same turn as the change. An address that cannot be used
 * is reported and the rest of `up` keeps running.
 */
export async function serveClusterDns(manager: ControllerManager, address: { host: string; port: number }, io: CliIO, log: (s: string) => void): Promise<ServedDns | undefined> {
  const build = () => buildClusterDns(manager.store.all(), manager.cluster!.config);
  let lastErrorLog = 0;
  const onError = (e: Error) => {
    const now = Date.now();
    if (now - lastErrorLog < 1000) return; // one line a second at most: a failing engine must not flood the log
    lastErrorLog = now;
    log(`DNS: error: ${e.message}`);
  };
  let server: DnsServer;
  try {
    server = await DnsServer.start(build(), { ...address, onError });
  } catch (e) {
    if (!(e instanceof DnsListenError)) throw e;
    log(`DNS: ${e.message}; running without DNS (choose another address with --dns HOST:PORT, or --dns off)`);
    return undefined;
  }
  const shown = server.host.includes(':') ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
  io.stdout(`DNS: serving ${manager.cluster!.config.clusterDomain} on ${shown} (UDP+TCP)\n`);
  let scheduled = false;
  const refresh = () => {
    if (scheduled) return;
    scheduled = true;
    // A microtask, so that it runs after ControllerManager.apply has recorded the new cluster config.
    queueMicrotask(() => {
      scheduled = false;
      try {
        server.setDns(build());
      } catch (e) {
        log(`DNS: error: cannot rebuild the answers: ${(e as Error).message}; the previous answers stay`);
      }
    });
  };
  const unsubscribe = manager.store.subscribe(refresh);
  return {
    server,
    refresh,
    close: async () => {
      unsubscribe();
      await server.close();
    },
  };
}

export interface ServedIngress {
  proxy: IngressProxy;
  /** The host listeners (bound to no address when both are off). */
  server: IngressServer;
  close(): Promise<void>;
}


/** What the route table says about the Ingresses, one line each: warnings, ignored Ingresses, skipped duplicates. */
function routeNotes(routes: IngressRoutes): string[] {
  const t = routes.table;
  return [
    ...t.warnings,
    ...t.ignored.map((i) => `Ingress ${i.ingress.namespace}/${i.ingress.name} is not served: ${i.reason}`),
    ...t.conflicts.map((c) => `Ingress ${c.skipped.namespace}/${c.skipped.name}: host ${c.server} path ${c.path} (${c.pathType}) is already defined by Ingress ${c.kept.namespace}/${c.kept.name}, the older one; ingress-nginx skips it`),
  ];
}

/**
 * Serves the Ingress proxy: on the host at the given addresses, and on the ingress-nginx controller pod's ports 80
 * and 443 inside the model (so a pod curling the controller Service reaches the routes too). Every data plane update
 * rebuilds the routes and swaps them in, in the same turn; each new warning about the Ingresses is logged once.
 */
export async function serveIngress(manager: ControllerManager, live: LiveDataPlane, addresses: { http?: ListenAddress; https?: ListenAddress }, io: CliIO, log: (s: string) => void, dataPlane: DataPlane = live.dataPlane): Promise<ServedIngress> {
  const first = ingressRoutes(manager.store.all());
  // The access log goes where ingress-nginx writes it: the controller container's stdout (`kubectl logs`), not up's
  // terminal — one synchronous line per request there would also cost the proxy a tenth of its throughput.
  // The controller pod's log, looked up once per data plane update (or change of controller), not per request.
  let controllerLog: { controller: ConnectionSource; logs: PodLogs | undefined } | undefined;
  const accessLog = (line: string, end: Date) => {
    const c = proxy.routes.controller;
    if (c.kind !== 'pod') return;
    if (controllerLog?.controller !== c) controllerLog = { controller: c, logs: live.dataPlane.podWorkloads(c.namespace, c.name)?.logs };
    controllerLog.logs?.write(end, 'controller', 'stdout', line);
  };
  const forgetControllerLog = live.onUpdate(() => {
    controllerLog = undefined;
  });
  const proxy: IngressProxy = new IngressProxy(first, { dataPlane, clock: io.clock, onLog: accessLog });
  // Started even with both addresses off: LoadBalancer/NodePort listeners hand it the controller's TLS connections.
  // Loaded here, not at the top: the TLS libraries are a good part of a cold start and only this needs them.
  const { IngressServer } = await import('../../host/ingress-server.js');
  const server = await IngressServer.start({ proxy, ...addresses, clock: io.clock, warn: (m) => log(`Ingress: warning: ${m}`), onError: (e) => log(`Ingress: error: ${e.message}`) });
  {
    for (const f of server.failures) {
      const flag = f.scheme === 'http' ? '--ingress' : '--ingress-tls';
      log(`Ingress: cannot serve ${f.scheme} on ${showAddress(f.address)} (${flag}): ${f.message}; the rest keeps running (choose another address with ${flag} HOST:PORT, or ${flag} off)`);
    }
    const serving = [server.http && `http on ${showAddress(server.http)}`, server.https && `https on ${showAddress(server.https)}`].filter(Boolean);
    if (serving.length) io.stdout(`Ingress: serving ${serving.join(', ')}\n`);
  }
  const removeOverride = live.addHttpOverride((pod, port, protocol) => {
    if (protocol !== 'TCP' || (port !== 80 && port !== 443) || !isIngressNginxControllerPod(pod)) return undefined;
    const from = { kind: 'pod' as const, namespace: pod.metadata.namespace!, name: pod.metadata.name };
    return (req, conn) => proxy.handle(req, conn.source, port === 443 ? 'https' : 'http', port, { from });
  });
  let shown = new Set<string>();
  const swap = (routes: IngressRoutes) => {
    server.setRoutes(routes);
    const notes = routeNotes(routes);
    for (const n of notes) if (!shown.has(n)) log(`Ingress: warning: ${n}`);
    shown = new Set(notes);
  };
  swap(first);
  const stop = live.onUpdate((objects) => {
    try {
      // The routes in use lend the new table every server whose Ingresses did not change (route-table.ts previous).
      swap(ingressRoutes(objects, { controller: INGRESS_NGINX_CONTROLLER_CLASS, previous: proxy.routes.table }));
    } catch (e) {
      log(`Ingress: error: cannot rebuild the routes: ${(e as Error).message}; the previous routes stay`);
    }
  });
  let closed = false;
  return {
    proxy,
    server,
    close: async () => {
      if (closed) return;
      closed = true;
      stop();
      forgetControllerLog();
      removeOverride();
      await server.close();
    },
  };
}

function describeEvent(e: StoreEvent): string | undefined {
  const o = e.object;
  const id = o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
  const verb = e.type === 'ADDED' ? 'created' : e.type === 'MODIFIED' ? 'updated' : 'deleted';
  if (e.type === 'DELETED') return `${verb} ${o.kind} ${id}`;
  switch (o.kind) {
    case 'Pod':
      return o.status?.podIP ? `${verb} Pod ${id} on ${o.spec.nodeName} with IP ${o.status.podIP}` : `${verb} Pod ${id}: ${o.status?.phase ?? 'Pending'}${o.status?.conditions?.[0]?.message ? ` (${o.status.conditions[0].message})` : o.status?.message ? ` (${o.status.message})` : ''}`;
    case 'Service':
      return `${verb} Service ${id} ${o.spec.type} ${o.spec.clusterIP ?? o.spec.externalName ?? ''}`.trimEnd();
    case 'Node':
      return `${verb} Node ${id} podCIDR ${o.spec.podCIDR}`;
    case 'EndpointSlice':
      return `${verb} EndpointSlice ${id}: ${(o.endpoints ?? []).filter((ep: any) => ep.conditions?.ready !== false).length} ready endpoint(s)`;
    default:
      return undefined;
  }
}

/** The start-up summary: nodes with podCIDRs, pods with IPs, services with IPs. */
export function summary(objects: KubeObject[]): string {
  const id = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const of = (kind: string) => objects.filter((o) => o.kind === kind).sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));
  const nodes = of('Node').map((n) => [n.metadata.name, n.spec.podCIDR, nodeInternalIPOf(n) ?? '<none>']);
  const pods = of('Pod').map((p) => [p.metadata.namespace, p.metadata.name, p.status?.podIP ?? '<none>', p.spec.nodeName ?? '<none>', p.status?.phase ?? '']);
  const svcs = of('Service').map((s) => [
    s.metadata.namespace,
    s.metadata.name,
    s.spec.type,
    s.spec.clusterIP ?? '<none>',
    s.status?.loadBalancer?.ingress?.[0]?.ip ?? (s.spec.type === 'ExternalName' ? s.spec.externalName : '<none>'),
    (s.spec.ports ?? []).map((p: any) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol}`).join(',') || '<none>',
  ]);
  return [
    alignColumns([['NODE', 'POD CIDR', 'INTERNAL IP'], ...nodes]),
    alignColumns([['NAMESPACE', 'POD', 'IP', 'NODE', 'STATUS'], ...pods]),
    alignColumns([['NAMESPACE', 'SERVICE', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)'], ...svcs]),
  ].join('\n');
}

function timestamp(d: Date): string {
  return d.toISOString().slice(11, 19);
}

/** Runs until `opts.stopped` resolves; returns the exit code. */
export async function runUp(opts: UpOptions, io: CliIO): Promise<number> {
  if (opts.filename.length === 0) throw new UsageError('no input: give manifests with -f PATH (a file, a directory, or - for stdin); -f may repeat');
  const dnsAddress = parseDnsAddress(opts.dns ?? DEFAULT_DNS_ADDRESS);
  const ingressAddress = parseLoopbackAddress('--ingress', opts.ingress ?? DEFAULT_INGRESS_ADDRESS, DEFAULT_INGRESS_ADDRESS);
  const ingressTlsAddress = parseLoopbackAddress('--ingress-tls', opts.ingressTls ?? DEFAULT_INGRESS_TLS_ADDRESS, DEFAULT_INGRESS_TLS_ADDRESS);
  const nodePortAddress = parseNodePortAddress(opts.nodePortAddress ?? '127.0.0.1');
  // Opened before anything starts, so a path that cannot be written is a usage error, not a log line later.
  let flowsFd: number | undefined;
  if (opts.flows) {
    try {
      flowsFd = openSync(resolve(opts.flows), 'a');
    } catch (e) {
      throw new UsageError(`--flows ${opts.flows}: cannot open for appending: ${(e as Error).message}`);
    }
  }
  const apiAddress = parseApiAddress(opts.api ?? DEFAULT_API_ADDRESS, (m) => new UsageError(m));
  const state = SqliteState.open(opts.state);
  let dns: ServedDns | undefined;
  let live: LiveDataPlane | undefined;
  let ingress: ServedIngress | undefined;
  let services: ServedServiceListeners | undefined;
  let stopServices: (() => void) | undefined;
  let stopFlowEndpoints: (() => void) | undefined;
  let api: ServedApi | undefined;
  let flowFile: WriteStream | undefined;
  const log = (s: string) => io.stderr(`[${timestamp(io.clock.now())}] ${s}\n`);
  try {
    const saved = state.load();
    const manager = new ControllerManager(io.clock, saved);
    let files: string[] = [];
    const parseCache = new ManifestCache();
    const applyInputs = async (first: boolean): Promise<boolean> => {
      const read = await readInputs(opts.filename, io.readStdin, parseCache);
      files = read.files;
      try {
        if (read.problems.length > 0) throw new InputError(read.problems);
        const { cluster, events, layerChanges } = manager.apply(read.docs);
        state.save(events, manager.store.resourceVersion, layerChanges);
        for (const w of cluster.warnings) log(`warning: ${w}`);
        if (first) {
          io.stdout(`flatnet: cluster "${cluster.config.name}" is up: ${cluster.config.nodes.length} nodes, CNI ${cluster.config.cni.name} (${cluster.config.cni.mode})${cluster.config.cni.networkPolicy ? ` with ${cluster.config.cni.networkPolicy}` : ''}, ${kubeProxyReplaced(cluster.config) ? "Cilium's eBPF kube-proxy replacement (no kube-proxy)" : `kube-proxy ${cluster.config.proxyMode}`}; state in ${resolve(opts.state)}${saved.objects.length ? ' (restored)' : ''}\n\n`);
          io.stdout(summary(manager.store.all()) + '\n');
        } else {
          dns?.refresh(); // the cluster config (spec.dns) may have changed without any object changing
          live?.refresh();
          log(`re-applied ${opts.filename.join(', ')}: ${events.length} change(s)`);
          for (const e of events) {
            const line = describeEvent(e);
            if (line) log(`  ${line}`);
          }
        }
        return true;
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        for (const p of e.problems) io.stderr(`${formatProblem(p)}\n`);
        if (!first) log(`${e.problems.length} error(s): nothing applied; the previous state keeps running`);
        return false;
      }
    };
    if (!(await applyInputs(true))) return 2;
    if (dnsAddress !== 'off') dns = await serveClusterDns(manager, dnsAddress, io, log);
    // One data plane for everything on the host that connects into the model: the Ingress proxy now, and the
    // NodePort/LoadBalancer listeners (src/host/service-listeners.ts) over the same `live.dataPlane` next to it.
    live = new LiveDataPlane(manager, { clock: io.clock, onError: (e) => log(`data plane: error: ${e.message}; the previous state stays`) });
    // Every connection from the host (Ingress, NodePorts, LoadBalancers) is recorded as a flow, Hubble's way.
    const flowEndpoints = new FlowEndpoints(manager.store.all());
    const flowLog = new FlowLog();
    stopFlowEndpoints = live.onUpdate((objects) => flowEndpoints.update(objects));
    if (opts.flows) {
      flowFile = createWriteStream('', { fd: flowsFd!, flags: 'a' });
      flowFile.on('error', (e) => log(`flows: cannot write ${opts.flows}: ${e.message}`));
      const file = flowFile;
      flowLog.subscribe((f) => file.write(flowJsonLine(f)));
      io.stdout(`Flows: appending JSON lines to ${resolve(opts.flows)}\n`);
    }
    const recorded = new RecordingDataPlane(live.dataPlane, flowLog, { clock: io.clock, endpoints: flowEndpoints });
    const startApi = async (): Promise<ServedApi | undefined> => {
      if (apiAddress === 'off') return undefined;
      try {
        const { serveApi } = await import('../apiserver/server.js');
        const served = await serveApi(manager, state, { address: apiAddress, stateDir: opts.state, clock: io.clock, log, flatnet: { flows: flowLog }, pods: { dataPlane: recorded, workloads: live!.dataPlane } });
        io.stdout(`API: serving the Kubernetes API on ${served.url}; kubeconfig in ${served.kubeconfigPath}\n  KUBECONFIG=${served.kubeconfigPath} kubectl get pods -o wide\n`);
        return served;
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (!err.code || !['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL'].includes(err.code)) throw e;
        log(`API: cannot listen on ${opts.api ?? DEFAULT_API_ADDRESS}: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}; running without the Kubernetes API (choose another address with --api HOST:PORT, or --api off)`);
        return undefined;
      }
    };
    const apiStarting = startApi();
    apiStarting.catch(() => undefined); // awaited below; this only keeps an early failure elsewhere from leaving it unhandled
    ingress = await serveIngress(manager, live, { ...(ingressAddress !== 'off' ? { http: ingressAddress } : {}), ...(ingressTlsAddress !== 'off' ? { https: ingressTlsAddress } : {}) }, io, log, recorded);
    if (nodePortAddress !== 'off') {
      const served = ingress;
      const { serveServiceListeners } = await import('../../host/service-listeners.js');
      services = serveServiceListeners(() => manager.store.all(), recorded, {
        log,
        config: () => manager.cluster!.config,
        nodePortAddress,
        // The controller terminates TLS on 443 (its LoadBalancer address and NodePort); the Ingress server does that here.
        handoff: (socket, outcome) => {
          const pod = outcome.delivered.pod && manager.store.get('Pod', outcome.delivered.pod.namespace, outcome.delivered.pod.name);
          if (!pod || !isIngressNginxControllerPod(pod) || outcome.delivered.conn.destination.port !== 443) return false;
          served.server.acceptTls(socket);
          return true;
        },
      });
      await services.sync();
      stopServices = live.onUpdate(() => void services!.sync());
    }

    // The API starts beside the Ingress server (each waits on its own certificate and libraries), then both are in.
    api = await apiStarting;

    const watchers: FSWatcher[] = [];
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> = Promise.resolve();
    const schedule = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        running = running.then(() => applyInputs(false)).catch((e) => log(`error: ${(e as Error).message}`));
      }, opts.debounceMs ?? DEFAULT_DEBOUNCE_MS);
    };
    for (const p of opts.filename) {
      if (p === '-') continue;
      const recursive = statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
      try {
        watchers.push(watch(p, { recursive }, schedule));
      } catch (e) {
        log(`warning: cannot watch ${p}: ${(e as Error).message}`);
      }
    }
    log(`watching ${opts.filename.filter((p) => p !== '-').join(', ') || '(stdin: nothing to watch)'} (${files.length} file(s)); Ctrl-C to stop`);
    await opts.stopped;
    clearTimeout(timer);
    for (const w of watchers) w.close();
    await running;
    await api?.close();
    stopServices?.();
    await services?.close();
    await ingress?.close();
    live?.close();
    await dns?.close();
    log('stopped');
    return 0;
  } finally {
    await api?.close();
    stopFlowEndpoints?.();
    await new Promise<void>((r) => (flowFile ? flowFile.end(r) : r()));
    stopServices?.();
    await services?.close();
    await ingress?.close();
    live?.close();
    await dns?.close();
    state.close();
  }
}
