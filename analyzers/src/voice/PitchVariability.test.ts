import { describe, expect, it } from 'vitest';
import { PitchVariability, semitoneSd } from './PitchVariability.ts';

describe('PitchVariability (SD of 12·log2(f/median) over the last 10 s)', () => {
  it('is null until 1 s of voiced windows, then 0 for a monotone voice', () => {
    const v = new PitchVariability();
    for (let i = 0; i < 9; i++) expect(v.push(i * 0.1, 120)).toBeNull();
    expect(v.push(0.9, null)).toBeNull(); // unvoiced windows do not count
    expect(v.push(1.0, 120)).toBe(0);
  });

  it('measures ±2 semitone alternation as sqrt(8/3) st', () => {
    const v = new PitchVariability();
    const f = [100 * 2 ** (-2 / 12), 100, 100 * 2 ** (2 / 12)];
    let last: number | null = null;
    for (let i = 0; i < 30; i++) last = v.push(i * 0.1, f[i % 3]!);
    expect(last).toBeCloseTo(Math.sqrt(8 / 3), 6);
  });

  it('forgets windows older than the span', () => {
    const v = new PitchVariability({ spanSec: 10 });
    for (let i = 0; i < 50; i++) v.push(i * 0.1, i % 2 === 0 ? 100 : 200); // very variable
    let last: number | null = null;
    for (let i = 50; i < 160; i++) last = v.push(i * 0.1, 150); // 11 s of monotone
    expect(last).toBe(0);
    expect(v.valueAt(40)).toBeNull(); // nothing voiced in (30, 40]
  });

  it('semitoneSd is register-independent', () => {
    const low = Float64Array.from([100, 110, 120, 90]);
    const high = Float64Array.from([200, 220, 240, 180]);
    expect(semitoneSd(low)).toBeCloseTo(semitoneSd(high), 10);
    expect(semitoneSd(new Float64Array(0))).toBe(0);
  });
});
