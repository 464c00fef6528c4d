// kube-proxy's nftables names: the fixed table, chains, sets and maps, and the hashed per-service-port and
// per-endpoint chain and set names (kubernetes/pkg/proxy/nftables/proxier.go, hashAndTruncate).

import { chainHash } from '../iptables/names.js';

export const TABLE = 'kube-proxy';
export const FAMILY = 'ip';

/** Base chains of the v1.35/1.36 layout (reference §3.1), in the order kube-proxy declares them. */
export const BASE_CHAINS = [
  { name: 'filter-prerouting-pre-dnat', type: 'filter', hook: 'prerouting', priority: -110 },
  { name: 'filter-output-pre-dnat', type: 'filter', hook: 'output', priority: -110 },
  { name: 'filter-forward', type: 'filter', hook: 'forward', priority: 0 },
  { name: 'filter-input', type: 'filter', hook: 'input', priority: 0 },
  { name: 'filter-output', type: 'filter', hook: 'output', priority: 0 },
  { name: 'nat-output', type: 'nat', hook: 'output', priority: -100 },
  { name: 'nat-postrouting', type: 'nat', hook: 'postrouting', priority: 100 },
  { name: 'nat-prerouting', type: 'nat', hook: 'prerouting', priority: -100 },
] as const;

export const SERVICES_CHAIN = 'services';
export const MASQUERADING_CHAIN = 'masquerading';
export const MARK_MASQ_CHAIN = 'mark-for-masquerade';
export const REJECT_CHAIN = 'reject-chain';
export const FIREWALL_CHECK_CHAIN = 'firewall-check';
export const SERVICE_ENDPOINTS_CHECK_CHAIN = 'service-endpoints-check';
export const NODEPORT_ENDPOINTS_CHECK_CHAIN = 'nodeport-endpoints-check';
export const CLUSTER_IPS_CHECK_CHAIN = 'cluster-ips-check';

export const CLUSTER_IPS_SET = 'cluster-ips';
export const NODEPORT_IPS_SET = 'nodeport-ips';
export const SERVICE_IPS_MAP = 'service-ips';
export const SERVICE_NODEPORTS_MAP = 'service-nodeports';
export const FIREWALL_IPS_MAP = 'firewall-ips';
export const NO_ENDPOINT_SERVICES_MAP = 'no-endpoint-services';
export const NO_ENDPOINT_NODEPORTS_MAP = 'no-endpoint-nodeports';

/** knftables.NameLengthMax (256) minus the longest prefix kube-proxy reserves (16). */
const CHAIN_NAME_BASE_LENGTH_MAX = 256 - 16;

/** The first 8 base32 characters (40 bits) of SHA-256(s): the prefix of the iptables backend's 16-character hash. */
function hashPrefix(s: string): string {
  return chainHash(s).slice(0, 8);
}

/** hashAndTruncate: 8 base32 characters of SHA-256(name), a dash, the name; cut to 240 with "..." if longer. */
export function hashAndTruncate(name: string): string {
  const hash = hashPrefix(name);
  const full = `${hash}-${name}`;
  return full.length > CHAIN_NAME_BASE_LENGTH_MAX ? `${full.slice(0, CHAIN_NAME_BASE_LENGTH_MAX - 3)}...` : full;
}

/** The identity of one service port as kube-proxy names it. */
export interface ServicePortId {
  namespace: string;
  name: string;
  /** The port's name; empty for an unnamed single port. */
  portName: string;
  /** Lower-case protocol: tcp, udp or sctp. */
  protocol: string;
}

/** `ns/svc:port` (or `ns/svc` for an unnamed port): proxy.ServicePortName.String(). */
export function servicePortNameString(id: ServicePortId): string {
  return id.portName ? `${id.namespace}/${id.name}:${id.portName}` : `${id.namespace}/${id.name}`;
}

/** The hashed base of a service port's chains: `HASH-ns/svc/proto/port`. */
export function servicePortChainBase(id: ServicePortId): string {
  return hashAndTruncate(`${id.namespace}/${id.name}/${id.protocol}/${id.portName}`);
}

/** The hashed base of an endpoint's chain and affinity set: `HASH-ns/svc/proto/port__ip/port` (IPv6 colons to dots). */
export function endpointChainBase(id: ServicePortId, ip: string, port: number): string {
  return hashAndTruncate(`${id.namespace}/${id.name}/${id.protocol}/${id.portName}__${ip.replaceAll(':', '.')}/${port}`);
}

/** Every per-service-port chain name kube-proxy may create, computed once. */
export interface ServicePortChainNames {
  clusterPolicy: string;
  localPolicy: string;
  external: string;
  firewall: string;
}

export function servicePortChainNames(id: ServicePortId): ServicePortChainNames {
  const base = servicePortChainBase(id);
  return { clusterPolicy: `service-${base}`, localPolicy: `local-${base}`, external: `external-${base}`, firewall: `firewall-${base}` };
}

export function endpointChainName(id: ServicePortId, ip: string, port: number): string {
  return `endpoint-${endpointChainBase(id, ip, port)}`;
}

export function affinitySetName(id: ServicePortId, ip: string, port: number): string {
  return `affinity-${endpointChainBase(id, ip, port)}`;
}

/** Service and endpoint chains are the only ones with a "/" in their names (proxier.go isServiceChainName). */
export function isServiceChainName(name: string): boolean {
  return name.includes('/');
}
