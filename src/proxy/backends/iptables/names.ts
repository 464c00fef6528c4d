// kube-proxy's iptables chain names: SHA-256 of the servicePortName and protocol (and endpoint), standard base32,
// first 16 characters, behind KUBE-SVC-/SVL-/EXT-/FW-/SEP- (pkg/proxy/iptables/proxier.go portProtoHash).

import { hash } from 'node:crypto';
import type { ProxyEndpoint, ProxyServicePort } from '../../types.js';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 with the standard alphabet, padded with '=' like Go's base32.StdEncoding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

/**
 * The 16-character hash of any input string: base32(SHA-256(input)) cut to 16, i.e. the first 10 digest bytes.
 * (The hex digest is decoded by hand: a Buffer per hash costs several times more at 100k chains.)
 */
export function chainHash(input: string): string {
  const hex = hash('sha256', input, 'hex');
  const bytes = new Uint8Array(10);
  for (let i = 0; i < 10; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return base32(bytes);
}

/** The chain names of one Service port. */
export interface ServiceChainNames {
  /** KUBE-SVC-: Cluster traffic policy dispatch. */
  svc: string;
  /** KUBE-SVL-: Local traffic policy dispatch. */
  svl: string;
  /** KUBE-EXT-: external destinations (NodePort, LB IP, external IP). */
  ext: string;
  /** KUBE-FW-: loadBalancerSourceRanges firewall. */
  fw: string;
}

/** The four per-Service-port chains; the hash input is servicePortName + protocol with no separator. */
export function serviceChainNames(servicePortName: string, protocol: string): ServiceChainNames {
  const h = chainHash(servicePortName + protocol);
  return { svc: `KUBE-SVC-${h}`, svl: `KUBE-SVL-${h}`, ext: `KUBE-EXT-${h}`, fw: `KUBE-FW-${h}` };
}

/** KUBE-SEP- chain of one endpoint: the hash input is servicePortName + protocol + `ip:port`. */
export function endpointChainName(servicePortName: string, protocol: string, address: string): string {
  return `KUBE-SEP-${chainHash(servicePortName + protocol + address)}`;
}

// kube-proxy computes chain names once per servicePortInfo / endpointInfo; flatnet caches them per model object.
const serviceNames = new WeakMap<ProxyServicePort, ServiceChainNames>();
const endpointNames = new WeakMap<ProxyEndpoint, string>();

/** Chain names for a model Service port (cached on the port object). */
export function chainsOf(p: ProxyServicePort): ServiceChainNames {
  let n = serviceNames.get(p);
  if (!n) serviceNames.set(p, (n = serviceChainNames(p.servicePortName, p.protocol)));
  return n;
}

/** KUBE-SEP- chain for a model endpoint of a model Service port (cached on the endpoint object, which belongs to one port). */
export function sepOf(p: ProxyServicePort, e: ProxyEndpoint): string {
  let n = endpointNames.get(e);
  if (!n) endpointNames.set(e, (n = endpointChainName(p.servicePortName, p.protocol, e.address)));
  return n;
}

/** The per-Service chain prefixes kube-proxy owns and deletes when stale (isServiceChainName). */
export const SERVICE_CHAIN_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-', 'KUBE-SEP-'] as const;
