// `flatnet up`: the model as a long-lived process — load, print a summary, persist, and re-apply on file changes.

import { watch, FSWatcher, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ControllerManager } from '../../controllers/manager.js';
import { InputError, formatProblem } from '../../core/errors.js';
import type { StoreEvent } from '../../core/store.js';
import type { KubeObject } from '../../core/types.js';
import { SqliteState } from '../../storage/sqlite-state.js';
import { readInputs } from './inputs.js';
import type { CliIO } from './io.js';
import { UsageError } from './load.js';
import { alignColumns } from './columns.js';

export interface UpOptions {
  filename: string[];
  state: string;
  /** Resolves when the process should stop (SIGINT/SIGTERM in the real CLI). */
  stopped: Promise<void>;
  /** Quiet period after a file change before re-applying, in ms. */
  debounceMs?: number;
}

function describeEvent(e: StoreEvent): string | undefined {
  const o = e.object;
  const id = o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
  const verb = e.type === 'ADDED' ? 'created' : e.type === 'MODIFIED' ? 'updated' : 'deleted';
  if (e.type === 'DELETED') return `${verb} ${o.kind} ${id}`;
  switch (o.kind) {
    case 'Pod':
      return o.status?.podIP ? `${verb} Pod ${id} on ${o.spec.nodeName} with IP ${o.status.podIP}` : `${verb} Pod ${id}: ${o.status?.phase ?? 'Pending'}${o.status?.conditions?.[0]?.message ? ` (${o.status.conditions[0].message})` : o.status?.message ? ` (${o.status.message})` : ''}`;
    case 'Service':
      return `${verb} Service ${id} ${o.spec.type} ${o.spec.clusterIP ?? o.spec.externalName ?? ''}`.trimEnd();
    case 'Node':
      return `${verb} Node ${id} podCIDR ${o.spec.podCIDR}`;
    case 'EndpointSlice':
      return `${verb} EndpointSlice ${id}: ${(o.endpoints ?? []).filter((ep: any) => ep.conditions?.ready !== false).length} ready endpoint(s)`;
    default:
      return undefined;
  }
}

/** The start-up summary: nodes with podCIDRs, pods with IPs, services with IPs. */
export function summary(objects: KubeObject[]): string {
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const nodes = of('Node').map((n) => [n.metadata.name, n.spec.podCIDR, n.status.addresses.find((a: any) => a.type === 'InternalIP').address]);
  const pods = of('Pod').map((p) => [p.metadata.namespace, p.metadata.name, p.status?.podIP ?? '<none>', p.spec.nodeName ?? '<none>', p.status?.phase ?? '']);
  const svcs = of('Service').map((s) => [
    s.metadata.namespace,
    s.metadata.name,
    s.spec.type,
    s.spec.clusterIP ?? '<none>',
    s.status?.loadBalancer?.ingress?.[0]?.ip ?? (s.spec.type === 'ExternalName' ? s.spec.externalName : '<none>'),
    (s.spec.ports ?? []).map((p: any) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol}`).join(',') || '<none>',
  ]);
  return [
    alignColumns([['NODE', 'POD CIDR', 'INTERNAL IP'], ...nodes]),
    alignColumns([['NAMESPACE', 'POD', 'IP', 'NODE', 'STATUS'], ...pods]),
    alignColumns([['NAMESPACE', 'SERVICE', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)'], ...svcs]),
  ].join('\n');
}

function timestamp(d: Date): string {
  return d.toISOString().slice(11, 19);
}

/** Runs until `opts.stopped` resolves; returns the exit code. */
export async function runUp(opts: UpOptions, io: CliIO): Promise<number> {
  if (opts.filename.length === 0) throw new UsageError('no input: give manifests with -f PATH (a file, a directory, or - for stdin); -f may repeat');
  const state = SqliteState.open(opts.state);
  const log = (s: string) => io.stderr(`[${timestamp(io.clock.now())}] ${s}\n`);
  try {
    const saved = state.load();
    const manager = new ControllerManager(io.clock, saved);
    let files: string[] = [];
    const applyInputs = async (first: boolean): Promise<boolean> => {
      const read = await readInputs(opts.filename, io.readStdin);
      files = read.files;
      try {
        if (read.problems.length > 0) throw new InputError(read.problems);
        const { cluster, events } = manager.apply(read.docs);
        state.save(events, manager.store.resourceVersion);
        for (const w of cluster.warnings) log(`warning: ${w}`);
        if (first) {
          io.stdout(`flatnet: cluster "${cluster.config.name}" is up: ${cluster.config.nodes.length} nodes, CNI ${cluster.config.cni.name} (${cluster.config.cni.mode}), kube-proxy ${cluster.config.proxyMode}; state in ${resolve(opts.state)}${saved.objects.length ? ' (restored)' : ''}\n\n`);
          io.stdout(summary(manager.store.all().sort((a, b) => a.kind.localeCompare(b.kind))) + '\n');
        } else {
          log(`re-applied ${opts.filename.join(', ')}: ${events.length} change(s)`);
          for (const e of events) {
            const line = describeEvent(e);
            if (line) log(`  ${line}`);
          }
        }
        return true;
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        for (const p of e.problems) io.stderr(`${formatProblem(p)}\n`);
        if (!first) log(`${e.problems.length} error(s): nothing applied; the previous state keeps running`);
        return false;
      }
    };
    if (!(await applyInputs(true))) return 2;

    const watchers: FSWatcher[] = [];
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> = Promise.resolve();
    const schedule = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        running = running.then(() => applyInputs(false)).catch((e) => log(`error: ${(e as Error).message}`));
      }, opts.debounceMs ?? 100);
    };
    for (const p of opts.filename) {
      if (p === '-') continue;
      const recursive = statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
      try {
        watchers.push(watch(p, { recursive }, schedule));
      } catch (e) {
        log(`warning: cannot watch ${p}: ${(e as Error).message}`);
      }
    }
    log(`watching ${opts.filename.filter((p) => p !== '-').join(', ') || '(stdin: nothing to watch)'} (${files.length} file(s)); Ctrl-C to stop`);
    await opts.stopped;
    clearTimeout(timer);
    for (const w of watchers) w.close();
    await running;
    log('stopped');
    return 0;
  } finally {
    state.close();
  }
}
