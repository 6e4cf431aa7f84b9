import { describe, expect, it } from 'vitest';
import { bandScore } from './bandScore.ts';
import { MovingBlockBootstrap } from './MovingBlockBootstrap.ts';
import { rubricV1 } from './rubricV1.ts';
import { SUBSCORE_KEYS, type Rubric, type RubricResult, type Subscore } from './RubricTypes.ts';
import { getRubric, LATEST_RUBRIC_VERSION, RUBRICS, scoreSession } from './score.ts';
import { SeededRandom } from './SeededRandom.ts';
import { syntheticSession } from '../../test/syntheticSession.ts';
import { buildCells, scoredSpan, sumStats, timelineContext } from './timeline.ts';

const goodBody = { shoulderTiltDeg: 2, torsoLeanDeg: 1, gestureSwPerSec: 0.8, facingRatio: 0.9 };

function sub(r: RubricResult, k: (typeof SUBSCORE_KEYS)[number]): Subscore {
  const s = r.subscores[k];
  if (!s) throw new Error(`${k} is null`);
  return s;
}

describe('bandScore', () => {
  it('is 100 inside the band and falls off smoothly and monotonically outside', () => {
    expect(bandScore(140, 120, 160, 25)).toBe(100);
    expect(bandScore(120, 120, 160, 25)).toBe(100);
    expect(bandScore(95, 120, 160, 25)).toBeCloseTo(100 * Math.exp(-0.5), 6);
    expect(bandScore(119.9, 120, 160, 25)).toBeGreaterThan(99.9);
    expect(bandScore(90, 120, 160, 25)).toBeGreaterThan(bandScore(80, 120, 160, 25));
    expect(bandScore(170, 0, 160, 25, 5)).toBeCloseTo(100 * Math.exp(-2), 6);
  });
  it('rejects an inverted band or a non-positive width', () => {
    expect(() => bandScore(1, 2, 1, 1)).toThrow(RangeError);
    expect(() => bandScore(1, 0, 1, 0)).toThrow(RangeError);
  });
});

describe('SeededRandom and MovingBlockBootstrap', () => {
  it('repeat for the same seed', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    for (const x of xs) expect(x).toBeGreaterThanOrEqual(0), expect(x).toBeLessThan(1);
  });
  it('uses every overlapping block and resamples about the original length', () => {
    const input = syntheticSession({ durationSec: 30 });
    const ctx = timelineContext(input, 2, 15);
    const cells = buildCells(input, ctx, 1, scoredSpan(input));
    expect(cells).toHaveLength(30);
    const mbb = new MovingBlockBootstrap(cells, 10);
    expect(mbb.blockCount).toBe(21);
    const spanSec = sumStats(cells).durationSec; // first word start → last word end, 29.85 s
    // 3 blocks of 10 cells; only blocks holding the short last cell are shorter than 10 s.
    for (const r of mbb.resample(20, 3)) expect(Math.abs(r.durationSec - spanSec)).toBeLessThanOrEqual(1);
    expect(new MovingBlockBootstrap(cells.slice(0, 4), 10).blockCount).toBe(1);
  });
});

describe('scoreSession (rubric v1)', () => {
  it('pace: 150 WPM scores ≥ 90, 90 and 220 WPM clearly lower', () => {
    const r150 = scoreSession(syntheticSession({ wpm: 150 }));
    const r90 = scoreSession(syntheticSession({ wpm: 90 }));
    const r220 = scoreSession(syntheticSession({ wpm: 220 }));
    // WPM = words / span (first word start → last word end), so within a word of the nominal rate.
    expect(Math.abs(sub(r150, 'pace').value.wpm! - 150)).toBeLessThan(1.5);
    expect(sub(r150, 'pace').score).toBeGreaterThanOrEqual(90);
    expect(Math.abs(sub(r90, 'pace').value.wpm! - 90)).toBeLessThan(1.5);
    expect(sub(r90, 'pace').score).toBeLessThan(60);
    expect(sub(r220, 'pace').score).toBeLessThan(20);
    expect(sub(r150, 'pace').reference).toMatchObject({ quantity: 'wpm', low: 120, high: 160, unit: 'words/min' });
  });

  it('fillers: 0/min scores high, 10/min low', () => {
    const r0 = scoreSession(syntheticSession({ fillersPerMin: 0 }));
    const r10 = scoreSession(syntheticSession({ fillersPerMin: 10 }));
    expect(sub(r0, 'fillers').score).toBe(100);
    expect(sub(r10, 'fillers').value.fillersPerMin).toBeCloseTo(10, 0);
    expect(sub(r10, 'fillers').score).toBeLessThan(10);
  });

  it('pitch variety: flat F0 (SD 0.5 st) scores low, varied (SD 4 st) high', () => {
    const flat = scoreSession(syntheticSession({ f0SdSt: 0.5 }));
    const varied = scoreSession(syntheticSession({ f0SdSt: 4 }));
    expect(sub(flat, 'pitchVariety').value.f0SdSemitones).toBeCloseTo(0.5, 1);
    expect(sub(varied, 'pitchVariety').value.f0SdSemitones).toBeCloseTo(4, 0);
    expect(sub(flat, 'pitchVariety').score).toBeLessThan(25);
    expect(sub(varied, 'pitchVariety').score).toBeGreaterThanOrEqual(95);
  });

  it('pauses: 0.7 s pauses score high; frequent 3 s pauses low, with the long pauses as evidence', () => {
    const ok = scoreSession(syntheticSession({ pauseLenSec: 0.7 }));
    const long = scoreSession(syntheticSession({ pauseLenSec: 3, pauseEverySec: 8 }));
    expect(sub(ok, 'pauses').value).toMatchObject({ longPauseShare: 0 });
    expect(sub(ok, 'pauses').value.meanPauseSec).toBeCloseTo(0.7, 6);
    expect(sub(ok, 'pauses').score).toBe(100);
    expect(sub(long, 'pauses').value.longPauseShare).toBe(1);
    expect(sub(long, 'pauses').score).toBeLessThan(20);
    expect(sub(long, 'pauses').evidence.length).toBeGreaterThan(0);
  });

  it('volume: steady speech scores high, a voice that keeps dropping away scores lower', () => {
    const steady = scoreSession(syntheticSession({ levelSdDb: 5 }));
    const erratic = scoreSession(syntheticSession({ levelSdDb: 14 }));
    expect(sub(steady, 'volume').score).toBeGreaterThanOrEqual(90);
    expect(sub(erratic, 'volume').value.quietShare).toBeGreaterThan(0.1);
    expect(sub(erratic, 'volume').score).toBeLessThan(sub(steady, 'volume').score - 30);
  });

  it('evidence points at the worst 10 s block', () => {
    const r = scoreSession(syntheticSession({ durationSec: 60, wpm: (b) => (b === 3 ? 230 : 145) }));
    const ev = sub(r, 'pace').evidence;
    expect(ev[0]!.startSec).toBeCloseTo(30.05, 6);
    expect(ev[0]!.endSec).toBeCloseTo(40.05, 6);
    expect(ev[0]!.note).toMatch(/^wpm \d+ \(reference 120–160 words\/min\)$/);
  });

  it('body subscores are null without body frames and the overall excludes them', () => {
    const input = syntheticSession({ wpm: 100, f0SdSt: 1.5 });
    const r = scoreSession(input);
    for (const k of ['posture', 'gestures', 'eyeContact'] as const) expect(r.subscores[k]).toBeNull();
    const voiceKeys = ['pace', 'fillers', 'pauses', 'pitchVariety', 'volume'] as const;
    const w = rubricV1.weights;
    const expected =
      voiceKeys.reduce((a, k) => a + w[k] * sub(r, k).score, 0) / voiceKeys.reduce((a, k) => a + w[k], 0);
    expect(r.overall!.score).toBeCloseTo(expected, 9);

    const withBody = scoreSession({ ...input, body: syntheticSession({ body: goodBody }).body });
    for (const k of ['posture', 'gestures', 'eyeContact'] as const) expect(sub(withBody, k).score).toBe(100);
    expect(withBody.overall!.score).toBeGreaterThan(r.overall!.score);
    expect(scoreSession({ ...input, body: [] }).subscores.posture).toBeNull();
  });

  it('each 95 % interval contains its point estimate and lies in 0–100', () => {
    const r = scoreSession(syntheticSession({ wpm: (b) => 100 + 15 * b, fillersPerMin: 3, f0SdSt: 2, body: goodBody }));
    for (const k of SUBSCORE_KEYS) {
      const s = sub(r, k);
      expect(s.ci95[0]).toBeLessThanOrEqual(s.score);
      expect(s.ci95[1]).toBeGreaterThanOrEqual(s.score);
      expect(s.ci95[0]).toBeGreaterThanOrEqual(0);
      expect(s.ci95[1]).toBeLessThanOrEqual(100);
    }
    expect(r.overall!.ci95[0]).toBeLessThanOrEqual(r.overall!.score);
    expect(r.overall!.ci95[1]).toBeGreaterThanOrEqual(r.overall!.score);
  });

  it('the interval narrows with more data', () => {
    // Pace alternates by block between 95 and 135 WPM: the spread the bootstrap must pick up.
    const wpm = (b: number): number => (b % 2 === 0 ? 95 : 135);
    const width = (r: RubricResult): number => sub(r, 'pace').ci95[1] - sub(r, 'pace').ci95[0];
    const short = scoreSession(syntheticSession({ durationSec: 60, wpm }));
    const long = scoreSession(syntheticSession({ durationSec: 600, wpm }));
    expect(width(short)).toBeGreaterThan(0);
    expect(width(long)).toBeLessThan(width(short) * 0.6);
    const ow = (r: RubricResult): number => r.overall!.ci95[1] - r.overall!.ci95[0];
    expect(ow(long)).toBeLessThan(ow(short));
  });

  it('a session shorter than one block has zero-width intervals', () => {
    const r = scoreSession(syntheticSession({ durationSec: 8 }));
    expect(sub(r, 'pace').ci95[0]).toBe(sub(r, 'pace').score);
    expect(sub(r, 'pace').ci95[1]).toBe(sub(r, 'pace').score);
  });

  it('is deterministic for the same input', () => {
    const input = syntheticSession({ wpm: (b) => 110 + 10 * (b % 3), fillersPerMin: 2, f0SdSt: 2.2, body: goodBody });
    expect(scoreSession(input)).toEqual(scoreSession(structuredClone(input)));
  });

  it('returns null scores for an empty recording instead of throwing', () => {
    const r = scoreSession({ durationSec: 30, voice: [], pauses: [], words: [], fillers: [] });
    for (const k of SUBSCORE_KEYS) expect(r.subscores[k]).toBeNull();
    expect(r.overall).toBeNull();
    expect(() => scoreSession({ durationSec: 0, voice: [], pauses: [], words: [], fillers: [] })).toThrow(RangeError);
  });
});

describe('rubric versions', () => {
  it('registers v1 as the latest and rejects unknown versions', () => {
    expect(LATEST_RUBRIC_VERSION).toBe('v1');
    expect(getRubric()).toBe(rubricV1);
    expect(RUBRICS.v1).toBe(rubricV1);
    expect(() => getRubric('v0')).toThrow(/unknown rubric version "v0".*v1/);
    expect(scoreSession(syntheticSession()).rubricVersion).toBe('v1');
  });

  it('a v2 rubric with different weights re-scores the same session differently and records its version', () => {
    const v2: Rubric = {
      ...rubricV1,
      version: 'test-v2',
      description: 'test only: pace counts for everything',
      weights: { pace: 1, fillers: 0, pauses: 0, pitchVariety: 0, volume: 0, posture: 0, gestures: 0, eyeContact: 0 },
    };
    const input = syntheticSession({ wpm: 100, fillersPerMin: 0, f0SdSt: 4 });
    const v1r = scoreSession(input, getRubric('v1'));
    const v2r = scoreSession(input, v2);
    expect(v2r.rubricVersion).toBe('test-v2');
    expect(v1r.rubricVersion).toBe('v1');
    expect(v2r.subscores).toEqual(v1r.subscores);
    expect(v2r.overall!.score).toBeCloseTo(sub(v2r, 'pace').score, 9);
    expect(v2r.overall!.score).toBeLessThan(v1r.overall!.score - 5);
  });
});

describe('timeline statistics', () => {
  it('the sum of cells counts every word, filler, pause and window once', () => {
    const input = syntheticSession({ durationSec: 25, fillersPerMin: 6, body: goodBody });
    const cells = buildCells(input, timelineContext(input, 2, 15), 1, scoredSpan(input));
    const t = sumStats(cells);
    expect(t.words).toBe(input.words.length);
    expect(t.fillers).toBe(input.fillers.length);
    expect(t.pauses).toBe(input.pauses.length);
    expect(t.speech + input.voice.filter((v) => !v.isSpeech).length).toBe(input.voice.length);
    expect(t.posture).toBe(input.body!.length);
  });
});
