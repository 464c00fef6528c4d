// Runs the real `flatnet` binary as a child process for end-to-end tests, collecting its output.

import { spawn, ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './cluster.js';

export const FLATNET_BIN = join(REPO_ROOT, 'bin/flatnet.js');

/** A running `flatnet` process: its stdout and stderr so far, and its exit code once it ends. */
export class FlatnetProcess {
  out = '';
  err = '';
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [FLATNET_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.out += d));
    this.child.stderr!.on('data', (d) => (this.err += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Waits until stdout+stderr match `re`; fails after `timeoutMs` with everything printed so far. */
  async waitFor(re: RegExp, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(this.out + this.err)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}\nstdout:\n${this.out}\nstderr:\n${this.err}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
