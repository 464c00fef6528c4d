// A root shell on a node, as the introductions use one over ssh: the netfilter and IPVS views kube-proxy's rules
// produce (iptables, iptables-save, nft, ipvsadm), Cilium's `cilium-dbg service list` on Cilium clusters, `ip` and
// `bridge` over the node's network namespace, grep, `sh -c` pipelines, and the network tools (curl, ping, nc,
// nslookup, dig) running from the node's own namespace.
//
// @example
// const r = await execOnNode({ node: 'node-1', objects, config, dataPlane, dns, layout, clock }, ['sh', '-c', 'iptables -t nat -L KUBE-SERVICES -n | grep my-api']);
// r.stdout; // "KUBE-SVC-SJYKZTJCFC4ORG45  6    --  0.0.0.0/0            10.103.193.222       /* default/my-api cluster IP */ tcp dpt:80\n"

import type { Clock } from '../core/clock.js';
import { kubeProxyReplaced, type ClusterConfig } from '../core/cluster-config.js';
import { formatCidr } from '../core/ip.js';
import type { KubeObject } from '../core/types.js';
import { runCiliumDbg } from '../dataplane/sim/cilium-dbg.js';
import { runBridge } from '../dataplane/sim/layout/iproute2.js';
import type { NetnsView } from '../dataplane/sim/layout/network-namespace.js';
import { runIptables, runIptablesSave, runIpvsadm, runNft, type NodeRules } from '../dataplane/sim/netfilter-tools.js';
import type { DataPlane } from '../dataplane/types.js';
import { ciliumHostPorts } from '../proxy/backends/cilium/index.js';
import { buildProxyModel, type NodeProxyView } from '../proxy/model.js';
import { runArgv } from './commands.js';
import { nodeToolContext, type LayoutLookup } from './exec.js';
import { runGrep } from './grep.js';
import { notFoundMessage, runShell } from './shell.js';
import { fail, type ToolContext, type ToolDns, type ToolResult } from './tool-context.js';
import { NODE_TOOLBOX, type Toolbox, type ToolName } from './toolbox.js';

export interface NodeExecContext {
  node: string;
  objects: KubeObject[];
  config: ClusterConfig;
  dataPlane: DataPlane;
  dns: ToolDns;
  /** The cluster's network layout (for `ip` and `bridge` in the node's namespace). */
  layout: LayoutLookup;
  clock: Clock;
  stdin?: string;
}

/**
 * The node's programs: a kind node's (Debian 12: curl, iproute2, bash) plus what the introductions' nodes have
 * installed and use: iputils ping, OpenBSD nc and BIND's nslookup, dig and host (Debian's iputils-ping,
 * netcat-openbsd and bind9-dnsutils). iptables, nft, ipvsadm, bridge and grep are served here, not by the toolbox.
 */
export const NODE_SHELL_TOOLBOX: Toolbox = {
  ...NODE_TOOLBOX,
  base: 'a cluster node (Debian 12) with iputils-ping, netcat-openbsd and bind9-dnsutils installed',
  tools: new Set<ToolName>([...NODE_TOOLBOX.tools, 'ping', 'nc', 'nslookup', 'dig', 'host']),
  nslookup: 'bind',
  nc: 'openbsd',
  ping: 'iputils',
  ip: 'iproute2',
};

type NodeProgram = (args: string[], stdin: string) => ToolResult | Promise<ToolResult>;

/** `/usr/sbin/iptables` → `iptables`. */
const programName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** Runs argv on the node (a program and its arguments, as after `--`), with a `|` word joining commands into a pipeline. */
export async function execOnNode(ctx: NodeExecContext, argv: string[]): Promise<ToolResult> {
  const tools: ToolContext = { ...nodeToolContext(ctx), toolbox: NODE_SHELL_TOOLBOX };
  let view: NodeProxyView | undefined;
  const proxyView = (): NodeProxyView => (view ??= buildProxyModel(ctx.objects, ctx.config).forNode(ctx.node));
  const replaced = kubeProxyReplaced(ctx.config);
  const nodeRules = (): NodeRules => ({ mode: ctx.config.proxyMode, kubeProxy: !replaced, view: proxyView(), serviceCIDRs: [formatCidr(ctx.config.serviceCIDR)], now: ctx.clock.now() });
  // Under Cilium's replacement the netfilter tools show a node without kube-proxy; say where the Services are.
  const kubeProxyNote = `kube-proxy is not running on node ${ctx.node}: Cilium's eBPF kube-proxy replacement keeps Services in BPF maps (cilium-dbg service list), not in iptables, nftables or IPVS; Cilium's own CILIUM_* iptables chains are not modelled`;
  const netfilter = (tool: (r: NodeRules, args: string[]) => ToolResult) => (args: string[]): ToolResult => {
    const r = tool(nodeRules(), args);
    return replaced ? { ...r, notes: [...(r.notes ?? []), kubeProxyNote] } : r;
  };
  const netns = (): NetnsView | undefined => ctx.layout.node(ctx.node);
  const programs: Record<string, NodeProgram> = {
    iptables: netfilter(runIptables),
    'iptables-nft': netfilter(runIptables),
    'iptables-save': netfilter(runIptablesSave),
    'iptables-nft-save': netfilter(runIptablesSave),
    nft: netfilter(runNft),
    ipvsadm: netfilter(runIpvsadm),
    // The agent's CLI lives in the cilium container (`kubectl -n kube-system exec ds/cilium -- cilium-dbg ...`);
    // the node shell answers it as this node's agent would, on Cilium clusters only.
    ...(ctx.config.cni.name === 'cilium'
      ? { 'cilium-dbg': (args: string[]) => runCiliumDbg({ view: proxyView(), kubeProxyReplacement: replaced, hostPorts: ciliumHostPorts(ctx.objects, ctx.node) }, args) }
      : {}),
    bridge: (args) => {
      const ns = netns();
      return ns ? runBridge(ns, args) : fail(2, `flatnet: node ${ctx.node} has no network layout (no InternalIP)\n`);
    },
    grep: (args, stdin) => runGrep(args, stdin),
  };
  /** One simple command; `shell` says how a missing program is reported (bash over ssh, dash for `sh -c`). */
  const runOne = async (words: string[], stdin: string, shell: { flavour: 'dash' | 'bash'; invokedAs: string }): Promise<ToolResult> => {
    const name = programName(words[0] ?? '');
    const own = programs[name];
    if (own) return own(words.slice(1), stdin);
    if ((name === 'sh' || name === 'bash') && words[1] === '-c' && words[2] !== undefined)
      return runShell({ ...tools, stdin }, words[2], (w, input) => runOne(w, input, { flavour: name === 'bash' ? 'bash' : 'dash', invokedAs: name }), name);
    if (NODE_SHELL_TOOLBOX.tools.has(name as ToolName)) return runArgv({ ...tools, stdin }, words);
    return fail(127, notFoundMessage(shell.flavour, 5, shell.invokedAs, words[0] ?? ''));
  };
  // ssh hands the command line to the user's login shell (bash): `bash -c 'CMD'`, which reports a missing program.
  const login = { flavour: 'bash' as const, invokedAs: 'bash' };
  const stages = splitPipeline(argv);
  let input = ctx.stdin ?? '';
  let stderr = '';
  let last: ToolResult = { stdout: '', stderr: '', exitCode: 0 };
  const notes: string[] = [];
  for (const words of stages) {
    if (words.length === 0) return fail(2, `bash: -c: line 1: syntax error near unexpected token \`|'\nbash: -c: line 1: \`${argv.join(' ')}'\n`);
    last = await runOne(words, input, login);
    notes.push(...(last.notes ?? []));
    stderr += last.stderr;
    input = last.stdout;
  }
  return { stdout: last.stdout, stderr, exitCode: last.exitCode, ...(notes.length ? { notes } : {}) };
}

/** argv split at `|` words (what a quoted `'|'` on flatnet's command line stands for). */
function splitPipeline(argv: string[]): string[][] {
  const out: string[][] = [[]];
  for (const w of argv) {
    if (w === '|') out.push([]);
    else out[out.length - 1].push(w);
  }
  return out;
}
