// The pods table: READY, STATUS and RESTARTS computed as kube-apiserver's printPod does.
// Upstream: pkg/printers/internalversion/printers.go (printPod) in kubernetes/kubernetes.

import type { KubeObject } from '../core/types.js';
import { humanDuration } from './human-duration.js';
import { ageSince } from './cell-formats.js';
import { AGE_COLUMN, NAME_COLUMN, column, type PrintedRow, type ResourcePrinter, type TableRowCondition } from './table.js';

/** status.reason the node lifecycle controller sets on pods of an unreachable node (node.NodeUnreachablePodReason). */
const NODE_LOST_REASON = 'NodeLost';

const SUCCEEDED: TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
];
const FAILED: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

/** The pods table printer. */
export const podPrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'Ready containers out of all containers.'),
    column('Status', 'Aggregate status of the pod and its containers.'),
    column('Restarts', 'Container restarts, and how long ago the last one was.'),
    AGE_COLUMN,
    column('IP', 'The first pod IP (status.podIPs[0]).', { priority: 1 }),
    column('Node', 'The node the pod is bound to.', { priority: 1 }),
    column('Nominated Node', 'The node the scheduler nominated for preemption.', { priority: 1 }),
    column('Readiness Gates', 'Readiness gates that are true out of all gates.', { priority: 1 }),
  ],
  row: podRow,
};

/** The latest of a running maximum and a timestamp, ignoring absent timestamps (metav1.Time zero value). */
function later(current: number | undefined, timestamp: string | undefined): number | undefined {
  const t = timestamp ? Date.parse(timestamp) : NaN;
  if (Number.isNaN(t)) return current;
  return current === undefined || current < t ? t : current;
}

/** A sidecar: an init container with restartPolicy Always (podutil.IsRestartableInitContainer). */
function isRestartable(container: any): boolean {
  return container?.restartPolicy === 'Always';
}

function hasCondition(status: any, type: string): boolean {
  return (status.conditions ?? []).some((c: any) => c.type === type && c.status === 'True');
}

/** isPodInitializedConditionTrue: the first Initialized condition decides. */
function initializedConditionTrue(status: any): boolean {
  const c = (status.conditions ?? []).find((x: any) => x.type === 'Initialized');
  return c?.status === 'True';
}

function terminatedText(t: any, prefix: string): string {
  if (t.reason) return prefix + t.reason;
  if (t.signal) return `${prefix}Signal:${t.signal}`;
  return `${prefix}ExitCode:${t.exitCode ?? 0}`;
}

function podRow(pod: KubeObject, now: Date): PrintedRow {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const phase: string = status.phase ?? '';
  let reason: string = status.reason || phase;
  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initContainers = new Map<string, any>();
  let totalContainers = (spec.containers ?? []).length;
  for (const c of spec.initContainers ?? []) {
    initContainers.set(c.name, c);
    if (isRestartable(c)) totalContainers++;
  }

  let readyContainers = 0;
  let restarts = 0;
  let restartableInitRestarts = 0;
  let lastRestart: number | undefined;
  let lastRestartableInitRestart: number | undefined;
  let initializing = false;
  const initStatuses: any[] = status.initContainerStatuses ?? [];
  // Init containers run in order: the first one that has not completed decides the status.
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    restarts += c.restartCount ?? 0;
    lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
    const restartable = isRestartable(initContainers.get(c.name));
    if (restartable) {
      restartableInitRestarts += c.restartCount ?? 0;
      lastRestartableInitRestart = later(lastRestartableInitRestart, c.lastState?.terminated?.finishedAt);
    }
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (restartable && c.started === true) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (terminated) reason = terminatedText(terminated, 'Init:');
    else if (waiting?.reason && waiting.reason !== 'PodInitializing') reason = `Init:${waiting.reason}`;
    else reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    initializing = true;
    break;
  }

  if (!initializing || initializedConditionTrue(status)) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses: any[] = status.containerStatuses ?? [];
    // Walked backwards so that the first container's waiting/terminated reason wins.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount ?? 0;
      lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
      const waiting = c.state?.waiting;
      const terminated = c.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated) reason = terminatedText(terminated, '');
      else if (c.ready && c.state?.running != null) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A completed container next to a running one does not make the pod "Completed".
    if (reason === 'Completed' && hasRunning) reason = hasCondition(status, 'Ready') ? 'Running' : 'NotReady';
  }

  if (pod.metadata.deletionTimestamp && status.reason === NODE_LOST_REASON) reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) restartsText = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;

  const cells = [
    pod.metadata.name,
    `${readyContainers}/${totalContainers}`,
    reason,
    restartsText,
    ageSince(pod.metadata.creationTimestamp, now),
    status.podIPs?.[0]?.ip || '<none>',
    spec.nodeName || '<none>',
    status.nominatedNodeName || '<none>',
    readinessGates(spec, status),
  ];
  const conditions = phase === 'Succeeded' ? SUCCEEDED : phase === 'Failed' ? FAILED : undefined;
  return conditions ? { cells, conditions } : { cells };
}

/** "<true gates>/<all gates>": each gate counts when the first condition of its type is True. */
function readinessGates(spec: any, status: any): string {
  const gates: any[] = spec.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  let ready = 0;
  for (const gate of gates) {
    const c = (status.conditions ?? []).find((x: any) => x.type === gate.conditionType);
    if (c?.status === 'True') ready++;
  }
  return `${ready}/${gates.length}`;
}
