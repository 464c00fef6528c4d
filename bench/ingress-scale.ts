// The Ingress benchmark's scale part: buildRouteTable over a 10k-host cluster and one route change through the path
// `flatnet up` takes on a file change (read + parse the inputs, ControllerManager.apply, persist the events, update
// the live data plane, rebuild the Ingress routes over the store), timed step by step in-process; and the same change seen over HTTP from a live
// `flatnet up --ingress`.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { Agent } from 'node:http';
import { parse } from 'yaml';
import { join } from 'node:path';
import { ControllerManager } from '../src/controllers/manager.js';
import { InputError } from '../src/core/errors.js';
import { ManifestCache } from '../src/core/manifests.js';
import { readInputs } from '../src/frontends/cli/inputs.js';
import { ingressRoutes, IngressRoutes } from '../src/ingress/proxy.js';
import { buildRouteTable, RouteTable } from '../src/ingress/route-table.js';
import { LiveDataPlane } from '../src/host/live-data-plane.js';
import { SqliteState } from '../src/storage/sqlite-state.js';
import { FLATNET_BIN } from '../src/testing/process.js';
import { CONTROLLER, largeCluster } from './ingress-cluster.js';
import { httpGet, NodeChild } from './ingress-peers.js';

export interface ScaleOptions {
  ingresses: number;
  hostsPerIngress: number;
  services: number;
  /** How many route changes to time (each routes the middle host to another Service). */
  changes: number;
}

/** Milliseconds of each step of one route change, and of the table rebuild alone. */
export interface ChangeTiming {
  readMs: number;
  applyMs: number;
  saveMs: number;
  /** SimDataPlane.update from the store (LiveDataPlane), before the Ingress listener runs. */
  dataPlaneMs: number;
  /** ingressRoutes (buildRouteTable + certificates + controller source) in the LiveDataPlane listener. */
  routesMs: number;
  /** buildRouteTable alone, timed separately after the change. */
  tableMs: number;
  events: number;
}

export interface ScaleResult {
  hosts: number;
  objects: number;
  /** Bytes of YAML read on every re-apply. */
  inputBytes: number;
  initial: { readMs: number; applyMs: number; saveMs: number };
  /** buildRouteTable over the store's objects, repeated; the first includes JIT warm-up. */
  buildMs: number[];
  changes: ChangeTiming[];
}

const clock = { now: () => new Date() };

// One parse cache for the run, as `flatnet up` keeps one: a re-read parses only the documents that changed.
const parseCache = new ManifestCache();

async function readOrThrow(dir: string) {
  const read = await readInputs([dir], undefined, parseCache);
  if (read.problems.length > 0) throw new InputError(read.problems);
  return read;
}

function routeOf(table: RouteTable, host: string): string {
  const m = table.match({ host, path: '/', scheme: 'http' });
  return m.kind === 'backend' ? m.service.name : `(${m.kind})`;
}

/** Builds the cluster from files in `dir`, then times the route table and `opts.changes` route changes. */
export async function measureRouteChanges(dir: string, opts: ScaleOptions): Promise<ScaleResult> {
  const cluster = largeCluster(opts.ingresses, opts.hostsPerIngress, opts.services);
  const inputs = join(dir, 'manifests');
  mkdirSync(inputs, { recursive: true });
  const ingressesYaml = cluster.ingressesYaml();
  writeFileSync(join(inputs, 'apps.yaml'), cluster.appsYaml);
  writeFileSync(join(inputs, 'ingresses.yaml'), ingressesYaml);
  const inputBytes = Buffer.byteLength(cluster.appsYaml) + Buffer.byteLength(ingressesYaml);
  const state = SqliteState.open(join(dir, 'state'));
  try {
    let t = performance.now();
    const first = await readOrThrow(inputs);
    const readMs = performance.now() - t;
    const manager = new ControllerManager(clock);
    t = performance.now();
    const applied = manager.apply(first.docs);
    const applyMs = performance.now() - t;
    t = performance.now();
    state.save(applied.events, manager.store.resourceVersion);
    const saveMs = performance.now() - t;

    const buildMs: number[] = [];
    let table: RouteTable | undefined;
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      table = buildRouteTable(manager.store.all(), { controller: CONTROLLER });
      buildMs.push(performance.now() - t);
    }
    if (table!.served.length !== opts.ingresses) throw new Error(`route table serves ${table!.served.length} Ingresses, want ${opts.ingresses}: ${table!.ignored[0]?.reason ?? ''}`);
    if (routeOf(table!, cluster.changedHost) !== cluster.usualService) throw new Error(`${cluster.changedHost} routes to ${routeOf(table!, cluster.changedHost)}, want ${cluster.usualService}`);

    // What `flatnet up` runs after the store changes: the live data plane's update, then its listener rebuilds the
    // Ingress routes (serveIngress in src/frontends/cli/up.ts), in a microtask after the apply and the save.
    const live = new LiveDataPlane(manager, { clock, onError: (e) => console.log(`  data plane error: ${e.message}`) });
    const mark = { routesStart: 0, routesEnd: 0, routes: undefined as IngressRoutes | undefined };
    let current: IngressRoutes | undefined = ingressRoutes(manager.store.all(), { controller: CONTROLLER }); // up builds the first at start
    live.onUpdate((objects) => {
      mark.routesStart = performance.now();
      // As up.ts serveIngress does: the previous table lends the servers whose Ingresses did not change.
      current = mark.routes = ingressRoutes(objects, { controller: CONTROLLER, previous: current?.table });
      mark.routesEnd = performance.now();
    });
    const changes: ChangeTiming[] = [];
    const usual = Number(cluster.usualService.slice('svc-'.length));
    try {
      for (let k = 0; k < opts.changes; k++) {
        // Alternate between another Service and the usual one, so that every step is a real change.
        const to = k % 2 === 0 ? (usual + 1 + (k % (opts.services - 1))) % opts.services : usual;
        writeFileSync(join(inputs, 'ingresses.yaml'), cluster.ingressesYaml(to === usual ? undefined : { to }));
        globalThis.gc?.();
        mark.routes = undefined;
        const t0 = performance.now();
        const read = await readOrThrow(inputs);
        const t1 = performance.now();
        const result = manager.apply(read.docs);
        const t2 = performance.now();
        state.save(result.events, manager.store.resourceVersion);
        live.refresh();
        const t3 = performance.now();
        await new Promise((r) => setImmediate(r)); // the microtask with the data plane update and the route rebuild
        const routes = mark.routes as IngressRoutes | undefined; // set by the listener, which TypeScript cannot see
        if (!routes) throw new Error(`after change ${k}: the live data plane did not call its listener`);
        const t4 = performance.now();
        table = buildRouteTable(manager.store.all(), { controller: CONTROLLER });
        const tableMs = performance.now() - t4;
        for (const [what, t] of [['ingressRoutes', routes.table], ['buildRouteTable', table]] as const)
          if (routeOf(t, cluster.changedHost) !== `svc-${to}`) throw new Error(`after change ${k}: ${what}: ${cluster.changedHost} routes to ${routeOf(t, cluster.changedHost)}, want svc-${to}`);
        changes.push({ readMs: t1 - t0, applyMs: t2 - t1, saveMs: t3 - t2, dataPlaneMs: mark.routesStart - t3, routesMs: mark.routesEnd - mark.routesStart, tableMs, events: result.events.length });
      }
    } finally {
      live.close();
    }
    return { hosts: cluster.hosts, objects: manager.store.all().length, inputBytes, initial: { readMs, applyMs, saveMs }, buildMs, changes };
  } finally {
    state.close();
  }
}

/** A route change seen from outside `flatnet up`: file written → the proxy answers with the new backend. */
export interface LiveChange {
  /** From the file write to the first answer from the new Service (fs.watch, up's debounce, re-apply). */
  visibleMs: number;
  /** The slowest single request meanwhile: how long the proxy stalls while the same process re-applies. */
  slowestRequestMs: number;
  /** Answers other than 200 from the old or the new Service while the change was applied. */
  bad: number;
}

export interface LiveResult {
  hosts: number;
  startS: number;
  rssMB: number;
  /** Route changes made by rewriting ingresses.yaml. */
  changes: LiveChange[];
  /** The same change made through the Kubernetes API (a merge patch of the Ingress, as `kubectl patch` sends). */
  apiChanges: LiveChange[];
}

/** PATCHes an object through `flatnet up`'s API with the kubeconfig it wrote (bearer token; its CA not checked here). */
function mergePatch(kubeconfig: string, path: string, body: object): Promise<void> {
  const config = parse(readFileSync(kubeconfig, 'utf8'));
  const server: string = config.clusters[0].cluster.server;
  const token: string = config.users[0].user.token;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(path, server), { method: 'PATCH', rejectUnauthorized: false, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/merge-patch+json' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PATCH ${path} → ${res.statusCode} ${text.slice(0, 200)}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/**
 * Runs `flatnet up --ingress` on the large cluster and changes one host's route by rewriting ingresses.yaml, polling
 * that host over HTTP (one keep-alive connection, a request every 5 ms) until the new Service answers.
 */
export async function measureLiveRouteChanges(dir: string, opts: ScaleOptions, port: number, apiPort: number): Promise<LiveResult> {
  const cluster = largeCluster(opts.ingresses, opts.hostsPerIngress, opts.services);
  const inputs = join(dir, 'manifests');
  mkdirSync(inputs, { recursive: true });
  writeFileSync(join(inputs, 'apps.yaml'), cluster.appsYaml);
  writeFileSync(join(inputs, 'ingresses.yaml'), cluster.ingressesYaml());
  const t0 = performance.now();
  const up = new NodeChild([FLATNET_BIN, 'up', '-f', inputs, '--state', join(dir, 'state'), '--dns', 'off', '--ingress', `127.0.0.1:${port}`, '--ingress-tls', 'off', '--api', `127.0.0.1:${apiPort}`], join(dir, 'up.log'));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await up.waitFor(/Ingress: serving/, 300_000);
    const startS = (performance.now() - t0) / 1000;
    await up.waitFor(/watching/, 60_000);
    const usual = Number(cluster.usualService.slice('svc-'.length));
    const first = await httpGet(port, cluster.changedHost, '/', agent);
    if (first.body !== `${cluster.usualService}\n`) throw new Error(`GET http://${cluster.changedHost}/ → ${first.status} ${JSON.stringify(first.body)}, want ${cluster.usualService}`);
    // Makes one change, then polls the host until the new Service answers.
    const measure = async (to: number, change: () => Promise<void> | void): Promise<LiveChange> => {
      const want = `svc-${to}\n`;
      const old = `svc-${to === usual ? (usual + 1) % opts.services : usual}\n`;
      const start = performance.now();
      await change();
      let slowest = 0;
      let bad = 0;
      for (;;) {
        const t = performance.now();
        const got = await httpGet(port, cluster.changedHost, '/', agent);
        slowest = Math.max(slowest, performance.now() - t);
        if (got.status === 200 && got.body === want) break;
        if (got.status !== 200 || got.body !== old) bad++;
        if (performance.now() - start > 60_000) throw new Error(`route change to svc-${to} not visible after 60 s; last answer ${got.status} ${JSON.stringify(got.body)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      const visibleMs = performance.now() - start;
      await new Promise((r) => setTimeout(r, 300)); // let up finish logging before the next change
      return { visibleMs, slowestRequestMs: slowest, bad };
    };
    const target = (k: number) => (k % 2 === 0 ? (usual + 1) % opts.services : usual);
    const changes: LiveChange[] = [];
    for (let k = 0; k < opts.changes; k++) {
      const to = target(k);
      const text = cluster.ingressesYaml(to === usual ? undefined : { to }); // before the clock starts: YAML.stringify of 1 MB is slow
      changes.push(await measure(to, () => writeFileSync(join(inputs, 'ingresses.yaml'), text)));
    }
    const apiChanges: LiveChange[] = [];
    const kubeconfig = join(dir, 'state', 'kubeconfig');
    for (let k = 0; k < opts.changes; k++) {
      const to = target(opts.changes + k); // continues the alternation, so the first patch is a change too
      const ing = cluster.changedIngress(to === usual ? undefined : { to });
      apiChanges.push(await measure(to, () => mergePatch(kubeconfig, `/apis/networking.k8s.io/v1/namespaces/default/ingresses/${ing.metadata.name}`, { spec: ing.spec })));
    }
    return { hosts: cluster.hosts, startS, rssMB: up.rssMB(), changes, apiChanges };
  } finally {
    agent.destroy();
    await up.stop('SIGINT');
  }
}
