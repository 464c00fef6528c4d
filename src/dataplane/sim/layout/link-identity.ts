// Deterministic identities of links and namespaces: host-side veth names as each CNI derives them, MAC addresses,
// the EUI-64 IPv6 link-local address the kernel gives an interface, and the netns name containerd pins a pod at.

import { createHash } from 'node:crypto';
import { hash53, uidFor } from '../../../core/hash.js';

/** How a CNI names the host end of a pod's veth pair. */
export type VethNaming = 'bridge-plugin' | 'calico' | 'aws-vpc-cni' | 'cilium' | 'weave';

function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0').slice(-digits);
}

/** 48 bits derived from a key, as 12 hex digits. */
function hex48(key: string): string {
  return hex(hash53(key, 1) % 2 ** 24, 6) + hex(hash53(key, 2) % 2 ** 24, 6);
}

/**
 * The host-side veth name of a pod. The real plugins draw most of these at random; flatnet derives the same shape
 * from the pod's uid (one name per pod incarnation, which the Linux data plane needs: a veth of a deleted pod can
 * linger briefly after its namespace is gone, linux-dataplane.md §5.1).
 */
export function hostVethName(naming: VethNaming, pod: { namespace: string; name: string; uid: string }): string {
  switch (naming) {
    case 'calico':
    case 'aws-vpc-cni': {
      // calico cni-plugin VethNameForWorkload and amazon-vpc-cni-k8s GeneratePodHostVethName: a prefix and the first
      // 11 hex digits of sha1("<namespace>.<pod name>"): deterministic upstream too.
      const sum = createHash('sha1').update(`${pod.namespace}.${pod.name}`).digest('hex');
      return `${naming === 'calico' ? 'cali' : 'eni'}${sum.slice(0, 11)}`;
    }
    case 'cilium':
      // Cilium's lxc<12 hex> endpoint veths (random upstream).
      return `lxc${hex48(`lxc/${pod.uid}`)}`;
    case 'weave':
      // Weave Net's CNI plugin names the host end vethwepl<…>; 15 characters at most (IFNAMSIZ).
      return `vethwepl${hex48(`weave/${pod.uid}`).slice(0, 7)}`;
    default:
      // containernetworking/plugins pkg/ip RandomVethName: fmt.Sprintf("veth%x", 4 random bytes).
      return `veth${hex48(`veth/${pod.uid}`).slice(0, 8)}`;
  }
}

/** A locally administered unicast MAC derived from a key (the kernel's eth_random_addr sets the same two bits). */
export function macAddress(key: string): string {
  const h = hex48(`mac/${key}`);
  const first = (parseInt(h.slice(0, 2), 16) & 0xfe) | 0x02;
  const bytes = [hex(first, 2), ...[2, 4, 6, 8, 10].map((i) => h.slice(i, i + 2))];
  return bytes.join(':');
}

/**
 * The link-local address the kernel derives from a MAC (addrgenmode eui64, RFC 4291 appendix A): flip the U/L bit,
 * put ff:fe in the middle, print the interface identifier in compressed IPv6 form.
 */
export function linkLocalAddress(mac: string): string {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  const groups = [((b[0] ^ 0x02) << 8) | b[1], (b[2] << 8) | 0xff, (0xfe << 8) | b[3], (b[4] << 8) | b[5]];
  // fe80:0:0:0 is followed by the identifier; a zero first identifier group joins the run of zeros `::` stands for.
  while (groups.length > 0 && groups[0] === 0) groups.shift();
  return `fe80::${groups.map((g) => g.toString(16)).join(':')}`;
}

/** The netns containerd pins a pod sandbox at (/var/run/netns/cni-<uuid>), which `ip link` on the node names. */
export function podNetnsName(uid: string): string {
  return `cni-${uidFor(`netns/${uid}`)}`;
}
