// Tests of the ConnectionSet algebra and its np-guard connlist text, and of the interning table's memoized ids.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  allConnections,
  ConnectionSetTable,
  connectionsAllow,
  equalConnectionSets,
  formatConnectionSet,
  intersectConnections,
  isEmptyConnections,
  noConnections,
  portRange,
  unionConnections,
} from './connection-set.js';
import type { ConnectionSet, Protocol } from './types.js';

const u = (...sets: ConnectionSet[]) => sets.reduce(unionConnections, noConnections());

const cases: { name: string; set: ConnectionSet; want: string }[] = [
  { name: 'the empty set prints No Connections', set: noConnections(), want: 'No Connections' },
  { name: 'everything prints All Connections', set: allConnections(), want: 'All Connections' },
  { name: 'single ports print bare, protocols in alphabetical order', set: u(portRange('UDP', 53, 53), portRange('TCP', 80, 80)), want: 'TCP 80,UDP 53' },
  { name: 'adjacent ranges merge', set: u(portRange('TCP', 10053, 10053), portRange('TCP', 10054, 10054), portRange('UDP', 10053, 10053)), want: 'TCP 10053-10054,UDP 10053' },
  {
    name: 'everything but one TCP port prints like np-guard',
    set: u(portRange('SCTP'), portRange('UDP'), portRange('TCP', 1, 79), portRange('TCP', 81, 65535)),
    want: 'SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535',
  },
  { name: 'every port of all three protocols folds into All Connections', set: u(portRange('SCTP'), portRange('UDP'), portRange('TCP')), want: 'All Connections' },
  { name: 'intersection keeps the common ports per protocol', set: intersectConnections(u(portRange('TCP', 1, 100), portRange('UDP', 53, 53)), u(portRange('TCP', 80, 200), portRange('SCTP'))), want: 'TCP 80-100' },
  { name: 'intersection with everything is the identity', set: intersectConnections(allConnections(), portRange('UDP', 5, 9)), want: 'UDP 5-9' },
  { name: 'disjoint protocols intersect to nothing', set: intersectConnections(portRange('TCP', 53, 53), portRange('UDP', 53, 53)), want: 'No Connections' },
];

for (const c of cases) test(c.name, () => assert.equal(formatConnectionSet(c.set), c.want));

const protocol = fc.constantFrom<Protocol>('TCP', 'UDP', 'SCTP');
const range = fc.tuple(protocol, fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 50 })).map(([p, a, n]) => portRange(p, a, Math.min(a + n, 65535)));
const set = fc.array(range, { maxLength: 4 }).map((rs) => u(...rs));
const probe = fc.tuple(protocol, fc.integer({ min: 1, max: 260 }));

test('union and intersection agree with membership on every port', () => {
  fc.assert(
    fc.property(set, set, probe, (a, b, [p, port]) => {
      assert.equal(connectionsAllow(unionConnections(a, b), p, port), connectionsAllow(a, p, port) || connectionsAllow(b, p, port));
      assert.equal(connectionsAllow(intersectConnections(a, b), p, port), connectionsAllow(a, p, port) && connectionsAllow(b, p, port));
    }),
    { numRuns: 300, seed: 7 },
  );
});

test('the table gives equal sets equal ids and memoizes union and intersection', () => {
  const t = new ConnectionSetTable();
  assert.equal(t.intern(noConnections()), 0);
  assert.equal(t.intern(allConnections()), 1);
  const a = t.intern(portRange('TCP', 80, 80));
  assert.equal(t.intern(u(portRange('TCP', 80, 80))), a);
  const b = t.intern(portRange('UDP', 53, 53));
  const ab = t.union(a, b);
  assert.equal(formatConnectionSet(t.get(ab)), 'TCP 80,UDP 53');
  assert.equal(t.union(b, a), ab);
  assert.equal(t.intersect(ab, a), a);
  assert.ok(Object.isFrozen(t.get(ab)));
  assert.ok(isEmptyConnections(t.get(t.intersect(a, b))));
  assert.ok(equalConnectionSets(t.get(ab), u(portRange('UDP', 53, 53), portRange('TCP', 80, 80))));
});
