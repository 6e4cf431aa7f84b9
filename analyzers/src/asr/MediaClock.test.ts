import { describe, expect, it } from 'vitest';
import { MediaClock } from './MediaClock.ts';

describe('MediaClock', () => {
  it('maps contiguous chunks, gaps and padding from engine time to media time', () => {
    const c = new MediaClock();
    expect(c.appendMedia(5, 1600)).toBe(0); // 5.0–5.1
    expect(c.appendMedia(5.1, 1600)).toBe(0); // contiguous
    expect(c.toMediaSec(0.15)).toBeCloseTo(5.15, 9);
    expect(c.gapTo(9)).toBeCloseTo(3.8, 9);
    expect(c.gapTo(5.2)).toBe(0);
    expect(c.appendMedia(9, 1600)).toBeCloseTo(3.8, 9); // DTX gap of 3.8 s
    expect(c.toMediaSec(0.25)).toBeCloseTo(9.05, 9);
    c.appendPadding(16_000); // 1 s of engine-only silence
    expect(c.toMediaSec(0.8)).toBeCloseTo(9.1, 9); // inside padding → where padding began
    c.appendMedia(9.1, 1600);
    expect(c.toMediaSec(1.35)).toBeCloseTo(9.15, 9);
    c.forgetBefore(1.3);
    expect(c.toMediaSec(1.35)).toBeCloseTo(9.15, 9);
    expect(c.engineSampleCount).toBe(1600 * 4 + 16_000);
  });
});
