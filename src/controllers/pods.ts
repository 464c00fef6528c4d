// Pod IPAM and kubelet status: every scheduled pod gets an IP from its node's podCIDR (never the network address,
// the bridge gateway .1 or the broadcast address), host-network pods get the node's IP, and status says so.

import { hash53 } from '../core/hash.js';
import { cidrContains, formatIPv4, parseCidr, parseIPv4 } from '../core/ip.js';
import { keyOf } from '../core/objects.js';
import type { Container, KubeObject } from '../core/types.js';
import { ReconcileContext, previousOf } from './context.js';
import { HashAllocator } from './hash-allocator.js';
import { nodeInternalIP } from './nodes.js';

/** Annotation that marks a pod's containers not ready, so readiness can be exercised (see README). */
export const READY_ANNOTATION = 'flatnet.dev/ready';
/** Annotation that marks a pod as terminating (deletionTimestamp set, grace period running). */
export const TERMINATING_ANNOTATION = 'flatnet.dev/terminating';
/**
 * Annotation that says a pod's (first) container has exited with this code: written by `kubectl attach` / `run -it`
 * when an emulated one-shot command (nslookup, curl, ...) finishes, or by the user to model a completed pod.
 */
export const EXIT_CODE_ANNOTATION = 'flatnet.dev/exit-code';

/**
 * Gives every scheduled pod its IP. Pods keep the IP the previous state gave them while it is still inside their
 * node's range; new pods start at a hash of namespace/name and probe upward, in name order.
 */
export function assignPodIPs(ctx: ReconcileContext, pods: KubeObject[], nodes: KubeObject[]): void {
  const byNode = new Map<string, KubeObject[]>();
  for (const pod of pods) {
    if (pod.status?.phase === 'Pending' || pod.spec.hostNetwork) continue;
    const n = pod.spec.nodeName;
    if (n === undefined) continue;
    let list = byNode.get(n);
    if (!list) byNode.set(n, (list = []));
    list.push(pod);
  }
  const ipOf = new Map<KubeObject, string>();
  for (const node of nodes) {
    const list = byNode.get(node.metadata.name);
    // A node whose podCIDR could not be allocated (already reported as a problem) has no range to give out.
    const range = parseCidr(node.spec.podCIDR ?? '');
    if (!list || !range) continue;
    const alloc = new HashAllocator(range.size);
    alloc.claim(0);
    alloc.claim(1);
    alloc.claim(range.size - 1);
    const fresh: KubeObject[] = [];
    for (const pod of list) {
      const prev = previousOf(ctx, pod);
      const ip = prev?.spec?.nodeName === node.metadata.name ? parseIPv4(prev?.status?.podIP ?? '') : undefined;
      if (ip !== undefined && cidrContains(range, ip) && alloc.claim(ip - range.base)) ipOf.set(pod, formatIPv4(ip));
      else fresh.push(pod);
    }
    for (const pod of fresh) {
      const slot = alloc.allocate(keyOf(pod), 2, range.size - 1);
      if (slot !== undefined) ipOf.set(pod, formatIPv4(range.base + slot));
    }
  }
  const nodeByName = new Map(nodes.map((n) => [n.metadata.name, n]));
  for (const pod of pods) {
    if (pod.status?.phase === 'Pending') continue;
    const node = nodeByName.get(pod.spec.nodeName);
    if (!node) {
      pod.status = { phase: 'Pending', qosClass: 'BestEffort', message: `node "${pod.spec.nodeName}" does not exist; no kubelet will run this pod` };
      ctx.warnings.push(`Pod ${pod.metadata.namespace}/${pod.metadata.name}: spec.nodeName "${pod.spec.nodeName}" names no node; the pod stays Pending`);
      continue;
    }
    const hostIP = nodeInternalIP(node);
    const podIP = pod.spec.hostNetwork ? hostIP : ipOf.get(pod);
    if (podIP === undefined) {
      setNoIPStatus(pod, hostIP, node.spec.podCIDR);
      ctx.warnings.push(`Pod ${pod.metadata.namespace}/${pod.metadata.name}: node ${node.metadata.name}'s podCIDR ${node.spec.podCIDR} is full; the pod stays ContainerCreating`);
    } else setRunningStatus(pod, hostIP, podIP);
  }
}

/** A container ID shaped like containerd's (64 hex digits), derived from the pod uid and container name. */
function containerID(pod: KubeObject, c: Container): string {
  const h = hash53(`${pod.metadata.uid}/${c.name}`).toString(16).padStart(14, '0');
  return `containerd://${pod.metadata.uid!.replace(/-/g, '')}${h}${h.slice(0, 4)}${h}`.slice(0, 77);
}

/** The image reference as containerd reports it: registry and library/ expanded, tag defaulted. */
export function normalizeImage(image: string): string {
  let ref = image;
  const firstPart = ref.split('/')[0];
  const hasRegistry = ref.includes('/') && (firstPart.includes('.') || firstPart.includes(':') || firstPart === 'localhost');
  if (!hasRegistry) ref = ref.includes('/') ? `docker.io/${ref}` : `docker.io/library/${ref}`;
  const lastPart = ref.slice(ref.lastIndexOf('/') + 1);
  if (!lastPart.includes(':') && !lastPart.includes('@')) ref += ':latest';
  return ref;
}

function podConditions(pod: KubeObject, ready: boolean, notReadyNames: string[]): any[] {
  const t = pod.metadata.creationTimestamp;
  const c = (type: string, status: boolean, extra: object = {}) => ({ type, status: status ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: t, ...extra });
  const why = ready ? {} : { reason: 'ContainersNotReady', message: `containers with unready status: [${notReadyNames.join(' ')}]` };
  return [c('PodReadyToStartContainers', true), c('Initialized', true), c('Ready', ready, why), c('ContainersReady', ready, why), c('PodScheduled', true)];
}

/**
 * The exit code a pod's container finished with, when it has finished for good: restartPolicy Never, or OnFailure
 * with success (kubelet restarts the others, and Always restarts every exit).
 */
function finishedWith(pod: KubeObject): number | undefined {
  const raw = pod.metadata.annotations?.[EXIT_CODE_ANNOTATION];
  if (raw === undefined || !/^\d{1,3}$/.test(raw) || Number(raw) > 255) return undefined;
  const code = Number(raw);
  const policy = pod.spec.restartPolicy ?? 'Always';
  return policy === 'Never' || (policy === 'OnFailure' && code === 0) ? code : undefined;
}

function setRunningStatus(pod: KubeObject, hostIP: string, podIP: string): void {
  const exitCode = finishedWith(pod);
  if (exitCode !== undefined) return setFinishedStatus(pod, hostIP, podIP, exitCode);
  const annotations = pod.metadata.annotations ?? {};
  const terminating = annotations[TERMINATING_ANNOTATION] === 'true' || pod.metadata.deletionTimestamp !== undefined;
  const ready = annotations[READY_ANNOTATION] !== 'false';
  const containers: Container[] = pod.spec.containers;
  if (terminating && !pod.metadata.deletionTimestamp) {
    pod.metadata.deletionTimestamp = pod.metadata.creationTimestamp;
    pod.metadata.deletionGracePeriodSeconds = pod.spec.terminationGracePeriodSeconds ?? 30;
  }
  pod.status = {
    phase: 'Running',
    conditions: podConditions(pod, ready, ready ? [] : containers.map((c) => c.name)),
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: pod.metadata.creationTimestamp,
    containerStatuses: containers.map((c) => ({
      containerID: containerID(pod, c),
      image: normalizeImage(c.image),
      imageID: normalizeImage(c.image),
      lastState: {},
      name: c.name,
      ready,
      restartCount: 0,
      started: true,
      state: { running: { startedAt: pod.metadata.creationTimestamp } },
    })),
    qosClass: 'BestEffort',
  };
}

/**
 * A pod whose containers ran to completion (kubelet's status for restartPolicy Never): phase Succeeded when every exit
 * was 0, else Failed; each container terminated (Completed / Error); not ready with reason PodCompleted.
 */
function setFinishedStatus(pod: KubeObject, hostIP: string, podIP: string, exitCode: number): void {
  const containers: Container[] = pod.spec.containers;
  const t = pod.metadata.creationTimestamp;
  const done = (c: any) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', reason: 'PodCompleted' } : c.type === 'PodReadyToStartContainers' ? { ...c, status: 'False' } : c);
  pod.status = {
    phase: exitCode === 0 ? 'Succeeded' : 'Failed',
    conditions: podConditions(pod, true, []).map(done),
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: t,
    containerStatuses: containers.map((c, i) => ({
      containerID: containerID(pod, c),
      image: normalizeImage(c.image),
      imageID: normalizeImage(c.image),
      lastState: {},
      name: c.name,
      ready: false,
      restartCount: 0,
      started: false,
      state: { terminated: { containerID: containerID(pod, c), exitCode: i === 0 ? exitCode : 0, reason: (i === 0 ? exitCode : 0) === 0 ? 'Completed' : 'Error', startedAt: t, finishedAt: t } },
    })),
    qosClass: 'BestEffort',
  };
}

function setNoIPStatus(pod: KubeObject, hostIP: string, podCIDR: string): void {
  const containers: Container[] = pod.spec.containers;
  pod.status = {
    phase: 'Pending',
    conditions: podConditions(pod, false, containers.map((c) => c.name)).map((c) => (c.type === 'PodReadyToStartContainers' ? { ...c, status: 'False' } : c)),
    hostIP,
    hostIPs: [{ ip: hostIP }],
    startTime: pod.metadata.creationTimestamp,
    // The CNI host-local IPAM plugin's error when the node's range is exhausted.
    message: `failed to allocate for range 0: no IP addresses available in range set: ${podCIDR}`,
    containerStatuses: containers.map((c) => ({
      image: normalizeImage(c.image),
      imageID: '',
      lastState: {},
      name: c.name,
      ready: false,
      restartCount: 0,
      started: false,
      state: { waiting: { reason: 'ContainerCreating' } },
    })),
    qosClass: 'BestEffort',
  };
}

/** Whether a pod counts as ready: its Ready condition is True. */
export function isPodReady(pod: KubeObject): boolean {
  return (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

export function isPodTerminating(pod: KubeObject): boolean {
  return pod.metadata.deletionTimestamp !== undefined;
}
