// The service-proxy benchmark harness: synthetic clusters of N Services × 10 endpoints, full renders, and
// incremental renders after one endpoint turns not-ready and after one Service is added. Backends plug in here.

import { parseCidr } from '../src/core/ip.js';
import type { KubeObject } from '../src/core/types.js';
import { buildProxyModel, NodeProxyView, ProxyModel } from '../src/proxy/model.js';

/** A renderer that can render in full and then re-render only the Services a change touched. */
export interface IncrementalRenderer {
  render(): string;
  update(serviceKeys: string[]): { payload: string };
}

/** A backend under benchmark. */
export interface BenchBackend {
  name: string;
  create(view: NodeProxyView): IncrementalRenderer;
}

const ENDPOINTS = 10;
const NODES = 100;

function ip(n: number, base: number): string {
  const v = base + n;
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

function service(i: number): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: `ns-${i % 50}` }, spec: { type: i % 10 === 0 ? 'NodePort' : 'ClusterIP', clusterIP: ip(i + 1, 0x0a600000), externalTrafficPolicy: 'Cluster', ports: [{ name: 'http', port: 80, protocol: 'TCP', ...(i % 10 === 0 ? { nodePort: 30000 + (i / 10) } : {}) }] } };
}

function slice(i: number, notReady = -1): KubeObject {
  const endpoints = Array.from({ length: ENDPOINTS }, (_, e) => ({ addresses: [ip(i * ENDPOINTS + e + 1, 0x0b000000)], conditions: { ready: e !== notReady, serving: true, terminating: false }, nodeName: `node-${(i + e) % NODES}` }));
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `svc-${i}-abc`, namespace: `ns-${i % 50}`, labels: { 'kubernetes.io/service-name': `svc-${i}` } }, addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }], endpoints };
}

/** Nodes plus `services` Services with one 10-endpoint slice each. */
export function syntheticObjects(services: number): KubeObject[] {
  const out: KubeObject[] = [];
  for (let n = 0; n < NODES; n++) out.push({ apiVersion: 'v1', kind: 'Node', metadata: { name: `node-${n}` }, spec: { podCIDR: `11.${n}.0.0/24` }, status: { addresses: [{ type: 'InternalIP', address: ip(n + 2, 0xac100000) }] } });
  for (let i = 0; i < services; i++) out.push(service(i), slice(i));
  return out;
}

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** One measured change: apply it to the model and render the update; returns time and payload size. */
function change(model: ProxyModel, r: IncrementalRenderer, objects: KubeObject[]): { ms: number; bytes: number } {
  const t0 = process.hrtime.bigint();
  const keys = model.apply({ upsert: objects });
  const { payload } = r.update(keys);
  return { ms: ms(t0), bytes: Buffer.byteLength(payload) };
}

/** Runs every size for every backend and prints one line per measurement; returns the incremental times. */
export function runProxyBench(backends: BenchBackend[], sizes = [1000, 10000, 30000]): Record<string, Record<number, { notReady: number; added: number; full: number }>> {
  const results: Record<string, Record<number, { notReady: number; added: number; full: number }>> = {};
  for (const size of sizes) {
    const objects = syntheticObjects(size);
    let t0 = process.hrtime.bigint();
    const model = buildProxyModel(objects, { podCIDR: parseCidr('11.0.0.0/8')! });
    const view = model.forNode('node-0');
    console.log(`proxy model: ${size} Services × ${ENDPOINTS} endpoints: build + node view ${ms(t0).toFixed(0)} ms`);
    for (const [bi, b] of backends.entries()) {
      const r = b.create(view);
      (globalThis as { gc?: () => void }).gc?.();
      t0 = process.hrtime.bigint();
      const full = r.render();
      const fullMs = ms(t0);
      const notReady: { ms: number; bytes: number }[] = [];
      const added: { ms: number; bytes: number }[] = [];
      for (let k = 0; k < 21; k++) {
        const i = Math.floor((k * size) / 21);
        notReady.push(change(model, r, [slice(i, k % ENDPOINTS)]));
        change(model, r, [slice(i)]);
        // Each backend adds Services of its own: re-adding another backend's would measure a no-op change.
        added.push(change(model, r, [service(size + 100 * bi + k), slice(size + 100 * bi + k)]));
      }
      const nr = median(notReady.map((x) => x.ms));
      const ad = median(added.map((x) => x.ms));
      (results[b.name] ??= {})[size] = { notReady: nr, added: ad, full: fullMs };
      console.log(
        `${b.name.padEnd(9)} ${String(size).padStart(6)} svcs: full render ${fullMs.toFixed(0).padStart(5)} ms (${(full.length / 1e6).toFixed(1)} MB); ` +
          `endpoint not-ready ${nr.toFixed(2)} ms, ${median(notReady.map((x) => x.bytes))} B; Service added ${ad.toFixed(2)} ms, ${median(added.map((x) => x.bytes))} B`,
      );
    }
  }
  for (const [name, r] of Object.entries(results)) {
    const lo = sizes[0];
    const hi = sizes[sizes.length - 1];
    if (r[lo] && r[hi])
      console.log(`${name}: incremental ${hi}/${lo} time ratio: not-ready ${(r[hi].notReady / r[lo].notReady).toFixed(2)}, added ${(r[hi].added / r[lo].added).toFixed(2)} (target ≤ 1.5); full 10k ≤ 1000 ms: ${r[10000] ? r[10000].full.toFixed(0) : '-'} ms`);
  }
  return results;
}
