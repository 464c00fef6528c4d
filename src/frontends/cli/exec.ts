// `flatnet exec [-n NS] POD [-c CONTAINER] -- CMD ARGS...`: runs an emulated tool (curl, nslookup, ip, ...) inside a
// pod of the modelled cluster, printing what `kubectl exec` would and exiting with the command's status.

import { FixedClock } from '../../core/clock.js';
import { resolveResourceType } from '../../core/resources.js';
import type { KubeObject } from '../../core/types.js';
import { buildNetworkLayout } from '../../dataplane/sim/layout/network-layout.js';
import { SimDataPlane } from '../../dataplane/sim/sim-data-plane.js';
import { buildClusterDns } from '../../dns/cluster-dns.js';
import { ReferenceIndex } from '../../netpol/references.js';
import { execInPod } from '../../tools/exec.js';
import type { CliIO } from './io.js';
import { loadCluster, UsageError } from './load.js';

export interface ExecArgs {
  /** Default "default". */
  namespace?: string;
  /** `POD`, or `TYPE/NAME` as kubectl accepts it (`deploy/debug`, `statefulset/web`, `pod/pod1`). */
  pod: string;
  container?: string;
  /** The command and its arguments (everything after `--`). */
  argv: string[];
  filename: string[];
}

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'];

/** A Deployment is "deployments.apps" in kubectl's NotFound message; core kinds have no group. */
function qualified(kind: string): string {
  const t = resolveResourceType(kind.toLowerCase());
  const plural = t?.plural ?? `${kind.toLowerCase()}s`;
  const group = t?.group;
  return group ? `${plural}.${group}` : plural;
}

/**
 * The pod `kubectl exec TYPE/NAME` runs in: for a workload, its pods (by ownerReferences), a running one first, then
 * by name. Errors carry kubectl's wording.
 */
export function podForExec(objects: KubeObject[], namespace: string, ref: string): KubeObject | string {
  const slash = ref.indexOf('/');
  const [typeText, name] = slash < 0 ? ['pod', ref] : [ref.slice(0, slash), ref.slice(slash + 1)];
  const kind = resolveResourceType(typeText.toLowerCase())?.kind;
  if (!kind) return `error: the server doesn't have a resource type "${typeText}"`;
  if (kind !== 'Pod' && !WORKLOADS.includes(kind)) return `error: cannot exec into a ${kind}: choose a pod or a workload (deploy, sts, ds, rs, job)`;
  const obj = objects.find((o) => o.kind === kind && (o.metadata.namespace ?? 'default') === namespace && o.metadata.name === name);
  if (!obj) return `Error from server (NotFound): ${qualified(kind)} "${name}" not found`;
  if (kind === 'Pod') return obj;
  const pods = new ReferenceIndex(objects)
    .podsOf(kind, namespace, name)
    .sort((a, b) => Number(b.status?.phase === 'Running') - Number(a.status?.phase === 'Running') || (a.metadata.name < b.metadata.name ? -1 : 1));
  return pods[0] ?? `error: cannot exec into ${typeText}/${name}: it has no pods`;
}

/** Runs `exec`; returns the command's exit status (1 when kubectl itself fails). */
export async function runExec(args: ExecArgs, io: CliIO): Promise<number> {
  if (!args.pod) throw new UsageError('POD is required: flatnet exec [-n NS] POD [-c CONTAINER] -- COMMAND [ARGS...]');
  if (args.argv.length === 0) throw new UsageError('you must specify at least one command for the container (after --)');
  const cluster = await loadCluster(args.filename, io);
  const namespace = args.namespace ?? 'default';
  const pod = podForExec(cluster.objects, namespace, args.pod);
  if (typeof pod === 'string') {
    io.stderr(`${pod}\n`);
    return 1;
  }
  // Simulated time: a server's flatnet.dev/latency advances this clock instead of making the user wait.
  const clock = new FixedClock(io.clock.now());
  const dataPlane = new SimDataPlane(cluster.objects, cluster.config, { clock, sleep: async (ms) => clock.advance(ms) });
  const dns = buildClusterDns(cluster.objects, cluster.config);
  const layout = buildNetworkLayout(cluster.objects, cluster.config);
  const r = await execInPod({ pod, ...(args.container !== undefined ? { container: args.container } : {}), objects: cluster.objects, config: cluster.config, dataPlane, dns, layout, clock }, args.argv);
  if (r.error) {
    io.stderr(`${r.error}\n`);
    return 1;
  }
  if (r.defaultedFrom) io.stderr(`Defaulted container "${r.container}" out of: ${r.defaultedFrom.join(', ')}\n`);
  io.stdout(r.stdout);
  io.stderr(r.stderr);
  for (const n of r.notes) io.stderr(`flatnet: ${n}\n`);
  if (r.exitCode !== 0) io.stderr(`command terminated with exit code ${r.exitCode}\n`);
  return r.exitCode;
}
