// Real-kernel acceptance: build each CNI profile's layout in throwaway network namespaces with the layout's own
// iproute2 commands, then require that the real `ip`, `bridge` and busybox `ip` print exactly what flatnet's
// renderer prints for every namespace. UPDATE_GOLDEN=1 also saves some of those real outputs as golden files
// (bridge timers, live countdowns, set to 0.00).
// Skips (visibly) when not root, without ip/bridge, or where namespaces cannot be created.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBridge, runIp } from './iproute2.js';
import { layoutCommands } from './layout-commands.js';
import { fixtureLayout, GOLDEN_CASES, GOLDEN_DIR, KERNEL_PROFILES } from './layout-fixtures.js';
import type { NetworkLayout } from './network-layout.js';
import type { NetworkNamespace } from './network-namespace.js';

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root (to create network namespaces)';
  for (const tool of ['ip', 'bridge', 'unshare', 'mount']) if (!has(tool)) return `needs ${tool} (Debian packages iproute2, util-linux)`;
  const probe = `fnl-probe-${randomBytes(4).toString('hex')}`;
  if (spawnSync('ip', ['netns', 'add', probe]).status !== 0) return 'cannot create a network namespace here';
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

const skip = skipReason();
if (skip) console.log(`# SKIP layout kernel acceptance: ${skip}`);
const busybox = !skip && has('busybox');
if (!skip && !busybox) console.log('# SKIP busybox comparisons: busybox is not installed (apt-get install busybox)');

/** Whether this kernel can make a link of the kind (modules may be missing, linux-dataplane.md §2.1). */
function kernelHas(kind: 'ipip' | 'dummy'): boolean {
  const ns = `fnl-probe-${randomBytes(4).toString('hex')}`;
  spawnSync('ip', ['netns', 'add', ns]);
  try {
    if (kind === 'ipip') return spawnSync('ip', ['-n', ns, 'link', 'show', 'tunl0']).status === 0 || spawnSync('ip', ['-n', ns, 'link', 'add', 'fnl0', 'type', 'ipip']).status === 0;
    return spawnSync('ip', ['-n', ns, 'link', 'add', 'fnl0', 'type', 'dummy']).status === 0;
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

/** The layout built in real namespaces named `fnl-<random>-<n>`. */
class RealLayout {
  private readonly names = new Map<string, string>();

  constructor(readonly layout: NetworkLayout) {
    const prefix = `fnl-${randomBytes(3).toString('hex')}`;
    layout.namespaces.forEach((ns, i) => this.names.set(ns.id, `${prefix}-${i}`));
  }

  real(ns: NetworkNamespace): string {
    return this.names.get(ns.id)!;
  }

  build(): void {
    for (const ns of this.layout.namespaces) this.must('ip', ['netns', 'add', this.real(ns)]);
    for (const step of layoutCommands(this.layout, (ns) => this.real(ns))) {
      if (step.tool === 'sysctl') this.must('ip', ['netns', 'exec', step.netns, 'sysctl', '-qw', ...step.lines]);
      else this.must(step.tool, ['-n', step.netns, '-batch', '-'], step.lines.join('\n') + '\n');
    }
    this.settle();
  }

  destroy(): void {
    for (const ns of [...this.layout.namespaces].reverse()) spawnSync('ip', ['netns', 'del', this.real(ns)]);
  }

  /** Waits until every link-local address the layout expects is there and past DAD. */
  private settle(): void {
    for (let i = 0; i < 50; i++) {
      const pending = this.layout.namespaces.some((ns) => {
        const want = ns.interfaces.flatMap((l) => l.addresses).filter((a) => a.scope === 'link').length;
        const out = spawnSync('ip', ['-n', this.real(ns), '-6', 'addr', 'show', 'scope', 'link'], { encoding: 'utf8' }).stdout;
        return (out.match(/inet6 /g) ?? []).length !== want || out.includes('tentative');
      });
      if (!pending) return;
      spawnSync('sleep', ['0.1']);
    }
  }

  private must(cmd: string, args: string[], input?: string): void {
    const r = spawnSync(cmd, args, { input, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}\n${input ?? ''}`);
  }

  /**
   * Runs a command in the namespace the way a process there sees the world: /run/netns holds exactly the names
   * the layout says it can see (containerd's cni-… sandboxes on a node, none in a pod), so `ip` prints
   * `link-netns NAME` or `link-netnsid N` as it would on a real node or in a real pod.
   */
  run(ns: NetworkNamespace, cmd: string[]): { stdout: string; stderr: string; exitCode: number } {
    const visible: string[] = [];
    for (const l of ns.interfaces)
      if (l.peer?.netnsName) visible.push(this.real(this.layout.namespaces.find((x) => x.id === l.peer!.netns)!), l.peer.netnsName);
    const script = 'set -e; mount -t tmpfs none /mnt; while [ "$1" != -- ]; do touch "/mnt/$2"; mount --bind "/run/netns/$1" "/mnt/$2"; shift 2; done; shift; mount --rbind /mnt /run/netns; exec "$@"';
    const r = spawnSync('ip', ['netns', 'exec', this.real(ns), 'unshare', '-m', '--propagation', 'private', 'sh', '-c', script, 'sh', ...visible, '--', ...cmd], { encoding: 'utf8' });
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.status ?? -1 };
  }
}

const FULL: string[][] = [['addr'], ['-d', 'link'], ['route'], ['route', 'show', 'table', 'local'], ['neigh'], ['-br', 'addr'], ['-br', 'link'], ['-4', 'addr'], ['-6', 'addr'], ['-o', 'addr'], ['-o', 'link'], ['-d', 'addr']];
const SHORT: string[][] = [['addr'], ['-d', 'link'], ['route'], ['neigh']];
/** IPv6 routes come in the order links got carrier, which depends on timing here; compared as a set. */
const UNORDERED: string[][] = [['-6', 'route'], ['route', 'show', 'table', 'all']];
const sorted = (s: string) => s.split('\n').sort().join('\n');
/** Bridge timers are live countdowns on a real bridge; flatnet prints them at rest. */
const atRest = (s: string) => s.replace(/(_timer) +\d+\.\d\d/g, (_m, t: string) => `${t}    0.00`);

/** The first line where two outputs differ, with the line number: enough to see what went wrong. */
function firstDifference(real: string, ours: string): string {
  const a = real.split('\n');
  const b = ours.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if (a[i] !== b[i]) return `line ${i + 1}\n    real:    ${JSON.stringify(a[i])}\n    flatnet: ${JSON.stringify(b[i])}`;
  return 'identical';
}

for (const [cni, mode] of KERNEL_PROFILES) {
  const full = (cni === 'flannel' && mode === 'vxlan') || (cni === 'calico' && mode === 'bgp');
  test(`kernel: the ${cni} ${mode} layout built in namespaces prints, with the real ip and bridge, what flatnet renders`, { skip: skip ?? (mode === 'ipip' && !kernelHas('ipip') ? 'this kernel has no ipip (CONFIG_NET_IPIP)' : undefined) }, () => {
    const layout = fixtureLayout(cni, mode);
    const real = new RealLayout(layout);
    const mismatches: string[] = [];
    const check = (what: string, realOut: string, ours: string) => {
      if (atRest(realOut) !== ours) mismatches.push(`${what}: ${firstDifference(atRest(realOut), ours)}`);
    };
    try {
      real.build();
      for (const ns of layout.namespaces) {
        for (const argv of full ? FULL : SHORT) check(`${ns.id}: ip ${argv.join(' ')}`, real.run(ns, ['ip', ...argv]).stdout, runIp(ns, argv).stdout);
        for (const argv of UNORDERED) check(`${ns.id}: ip ${argv.join(' ')} (as a set)`, sorted(real.run(ns, ['ip', ...argv]).stdout), sorted(runIp(ns, argv).stdout));
        for (const argv of [['link'], ['-d', 'link']]) check(`${ns.id}: bridge ${argv.join(' ')}`, real.run(ns, ['bridge', ...argv]).stdout, runBridge(ns, argv).stdout);
        if (busybox)
          for (const argv of [['addr'], ['link'], ['route'], ['-4', 'addr'], ['-6', 'addr'], ['route', 'show', 'table', 'local'], ['-o', 'addr']])
            check(`${ns.id}: busybox ip ${argv.join(' ')}`, real.run(ns, ['busybox', 'ip', ...argv]).stdout, runIp(ns, argv, 'busybox').stdout);
      }
      if (process.env.UPDATE_GOLDEN === '1')
        for (const c of GOLDEN_CASES.filter((g) => g.cni === cni && g.mode === mode)) {
          if (c.flavour === 'busybox' && !busybox) continue;
          const cmd = c.flavour === 'busybox' ? ['busybox', 'ip', ...c.argv] : [c.tool, ...c.argv];
          mkdirSync(GOLDEN_DIR, { recursive: true });
          writeFileSync(join(GOLDEN_DIR, c.file), atRest(real.run(c.ns(layout), cmd).stdout));
        }
    } finally {
      real.destroy();
    }
    assert.deepEqual(mismatches, []);
  });
}

/** Commands that fail, run on a node: the same stderr and exit status as the real tools (stdout stays empty). */
const ERRORS: { name: string; cmd: string[] }[] = [
  { name: 'an unknown object', cmd: ['ip', 'foo'] },
  { name: 'no object at all (usage)', cmd: ['ip'] },
  { name: 'an unknown option', cmd: ['ip', '-z', 'addr'] },
  { name: 'an unknown address command', cmd: ['ip', 'addr', 'foo'] },
  { name: 'an unknown link command', cmd: ['ip', 'link', 'foo'] },
  { name: 'an unknown route command', cmd: ['ip', 'route', 'foo'] },
  { name: 'a missing device for addr', cmd: ['ip', 'addr', 'show', 'dev', 'nope'] },
  { name: 'a missing device named without dev', cmd: ['ip', 'addr', 'show', 'nope'] },
  { name: 'a missing device for link', cmd: ['ip', 'link', 'show', 'dev', 'nope'] },
  { name: 'a missing device for route', cmd: ['ip', 'route', 'show', 'dev', 'nope'] },
  { name: 'two devices', cmd: ['ip', 'addr', 'show', 'eth0', 'lo'] },
  { name: 'dev without a name', cmd: ['ip', 'link', 'show', 'dev'] },
  { name: 'a bad route prefix', cmd: ['ip', 'route', 'show', 'foo'] },
  { name: 'a table name that does not exist', cmd: ['ip', 'route', 'show', 'table', 'foo'] },
  { name: 'a master that does not exist', cmd: ['ip', 'link', 'show', 'master', 'nope'] },
  { name: 'the version', cmd: ['ip', '-V'] },
  { name: 'bridge with an unknown object', cmd: ['bridge', 'foo'] },
  { name: 'bridge with no object (usage)', cmd: ['bridge'] },
  { name: 'bridge link with an unknown command', cmd: ['bridge', 'link', 'foo'] },
  { name: 'bridge link with a missing device', cmd: ['bridge', 'link', 'show', 'dev', 'nope'] },
  { name: 'bridge -V', cmd: ['bridge', '-V'] },
  { name: 'busybox ip with an unknown object (usage)', cmd: ['busybox', 'ip', 'foo'] },
  { name: 'busybox ip link with a missing device', cmd: ['busybox', 'ip', 'link', 'show', 'dev', 'nope'] },
  { name: 'busybox ip addr with a missing device', cmd: ['busybox', 'ip', 'addr', 'show', 'nope'] },
  { name: 'busybox ip link show type bridge (type is taken for a device)', cmd: ['busybox', 'ip', 'link', 'show', 'type', 'bridge'] },
  { name: 'busybox ip route with an unknown command', cmd: ['busybox', 'ip', 'route', 'foo'] },
  { name: 'busybox ip addr with dev and no name', cmd: ['busybox', 'ip', 'addr', 'show', 'dev'] },
];

test('kernel: failing ip, bridge and busybox ip commands print the real tools\' errors and exit statuses', { skip }, () => {
  const layout = fixtureLayout('flannel', 'vxlan');
  const real = new RealLayout(layout);
  const node = layout.node('node-1')!;
  try {
    real.build();
    for (const c of ERRORS) {
      if (c.cmd[0] === 'busybox' && !busybox) continue;
      const r = real.run(node, c.cmd);
      // A real build's usage banner names its own version and build; flatnet's names busybox 1.36.1.
      const normalise = (s: string) => s.replace(/^BusyBox v[^\n]*\n/, 'BusyBox\n');
      const ours = c.cmd[0] === 'bridge' ? runBridge(node, c.cmd.slice(1)) : runIp(node, c.cmd.slice(c.cmd[0] === 'busybox' ? 2 : 1), c.cmd[0] === 'busybox' ? 'busybox' : 'iproute2');
      assert.deepEqual({ ...ours, stderr: normalise(ours.stderr) }, { ...r, stderr: normalise(r.stderr) }, c.name);
    }
  } finally {
    real.destroy();
  }
});
