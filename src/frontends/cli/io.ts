// The CLI's connection to the outside: output streams, stdin and the clock, injectable for tests.

import { Clock, FixedClock } from '../../core/clock.js';

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readStdin: () => Promise<string>;
  clock: Clock;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * The clock the CLI runs on: SOURCE_DATE_EPOCH (the reproducible-builds convention, in seconds) fixes it, so
 * output with timestamps and ages is byte-identical across runs; otherwise the system clock.
 */
export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): Clock {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && /^\d+$/.test(epoch)) return new FixedClock(new Date(Number(epoch) * 1000));
  return systemClock;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export function processIO(): CliIO {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    readStdin: () => readAll(process.stdin),
    clock: clockFromEnv(),
  };
}
