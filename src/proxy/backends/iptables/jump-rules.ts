// The jumps from the built-in chains into kube-proxy's chains (iptablesJumpChains, plus kubelet's KUBE-FIREWALL),
// which kube-proxy installs with `iptables -I` rather than in its restore payload; rendered as restore input.

import type { IptablesOptions } from './render.js';

const NEW = '-m conntrack --ctstate NEW';

/**
 * The built-in chain rules in the order a node ends up with them: kubelet prepends `-j KUBE-FIREWALL` first, then
 * kube-proxy prepends each of its jumps, so its list appears reversed, ahead of kubelet's.
 */
export function builtinJumpRules(o: Pick<IptablesOptions, 'localhostNodePorts'>): { filter: string[]; nat: string[] } {
  const filter = [
    `-A INPUT ${NEW} -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`,
    '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
    `-A INPUT ${NEW} -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES`,
    ...(o.localhostNodePorts ? ['-A INPUT -j KUBE-FIREWALL'] : []),
    `-A FORWARD ${NEW} -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`,
    '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    `-A FORWARD ${NEW} -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
    `-A FORWARD ${NEW} -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES`,
    `-A OUTPUT ${NEW} -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`,
    `-A OUTPUT ${NEW} -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
    ...(o.localhostNodePorts ? ['-A OUTPUT -j KUBE-FIREWALL'] : []),
  ];
  const nat = [
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
  ];
  return { filter, nat };
}

/** Restore input that creates kube-proxy's top-level chains and the built-in chain jumps (load before the payload). */
export function renderJumpRules(o: Pick<IptablesOptions, 'localhostNodePorts'>): string {
  const { filter, nat } = builtinJumpRules(o);
  const fc = ['KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL', 'KUBE-SERVICES', ...(o.localhostNodePorts ? ['KUBE-FIREWALL'] : [])];
  const nc = ['KUBE-SERVICES', 'KUBE-POSTROUTING'];
  return ['*filter', ...fc.map((c) => `:${c} - [0:0]`), ...filter, 'COMMIT', '*nat', ...nc.map((c) => `:${c} - [0:0]`), ...nat, 'COMMIT', ''].join('\n');
}
