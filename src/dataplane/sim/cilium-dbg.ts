// `cilium-dbg` as the Cilium agent on a node answers it, for the one view that shows where Services went when
// kube-proxy's rules are absent: `cilium-dbg service list` (alias `ls`), the node's frontends and backends in
// cilium_lb4_services_v2. Everything else the agent's CLI offers is said to be not emulated.

import { ciliumServiceTable, serviceList, type CiliumHostPort } from '../../proxy/backends/cilium/index.js';
import type { NodeProxyView } from '../../proxy/model.js';
import { CommandExit, run, type CommandResult } from './layout/command-exit.js';

/** What the agent's service table is built from. */
export interface CiliumAgentState {
  view: NodeProxyView;
  kubeProxyReplacement: boolean;
  hostPorts: readonly CiliumHostPort[];
}

/** `cilium-dbg service list`: the node's frontends in ID order, as Cilium 1.15's CLI prints them. */
export function runCiliumDbg(state: CiliumAgentState, argv: string[]): CommandResult {
  return run(() => {
    const [group, verb, ...rest] = argv;
    if (group === 'service' && (verb === 'list' || verb === 'ls') && rest.length === 0)
      return serviceList(ciliumServiceTable(state.view, { kubeProxyReplacement: state.kubeProxyReplacement, hostPorts: state.hostPorts }));
    throw new CommandExit(`flatnet: \`cilium-dbg${argv.length ? ` ${argv.join(' ')}` : ''}\` is not emulated; the node's Cilium agent answers cilium-dbg service list\n`, 2);
  });
}
