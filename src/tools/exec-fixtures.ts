// Test fixtures for the exec tools: the demo cluster (examples/demo plus extra YAML) with its data plane, DNS and
// layout, and a helper that runs a command in a pod the way `flatnet exec` does.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCluster, type BuiltCluster } from '../controllers/cluster.js';
import { FixedClock } from '../core/clock.js';
import { parseManifests } from '../core/manifests.js';
import type { KubeObject } from '../core/types.js';
import { buildNetworkLayout } from '../dataplane/sim/layout/network-layout.js';
import { SimDataPlane } from '../dataplane/sim/sim-data-plane.js';
import { buildClusterDns } from '../dns/cluster-dns.js';
import { REPO_ROOT, TEST_NOW } from '../testing/cluster.js';
import { execInPod, type ExecResult } from './exec.js';

/** Extra objects many tests use: a netshoot pod (BIND tools, openbsd nc, iputils) and a pod with hostAliases. */
export const EXTRA_YAML = `apiVersion: v1
kind: Pod
metadata: {name: netshoot, namespace: default}
spec:
  containers:
  - {name: netshoot, image: nicolaka/netshoot:v0.13, command: [sleep, infinity]}
---
apiVersion: v1
kind: Pod
metadata: {name: aliased, namespace: default}
spec:
  hostAliases:
  - {ip: 10.1.2.3, hostnames: [foo.local, bar.local]}
  - {ip: 10.1.2.4, hostnames: [baz.remote]}
  containers:
  - {name: box, image: busybox:1.36, command: [sleep, '3600']}
`;

/** The demo cluster, plus `extra` YAML, built at TEST_NOW; `proxyMode` replaces the demo ClusterConfig's. */
export function demoCluster(extra = EXTRA_YAML, opts: { proxyMode?: string } = {}): BuiltCluster {
  const dir = join(REPO_ROOT, 'examples', 'demo');
  const docs = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) docs.push(...parseManifests(readFileSync(join(dir, f), 'utf8'), f).docs);
  for (const d of docs) if (d.object.kind === 'ClusterConfig' && opts.proxyMode) d.object.spec = { ...d.object.spec, proxyMode: opts.proxyMode };
  if (extra) docs.push(...parseManifests(extra, 'extra.yaml').docs);
  return buildCluster(docs, { clock: new FixedClock(TEST_NOW) });
}

export function podNamed(cluster: { objects: KubeObject[] }, namespace: string, prefix: string): KubeObject {
  const pod = cluster.objects
    .filter((o) => o.kind === 'Pod' && o.metadata.namespace === namespace && o.metadata.name.startsWith(prefix))
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))[0];
  if (!pod) throw new Error(`no pod ${namespace}/${prefix}* in the cluster`);
  return pod;
}

/** Runs argv in a pod of `cluster`, with a fresh data plane on a simulated clock, as `flatnet exec` does. */
export async function execIn(cluster: BuiltCluster, pod: KubeObject, argv: string[], opts: { container?: string; stdin?: string } = {}): Promise<ExecResult> {
  const clock = new FixedClock(TEST_NOW);
  const dataPlane = new SimDataPlane(cluster.objects, cluster.config, { clock, sleep: async (ms) => clock.advance(ms) });
  const dns = buildClusterDns(cluster.objects, cluster.config);
  const layout = buildNetworkLayout(cluster.objects, cluster.config);
  return execInPod({ pod, ...opts, objects: cluster.objects, config: cluster.config, dataPlane, dns, layout, clock }, argv);
}
