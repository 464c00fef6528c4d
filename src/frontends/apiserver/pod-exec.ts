// `kubectl exec` and `kubectl attach` over WebSocket: the server side of the v5.channel.k8s.io (and v4) streaming
// protocol (kubectl-api.md §10) — stdin on channel 0, stdout 1, stderr 2, the final Status on 3 — running the
// emulated programs of src/tools in the pod, and attaching to a container's output as its logs grow.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { desiredFromWritten } from '../../controllers/desired-layer.js';
import type { ApplyResult } from '../../controllers/manager.js';
import { EXIT_CODE_ANNOTATION } from '../../controllers/pods.js';
import type { KubeObject } from '../../core/types.js';
import { execInPod, oneShotCommand, type ExecResult } from '../../tools/exec.js';
import { PodViews, queryFlag, validateContainer } from './pod-runtime.js';
import { ApiError, badRequest, notImplemented } from './status.js';
import type { SubresourceContext, SubresourceHandler } from './subresources.js';

/**
 * The subprotocols served, preferred first. v5 adds the CLOSE signal (`[255, channel]`) that marks stdin's end; v4
 * has the same framing and Status but no way to say stdin ended (k8s.io/apimachinery/pkg/util/remotecommand).
 */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

/** How long a TTY exec waits for kubectl's first terminal size before it runs the program anyway. */
const TTY_SIZE_WAIT_MS = 500;

/** The most stdin an exec collects before it runs the program (the emulated programs read it all at once). */
const MAX_STDIN = 16 * 1024 * 1024;

/** The metav1.Status sent on the error channel; kubectl needs nothing else of it (kubectl-api.md §10.3). */
type StreamStatus = { metadata: Record<string, never>; status: 'Success' | 'Failure'; message?: string; reason?: string; details?: { causes: { reason: string; message: string }[] } };

const SUCCESS: StreamStatus = { metadata: {}, status: 'Success' };

/**
 * The Status of a program that exited non-zero, as the kubelet writes it
 * (pkg/kubelet/cri/streaming/remotecommand/httpstream.go writeStatus, with utilexec.CodeExitError's text): kubectl
 * turns reason NonZeroExitCode into `command terminated with exit code N` and exits with N.
 */
export function exitCodeStatus(argv: string[], code: number): StreamStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** Any other failure: kubectl prints `error: <message>` and exits 1 (client-go remotecommand errorDecoderV4). */
function failureStatus(message: string, reason = 'InternalError'): StreamStatus {
  return { metadata: {}, status: 'Failure', message, reason };
}

/** `[channel, ...data]`: every message of the channel protocol is one binary frame led by its channel byte. */
export function frame(channel: number, data: string | Buffer): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from([channel]), body]);
}

function asBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** What a streaming request asked for (PodExecOptions / PodAttachOptions from the query). */
interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

function streamOptions(query: URLSearchParams): StreamOptions {
  return { stdin: queryFlag(query, 'stdin'), stdout: queryFlag(query, 'stdout'), stderr: queryFlag(query, 'stderr'), tty: queryFlag(query, 'tty') };
}

/**
 * Where output goes: a TTY merges stderr into stdout and its line discipline turns LF into CRLF (termios ONLCR);
 * otherwise each stream goes to its channel if the client asked for it, and nowhere if it did not.
 */
class Channels {
  constructor(
    private readonly ws: WebSocket,
    private readonly opts: StreamOptions,
  ) {}

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  out(text: string): void {
    if (text !== '' && this.opts.stdout) this.send(STDOUT, this.opts.tty ? text.replace(/\n/g, '\r\n') : text);
  }

  err(text: string): void {
    if (text === '') return;
    if (this.opts.tty) this.out(text);
    else if (this.opts.stderr) this.send(STDERR, text);
  }

  /** Sends the final Status and closes normally (kubectl treats a close without one as success, so it is always sent). */
  finish(status: StreamStatus): void {
    if (!this.open) return;
    this.ws.send(frame(ERROR, JSON.stringify(status)));
    this.ws.close(1000);
  }

  private send(channel: number, text: string): void {
    if (this.open) this.ws.send(frame(channel, text));
  }
}

/** The WebSocket side both handlers share: subprotocol choice, then the upgrade. */
class ChannelServer {
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: MAX_STDIN + 1,
    handleProtocols: (offered: Set<string>) => EXEC_PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });

  /** Accepts the upgrade (or refuses it with a 400 Status when no offered subprotocol is served). */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, onOpen: (ws: WebSocket) => void): void {
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    if (!EXEC_PROTOCOLS.some((p) => offered.includes(p)))
      throw badRequest(`none of the offered WebSocket subprotocols [${offered.filter(Boolean).join(', ')}] is served; flatnet serves ${EXEC_PROTOCOLS.join(', ')}`);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // A client that breaks the framing makes ws emit 'error' (then close): never an unhandled error in `flatnet up`.
      ws.on('error', () => ws.terminate());
      onOpen(ws);
    });
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}

/**
 * Writes the kubelet's refusal as it reaches kubectl through kube-apiserver's upgrade-aware proxy: the status and a
 * plain-text body, which client-go prints as `error: unable to upgrade connection: <body>`.
 */
function refuseUpgrade(socket: Duplex, text: string): void {
  socket.end(`HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}

/**
 * What the kubelet says before it starts a stream into a container that is not running (pkg/kubelet/kubelet_pods.go
 * findContainer: `container not found ("nginx")`); undefined when the stream can start. kube-apiserver has already
 * refused a pod with no node (strategy.go streamLocation).
 */
function notRunning(pod: KubeObject, container: string): string | undefined {
  if (!pod.spec?.nodeName) throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
  const status = ((pod.status?.containerStatuses ?? []) as { name: string; state?: { running?: unknown } }[]).find((s) => s.name === container);
  if (pod.status?.phase !== 'Running' || !status?.state?.running) return `container not found ("${container}")`;
  return undefined;
}

/** The argv of an exec: one `command` parameter per word, at least one (kubectl checks it first, in its words: ExecOptions.Validate). */
function commandOf(query: URLSearchParams): string[] {
  const argv = query.getAll('command');
  if (argv.length === 0) throw badRequest('you must specify at least one command for the container');
  return argv;
}

/** The container a stream request names, and the kubelet's refusal when it cannot stream into it yet. */
interface StreamTarget {
  container: string;
  refusal?: string;
}

function streamTarget(ctx: SubresourceContext): StreamTarget {
  const container = validateContainer(ctx.object, ctx.query.get('container')).name;
  const refusal = notRunning(ctx.object, container);
  return { container, ...(refusal !== undefined ? { refusal } : {}) };
}

/**
 * The SPDY attempt kubectl makes when the WebSocket upgrade was refused (a POST with `Upgrade: SPDY/3.1`): the same
 * refusal again, since kubectl shows the body of this second answer (kubectl-api.md §10.3); a request that would have
 * been served gets a 501 naming the protocol that works.
 */
function spdyFallback(what: string, check: (ctx: SubresourceContext) => StreamTarget) {
  return (ctx: SubresourceContext, _req: IncomingMessage, res: ServerResponse): void => {
    const { refusal } = check(ctx);
    if (refusal !== undefined) {
      const body = Buffer.from(refusal);
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
      res.end(body);
      return;
    }
    throw spdyNotServed(what);
  };
}

function spdyNotServed(what: string): ApiError {
  return notImplemented(`${what} over SPDY is not implemented in flatnet's API server; it serves ${EXEC_PROTOCOLS.join(' and ')} over WebSocket, which kubectl ≥ 1.30 uses unless KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false`);
}

/** Whether an Upgrade request asks for a WebSocket (kubectl's SPDY attempt upgrades to `SPDY/3.1` instead). */
function isWebSocket(req: IncomingMessage): boolean {
  return String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** The handlers of pods/exec and pods/attach, and the function that closes their open streams. */
export interface PodStreamHandlers {
  exec: SubresourceHandler;
  attach: SubresourceHandler;
  close(): void;
}

/**
 * `pods/<name>/exec` and `pods/<name>/attach` over `views`. exec runs the program once its input is complete (stdin's
 * CLOSE signal, or at once without stdin or with a TTY, which never signals it), then sends what it wrote and its exit
 * status; interactive programs are not emulated and say so. attach streams the container's log lines from now on.
 */
export function podStreamHandlers(views: PodViews, log: (line: string) => void = () => {}, persist: (r: ApplyResult) => void = () => {}): PodStreamHandlers {
  const server = new ChannelServer();
  const execTarget = (ctx: SubresourceContext): StreamTarget => {
    const target = streamTarget(ctx);
    commandOf(ctx.query);
    return target;
  };

  const exec: SubresourceHandler = {
    request: spdyFallback('exec', execTarget),
    upgrade(ctx, req, socket, head) {
      const { container, refusal } = execTarget(ctx);
      if (refusal !== undefined) return refuseUpgrade(socket, refusal);
      if (!isWebSocket(req)) throw spdyNotServed('exec');
      const argv = commandOf(ctx.query);
      const opts = streamOptions(ctx.query);
      server.accept(req, socket, head, (ws) => {
        const channels = new Channels(ws, opts);
        let started = false;
        const run = (stdin: string) => {
          if (started) return;
          started = true;
          void runExec(views, ctx.object, container, argv, stdin, channels, log);
        };
        if (!opts.stdin && !opts.tty) return run('');
        if (opts.tty) {
          // A TTY never sends stdin's CLOSE (kubectl-api.md §10.3): the program runs on an empty stdin once kubectl has
          // sent the terminal size it sends first; closing before that makes kubectl log `websocket: close sent`.
          const timer = setTimeout(() => run(''), TTY_SIZE_WAIT_MS);
          ws.on('message', (data) => {
            const msg = asBuffer(data);
            if (msg[0] !== RESIZE) return;
            clearTimeout(timer);
            run('');
          });
          ws.on('close', () => clearTimeout(timer));
          return;
        }
        if (ws.protocol !== 'v5.channel.k8s.io') {
          started = true;
          return channels.finish(failureStatus(`exec with stdin needs the v5.channel.k8s.io protocol, whose CLOSE signal marks the end of input; this client speaks ${ws.protocol}`, 'BadRequest'));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        ws.on('message', (data) => {
          const msg = asBuffer(data);
          if (started || msg.length === 0) return;
          if (msg[0] === STDIN) {
            size += msg.length - 1;
            if (size > MAX_STDIN) {
              started = true;
              return channels.finish(failureStatus(`stdin is larger than ${MAX_STDIN} bytes, the most an emulated program reads`, 'RequestEntityTooLarge'));
            }
            chunks.push(msg.subarray(1));
          } else if (msg[0] === CLOSE && msg[1] === STDIN) run(Buffer.concat(chunks).toString('utf8'));
          // Channel 4, the terminal size ({"Width":W,"Height":H}), and anything else: nothing to do for programs that do not draw.
        });
      });
    },
  };

  const attach: SubresourceHandler = {
    request: spdyFallback('attach', streamTarget),
    upgrade(ctx, req, socket, head) {
      const { container, refusal } = streamTarget(ctx);
      if (refusal !== undefined) return refuseUpgrade(socket, refusal);
      if (!isWebSocket(req)) throw spdyNotServed('attach');
      const opts = streamOptions(ctx.query);
      const ns = ctx.object.metadata.namespace ?? 'default';
      const name = ctx.object.metadata.name;
      const uid = ctx.object.metadata.uid;
      const logs = views.logs(ns, name);
      if (!logs) return refuseUpgrade(socket, `container not found ("${container}")`);
      const oneShot = oneShotCommand(ctx.object, container);
      server.accept(req, socket, head, (ws) => {
        const channels = new Channels(ws, opts);
        if (oneShot) return void runToCompletion(views, ctx.object, container, oneShot, channels, log, persist);
        // What the container writes from now on, as its process's stdout and stderr (attach shows no history). Input
        // is accepted and dropped: the emulated programs read none.
        const stop = logs.subscribe((e) => {
          if (e.container !== container) return;
          if (e.stream === 'stderr') channels.err(`${e.line}\n`);
          else channels.out(`${e.line}\n`);
        });
        let unwatch = () => {};
        const end = () => {
          stop();
          unwatch();
        };
        // The stream ends when the container does: its pod deleted or replaced, or its workloads restarted. Checked
        // after the data plane has taken the change (LiveDataPlane updates in a microtask).
        unwatch = views.manager.store.subscribe(() =>
          setImmediate(() => {
            const now = views.manager.store.get('Pod', ns, name);
            if (now?.metadata.uid === uid && views.logs(ns, name) === logs) return;
            end();
            channels.finish(SUCCESS);
          }),
        );
        ws.on('close', end);
      });
    },
  };

  return { exec, attach, close: () => server.close() };
}

/**
 * Runs a one-shot container's command as its process would on start, streams what it writes to the attached client
 * and into the container's log, then records the exit (flatnet.dev/exit-code) so the pod's phase becomes Succeeded or
 * Failed — what `kubectl run -it` waits for before it reports the exit code and, with --rm, deletes the pod.
 */
async function runToCompletion(views: PodViews, pod: KubeObject, container: string, argv: string[], channels: Channels, log: (line: string) => void, persist: (r: ApplyResult) => void): Promise<void> {
  const ns = pod.metadata.namespace ?? 'default';
  const name = pod.metadata.name;
  let r: ExecResult;
  try {
    r = await execInPod(views.execContext(pod, container, ''), argv);
  } catch (e) {
    log(`API: error: running ${ns}/${name} -c ${container}: ${(e as Error).message}`);
    return channels.finish(failureStatus(`Internal error occurred: ${(e as Error).message}`));
  }
  const logs = views.logs(ns, name);
  const now = views.clock.now();
  for (const [text, stream] of [[r.stdout, 'stdout'], [r.stderr, 'stderr']] as const)
    for (const line of text.split('\n').slice(0, text.endsWith('\n') ? -1 : undefined)) if (text) logs?.append({ time: now, container, stream, line });
  channels.out(r.stdout);
  channels.err(r.stderr);
  const current = views.manager.store.get('Pod', ns, name);
  if (current && current.metadata.uid === pod.metadata.uid) {
    const finished = desiredFromWritten(current);
    finished.metadata.annotations = { ...(finished.metadata.annotations ?? {}), [EXIT_CODE_ANNOTATION]: String(r.error ? 126 : r.exitCode) };
    try {
      persist(views.manager.write([{ put: finished }])); // durable like any API write
    } catch (e) {
      log(`API: error: recording the exit of ${ns}/${name}: ${(e as Error).message}`);
    }
  }
  channels.finish(SUCCESS);
}

/** Runs argv in the container and sends its output and exit status; never throws (a failure becomes a Failure Status). */
async function runExec(views: PodViews, pod: KubeObject, container: string, argv: string[], stdin: string, channels: Channels, log: (line: string) => void): Promise<void> {
  let r: ExecResult;
  try {
    r = await execInPod(views.execContext(pod, container, stdin), argv);
  } catch (e) {
    if (!(e instanceof ApiError)) log(`API: error: exec ${pod.metadata.namespace}/${pod.metadata.name} -c ${container} -- ${argv.join(' ')}: ${(e as Error).stack ?? e}`);
    return channels.finish(failureStatus(`Internal error occurred: ${(e as Error).message}`));
  }
  if (r.error) return channels.finish(failureStatus(r.error.replace(/^error: /, '')));
  channels.out(r.stdout);
  channels.err(r.stderr);
  for (const n of r.notes) channels.err(`flatnet: ${n}\n`);
  channels.finish(r.exitCode === 0 ? SUCCESS : exitCodeStatus(argv, r.exitCode));
}
