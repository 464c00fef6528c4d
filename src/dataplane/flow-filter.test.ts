// Flow queries as hubble observe takes them: parsing (-n, --pod, --verdict, --since relative or RFC 3339, --last)
// with one message per bad value, and which flows each selects.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowMatches, parseFlowFilter, parseSince, selectFlows, type FlowQuery } from './flow-filter.js';
import type { Flow } from './flows.js';

const NOW = new Date('2026-11-23T10:00:00Z');

function flow(summary: string, o: { time?: string; verdict?: Flow['verdict']; src?: [string, string]; dst?: [string, string] } = {}): Flow {
  const ep = (p?: [string, string]) => (p ? { namespace: p[0], pod_name: p[1], labels: [`k8s:io.kubernetes.pod.namespace=${p[0]}`] } : { labels: ['reserved:world'] });
  return {
    time: o.time ?? '2026-11-23T09:59:00Z',
    verdict: o.verdict ?? 'FORWARDED',
    IP: { source: '10.244.1.2', destination: '10.244.2.3', ipVersion: 'IPv4' },
    source: ep(o.src),
    destination: ep(o.dst),
    Type: 'L3_L4',
    traffic_direction: 'EGRESS',
    Summary: summary,
  };
}

const FLOWS = [
  flow('old web→api', { time: '2026-11-23T09:00:00Z', src: ['default', 'web-1'], dst: ['default', 'api-2'] }),
  flow('mon→backend dropped', { verdict: 'DROPPED', src: ['production', 'monitoring-x'], dst: ['production', 'backend-1'] }),
  flow('world→frontend', { dst: ['production', 'frontend-y'] }),
  flow('web→world error', { verdict: 'ERROR', src: ['default', 'web-2'] }),
];

const cases: { name: string; query: FlowQuery; want: string[] }[] = [
  { name: 'no filter selects every flow, oldest first', query: {}, want: ['old web→api', 'mon→backend dropped', 'world→frontend', 'web→world error'] },
  { name: '--namespace matches the source or the destination', query: { namespace: 'production' }, want: ['mon→backend dropped', 'world→frontend'] },
  { name: '--pod is a name prefix in the default namespace when it names none', query: { pod: 'web' }, want: ['old web→api', 'web→world error'] },
  { name: '--pod takes its namespace from -n', query: { pod: 'backend', namespace: 'production' }, want: ['mon→backend dropped'] },
  { name: '--pod NS/NAME matches either end', query: { pod: 'production/frontend' }, want: ['world→frontend'] },
  { name: '--verdict is case-insensitive', query: { verdict: 'dropped' }, want: ['mon→backend dropped'] },
  { name: '--since 30m leaves out flows older than half an hour', query: { since: '30m' }, want: ['mon→backend dropped', 'world→frontend', 'web→world error'] },
  { name: '--since takes an RFC 3339 time', query: { since: '2026-11-23T09:59:00Z' }, want: ['mon→backend dropped', 'world→frontend', 'web→world error'] },
  { name: '--last keeps the newest matching flows', query: { namespace: 'default', last: '1' }, want: ['web→world error'] },
];

for (const c of cases) {
  test(`flow query: ${c.name}`, () => {
    assert.deepEqual(selectFlows(FLOWS, parseFlowFilter(c.query, NOW)).map((f) => f.Summary), c.want);
  });
}

const bad: { name: string; query: FlowQuery; want: RegExp }[] = [
  { name: 'an unknown verdict lists the ones there are', query: { verdict: 'AUDIT' }, want: /^verdict "AUDIT": must be one of FORWARDED, DROPPED, ERROR$/ },
  { name: 'a since that is neither a duration nor a time shows both forms', query: { since: 'yesterday' }, want: /^since "yesterday": want a duration before now such as 30s, 5m or 1h30m, or an RFC 3339 time/ },
  { name: 'a date without a time zone is not RFC 3339', query: { since: '2026-11-23T09:00:00' }, want: /^since "2026-11-23T09:00:00"/ },
  { name: 'a pod with two slashes is refused', query: { pod: 'a/b/c' }, want: /^pod "a\/b\/c": want NAME or NAMESPACE\/NAME/ },
  { name: 'last must be a positive integer', query: { last: '0' }, want: /^last "0": must be a positive integer$/ },
  { name: 'an empty namespace is refused', query: { namespace: '' }, want: /^namespace: must not be empty$/ },
];

for (const c of bad) {
  test(`flow query: ${c.name}`, () => {
    assert.throws(() => parseFlowFilter(c.query, NOW), { name: 'FlowFilterError', message: c.want });
  });
}

test('parseSince adds up Go duration units', () => {
  assert.equal(parseSince('1h30m', NOW).toISOString(), '2026-11-23T08:30:00.000Z');
  assert.equal(parseSince('1.5s', NOW).toISOString(), '2026-11-23T09:59:58.500Z');
  assert.equal(parseSince('250ms', NOW).toISOString(), '2026-11-23T09:59:59.750Z');
});

test('a flow from the world matches no namespace filter', () => {
  const f = flow('x');
  assert.equal(flowMatches(f, parseFlowFilter({ namespace: 'default' }, NOW)), false);
  assert.equal(flowMatches(f, parseFlowFilter({ verdict: 'FORWARDED' }, NOW)), true);
});
