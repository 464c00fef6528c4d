// Behaviour of `flatnet exec` beyond the walkthroughs: missing programs, the shell, the kubelet's /etc files,
// localhost between containers, nc with stdin, ping under kube-proxy modes, and the image → toolbox table.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoCluster, execIn, EXTRA_YAML, podNamed } from './exec-fixtures.js';
import { podHostsFile } from './pod-files.js';
import { toolboxForImage, DEFAULT_TOOLBOX } from './toolbox.js';
import { clusterFromYaml } from '../testing/cluster.js';

const cluster = demoCluster();
const debug = podNamed(cluster, 'default', 'debug');
const pod1 = podNamed(cluster, 'default', 'pod1');

test('a program the image lacks fails as the runtime reports it, exit 127', async () => {
  const r = await execIn(cluster, debug, ['dig', 'my-api']);
  assert.deepEqual([r.exitCode, r.stdout, r.stderr], [127, '', 'OCI runtime exec failed: exec failed: unable to start container process: exec: "dig": executable file not found in $PATH: unknown\n']);
  const curl = await execIn(cluster, debug, ['curl', 'http://my-api']);
  assert.equal(curl.exitCode, 127, 'busybox has no curl');
});

test('an unknown command in a shell is `not found` in that shell\'s words, exit 127', async () => {
  const cases = [
    { pod: debug, container: undefined, want: 'sh: frobnicate: not found\n' }, // busybox ash
    { pod: pod1, container: 'nginx', want: 'sh: 1: frobnicate: not found\n' }, // Debian dash
    { pod: pod1, container: 'container1', want: 'sh: frobnicate: command not found\n' }, // CentOS 7 bash 4.2
  ];
  for (const c of cases) {
    const r = await execIn(cluster, c.pod, ['sh', '-c', 'frobnicate --now'], c.container ? { container: c.container } : {});
    assert.deepEqual([r.exitCode, r.stderr], [127, c.want]);
  }
});

test('sh -c runs lists and pipelines with the exit status of the last command', async () => {
  const cases = [
    { line: 'echo one; echo two', stdout: 'one\ntwo\n', code: 0 },
    { line: 'false && echo no || echo yes', stdout: 'yes\n', code: 0 },
    { line: 'cat /etc/hostname | cat', stdout: `${debug.metadata.name}\n`, code: 0 },
    { line: 'echo "$HOSTNAME" \'$HOSTNAME\'', stdout: `${debug.metadata.name} $HOSTNAME\n`, code: 0 },
    { line: 'cat /nope 2>/dev/null || echo missing', stdout: 'missing\n', code: 0 },
    { line: 'wget -qO- http://nothere 2>&1', stdout: "wget: bad address 'nothere'\n", code: 1 },
    { line: 'echo $(hostname)', stdout: '', code: 2 },
  ];
  for (const c of cases) {
    const r = await execIn(cluster, debug, ['sh', '-c', c.line]);
    assert.deepEqual([r.stdout, r.exitCode], [c.stdout, c.code], c.line);
  }
});

test('localhost reaches a sibling container\'s port, and only ports something listens on', async () => {
  const ok = await execIn(cluster, pod1, ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code} %{remote_ip}', 'http://localhost/'], { container: 'container1' });
  assert.deepEqual([ok.stdout, ok.exitCode], ['200 127.0.0.1', 0]);
  const refused = await execIn(cluster, pod1, ['curl', '-sS', 'http://localhost:8080/'], { container: 'container1' });
  assert.equal(refused.exitCode, 7);
  assert.match(refused.stderr, /^curl: \(7\) Failed connect to localhost:8080; Connection refused\n/);
  const other = await execIn(cluster, debug, ['wget', '-qO-', 'http://localhost/']);
  assert.match(other.stderr, /wget: can't connect to remote host \(127\.0\.0\.1\): Connection refused/, 'the debug pod has no nginx of its own');
});

test('/etc/hosts of a StatefulSet pod has its FQDN line; hostAliases get their own section', async () => {
  const sts = podNamed(cluster, 'default', 'my-statefulset-0');
  const r = await execIn(cluster, sts, ['cat', '/etc/hosts']);
  assert.match(r.stdout, new RegExp(`^${sts.status.podIP.replace(/\./g, '\\.')}\\tmy-statefulset-0\\.my-statefulset-headless\\.default\\.svc\\.cluster\\.local\\tmy-statefulset-0$`, 'm'));
  assert.ok(r.stdout.startsWith('# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n'));
  const aliased = await execIn(cluster, podNamed(cluster, 'default', 'aliased'), ['cat', '/etc/hosts']);
  assert.ok(aliased.stdout.endsWith('\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\n10.1.2.4\tbaz.remote\n'), aliased.stdout);
  const lookedUp = await execIn(cluster, podNamed(cluster, 'default', 'aliased'), ['ping', '-c', '1', 'foo.local']);
  assert.match(lookedUp.stdout, /^PING foo\.local \(10\.1\.2\.3\)/, 'names in /etc/hosts resolve before DNS');
});

test('a hostNetwork pod gets the node\'s hosts file under the host-network header', () => {
  const c = clusterFromYaml('apiVersion: v1\nkind: Pod\nmetadata: {name: h}\nspec: {hostNetwork: true, containers: [{name: c, image: busybox}]}\n');
  const pod = c.objects.find((o) => o.kind === 'Pod' && o.metadata.name === 'h')!;
  const text = podHostsFile(pod, 'cluster.local', { name: 'node-1', ip: '172.18.0.3' });
  assert.ok(text.startsWith('# Kubernetes-managed hosts file (host network).\n127.0.0.1\tlocalhost\n'));
  assert.ok(text.endsWith('172.18.0.3\tnode-1\n'));
});

test('echo PING | nc talks RESP to redis through the Service', async () => {
  const r = await execIn(cluster, debug, ['sh', '-c', 'echo PING | nc redis.cache 6379']);
  assert.deepEqual([r.stdout, r.exitCode], ['+PONG\r\n', 0]);
  assert.ok(r.notes.some((n) => /keeps the connection open/.test(n)));
});

test('nc -zv prints each flavour\'s success line', async () => {
  const busybox = await execIn(cluster, debug, ['nc', '-zv', 'my-api', '80']);
  const ip = cluster.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'my-api')!.spec.clusterIP;
  assert.equal(busybox.stderr, `my-api (${ip}:80) open\n`);
  const openbsd = await execIn(cluster, podNamed(cluster, 'default', 'netshoot'), ['nc', '-zv', 'my-api', '80']);
  assert.equal(openbsd.stderr, `Connection to my-api (${ip}) 80 port [tcp/http] succeeded!\n`);
  const refused = await execIn(cluster, podNamed(cluster, 'default', 'netshoot'), ['nc', '-zv', 'my-api', '81']);
  assert.equal(refused.exitCode, 1);
  // iptables mode: no rule matches port 81 of the ClusterIP, so the SYN leaves by the default route unanswered.
  assert.equal(refused.stderr, 'nc: connect to my-api port 81 (tcp) failed: Connection timed out\n');
});

test('ping: pods answer; a ClusterIP answers only under IPVS, where kube-ipvs0 holds it', async () => {
  const pod2 = podNamed(cluster, 'default', 'pod2');
  const toPod = await execIn(cluster, podNamed(cluster, 'default', 'netshoot'), ['ping', '-c', '2', pod2.status.podIP]);
  assert.match(toPod.stdout, /2 packets transmitted, 2 received, 0% packet loss/);
  const iptables = await execIn(cluster, podNamed(cluster, 'default', 'netshoot'), ['ping', '-c', '2', '-W', '1', 'my-api']);
  assert.deepEqual([iptables.exitCode, /100% packet loss/.test(iptables.stdout)], [1, true]);
  const ipvs = demoCluster(EXTRA_YAML, { proxyMode: 'ipvs' });
  if (ipvs.config.proxyMode !== 'ipvs') return assert.fail(`the ClusterConfig did not switch the proxy mode: ${ipvs.config.proxyMode}`);
  const r = await execIn(ipvs, podNamed(ipvs, 'default', 'netshoot'), ['ping', '-c', '2', 'my-api']);
  assert.match(r.stdout, /2 packets transmitted, 2 received/);
});

test('ping honours NetworkPolicy for ICMP as Calico does: an isolated pod drops it unless a rule has no ports', async () => {
  const backend = podNamed(cluster, 'production', 'backend');
  const frontend = podNamed(cluster, 'production', 'frontend');
  // frontend is nginx (Debian): no ping. Use a netshoot pod labelled like frontend in production.
  const c = demoCluster(`${EXTRA_YAML}---\napiVersion: v1\nkind: Pod\nmetadata: {name: shoot, namespace: production, labels: {app: frontend}}\nspec: {containers: [{name: s, image: nicolaka/netshoot}]}\n`);
  const r = await execIn(c, podNamed(c, 'production', 'shoot'), ['ping', '-c', '1', backend.status.podIP]);
  assert.equal(r.exitCode, 1, 'allow-frontend-to-backend names port 8080/TCP only: ICMP is not allowed');
  assert.ok(frontend);
});

test('the toolbox table: which images have which tools and flavours', () => {
  const cases = [
    { image: 'busybox:1.36', has: ['wget', 'nslookup', 'nc', 'ping', 'ip'], lacks: ['curl', 'dig', 'host'], nslookup: 'busybox', libc: 'glibc' },
    { image: 'alpine:3.20', has: ['wget', 'nslookup'], lacks: ['curl', 'dig'], nslookup: 'busybox', libc: 'musl' },
    { image: 'curlimages/curl:8.8.0', has: ['curl', 'wget'], lacks: ['dig'], nslookup: 'busybox', libc: 'musl' },
    { image: 'nginx:1.27', has: ['curl', 'cat', 'env', 'hostname'], lacks: ['ping', 'ip', 'nslookup', 'dig', 'wget'], nslookup: undefined, libc: 'glibc' },
    { image: 'nicolaka/netshoot', has: ['curl', 'dig', 'host', 'nslookup', 'nc', 'ping', 'ip'], lacks: [], nslookup: 'bind', libc: 'musl' },
    { image: 'centos:7', has: ['curl', 'ping', 'ip'], lacks: ['nslookup', 'dig', 'wget', 'nc'], nslookup: undefined, libc: 'glibc' },
    { image: 'ubuntu:24.04', has: ['cat', 'env'], lacks: ['curl', 'ping', 'ip'], nslookup: undefined, libc: 'glibc' },
    { image: 'hashicorp/http-echo:1.0', has: [], lacks: ['sh', 'cat'], nslookup: undefined, libc: 'glibc' },
  ];
  for (const c of cases) {
    const t = toolboxForImage(c.image);
    for (const tool of c.has) assert.ok(t.tools.has(tool as never), `${c.image} has ${tool}`);
    for (const tool of c.lacks) assert.ok(!t.tools.has(tool as never), `${c.image} lacks ${tool}`);
    assert.deepEqual([t.nslookup, t.libc], [c.nslookup, c.libc], c.image);
  }
  assert.equal(toolboxForImage('example.com/acme/app:1.2.3'), DEFAULT_TOOLBOX);
  assert.equal(toolboxForImage('curlimages/curl:8.8.0').curl, '8.8.0');
});

test('sleep returns at once; a bad interval is refused in the image\'s words', async () => {
  const started = Date.now();
  assert.equal((await execIn(cluster, debug, ['sleep', '3600'])).exitCode, 0);
  assert.ok(Date.now() - started < 5000);
  assert.deepEqual((await execIn(cluster, debug, ['sleep', 'soon'])).stderr, "sleep: invalid number 'soon'\n");
});
