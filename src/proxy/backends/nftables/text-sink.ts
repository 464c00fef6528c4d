// Accumulates a large text in fixed-size Buffer chunks, so the pieces of a 50 MB ruleset die young instead of
// surviving (and being copied by every scavenge) until a final join, and nothing is copied while growing.

const CHUNK = 4 << 20;

export class TextSink {
  private chunks: Buffer[] = [];
  private buf = Buffer.allocUnsafe(CHUNK);
  private len = 0;
  private total = 0;

  /** Appends each line and a newline. */
  push(...lines: string[]): void {
    for (const s of lines) this.line(s);
  }

  /** Appends `s` and a newline. */
  line(s: string): void {
    if (this.len + s.length * 3 + 1 > this.buf.length) {
      this.chunks.push(this.buf.subarray(0, this.len));
      this.total += this.len;
      this.buf = Buffer.allocUnsafe(Math.max(CHUNK, s.length * 3 + 1));
      this.len = 0;
    }
    this.len += this.buf.write(s, this.len, 'utf8');
    this.buf[this.len++] = 10;
  }

  toString(): string {
    return Buffer.concat([...this.chunks, this.buf.subarray(0, this.len)], this.total + this.len).toString('utf8');
  }
}
