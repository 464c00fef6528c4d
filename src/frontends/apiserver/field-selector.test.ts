// Tests of field selectors: the grammar (=, ==, !=, commas, escapes), the fields each kind supports, and the 400
// for a field the kind does not support.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../core/types.js';
import { matchesFields, parseFieldSelector } from './field-selector.js';
import { ApiError } from './status.js';

const pod = (name: string, nodeName: string | undefined, phase: string, hostNetwork?: boolean): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [], ...(nodeName ? { nodeName } : {}), ...(hostNetwork !== undefined ? { hostNetwork } : {}) },
  status: { phase },
});

const pods = [pod('a', 'node-1', 'Running'), pod('b', 'node-2', 'Running', true), pod('c', undefined, 'Pending'), pod('d,e', 'node-1', 'Succeeded')];

const cases = [
  { name: 'equality on spec.nodeName', selector: 'spec.nodeName=node-1', want: ['a', 'd,e'] },
  { name: '== is the same as =', selector: 'spec.nodeName==node-2', want: ['b'] },
  { name: 'comma means AND, as describe node asks', selector: 'spec.nodeName=node-1,status.phase!=Succeeded,status.phase!=Failed', want: ['a'] },
  { name: 'an unset nodeName selects as the empty string', selector: 'spec.nodeName=', want: ['c'] },
  { name: 'an unset hostNetwork selects as false', selector: 'spec.hostNetwork=false', want: ['a', 'c', 'd,e'] },
  { name: 'metadata.name works for every kind, with an escaped comma', selector: 'metadata.name=d\\,e', want: ['d,e'] },
  { name: 'metadata.namespace works for every kind', selector: 'metadata.namespace!=default', want: [] },
  { name: 'an empty selector selects everything', selector: '', want: ['a', 'b', 'c', 'd,e'] },
];

for (const c of cases)
  test(`field selector: ${c.name}`, () => {
    const sel = parseFieldSelector(c.selector, 'Pod');
    assert.deepEqual(pods.filter((p) => matchesFields(sel, p)).map((p) => p.metadata.name), c.want);
  });

test('a field the kind does not support is a 400 with the API server message', () => {
  assert.throws(
    () => parseFieldSelector('spec.nodeName=node-1', 'Service'),
    (e) => e instanceof ApiError && e.code === 400 && e.status.reason === 'BadRequest' && e.message === 'field label not supported: spec.nodeName',
  );
  assert.throws(() => parseFieldSelector('status.phase', 'Pod'), (e) => e instanceof ApiError && e.code === 400);
});
