import { describe, expect, it } from 'vitest';
import { percentile, percentileOf } from './percentile.ts';

describe('percentile (Hyndman–Fan type 7, NumPy default)', () => {
  // Known answers from numpy: np.percentile([1, 2, 3, 4], [0, 25, 50, 75, 90, 95, 100])
  //   → [1.0, 1.75, 2.5, 3.25, 3.7, 3.85, 4.0]
  it('matches NumPy on [1, 2, 3, 4]', () => {
    const x = [1, 2, 3, 4];
    const want = [1, 1.75, 2.5, 3.25, 3.7, 3.85, 4];
    [0, 25, 50, 75, 90, 95, 100].forEach((p, i) => expect(percentile(x, p)).toBeCloseTo(want[i]!, 12));
  });

  // np.percentile([15, 20, 35, 40, 50], [5, 30, 40, 50, 99]) → [16.0, 23.0, 29.0, 35.0, 49.6]
  it('matches NumPy on [15, 20, 35, 40, 50]', () => {
    const x = [15, 20, 35, 40, 50];
    const want = [16, 23, 29, 35, 49.6];
    [5, 30, 40, 50, 99].forEach((p, i) => expect(percentile(x, p)).toBeCloseTo(want[i]!, 12));
  });

  it('handles one value, empty input and out-of-range p', () => {
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNull();
    expect(percentile([1, 2], -5)).toBe(1);
    expect(percentile([1, 2], 150)).toBe(2);
  });

  it('percentileOf sorts a copy numerically (not as strings) and leaves the input alone', () => {
    const x = [10, 9, 100, 1];
    expect(percentileOf(x, 50)).toBe(9.5);
    expect(percentileOf(new Set([3, 1, 2]), 100)).toBe(3);
    expect(x).toEqual([10, 9, 100, 1]);
    expect(percentileOf([], 50)).toBeNull();
  });
});
