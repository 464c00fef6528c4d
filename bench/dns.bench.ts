// DNS benchmark (workload W3 of ../shared/reference/performance-peers.md): dnsperf against `flatnet up --dns` serving
// a 10k-Service cluster, side by side in the same run with a minimal Node UDP responder (a fixed answer: the floor
// for a Node server on this machine). Prints QPS, average and p99 latency, RSS, and store change → answer latency.
// Targets (issue 5): QPS ≥ 0.75× the minimal responder and ≥ 45k; RSS ≤ CoreDNS's 49.1 MB + 0.858 KB per pod+service;
// answers follow a model change within 100 ms. Usage: node --expose-gc dist/bench/dns.bench.js
// (the median of DNS_BENCH_RUNS=3 interleaved runs of each load; DNS_BENCH_SECONDS=10 per run).

import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import dnsPacket from 'dns-packet';
import { stringify } from 'yaml';
import { ControllerManager } from '../src/controllers/manager.js';
import { resolveClusterConfig } from '../src/core/cluster-config.js';
import { parseManifests } from '../src/core/manifests.js';
import type { KubeObject } from '../src/core/types.js';
import { buildClusterDns } from '../src/dns/cluster-dns.js';
import { DnsServer } from '../src/dns/server.js';
import type { CliIO } from '../src/frontends/cli/io.js';
import { serveClusterDns } from '../src/frontends/cli/up.js';
import { mulberry32 } from '../src/core/prng.js';
import { freeUdpPort } from '../src/testing/ports.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NAMESPACES = 100;
const SERVICES = 10_000;
const REPLICAS_PER_NAMESPACE = 2;
const SECONDS = Number(process.env.DNS_BENCH_SECONDS ?? 10);
const RUNS = Number(process.env.DNS_BENCH_RUNS ?? 3);
const FIXED_QPS = 20_000;

/** The minimal responder: copy the question, append one fixed A record pointing at it. No parsing, no EDNS. */
function minimalResponder(): void {
  const socket = createSocket('udp4');
  const record = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 10, 96, 0, 1]);
  socket.on('message', (m, r) => {
    if (m.length < 12) return;
    const out = Buffer.allocUnsafe(m.length + record.length);
    m.copy(out);
    record.copy(out, m.length);
    out[2] = 0x84 | (m[2] & 1);
    out[3] = 0;
    out.writeUInt16BE(1, 6);
    out.writeUInt32BE(0, 8);
    socket.send(out, r.port, r.address);
  });
  socket.bind(0, '127.0.0.1', () => console.log(`port ${socket.address().port}`));
}

/**
 * A process holding only what a CoreDNS process holds (the Namespaces, Services, EndpointSlices and Pods it watches,
 * reduced to the engine's views) and the server, for a memory figure comparable with CoreDNS's formula.
 */
async function dnsOnly(file: string): Promise<void> {
  let objects: KubeObject[] | undefined = JSON.parse(readFileSync(file, 'utf8'));
  const dns = buildClusterDns(objects!, resolveClusterConfig(undefined).config!);
  objects = undefined;
  globalThis.gc?.();
  const server = await DnsServer.start(dns, { host: '127.0.0.1', port: 0 });
  console.log(`port ${server.port}`);
}

const svcName = (i: number) => `svc-${i}.ns-${i % NAMESPACES}`;

/** 100 namespaces, each with a 2-replica Deployment selected by 100 Services: 10,000 Services, 200 pods. */
function manifests(extra: number[] = []): string {
  const docs: object[] = [];
  for (let n = 0; n < NAMESPACES; n++) {
    docs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}` } });
    const labels = { app: 'app' };
    docs.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'app', namespace: `ns-${n}` },
      spec: { replicas: REPLICAS_PER_NAMESPACE, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] } } },
    });
  }
  for (const i of [...Array.from({ length: SERVICES }, (_, i) => i), ...extra])
    docs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: `ns-${i % NAMESPACES}` }, spec: { selector: { app: 'app' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
  return docs.map((d) => stringify(d)).join('---\n');
}

/**
 * dnsperf query files: random Service A names, and a mix where 20 % are what glibc asks first for `svc-N.ns-M` from a
 * pod in `default` (`svc-N.ns-M.default.svc.cluster.local`, NXDOMAIN) — the search-path misses real clusters see.
 */
function queryFiles(dir: string): { a: string; mix: string } {
  const r = mulberry32(5);
  const a: string[] = [];
  const mix: string[] = [];
  for (let i = 0; i < 200_000; i++) {
    const name = svcName(Math.floor(r() * SERVICES));
    a.push(`${name}.svc.cluster.local A`);
    mix.push(r() < 0.2 ? `${name}.default.svc.cluster.local A` : `${name}.svc.cluster.local A`);
  }
  writeFileSync(join(dir, 'a.txt'), a.join('\n') + '\n');
  writeFileSync(join(dir, 'mix.txt'), mix.join('\n') + '\n');
  return { a: join(dir, 'a.txt'), mix: join(dir, 'mix.txt') };
}

interface PerfResult {
  qps: number;
  avgMs: number;
  p50Ms: number;
  p99Ms: number;
  lostPct: number;
  codes: string;
}

function dnsperf(port: number, file: string, dir: string, maxQps?: number): PerfResult {
  const verbose = join(dir, 'dnsperf.out');
  const args = ['-s', '127.0.0.1', '-p', String(port), '-d', file, '-l', String(SECONDS), '-c', '20', '-T', '1', '-q', '500', '-v', ...(maxQps ? ['-Q', String(maxQps)] : [])];
  const r = spawnSync('sh', ['-c', `dnsperf ${args.join(' ')} > ${verbose} 2>&1`]);
  const out = readFileSync(verbose, 'utf8');
  if (r.status !== 0) throw new Error(`dnsperf failed:\n${out.slice(-2000)}`);
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
  // -v prints "> RCODE name type latency" per reply: the latency distribution dnsperf's summary lacks.
  const latencies: number[] = [];
  for (const m of out.matchAll(/^> \S+ \S+ \S+ ([\d.]+)$/gm)) latencies.push(Number(m[1]));
  latencies.sort((x, y) => x - y);
  const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] * 1000 : NaN);
  return {
    qps: num(/Queries per second:\s+([\d.]+)/),
    avgMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    lostPct: num(/Queries lost:\s+\d+ \(([\d.]+)%\)/),
    codes: /Response codes:\s+(.*)/.exec(out)?.[1] ?? '',
  };
}

function median(xs: PerfResult[]): PerfResult {
  const sorted = [...xs].sort((a, b) => a.qps - b.qps);
  return sorted[Math.floor(sorted.length / 2)];
}

function rssMB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function waitFor(p: { out: string }, re: RegExp, what: string, ms = 120_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = re.exec(p.out);
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${p.out.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function child(args: string[]): { proc: ChildProcess; out: string } {
  const c = { proc: spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT }), out: '' };
  c.proc.stdout!.on('data', (d) => (c.out += d));
  c.proc.stderr!.on('data', (d) => (c.out += d));
  return c;
}

/**
 * Store change → first correct answer, through `flatnet up`'s own wiring (serveClusterDns): apply manifests with one
 * more Service, then ask for it over UDP every millisecond. Also reports the reconcile and the DNS rebuild alone.
 */
async function programmingLatency(changes: number, objectsFile: string): Promise<{ applyMs: number[]; answerMs: number[]; buildMs: number[] }> {
  const io: CliIO = { stdout: () => {}, stderr: () => {}, readStdin: async () => '', clock: { now: () => new Date() } };
  const manager = new ControllerManager(io.clock);
  manager.apply(parseManifests(manifests(), 'bench.yaml').docs);
  const served = await serveClusterDns(manager, { host: '127.0.0.1', port: 0 }, io, (s) => console.log(`  ${s}`));
  if (!served) throw new Error('cannot serve DNS for the programming-latency run');
  const watched = new Set(['Namespace', 'Service', 'EndpointSlice', 'Pod']);
  writeFileSync(objectsFile, JSON.stringify(manager.store.all().filter((o) => watched.has(o.kind))));
  const buildMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    buildClusterDns(manager.store.all(), manager.cluster!.config);
    buildMs.push(performance.now() - t);
  }
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const applyMs: number[] = [];
  const answerMs: number[] = [];
  try {
    for (let k = 0; k < changes; k++) {
      const extra = Array.from({ length: k + 1 }, (_, j) => SERVICES + j);
      const docs = parseManifests(manifests(extra), 'bench.yaml').docs;
      const name = `${svcName(SERVICES + k)}.svc.cluster.local`;
      const t0 = performance.now();
      let changed = 0;
      const unsubscribe = manager.store.subscribe(() => (changed = performance.now()));
      manager.apply(docs);
      unsubscribe();
      applyMs.push(changed - t0);
      const answered = new Promise<number>((resolve) => {
        const onMessage = (m: Buffer) => {
          const d = dnsPacket.decode(m) as dnsPacket.DecodedPacket & { rcode: string };
          if (d.rcode === 'NOERROR' && (d.answers ?? []).length > 0) {
            socket.off('message', onMessage);
            clearInterval(timer);
            resolve(performance.now());
          }
        };
        socket.on('message', onMessage);
        const q = dnsPacket.encode({ type: 'query', id: k, questions: [{ name, type: 'A' }] });
        const timer = setInterval(() => socket.send(q, served.server.port, '127.0.0.1'), 1);
        socket.send(q, served.server.port, '127.0.0.1');
      });
      answerMs.push((await answered) - changed);
    }
  } finally {
    socket.close();
    await served.close();
  }
  return { applyMs, answerMs, buildMs };
}

const fmt = (r: PerfResult) => `${Math.round(r.qps).toLocaleString('en-US').padStart(7)} QPS, avg ${r.avgMs.toFixed(3)} ms, p50 ${r.p50Ms.toFixed(3)} ms, p99 ${r.p99Ms.toFixed(3)} ms, lost ${r.lostPct}%`;

async function main(): Promise<void> {
  if (spawnSync('sh', ['-c', 'command -v dnsperf'], { stdio: 'ignore' }).status !== 0) {
    console.log('dns bench: skipped: dnsperf is not installed (Debian package dnsperf; .ci/run installs it)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'flatnet-dns-bench-'));
  const children: ChildProcess[] = [];
  try {
    writeFileSync(join(dir, 'cluster.yaml'), manifests());
    const files = queryFiles(dir);
    const port = await freeUdpPort();
    const t0 = performance.now();
    const up = child([join(ROOT, 'bin/flatnet.js'), 'up', '-f', join(dir, 'cluster.yaml'), '--state', join(dir, 'state'), '--dns', `127.0.0.1:${port}`]);
    children.push(up.proc);
    await waitFor(up, /DNS: serving .*\n/, '`flatnet up` to serve DNS');
    const startS = (performance.now() - t0) / 1000;
    await waitFor(up, /watching/, '`flatnet up` to watch');
    const idle = rssMB(up.proc.pid!);
    const minimal = child([fileURLToPath(import.meta.url), '--minimal-responder']);
    children.push(minimal.proc);
    const minimalPort = Number((await waitFor(minimal, /port (\d+)/, 'the minimal responder'))[1]);

    console.log(`dns: ${SERVICES.toLocaleString('en-US')} Services in ${NAMESPACES} namespaces, ${NAMESPACES * REPLICAS_PER_NAMESPACE} pods; \`flatnet up\` served DNS after ${startS.toFixed(1)} s; dnsperf -c 20 -T 1 -q 500, ${SECONDS} s per run, ${RUNS} run(s), median by QPS`);
    // Warm both (JIT, and flatnet's reply cache, as a running cluster DNS would be) before measuring.
    dnsperf(minimalPort, files.a, dir);
    dnsperf(port, files.mix, dir);
    const runs = { minimal: [] as PerfResult[], flatnetA: [] as PerfResult[], flatnetMix: [] as PerfResult[], minimalFixed: [] as PerfResult[], flatnetFixed: [] as PerfResult[] };
    for (let i = 0; i < RUNS; i++) {
      runs.minimal.push(dnsperf(minimalPort, files.a, dir));
      runs.flatnetA.push(dnsperf(port, files.a, dir));
      runs.flatnetMix.push(dnsperf(port, files.mix, dir));
      runs.minimalFixed.push(dnsperf(minimalPort, files.mix, dir, FIXED_QPS));
      runs.flatnetFixed.push(dnsperf(port, files.mix, dir, FIXED_QPS));
    }
    const loaded = rssMB(up.proc.pid!);
    const minimalRss = rssMB(minimal.proc.pid!);
    const m = median(runs.minimal);
    const a = median(runs.flatnetA);
    const mix = median(runs.flatnetMix);
    console.log(`  minimal Node responder, saturation:           ${fmt(m)}`);
    console.log(`  flatnet, saturation, Service A:               ${fmt(a)}  [${a.codes}]`);
    console.log(`  flatnet, saturation, 20 % NXDOMAIN:           ${fmt(mix)}  [${mix.codes}]`);
    console.log(`  minimal Node responder, fixed ${FIXED_QPS / 1000}k QPS:      ${fmt(median(runs.minimalFixed))}`);
    console.log(`  flatnet, fixed ${FIXED_QPS / 1000}k QPS, 20 % NXDOMAIN:      ${fmt(median(runs.flatnetFixed))}`);
    const coreDnsMB = 49.1 + (SERVICES + NAMESPACES * REPLICAS_PER_NAMESPACE) * 0.000858;
    console.log(`  RSS: flatnet up ${idle.rss.toFixed(0)} MB idle, ${loaded.rss.toFixed(0)} MB after load (peak ${loaded.peak.toFixed(0)} MB, start-up included); minimal responder ${minimalRss.rss.toFixed(0)} MB`);

    const objectsFile = join(dir, 'objects.json');
    const prog = await programmingLatency(10, objectsFile);
    const sorted = [...prog.answerMs].sort((x, y) => x - y);
    const avg = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
    console.log(`  store change → first correct UDP answer (10 Service creations): p50 ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms; of which buildClusterDns (the engine's full rebuild) p50 ${[...prog.buildMs].sort((x, y) => x - y)[2].toFixed(0)} ms; the reconcile before the change, not counted, avg ${avg(prog.applyMs).toFixed(0)} ms`);

    const only = child(['--expose-gc', fileURLToPath(import.meta.url), '--dns-only', objectsFile]);
    children.push(only.proc);
    const onlyPort = Number((await waitFor(only, /port (\d+)/, 'the DNS-only process'))[1]);
    const onlyIdle = rssMB(only.proc.pid!);
    const onlyRun = dnsperf(onlyPort, files.mix, dir);
    const onlyLoaded = rssMB(only.proc.pid!);
    console.log(`  DNS-only process (the objects CoreDNS watches → engine views + server): ${fmt(onlyRun)} on the 20 % NXDOMAIN mix; RSS ${onlyIdle.rss.toFixed(0)} MB idle, ${onlyLoaded.rss.toFixed(0)} MB after load (caches full)`);

    const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
    const ratio = Math.min(a.qps, mix.qps) / m.qps;
    console.log(`  target QPS ≥ 0.75× minimal responder: ${ratio.toFixed(2)}× (Service A ${(a.qps / m.qps).toFixed(2)}×, 20 % NXDOMAIN ${(mix.qps / m.qps).toFixed(2)}×) — ${verdict(ratio >= 0.75)}`);
    console.log(`  target QPS ≥ 45k: ${Math.round(Math.min(a.qps, mix.qps)).toLocaleString('en-US')} — ${verdict(Math.min(a.qps, mix.qps) >= 45_000)}`);
    console.log(`  target avg latency ≤ 80 µs at ${FIXED_QPS / 1000}k QPS: ${(median(runs.flatnetFixed).avgMs * 1000).toFixed(0)} µs — ${verdict(median(runs.flatnetFixed).avgMs <= 0.08)}`);
    console.log(`  target RSS ≤ CoreDNS formula 49.1 MB + 0.858 KB × ${(SERVICES + NAMESPACES * REPLICAS_PER_NAMESPACE).toLocaleString('en-US')} = ${coreDnsMB.toFixed(1)} MB: DNS-only process ${onlyLoaded.rss.toFixed(0)} MB — ${verdict(onlyLoaded.rss <= coreDnsMB)}; whole \`flatnet up\` (model, state store, DNS) ${loaded.rss.toFixed(0)} MB — ${verdict(loaded.rss <= coreDnsMB)}`);
    console.log(`  target answers follow a change within 100 ms: max ${sorted[sorted.length - 1].toFixed(1)} ms — ${verdict(sorted[sorted.length - 1] <= 100)}`);
  } finally {
    for (const c of children) c.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--minimal-responder')) minimalResponder();
else if (process.argv.includes('--dns-only')) await dnsOnly(process.argv[process.argv.indexOf('--dns-only') + 1]);
else await main();
