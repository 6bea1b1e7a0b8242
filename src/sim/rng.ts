/**
 * The simulator's only source of randomness. A seed fixes every MAC address, ICMP id, IP id and
 * randomised timer (the kernel's reachable_time is random in [base/2, 3·base/2]), so the same scenario
 * and seed give the same trace, byte for byte. sfc32: small, fast, and good enough for this.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 12; i++) this.next32();
  }

  next32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.next32() / 0x1_0000_0000) * n);
  }

  /** A locally administered unicast MAC, as the kernel's eth_random_addr makes for a veth or bridge. */
  mac(): string {
    const b = [this.next32() & 0xff, this.next32() & 0xff, this.next32() & 0xff, this.next32() & 0xff, this.next32() & 0xff, this.next32() & 0xff];
    b[0] = ((b[0] as number) & 0xfe) | 0x02;
    return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
  }
}
