/**
 * Text that goes out as one string at the end — a capture's whole listing — written as ASCII bytes into
 * one growing buffer and decoded once: millions of short-lived line strings, joined at the end, made the
 * garbage collector most of a long capture's cost. Text with anything beyond ASCII is kept as a string
 * in its place, so nothing is ever mangled.
 */

/** A constant's bytes, for `AsciiSink.bytes`. */
export function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0x7f);
}

export class AsciiSink {
  private buf: Uint8Array;
  private n = 0;
  private readonly parts: string[] = [];

  constructor(initialBytes = 1 << 16) {
    this.buf = new Uint8Array(initialBytes);
  }

  /**
   * Room for `k` more bytes: a full buffer is decoded into the parts and written over again — one
   * cache-warm buffer instead of one that doubles (each doubling copied all the text so far into
   * freshly zeroed pages: a third of a captured flood's time, measured).
   */
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    this.flush();
    if (k > this.buf.length) this.buf = new Uint8Array(k);
  }

  byte(c: number): void {
    this.room(1);
    this.buf[this.n++] = c;
  }

  /** A string: byte by byte when it is ASCII, else kept whole. */
  text(s: string): void {
    const len = s.length;
    this.room(len);
    const start = this.n;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        this.n = start;
        this.flush();
        this.parts.push(s);
        return;
      }
      this.buf[this.n++] = c;
    }
  }

  /** Bytes made once (`ascii()` of a constant): copied in whole. */
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }

  /** A whole number in decimal, as `${n}` would print it (0 <= n < 2^32). */
  decimal(v: number): void {
    this.room(10);
    const buf = this.buf;
    if (v < 10) {
      buf[this.n++] = 48 + v;
      return;
    }
    if (v < 100) {
      buf[this.n++] = 48 + ((v / 10) | 0);
      buf[this.n++] = 48 + (v % 10);
      return;
    }
    const digits = v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : String(v).length;
    let at = this.n + digits;
    this.n = at;
    for (let x = v; x > 0; x = Math.floor(x / 10)) buf[--at] = 48 + (x % 10);
  }

  /** A dotted quad. */
  ipv4(a: number): void {
    this.decimal(a >>> 24);
    this.byte(46);
    this.decimal((a >>> 16) & 0xff);
    this.byte(46);
    this.decimal((a >>> 8) & 0xff);
    this.byte(46);
    this.decimal(a & 0xff);
  }

  private flush(): void {
    if (this.n === 0) return;
    // Buffer's latin1 is a third of TextDecoder('latin1')'s time over the same bytes (measured, Node 20).
    this.parts.push(Buffer.from(this.buf.buffer, this.buf.byteOffset, this.n).toString('latin1'));
    this.n = 0;
  }

  toString(): string {
    this.flush();
    return this.parts.length === 1 ? (this.parts[0] as string) : this.parts.join('');
  }
}
