// NetworkPolicy engine benchmark: synthetic clusters (1k/10k pods × 1k/10k policies) and a cluster shaped like the
// real dump in npinaeva/k8s-netpol-scale (5,413 pods, 604 namespaces, 13,678 policies); prints build, full matrix,
// peak RSS, query latency and re-derive-after-one-change figures. Targets (issue 4): 10k × 10k matrix ≤ 2 s; real
// profile ≤ 1 s; a query ≤ 1 ms; re-deriving after one policy changes ≤ 50 ms.

import type { KubeObject } from '../src/core/types.js';
import { buildPolicyEngine, NetPolEngine } from '../src/netpol/engine.js';
import { DEFAULT_POLICY_SETTINGS } from '../src/netpol/settings.js';
import type { ConnectionQuery, Protocol } from '../src/netpol/types.js';
import { mulberry32 } from '../src/core/prng.js';

const ip = (n: number) => `${10 + (n >>> 24)}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

interface Workload {
  ns: string;
  app: string;
  pods: string[];
}

class ClusterWriter {
  readonly objects: KubeObject[] = [];
  readonly workloads: Workload[] = [];
  readonly byNs = new Map<string, Workload[]>();
  private podCount = 0;
  private policyCount = 0;

  namespace(name: string, labels: Record<string, string>): void {
    this.objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labels, 'kubernetes.io/metadata.name': name } } });
    this.byNs.set(name, []);
  }

  /** A Deployment's pods (owner: its ReplicaSet), all with the same labels and named ports. */
  deployment(ns: string, app: string, replicas: number, labels: Record<string, string>, ports: { name: string; containerPort: number; protocol?: string }[]): Workload {
    const w: Workload = { ns, app, pods: [] };
    for (let r = 0; r < replicas; r++) {
      const i = this.podCount++;
      const name = `${app}-5d8f7c-${r}`;
      this.objects.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: ns, labels: { app, 'pod-template-hash': '5d8f7c', ...labels }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-5d8f7c`, uid: app, controller: true }] },
        spec: { nodeName: `node-${i % 100}`, containers: [{ name: 'c', image: 'app', ports }] },
        status: { phase: 'Running', podIP: ip(i + 256), hostIP: `172.16.${Math.floor((i % 100) / 250)}.${(i % 100) + 1}` },
      });
      w.pods.push(name);
    }
    this.workloads.push(w);
    this.byNs.get(ns)!.push(w);
    return w;
  }

  /** A policy as the API serves it: with a uid and a generation (withPolicies compares those first). */
  policy(ns: string, spec: Record<string, unknown>): void {
    const name = `np-${this.policyCount++}`;
    this.objects.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns, uid: `uid-${ns}-${name}`, generation: 1 }, spec });
  }
}

const TIERS = ['web', 'api', 'db', 'cache'];
const CIDRS = [
  { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] },
  { cidr: '172.16.0.0/12', except: ['172.16.0.0/24'] },
  { cidr: '192.168.10.0/24' },
  { cidr: '192.168.20.0/24' },
  { cidr: '203.0.113.0/24' },
  { cidr: '198.51.100.7/32' },
  { cidr: '100.64.0.0/10', except: ['100.64.1.0/24'] },
  { cidr: '10.0.0.0/8', except: ['10.0.0.0/16'] },
];
const DNS_EGRESS = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
};

function systemNamespace(c: ClusterWriter): void {
  c.namespace('kube-system', {});
  c.deployment('kube-system', 'coredns', 2, { 'k8s-app': 'kube-dns' }, [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53 }]);
}

/** Pods in Deployments of 1–9 replicas over pods/100 namespaces; policies of 20 kinds, from default-deny to ipBlock. */
export function synthetic(pods: number, policies: number, seed: number): KubeObject[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const c = new ClusterWriter();
  systemNamespace(c);
  const nsCount = Math.max(1, Math.round(pods / 100));
  const names = Array.from({ length: nsCount }, (_, i) => `ns-${i}`);
  names.forEach((n, i) => c.namespace(n, { team: `team-${i % 10}`, env: ['prod', 'staging', 'dev'][i % 3] }));
  for (let d = 0, made = 0; made < pods; d++) {
    const replicas = Math.min(pods - made, 1 + Math.floor(rand() * 9));
    c.deployment(names[d % nsCount], `app-${d}`, replicas, { tier: TIERS[d % 4] }, [{ name: 'http', containerPort: d % 2 ? 8080 : 80 }, { name: 'metrics', containerPort: 9090 }]);
    made += replicas;
  }
  for (let k = 0; k < policies; k++) {
    const ns = names[k % nsCount];
    const local = c.byNs.get(ns)!;
    const target = { matchLabels: { app: pick(local).app } };
    const other = pick(c.workloads);
    const kind = k % 20;
    if (kind === 0) c.policy(ns, { podSelector: {}, policyTypes: ['Ingress'] });
    else if (kind === 1) c.policy(ns, { podSelector: target, policyTypes: ['Egress'], egress: [DNS_EGRESS, { to: [{ podSelector: {} }] }] });
    else if (kind <= 8) c.policy(ns, { podSelector: target, ingress: [{ from: [{ podSelector: { matchLabels: { app: pick(local).app } } }], ports: [kind % 2 ? { port: 'http' } : { port: 8080 }] }] });
    else if (kind <= 11)
      c.policy(ns, { podSelector: target, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: `team-${k % 10}` } }, podSelector: { matchLabels: { tier: 'web' } } }], ports: [{ port: 8080 }] }] });
    else if (kind <= 13)
      c.policy(ns, {
        podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['api', 'db'] }] },
        ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] } }] }],
      });
    else if (kind <= 15)
      c.policy(ns, {
        podSelector: target,
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': other.ns } }, podSelector: { matchLabels: { app: other.app } } }], ports: [{ port: 8080, endPort: 8090 }] }, DNS_EGRESS],
      });
    else if (kind <= 17) c.policy(ns, { podSelector: target, ingress: [{ from: [{ ipBlock: pick(CIDRS) }], ports: [{ port: 443 }] }] });
    else if (kind === 18) c.policy(ns, { podSelector: target, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: CIDRS[0] }], ports: [{ port: 443 }] }] });
    else c.policy(ns, { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] });
  }
  return c.objects;
}

/**
 * The shape of the real dump in npinaeva/k8s-netpol-scale yaml-analysis: 604 namespaces (two of 154 and 127 pods,
 * the rest ~8), 5,413 pods mostly in Deployments of 5, 13,678 policies of which 3,559 select nothing and 495 only
 * deny; ~15.4k peers, 40% ipBlocks (1, 3 or 6 CIDRs, one port) and 60% pod selectors (mostly 2 local pods; some
 * {namespaceSelector: {}, podSelector} reaching ~3.6k pods), one port in a quarter of them.
 */
export function realProfile(seed: number): KubeObject[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const c = new ClusterWriter();
  systemNamespace(c);
  const sizes = [154, 127, 25, 25, 25, 25];
  let left = 5413 - 2 - sizes.reduce((a, b) => a + b, 0);
  while (sizes.length < 604) {
    const s = sizes.length === 603 ? left : Math.max(1, Math.min(left - (603 - sizes.length), 1 + Math.floor(rand() * 15)));
    sizes.push(s);
    left -= s;
  }
  const names = sizes.map((_, i) => `tenant-${i}`);
  sizes.forEach((size, i) => {
    c.namespace(names[i], { tenant: `t-${i % 50}` });
    for (let made = 0, d = 0; made < size; d++) {
      const replicas = Math.min(size - made, pick([1, 2, 5, 5, 5, 7, 12]));
      c.deployment(names[i], `${names[i]}-app-${d}`, replicas, rand() < 0.66 ? { 'policy-group': 'monitored' } : {}, [{ name: 'http', containerPort: 8080 }]);
      made += replicas;
    }
  });
  const weighted = [0, 0, 1, ...names.map((_, i) => i)];
  for (let k = 0; k < 13678; k++) {
    const i = k < 431 ? 1 : pick(weighted);
    const ns = names[i];
    const local = c.byNs.get(ns)!;
    const target = k < 431 || rand() < 0.15 ? {} : { matchLabels: { app: pick(local).app } };
    if (k >= 431 && k < 431 + 3559) c.policy(ns, { podSelector: { matchLabels: { app: `gone-${k}` } }, ingress: [{ from: [{ podSelector: {} }] }] });
    else if (k >= 3990 && k < 3990 + 495) c.policy(ns, { podSelector: target, policyTypes: ['Ingress'] });
    else c.policy(ns, { podSelector: target, ...(rand() < 0.2 ? { policyTypes: ['Ingress', 'Egress'], egress: [DNS_EGRESS] } : {}), ingress: realRules(rand, pick, c, local) });
  }
  return c.objects;
}

function realRules(rand: () => number, pick: <T>(xs: T[]) => T, c: ClusterWriter, local: Workload[]): unknown[] {
  const ports = () => (rand() < 0.26 ? { ports: [{ port: pick([8080, 443, 9090, 5432]) }] } : {});
  const selectorRule = () => {
    const r = rand();
    const peer =
      r < 0.8
        ? { podSelector: { matchLabels: { app: pick(local).app } } }
        : r < 0.9
          ? { namespaceSelector: {}, podSelector: { matchLabels: { 'policy-group': 'monitored' } } }
          : { namespaceSelector: { matchLabels: { tenant: `t-${Math.floor(rand() * 50)}` } }, podSelector: { matchLabels: { app: pick(c.workloads).app } } };
    return { from: [peer], ...ports() };
  };
  const cidrRule = () => ({ from: Array.from({ length: pick([1, 1, 1, 1, 3, 6]) }, () => ({ ipBlock: pick(CIDRS) })), ports: [{ port: pick([443, 8443, 80]) }] });
  const r = rand();
  return r < 0.45 ? [selectorRule()] : r < 0.75 ? [cidrRule()] : [selectorRule(), cidrRule()];
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}
function p99(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)];
}

function queries(objects: KubeObject[], n: number, seed: number): ConnectionQuery[] {
  const rand = mulberry32(seed);
  const pods = objects.filter((o) => o.kind === 'Pod');
  const end = () => {
    const p = pods[Math.floor(rand() * pods.length)];
    return { kind: 'pod' as const, namespace: p.metadata.namespace!, name: p.metadata.name };
  };
  const protocols: Protocol[] = ['TCP', 'TCP', 'TCP', 'UDP'];
  return Array.from({ length: n }, () => ({ from: end(), to: rand() < 0.1 ? { kind: 'ip' as const, ip: '203.0.113.9' } : end(), port: [80, 443, 8080, 'http', 53][Math.floor(rand() * 5)], protocol: protocols[Math.floor(rand() * 4)] }));
}

/** Sweeps every cell of the class matrix and counts allowed pod pairs on TCP 8080 (weighting classes by size). */
function sweep(engine: NetPolEngine): { cells: number; allowedPairs: number } {
  const m = engine.classMatrix();
  const u = m.universe;
  const size = new Float64Array(u.size);
  for (const e of u.elementOfPod) size[e]++;
  const table = u.table;
  let allowed = 0;
  for (let s = 0; s < u.size; s++) {
    if (size[s] === 0) continue;
    for (let d = 0; d < u.size; d++) {
      if (size[d] === 0) continue;
      const set = table.get(m.cell(s, d));
      if (set.all || (set.ranges.TCP ?? []).some(([a, b]) => a <= 8080 && 8080 <= b)) allowed += size[s] * (size[d] - (s === d ? 1 : 0));
    }
  }
  return { cells: u.size * u.size, allowedPairs: allowed };
}

/** One policy edited the way a user would: its first ingress rule now allows port 8443 + i from the namespace. */
function edited(p: KubeObject, i: number): KubeObject {
  const o = structuredClone(p);
  o.spec.ingress = [{ from: [{ podSelector: {} }], ports: [{ port: 8443 + i }] }];
  o.metadata.generation = (o.metadata.generation ?? 1) + 1;
  return o;
}

/** Re-deriving after one policy changed, 20 times over different policies: median and worst wall time. */
function rederive(engine: NetPolEngine, policies: KubeObject[]): { median: number; max: number; derived: number } {
  const times: number[] = [];
  let derived = 0;
  for (let i = 0; i < 20; i++) {
    const changed = edited(policies[(i * 7919 + 13) % policies.length], i);
    const t0 = performance.now();
    const next = engine.withPolicyChange({ apply: [changed] });
    next.matrix();
    times.push(performance.now() - t0);
    if (next.stats().derivation === 'derived') derived++;
  }
  return { median: median(times), max: Math.max(...times), derived };
}

/** `flatnet up`'s path: every policy object is new (a fresh reconcile), one has a new generation. */
function rederiveFromList(engine: NetPolEngine, policies: KubeObject[]): number {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const fresh = policies.map((p) => structuredClone(p));
    const at = (i * 104729 + 7) % fresh.length;
    fresh[at] = edited(fresh[at], i);
    const t0 = performance.now();
    engine.withPolicies(fresh).matrix();
    times.push(performance.now() - t0);
  }
  return median(times);
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

function run(name: string, objects: KubeObject[]): void {
  globalThis.gc?.();
  let peak = process.memoryUsage().rss;
  const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
  const sampler = setInterval(sample, 10);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const engine = buildPolicyEngine(objects, DEFAULT_POLICY_SETTINGS);
  const t1 = performance.now();
  const buildCpu = cpuMs(c0);
  const c1 = process.cpuUsage();
  engine.matrix();
  const t2 = performance.now();
  const swept = sweep(engine);
  const t3 = performance.now();
  const matrixCpu = cpuMs(c1);
  sample();
  globalThis.gc?.();
  const timed = (seed: number) =>
    queries(objects, 1000, seed).map((q) => {
      const a = performance.now();
      engine.evaluate(q);
      return performance.now() - a;
    });
  // The first queries run while the JIT still compiles evaluate's code paths; the second thousand is steady state.
  const cold = timed(7);
  const lat = timed(8);
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const change = rederive(engine, policies);
  const fromList = rederiveFromList(engine, policies);
  sample();
  clearInterval(sampler);
  const st = engine.stats();
  const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;
  console.log(
    `netpol ${name}: ${st.pods} pods / ${st.namespaces} namespaces / ${st.policies} policies → ${st.podClasses} pod classes, ${st.segments} address segments, ${st.connectionSets} connection sets\n` +
      `  build ${ms(t1 - t0)} (cpu ${ms(buildCpu)}); full matrix ${ms(t2 - t1)} (halves) + ${ms(t3 - t2)} (all ${swept.cells.toLocaleString('en')} cells) = ${ms(t3 - t1)} (cpu ${ms(matrixCpu)}); ` +
      `build + matrix ${ms(t3 - t0)}; ${swept.allowedPairs.toLocaleString('en')} pod pairs allowed on TCP 8080; peak RSS ${(peak / 1024 / 1024).toFixed(0)} MB\n` +
      `  evaluate ×1000: median ${(median(lat) * 1000).toFixed(0)} µs, p99 ${(p99(lat) * 1000).toFixed(0)} µs, max ${(Math.max(...lat) * 1000).toFixed(0)} µs (first 1000 after build: p99 ${(p99(cold) * 1000).toFixed(0)} µs); ` +
      `one policy changed → engine + matrix: median ${ms(change.median)}, max ${ms(change.max)} (${change.derived}/20 incremental); via withPolicies(all objects new) ${ms(fromList)}`,
  );
}

const shapes: [string, () => KubeObject[]][] = [
  ['synthetic 1k pods × 1k policies', () => synthetic(1000, 1000, 1)],
  ['synthetic 1k pods × 10k policies', () => synthetic(1000, 10000, 2)],
  ['synthetic 10k pods × 1k policies', () => synthetic(10000, 1000, 3)],
  ['synthetic 10k pods × 10k policies', () => synthetic(10000, 10000, 4)],
  ['real-cluster profile (k8s-netpol-scale)', () => realProfile(5)],
];
const which = process.argv[2];
for (const [name, make] of shapes) if (!which || name.includes(which)) run(name, make());
