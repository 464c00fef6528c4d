// Test support: upstream's TestOverallNFTablesRules inputs (testdata/upstream-overall.yaml) as a proxy model.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseManifests } from '../core/manifests.js';
import { ProxyModel } from '../proxy/model.js';

/** This backend's fixtures in the source tree (tests run from dist/). */
export const NFT_TESTDATA = fileURLToPath(new URL('../../../src/proxy/backends/nftables/testdata/', import.meta.url));

/** The model of upstream's TestOverallNFTablesRules: node test-node at 192.168.0.2, cluster CIDR 10.0.0.0/8. */
export function upstreamOverallModel(): ProxyModel {
  const { docs, problems } = parseManifests(readFileSync(`${NFT_TESTDATA}upstream-overall.yaml`, 'utf8'), 'upstream-overall.yaml');
  if (problems.length) throw new Error(`upstream-overall.yaml does not parse: ${JSON.stringify(problems)}`);
  return new ProxyModel(docs.map((d) => d.object), '10.0.0.0/8');
}
