// Table printers for Namespaces, Nodes, ConfigMaps, Secrets and Events.
// Upstream: pkg/printers/internalversion/printers.go in kubernetes/kubernetes (printNode, printEvent, ...).

import type { KubeObject } from '../core/types.js';
import { ageSince, sortedSet } from './cell-formats.js';
import { AGE_COLUMN, NAME_COLUMN, column, type ResourcePrinter } from './table.js';

const NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const NODE_ROLE_LABEL = 'kubernetes.io/role';

/** The namespaces table printer. */
export const namespacePrinter: ResourcePrinter = {
  columns: [NAME_COLUMN, column('Status', 'The phase of the namespace.'), AGE_COLUMN],
  row: (ns, now) => ({ cells: [ns.metadata.name, ns.status?.phase ?? '', ageSince(ns.metadata.creationTimestamp, now)] }),
};

/** Status from the Ready condition only (Ready/NotReady, Unknown without one), then SchedulingDisabled. */
function nodeStatus(node: KubeObject): string {
  const conditions = new Map<string, any>();
  for (const c of node.status?.conditions ?? []) conditions.set(c.type, c);
  const ready = conditions.get('Ready');
  const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

/** findNodeRoles: `node-role.kubernetes.io/<role>` keys and the `kubernetes.io/role` value, sorted and unique. */
function nodeRoles(node: KubeObject): string {
  const roles: string[] = [];
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith(NODE_ROLE_PREFIX)) {
      const role = k.slice(NODE_ROLE_PREFIX.length);
      if (role) roles.push(role);
    } else if (k === NODE_ROLE_LABEL && v !== '') roles.push(v);
  }
  return sortedSet(roles).join(',') || '<none>';
}

/** The first address of a type in status.addresses, "<none>" without one. */
function nodeAddress(node: KubeObject, type: string): string {
  return (node.status?.addresses ?? []).find((a: any) => a.type === type)?.address ?? '<none>';
}

/** The nodes table printer. */
export const nodePrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('Status', 'Readiness of the node, and whether it is cordoned.'),
    column('Roles', 'Roles from node-role.kubernetes.io labels.'),
    AGE_COLUMN,
    column('Version', 'Kubelet version.'),
    column('Internal-IP', 'The first InternalIP address.', { priority: 1 }),
    column('External-IP', 'The first ExternalIP address.', { priority: 1 }),
    column('OS-Image', 'Operating system image.', { priority: 1 }),
    column('Kernel-Version', 'Kernel version.', { priority: 1 }),
    column('Container-Runtime', 'Container runtime and version.', { priority: 1 }),
  ],
  row: (node, now) => {
    const info = node.status?.nodeInfo ?? {};
    return {
      cells: [
        node.metadata.name,
        nodeStatus(node),
        nodeRoles(node),
        ageSince(node.metadata.creationTimestamp, now),
        info.kubeletVersion ?? '',
        nodeAddress(node, 'InternalIP'),
        nodeAddress(node, 'ExternalIP'),
        info.osImage || '<unknown>',
        info.kernelVersion || '<unknown>',
        info.containerRuntimeVersion || '<unknown>',
      ],
    };
  },
};

/** The configmaps table printer: Data counts data and binaryData keys (a number in a "string" column, as upstream). */
export const configMapPrinter: ResourcePrinter = {
  columns: [NAME_COLUMN, column('Data', 'Number of data and binaryData keys.'), AGE_COLUMN],
  row: (cm, now) => ({
    cells: [
      cm.metadata.name,
      Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length,
      ageSince(cm.metadata.creationTimestamp, now),
    ],
  }),
};

/** The secrets table printer. */
export const secretPrinter: ResourcePrinter = {
  columns: [NAME_COLUMN, column('Type', 'The secret type.'), column('Data', 'Number of data keys.'), AGE_COLUMN],
  row: (s, now) => ({
    cells: [s.metadata.name, s.type ?? '', Object.keys(s.data ?? {}).length, ageSince(s.metadata.creationTimestamp, now)],
  }),
};

/** formatEventSource: component (else reportingComponent), then ", host" (else reportingInstance) when present. */
function eventSource(ev: KubeObject): string {
  const component = ev.source?.component || ev.reportingComponent || '';
  const host = ev.source?.host || ev.reportingInstance || '';
  return host ? `${component}, ${host}` : component;
}

/** The events table printer; it has no leading Name column (Name is the last, wide-only, column). */
export const eventPrinter: ResourcePrinter = {
  columns: [
    column('Last Seen', 'Time since the event was last observed.'),
    column('Type', 'Normal or Warning.'),
    column('Reason', 'Why the event was reported.'),
    column('Object', 'The object the event is about, as kind/name.'),
    column('Subobject', 'The field path inside the object.', { priority: 1 }),
    column('Source', 'The component and host that reported the event.', { priority: 1 }),
    column('Message', 'What happened.'),
    column('First Seen', 'Time since the event was first observed.', { priority: 1 }),
    column('Count', 'How many times the event was observed.', { priority: 1 }),
    column('Name', 'Name of the event.', { priority: 1, format: 'name' }),
  ],
  row: (ev, now) => {
    // Events recorded through events.k8s.io carry eventTime and series instead of first/lastTimestamp and count.
    const firstSeen = ev.firstTimestamp ? ageSince(ev.firstTimestamp, now) : ageSince(ev.eventTime, now);
    let lastSeen = ev.lastTimestamp ? ageSince(ev.lastTimestamp, now) : firstSeen;
    let count: number = ev.count ?? 0;
    if (ev.series) {
      lastSeen = ageSince(ev.series.lastObservedTime, now);
      count = ev.series.count ?? 0;
    } else if (count === 0) count = 1;
    const involved = ev.involvedObject ?? {};
    const kind = String(involved.kind ?? '').toLowerCase();
    const target = involved.name ? `${kind}/${involved.name}` : kind;
    return {
      cells: [
        lastSeen,
        ev.type ?? '',
        ev.reason ?? '',
        target,
        involved.fieldPath ?? '',
        eventSource(ev),
        String(ev.message ?? '').trim(),
        firstSeen,
        count,
        ev.metadata.name,
      ],
    };
  },
};
