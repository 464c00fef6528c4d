// Test support: the small proxy clusters in testdata/clusters, loaded the way upstream's proxier tests build theirs
// (pod CIDR 10.0.0.0/8, this node "test-node" at 192.168.0.2, another node at 192.168.0.3).

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCidr } from '../core/ip.js';
import { parseManifests } from '../core/manifests.js';
import type { KubeObject } from '../core/types.js';
import { buildProxyModel, ProxyModel } from '../proxy/model.js';

/** Where the proxy fixtures live in the source tree (tests run from dist/). */
export const PROXY_TESTDATA = fileURLToPath(new URL('../../../src/proxy/testdata/', import.meta.url));

/** The node every fixture is rendered for. */
export const TEST_NODE = 'test-node';

/** The names of the fixture clusters (file names without .yaml), sorted. */
export function fixtureNames(): string[] {
  return readdirSync(`${PROXY_TESTDATA}clusters`).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
}

/** The objects of one fixture cluster (fresh copies on every call). */
export function fixtureObjects(name: string): KubeObject[] {
  const { docs, problems } = parseManifests(readFileSync(`${PROXY_TESTDATA}clusters/${name}.yaml`, 'utf8'), `${name}.yaml`);
  if (problems.length) throw new Error(`${name}.yaml does not parse: ${JSON.stringify(problems)}`);
  return docs.map((d) => d.object);
}

/** Builds the proxy model of one fixture cluster. */
export function fixtureModel(name: string): ProxyModel {
  return buildProxyModel(fixtureObjects(name), { podCIDR: parseCidr('10.0.0.0/8')! });
}
