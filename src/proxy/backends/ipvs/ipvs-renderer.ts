// Incremental IPVS mode: keeps each Service's program (virtual servers, ipset entries, bound addresses) so a change
// emits only the ipvsadm, ipset and `ip addr` operations it needs, plus the iptables payload when that changes
// (it depends only on which ipsets are empty, so it rarely does). kube-proxy itself re-lists and re-syncs all of IPVS.

import type { NodeProxyView } from '../../model.js';
import { IpsetName, ipsetScript } from './ipsets.js';
import { ipvsIptables } from './iptables.js';
import { assembleIpvs, DEFAULT_IPVS_OPTIONS, IpvsOptions, IpvsServiceProgram, IpvsVirtualServer, serviceProgram } from './render.js';
import { ipvsadmSave } from './views.js';

const FLAG: Record<string, string> = { TCP: '-t', UDP: '-u', SCTP: '--sctp-service' };
const vsKey = (v: IpvsVirtualServer) => `${FLAG[v.protocol]} ${v.address}:${v.port}`;
const vsAttrs = (v: IpvsVirtualServer) => `-s ${v.scheduler}${v.persistentTimeout !== undefined ? ` -p ${v.persistentTimeout}` : ''}`;

/** Reference counts: an ipset entry or address stays while any Service needs it. */
class RefCounts {
  private readonly m = new Map<string, number>();
  get size(): number {
    return this.m.size;
  }
  /** +1; true when the key is new. */
  inc(k: string): boolean {
    const n = this.m.get(k) ?? 0;
    this.m.set(k, n + 1);
    return n === 0;
  }
  /** -1; true when the key is gone. */
  dec(k: string): boolean {
    const n = (this.m.get(k) ?? 0) - 1;
    if (n <= 0) this.m.delete(k);
    else this.m.set(k, n);
    return n <= 0;
  }
  keys(): IterableIterator<string> {
    return this.m.keys();
  }
}

/** Full render and O(change) updates of IPVS mode on one node (same interface as the other renderers). */
export class IpvsRenderer {
  readonly options: IpvsOptions;
  private programs = new Map<string, IpvsServiceProgram[]>();
  private sets = new Map<IpsetName, RefCounts>();
  private bound = new RefCounts();
  private noNodeAccess = new RefCounts();
  private iptables = '';

  constructor(readonly view: NodeProxyView, options: Partial<IpvsOptions> = {}) {
    this.options = { ...DEFAULT_IPVS_OPTIONS, ...options };
  }

  private programsOf(key: string): IpvsServiceProgram[] {
    return this.view.servicePortsOf(key).map((sp) => serviceProgram(this.view, sp, this.options));
  }

  /** Everything IPVS mode programs: `ipvsadm -Sn` rules, the ipset restore script, then the iptables payload. */
  render(): string {
    this.programs = new Map(this.view.model.serviceKeys().map((k) => [k, this.programsOf(k)]));
    this.sets = new Map();
    this.bound = new RefCounts();
    this.noNodeAccess = new RefCounts();
    for (const progs of this.programs.values()) for (const p of progs) this.count(p, 1, []);
    const state = assembleIpvs(this.view, this.options, [...this.programs.values()].flat());
    this.iptables = state.restore;
    return `${ipvsadmSave(state)}\n${ipsetScript(state.ipsets)}\n${state.restore}`;
  }

  /** Adds (+1) or removes (-1) a program's references, writing the ipset and `ip addr` operations that result. */
  private count(p: IpvsServiceProgram, sign: 1 | -1, out: string[]): void {
    const step = (rc: RefCounts, k: string) => (sign > 0 ? rc.inc(k) : rc.dec(k));
    for (const [set, e] of p.entries) {
      let rc = this.sets.get(set);
      if (!rc) this.sets.set(set, (rc = new RefCounts()));
      if (step(rc, e)) out.push(`ipset ${sign > 0 ? 'add' : 'del'} ${set} ${e}`);
    }
    for (const a of p.bound)
      if (step(this.bound, a)) out.push(`ip addr ${sign > 0 ? 'add' : 'del'} ${a}/32 dev kube-ipvs0`, `ipset ${sign > 0 ? 'add' : 'del'} KUBE-IPVS-IPS ${a}`);
    for (const x of p.lbNoNodeAccess) step(this.noNodeAccess, `${x.ip} ${x.protocol} ${x.port}`);
  }

  /** Re-renders the given Services; the payload is the operations that move the node to the new state. */
  update(keys: string[]): { services: string[]; full: boolean; payload: string } {
    const ops: string[] = [];
    for (const key of keys) {
      const before = this.programs.get(key) ?? [];
      const after = this.programsOf(key);
      if (after.length > 0) this.programs.set(key, after);
      else this.programs.delete(key);
      this.diffServers(before.flatMap((p) => p.servers), after.flatMap((p) => p.servers), ops);
      for (const p of after) this.count(p, 1, ops);
      for (const p of before) this.count(p, -1, ops);
    }
    const nonEmpty = new Set([...this.sets].filter(([, rc]) => rc.size > 0).map(([n]) => n));
    if (this.bound.size > 0) nonEmpty.add('KUBE-IPVS-IPS');
    const lbNoNodeAccess = [...this.noNodeAccess.keys()].sort().map((k) => ({ ip: k.split(' ')[0], protocol: k.split(' ')[1], port: Number(k.split(' ')[2]) }));
    const restore = ipvsIptables(nonEmpty, { ...this.options, clusterCIDR: this.view.clusterCIDR, lbNoNodeAccess }).fresh;
    if (restore !== this.iptables) ops.push(`iptables-restore --noflush <<'EOF'\n${restore}EOF`);
    this.iptables = restore;
    return { services: keys, full: false, payload: ops.length ? ops.join('\n') + '\n' : '' };
  }

  /** ipvsadm operations between a Service's old and new virtual servers. */
  private diffServers(before: IpvsVirtualServer[], after: IpvsVirtualServer[], ops: string[]): void {
    const old = new Map(before.map((v) => [vsKey(v), v]));
    const now = new Map(after.map((v) => [vsKey(v), v]));
    for (const [k] of old) if (!now.has(k)) ops.push(`ipvsadm -D ${k}`);
    for (const [k, v] of now) {
      const was = old.get(k);
      if (!was) ops.push(`ipvsadm -A ${k} ${vsAttrs(v)}`);
      else if (vsAttrs(was) !== vsAttrs(v)) ops.push(`ipvsadm -E ${k} ${vsAttrs(v)}`);
      const oldReal = new Set((was?.realServers ?? []).map((r) => `${r.address}:${r.port}`));
      const newReal = new Set(v.realServers.map((r) => `${r.address}:${r.port}`));
      for (const r of oldReal) if (!newReal.has(r)) ops.push(`ipvsadm -d ${k} -r ${r}`);
      for (const r of newReal) if (!oldReal.has(r)) ops.push(`ipvsadm -a ${k} -r ${r} -m -w 1`);
    }
  }
}
