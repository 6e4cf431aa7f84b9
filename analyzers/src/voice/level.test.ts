import { describe, expect, it } from 'vitest';
import { loadTruth, segment, speech16k } from '../../test/fixtures.ts';
import { LEVEL_FLOOR_DBFS, levelDbfs, rmsToDbfs } from './level.ts';

const sine = (amp: number, hz = 440, n = 16000): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / 16000));

describe('levelDbfs (20·log10 RMS, contract convention)', () => {
  it('is 0 dBFS for a full-scale square wave and −3.01 dBFS for a full-scale sine', () => {
    const square = Float32Array.from({ length: 1600 }, (_, i) => (Math.floor(i / 20) % 2 === 0 ? 1 : -1));
    expect(levelDbfs(square)).toBeCloseTo(0, 6);
    expect(levelDbfs(sine(1))).toBeCloseTo(-3.0103, 3);
  });

  it('scales 20 dB per decade of amplitude', () => {
    expect(levelDbfs(sine(0.1))).toBeCloseTo(-23.0103, 3);
    expect(levelDbfs(sine(0.01))).toBeCloseTo(-43.0103, 3);
  });

  it('floors digital silence and empty input at −100 dBFS and clamps above 0', () => {
    expect(levelDbfs(new Float32Array(1600))).toBe(LEVEL_FLOOR_DBFS);
    expect(levelDbfs(new Float32Array(0))).toBe(LEVEL_FLOOR_DBFS);
    expect(levelDbfs(new Float32Array(16).fill(1e-7))).toBe(LEVEL_FLOOR_DBFS);
    expect(rmsToDbfs(2)).toBe(0);
  });

  it('measures the fixture\'s B-quiet utterance 12 dB below B', () => {
    const truth = loadTruth();
    const pcm = speech16k();
    const seg = (label: string): Float32Array => {
      const s = segment(truth, label);
      return pcm.subarray(Math.round(s.startSec * 16000), Math.round(s.endSec * 16000));
    };
    expect(levelDbfs(seg('B')) - levelDbfs(seg('B-quiet'))).toBeCloseTo(12, 1);
    expect(levelDbfs(seg('B'))).toBeGreaterThan(-40);
  });
});
