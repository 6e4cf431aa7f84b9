import { describe, expect, it } from 'vitest';
import { OneEuroFilter } from './OneEuroFilter.ts';

/** Deterministic pseudo-random noise in [-1, 1]. */
function noise(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 30) - 1;
}

describe('OneEuroFilter (Casiez et al. 2012)', () => {
  it('passes the first sample and a constant through', () => {
    const f = new OneEuroFilter({ minCutoffHz: 1, beta: 0 });
    expect(f.filter(3, 0)).toBe(3);
    expect(f.filter(3, 0.2)).toBeCloseTo(3, 12);
  });

  it('reduces jitter at rest (5 Hz samples) by at least 40 %', () => {
    const f = new OneEuroFilter({ minCutoffHz: 0.5, beta: 4 });
    const n = noise(1);
    const raw: number[] = [];
    const out: number[] = [];
    for (let i = 0; i < 200; i++) {
      const v = 0.5 + 0.01 * n();
      raw.push(v);
      out.push(f.filter(v, i * 0.2));
    }
    const sd = (a: number[]) => Math.sqrt(a.reduce((s, v) => s + (v - 0.5) ** 2, 0) / a.length);
    expect(sd(out.slice(20))).toBeLessThan(0.6 * sd(raw.slice(20)));
  });

  it('follows fast movement with little lag when beta is high', () => {
    const slow = new OneEuroFilter({ minCutoffHz: 1.2, beta: 0 });
    const fast = new OneEuroFilter({ minCutoffHz: 1.2, beta: 4 });
    let s = 0, q = 0;
    for (let i = 0; i <= 10; i++) {
      const v = i * 0.05; // 0.25 units/s ramp at 5 Hz
      s = slow.filter(v, i * 0.2);
      q = fast.filter(v, i * 0.2);
    }
    expect(Math.abs(0.5 - q)).toBeLessThan(Math.abs(0.5 - s));
  });

  it('ignores duplicate timestamps and restarts after reset', () => {
    const f = new OneEuroFilter({ minCutoffHz: 1, beta: 0 });
    f.filter(1, 0);
    expect(f.filter(5, 0)).toBe(1);
    f.reset();
    expect(f.filter(5, 1)).toBe(5);
  });
});
