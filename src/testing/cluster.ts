// Test helpers: build a cluster from YAML text with a fixed clock, and look objects up in the result.

import { buildCluster, BuiltCluster } from '../controllers/cluster.js';
import { FixedClock } from '../core/clock.js';
import { formatProblem, InputError } from '../core/errors.js';
import { parseManifests } from '../core/manifests.js';
import { objectKey, keyOf } from '../core/objects.js';
import type { KubeObject } from '../core/types.js';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The instant every test cluster is built at. */
export const TEST_NOW = new Date('2026-11-23T10:00:00Z');

/** The repository root (tests run from dist/src/testing). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Every document of examples/demo (its .yaml files in name order), as one YAML stream. */
export function demoYaml(): string {
  const dir = `${REPO_ROOT}examples/demo/`;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readFileSync(dir + f, 'utf8'))
    .join('\n---\n');
}

export function clusterFromYaml(yaml: string, previous?: KubeObject[], now: Date = TEST_NOW): BuiltCluster {
  const { docs, problems } = parseManifests(yaml, 'test.yaml');
  if (problems.length) throw new Error(`test input does not parse: ${JSON.stringify(problems)}`);
  return buildCluster(docs, { clock: new FixedClock(now), previous });
}

/** The messages the CLI would print for input that must be rejected; fails the test when it is accepted. */
export function inputErrorsOf(yaml: string): string[] {
  try {
    clusterFromYaml(yaml);
  } catch (e) {
    if (e instanceof InputError) return e.problems.map(formatProblem);
    throw e;
  }
  throw new Error('expected the input to be rejected');
}

/** A ClusterConfig document named `t` whose spec is `spec` (indented as under `spec:`), then a separator. */
export function clusterConfigYaml(spec: string): string {
  return `apiVersion: flatnet/v1alpha1\nkind: ClusterConfig\nmetadata: {name: t}\nspec:\n${spec}\n---\n`;
}

export function objectsByKey(objects: KubeObject[]): Map<string, KubeObject> {
  return new Map(objects.map((o) => [keyOf(o), o]));
}

export function find(c: { objects: KubeObject[] }, kind: string, namespace: string | undefined, name: string): KubeObject {
  const o = c.objects.find((x) => x.kind === kind && x.metadata.namespace === namespace && x.metadata.name === name);
  if (!o) throw new Error(`${objectKey(kind, namespace, name)} not in cluster`);
  return o;
}

export function list(c: { objects: KubeObject[] }, kind: string, namespace?: string): KubeObject[] {
  return c.objects.filter((x) => x.kind === kind && (namespace === undefined || x.metadata.namespace === namespace));
}

/** YAML for a Deployment with one container port. */
export function deploymentYaml(name: string, replicas: number, opts: { ns?: string; port?: number; portName?: string; labels?: Record<string, string> } = {}): string {
  const labels = opts.labels ?? { app: name };
  const l = Object.entries(labels).map(([k, v]) => `        ${k}: '${v}'`).join('\n');
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: '${name}', namespace: '${opts.ns ?? 'default'}'}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
${l.replace(/^ {8}/gm, '      ')}
  template:
    metadata:
      labels:
${l}
    spec:
      containers:
      - name: c
        image: nginx:1.27
        ports:
        - containerPort: ${opts.port ?? 80}${opts.portName ? `\n          name: ${opts.portName}` : ''}
---
`;
}

export function serviceYaml(name: string, opts: { ns?: string; selector?: Record<string, string>; port?: number; targetPort?: number | string; type?: string; extra?: string } = {}): string {
  const sel = Object.entries(opts.selector ?? { app: name }).map(([k, v]) => `    ${k}: '${v}'`).join('\n');
  return `apiVersion: v1
kind: Service
metadata: {name: '${name}', namespace: '${opts.ns ?? 'default'}'}
spec:
  type: ${opts.type ?? 'ClusterIP'}
  selector:
${sel}
  ports:
  - port: ${opts.port ?? 80}
    targetPort: ${opts.targetPort ?? opts.port ?? 80}
${opts.extra ?? ''}
---
`;
}
