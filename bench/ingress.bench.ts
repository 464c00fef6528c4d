// Ingress benchmark (issue 7, workload W4 of ../shared/reference/performance-peers.md): wrk with keep-alive against
// `flatnet up --ingress` and against nginx configured for the same hosts and paths (to node:http stand-ins for the
// http-echo pods), side by side in one run; then buildRouteTable and one route change at 10k Ingress hosts.
// Targets: ≥ 0.3× nginx requests/s, p99 ≤ 10 ms, no non-2xx; a route change applied in ≤ 100 ms at 10k hosts.
// Usage: node --expose-gc dist/bench/ingress.bench.js (INGRESS_BENCH_SECONDS=5 per wrk run, INGRESS_BENCH_RUNS=3
// interleaved runs per target, median by requests/s; INGRESS_BENCH_INGRESSES=1000 × 10 hosts for the scale part).

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DEBOUNCE_MS } from '../src/frontends/cli/up.js';
import { FLATNET_BIN } from '../src/testing/process.js';
import { BenchRoute, smallCluster } from './ingress-cluster.js';
import { findCommand, freeTcpPort, httpGet, nginxConfig, NodeChild, RunningNginx, runWrk, serveEchoBackends, startNginx, WrkResult, wrkScript } from './ingress-peers.js';
import { LiveChange, LiveResult, measureLiveRouteChanges, measureRouteChanges, ScaleResult } from './ingress-scale.js';

const SECONDS = Number(process.env.INGRESS_BENCH_SECONDS ?? 5);
const RUNS = Number(process.env.INGRESS_BENCH_RUNS ?? 3);
const THREADS = 2;
const CONNECTIONS = 32;
const INGRESSES = Number(process.env.INGRESS_BENCH_INGRESSES ?? 1000);
const HOSTS_PER_INGRESS = 10;
const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
const num = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(0));

/** Every route through a proxy must answer 200 with the http-echo body; an unknown host must get 404. */
async function checkAnswers(name: string, port: number, routes: BenchRoute[]): Promise<string[]> {
  const problems: string[] = [];
  for (const r of routes) {
    const got = await httpGet(port, r.host, r.path).catch((e: Error) => ({ status: 0, body: e.message }));
    if (got.status !== 200 || got.body !== r.body) problems.push(`${name}: GET http://${r.host}${r.path} → ${got.status} ${JSON.stringify(got.body.slice(0, 80))}, want 200 ${JSON.stringify(r.body)}`);
  }
  const unknown = await httpGet(port, 'unknown.bench.test', '/').catch(() => ({ status: 0, body: '' }));
  if (unknown.status !== 404) problems.push(`${name}: GET http://unknown.bench.test/ → ${unknown.status}, want 404`);
  return problems;
}

function median(xs: WrkResult[]): WrkResult {
  return [...xs].sort((a, b) => a.rps - b.rps)[Math.floor(xs.length / 2)];
}

const fmt = (r: WrkResult) =>
  `${num(r.rps).padStart(7)} req/s, p50 ${ms(r.p50Ms)} ms, p99 ${ms(r.p99Ms)} ms, ${num(r.requests)} requests` +
  (r.non2xx ? `, NON-2xx ${num(r.non2xx)}` : '') +
  (r.socketErrors ? `, SOCKET ERRORS ${num(r.socketErrors)}` : '');

/** Does this build of `flatnet up` have the --ingress flag yet? */
function flatnetHasIngress(): boolean {
  const r = spawnSync(process.execPath, [FLATNET_BIN, 'up', '--help'], { encoding: 'utf8' });
  return /--ingress\b/.test(r.stdout + r.stderr);
}

interface Target {
  name: string;
  port: number;
}

/** wrk against each target in turn (interleaved, after a warm-up run each); prints the medians and the verdicts. */
function httpWorkload(wrk: string, targets: Target[], script: string, backendPort: number): void {
  const opts = { seconds: SECONDS, threads: THREADS, connections: CONNECTIONS, script };
  for (const t of targets) runWrk(wrk, `http://127.0.0.1:${t.port}/`, { ...opts, seconds: Math.min(2, SECONDS) });
  const runs = new Map<string, WrkResult[]>(targets.map((t) => [t.name, []]));
  for (let i = 0; i < RUNS; i++) for (const t of targets) runs.get(t.name)!.push(runWrk(wrk, `http://127.0.0.1:${t.port}/`, opts));
  const results = new Map(targets.map((t) => [t.name, median(runs.get(t.name)!)]));
  for (const [name, r] of results) console.log(`  ${name.padEnd(34)} ${fmt(r)}`);
  if (backendPort) console.log(`  ${'one backend directly (no proxy)'.padEnd(34)} ${fmt(runWrk(wrk, `http://127.0.0.1:${backendPort}/`, opts))}  (the node:http stand-in's ceiling)`);
  const nginx = results.get('nginx');
  const flatnet = results.get('flatnet');
  if (!flatnet) return;
  if (nginx) console.log(`  target requests/s ≥ 0.3× nginx: ${(flatnet.rps / nginx.rps).toFixed(2)}× — ${verdict(flatnet.rps >= 0.3 * nginx.rps)}`);
  console.log(`  target p99 ≤ 10 ms: ${ms(flatnet.p99Ms)} ms — ${verdict(flatnet.p99Ms <= 10)}`);
  const bad = [...runs.get('flatnet')!].reduce((a, r) => a + r.non2xx + r.socketErrors, 0);
  console.log(`  target no non-2xx responses or socket errors (all flatnet runs): ${num(bad)} — ${verdict(bad === 0)}`);
  for (const [name, rs] of runs) for (const r of rs) if (r.non2xx || r.socketErrors) console.log(`  ${name}: ${r.non2xx} non-2xx, ${r.socketErrors} socket errors in one run:\n${r.raw.replace(/^/gm, '    ')}`);
}

function printScale(s: ScaleResult): void {
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const med = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)];
  const max = (xs: number[]) => sorted(xs)[xs.length - 1];
  const c = s.changes;
  const whole = c.map((x) => x.readMs + x.applyMs + x.saveMs + x.dataPlaneMs + x.routesMs);
  const table = c.map((x) => x.tableMs);
  console.log(`ingress at scale: ${num(s.hosts)} Ingress hosts (${num(INGRESSES)} Ingresses × ${HOSTS_PER_INGRESS} hosts, one path each, to 10 Services), ${num(s.objects)} objects in the store, ${(s.inputBytes / 1e6).toFixed(1)} MB of YAML input; in-process, ${c.length} route changes`);
  console.log(`  initial load: read + parse ${ms(s.initial.readMs)} ms, ControllerManager.apply ${ms(s.initial.applyMs)} ms, SQLite save ${ms(s.initial.saveMs)} ms`);
  console.log(`  buildRouteTable over the store: ${s.buildMs.map(ms).join(' / ')} ms (first includes JIT warm-up)`);
  const step = (name: string, xs: number[]) => `${name.padEnd(48)} p50 ${ms(med(xs)).padStart(5)} ms, max ${ms(max(xs)).padStart(5)} ms`;
  console.log(`  one route change (1 host to another Service; ${c[0]?.events ?? 0} store event(s)), the steps of flatnet up's re-apply:`);
  console.log(`    ${step('read every input file, parse the changed documents (readInputs)', c.map((x) => x.readMs))}`);
  console.log(`    ${step('ControllerManager.apply', c.map((x) => x.applyMs))}`);
  console.log(`    ${step('SQLite save of the events', c.map((x) => x.saveMs))}`);
  console.log(`    ${step('LiveDataPlane: SimDataPlane.update', c.map((x) => x.dataPlaneMs))}`);
  console.log(`    ${step('ingressRoutes from the previous table (listener)', c.map((x) => x.routesMs))}`);
  console.log(`    ${step('whole path', whole)}  (not counted: up's ${DEFAULT_DEBOUNCE_MS} ms debounce)`);
  console.log(`    ${step('buildRouteTable from scratch, timed separately', table)}`);
  console.log(`  target table rebuild ≤ 100 ms at ${num(s.hosts)} hosts: ${ms(max(table))} ms max — ${verdict(max(table) <= 100)}`);
  console.log(`  target whole route change ≤ 100 ms at ${num(s.hosts)} hosts: ${ms(max(whole))} ms max — ${verdict(max(whole) <= 100)}${max(whole) > 100 ? ` (${(max(whole) / 100).toFixed(1)}× over)` : ''}`);
}

function printLive(l: LiveResult): void {
  console.log(`  live: \`flatnet up --ingress\` on the same ${num(l.hosts)} hosts served after ${l.startS.toFixed(1)} s, RSS ${l.rssMB.toFixed(0)} MB; one host moved to another Service, then polled until the new Service answers:`);
  const show = (how: string, changes: LiveChange[]) => {
    for (const c of changes) console.log(`    ${how.padEnd(46)} ${ms(c.visibleMs).padStart(5)} ms; slowest request meanwhile ${ms(c.slowestRequestMs)} ms${c.bad ? `; ${c.bad} WRONG ANSWERS` : ''}`);
  };
  show(`rewrite ingresses.yaml (incl. ${DEFAULT_DEBOUNCE_MS} ms debounce)`, l.changes);
  show('PATCH the Ingress through the Kubernetes API', l.apiChanges);
  const worst = Math.max(...l.changes.map((c) => c.visibleMs));
  const worstApi = Math.max(...l.apiChanges.map((c) => c.visibleMs));
  console.log(`  target route change live ≤ 100 ms at ${num(l.hosts)} hosts: file write → new answer ${ms(worst)} ms max — ${verdict(worst <= 100)}; API write → new answer ${ms(worstApi)} ms max — ${verdict(worstApi <= 100)}`);
}

/** The HTTP workload: wrk against nginx and `flatnet up --ingress`, whichever can run here. */
async function httpPart(dir: string): Promise<void> {
  const wrk = findCommand('wrk');
  const nginxBin = findCommand('nginx', ['/usr/sbin/nginx']);
  const stops: (() => Promise<void>)[] = [];
  try {
    const cluster = smallCluster();
    const endpoints = cluster.services.flatMap((s) => Array.from({ length: s.replicas }, () => s));
    console.log(`ingress: ${new Set(cluster.routes.map((r) => r.host)).size} hosts × 2 paths → ${cluster.services.length} http-echo Services, ${endpoints.length} endpoints; wrk -t${THREADS} -c${CONNECTIONS} keep-alive, ${SECONDS} s per run, ${RUNS} interleaved run(s) per target, median by requests/s; the Lua script rotates over the ${cluster.routes.length} host+path routes; figures from a shared 2-core machine`);
    if (!wrk) console.log('  skipped the HTTP workload: wrk is not installed (Debian package wrk; .ci/run installs it)');
    if (!nginxBin) console.log('  skipped the nginx side: nginx is not installed (Debian package nginx; .ci/run installs it)');
    const targets: Target[] = [];

    let backendPort = 0;
    if (nginxBin) {
      const backends = new NodeChild([fileURLToPath(import.meta.url), '--echo-backends', JSON.stringify(endpoints.map((s) => s.text))]);
      stops.push(() => backends.stop());
      const ports: number[] = JSON.parse((await backends.waitFor(/ports (\[.*\])/))[1]);
      backendPort = ports[0];
      const upstreams = new Map<string, number[]>();
      endpoints.forEach((s, i) => upstreams.set(s.name, [...(upstreams.get(s.name) ?? []), ports[i]]));
      const port = await freeTcpPort();
      const nginxDir = join(dir, 'nginx');
      mkdirSync(nginxDir);
      const nginx: RunningNginx = await startNginx(nginxBin, nginxDir, nginxConfig(nginxDir, port, cluster.routes, upstreams), port);
      stops.push(() => nginx.stop());
      targets.push({ name: 'nginx', port });
      console.log(`  nginx ${spawnSync(nginxBin, ['-v'], { encoding: 'utf8' }).stderr.trim().replace('nginx version: ', '')}: worker_processes auto, access_log off, upstream keepalive 320, proxy_buffering off, ingress-nginx's proxy headers; backends: one node:http server per endpoint in one Node process`);
    }

    if (!flatnetHasIngress()) console.log('  skipped the flatnet side: this build of `flatnet up` has no --ingress flag yet');
    else {
      writeFileSync(join(dir, 'cluster.yaml'), cluster.yaml);
      const port = await freeTcpPort();
      const t0 = performance.now();
      const up = new NodeChild([FLATNET_BIN, 'up', '-f', join(dir, 'cluster.yaml'), '--state', join(dir, 'state'), '--dns', 'off', '--ingress', `127.0.0.1:${port}`, '--ingress-tls', 'off'], join(dir, 'up.log'));
      stops.push(() => up.stop('SIGINT'));
      try {
        await up.waitFor(/Ingress: serving/, 60_000);
        console.log(`  flatnet up: served the Ingress after ${((performance.now() - t0) / 1000).toFixed(1)} s (RSS ${up.rssMB().toFixed(0)} MB); one Node process, emulated http-echo pods in it; its access log goes to the controller pod's in-memory log`);
        targets.push({ name: 'flatnet', port });
      } catch (e) {
        console.log(`  FAILED to start the flatnet side: ${(e as Error).message.replace(/\n/g, '\n    ')}`);
      }
    }

    const problems = (await Promise.all(targets.map((t) => checkAnswers(t.name, t.port, cluster.routes)))).flat();
    for (const p of problems) console.log(`  WRONG ANSWER: ${p}`);
    if (wrk && targets.length > 0) {
      const script = join(dir, 'routes.lua');
      writeFileSync(script, wrkScript(cluster.routes));
      httpWorkload(wrk, targets, script, backendPort);
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch((e: Error) => console.log(`  cannot stop a helper: ${e.message}`));
  }
}

/** The 10k-host part: in-process timings, then the same route change through a live `flatnet up --ingress`. */
async function scalePart(dir: string): Promise<void> {
  const scale = { ingresses: INGRESSES, hostsPerIngress: HOSTS_PER_INGRESS, services: 10, changes: 7 };
  printScale(await measureRouteChanges(join(dir, 'scale'), scale));
  if (flatnetHasIngress()) printLive(await measureLiveRouteChanges(join(dir, 'live'), { ...scale, changes: 3 }, await freeTcpPort(), await freeTcpPort()));
  else console.log('  skipped the live route change through `flatnet up --ingress`: no --ingress flag yet');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flatnet-ingress-bench-'));
  try {
    await httpPart(dir);
    await scalePart(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--echo-backends')) await serveEchoBackends(JSON.parse(process.argv[process.argv.indexOf('--echo-backends') + 1]));
else await main();
