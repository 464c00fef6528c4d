// Which endpoint a Service connection takes: round-robin per node and Service port, and ClientIP session affinity
// that keeps a client on its endpoint for affinityTimeoutSeconds. Deterministic: the same sequence, the same picks.

import type { Clock } from '../../core/clock.js';
import type { ProxyCandidate, ProxyServicePort } from '../../proxy/model.js';

/** The endpoint taken and how. */
export interface Pick {
  candidate: ProxyCandidate;
  /** 0-based position among the candidates. */
  index: number;
  /** `affinity` when a ClientIP affinity entry decided it. */
  by: 'round-robin' | 'affinity';
}

interface AffinityEntry {
  address: string;
  expiresAt: number;
}

/**
 * kube-proxy's iptables rules pick an endpoint at random (`-m statistic --mode random --probability 1/n`); flatnet
 * takes them in turn instead so that runs repeat, which spreads connections the way IPVS `rr` does. State lives per
 * node because every node's kube-proxy keeps its own: the `recent` lists of ClientIP affinity are per node, per
 * Service port and per source IP, whichever Service IP was dialled (kube-proxy.md §2.6).
 */
export class ServiceBalancer {
  private readonly turns = new Map<string, number>();
  private readonly affinity = new Map<string, AffinityEntry>();

  constructor(private readonly clock: Clock) {}

  pick(node: string, port: ProxyServicePort, candidates: readonly ProxyCandidate[], sourceIP: string, affinityTimeoutSeconds: number | undefined): Pick {
    if (candidates.length === 0) throw new RangeError(`ServiceBalancer.pick: ${port.servicePortName} has no candidates`);
    const key = `${node} ${port.servicePortName} ${port.protocol}`;
    const now = this.clock.now().getTime();
    if (affinityTimeoutSeconds !== undefined) {
      const sticky = this.affinity.get(`${key} ${sourceIP}`);
      const index = sticky && sticky.expiresAt > now ? candidates.findIndex((c) => c.endpoint.address === sticky.address) : -1;
      if (index >= 0) {
        // `--rcheck --seconds` then the endpoint chain's `--set`: every new connection restarts the timeout.
        sticky!.expiresAt = now + affinityTimeoutSeconds * 1000;
        return { candidate: candidates[index], index, by: 'affinity' };
      }
    }
    const turn = this.turns.get(key) ?? 0;
    this.turns.set(key, turn + 1);
    const index = turn % candidates.length;
    const candidate = candidates[index];
    if (affinityTimeoutSeconds !== undefined) this.affinity.set(`${key} ${sourceIP}`, { address: candidate.endpoint.address, expiresAt: now + affinityTimeoutSeconds * 1000 });
    return { candidate, index, by: 'round-robin' };
  }
}
