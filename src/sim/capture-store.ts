/**
 * What a packet tap keeps of each frame it sees: the bytes, the virtual time, the direction, the packet
 * and the trace position. Kept compactly — the bytes copied into large shared buffers, the rest in typed
 * columns — because a capture holds every frame to the end of the run: one object and one Uint8Array
 * view per frame, all surviving, made the garbage collector most of a captured run's cost (52% of a
 * captured ping flood's CPU, against 10% without captures). Frames become objects only when a report
 * reads them, once.
 */
export interface TappedFrame {
  readonly t: number;
  readonly data: Uint8Array;
  readonly dir: 'in' | 'out';
  readonly pkt: number;
  readonly seq: number;
}

/** A frame's packet type as a capture on `any` (DLT_LINUX_SLL2) reports it: sll_pkttype, tcpdump's names. */
export type SllPktType = 'In' | 'B' | 'M' | 'P' | 'Out';

/** Where a capture on `any` saw a frame: the device, by index and by name then, and the packet type. */
export interface FrameVia {
  readonly ifindex: number;
  readonly name: string;
  readonly pktType: SllPktType;
}

/** Bytes per arena chunk; a frame larger than a chunk gets one of its own. */
const CHUNK = 1 << 20;
const INITIAL = 64;

export class CaptureTap {
  /** The device went away under the capture. */
  gone = false;
  /** The device is down: packet_notifier took the capture's hook off it until the device is up again. */
  unhooked = false;
  private n = 0;
  private times = new Float64Array(INITIAL);
  private pkts = new Int32Array(INITIAL);
  private seqs = new Int32Array(INITIAL);
  private dirs = new Uint8Array(INITIAL);
  /** Where each frame's bytes are: chunk index, offset and length. */
  private chunkOf = new Int32Array(INITIAL);
  private offsets = new Int32Array(INITIAL);
  private lengths = new Int32Array(INITIAL);
  private readonly chunks: Uint8Array[] = [];
  private used = CHUNK;
  private materialized: TappedFrame[] = [];

  /** A capture on `any`: each frame's device and packet type, by frame (none for a device's capture). */
  private readonly vias: FrameVia[] | undefined;

  /**
   * A capture on the device with world id `deviceId`, or with `anyOf` set (deviceId -1) on every device of
   * that namespace: tcpdump -i any.
   */
  constructor(
    readonly deviceId: number,
    frames: readonly TappedFrame[] = [],
    readonly anyOf?: object,
  ) {
    this.vias = anyOf === undefined ? undefined : [];
    for (const f of frames) this.record(f.t, f.data, f.dir, f.pkt, f.seq);
  }

  /** A frame seen by a capture on `any`, with where it was seen. */
  recordVia(t: number, data: Uint8Array, dir: 'in' | 'out', pkt: number, seq: number, via: FrameVia): void {
    this.record(t, data, dir, pkt, seq);
    this.vias?.push(via);
  }

  /** Where frame `i` of a capture on `any` was seen. */
  viaAt(i: number): FrameVia | undefined {
    return this.vias?.[i];
  }

  get length(): number {
    return this.n;
  }

  /** The hot path: one frame seen by the tap (dev_queue_xmit_nit, or the receive side's taps). */
  record(t: number, data: Uint8Array, dir: 'in' | 'out', pkt: number, seq: number): void {
    const i = this.n;
    if (i === this.times.length) this.grow();
    const len = data.length;
    let chunk = this.chunks.length - 1;
    if (len > CHUNK) {
      this.chunks.push(data.slice());
      chunk = this.chunks.length - 1;
      this.offsets[i] = 0;
      this.used = CHUNK;
    } else {
      if (this.used + len > CHUNK) {
        this.chunks.push(new Uint8Array(CHUNK));
        chunk = this.chunks.length - 1;
        this.used = 0;
      }
      (this.chunks[chunk] as Uint8Array).set(data, this.used);
      this.offsets[i] = this.used;
      this.used += len;
    }
    this.chunkOf[i] = chunk;
    this.lengths[i] = len;
    this.times[i] = t;
    this.pkts[i] = pkt;
    this.seqs[i] = seq;
    this.dirs[i] = dir === 'in' ? 0 : 1;
    this.n = i + 1;
  }

  /**
   * Each frame in order, where its bytes lie in the arena (`buf` from `off`, `len` long): no view is made
   * and nothing is kept — a report printing them all (a view per frame was a fifth of printing a long
   * capture, measured). `buf` is shared: read the frame's bytes before returning.
   */
  forEachFrame(fn: (buf: Uint8Array, off: number, len: number, dir: 'in' | 'out', i: number) => boolean | void): void {
    for (let i = 0; i < this.n; i++) {
      if (fn(this.chunks[this.chunkOf[i] as number] as Uint8Array, this.offsets[i] as number, this.lengths[i] as number, this.dirs[i] === 0 ? 'in' : 'out', i) === false) return;
    }
  }

  /** Every frame so far, in order; each an object from here on (made once, on the first read). */
  get frames(): readonly TappedFrame[] {
    for (let i = this.materialized.length; i < this.n; i++) {
      const off = this.offsets[i] as number;
      const data = (this.chunks[this.chunkOf[i] as number] as Uint8Array).subarray(off, off + (this.lengths[i] as number));
      this.materialized.push({ t: this.times[i] as number, data, dir: this.dirs[i] === 0 ? 'in' : 'out', pkt: this.pkts[i] as number, seq: this.seqs[i] as number });
    }
    return this.materialized;
  }

  private grow(): void {
    const size = this.times.length * 2;
    const more = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.times = more(this.times, (k) => new Float64Array(k));
    this.pkts = more(this.pkts, (k) => new Int32Array(k));
    this.seqs = more(this.seqs, (k) => new Int32Array(k));
    this.dirs = more(this.dirs, (k) => new Uint8Array(k));
    this.chunkOf = more(this.chunkOf, (k) => new Int32Array(k));
    this.offsets = more(this.offsets, (k) => new Int32Array(k));
    this.lengths = more(this.lengths, (k) => new Int32Array(k));
  }
}
