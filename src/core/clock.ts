// Time as the core sees it: passed in, never read from the system here.

export interface Clock {
  now(): Date;
}

/** A clock that always says the same instant; tests and reproducible output use it. */
export class FixedClock implements Clock {
  constructor(private instant: Date) {}
  now(): Date {
    return new Date(this.instant.getTime());
  }
  /** Moves the clock forward by ms milliseconds. */
  advance(ms: number): void {
    this.instant = new Date(this.instant.getTime() + ms);
  }
}

/** RFC 3339 with seconds and a Z, as Kubernetes writes timestamps. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
