// `kubectl exec` against the simulated cluster: picks the container as kubectl does, builds what the process sees
// (its image's tools, environment, /etc files, the pod's network namespace) and runs the emulated program.
//
// @example
// const dns = buildClusterDns(cluster.objects, cluster.config);
// const dataPlane = new SimDataPlane(cluster.objects, cluster.config, { clock });
// const r = await execInPod({ pod, objects: cluster.objects, config: cluster.config, dataPlane, dns, clock }, ['nslookup', 'my-api']);
// r.stdout; // "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tmy-api.default.svc.cluster.local\n..."

import { nodeInternalIPOf } from '../core/objects.js';
import { EXIT_CODE_ANNOTATION } from '../controllers/pods.js';
import type { Clock } from '../core/clock.js';
import type { ClusterConfig } from '../core/cluster-config.js';
import type { Container, KubeObject } from '../core/types.js';
import type { NetnsView } from '../dataplane/sim/layout/network-namespace.js';
import type { DataPlane } from '../dataplane/types.js';
import { nodeResolvConf, podResolvConf } from '../dns/resolv-conf.js';
import { runArgv } from './commands.js';
import { containerEnvironment } from './container-env.js';
import { nodeHostsFile, podHostname, podHostsFile } from './pod-files.js';
import type { ToolContext, ToolDns, ToolResult } from './tool-context.js';
import { NODE_TOOLBOX, toolboxForImage } from './toolbox.js';

/** The namespaces a layout offers (src/dataplane/sim/layout/network-layout.ts NetworkLayout satisfies this). */
export interface LayoutLookup {
  pod(namespace: string, name: string): NetnsView | undefined;
  node(name: string): NetnsView | undefined;
}

export interface ExecContext {
  pod: KubeObject;
  /** The container to run in; default: the `kubectl.kubernetes.io/default-container` annotation, else the first. */
  container?: string;
  objects: KubeObject[];
  config: ClusterConfig;
  dataPlane: DataPlane;
  dns: ToolDns;
  /** For `ip`; without it `ip` says it cannot answer. */
  layout?: LayoutLookup;
  /** Dates (dig's WHEN) and the simulated waits (a server's flatnet.dev/latency advances it when the data plane's sleep does). */
  clock: Clock;
  /** Standard input (`kubectl exec -i`). */
  stdin?: string;
}

export interface ExecResult extends ToolResult {
  /** The container the command ran in. */
  container: string;
  /** Set when kubectl would pick the container itself among several: the names, for `Defaulted container "x" out of: x, y`. */
  defaultedFrom?: string[];
  /**
   * kubectl's own error before anything ran (no such container, a finished pod): printed as is and exit 1; stdout,
   * stderr and exitCode are then empty and 1.
   */
  error?: string;
  notes: string[];
}

function nodeAddress(objects: readonly KubeObject[], name: string): string | undefined {
  return nodeInternalIPOf(objects.find((o) => o.kind === 'Node' && o.metadata.name === name));
}

/** The container kubectl exec uses, and whether it chose it among several (kubectl's defaulting rule). */
export function chooseContainer(pod: KubeObject, wanted?: string): { container?: Container; defaultedFrom?: string[]; error?: string } {
  const containers = (pod.spec?.containers ?? []) as Container[];
  const name = pod.metadata.name;
  if (wanted !== undefined) {
    const c = containers.find((x) => x.name === wanted);
    // The API server's answer to an exec naming a container the pod lacks (kubectl-api.md §10.3).
    return c ? { container: c } : { error: `Error from server (BadRequest): container ${wanted} is not valid for pod ${name}` };
  }
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  const c = containers.find((x) => x.name === annotated) ?? containers[0];
  if (!c) return { error: `error: pod ${name} has no containers` };
  return { container: c, ...(containers.length > 1 && !annotated ? { defaultedFrom: containers.map((x) => x.name) } : {}) };
}

/** What a process in `container` of `pod` sees. */
export function podToolContext(ctx: ExecContext, container: Container): ToolContext {
  const pod = ctx.pod;
  const nodeName = pod.spec?.nodeName as string;
  const nodeIP = nodeAddress(ctx.objects, nodeName) ?? '';
  const hostNetwork = pod.spec?.hostNetwork === true;
  const hostname = hostNetwork ? nodeName : podHostname(pod, ctx.config.clusterDomain).hostname;
  const toolbox = toolboxForImage(container.image);
  const ns = pod.metadata.namespace ?? 'default';
  const netns = ctx.layout?.pod(ns, pod.metadata.name);
  return {
    where: { kind: 'pod', pod, container: container.name },
    toolbox,
    objects: ctx.objects,
    config: ctx.config,
    dataPlane: ctx.dataPlane,
    dns: ctx.dns,
    ...(netns ? { netns } : {}),
    clock: ctx.clock,
    env: containerEnvironment(pod, container, ctx.objects, toolbox, hostname),
    resolvConf: podResolvConf(pod, { config: ctx.config }).conf,
    hostsFile: podHostsFile(pod, ctx.config.clusterDomain, { name: nodeName, ip: nodeIP }),
    hostname,
    ip: hostNetwork ? nodeIP : (pod.status?.podIP as string),
    node: nodeName,
    stdin: ctx.stdin ?? '',
  };
}

/** What a process in a node's root namespace sees (for `flatnet node exec`): a kind node's tools and files. */
export function nodeToolContext(ctx: Omit<ExecContext, 'pod' | 'container'> & { node: string }): ToolContext {
  const ip = nodeAddress(ctx.objects, ctx.node);
  if (!ip) throw new Error(`node ${ctx.node} not found, or it has no InternalIP address`);
  const netns = ctx.layout?.node(ctx.node);
  return {
    where: { kind: 'node', node: ctx.node },
    toolbox: NODE_TOOLBOX,
    objects: ctx.objects,
    config: ctx.config,
    dataPlane: ctx.dataPlane,
    dns: ctx.dns,
    ...(netns ? { netns } : {}),
    clock: ctx.clock,
    env: [['PATH', NODE_TOOLBOX.path], ['HOSTNAME', ctx.node], ['HOME', '/root']],
    resolvConf: nodeResolvConf(ctx.config),
    hostsFile: nodeHostsFile(ctx.node, ip),
    hostname: ctx.node,
    ip,
    node: ctx.node,
    stdin: ctx.stdin ?? '',
  };
}

/** Runs argv (a program and its arguments, as after `--`) in a prepared context: a pod's container or a node. */
export async function runInContext(ctx: ToolContext, argv: string[]): Promise<ToolResult & { notes: string[] }> {
  const r = await runArgv(ctx, argv);
  return { ...r, notes: r.notes ?? [] };
}

/**
 * `kubectl exec POD [-c CONTAINER] -- argv...`: kubectl's refusals first (a finished pod, an unknown container), then
 * the program in the container. Nothing here sleeps: timeouts are reported at once with the simulated elapsed time.
 */
export async function execInPod(ctx: ExecContext, argv: string[]): Promise<ExecResult> {
  const pod = ctx.pod;
  const refuse = (error: string, container = ''): ExecResult => ({ stdout: '', stderr: '', exitCode: 1, container, error, notes: [] });
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return refuse(`error: cannot exec into a container in a completed pod; current phase is ${phase}`);
  const chosen = chooseContainer(pod, ctx.container);
  if (!chosen.container) return refuse(chosen.error!);
  const c = chosen.container;
  if (!pod.spec?.nodeName || !pod.status?.podIP || phase !== 'Running') return refuse(`error: unable to upgrade connection: container not found ("${c.name}")`, c.name);
  if (argv.length === 0) return refuse('error: you must specify at least one command for the container', c.name);
  const r = await runInContext(podToolContext(ctx, c), argv);
  return { ...r, container: c.name, ...(chosen.defaultedFrom ? { defaultedFrom: chosen.defaultedFrom } : {}) };
}

/** Programs that run once and exit: a container whose command is one of these runs to completion when attached. */
const ONE_SHOT_PROGRAMS = new Set(['nslookup', 'dig', 'host', 'curl', 'wget', 'ping', 'echo', 'cat', 'env', 'hostname', 'ip', 'nc', 'printenv']);

/**
 * The command line of a container that runs once and exits — `kubectl run debug --image=busybox --rm -it
 * --restart=Never -- nslookup kubernetes.default` — when its pod has not finished yet and restarts no container on
 * success (restartPolicy Never or OnFailure). `sh -c SCRIPT` counts when the script neither sleeps nor loops.
 */
export function oneShotCommand(pod: KubeObject, container: string): string[] | undefined {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  if (policy === 'Always' || pod.metadata.annotations?.[EXIT_CODE_ANNOTATION] !== undefined) return undefined;
  const c = ((pod.spec?.containers ?? []) as { name: string; command?: string[]; args?: string[] }[]).find((x) => x.name === container);
  const argv = [...(c?.command ?? []), ...(c?.args ?? [])];
  if (argv.length === 0) return undefined;
  const program = argv[0].slice(argv[0].lastIndexOf('/') + 1);
  if (program === 'sh' || program === 'bash' || program === 'ash') return argv[1] === '-c' && argv[2] !== undefined && !/\b(sleep|while|until|tail)\b/.test(argv[2]) ? argv : undefined;
  if (program === 'nc' && argv.some((a) => /^-\w*l/.test(a))) return undefined; // a listener runs until stopped
  return ONE_SHOT_PROGRAMS.has(program) ? argv : undefined;
}
