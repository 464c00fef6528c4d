// The rules a traced Service connection goes through on its node, in the proxy mode's own names: it runs the
// connection's first packet through the node's rendered iptables or nftables rules (the tracers in src/proxy/tracer)
// and keeps the path that leads where the data plane sent it; for IPVS, the virtual server and real server matched;
// for Cilium, the frontend in cilium_lb4_services_v2 and the backend in cilium_lb4_backends_v3.

import { kubeProxyReplaced, type ClusterConfig } from '../../core/cluster-config.js';
import { formatCidr } from '../../core/ip.js';
import { ciliumServiceTable, findFrontend, serviceMapRules } from '../../proxy/backends/cilium/index.js';
import { renderJumpRules } from '../../proxy/backends/iptables/jump-rules.js';
import { IptablesRenderer } from '../../proxy/backends/iptables/render.js';
import { nodeRuleset } from '../../proxy/backends/iptables/save-view.js';
import { renderIpvs } from '../../proxy/backends/ipvs/render.js';
import { NftablesRenderer } from '../../proxy/backends/nftables/render.js';
import { tableFromScripts } from '../../proxy/backends/nftables/table.js';
import type { NodeProxyView, ProxyModel } from '../../proxy/model.js';
import { traceIptables, type TracePath } from '../../proxy/tracer/iptables-tracer.js';
import { traceNft } from '../../proxy/tracer/nft-tracer.js';
import type { ServiceStep } from '../types.js';

/** The rules found, or why none are shown. */
export type RulePath = { rules: string[] } | { rules: []; note: string };

/** The path that matches the data plane's decision: the DNAT to the endpoint taken, or the REJECT/DROP. */
function matching(paths: TracePath[], step: ServiceStep): TracePath | undefined {
  if (step.verdict === 'dnat') return paths.find((p) => p.verdict === 'ACCEPT' && p.dnat === step.endpoint);
  const want = step.verdict === 'reject' ? 'REJECT' : 'DROP';
  return paths.find((p) => p.verdict === want) ?? paths.find((p) => p.verdict !== 'ACCEPT');
}

/**
 * iptables: for a DNAT, the nat chains up to the KUBE-SEP- chain that DNATs (then nat POSTROUTING and
 * KUBE-POSTROUTING when the packet is masqueraded there); for a REJECT or DROP, every chain up to the verdict.
 */
function iptablesRules(view: NodeProxyView, step: ServiceStep, packet: Packet): string[] | undefined {
  const r = new IptablesRenderer(view);
  const rs = nodeRuleset(renderJumpRules(r.options), r.render());
  const path = matching(traceIptables(rs, packet, (ip) => view.isLocalAddress(ip)).paths, step);
  if (!path) return undefined;
  if (step.verdict !== 'dnat') return [...path.chains, path.verdict];
  const firstFilter = path.chains.findIndex((c) => !c.startsWith('nat/'));
  const nat = firstFilter < 0 ? path.chains : path.chains.slice(0, firstFilter);
  return path.masquerade ? [...nat, 'nat/POSTROUTING', 'nat/KUBE-POSTROUTING'] : nat;
}

/**
 * nftables: the chains of table ip kube-proxy in order, with the verdict map the `services` chain dispatches through
 * (`@service-ips` for Service addresses, `@service-nodeports` for NodePorts); for a DNAT from the nat hook's base chain
 * to the `endpoint-` chain, for a REJECT or DROP every chain up to the verdict.
 */
function nftRules(view: NodeProxyView, config: ClusterConfig, step: ServiceStep, packet: Packet): string[] | undefined {
  const table = tableFromScripts(new NftablesRenderer(view, { serviceCIDRs: [formatCidr(config.serviceCIDR)] }).render());
  const path = matching(traceNft(table, packet, (ip) => view.isLocalAddress(ip)).paths, step);
  if (!path) return undefined;
  let chains = step.verdict === 'dnat' ? path.chains : [...path.chains, path.verdict.toLowerCase()];
  if (step.verdict === 'dnat') {
    const start = chains.findIndex((c) => c === 'nat-prerouting' || c === 'nat-output');
    const end = chains.map((c) => c.startsWith('endpoint-')).lastIndexOf(true);
    if (start >= 0 && end > start) chains = chains.slice(start, end + 1);
  }
  const map = step.entry === 'nodePort' ? '@service-nodeports' : '@service-ips';
  return chains.flatMap((c, i) => (c === 'services' && chains[i + 1] && !chains[i + 1].startsWith('nat-') && !chains[i + 1].startsWith('filter-') ? [c, map] : [c]));
}

/** IPVS: the virtual server (`TCP 10.96.0.10:53 rr`) and the real server taken (`-> 10.244.1.5:53 Masq 1`), as ipvsadm -Ln prints them. */
function ipvsRules(view: NodeProxyView, step: ServiceStep): string[] | undefined {
  const vs = renderIpvs(view).virtualServers.find((v) => v.address === step.destination.ip && v.port === step.destination.port && v.protocol === step.protocol);
  if (!vs) return undefined;
  const head = `${vs.protocol}  ${vs.address}:${vs.port} ${vs.scheduler}${vs.persistentTimeout !== undefined ? ` persistent ${vs.persistentTimeout}` : ''}`;
  const real = vs.realServers.find((r) => `${r.address}:${r.port}` === step.endpoint);
  return real ? [head, `-> ${real.address}:${real.port} ${real.forward} ${real.weight}`] : [head];
}

/**
 * Cilium: the frontend the connection matched in the node's cilium_lb4_services_v2 (its exact address, or the
 * `0.0.0.0:<nodePort>` wildcard socket-LB falls back to for another node's address or 127.0.0.1), with its service ID,
 * and for a DNAT the backend taken in cilium_lb4_backends_v3. IDs are the ones `cilium-dbg service list` shows.
 */
function ciliumRules(view: NodeProxyView, config: ClusterConfig, step: ServiceStep): string[] | undefined {
  const table = ciliumServiceTable(view, { kubeProxyReplacement: kubeProxyReplaced(config), hostPorts: [] });
  const f = findFrontend(table, step.destination.ip, step.destination.port, step.protocol);
  if (!f) return undefined;
  if (step.verdict !== 'dnat') return [...serviceMapRules(f.frontend, f.type, f.id), f.backends.length ? 'no backend for this client' : 'no backends'];
  const address = `${step.endpoint}/${step.protocol}`;
  const b = f.backends.find((x) => x.address === address);
  if (b) return serviceMapRules(f.frontend, f.type, f.id, b);
  // externalTrafficPolicy Local: the frontend's external scope lists this node's backends only, while connections
  // from inside the cluster use its internal scope, which holds them all (backend IDs are per address, node-wide).
  const internal = step.candidates.includes(step.endpoint!) ? table.flatMap((x) => x.backends).find((x) => x.address === address) : undefined;
  return internal ? serviceMapRules(f.frontend, `${f.type}, internal scope`, f.id, internal) : undefined;
}

interface Packet {
  sourceIP: string;
  protocol: string;
  destinationIP: string;
  destinationPort: number;
}

/**
 * The rules kube-proxy's rendered ruleset on `step.node` takes for the traced connection. When the rendered rules do
 * not lead where the data plane's model sent the packet, says so instead of inventing a path (that would be a bug to
 * report: the model and the renderers are meant to agree, and their tests check it).
 */
export function serviceRules(model: ProxyModel, config: ClusterConfig, step: ServiceStep): RulePath {
  const view = model.forNode(step.node);
  const packet: Packet = { sourceIP: step.source, protocol: step.protocol.toLowerCase(), destinationIP: step.destination.ip, destinationPort: step.destination.port };
  let rules: string[] | undefined;
  if (step.proxyMode === 'cilium') rules = ciliumRules(view, config, step);
  else if (step.proxyMode === 'iptables') rules = iptablesRules(view, step, packet);
  else if (step.proxyMode === 'nftables') rules = nftRules(view, config, step, packet);
  else if (step.proxyMode === 'ipvs') rules = ipvsRules(view, step);
  else return { rules: [], note: `no rule renderer for proxy mode ${step.proxyMode}` };
  if (rules) return { rules };
  const where = step.verdict === 'dnat' ? `to ${step.endpoint}` : `to a ${step.verdict.toUpperCase()}`;
  const what = step.proxyMode === 'cilium' ? `Cilium service table (cilium-dbg service list)` : `${step.proxyMode} rules`;
  return { rules: [], note: `the rendered ${what} of node ${step.node} lead this packet nowhere ${where}: the rules and the proxy model disagree (a flatnet bug)` };
}
