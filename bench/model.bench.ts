// Model benchmark: reconcile synthetic clusters of Deployments, Services and nodes, and report time and peak memory.
// Targets (issue 3): 10k pods / 2k services / 100 nodes ≤ 2 s; 150k pods / 10k services / 5k nodes ≤ 20 s, ≤ 4 GB.

import { buildCluster } from '../src/controllers/cluster.js';
import { FixedClock } from '../src/core/clock.js';
import type { ManifestDoc } from '../src/core/manifests.js';
import type { KubeObject } from '../src/core/types.js';

interface Shape {
  name: string;
  pods: number;
  services: number;
  nodes: number;
  podCIDR: string;
  namespaces: number;
  serviceCIDR?: string;
}

function doc(object: KubeObject, i: number): ManifestDoc {
  return { object, source: { file: 'bench', doc: i + 1 } };
}

/** Deployments of 5 replicas each (the last one takes the remainder), one Service per deployment until services run out. */
function synthesize(s: Shape): ManifestDoc[] {
  const docs: ManifestDoc[] = [];
  docs.push(doc({ apiVersion: 'flatnet/v1alpha1', kind: 'ClusterConfig', metadata: { name: s.name }, spec: { nodes: s.nodes, podCIDR: s.podCIDR, nodeCIDR: '172.16.0.0/16', ...(s.serviceCIDR ? { serviceCIDR: s.serviceCIDR, dnsServiceIP: s.serviceCIDR.replace(/0\/\d+$/, '10') } : {}) } }, 0));
  for (let n = 0; n < s.namespaces; n++) docs.push(doc({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}` } }, docs.length));
  const replicas = 5;
  const deployments = Math.ceil(s.pods / replicas);
  for (let d = 0; d < deployments; d++) {
    const ns = `ns-${d % s.namespaces}`;
    const labels = { app: `app-${d}` };
    docs.push(
      doc(
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: `app-${d}`, namespace: ns },
          spec: {
            replicas: Math.min(replicas, s.pods - d * replicas),
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ name: 'http', containerPort: 8080 }] }] } },
          },
        },
        docs.length,
      ),
    );
  }
  for (let v = 0; v < s.services; v++) {
    const d = v % deployments;
    docs.push(
      doc(
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: `svc-${v}`, namespace: `ns-${d % s.namespaces}` },
          spec: { selector: { app: `app-${d}` }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
        },
        docs.length,
      ),
    );
  }
  return docs;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

function run(s: Shape): void {
  globalThis.gc?.();
  const docs = synthesize(s);
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  const cluster = buildCluster(docs, { clock: new FixedClock(new Date('2026-01-01T00:00:00Z')) });
  const t1 = performance.now();
  peak = Math.max(peak, process.memoryUsage().rss);
  // Second reconcile from the first one's state: what `flatnet up` does on every change.
  const again = buildCluster(docs, { clock: new FixedClock(new Date('2026-01-01T00:00:00Z')), previous: cluster.objects });
  const t2 = performance.now();
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(sampler);
  const pods = cluster.objects.filter((o) => o.kind === 'Pod');
  const running = pods.filter((p) => p.status?.phase === 'Running').length;
  console.log(
    `model ${s.name}: ${pods.length} pods (${running} running) / ${s.services} services / ${s.nodes} nodes / ${cluster.objects.length} objects: ` +
      `reconcile ${((t1 - t0) / 1000).toFixed(2)} s, re-reconcile from state ${((t2 - t1) / 1000).toFixed(2)} s, peak RSS ${mb(peak)}`,
  );
  if (again.objects.length !== cluster.objects.length) throw new Error('re-reconcile changed the object count');
}

const which = process.argv[2];
const shapes: Shape[] = [
  { name: '10k', pods: 10_000, services: 2_000, nodes: 100, podCIDR: '10.244.0.0/16', namespaces: 50 },
  { name: 'envelope-150k', pods: 150_000, services: 10_000, nodes: 5_000, podCIDR: '10.0.0.0/8', namespaces: 500, serviceCIDR: '172.20.0.0/16' },
];
for (const s of shapes) if (!which || s.name === which) run(s);
