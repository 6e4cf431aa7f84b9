import { describe, expect, it } from 'vitest';
import { loadTruth, segment, speech16k } from '../../test/fixtures.ts';
import { PitchTracker } from './PitchTracker.ts';
import { percentile } from '../util/percentile.ts';
import { sortedCopy } from './statistics.ts';

/** A harmonic complex (glottal-like: 1/k amplitudes) at f0 Hz. */
function voiced(f0: number, amp = 0.3, n = 1600): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => {
    let x = 0;
    for (let k = 1; k * f0 < 4000; k++) x += Math.sin((2 * Math.PI * k * f0 * i) / 16000) / k;
    return amp * x * 0.5;
  });
}

describe('PitchTracker (YIN)', () => {
  it('finds F0 of harmonic tones across the speaking range, at any level', () => {
    const t = new PitchTracker();
    for (const f0 of [80, 110, 150, 220, 300]) {
      for (const amp of [0.5, 0.05, 0.005]) expect(t.estimate(voiced(f0, amp))).toBeCloseTo(f0, -0.5); // ±1.6 Hz
    }
  });

  it('returns null for silence, noise, input below −60 dBFS and too-short input', () => {
    const t = new PitchTracker();
    expect(t.estimate(new Float32Array(1600))).toBeNull();
    let seed = 7;
    const noise = Float32Array.from({ length: 1600 }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.5);
    expect(t.estimate(noise)).toBeNull();
    expect(t.estimate(voiced(150).subarray(0, 400))).toBeNull();
    expect(t.estimate(voiced(150, 0.001))).toBeNull(); // ≈ −67 dBFS: not analysed
  });

  it('gives a plausible adult F0 on the real speech fixture, independent of level (B vs B-quiet)', () => {
    const truth = loadTruth();
    const pcm = speech16k();
    const t = new PitchTracker();
    const f0sOf = (label: string): number[] => {
      const s = segment(truth, label);
      const out: number[] = [];
      for (let i = Math.round(s.startSec * 16000); i + 1600 <= s.endSec * 16000; i += 1600) {
        const f0 = t.estimate(pcm.subarray(i, i + 1600));
        if (f0 !== null) out.push(f0);
      }
      return sortedCopy(out);
    };
    const all = sortedCopy(['A', 'B', 'C', 'D'].flatMap(f0sOf));
    const windows = truth.segments.filter((s) => s.label !== 'B-quiet').reduce((n, s) => n + (s.endSec - s.startSec) * 10, 0);
    expect(all.length / windows).toBeGreaterThan(0.4); // most windows of read speech are voiced
    const median = percentile(all, 50)!;
    expect(median).toBeGreaterThan(70); // an adult male reader: ≈ 100 Hz
    expect(median).toBeLessThan(300);
    expect(percentile(all, 5)!).toBeGreaterThanOrEqual(60);
    expect(percentile(all, 95)!).toBeLessThan(250);

    const b = f0sOf('B');
    const quiet = f0sOf('B-quiet');
    expect(quiet.length).toBeGreaterThanOrEqual(b.length * 0.8); // 12 dB quieter: still voiced
    expect(Math.abs(12 * Math.log2(percentile(quiet, 50)! / percentile(b, 50)!))).toBeLessThan(1); // < 1 semitone apart
  });

  it('rejects an empty F0 range', () => {
    expect(() => new PitchTracker({ minF0Hz: 300, maxF0Hz: 100 })).toThrow(RangeError);
  });
});
