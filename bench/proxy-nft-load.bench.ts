// nftables load benchmark: how long the kernel (nft 1.0.6 -f in a throwaway network namespace) takes to load the
// rendered ruleset of N Services × 10 endpoints with each endpoint selection (named maps, flatnet's default;
// kube-proxy's anonymous vmaps; numgen rules), and to apply one incremental update. Needs root and nft; prints why when it cannot run.

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseCidr } from '../src/core/ip.js';
import { NftablesRenderer } from '../src/proxy/backends/nftables/render.js';
import { buildProxyModel } from '../src/proxy/model.js';
import { syntheticObjects } from './proxy-harness.js';

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  if (spawnSync('sh', ['-c', 'command -v nft && command -v ip']).status !== 0) return 'needs nft and ip (Debian nftables, iproute2)';
  return undefined;
}

/** Seconds `nft -f` takes for each script in turn, in one fresh namespace. */
function load(scripts: string[]): number[] {
  const ns = `flatnet-nft-bench-${randomBytes(4).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    return scripts.map((s) => {
      const t0 = process.hrtime.bigint();
      execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: s, maxBuffer: 1 << 30 });
      return Number(process.hrtime.bigint() - t0) / 1e9;
    });
  } finally {
    execFileSync('ip', ['netns', 'del', ns]);
  }
}

const why = unavailable();
if (why) console.log(`nftables kernel load: skipped (${why})`);
else
  for (const [size, modes] of [[1000, ['named', 'anonymous', 'rules']], [10000, ['named', 'rules']]] as const)
    for (const endpointMaps of modes) {
      const objects = syntheticObjects(size);
      const model = buildProxyModel(objects, { podCIDR: parseCidr('11.0.0.0/8')! });
      const r = new NftablesRenderer(model.forNode('node-0'), { serviceCIDRs: ['10.96.0.0/12'], endpointMaps });
      const full = r.render();
      const slice = objects.find((o) => o.kind === 'EndpointSlice')!;
      const notReady = { ...slice, endpoints: (slice.endpoints as any[]).map((e, i) => (i === 0 ? { ...e, conditions: { ...e.conditions, ready: false } } : e)) };
      const update = r.update(model.apply({ upsert: [notReady] })).payload;
      const [tFull, tUpdate] = load([full, update]);
      console.log(`nftables kernel load ${String(size).padStart(6)} Services × 10, ${endpointMaps.padEnd(9)} endpoint maps: nft -f full ${tFull.toFixed(2)} s (${(full.length / 1e6).toFixed(1)} MB), one endpoint not-ready ${(tUpdate * 1000).toFixed(0)} ms (${update.length} B)`);
    }
