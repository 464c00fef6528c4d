// Runs the flatnet CLI in-process with captured output and a fixed clock, for tests.

import { FixedClock } from '../core/clock.js';
import { main } from '../frontends/cli/main.js';
import { TEST_NOW } from './cluster.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(argv: string[], stdin = '', now: Date = TEST_NOW): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    readStdin: async () => stdin,
    clock: new FixedClock(now),
  });
  return { code, stdout, stderr };
}
