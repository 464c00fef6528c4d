// Tests of the object store: resourceVersions count real changes only, and listeners see every change.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectStore, StoreEvent } from './store.js';
import type { KubeObject } from './types.js';

const cm = (name: string, v: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { v } });

test('replaceAll bumps the resourceVersion only for objects that changed, and reports deletions', () => {
  const store = new ObjectStore();
  const seen: StoreEvent[][] = [];
  store.subscribe((e) => seen.push(e));
  assert.deepEqual(store.replaceAll([cm('a', '1'), cm('b', '1')]).map((e) => e.type), ['ADDED', 'ADDED']);
  assert.equal(store.resourceVersion, 2);
  const events = store.replaceAll([cm('a', '1'), cm('c', '1')]);
  assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`), ['ADDED c 3', 'DELETED b 4']);
  assert.equal(store.get('ConfigMap', 'default', 'a')!.metadata.resourceVersion, '1');
  assert.deepEqual(store.replaceAll([cm('a', '2'), cm('c', '1')]).map((e) => e.type), ['MODIFIED']);
  assert.equal(seen.length, 3);
  assert.deepEqual(store.list('ConfigMap').map((o) => o.metadata.name), ['a', 'c']);
});
