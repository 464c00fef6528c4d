// The real kubectl's exec, logs and describe against a running `flatnet up -f examples/demo`: the seed walkthrough's
// exec commands as golden transcripts (each equal to what `flatnet exec` prints), exit codes, stdin, TTYs, logs with
// their options and -f, the Ingress controller's access log, and describe's output for the walkthrough objects.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixedClock } from '../../core/clock.js';
import { REPO_ROOT, TEST_NOW } from '../../testing/cluster.js';
import { assertGolden } from '../../testing/golden.js';
import { KubectlResult, runKubectl } from '../../testing/kubectl.js';
import { freeTcpPort } from '../../testing/ports.js';
import { FlatnetProcess } from '../../testing/process.js';
import { runExec } from '../cli/exec.js';

const DEMO = join(REPO_ROOT, 'examples/demo');
const GOLDEN = join(REPO_ROOT, 'src/frontends/apiserver/testdata/kubectl-pods');
// `flatnet up` hands serveApi its live data plane (ServeApiOptions.pods): only then do the Ingress proxy's access log
// and `kubectl logs` share the controller pod's workloads.
const upPassesPods = /serveApi\([^;]*\bpods:/.test(readFileSync(join(REPO_ROOT, 'src/frontends/cli/up.ts'), 'utf8'));

let dir: string;
let up: FlatnetProcess;
let kubeconfig: string;
let cacheDir: string;
let ingressPort: number;

const kubectl = (args: string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<KubectlResult> => runKubectl(kubeconfig, cacheDir, args, opts);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flatnet-up-pods-'));
  cacheDir = join(dir, 'cache');
  const state = join(dir, 'state');
  kubeconfig = join(state, 'kubeconfig');
  ingressPort = await freeTcpPort();
  const apiPort = await freeTcpPort();
  up = new FlatnetProcess(['up', '-f', DEMO, '--state', state, '--api', `127.0.0.1:${apiPort}`, '--dns', 'off', '--ingress', `127.0.0.1:${ingressPort}`, '--ingress-tls', 'off', '--node-port-address', 'off']);
  await up.waitFor(/watching/, 30_000);
});

after(async () => {
  up.child.kill('SIGTERM');
  await up.exited;
  rmSync(dir, { recursive: true, force: true });
});

/** Times a transcript shows that depend on when `flatnet up` started (HTTP Date headers). */
function normaliseExec(s: string): string {
  return s.replace(/^< Date: .*$/gm, '< Date: <date>');
}

/** What `flatnet exec` prints for the same command on the same manifests, in-process. */
async function flatnetExec(args: { namespace?: string; pod: string; container?: string; argv: string[] }): Promise<KubectlResult> {
  let stdout = '';
  let stderr = '';
  const code = await runExec({ ...args, filename: [DEMO] }, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), readStdin: async () => '', clock: new FixedClock(TEST_NOW) });
  return { code, stdout, stderr };
}

function transcript(args: string[], r: KubectlResult): string {
  return normaliseExec(`$ kubectl ${args.join(' ')}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}--- exit ${r.code}\n`);
}

async function jsonpath(args: string[], path: string): Promise<string> {
  const r = await kubectl(['get', ...args, '-o', `jsonpath=${path}`]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

interface ExecCase {
  name: string;
  namespace?: string;
  pod: string;
  container?: string;
  argv: string[] | (() => Promise<string[]>);
  /** kubectl flags before the pod (`-i`, `-it`). */
  flags?: string[];
  check: (r: KubectlResult) => void | Promise<void>;
}

const execCases: ExecCase[] = [
  {
    name: 'nslookup-my-api',
    pod: 'deploy/debug',
    argv: ['nslookup', 'my-api'],
    check: async (r) => assert.ok(r.stdout.includes(`Name:\tmy-api.default.svc.cluster.local\nAddress: ${await jsonpath(['svc', 'my-api'], '{.spec.clusterIP}')}\n`), r.stdout),
  },
  {
    // The walkthrough types -it; with a pipe for stdin kubectl drops the TTY, says so, and sends stdin (then its end).
    name: 'nslookup-my-api-it',
    flags: ['-it'],
    pod: 'deploy/debug',
    argv: ['nslookup', 'my-api'],
    check: (r) => assert.match(r.stderr, /^Unable to use a TTY - input is not a terminal or the right kind of file\n/),
  },
  {
    name: 'nslookup-redis-fqdn',
    pod: 'deploy/debug',
    argv: ['nslookup', 'redis.cache.svc.cluster.local'],
    check: async (r) => assert.ok(r.code === 0 && r.stdout.includes(`Address: ${await jsonpath(['svc', '-n', 'cache', 'redis'], '{.spec.clusterIP}')}\n`), r.stdout),
  },
  {
    name: 'cat-resolv-conf',
    pod: 'deploy/debug',
    argv: ['cat', '/etc/resolv.conf'],
    check: (r) => assert.deepEqual([r.stdout, r.code], ['search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n', 0]),
  },
  {
    name: 'nslookup-headless',
    pod: 'deploy/debug',
    argv: ['nslookup', 'my-statefulset-headless'],
    check: async (r) => {
      const ips = (await jsonpath(['pods', 'my-statefulset-0', 'my-statefulset-1'], '{.items[*].status.podIP}')).split(' ');
      assert.deepEqual([...r.stdout.matchAll(/^Address: (\S+)$/gm)].map((m) => m[1]).sort(), ips.sort(), 'one Address per ready pod, no ClusterIP');
    },
  },
  {
    name: 'curl-frontend-to-backend',
    namespace: 'production',
    pod: 'deploy/frontend',
    argv: ['curl', '-s', '--max-time', '3', 'http://backend:8080/health'],
    check: (r) => assert.deepEqual([r.stdout.trimEnd(), r.code], ['{"status":"ok"}', 0]),
  },
  {
    name: 'curl-monitoring-blocked',
    namespace: 'production',
    pod: 'deploy/monitoring',
    argv: ['curl', '-s', '--max-time', '3', 'http://backend:8080/health'],
    check: (r) => assert.deepEqual([r.stdout, r.code, r.stderr.endsWith('command terminated with exit code 28\n')], ['', 28, true]),
  },
  {
    name: 'ip-addr-container1',
    pod: 'pod1',
    container: 'container1',
    argv: ['ip', 'addr'],
    check: async (r) => assert.ok(r.stdout.includes(`inet ${await jsonpath(['pod', 'pod1'], '{.status.podIP}')}/24`) && r.stdout.includes('inet 127.0.0.1/8 scope host lo'), r.stdout),
  },
  {
    name: 'ip-addr-container2',
    pod: 'pod1',
    container: 'container2',
    argv: ['ip', 'addr'],
    check: async (r) => assert.ok(r.stdout.includes(`inet ${await jsonpath(['pod', 'pod1'], '{.status.podIP}')}/24`), r.stdout),
  },
  {
    name: 'curl-localhost-sibling-nginx',
    pod: 'pod1',
    container: 'container1',
    argv: ['curl', '-s', 'localhost:80'],
    check: (r) => assert.ok(r.code === 0 && r.stdout.includes('<title>Welcome to nginx!</title>'), r.stdout),
  },
  {
    name: 'curl-pod2-verbose',
    pod: 'pod1',
    container: 'container1',
    argv: async () => ['curl', '-s', `${await jsonpath(['pod', 'pod2'], '{.status.podIP}')}:80`, '-vvv'],
    check: async (r) => {
      const ip = await jsonpath(['pod', 'pod2'], '{.status.podIP}');
      for (const line of [`* Connected to ${ip} (${ip}) port 80`, '< HTTP/1.1 200 OK\r\n', '< Server: nginx/1.27.0\r\n']) assert.ok(r.stderr.includes(line), `${line} in\n${r.stderr}`);
      assert.ok(r.stdout.includes('<title>Welcome to nginx!</title>'));
    },
  },
];

for (const c of execCases)
  test(`kubectl exec walkthrough: ${c.name}`, async () => {
    const argv = typeof c.argv === 'function' ? await c.argv() : c.argv;
    const args = [...(c.namespace ? ['-n', c.namespace] : []), 'exec', ...(c.flags ?? []), c.pod, ...(c.container ? ['-c', c.container] : []), '--', ...argv];
    const r = await kubectl(args);
    await c.check(r);
    assertGolden(join(GOLDEN, `exec-${c.name}.txt`), transcript(args, r));
    // The API server and `flatnet exec` run the same programs over the same model: the same output and status.
    const offline = await flatnetExec({ pod: c.pod, argv, ...(c.namespace ? { namespace: c.namespace } : {}), ...(c.container ? { container: c.container } : {}) });
    const tty = 'Unable to use a TTY - input is not a terminal or the right kind of file\n';
    assert.deepEqual([normaliseExec(r.stdout), normaliseExec(r.stderr.replace(tty, '')), r.code], [normaliseExec(offline.stdout), normaliseExec(offline.stderr), offline.code]);
  });

test('kubectl exec exits with the command\'s status and prints kubectl\'s own errors', async () => {
  const cases = [
    { args: ['exec', 'deploy/debug', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], want: [3, 'out\n', 'err\ncommand terminated with exit code 3\n'] },
    { args: ['exec', 'deploy/debug', '--', 'false'], want: [1, '', 'command terminated with exit code 1\n'] },
    { args: ['exec', 'deploy/debug', '--', 'true'], want: [0, '', ''] },
    { args: ['exec', 'pod1', '-c', 'nosuch', '--', 'true'], want: [1, '', 'Error from server (BadRequest): container nosuch is not valid for pod pod1\n'] },
    { args: ['exec', 'nosuch', '--', 'true'], want: [1, '', 'Error from server (NotFound): pods "nosuch" not found\n'] },
    { args: ['exec', 'pod1', '--', 'hostname'], want: [0, 'pod1\n', 'Defaulted container "container1" out of: container1, container2, nginx\n'] },
  ];
  for (const c of cases) {
    const r = await kubectl(c.args);
    assert.deepEqual([r.code, r.stdout, r.stderr], c.want, `kubectl ${c.args.join(' ')}`);
  }
  const missing = await kubectl(['exec', 'deploy/debug', '--', 'nosuchprogram']);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /exec: "nosuchprogram": executable file not found in \$PATH/);
});

test('kubectl exec -i sends stdin to the program and ends it with stdin', async () => {
  const pong = await kubectl(['exec', '-i', 'deploy/debug', '--', 'nc', 'redis.cache', '6379'], { stdin: 'PING\r\n' });
  assert.deepEqual([pong.code, pong.stdout], [0, '+PONG\r\n'], pong.stderr);
  const shell = await kubectl(['exec', '-i', 'deploy/debug', '--', 'sh', '-c', 'cat | cat && echo end'], { stdin: 'a\nb\n' });
  assert.deepEqual([shell.code, shell.stdout], [0, 'a\nb\nend\n'], shell.stderr);
  // Larger than one WebSocket message: kubectl splits stdin into 32 KiB frames.
  const big = Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join('\n') + '\n';
  const cat = await kubectl(['exec', '-i', 'deploy/debug', '--', 'cat'], { stdin: big });
  assert.equal(cat.stdout.length, big.length);
  assert.equal(cat.stdout, big);
});

test('kubectl exec -it through a terminal: an interactive shell says it is not emulated and exits 2, output in CRLF', { skip: spawnSync('script', ['--version']).status !== 0 && 'util-linux script(1) is not installed' }, async () => {
  // script(1) gives kubectl a pseudo-terminal, so it really asks for a TTY and sends the terminal size first.
  const cmd = `kubectl --kubeconfig ${kubeconfig} --cache-dir ${cacheDir} exec -it deploy/debug -- sh`;
  const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /^flatnet: sh without -c \(an interactive shell or a script\) is not emulated; .*\r\n/);
  assert.match(r.out, /command terminated with exit code 2\r?\n$/);
  assert.doesNotMatch(r.out, /close sent|Unhandled Error/, 'the program runs after kubectl sent its terminal size');
});

/** A `kubectl logs -f`-style command left running: its output so far, and a way to stop it. */
function startKubectl(args: string[]): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, out: () => out, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
}

async function until(what: string, f: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('kubectl logs shows the access line of a request an exec made, with --timestamps, --tail, -c, --since and --limit-bytes', async () => {
  const [pod1IP, pod2IP] = await Promise.all([jsonpath(['pod', 'pod1'], '{.status.podIP}'), jsonpath(['pod', 'pod2'], '{.status.podIP}')]);
  const curl = await kubectl(['exec', 'pod1', '-c', 'container1', '--', 'curl', '-s', '-o', '/dev/null', `${pod2IP}/seen-by-logs`]);
  assert.equal(curl.code, 0, curl.stderr);
  // nginx's combined log format, with the pod's own clock (ngx_http_log_module).
  const access = new RegExp(`^${pod1IP.replace(/\./g, '\\.')} - - \\[\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000\\] "GET /seen-by-logs HTTP/1\\.1" 404 153 "-" "curl/7\\.29\\.0" "-"$`, 'm');
  const logs = await kubectl(['logs', 'pod2']);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, access);
  assert.match(logs.stdout, /^\/docker-entrypoint\.sh: Configuration complete; ready for start up$/m, 'the start-up lines first');
  const tail = await kubectl(['logs', 'pod2', '--tail=1', '--timestamps']);
  assert.match(tail.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z \S+ - - \[/);
  assert.equal(tail.stdout.split('\n').length, 2, 'one line');
  assert.match(tail.stdout.replace(/^\S+ /, ''), access);
  const since = await kubectl(['logs', 'pod2', '--since=1h']);
  assert.equal(since.stdout, logs.stdout, 'every line is newer than an hour');
  const limited = await kubectl(['logs', 'pod2', '--limit-bytes=10']);
  assert.equal(limited.stdout, logs.stdout.slice(0, 10));
  const sibling = await kubectl(['logs', 'pod1', '-c', 'nginx']);
  assert.doesNotMatch(sibling.stdout, /seen-by-logs/, 'another pod\'s nginx saw nothing');
  const defaulted = await kubectl(['logs', 'pod1']);
  assert.deepEqual([defaulted.code, defaulted.stdout, defaulted.stderr], [0, '', 'Defaulted container "container1" out of: container1, container2, nginx\n']);
});

test('kubectl logs -l, deploy/x and their errors', async () => {
  const hostname = await kubectl(['exec', 'deploy/debug', '--', 'wget', '-qO-', 'http://my-api/hostname']);
  assert.equal(hostname.code, 0, hostname.stderr);
  const served = hostname.stdout.trim();
  const byLabel = await kubectl(['logs', '-l', 'app=my-api', '--prefix']);
  assert.equal(byLabel.code, 0, byLabel.stderr);
  assert.match(byLabel.stdout, new RegExp(`^\\[pod/${served}/my-api\\] \\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d GET /hostname$`, 'm'), 'agnhost netexec logs each request');
  const deploy = await kubectl(['logs', 'deploy/my-api']);
  assert.equal(deploy.code, 0, deploy.stderr);
  assert.match(deploy.stderr, /^Found 2 pods, using pod\/my-api-/);
  assert.match(deploy.stdout, /Started HTTP server on port 8080/);
  const errors = [
    { args: ['logs', 'deploy/nosuch'], want: 'error: error from server (NotFound): deployments.apps "nosuch" not found in namespace "default"\n' },
    { args: ['logs', 'pod2', '--previous'], want: 'Error from server (BadRequest): previous terminated container "nginx" in pod "pod2" not found\n' },
    { args: ['logs', 'pod1', '-c', 'nosuch'], want: 'error: container nosuch is not valid for pod pod1\n' },
    { args: ['get', '--raw', '/api/v1/namespaces/default/pods/pod2/log?tailLines=-1&limitBytes=0'], want: 'The PodLogOptions "pod2" is invalid: \n* tailLines: Invalid value: -1: must be greater than or equal to 0\n* limitBytes: Invalid value: 0: must be greater than 0\n' },
    { args: ['get', '--raw', '/api/v1/namespaces/default/pods/pod2/log?sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z'], want: 'The PodLogOptions "pod2" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified\n' },
    { args: ['get', '--raw', '/api/v1/namespaces/default/pods/pod1/log'], want: 'Error from server (BadRequest): a container name must be specified for pod pod1, choose one of: [container1 container2 nginx]\n' },
  ];
  for (const c of errors) {
    const r = await kubectl(c.args);
    assert.deepEqual([r.code, r.stderr], [1, c.want], `kubectl ${c.args.join(' ')}`);
  }
});

test('kubectl logs -f and kubectl attach stream a line logged after they started, and end when the pod is deleted', async () => {
  const apply = await kubectl(['apply', '-f', '-'], {
    stdin: 'apiVersion: v1\nkind: Pod\nmetadata: {name: follow-me, labels: {app: follow-me}}\nspec: {containers: [{name: web, image: "nginx:1.27", ports: [{containerPort: 80}]}]}\n',
  });
  assert.equal(apply.code, 0, apply.stderr);
  await until('follow-me Running', async () => (await jsonpath(['pod', 'follow-me'], '{.status.phase}')) === 'Running');
  const ip = await jsonpath(['pod', 'follow-me'], '{.status.podIP}');
  const follow = startKubectl(['logs', '-f', 'follow-me', '--tail=0']);
  const attach = startKubectl(['attach', 'follow-me']);
  try {
    // Both streams are open (headers flushed, WebSocket upgraded) before anything is logged: give kubectl time to connect.
    await until('attach connected', () => attach.out().includes("If you don't see a command prompt, try pressing enter."));
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(follow.out(), '', 'tail=0: nothing before the request');
    const curl = await kubectl(['exec', 'deploy/debug', '--', 'wget', '-qO', '/dev/null', `http://${ip}/?followed`]);
    assert.equal(curl.code, 0, curl.stderr);
    await until('the access line in logs -f', () => follow.out().includes('"GET /?followed HTTP/1.1" 200'));
    await until('the access line in attach', () => attach.out().includes('"GET /?followed HTTP/1.1" 200'));
    assert.doesNotMatch(attach.out(), /Configuration complete/, 'attach shows no history');
    const del = await kubectl(['delete', 'pod', 'follow-me', '--wait=false']);
    assert.equal(del.code, 0, del.stderr);
    const ended = (p: Promise<number | null>) => Promise.race([p, new Promise((r) => setTimeout(() => r('still running'), 10_000))]);
    assert.deepEqual(await Promise.all([ended(follow.exited), ended(attach.exited)]), [0, 0], 'the streams end with the container');
  } finally {
    follow.child.kill('SIGTERM');
    attach.child.kill('SIGTERM');
  }
});

test('kubectl logs of the ingress-nginx controller show a request proxied from the --ingress port', { skip: !upPassesPods && 'flatnet up does not pass its data plane to serveApi yet (ServeApiOptions.pods)' }, async () => {
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: ingressPort, path: '/users/from-the-host', headers: { host: 'api.example.com', 'user-agent': 'up-kubectl-pods-test' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
  const r = await kubectl(['logs', '-n', 'ingress-nginx', 'deploy/ingress-nginx-controller']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^127\\.0\\.0\\.1 - - \\[[^\\]]+\\] "GET /users/from-the-host HTTP/1\\.1" ${status} \\d+ "-" "up-kubectl-pods-test" .*\\[default-users-svc-80\\]`, 'm'));
});

/** describe's times depend on when `flatnet up` started. */
function normaliseDescribe(s: string): string {
  return s
    .replace(/(Start Time:|Started:|CreationTimestamp:)(\s+)\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000/g, '$1$2<time>')
    .replace(/(Created on:\s+)\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC/g, '$1<time>');
}

const describeCases: { name: string; args: string[]; check: (out: string) => Promise<void> }[] = [
  {
    name: 'describe-svc-my-api',
    args: ['describe', 'svc', 'my-api'],
    check: async (out) => {
      const ips = (await jsonpath(['pods', '-l', 'app=my-api'], '{.items[*].status.podIP}')).split(' ').sort();
      assert.match(out, new RegExp(`^Endpoints:\\s+${ips.map((ip) => `${ip.replace(/\./g, '\\.')}:8080`).join(',')}$`, 'm'));
    },
  },
  {
    name: 'describe-pod-pod1',
    args: ['describe', 'pod', 'pod1'],
    check: async (out) => {
      const [node, hostIP] = (await jsonpath(['pod', 'pod1'], '{.spec.nodeName} {.status.hostIP}')).split(' ');
      assert.equal(await jsonpath(['node', node], '{.status.addresses[?(@.type=="InternalIP")].address}'), hostIP);
      assert.match(out, new RegExp(`^Node:\\s+${node}/${hostIP.replace(/\./g, '\\.')}$`, 'm'));
      assert.deepEqual([...out.matchAll(/^ {2}(\S+):$/gm)].map((m) => m[1]), ['container1', 'container2', 'nginx']);
      assert.match(out, /^ {4}Port:\s+80\/TCP$/m);
      assert.deepEqual([...out.matchAll(/^ {2}(PodReadyToStartContainers|Initialized|Ready|ContainersReady|PodScheduled)\s+(\S+)/gm)].map((m) => m[2]), ['True', 'True', 'True', 'True', 'True']);
    },
  },
  {
    name: 'describe-ingress-app-ingress',
    args: ['describe', 'ingress', 'app-ingress'],
    check: async (out) => {
      const users = (await jsonpath(['endpointslices', '-l', 'kubernetes.io/service-name=users-svc'], '{.items[*].endpoints[*].addresses[0]}')).split(' ').sort();
      assert.match(out, new RegExp(`^\\s+/users\\s+users-svc:80 \\(${users.map((ip) => `${ip.replace(/\./g, '\\.')}:\\d+`).join(',')}\\)$`, 'm'));
      assert.match(out, /^\s+\/orders\s+orders-svc:80 \(/m);
      assert.match(out, /^ {2}api-tls-cert terminates api\.example\.com$/m);
    },
  },
  {
    name: 'describe-networkpolicy-production',
    args: ['describe', 'networkpolicy', '-n', 'production'],
    check: async (out) => {
      assert.match(out, /^Name:\s+allow-frontend-to-backend\n[\s\S]*PodSelector:\s+app=backend\n\s+Allowing ingress traffic:\n\s+To Port: 8080\/TCP\n\s+From:\n\s+PodSelector: app=frontend$/m);
      assert.match(out, /^Name:\s+deny-all-ingress\n[\s\S]*<none> \(Selected pods are isolated for ingress connectivity\)$/m);
    },
  },
  {
    name: 'describe-deployment-my-api',
    args: ['describe', 'deployment', 'my-api'],
    check: async (out) => assert.match(out, /^Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable$/m),
  },
];

for (const c of describeCases)
  test(`kubectl ${c.args.join(' ')}`, async () => {
    const r = await kubectl(c.args);
    assert.deepEqual([r.code, r.stderr], [0, ''], r.stderr);
    await c.check(r.stdout);
    assertGolden(join(GOLDEN, `${c.name}.txt`), normaliseDescribe(r.stdout));
  });
