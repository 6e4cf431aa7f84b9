/**
 * Small deterministic PRNG (mulberry32, Tommy Ettinger's public-domain 32-bit generator) so
 * bootstrap intervals are reproducible for the same input and seed. Not cryptographic.
 */
export class SeededRandom {
  private state: number;

  /** @param seed any integer; the same seed gives the same sequence. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next float uniformly in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Next integer uniformly in [0, n) (n ≥ 1). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}
