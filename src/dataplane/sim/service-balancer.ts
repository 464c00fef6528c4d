// Which endpoint a Service connection takes: round-robin per node and Service port, and ClientIP session affinity
// that keeps a client on its endpoint for affinityTimeoutSeconds. Deterministic: the same sequence, the same picks.

import type { Clock } from '../../core/clock.js';
import { mulberry32 } from '../../core/prng.js';
import type { ProxyCandidate, ProxyServicePort } from '../../proxy/model.js';

/** The endpoint taken and how. */
export interface Pick {
  candidate: ProxyCandidate;
  /** 0-based position among the candidates. */
  index: number;
  /** `affinity` when a ClientIP affinity entry decided it; `random` for a seeded draw. */
  by: 'round-robin' | 'affinity' | 'random';
}

interface AffinityEntry {
  address: string;
  expiresAt: number;
}

/**
 * kube-proxy's iptables rules pick an endpoint at random (`-m statistic --mode random --probability 1/n`); flatnet
 * takes them in turn instead so that runs repeat, which spreads connections the way IPVS `rr` does. Given a seed,
 * modes that pick at random (iptables' statistic, nftables' numgen) draw from a seeded generator by each candidate's
 * probability instead: random like the kernel, and still repeatable. State lives per node because every node's
 * kube-proxy keeps its own: the `recent` lists of ClientIP affinity are per node, per Service port and per source IP,
 * whichever Service IP was dialled (kube-proxy.md §2.6).
 */
export class ServiceBalancer {
  private readonly turns = new Map<string, number>();
  private readonly affinity = new Map<string, AffinityEntry>();
  private readonly random?: () => number;

  constructor(
    private readonly clock: Clock,
    seed?: number,
  ) {
    if (seed !== undefined) this.random = mulberry32(seed);
  }

  /** `random`: the proxy mode picks at random (iptables, nftables); only a seeded balancer then draws. */
  pick(node: string, port: ProxyServicePort, candidates: readonly ProxyCandidate[], sourceIP: string, affinityTimeoutSeconds: number | undefined, random = false): Pick {
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
    const drawn = random && this.random ? this.draw(candidates, this.random()) : undefined;
    let index: number;
    if (drawn !== undefined) index = drawn;
    else {
      const turn = this.turns.get(key) ?? 0;
      this.turns.set(key, turn + 1);
      index = turn % candidates.length;
    }
    const candidate = candidates[index];
    if (affinityTimeoutSeconds !== undefined) this.affinity.set(`${key} ${sourceIP}`, { address: candidate.endpoint.address, expiresAt: now + affinityTimeoutSeconds * 1000 });
    return { candidate, index, by: drawn !== undefined ? 'random' : 'round-robin' };
  }

  /** The candidate a uniform draw `u` in [0, 1) falls on, walking the cumulative probabilities in rule order. */
  private draw(candidates: readonly ProxyCandidate[], u: number): number {
    let sum = 0;
    for (let i = 0; i < candidates.length; i++) {
      sum += candidates[i].probability;
      if (u < sum) return i;
    }
    return candidates.length - 1;
  }
}
