import { beforeEach, describe, expect, it } from 'vitest';
import { NUDGE_RULES, type RoomMessage } from '@lectern/contract';
import { rubricV1 } from '@lectern/analyzers/scoring';
import { type NudgeDecision, NudgeEngine } from './NudgeEngine.ts';

// Synthetic room messages (only the fields the engine reads differ between calls).
const base = { roomId: 'r', producerId: 'p', serverTimeMs: 0 };
const voice = (t: number, v: { speech?: boolean; levelDbfs?: number; pauseSec?: number; pitchSt?: number | null } = {}): RoomMessage => ({
  event: 'metrics:voice',
  payload: {
    ...base,
    kind: 'voice',
    mediaTimeSec: t,
    windowSec: 0.1,
    levelDbfs: v.levelDbfs ?? -20,
    f0Hz: 120,
    vadProb: v.speech === false ? 0.1 : 0.9,
    isSpeech: v.speech ?? true,
    pauseSec: v.pauseSec ?? 0,
    speakingRatio: 0.8,
    pitchVariabilitySt: v.pitchSt === undefined ? 4 : v.pitchSt,
    concealedPackets: 0,
  },
});
const fluency = (t: number, wpm30s: number | null): RoomMessage => ({
  event: 'metrics:fluency',
  payload: { ...base, mediaTimeSec: t, wpm30s, wpmOverall: wpm30s, articulationWpm: wpm30s, fillerCount: 0, fillersPerMin: 0, repetitionCount: 0, hedgeCount: 0 },
});
const m = (value: number | null) => ({ value, confidence: value === null ? 0 : 0.9 });
const body = (t: number, facing: number | null): RoomMessage => ({
  event: 'metrics:body',
  payload: {
    ...base,
    kind: 'body',
    mediaTimeSec: t,
    windowSec: 0.2,
    videoFrameAtMs: facing === null ? null : 0,
    frameWidthPx: 640,
    frameHeightPx: 480,
    poseFresh: true,
    poseAgeMs: 0,
    presence: { value: facing === null ? null : true, confidence: 0.9 },
    shoulderTiltDeg: m(0),
    headTiltDeg: m(0),
    torsoLeanDeg: m(0),
    facingRatio: m(facing),
    headYawDeg: m(0),
    gestureSwPerSec: m(0.5),
    swaySw: m(0.1),
    handsVisibleRatio: m(1),
    keypoints: [],
  },
});

/** Runs the engine over `[fromSec, toSec)` in steps of `stepSec`, `make(t)` giving the messages at t. */
function run(engine: NudgeEngine, fromSec: number, toSec: number, stepSec: number, make: (t: number) => RoomMessage[]): NudgeDecision[] {
  const fired: NudgeDecision[] = [];
  const n = Math.round((toSec - fromSec) / stepSec);
  for (let i = 0; i < n; i++) {
    const t = Math.round((fromSec + i * stepSec) * 1000) / 1000;
    for (const msg of make(t)) {
      const d = engine.observe(msg, t);
      if (d) fired.push(d);
    }
  }
  return fired;
}

/**
 * Caption finals of a talk: the first word ends at 0, each next one 60 / wpm s later (the rate
 * in force when it is spoken); each call returns one final with the words that ended by `t`.
 */
function captionsOfTalk(): (t: number, wpm: number) => RoomMessage[] {
  let nextEndSec = 0;
  let segmentId = 0;
  return (t, wpm) => {
    const words = [];
    for (; nextEndSec <= t + 1e-9; nextEndSec = Math.round((nextEndSec + 60 / wpm) * 1e6) / 1e6) words.push({ word: 'w', startSec: Math.max(0, nextEndSec - 0.2), endSec: nextEndSec, confidence: null });
    if (words.length === 0) return [];
    return [{ event: 'captions:update', payload: { ...base, kind: 'final', segmentId: segmentId++, text: words.map((w) => w.word).join(' '), words, engine: 'test' } }];
  };
}

/**
 * Normal, in-band speech every 100 ms with a 0.5 s pause every 10 s; once a second the captions
 * of a talk at `wpm` (default 150 WPM) and a fluency frame. Stateful (the captions): made anew
 * before each test.
 */
function talk() {
  const captions = captionsOfTalk();
  return (t: number, over: { wpm?: number; level?: number; pitchSt?: number | null; facing?: number | null } = {}): RoomMessage[] => {
    const inPause = t % 10 >= 9.5;
    const out = [inPause ? voice(t, { speech: false, pauseSec: (t % 10) - 9.4, pitchSt: over.pitchSt }) : voice(t, { levelDbfs: over.level, pitchSt: over.pitchSt })];
    if (Math.abs(t - Math.round(t)) < 1e-6) out.push(...captions(t, over.wpm ?? 150), fluency(t, over.wpm ?? 150));
    if (Math.abs(t * 5 - Math.round(t * 5)) < 1e-6 && over.facing !== undefined) out.push(body(t, over.facing));
    return out;
  };
}
let normal: ReturnType<typeof talk>;
beforeEach(() => {
  normal = talk();
});

describe('NudgeEngine', () => {
  it('stays silent while every metric is in its band', () => {
    const e = new NudgeEngine();
    expect(run(e, 0, 300, 0.1, (t) => normal(t, { facing: 0.9 }))).toEqual([]);
  });

  it('fires "Slow down" when the pace over the last 15 s is above 170 WPM, judged once 15 s of talk are covered', () => {
    const e = new NudgeEngine();
    // 200 WPM from the first word (at 0): 50 words end in (0, 15] → 200 WPM at 15 s, not before.
    const fired = run(e, 0, 30, 0.1, (t) => normal(t, { wpm: 200 }));
    expect(fired).toEqual([{ kind: 'pace', text: 'Slow down', mediaTimeSec: 15, metricValue: 200, threshold: 170, unit: 'WPM' }]);
    // The fluency frames' own 30 s pace is not what is judged: 200 there, 150 in the captions → no nudge.
    const e2 = new NudgeEngine();
    const talk150 = talk();
    expect(run(e2, 0, 60, 0.1, (t) => talk150(t, { wpm: 150 }).map((m) => (m.event === 'metrics:fluency' ? fluency(t, 200) : m)))).toEqual([]);
  });

  it('judges the pace of the last 15 s: a fast stretch fires once it dominates the window', () => {
    const e = new NudgeEngine();
    // 150 WPM for 20 s, then 220 WPM: the 15 s window passes 170 WPM once ≥ 30 % of it is fast
    // (150 · 0.7 + 220 · 0.3 = 171), i.e. about 4.5 s into the fast part.
    const fired = run(e, 0, 40, 0.1, (t) => normal(t, { wpm: t > 20 ? 220 : 150 }));
    expect(fired.map((d) => d.kind)).toEqual(['pace']);
    expect(fired[0]!.mediaTimeSec).toBeGreaterThanOrEqual(24);
    expect(fired[0]!.mediaTimeSec).toBeLessThanOrEqual(26);
    expect(fired[0]!.metricValue).toBeGreaterThan(170);
    // A short burst does not: 3 s at 220 WPM in a 150 WPM talk is 150 · 12/15 + 220 · 3/15 = 164 WPM over 15 s.
    const e2 = new NudgeEngine();
    const burst = talk();
    expect(run(e2, 0, 60, 0.1, (t) => burst(t, { wpm: t > 20 && t <= 23 ? 220 : 150 }))).toEqual([]);
  });

  it('exactly at the threshold is not outside ("above" is strict)', () => {
    const e = new NudgeEngine();
    expect(run(e, 0, 60, 0.1, (t) => normal(t, { level: -40 }))).toEqual([]);
  });

  it('fires at most one nudge per minIntervalSec, however many metrics are out', () => {
    const e = new NudgeEngine();
    // Fast, quiet, monotone and looking away, all from the start, for 5 minutes.
    const fired = run(e, 0, 300, 0.1, (t) => normal(t, { wpm: 200, level: -50, pitchSt: 1, facing: 0.2 }));
    expect(fired.length).toBe(15); // 5, 25, …, 285
    for (let i = 1; i < fired.length; i++) expect(fired[i]!.mediaTimeSec - fired[i - 1]!.mediaTimeSec).toBeGreaterThanOrEqual(20);
    // Strict priority: while the presenter is too quiet, "Louder" is the one repeated.
    expect(new Set(fired.map((d) => d.kind))).toEqual(new Set(['level']));
  });

  it('takes the first due rule in priority order (level, pace, pause, facing, pitch)', () => {
    expect(NUDGE_RULES.map((r) => r.kind)).toEqual(['level', 'pace', 'pause', 'facing', 'pitch']);
    const e = new NudgeEngine();
    // Fast from 0 (pace due at 15), quiet from 10 to 36 (level due at 15 as well): level wins at 15
    // and again at 35; once the level is fine, pace (due all along) fires at the next interval.
    const fired = run(e, 0, 60, 0.1, (t) => normal(t, { wpm: 200, level: t >= 10 && t < 36 ? -50 : undefined }));
    expect(fired.map((d) => [d.kind, d.mediaTimeSec])).toEqual([
      ['level', 15],
      ['level', 35],
      ['pace', 55],
    ]);
  });

  it('a rule that fired needs another full hold before it fires again', () => {
    const e = new NudgeEngine({ minIntervalSec: 1 });
    const fired = run(e, 0, 50, 0.1, (t) => normal(t, { wpm: 200 }));
    expect(fired.map((d) => d.mediaTimeSec)).toEqual([15, 30, 45]);
  });

  it('honours a configured interval, and 0 turns nudges off', () => {
    const slow = run(new NudgeEngine({ minIntervalSec: 45 }), 0, 200, 0.1, (t) => normal(t, { wpm: 200 }));
    expect(slow.map((d) => d.mediaTimeSec)).toEqual([15, 60, 105, 150, 195]);
    const off = new NudgeEngine({ minIntervalSec: 0 });
    expect(off.enabled).toBe(false);
    expect(run(off, 0, 200, 0.1, (t) => normal(t, { wpm: 200, level: -60 }))).toEqual([]);
    expect(() => new NudgeEngine({ minIntervalSec: -1 })).toThrow(RangeError);
    expect(() => new NudgeEngine({ maxGapSec: Number.NaN })).toThrow(RangeError);
  });

  it('"Louder" counts speech windows only: quiet silence is not quiet speech', () => {
    const e = new NudgeEngine();
    // Silence at −70 dBFS for a minute: never "Louder".
    expect(run(e, 0, 60, 0.1, (t) => [voice(t, { speech: false, levelDbfs: -70, pauseSec: t })])).toEqual([]);
    // Then speech at −46 dBFS: "Louder" 5 s later.
    const fired = run(e, 60, 70, 0.1, (t) => [voice(t, { levelDbfs: -46 })]);
    expect(fired.map((d) => [d.kind, d.mediaTimeSec, d.metricValue])).toEqual([['level', 65, -46]]);
  });

  it('drops an "outside" state after a gap without samples (missing data is not evidence)', () => {
    const e = new NudgeEngine();
    // 4 s of quiet speech, 3 s of silence (> maxGapSec 2 s), 4 s of quiet speech: never 5 s in a row.
    const fired = run(e, 0, 11, 0.1, (t) => [t >= 4 && t < 7 ? voice(t, { speech: false, levelDbfs: -70, pauseSec: 0.1 }) : voice(t, { levelDbfs: -46 })]);
    expect(fired).toEqual([]);
    // Short gaps (< 2 s, e.g. between words) do not reset the hold.
    const e2 = new NudgeEngine();
    const fired2 = run(e2, 0, 8, 0.1, (t) => [t % 2 >= 1.8 ? voice(t, { speech: false, levelDbfs: -70, pauseSec: 0.1 }) : voice(t, { levelDbfs: -46 })]);
    expect(fired2.map((d) => d.mediaTimeSec)).toEqual([5]);
  });

  it('fires "Pause" after 40 s of talk without a pause ≥ 250 ms, and short gaps do not count as pauses', () => {
    const e = new NudgeEngine();
    // Speech with a 200 ms gap every 5 s (below MIN_PAUSE_SEC): one run from 0.
    const fired = run(e, 0, 45, 0.1, (t) => [t % 5 >= 4.8 ? voice(t, { speech: false, pauseSec: (t % 5) - 4.7 }) : voice(t)]);
    expect(fired.map((d) => [d.kind, d.mediaTimeSec])).toEqual([['pause', 40.1]]);
    expect(fired[0]!.metricValue).toBeCloseTo(40.1, 5);
    // With a 300 ms pause every 30 s the run never reaches 40 s.
    const e2 = new NudgeEngine();
    expect(run(e2, 0, 200, 0.1, (t) => [t % 30 >= 29.6 ? voice(t, { speech: false, pauseSec: (t % 30) - 29.5 }) : voice(t)])).toEqual([]);
  });

  it('fires "Vary your pitch" after 20 s below 2 semitones; null (too little voicing) is no evidence', () => {
    const e = new NudgeEngine();
    const fired = run(e, 0, 30, 0.1, (t) => normal(t, { pitchSt: 1.4 }));
    expect(fired.map((d) => [d.kind, d.mediaTimeSec, d.metricValue])).toEqual([['pitch', 20, 1.4]]);
    expect(run(new NudgeEngine(), 0, 60, 0.1, (t) => normal(t, { pitchSt: null }))).toEqual([]);
  });

  it('fires "Look up" after 10 s facing below 0.5; no video (null) is no evidence', () => {
    const e = new NudgeEngine();
    const fired = run(e, 0, 15, 0.1, (t) => normal(t, { facing: 0.3 }));
    expect(fired.map((d) => [d.kind, d.mediaTimeSec, d.metricValue])).toEqual([['facing', 10, 0.3]]);
    expect(run(new NudgeEngine(), 0, 60, 0.1, (t) => normal(t, { facing: null }))).toEqual([]);
  });

  it('ignores messages that carry no nudged metric', () => {
    const e = new NudgeEngine();
    const status: RoomMessage = { event: 'analyzer:status', payload: { roomId: 'r', producerId: 'p', state: 'running' } };
    for (let t = 0; t < 100; t++) expect(e.observe(status, t)).toBeNull();
  });

  it("uses the rubric's reference bands (one definition each)", () => {
    const byKind = Object.fromEntries(NUDGE_RULES.map((r) => [r.kind, r.band]));
    const ref = rubricV1.metrics;
    expect(byKind.pace).toEqual({ low: ref.pace.reference.low, high: ref.pace.reference.high });
    expect(byKind.pitch).toEqual({ low: ref.pitchVariety.reference.low, high: ref.pitchVariety.reference.high });
    expect(byKind.facing).toEqual({ low: ref.eyeContact.reference.low, high: ref.eyeContact.reference.high });
    for (const r of NUDGE_RULES.filter((r) => r.band)) {
      const src = { pace: ref.pace, pitch: ref.pitchVariety, facing: ref.eyeContact }[r.kind as 'pace' | 'pitch' | 'facing'];
      expect(r.source.startsWith(src.reference.source.split(' Fall-off')[0]!), r.kind).toBe(true);
    }
  });
});
