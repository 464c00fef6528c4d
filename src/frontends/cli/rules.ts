// `flatnet rules`: the service-proxy rules kube-proxy would write on one node, in the form a user would see them
// (iptables-restore input, iptables-save, iptables -L -n; nft and ipvsadm views when those backends register), or,
// where Cilium replaces kube-proxy, the Service frontends Cilium's agent programs (`cilium-dbg service list`).

import { kubeProxyReplaced, PROXY_MODES, ProxyMode } from '../../core/cluster-config.js';
import { formatCidr } from '../../core/ip.js';
import { ciliumHostPorts, ciliumServiceTable, serviceList } from '../../proxy/backends/cilium/index.js';
import '../../proxy/backends/iptables/backend.js';
import '../../proxy/backends/nftables/backend.js';
import '../../proxy/backends/ipvs/backend.js';
import { registeredModes, rulesBackend, RulesRequestError } from '../../proxy/backends/registry.js';
import { buildProxyModel, NodeProxyView, UnknownNodeError } from '../../proxy/model.js';
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

/** `--mode cilium`: Cilium's eBPF service table instead of a kube-proxy mode's rules. */
const CILIUM_MODE = 'cilium';
const CILIUM_VIEWS = ['service-list'];
const MODES = [...PROXY_MODES, CILIUM_MODE];

/** Runs `rules`; returns the exit code (2 for usage errors and unknown nodes, 1 for an unknown chain). */
export async function runRules(opts: RulesOptions, io: CliIO): Promise<number> {
  if (opts.mode !== undefined && !MODES.includes(opts.mode)) throw new UsageError(`--mode: unsupported value "${opts.mode}": supported values: ${MODES.join(', ')}`);
  const cluster = await loadCluster(opts.filename, io);
  const replaced = kubeProxyReplaced(cluster.config);
  if (opts.mode === CILIUM_MODE || (opts.mode === undefined && replaced)) return ciliumRules(opts, cluster, io);
  const mode = (opts.mode ?? cluster.config.proxyMode) as ProxyMode;
  if (replaced) io.stderr(`flatnet: note: kube-proxy is not running in this cluster (Cilium's eBPF kube-proxy replacement implements Services): these are the rules kube-proxy would write in ${mode} mode\n`);
  const backend = rulesBackend(mode);
  if (!backend) throw new UsageError(`--mode ${mode}: no rule renderer for this mode yet (available: ${registeredModes().join(', ')})`);
  const view = opts.view ?? backend.defaultView;
  if (!backend.views.includes(view)) throw new UsageError(`--view: unsupported value "${view}" for mode ${mode}: supported values: ${backend.views.join(', ')}`);
  const nodeView = nodeViewFor(cluster, opts.node, io);
  if (!nodeView) return 2;
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

/** kube-proxy's view on --node (default the first node); undefined after saying why when there is no such node. */
function nodeViewFor(cluster: Awaited<ReturnType<typeof loadCluster>>, node: string | undefined, io: CliIO): NodeProxyView | undefined {
  const model = buildProxyModel(cluster.objects, cluster.config);
  try {
    return model.forNode(node ?? model.nodeNames()[0]);
  } catch (e) {
    if (!(e instanceof UnknownNodeError)) throw e;
    io.stderr(`error: --node: ${e.message}\n`);
    return undefined;
  }
}

/**
 * `--mode cilium` (the default where Cilium replaces kube-proxy): the node's `cilium-dbg service list`. On a Cilium
 * cluster it is what the agent programs (cluster IPs only without the replacement); elsewhere, what Cilium's
 * replacement would program.
 */
async function ciliumRules(opts: RulesOptions, cluster: Awaited<ReturnType<typeof loadCluster>>, io: CliIO): Promise<number> {
  const view = opts.view ?? CILIUM_VIEWS[0];
  if (!CILIUM_VIEWS.includes(view)) throw new UsageError(`--view: unsupported value "${view}" for mode ${CILIUM_MODE}: supported values: ${CILIUM_VIEWS.join(', ')}`);
  if (opts.table !== undefined || opts.chain !== undefined) throw new UsageError(`--table and --chain: mode ${CILIUM_MODE} has no tables or chains: Cilium keeps Services in BPF maps`);
  const nodeView = nodeViewFor(cluster, opts.node, io);
  if (!nodeView) return 2;
  const nodeName = nodeView.node.name;
  const onCilium = cluster.config.cni.name === 'cilium';
  const kubeProxyReplacement = onCilium ? kubeProxyReplaced(cluster.config) : true;
  if (kubeProxyReplacement && onCilium) io.stderr(`flatnet: note: kube-proxy is not running in this cluster: Cilium's eBPF kube-proxy replacement implements Services; this is node ${nodeName}'s cilium-dbg service list (--mode iptables|nftables|ipvs shows the rules kube-proxy would write)\n`);
  if (!onCilium) io.stderr(`flatnet: note: this cluster runs ${cluster.config.cni.name} and kube-proxy: this is the service table Cilium's kube-proxy replacement would program on node ${nodeName}\n`);
  io.stdout(serviceList(ciliumServiceTable(nodeView, { kubeProxyReplacement, hostPorts: ciliumHostPorts(cluster.objects, nodeName) })));
  return 0;
}
