// Table-driven tests for the pods table: READY, STATUS, RESTARTS and the wide columns (printPod upstream).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../core/types.js';
import { podPrinter } from './pod-printer.js';
import { cellsByName } from './testdata/cells-by-name.js';

const NOW = new Date('2026-01-10T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

function pod(spec: any, status: any, meta: any = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', creationTimestamp: minutesAgo(10), ...meta },
    spec: { containers: [{ name: 'a', image: 'nginx' }], ...spec },
    status,
  };
}

const running = { running: { startedAt: minutesAgo(9) } };
const ready = (name: string, extra: any = {}) => ({ name, ready: true, restartCount: 0, state: running, ...extra });
const two = { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] };

const cases: { name: string; pod: KubeObject; want: Record<string, string | number> }[] = [
  {
    name: 'a running pod with every container ready shows n/n and Running',
    pod: pod(two, { phase: 'Running', podIPs: [{ ip: '10.244.1.7' }], containerStatuses: [ready('a'), ready('b')] }),
    want: { Ready: '2/2', Status: 'Running', Restarts: '0', Age: '10m', IP: '10.244.1.7' },
  },
  {
    name: 'a ready container counts only while it is running',
    pod: pod(two, { phase: 'Running', containerStatuses: [ready('a'), ready('b', { state: { waiting: {} } })] }),
    want: { Ready: '1/2', Status: 'Running' },
  },
  {
    name: 'an unscheduled pod is Pending with <none> for IP, node, nominated node and gates',
    pod: pod({}, { phase: 'Pending' }),
    want: { Ready: '0/1', Status: 'Pending', IP: '<none>', Node: '<none>', 'Nominated Node': '<none>', 'Readiness Gates': '<none>' },
  },
  {
    name: 'the IP column reads status.podIPs[0], not status.podIP',
    pod: pod({ nodeName: 'n1' }, { phase: 'Running', podIP: '10.0.0.9', podIPs: [{ ip: 'fd00::9' }, { ip: '10.0.0.9' }] }),
    want: { IP: 'fd00::9', Node: 'n1' },
  },
  {
    name: 'a pod with podIP but no podIPs prints <none>',
    pod: pod({}, { phase: 'Running', podIP: '10.0.0.9' }),
    want: { IP: '<none>' },
  },
  {
    name: 'a waiting container reason replaces the phase',
    pod: pod({}, { phase: 'Running', containerStatuses: [{ name: 'a', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }),
    want: { Ready: '0/1', Status: 'CrashLoopBackOff', Restarts: '4' },
  },
  {
    name: 'the first container reason wins over later ones',
    pod: pod(two, {
      phase: 'Pending',
      containerStatuses: [
        { name: 'a', state: { waiting: { reason: 'ErrImagePull' } } },
        { name: 'b', state: { waiting: { reason: 'ContainerCreating' } } },
      ],
    }),
    want: { Status: 'ErrImagePull' },
  },
  {
    name: 'a terminated container shows its reason',
    pod: pod({}, { phase: 'Succeeded', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }),
    want: { Status: 'Completed', Ready: '0/1' },
  },
  {
    name: 'a terminated container without a reason shows its exit code',
    pod: pod({}, { phase: 'Failed', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 137 } } }] }),
    want: { Status: 'ExitCode:137' },
  },
  {
    name: 'a terminated container killed by a signal shows the signal',
    pod: pod({}, { phase: 'Failed', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 137, signal: 9 } } }] }),
    want: { Status: 'Signal:9' },
  },
  {
    name: 'status.reason replaces the phase',
    pod: pod({}, { phase: 'Failed', reason: 'Evicted' }),
    want: { Status: 'Evicted' },
  },
  {
    name: 'a scheduling-gated pod says SchedulingGated',
    pod: pod({}, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }),
    want: { Status: 'SchedulingGated' },
  },
  {
    name: 'a completed container next to a running one leaves the pod Running when it is Ready',
    pod: pod(two, {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [ready('a'), { name: 'b', state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
    }),
    want: { Status: 'Running', Ready: '1/2' },
  },
  {
    name: 'a completed container next to a running one makes the pod NotReady without the Ready condition',
    pod: pod(two, { phase: 'Running', containerStatuses: [ready('a'), { name: 'b', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }),
    want: { Status: 'NotReady' },
  },
  {
    name: 'a pod being deleted is Terminating',
    pod: pod({}, { phase: 'Running', containerStatuses: [ready('a')] }, { deletionTimestamp: minutesAgo(0) }),
    want: { Status: 'Terminating', Ready: '1/1' },
  },
  {
    name: 'a finished pod being deleted keeps its terminal status',
    pod: pod({}, { phase: 'Succeeded' }, { deletionTimestamp: minutesAgo(0) }),
    want: { Status: 'Succeeded' },
  },
  {
    name: 'a pod of a lost node being deleted is Unknown',
    pod: pod({}, { phase: 'Running', reason: 'NodeLost' }, { deletionTimestamp: minutesAgo(0) }),
    want: { Status: 'Unknown' },
  },
  {
    name: 'restarts show how long ago the last container terminated',
    pod: pod(two, {
      phase: 'Running',
      containerStatuses: [
        ready('a', { restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: minutesAgo(7) } } }),
        ready('b', { restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: minutesAgo(3) } } }),
      ],
    }),
    want: { Restarts: '3 (3m ago)' },
  },
  {
    name: 'restarts without a last termination time are a bare count',
    pod: pod({}, { phase: 'Running', containerStatuses: [ready('a', { restartCount: 5 })] }),
    want: { Restarts: '5' },
  },
  {
    name: 'a waiting init container shows Init:<index>/<count>',
    pod: pod(
      { initContainers: [{ name: 'i1', image: 'x' }, { name: 'i2', image: 'x' }] },
      {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i1', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          { name: 'i2', state: { waiting: { reason: 'PodInitializing' } } },
        ],
        containerStatuses: [{ name: 'a', state: { waiting: { reason: 'PodInitializing' } } }],
      },
    ),
    want: { Status: 'Init:1/2', Ready: '0/1' },
  },
  {
    name: 'a crashing init container shows Init:<reason> and its restarts',
    pod: pod(
      { initContainers: [{ name: 'i1', image: 'x' }] },
      { phase: 'Pending', initContainerStatuses: [{ name: 'i1', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } }] },
    ),
    want: { Status: 'Init:CrashLoopBackOff', Restarts: '3' },
  },
  {
    name: 'a failed init container without a reason shows Init:ExitCode',
    pod: pod({ initContainers: [{ name: 'i1', image: 'x' }] }, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 2 } } }] }),
    want: { Status: 'Init:ExitCode:2' },
  },
  {
    name: 'a started sidecar init container counts as a container and as ready',
    pod: pod(
      { initContainers: [{ name: 'proxy', image: 'x', restartPolicy: 'Always' }] },
      {
        phase: 'Running',
        initContainerStatuses: [{ name: 'proxy', ready: true, started: true, restartCount: 1, state: running }],
        containerStatuses: [ready('a')],
      },
    ),
    want: { Ready: '2/2', Status: 'Running', Restarts: '1' },
  },
  {
    name: 'readiness gates count the gates whose condition is True',
    pod: pod(
      { readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] },
      { phase: 'Running', conditions: [{ type: 'example.com/lb', status: 'True' }, { type: 'example.com/dns', status: 'False' }] },
    ),
    want: { 'Readiness Gates': '1/2' },
  },
  {
    name: 'a nominated node is shown',
    pod: pod({}, { phase: 'Pending', nominatedNodeName: 'n2' }),
    want: { 'Nominated Node': 'n2' },
  },
  {
    name: 'a pod without a creation timestamp has an <unknown> age',
    pod: pod({}, { phase: 'Pending' }, { creationTimestamp: undefined }),
    want: { Age: '<unknown>' },
  },
];

for (const c of cases) {
  test(`pod printer: ${c.name}`, () => {
    const got = cellsByName(podPrinter, c.pod, NOW);
    for (const [column, want] of Object.entries(c.want)) assert.equal(got[column], want, `column ${column}`);
  });
}

const conditionCases = [
  { name: 'a succeeded pod row carries a Completed condition with reason Succeeded', phase: 'Succeeded', want: 'Succeeded' },
  { name: 'a failed pod row carries a Completed condition with reason Failed', phase: 'Failed', want: 'Failed' },
  { name: 'a running pod row carries no condition', phase: 'Running', want: undefined },
];
for (const c of conditionCases) {
  test(`pod printer: ${c.name}`, () => {
    const { conditions } = podPrinter.row(pod({}, { phase: c.phase }), NOW);
    assert.equal(conditions?.[0]?.reason, c.want);
    if (c.want) assert.equal(conditions?.[0]?.type, 'Completed');
  });
}
