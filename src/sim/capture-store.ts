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
/**
 * Frames per block of the columns. The first block doubles from INITIAL up to a block (a capture of a
 * few frames stays small); after it, blocks are added and never copied — doubling one array per column
 * copied a long capture's columns some twenty times over fresh memory (6 % of a captured flood, measured).
 */
const BLOCK_BITS = 14;
const BLOCK = 1 << BLOCK_BITS;
/** A frame's integers in its block: packet id, trace position, chunk, offset, length, direction. */
const INTS = 6;
const PKT = 0;
const SEQ = 1;
const CHUNK_OF = 2;
const OFFSET = 3;
const LENGTH = 4;
const DIR = 5;

export class CaptureTap {
  /** The device went away under the capture. */
  gone = false;
  /** The device is down: packet_notifier took the capture's hook off it until the device is up again. */
  unhooked = false;
  private n = 0;
  /** Each frame's virtual time, by block. */
  private readonly timeBlocks: Float64Array[] = [new Float64Array(INITIAL)];
  /** Each frame's integers (INTS of them), by block. */
  private readonly intBlocks: Int32Array[] = [new Int32Array(INITIAL * INTS)];
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
    const block = i >>> BLOCK_BITS;
    const slot = i & (BLOCK - 1);
    if (slot === 0 && block > 0) {
      this.timeBlocks.push(new Float64Array(BLOCK));
      this.intBlocks.push(new Int32Array(BLOCK * INTS));
    } else if (block === 0 && slot === (this.timeBlocks[0] as Float64Array).length) this.growFirst();
    const len = data.length;
    let chunk = this.chunks.length - 1;
    let offset: number;
    if (len > CHUNK) {
      this.chunks.push(data.slice());
      chunk = this.chunks.length - 1;
      offset = 0;
      this.used = CHUNK;
    } else {
      if (this.used + len > CHUNK) {
        this.chunks.push(new Uint8Array(CHUNK));
        chunk = this.chunks.length - 1;
        this.used = 0;
      }
      offset = this.used;
      (this.chunks[chunk] as Uint8Array).set(data, offset);
      this.used += len;
    }
    (this.timeBlocks[block] as Float64Array)[slot] = t;
    const ints = this.intBlocks[block] as Int32Array;
    const at = slot * INTS;
    ints[at + PKT] = pkt;
    ints[at + SEQ] = seq;
    ints[at + CHUNK_OF] = chunk;
    ints[at + OFFSET] = offset;
    ints[at + LENGTH] = len;
    ints[at + DIR] = dir === 'in' ? 0 : 1;
    this.n = i + 1;
  }

  /**
   * Each frame in order, where its bytes lie in the arena (`buf` from `off`, `len` long): no view is made
   * and nothing is kept — a report printing them all (a view per frame was a fifth of printing a long
   * capture, measured). `buf` is shared: read the frame's bytes before returning.
   */
  forEachFrame(fn: (buf: Uint8Array, off: number, len: number, dir: 'in' | 'out', i: number) => boolean | void): void {
    for (let i = 0; i < this.n; i++) {
      const ints = this.intBlocks[i >>> BLOCK_BITS] as Int32Array;
      const at = (i & (BLOCK - 1)) * INTS;
      if (fn(this.chunks[ints[at + CHUNK_OF] as number] as Uint8Array, ints[at + OFFSET] as number, ints[at + LENGTH] as number, ints[at + DIR] === 0 ? 'in' : 'out', i) === false) return;
    }
  }

  /** Every frame so far, in order; each an object from here on (made once, on the first read). */
  get frames(): readonly TappedFrame[] {
    for (let i = this.materialized.length; i < this.n; i++) {
      const ints = this.intBlocks[i >>> BLOCK_BITS] as Int32Array;
      const at = (i & (BLOCK - 1)) * INTS;
      const off = ints[at + OFFSET] as number;
      const data = (this.chunks[ints[at + CHUNK_OF] as number] as Uint8Array).subarray(off, off + (ints[at + LENGTH] as number));
      const t = (this.timeBlocks[i >>> BLOCK_BITS] as Float64Array)[i & (BLOCK - 1)] as number;
      this.materialized.push({ t, data, dir: ints[at + DIR] === 0 ? 'in' : 'out', pkt: ints[at + PKT] as number, seq: ints[at + SEQ] as number });
    }
    return this.materialized;
  }

  /** The first block, doubled (up to a whole block). */
  private growFirst(): void {
    const times = this.timeBlocks[0] as Float64Array;
    const size = Math.min(times.length * 2, BLOCK);
    const t = new Float64Array(size);
    t.set(times);
    const ints = new Int32Array(size * INTS);
    ints.set(this.intBlocks[0] as Int32Array);
    this.timeBlocks[0] = t;
    this.intBlocks[0] = ints;
  }
}
