// The implementation-defined points of NetworkPolicy (networkpolicy.md §7, §9) for each CNI profile flatnet models.

import type { ClusterConfig } from '../core/cluster-config.js';
import { cniProfile } from '../core/cni-profiles.js';
import type { PolicySettings } from './types.js';

export { lintPolicies } from './lint.js';

/**
 * Whether an ipBlock peer matches pod IPs, per CNI. Calico matches addresses, pods included
 * (projectcalico/calico#6634), as upstream e2e expects ("should allow egress access to server in CIDR block").
 * Cilium selects by identity and gives cluster pods their own, so a CIDR never matches them (cilium/cilium#19601,
 * #9209). Weave's policy controller and the AWS network policy agent match ipset/CIDR entries on addresses without
 * pod identity, so pod IPs match. Flannel enforces nothing; the value only shapes what it would do with a policy
 * engine added, and follows upstream e2e.
 */
const IPBLOCK_MATCHES_PODS: Record<string, boolean> = {
  calico: true,
  cilium: false,
  weave: true,
  'aws-vpc-cni': true,
  flannel: true,
};

/**
 * The settings a cluster's CNI implies. Unknown profiles follow upstream e2e (ipBlock matches pod IPs). A policy
 * engine beside the CNI (spec.cni.networkPolicy) decides instead: kube-network-policies matches ipBlocks on packet
 * addresses, pod IPs included, as upstream e2e expects.
 */
export function policySettingsFor(config: Pick<ClusterConfig, 'cni'>): PolicySettings {
  const name = config.cni.name;
  const engine = config.cni.networkPolicy;
  return {
    cni: engine ? `${name}+${engine}` : name,
    enforced: engine ? true : (cniProfile(name)?.enforcesNetworkPolicy ?? true),
    ipBlockMatchesPods: engine ? true : (IPBLOCK_MATCHES_PODS[name] ?? true),
    // The docs' option 2, "the most common implementation": hostNetwork pods are node traffic (§9).
    hostNetworkIsNodeTraffic: true,
  };
}

/** The settings of upstream e2e and flatnet's default cluster (calico): enforced, ipBlock matches pod IPs. */
export const DEFAULT_POLICY_SETTINGS: Readonly<PolicySettings> = Object.freeze({ cni: 'calico', enforced: true, ipBlockMatchesPods: true, hostNetworkIsNodeTraffic: true });
