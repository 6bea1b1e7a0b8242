/**
 * Text that goes out as one string at the end — a capture's whole listing — written as ASCII bytes into
 * one growing buffer and decoded once: millions of short-lived line strings, joined at the end, made the
 * garbage collector most of a long capture's cost. Text with anything beyond ASCII is kept as a string
 * in its place, so nothing is ever mangled.
 *
 * The buffer is never zeroed (Buffer.allocUnsafe) and is sized from a hint (a capture knows how many
 * frames it will print), so it rarely grows. Decoding it once at the end gives node's external latin1
 * string — its bytes off the JavaScript heap. Flushing a 64 KB buffer into string parts and joining them
 * instead made two copies of the text on the heap and a quarter of a long capture's printing time went
 * into the join and the collector (measured: 10M lines, 358 MB of text).
 */

/** A constant's bytes, for `AsciiSink.bytes` and `putBytes`. */
export function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0x7f);
}

/** Writes `b` at `at`; returns the position after it. The caller has reserved room. */
export function putBytes(buf: Uint8Array, at: number, b: Uint8Array): number {
  // A loop beats TypedArray.prototype.set for the short constants printers write (measured, Node 20).
  for (let i = 0; i < b.length; i++) buf[at + i] = b[i] as number;
  return at + b.length;
}

/** Writes `v` (0 <= v < 2^32) in decimal at `at`, as `${v}` prints it; returns the position after it. */
export function putDecimal(buf: Uint8Array, at: number, v: number): number {
  if (v < 10) {
    buf[at] = 48 + v;
    return at + 1;
  }
  if (v < 100) {
    buf[at] = 48 + ((v / 10) | 0);
    buf[at + 1] = 48 + (v % 10);
    return at + 2;
  }
  const digits = v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
  const end = at + digits;
  let p = end;
  for (let x = v; x > 0; x = Math.floor(x / 10)) buf[--p] = 48 + (x % 10);
  return end;
}

/** Writes a dotted quad at `at`; returns the position after it. */
export function putIpv4(buf: Uint8Array, at: number, a: number): number {
  at = putDecimal(buf, at, a >>> 24);
  buf[at++] = 46;
  at = putDecimal(buf, at, (a >>> 16) & 0xff);
  buf[at++] = 46;
  at = putDecimal(buf, at, (a >>> 8) & 0xff);
  buf[at++] = 46;
  return putDecimal(buf, at, a & 0xff);
}

/** The most bytes `putIpv4` writes. */
export const IPV4_MAX_TEXT = 15;
/** The most bytes `putDecimal` writes. */
export const DECIMAL_MAX_TEXT = 10;

export class AsciiSink {
  private buf: Buffer;
  private n = 0;
  /** Text before the buffer's: decoded pieces and non-ASCII strings, in order (usually none). */
  private readonly parts: string[] = [];

  constructor(expectedBytes = 1 << 12) {
    const want = Math.max(16, expectedBytes);
    const kept = spare?.deref();
    // The buffer a finished sink left, if the collector has not taken it and it is big enough.
    if (kept !== undefined && kept.length >= want && want >= SPARE_MIN) {
      spare = undefined;
      this.buf = kept;
    } else this.buf = Buffer.allocUnsafe(want);
  }

  /**
   * Room for `k` more bytes from `at()`; returns the buffer to write them into directly, then `advance`.
   * A full buffer doubles (its bytes copied once: amortised, one more copy of the text at most).
   */
  reserve(k: number): Buffer {
    if (this.n + k > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + k));
      this.buf.copy(bigger, 0, 0, this.n);
      this.buf = bigger;
    }
    return this.buf;
  }

  /** Where the next byte goes in the buffer `reserve` returned. */
  at(): number {
    return this.n;
  }

  /** The bytes up to `end` are written (`end` from the put helpers). */
  advance(end: number): void {
    this.n = end;
  }

  byte(c: number): void {
    this.reserve(1)[this.n++] = c;
  }

  /** A string: byte by byte when it is ASCII, else kept whole. */
  text(s: string): void {
    const len = s.length;
    const buf = this.reserve(len);
    let at = this.n;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        this.flush();
        this.parts.push(s);
        return;
      }
      buf[at++] = c;
    }
    this.n = at;
  }

  /** Bytes made once (`ascii()` of a constant): copied in whole. */
  bytes(b: Uint8Array): void {
    this.n = putBytes(this.reserve(b.length), this.n, b);
  }

  /** A whole number in decimal, as `${n}` would print it (0 <= n < 2^32). */
  decimal(v: number): void {
    this.n = putDecimal(this.reserve(DECIMAL_MAX_TEXT), this.n, v);
  }

  /** A dotted quad. */
  ipv4(a: number): void {
    this.n = putIpv4(this.reserve(IPV4_MAX_TEXT), this.n, a);
  }

  private flush(): void {
    if (this.n === 0) return;
    this.parts.push(this.buf.toString('latin1', 0, this.n));
    this.n = 0;
  }

  toString(): string {
    if (this.parts.length === 0) return this.buf.toString('latin1', 0, this.n);
    this.flush();
    return this.parts.length === 1 ? (this.parts[0] as string) : this.parts.join('');
  }

  /**
   * The text, and the sink is done: its buffer is left, weakly, to the next large sink. The text of two
   * long captures printed one after the other then fills the same pages instead of touching fresh ones
   * (a fresh page costs more here than writing it: measured, a second capture's printing).
   */
  finish(): string {
    const text = this.toString();
    if (this.buf.length >= SPARE_MIN) spare = new WeakRef(this.buf);
    this.buf = Buffer.allocUnsafe(16);
    this.n = 0;
    this.parts.length = 0;
    return text;
  }
}

/** Sinks smaller than this allocate their own: only a long capture's pages are worth keeping. */
const SPARE_MIN = 1 << 20;
let spare: WeakRef<Buffer> | undefined;
