// What the API server's pod subresources (exec, attach, log) run against: the data plane the emulated programs connect
// through, the pods' workloads and their logs, and the per-model views exec needs (DNS, network layout), rebuilt only
// when the store or the cluster config changes.

import type { ControllerManager } from '../../controllers/manager.js';
import type { Clock } from '../../core/clock.js';
import type { Container, KubeObject } from '../../core/types.js';
import { buildNetworkLayout, type NetworkLayout } from '../../dataplane/sim/layout/network-layout.js';
import type { PodLogs } from '../../dataplane/sim/workloads/pod-logs.js';
import type { DataPlane } from '../../dataplane/types.js';
import { buildClusterDns } from '../../dns/cluster-dns.js';
import { LiveDataPlane } from '../../host/live-data-plane.js';
import type { ExecContext } from '../../tools/exec.js';
import type { ToolDns } from '../../tools/tool-context.js';
import { badRequest } from './status.js';

/**
 * The running pods as `flatnet up` has them. `dataPlane` is where exec'd programs connect (up passes its live data
 * plane wrapped to record flows), `workloads` owns each pod's emulated programs and so their logs — the same ones
 * the Ingress proxy and the NodePort listeners reach, so a request made from anywhere shows in `kubectl logs`.
 */
export interface PodRuntime {
  dataPlane: DataPlane;
  workloads: { podWorkloads(namespace: string, name: string): { logs: PodLogs } | undefined };
}

/**
 * The pod views of one API server: the runtime it was given, or (when serveApi was started without one, as in-process
 * tests do) a LiveDataPlane of its own, made on first use.
 */
export class PodViews {
  private own?: LiveDataPlane;
  private cached?: { rv: number; config: unknown; dns: ToolDns; layout: NetworkLayout; objects: KubeObject[] };

  constructor(
    readonly manager: ControllerManager,
    readonly clock: Clock,
    private readonly given?: PodRuntime,
  ) {}

  get runtime(): PodRuntime {
    if (this.given) return this.given;
    this.own ??= new LiveDataPlane(this.manager, { clock: this.clock });
    return { dataPlane: this.own.dataPlane, workloads: this.own.dataPlane };
  }

  /** The logs of a pod's containers; undefined when the data plane has no such pod. */
  logs(namespace: string, name: string): PodLogs | undefined {
    return this.runtime.workloads.podWorkloads(namespace, name)?.logs;
  }

  /** What `execInPod` needs to run a program in `container` of `pod`, over the current model. */
  execContext(pod: KubeObject, container: string, stdin: string): ExecContext {
    const config = this.manager.cluster!.config;
    const rv = this.manager.store.resourceVersion;
    if (!this.cached || this.cached.rv !== rv || this.cached.config !== config) {
      const objects = this.manager.store.all();
      this.cached = { rv, config, objects, dns: buildClusterDns(objects, config), layout: buildNetworkLayout(objects, config) };
    }
    const { objects, dns, layout } = this.cached;
    return { pod, container, objects, config, dataPlane: this.runtime.dataPlane, dns, layout, clock: this.clock, stdin };
  }

  close(): void {
    this.own?.close();
  }
}

/**
 * The container a request names, checked as kube-apiserver does before it reaches the kubelet
 * (pkg/registry/core/pod/strategy.go validateContainer): an empty name means the only container; a name the pod lacks
 * is a 400.
 */
export function validateContainer(pod: KubeObject, name: string | null): Container {
  const containers = (pod.spec?.containers ?? []) as Container[];
  const podName = pod.metadata.name;
  if (!name) {
    if (containers.length === 1) return containers[0];
    if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${podName}`);
    // Go's %s of a []string: `[a b c]`.
    throw badRequest(`a container name must be specified for pod ${podName}, choose one of: [${containers.map((c) => c.name).join(' ')}]`);
  }
  const c = containers.find((x) => x.name === name);
  if (!c) throw badRequest(`container ${name} is not valid for pod ${podName}`);
  return c;
}

/** A query flag as the API server's parameter codec reads a bool (Go's strconv.ParseBool; kubectl sends `true`). */
export function queryFlag(query: URLSearchParams, name: string): boolean {
  return ['1', 't', 'T', 'true', 'True', 'TRUE'].includes(query.get(name) ?? '');
}
