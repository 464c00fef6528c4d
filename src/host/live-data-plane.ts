// The simulated data plane of a running `flatnet up`: kept in step with the control plane's store, with hooks for the
// host listeners that serve some pod ports themselves (the Ingress proxy answers on the controller pod's 80 and 443).

import type { Clock } from '../core/clock.js';
import type { ControllerManager } from '../controllers/manager.js';
import type { KubeObject } from '../core/types.js';
import { SimDataPlane, type SimDataPlaneOptions } from '../dataplane/sim/sim-data-plane.js';

export type HttpOverride = NonNullable<SimDataPlaneOptions['httpOverride']>;

/**
 * A SimDataPlane that follows `manager.store`: every change (coalesced to one update per turn of the event loop, and
 * run after ControllerManager.apply has recorded the new cluster config) updates the data plane, then tells each
 * `onUpdate` listener — so a listener that reads the store sees a data plane already matching it.
 *
 * @example
 *   const live = new LiveDataPlane(manager, { clock: io.clock });
 *   live.onUpdate((objects) => proxy.setRoutes(ingressRoutes(objects)));
 *   live.dataPlane.connect({ from: { kind: 'external', ip: '127.0.0.1' }, to, protocol: 'TCP' });
 */
export class LiveDataPlane {
  readonly dataPlane: SimDataPlane;
  private readonly overrides: HttpOverride[] = [];
  private readonly listeners = new Set<(objects: KubeObject[]) => void>();
  private readonly unsubscribe: () => void;
  private readonly onError: (e: Error) => void;
  private scheduled = false;

  constructor(
    private readonly manager: ControllerManager,
    opts: { clock: Clock; sleep?: (ms: number) => Promise<void>; onError?: (e: Error) => void },
  ) {
    if (!manager.cluster) throw new Error('LiveDataPlane: the manager has no cluster yet: apply the inputs first');
    this.onError = opts.onError ?? (() => {});
    const override: HttpOverride = (pod, port, protocol) => {
      for (const o of this.overrides) {
        const h = o(pod, port, protocol);
        if (h) return h;
      }
      return undefined;
    };
    this.dataPlane = new SimDataPlane(manager.store.all(), manager.cluster.config, { clock: opts.clock, ...(opts.sleep ? { sleep: opts.sleep } : {}), httpOverride: override });
    this.unsubscribe = manager.store.subscribe(() => this.refresh());
  }

  /** Serves HTTP on some pod ports instead of their emulated programs; returns the function that stops it. */
  addHttpOverride(override: HttpOverride): () => void {
    this.overrides.push(override);
    return () => {
      const i = this.overrides.indexOf(override);
      if (i >= 0) this.overrides.splice(i, 1);
    };
  }

  /** Calls `listener` with the store's objects after each data plane update; returns the function that stops it. */
  onUpdate(listener: (objects: KubeObject[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Schedules an update from the store and the cluster config (once per turn, however often it is called). */
  refresh(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      const objects = this.manager.store.all();
      try {
        this.dataPlane.update(objects, this.manager.cluster!.config);
      } catch (e) {
        this.onError(e as Error);
        return;
      }
      for (const l of this.listeners) {
        try {
          l(objects);
        } catch (e) {
          this.onError(e as Error);
        }
      }
    });
  }

  close(): void {
    this.unsubscribe();
    this.listeners.clear();
  }
}
