// Text views of IPVS mode's state: `ipvsadm -Ln`, `ip -br addr show kube-ipvs0`, and the ipsets.

import type { IpvsState } from './render.js';

const pad = (s: string | number, n: number) => String(s).padEnd(n);

/**
 * `ipvsadm -Ln`: ipvsadm's header, `%s  %s %s` per virtual server (plus ` persistent <timeout>`), and
 * `  -> %-28s %-7s %-6d %-10u %-10u` per real server — connection counters are 0 in a rendered ruleset.
 */
export function ipvsadmView(state: IpvsState): string {
  const out = ['IP Virtual Server version 1.2.1 (size=4096)', 'Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn'];
  for (const vs of state.virtualServers) {
    out.push(`${vs.protocol}  ${vs.address}:${vs.port} ${vs.scheduler}${vs.persistentTimeout !== undefined ? ` persistent ${vs.persistentTimeout}` : ''}`);
    for (const rs of vs.realServers) out.push(`  -> ${pad(`${rs.address}:${rs.port}`, 28)} ${pad(rs.forward, 7)} ${pad(rs.weight, 6)} ${pad(0, 10)} ${pad(0, 10)}`);
  }
  return out.join('\n') + '\n';
}

/** `ip -br -4 addr show kube-ipvs0`: the dummy interface (kept down) with every bound Service address as /32. */
export function dummyInterfaceView(state: IpvsState): string {
  return `${pad('kube-ipvs0', 16)} ${pad('DOWN', 14)} ${state.dummyAddresses.map((a) => `${a}/32 `).join('')}\n`;
}

const SERVICE_FLAG: Record<string, string> = { TCP: '-t', UDP: '-u', SCTP: '--sctp-service' };

/** `ipvsadm -Sn` (save): the rules that recreate every virtual and real server, in ipvsadm's order. */
export function ipvsadmSave(state: IpvsState): string {
  const out: string[] = [];
  for (const vs of state.virtualServers) {
    const svc = `${SERVICE_FLAG[vs.protocol]} ${vs.address}:${vs.port}`;
    out.push(`-A ${svc} -s ${vs.scheduler}${vs.persistentTimeout !== undefined ? ` -p ${vs.persistentTimeout}` : ''}`);
    for (const rs of vs.realServers) out.push(`-a ${svc} -r ${rs.address}:${rs.port} -m -w ${rs.weight}`);
  }
  return out.join('\n') + (out.length ? '\n' : '');
}
