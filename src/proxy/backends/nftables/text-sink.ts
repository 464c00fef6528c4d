// Accumulates a large ASCII text in a growing Buffer, so the pieces of a 50 MB ruleset die young instead of
// surviving (and being copied by every scavenge) until a final join.

export class TextSink {
  private buf: Buffer;
  private len = 0;

  constructor(initialBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Appends `s` and a newline. */
  line(s: string): void {
    const need = this.len + s.length * 3 + 1;
    if (need > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    this.len += this.buf.write(s, this.len, 'utf8');
    this.buf[this.len++] = 10;
  }

  toString(): string {
    return this.buf.toString('utf8', 0, this.len);
  }
}
