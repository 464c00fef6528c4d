// End to end: `flatnet up --dns` as a user runs it, queried with the real dig; a Service added to the manifests
// answers soon after the file changes, a port in use is reported without stopping `up`, and bad --dns values exit 2.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deploymentYaml } from '../testing/cluster.js';
import { FlatnetProcess } from '../testing/process.js';
import { freeUdpPort } from '../testing/ports.js';

const DIG_MISSING = spawnSync('dig', ['-v'], { stdio: 'ignore' }).status === 0 ? false : 'dig is not installed (Debian bind9-dnsutils; .ci/run installs it)';


function dig(port: number, args: string[]): Promise<{ status: string; answer: string[] }> {
  return new Promise((resolve, reject) =>
    execFile('dig', ['@127.0.0.1', '-p', String(port), '+time=1', '+tries=1', '+noall', '+comments', '+answer', ...args], (err, stdout) => {
      if (err && !stdout) return reject(err);
      const status = /status: (\w+)/.exec(stdout)?.[1] ?? (err ? 'no reply' : '');
      resolve({ status, answer: stdout.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.trim().split(/\s+/).join(' ')) });
    }),
  );
}

const service = (name: string) => `apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec: {selector: {app: web}, ports: [{name: http, port: 80}]}
---
`;

test('flatnet up serves the cluster zone to dig and follows manifest edits', { skip: DIG_MISSING }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flatnet-up-dns-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const manifests = join(dir, 'manifests');
  mkdirSync(manifests);
  writeFileSync(join(manifests, 'web.yaml'), `${deploymentYaml('web', 2, { portName: 'http' })}${service('web')}`);
  const port = await freeUdpPort();
  const up = new FlatnetProcess(['up', '-f', manifests, '--state', join(dir, 'state'), '--dns', `127.0.0.1:${port}`]);
  t.after(() => up.child.kill('SIGKILL'));
  await up.waitFor(/watching/);
  assert.match(up.out, new RegExp(`^DNS: serving cluster\\.local on 127\\.0\\.0\\.1:${port} \\(UDP\\+TCP\\)$`, 'm'));
  const webIP = /^default\s+web\s+ClusterIP\s+(\S+)/m.exec(up.out)![1];

  assert.deepEqual(await dig(port, ['web.default.svc.cluster.local', 'A']), { status: 'NOERROR', answer: [`web.default.svc.cluster.local. 5 IN A ${webIP}`] });
  assert.deepEqual(await dig(port, ['+tcp', '_http._tcp.web.default.svc.cluster.local', 'SRV']), { status: 'NOERROR', answer: ['_http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 100 80 web.default.svc.cluster.local.'] });
  assert.equal((await dig(port, ['api.default.svc.cluster.local', 'A'])).status, 'NXDOMAIN');

  // A new Service in the file: poll until dig answers. The time includes up's 100 ms debounce and a full
  // re-reconcile; the DNS part alone (store change → answer) is measured by bench/dns.bench.ts.
  const edited = Date.now();
  appendFileSync(join(manifests, 'web.yaml'), service('api'));
  let answer = await dig(port, ['api.default.svc.cluster.local', 'A']);
  while (answer.status !== 'NOERROR' && Date.now() - edited < 10_000) {
    await new Promise((r) => setTimeout(r, 10));
    answer = await dig(port, ['api.default.svc.cluster.local', 'A']);
  }
  const elapsed = Date.now() - edited;
  console.log(`file edit → first dig answer for the new Service: ${elapsed} ms`);
  assert.equal(answer.status, 'NOERROR', `answered within 10 s (waited ${elapsed} ms)\n${up.err}`);
  const apiIP = /created Service default\/api ClusterIP (\S+)/.exec(up.err)?.[1];
  assert.deepEqual(answer.answer, [`api.default.svc.cluster.local. 5 IN A ${apiIP}`]);

  // A second `up` on the same address reports the port in use and keeps running without DNS.
  const second = new FlatnetProcess(['up', '-f', manifests, '--state', join(dir, 'state2'), '--dns', `127.0.0.1:${port}`]);
  t.after(() => second.child.kill('SIGKILL'));
  await second.waitFor(/watching/);
  assert.match(second.err, new RegExp(`DNS: cannot listen on 127\\.0\\.0\\.1:${port} \\(UDP\\): address already in use; running without DNS`));
  assert.doesNotMatch(second.out, /DNS: serving/);
  second.child.kill('SIGINT');
  assert.equal(await second.exited, 0);

  up.child.kill('SIGINT');
  assert.equal(await up.exited, 0);
  assert.match(up.err, /stopped/);
});

test('flatnet up --dns: off serves nothing; an address off loopback or malformed is a usage error (exit 2)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flatnet-up-dns-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'svc.yaml'), service('web'));
  const off = new FlatnetProcess(['up', '-f', join(dir, 'svc.yaml'), '--state', join(dir, 'state'), '--dns', 'off']);
  t.after(() => off.child.kill('SIGKILL'));
  await off.waitFor(/watching/);
  assert.doesNotMatch(off.out + off.err, /DNS:/);
  off.child.kill('SIGINT');
  assert.equal(await off.exited, 0);

  const cases = [
    { value: '0.0.0.0:53', want: /--dns: invalid value "0\.0\.0\.0:53": HOST must be a loopback address \(127\.0\.0\.0\/8 or ::1\)/ },
    { value: '127.0.0.1', want: /--dns: invalid value "127\.0\.0\.1": want HOST:PORT, such as 127\.0\.0\.1:10053 or \[::1\]:10053, or off/ },
    { value: '127.0.0.1:70000', want: /--dns: invalid value "127\.0\.0\.1:70000": PORT must be from 0 to 65535/ },
  ];
  for (const c of cases) {
    const p = new FlatnetProcess(['up', '-f', join(dir, 'svc.yaml'), '--state', join(dir, 'state'), '--dns', c.value]);
    assert.equal(await p.exited, 2, c.value);
    assert.match(p.err, c.want);
    assert.equal(p.out, '');
  }
});
