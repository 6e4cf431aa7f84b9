import { describe, expect, it } from 'vitest';
import { NUDGE_RULES, NudgeEventSchema, NudgeKindSchema, PACE_NUDGE_ABOVE_WPM } from './nudges.ts';
import { PACE_GUIDANCE_WPM } from './language.ts';

describe('NUDGE_RULES', () => {
  it('has one rule per kind, each 1–3 words with a source and a non-negative hold', () => {
    expect(NUDGE_RULES.map((r) => r.kind).sort()).toEqual([...NudgeKindSchema.options].sort());
    for (const r of NUDGE_RULES) {
      expect(r.text.split(' ').length, r.kind).toBeLessThanOrEqual(3);
      expect(r.source.length, r.kind).toBeGreaterThan(40);
      expect(r.holdSec).toBeGreaterThanOrEqual(0);
    }
  });

  it('sets every threshold at or outside its band (a nudge means clearly out of the band)', () => {
    for (const r of NUDGE_RULES) {
      if (!r.band) continue;
      if (r.comparison === 'above') expect(r.threshold, r.kind).toBeGreaterThanOrEqual(r.band.high);
      else expect(r.threshold, r.kind).toBeLessThanOrEqual(r.band.low);
    }
  });

  it("uses issue #14's thresholds", () => {
    // Pace: "for 15 s" is the window of the pace judged (wpm15s), not a hold on top of it.
    const by = Object.fromEntries(NUDGE_RULES.map((r) => [r.kind, [r.comparison, r.threshold, r.windowSec ?? r.holdSec, r.text]]));
    expect(by).toEqual({
      pace: ['above', 170, 15, 'Slow down'],
      level: ['below', -40, 5, 'Louder'],
      pause: ['above', 40, 0, 'Pause'],
      pitch: ['below', 2, 20, 'Vary your pitch'],
      facing: ['below', 0.5, 10, 'Look up'],
    });
    expect(PACE_NUDGE_ABOVE_WPM).toBe(PACE_GUIDANCE_WPM.high + 10);
  });

  it('validates nudge events', () => {
    const ok = { nudgeId: 'n', roomId: 'r', sessionId: 's', kind: 'pace', text: 'Slow down', mediaTimeSec: 20, sentAtMs: 1, metricValue: 182, threshold: 170, unit: 'WPM' };
    expect(NudgeEventSchema.safeParse(ok).success).toBe(true);
    expect(NudgeEventSchema.safeParse({ ...ok, kind: 'speed' }).success).toBe(false);
    expect(NudgeEventSchema.safeParse({ ...ok, mediaTimeSec: -1 }).success).toBe(false);
  });
});
