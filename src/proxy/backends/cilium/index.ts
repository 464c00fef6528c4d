// Cilium's eBPF service load balancer (its kube-proxy replacement, and the per-packet cluster-IP balancing it does
// beside kube-proxy): the decision, the frontend table `cilium-dbg service list` prints, and the BPF map names.

export * from './choose.js';
export * from './maps.js';
export * from './service-table.js';
