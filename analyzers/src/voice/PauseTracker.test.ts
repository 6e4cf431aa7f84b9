import { describe, expect, it } from 'vitest';
import { PauseTracker } from './PauseTracker.ts';
import type { FinishedPause } from './PauseTrackerTypes.ts';

const CHUNK = 0.032;

/** Feeds chunk probabilities from t = 0 and returns the finished pauses. */
function run(t: PauseTracker, probs: number[]): FinishedPause[] {
  const out: FinishedPause[] = [];
  probs.forEach((p, i) => {
    const r = t.update(p, i * CHUNK, (i + 1) * CHUNK);
    if (r !== null) out.push(r);
  });
  return out;
}
const repeat = (p: number, n: number): number[] => new Array<number>(n).fill(p);

describe('PauseTracker (Silero get_speech_timestamps hysteresis)', () => {
  it('reports the silence between two speech stretches with start/end at chunk starts', () => {
    const t = new PauseTracker();
    const pauses = run(t, [...repeat(0, 5), ...repeat(0.9, 20), ...repeat(0.05, 25), ...repeat(0.9, 10)]);
    expect(pauses).toHaveLength(1);
    expect(pauses[0]!.startSec).toBeCloseTo(25 * CHUNK, 9);
    expect(pauses[0]!.endSec).toBeCloseTo(50 * CHUNK, 9);
    expect(pauses[0]!.durationSec).toBeCloseTo(25 * CHUNK, 9);
    expect(t.isSpeech).toBe(true);
  });

  it('does not count leading silence as a pause', () => {
    const t = new PauseTracker();
    expect(run(t, [...repeat(0, 50), ...repeat(0.9, 5)])).toEqual([]);
    expect(t.currentPauseSec(2)).toBe(0);
  });

  it('keeps speech through dips shorter than minSilenceSec and through 0.35–0.5 probabilities', () => {
    const t = new PauseTracker({ minSilenceSec: 0.15 });
    const probs = [...repeat(0.9, 10), ...repeat(0.1, 3), ...repeat(0.9, 5), ...repeat(0.4, 30), ...repeat(0.9, 3)];
    expect(run(t, probs)).toEqual([]);
    expect(t.isSpeech).toBe(true);
  });

  it('ignores silences shorter than MIN_PAUSE_SEC (0.25 s)', () => {
    const t = new PauseTracker();
    expect(run(t, [...repeat(0.9, 10), ...repeat(0.0, 7), ...repeat(0.9, 10)])).toEqual([]); // 224 ms
    expect(run(new PauseTracker(), [...repeat(0.9, 10), ...repeat(0.0, 8), ...repeat(0.9, 10)])).toHaveLength(1); // 256 ms
  });

  it('tracks the current pause length and the speaking ratio', () => {
    const t = new PauseTracker();
    run(t, [...repeat(0.9, 50), ...repeat(0, 50)]); // 1.6 s speech, 1.6 s silence
    expect(t.isSpeech).toBe(false);
    expect(t.currentPauseSec(100 * CHUNK)).toBeCloseTo(50 * CHUNK, 9);
    expect(t.speakingRatio(100 * CHUNK)).toBeCloseTo(0.5, 9);
    expect(t.speakingRatio(0)).toBe(0);
  });

  it('validates thresholds', () => {
    expect(() => new PauseTracker({ threshold: 0.3, negThreshold: 0.5 })).toThrow(RangeError);
  });
});
