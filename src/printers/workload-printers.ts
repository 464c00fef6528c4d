// Table printers for the workload kinds: Deployments, ReplicaSets, StatefulSets and DaemonSets.
// Upstream: pkg/printers/internalversion/printers.go in kubernetes/kubernetes (printDeployment, printReplicaSet, ...).
// Counts are read as stored: the API defaults spec.replicas to 1, so an absent value prints as 0 like the internal type.

import type { KubeObject } from '../core/types.js';
import { ageSince, formatLabelSelector, formatLabels, labelSelectorString, layoutContainerCells } from './cell-formats.js';
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, column, type ResourcePrinter } from './table.js';

function replicas(o: KubeObject): number {
  return o.spec?.replicas ?? 0;
}

function templateContainers(o: KubeObject): [string, string] {
  return layoutContainerCells(o.spec?.template?.spec?.containers);
}

/**
 * The deployments table printer. Up-to-date and Available are declared "string" columns upstream but
 * carry numbers; the wide Selector is Selector.String(), which is "" (not "<none>") when empty.
 */
export const deploymentPrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'Ready replicas out of desired replicas.'),
    column('Up-to-date', 'Replicas updated to the current template.'),
    column('Available', 'Replicas available to serve.'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    column('Selector', 'Label selector of the pods.', { priority: 1 }),
  ],
  row: (d, now) => {
    const [names, images] = templateContainers(d);
    return {
      cells: [
        d.metadata.name,
        `${d.status?.readyReplicas ?? 0}/${replicas(d)}`,
        d.status?.updatedReplicas ?? 0,
        d.status?.availableReplicas ?? 0,
        ageSince(d.metadata.creationTimestamp, now),
        names,
        images,
        labelSelectorString(d.spec?.selector),
      ],
    };
  },
};

/** The replicasets table printer. */
export const replicaSetPrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('Desired', 'Desired replicas.', { type: 'integer' }),
    column('Current', 'Replicas that exist.', { type: 'integer' }),
    column('Ready', 'Ready replicas.', { type: 'integer' }),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    column('Selector', 'Label selector of the pods.', { priority: 1 }),
  ],
  row: (rs, now) => {
    const [names, images] = templateContainers(rs);
    return {
      cells: [
        rs.metadata.name,
        replicas(rs),
        rs.status?.replicas ?? 0,
        rs.status?.readyReplicas ?? 0,
        ageSince(rs.metadata.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(rs.spec?.selector),
      ],
    };
  },
};

/** The statefulsets table printer. */
export const statefulSetPrinter: ResourcePrinter = {
  columns: [NAME_COLUMN, column('Ready', 'Ready replicas out of desired replicas.'), AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN],
  row: (sts, now) => {
    const [names, images] = templateContainers(sts);
    return {
      cells: [sts.metadata.name, `${sts.status?.readyReplicas ?? 0}/${replicas(sts)}`, ageSince(sts.metadata.creationTimestamp, now), names, images],
    };
  },
};

/** The daemonsets table printer: five integer columns from status, then the template's node selector. */
export const daemonSetPrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('Desired', 'Nodes that should run the pod.', { type: 'integer' }),
    column('Current', 'Nodes running the pod.', { type: 'integer' }),
    column('Ready', 'Nodes with the pod ready.', { type: 'integer' }),
    column('Up-to-date', 'Nodes running the current template.', { type: 'integer' }),
    column('Available', 'Nodes with the pod available.', { type: 'integer' }),
    column('Node Selector', "The pod template's node selector."),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    column('Selector', 'Label selector of the pods.', { priority: 1 }),
  ],
  row: (ds, now) => {
    const [names, images] = templateContainers(ds);
    const s = ds.status ?? {};
    return {
      cells: [
        ds.metadata.name,
        s.desiredNumberScheduled ?? 0,
        s.currentNumberScheduled ?? 0,
        s.numberReady ?? 0,
        s.updatedNumberScheduled ?? 0,
        s.numberAvailable ?? 0,
        formatLabels(ds.spec?.template?.spec?.nodeSelector),
        ageSince(ds.metadata.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(ds.spec?.selector),
      ],
    };
  },
};
