// `flatnet up`: the model as a long-lived process — load, print a summary, persist, and re-apply on file changes.

import { watch, FSWatcher, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { ControllerManager } from '../../controllers/manager.js';
import { InputError, formatProblem } from '../../core/errors.js';
import { buildClusterDns } from '../../dns/cluster-dns.js';
import { DnsListenError, DnsServer } from '../../dns/server.js';
import type { StoreEvent } from '../../core/store.js';
import type { KubeObject } from '../../core/types.js';
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
  /** Quiet period after a file change before re-applying, in ms. */
  debounceMs?: number;
  /** Where the cluster DNS listens, `HOST:PORT` on a loopback address, or `off`. Default 127.0.0.1:10053. */
  dns?: string;
}

export const DEFAULT_DNS_ADDRESS = '127.0.0.1:10053';

/** Parses --dns: `off`, or HOST:PORT with HOST a loopback IP or localhost (`[::1]:PORT` for IPv6; port 0 picks one). */
export function parseDnsAddress(value: string): { host: string; port: number } | 'off' {
  if (value === 'off') return 'off';
  const bad = (rule: string) => new UsageError(`--dns: invalid value "${value}": ${rule}`);
  const m = /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(value);
  if (!m) throw bad('want HOST:PORT, such as 127.0.0.1:10053 or [::1]:10053, or off');
  const host = m[2] === 'localhost' ? '127.0.0.1' : (m[1] ?? m[2]);
  const port = Number(m[3]);
  if (isIP(host) === 0) throw bad('HOST must be an IP address or localhost');
  // The model's DNS is for this machine only, like the rest of flatnet: it never listens on a network interface.
  if (!(isIP(host) === 4 ? host.startsWith('127.') : host === '::1')) throw bad('HOST must be a loopback address (127.0.0.0/8 or ::1)');
  if (port > 65535) throw bad('PORT must be from 0 to 65535');
  return { host, port };
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
  const nodes = of('Node').map((n) => [n.metadata.name, n.spec.podCIDR, n.status.addresses.find((a: any) => a.type === 'InternalIP').address]);
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
  const state = SqliteState.open(opts.state);
  let dns: ServedDns | undefined;
  const log = (s: string) => io.stderr(`[${timestamp(io.clock.now())}] ${s}\n`);
  try {
    const saved = state.load();
    const manager = new ControllerManager(io.clock, saved);
    let files: string[] = [];
    const applyInputs = async (first: boolean): Promise<boolean> => {
      const read = await readInputs(opts.filename, io.readStdin);
      files = read.files;
      try {
        if (read.problems.length > 0) throw new InputError(read.problems);
        const { cluster, events } = manager.apply(read.docs);
        state.save(events, manager.store.resourceVersion);
        for (const w of cluster.warnings) log(`warning: ${w}`);
        if (first) {
          io.stdout(`flatnet: cluster "${cluster.config.name}" is up: ${cluster.config.nodes.length} nodes, CNI ${cluster.config.cni.name} (${cluster.config.cni.mode}), kube-proxy ${cluster.config.proxyMode}; state in ${resolve(opts.state)}${saved.objects.length ? ' (restored)' : ''}\n\n`);
          io.stdout(summary(manager.store.all()) + '\n');
        } else {
          dns?.refresh(); // the cluster config (spec.dns) may have changed without any object changing
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

    const watchers: FSWatcher[] = [];
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> = Promise.resolve();
    const schedule = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        running = running.then(() => applyInputs(false)).catch((e) => log(`error: ${(e as Error).message}`));
      }, opts.debounceMs ?? 100);
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
    await dns?.close();
    log('stopped');
    return 0;
  } finally {
    await dns?.close();
    state.close();
  }
}
