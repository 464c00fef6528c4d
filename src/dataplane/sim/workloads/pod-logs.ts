// A pod's container logs: one bounded ring buffer per pod, read per container the way `kubectl logs` reads them.

import type { LogStream } from './listener.js';

/** One line a container wrote, with the time the runtime stamped on it. */
export interface LogEntry {
  time: Date;
  container: string;
  stream: LogStream;
  line: string;
}

/** Options of PodLogs.lines, mirroring `kubectl logs --timestamps --tail --since-time`. */
export interface LogReadOptions {
  /** Prefix each line with its RFC 3339 (nanosecond) timestamp, as `--timestamps` does. Default false. */
  timestamps?: boolean;
  /** Only the last N lines. Default: all kept lines. */
  tail?: number;
  /** Only lines stamped at or after this instant. */
  sinceTime?: Date;
}

/** The default number of lines a pod keeps across its containers. */
export const DEFAULT_LOG_CAPACITY = 1000;

/** The CRI log timestamp, RFC 3339 with nanoseconds and trailing zeros trimmed (Go's time.RFC3339Nano). */
export function rfc3339Nano(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, (_m, ms: string) => (ms === '000' ? 'Z' : `.${ms.replace(/0+$/, '')}Z`));
}

/** A bounded log for one pod: when full, the oldest line (of any container) is dropped. */
export class PodLogs {
  private readonly ring: (LogEntry | undefined)[];
  private next = 0;
  private size = 0;
  /** Lines dropped because the buffer was full. */
  dropped = 0;
  private readonly listeners = new Set<(entry: LogEntry) => void>();

  constructor(readonly capacity: number = DEFAULT_LOG_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`PodLogs capacity: Invalid value: ${capacity}: must be a positive integer`);
    this.ring = new Array(capacity);
  }

  append(entry: LogEntry): void {
    if (this.size === this.capacity) this.dropped++;
    else this.size++;
    const kept = { ...entry, time: new Date(entry.time.getTime()) };
    this.ring[this.next] = kept;
    this.next = (this.next + 1) % this.capacity;
    if (this.listeners.size > 0) for (const l of [...this.listeners]) l({ ...kept, time: new Date(kept.time.getTime()) });
  }

  /**
   * Calls `listener` with every entry appended from now on, of any container, in order (`kubectl logs -f`, `attach`);
   * returns the function that stops it. A listener runs inside `append`, so it must not throw.
   */
  subscribe(listener: (entry: LogEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every kept entry of a container (or of all containers), oldest first. */
  entries(container?: string): LogEntry[] {
    const out: LogEntry[] = [];
    for (let i = 0; i < this.size; i++) {
      const e = this.ring[(this.next - this.size + i + this.capacity) % this.capacity]!;
      if (container === undefined || e.container === container) out.push(e);
    }
    return out;
  }

  /** A container's log lines as `kubectl logs` prints them. */
  lines(container: string, opts: LogReadOptions = {}): string[] {
    let es = this.entries(container);
    if (opts.sinceTime) es = es.filter((e) => e.time.getTime() >= opts.sinceTime!.getTime());
    if (opts.tail !== undefined) es = opts.tail <= 0 ? [] : es.slice(-opts.tail);
    return es.map((e) => (opts.timestamps ? `${rfc3339Nano(e.time)} ${e.line}` : e.line));
  }
}
