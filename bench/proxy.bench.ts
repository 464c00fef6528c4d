// Service-proxy benchmark (issue 6): iptables full render of 1k/10k/30k Services × 10 endpoints, and incremental
// renders after one endpoint turns not-ready and after one Service is added. Targets: full 10k ≤ 1 s; incremental
// ≤ 5 ms and flat (30k/1k ≤ 1.5). The nftables and IPVS renderers join through runProxyBench's backend list.

import { IptablesRenderer } from '../src/proxy/backends/iptables/render.js';
import { IpvsRenderer } from '../src/proxy/backends/ipvs/ipvs-renderer.js';
import { NftablesRenderer } from '../src/proxy/backends/nftables/render.js';
import { BenchBackend, IncrementalRenderer, runProxyBench } from './proxy-harness.js';

const iptables: BenchBackend = { name: 'iptables', create: (view) => new IptablesRenderer(view) satisfies IncrementalRenderer };

const nftables: BenchBackend = { name: 'nftables', create: (view) => new NftablesRenderer(view, { serviceCIDRs: ['10.96.0.0/12'] }) satisfies IncrementalRenderer };
const ipvs: BenchBackend = { name: 'ipvs', create: (view) => new IpvsRenderer(view) satisfies IncrementalRenderer };

runProxyBench([iptables, nftables, ipvs]);
