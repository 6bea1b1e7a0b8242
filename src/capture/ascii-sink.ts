/**
 * Text that goes out as one string at the end — a capture's whole listing — written as ASCII bytes into
 * one growing buffer and decoded once: millions of short-lived line strings, joined at the end, made the
 * garbage collector most of a long capture's cost. Text with anything beyond ASCII is kept as a string
 * in its place, so nothing is ever mangled.
 */
const decoder = new TextDecoder('latin1');

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

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + k) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
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
    this.parts.push(decoder.decode(this.buf.subarray(0, this.n)));
    this.n = 0;
  }

  toString(): string {
    this.flush();
    return this.parts.length === 1 ? (this.parts[0] as string) : this.parts.join('');
  }
}
