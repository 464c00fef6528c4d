// `flatnet rules`: the service-proxy rules kube-proxy would write on one node, in the form a user would see them
// (iptables-restore input, iptables-save, iptables -L -n; nft and ipvsadm views when those backends register).

import { PROXY_MODES, ProxyMode } from '../../core/cluster-config.js';
import { formatCidr } from '../../core/ip.js';
import '../../proxy/backends/iptables/backend.js';
import '../../proxy/backends/nftables/backend.js';
import '../../proxy/backends/ipvs/backend.js';
import { registeredModes, rulesBackend, RulesRequestError } from '../../proxy/backends/registry.js';
import { buildProxyModel, UnknownNodeError } from '../../proxy/model.js';
import type { CliIO } from './io.js';
import { loadCluster, UsageError } from './load.js';

export interface RulesOptions {
  filename: string[];
  /** Node whose rules to show; default: the cluster's first node. */
  node?: string;
  /** Proxy mode; default: the ClusterConfig's proxyMode. */
  mode?: string;
  /** View; default: the backend's default (restore for iptables). */
  view?: string;
  /** Table for the list and save views (iptables: filter or nat). */
  table?: string;
  /** One chain only, for the list view. */
  chain?: string;
}

/** Runs `rules`; returns the exit code (2 for usage errors and unknown nodes, 1 for an unknown chain). */
export async function runRules(opts: RulesOptions, io: CliIO): Promise<number> {
  if (opts.mode !== undefined && !(PROXY_MODES as readonly string[]).includes(opts.mode))
    throw new UsageError(`--mode: unsupported value "${opts.mode}": supported values: ${PROXY_MODES.join(', ')}`);
  const cluster = await loadCluster(opts.filename, io);
  const mode = (opts.mode ?? cluster.config.proxyMode) as ProxyMode;
  const backend = rulesBackend(mode);
  if (!backend) throw new UsageError(`--mode ${mode}: no rule renderer for this mode yet (available: ${registeredModes().join(', ')})`);
  const view = opts.view ?? backend.defaultView;
  if (!backend.views.includes(view)) throw new UsageError(`--view: unsupported value "${view}" for mode ${mode}: supported values: ${backend.views.join(', ')}`);
  const model = buildProxyModel(cluster.objects, cluster.config);
  const nodeName = opts.node ?? model.nodeNames()[0];
  let nodeView;
  try {
    nodeView = model.forNode(nodeName);
  } catch (e) {
    if (e instanceof UnknownNodeError) {
      io.stderr(`error: --node: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  try {
    io.stdout(backend.render(nodeView, { view, serviceCIDRs: [formatCidr(cluster.config.serviceCIDR)], ...(opts.table ? { table: opts.table } : {}), ...(opts.chain ? { chain: opts.chain } : {}) }));
    return 0;
  } catch (e) {
    if (e instanceof RulesRequestError) {
      io.stderr(`${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
