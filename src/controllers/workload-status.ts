// Workload status as the controllers report it: replica counts from the pods that exist and are ready.
// Optional counters are omitted when zero, as the API's omitempty fields are.

import type { KubeObject } from '../core/types.js';
import { isPodReady } from './pods.js';

function count(pods: KubeObject[]): { total: number; ready: number } {
  return { total: pods.length, ready: pods.filter(isPodReady).length };
}

const nz = (k: string, v: number) => (v ? { [k]: v } : {});

export function replicaSetStatus(rs: KubeObject, pods: KubeObject[]): any {
  const { total, ready } = count(pods);
  return { ...nz('availableReplicas', ready), fullyLabeledReplicas: total, observedGeneration: rs.metadata.generation, ...nz('readyReplicas', ready), replicas: total };
}

export function deploymentStatus(deploy: KubeObject, rs: KubeObject, pods: KubeObject[]): any {
  const { total, ready } = count(pods);
  const replicas: number = deploy.spec.replicas ?? 1;
  // RollingUpdate's default maxUnavailable is 25%, rounded down: "minimum availability" is replicas minus that.
  const available = ready >= replicas - Math.floor(replicas * 0.25);
  const t = deploy.metadata.creationTimestamp;
  return {
    ...nz('availableReplicas', ready),
    conditions: [
      {
        type: 'Available',
        status: available ? 'True' : 'False',
        lastUpdateTime: t,
        lastTransitionTime: t,
        reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
        message: available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
      },
      { type: 'Progressing', status: 'True', lastUpdateTime: t, lastTransitionTime: t, reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rs.metadata.name}" has successfully progressed.` },
    ],
    observedGeneration: deploy.metadata.generation,
    ...nz('readyReplicas', ready),
    ...nz('replicas', total),
    ...nz('unavailableReplicas', Math.max(0, replicas - ready)),
    ...nz('updatedReplicas', total),
  };
}

export function statefulSetStatus(sts: KubeObject, pods: KubeObject[]): any {
  const { total, ready } = count(pods);
  const revision = pods[0]?.metadata.labels?.['controller-revision-hash'];
  return {
    ...nz('availableReplicas', ready),
    collisionCount: 0,
    ...nz('currentReplicas', total),
    ...(revision ? { currentRevision: revision, updateRevision: revision } : {}),
    observedGeneration: sts.metadata.generation,
    ...nz('readyReplicas', ready),
    replicas: total,
    ...nz('updatedReplicas', total),
  };
}

export function daemonSetStatus(ds: KubeObject, pods: KubeObject[]): any {
  const { total, ready } = count(pods);
  return {
    currentNumberScheduled: total,
    desiredNumberScheduled: total,
    numberAvailable: ready,
    numberMisscheduled: 0,
    numberReady: ready,
    ...nz('numberUnavailable', total - ready),
    observedGeneration: ds.metadata.generation,
    updatedNumberScheduled: total,
  };
}
