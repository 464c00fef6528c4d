// Tests of the watch hub: initial ADDED events, resuming from a resourceVersion, 410 for a history that is gone, and
// selector transitions turned into ADDED/DELETED as the watch cache does.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectStore } from '../../core/store.js';
import type { KubeObject } from '../../core/types.js';
import type { ObjectFilter } from './reads.js';
import { ApiError } from './status.js';
import { WatchEvent, WatchHub } from './watch-hub.js';

const cm = (name: string, labels: Record<string, string>, v = '1'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels }, data: { v } });

const all: ObjectFilter = { kind: 'ConfigMap', labels: [], fields: [] };
const frontEnd: ObjectFilter = { kind: 'ConfigMap', labels: [{ key: 'tier', operator: 'In', values: ['fe'] }], fields: [] };

function collect(hub: WatchHub, filter: ObjectFilter, from?: number): { events: string[]; stop: () => void } {
  const events: string[] = [];
  const stop = hub.watch(filter, from, (es: WatchEvent[]) => events.push(...es.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`)));
  return { events, stop };
}

test('a watch without a resourceVersion starts with ADDED for the current objects, then follows changes', () => {
  const store = new ObjectStore();
  store.replaceAll([cm('a', {}), cm('b', {})]);
  const hub = new WatchHub(store);
  const w = collect(hub, all);
  store.replaceAll([cm('a', {}, '2'), cm('b', {})]);
  assert.deepEqual(w.events, ['ADDED a 1', 'ADDED b 2', 'MODIFIED a 3']);
  w.stop();
  store.replaceAll([cm('a', {}, '3')]);
  assert.equal(w.events.length, 3, 'a stopped watch gets nothing');
});

test('a watch from a resourceVersion replays only the later changes, in order', () => {
  const store = new ObjectStore();
  const hub = new WatchHub(store);
  store.replaceAll([cm('a', {})]);
  store.replaceAll([cm('a', {}, '2'), cm('b', {})]);
  store.replaceAll([cm('b', {})]);
  assert.deepEqual(collect(hub, all, 1).events, ['MODIFIED a 2', 'ADDED b 3', 'DELETED a 4']);
  assert.deepEqual(collect(hub, all, 4).events, []);
});

test('a resourceVersion older than the kept history is a 410 Expired', () => {
  const store = new ObjectStore();
  store.replaceAll([cm('a', {})]);
  const hub = new WatchHub(store, 2);
  for (let i = 2; i <= 7; i++) store.replaceAll([cm('a', {}, String(i))]);
  assert.throws(() => collect(hub, all, 1), (e) => e instanceof ApiError && e.code === 410 && e.status.reason === 'Expired');
  assert.deepEqual(collect(hub, all, 6).events, ['MODIFIED a 7']);
});

test('an object that starts or stops matching the selector arrives as ADDED or DELETED', () => {
  const store = new ObjectStore();
  store.replaceAll([cm('a', { tier: 'be' })]);
  const hub = new WatchHub(store);
  const w = collect(hub, frontEnd);
  store.replaceAll([cm('a', { tier: 'fe' })]);
  store.replaceAll([cm('a', { tier: 'fe' }, '2')]);
  store.replaceAll([cm('a', { tier: 'be' }, '2')]);
  store.replaceAll([]);
  assert.deepEqual(w.events, ['ADDED a 2', 'MODIFIED a 3', 'DELETED a 4']);
});
