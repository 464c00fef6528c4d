// Tests of the ControllerManager's two desired layers: API writes are kept across file re-applies until the file's
// version of the object changes, deletes of file objects stay deleted until then, and nothing is half-applied.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../core/clock.js';
import { InputError } from '../core/errors.js';
import { parseManifests } from '../core/manifests.js';
import type { KubeObject } from '../core/types.js';
import { deploymentYaml, serviceYaml, TEST_NOW } from '../testing/cluster.js';
import { ControllerManager } from './manager.js';

function docs(yaml: string) {
  const r = parseManifests(yaml, 'files.yaml');
  assert.deepEqual(r.problems, []);
  return r.docs;
}

const obj = (yaml: string): KubeObject => docs(yaml)[0].object;

function podsOf(m: ControllerManager, prefix: string): string[] {
  return m.store
    .list('Pod', 'default')
    .map((p) => p.metadata.name)
    .filter((n) => n.startsWith(`${prefix}-`));
}

const replicas = (m: ControllerManager, name: string) => m.store.get('Deployment', 'default', name)?.spec.replicas;

test('an object created through the API stays when unchanged files are applied again, and after a restart', () => {
  const clock = new FixedClock(TEST_NOW);
  const files = docs(deploymentYaml('web', 2));
  const m = new ControllerManager(clock);
  m.apply(files);
  const r = m.write([{ put: obj(deploymentYaml('api', 3)) }]);
  assert.deepEqual(r.layerChanges.map((c) => [c.key, c.entry?.fileVersion]), [['Deployment/default/api', null]]);
  assert.equal(podsOf(m, 'api').length, 3);
  assert.equal(m.declaredBy('Deployment', 'default', 'api'), 'api');
  m.apply(files);
  assert.equal(podsOf(m, 'api').length, 3, 'a re-apply of the same files keeps the API object');

  // A new manager restored from what a saved state holds: the objects, the resourceVersion, the layer.
  const restored = new ControllerManager(clock, { objects: m.store.all(), resourceVersion: m.store.resourceVersion, apiLayer: [...m.apiLayer] });
  const again = restored.apply(files);
  assert.equal(again.events.length, 0, 'nothing changes on restart');
  assert.deepEqual(podsOf(restored, 'api'), podsOf(m, 'api'));
});

test('an API write to a file object wins until that file changes again, then the file wins', () => {
  const m = new ControllerManager(new FixedClock(TEST_NOW));
  const v1 = deploymentYaml('web', 2) + serviceYaml('other');
  m.apply(docs(v1));
  m.write([{ put: { ...m.store.get('Deployment', 'default', 'web')!, spec: { ...m.store.get('Deployment', 'default', 'web')!.spec, replicas: 5 } } }]);
  assert.equal(replicas(m, 'web'), 5);
  assert.equal(m.declaredBy('Deployment', 'default', 'web'), 'api');
  // Another document of the same file changes: this object's document did not, so the API write stays.
  m.apply(docs(deploymentYaml('web', 2) + serviceYaml('other', { port: 81 })));
  assert.equal(replicas(m, 'web'), 5);
  // Its own document changes: the file wins and the API write is dropped.
  const r = m.apply(docs(deploymentYaml('web', 3) + serviceYaml('other', { port: 81 })));
  assert.equal(replicas(m, 'web'), 3);
  assert.deepEqual(r.layerChanges, [{ key: 'Deployment/default/web' }]);
  assert.equal(m.declaredBy('Deployment', 'default', 'web'), 'file');
});

test('an API delete of a file object stays deleted until its document changes', () => {
  const m = new ControllerManager(new FixedClock(TEST_NOW));
  m.apply(docs(deploymentYaml('web', 2)));
  const r = m.write([{ delete: { kind: 'Deployment', namespace: 'default', name: 'web' } }]);
  assert.equal(r.layerChanges[0].entry?.object, undefined, 'a tombstone');
  assert.equal(m.store.get('Deployment', 'default', 'web'), undefined);
  assert.deepEqual(podsOf(m, 'web'), [], 'the derived pods go with their owner');
  m.apply(docs(deploymentYaml('web', 2)));
  assert.equal(m.store.get('Deployment', 'default', 'web'), undefined);
  m.apply(docs(deploymentYaml('web', 4)));
  assert.equal(podsOf(m, 'web').length, 4);
});

test('an invalid write and a dry run change nothing', () => {
  const m = new ControllerManager(new FixedClock(TEST_NOW));
  m.apply(docs(deploymentYaml('web', 2)));
  const rv = m.store.resourceVersion;
  assert.throws(() => m.write([{ put: obj(serviceYaml('bad', { port: 70000 })) }]), (e) => e instanceof InputError && /spec\.ports\[0\]\.port: Invalid value: 70000/.test(e.message));
  const dry = m.write([{ put: obj(deploymentYaml('api', 2)) }], { dryRun: true });
  assert.equal(dry.cluster.objects.filter((o) => o.kind === 'Pod' && o.metadata.name.startsWith('api-')).length, 2);
  assert.deepEqual([dry.events.length, dry.layerChanges.length], [0, 0]);
  assert.equal(m.store.resourceVersion, rv);
  assert.equal(m.apiLayer.size, 0);
});

test('deleting a namespace deletes every object declared in it, from files and from the API', () => {
  const m = new ControllerManager(new FixedClock(TEST_NOW));
  m.apply(docs(deploymentYaml('web', 1, { ns: 'shop' }) + serviceYaml('keep')));
  m.write([{ put: obj(serviceYaml('web', { ns: 'shop' })) }]);
  m.write([{ delete: { kind: 'Namespace', name: 'shop' } }]);
  assert.deepEqual(m.store.all().filter((o) => o.metadata.namespace === 'shop' || (o.kind === 'Namespace' && o.metadata.name === 'shop')), []);
  assert.ok(m.store.get('Service', 'default', 'keep'));
});
