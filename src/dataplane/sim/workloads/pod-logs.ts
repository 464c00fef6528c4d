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

/**
 * Makes V8 store the string as one sequence of characters. A line built by template literals is a tree of its parts
 * (a cons string, a score of objects) until something needs it whole; a log keeps its lines for a long time, and
 * the garbage collector would otherwise copy every part of every kept line. Converting a string to a number flattens
 * it in place (the trick of the `flatstr` package that pino uses).
 */
function flatten(s: string): void {
  (s as unknown as number) | 0;
}

/**
 * A kept line: its time as milliseconds, not a Date, which is several times the size. A busy pod's log holds a
 * thousand lines that the garbage collector copies while they are young.
 */
interface KeptLine {
  time: number;
  container: string;
  stream: LogStream;
  line: string;
}

const entryOf = (k: KeptLine): LogEntry => ({ time: new Date(k.time), container: k.container, stream: k.stream, line: k.line });

/** A bounded log for one pod: when full, the oldest line (of any container) is dropped. */
export class PodLogs {
  private readonly ring: (KeptLine | undefined)[];
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
    this.write(entry.time, entry.container, entry.stream, entry.line);
  }

  /** Appends one line stamped `time`: `append` without an entry object. */
  write(time: Date, container: string, stream: LogStream, line: string): void {
    flatten(line);
    const kept: KeptLine = { time: time.getTime(), container, stream, line };
    if (this.size === this.capacity) this.dropped++;
    else this.size++;
    this.ring[this.next] = kept;
    this.next = (this.next + 1) % this.capacity;
    if (this.listeners.size > 0) for (const l of [...this.listeners]) l(entryOf(kept));
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
      const k = this.ring[(this.next - this.size + i + this.capacity) % this.capacity]!;
      if (container === undefined || k.container === container) out.push(entryOf(k));
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
