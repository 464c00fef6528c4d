// Test harness for the API server: starts it in-process over manifests with a SQLite state in a temporary directory,
// and runs the real `kubectl` against it with its kubeconfig and a private cache directory (kubectl-api.md §1.3–1.4).

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControllerManager } from '../controllers/manager.js';
import type { Clock } from '../core/clock.js';
import { parseManifests } from '../core/manifests.js';
import { serveApi, ServedApi } from '../frontends/apiserver/server.js';
import { readInputs } from '../frontends/cli/inputs.js';
import { SqliteState } from '../storage/sqlite-state.js';

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running API server over a cluster, with the state and kubectl cache in a temporary directory. */
export interface ApiHarness {
  api: ServedApi;
  manager: ControllerManager;
  state: SqliteState;
  /** The temporary directory (state in `<dir>/state`). */
  dir: string;
  kubectl(args: string[], opts?: { stdin?: string; timeoutMs?: number }): Promise<KubectlResult>;
  /** Stops the server and closes the state; the directory stays until `dispose`. */
  stop(): Promise<void>;
  /** Stops everything and removes the directory. */
  dispose(): Promise<void>;
}

/** Runs kubectl with `kubeconfig` and `cacheDir` (a fresh directory per harness: kubectl caches discovery and /version). */
export function runKubectl(kubeconfig: string, cacheDir: string, args: string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    // Asynchronous on purpose: the server under test runs in this process's event loop.
    const child = spawn('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: kubeconfig } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

/** Builds the cluster from `paths` (files or directories) or YAML text, and serves the API on a free loopback port. */
export async function startApiHarness(input: { paths?: string[]; yaml?: string }, clock: Clock, opts: { dir?: string } = {}): Promise<ApiHarness> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'flatnet-api-'));
  const stateDir = join(dir, 'state');
  const state = SqliteState.open(stateDir);
  const manager = new ControllerManager(clock, state.load());
  const docs = input.paths ? await readInputs(input.paths) : { ...parseManifests(input.yaml ?? '', 'test.yaml'), files: [] };
  if (docs.problems.length > 0) throw new Error(`test input has problems: ${JSON.stringify(docs.problems)}`);
  const applied = manager.apply(docs.docs);
  state.save(applied.events, manager.store.resourceVersion, applied.layerChanges);
  const api = await serveApi(manager, state, { address: { host: '127.0.0.1', port: 0 }, stateDir, clock });
  const cacheDir = mkdtempSync(join(tmpdir(), 'flatnet-kubectl-cache-'));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await api.close();
    state.close();
  };
  return {
    api,
    manager,
    state,
    dir,
    kubectl: (args, o) => runKubectl(api.kubeconfigPath, cacheDir, args, o),
    stop,
    dispose: async () => {
      await stop();
      rmSync(cacheDir, { recursive: true, force: true });
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
