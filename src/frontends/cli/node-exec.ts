// `flatnet node exec NODE -- CMD ARGS...`: a command run on a node as over ssh (the netfilter and IPVS views of
// kube-proxy's rules, ip and bridge, grep and `sh -c` pipelines, the network tools from the node's namespace).
// The command's own output and exit status pass through; 2 for bad input; 127 for a program the node lacks.

import { buildClusterDns } from '../../dns/cluster-dns.js';
import { buildNetworkLayout } from '../../dataplane/sim/layout/network-layout.js';
import { SimDataPlane } from '../../dataplane/sim/sim-data-plane.js';
import { execOnNode } from '../../tools/node-shell.js';
import type { CliIO } from './io.js';
import { loadCluster, UsageError } from './load.js';

export interface NodeExecArgs {
  node: string;
  /** The command and its arguments, as after `--`. A `|` word starts the next command of a pipeline. */
  command: string[];
  filename: string[];
}

/** Runs `node exec`; returns the command's exit status. */
export async function runNodeExec(args: NodeExecArgs, io: CliIO): Promise<number> {
  if (args.command.length === 0) throw new UsageError('node exec: no command: give it after --, e.g. flatnet node exec node-1 -- ip route');
  const cluster = await loadCluster(args.filename, io);
  const node = cluster.objects.find((o) => o.kind === 'Node' && o.metadata.name === args.node);
  if (!node) {
    const names = cluster.objects.filter((o) => o.kind === 'Node').map((o) => o.metadata.name);
    throw new UsageError(`node "${args.node}" not found; the cluster's nodes are: ${names.join(', ')}`);
  }
  const dataPlane = new SimDataPlane(cluster.objects, cluster.config, { clock: io.clock });
  const r = await execOnNode(
    {
      node: args.node,
      objects: cluster.objects,
      config: cluster.config,
      dataPlane,
      dns: buildClusterDns(cluster.objects, cluster.config),
      layout: buildNetworkLayout(cluster.objects, cluster.config),
      clock: io.clock,
    },
    args.command,
  );
  io.stdout(r.stdout);
  io.stderr(r.stderr);
  for (const n of r.notes ?? []) io.stderr(`flatnet: note: ${n}\n`);
  return r.exitCode;
}
