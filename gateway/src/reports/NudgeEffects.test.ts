import { describe, expect, it } from 'vitest';
import type { TimelineFrame } from '@lectern/contract';
import { type NudgeEffectInputs, nudgeEffects } from './NudgeEffects.ts';

/** Voice frames every 100 ms over [0, endSec): speech at `levelAt(t)` dBFS, pitch SD 3 st. */
function voiceFrames(endSec: number, levelAt: (t: number) => number = () => -25): TimelineFrame[] {
  const out: TimelineFrame[] = [];
  for (let i = 0; i < endSec * 10; i++) {
    const t = i / 10;
    out.push({
      producerId: 'p',
      kind: 'voice',
      mediaTimeSec: t,
      windowSec: 0.1,
      serverTimeMs: 0,
      payload: { levelDbfs: levelAt(t), f0Hz: 120, vadProb: 0.9, isSpeech: true, pauseSec: 0, speakingRatio: 0.8, pitchVariabilitySt: 3, concealedPackets: 0 },
    } as TimelineFrame);
  }
  return out;
}
/** Word ends of a talk at `wpmAt(t)` over [0, endSec). */
function words(endSec: number, wpmAt: (t: number) => number): { endSec: number }[] {
  const out = [];
  for (let t = 0; t < endSec; t = Math.round((t + 60 / wpmAt(t)) * 1e6) / 1e6) out.push({ endSec: t });
  return out;
}

describe('nudgeEffects (the report: how each kind of nudge’s metric moved in the 15 s after it)', () => {
  it('compares the 15 s before and after each nudge, per kind, and counts those that moved back toward the band', () => {
    const inp: NudgeEffectInputs = {
      // Fast until each nudge, slower after the first, not after the second.
      cues: [
        { source: 'nudge', kind: 'pace', mediaTimeSec: 20 },
        { source: 'coach', kind: null, mediaTimeSec: 25 },
        { source: 'nudge', kind: 'level', mediaTimeSec: 45 },
        { source: 'nudge', kind: 'pace', mediaTimeSec: 70 },
      ],
      frames: voiceFrames(100, (t) => (t < 45 ? -45 : -30)),
      words: words(100, (t) => (t < 20 ? 200 : t < 35 ? 150 : 200)),
      pauses: [],
      originSec: 1.5,
    };
    const [level, pace, ...rest] = nudgeEffects(inp); // in rule order: level first
    expect(rest).toEqual([]);
    expect(level).toMatchObject({ kind: 'level', text: 'Louder', unit: 'dBFS', better: 'higher', count: 1, measured: 1, beforeMean: -45, afterMean: -30, change: 15, improved: 1 });
    expect(pace).toMatchObject({ kind: 'pace', text: 'Slow down', unit: 'WPM', better: 'lower', count: 2, measured: 2, improved: 1 });
    expect(pace!.items.map((i) => [i.mediaTimeSec, i.atSec, i.before, i.after])).toEqual([
      [20, 21.5, 200, 152], // 150 WPM words, plus the one ending right at 20
      [70, 71.5, 200, 200],
    ]);
    expect(pace!.beforeMean).toBe(200);
    expect(pace!.afterMean).toBe(176);
    expect(pace!.change).toBe(-24);
  });

  it('leaves out a window that runs past the start or the end of the talk', () => {
    const inp: NudgeEffectInputs = {
      cues: [
        { source: 'nudge', kind: 'pace', mediaTimeSec: 3 }, // 3 s of talk before
        { source: 'nudge', kind: 'pause', mediaTimeSec: 30 },
        { source: 'nudge', kind: 'pace', mediaTimeSec: 40 }, // 10 s of talk after
      ],
      frames: voiceFrames(50),
      words: words(50, () => 180),
      pauses: [{ startSec: 20 }, { startSec: 33 }, { startSec: 38 }, { startSec: 44 }],
      originSec: 0,
    };
    const [pace, pause] = nudgeEffects(inp);
    expect(pace).toMatchObject({ count: 2, measured: 0, beforeMean: null, afterMean: null, change: null, improved: 0 });
    expect(pace!.items.map((i) => [i.before, i.after])).toEqual([
      [null, 180],
      [180, null],
    ]);
    // After: [30, 45) with 3 pauses = 12 per min; before: [15, 30) with 1 → 4 per min.
    expect(pause).toMatchObject({ kind: 'pause', better: 'higher', beforeMean: 4, afterMean: 12, improved: 1 });
    expect(nudgeEffects({ ...inp, cues: [{ source: 'coach', kind: null, mediaTimeSec: 5 }] })).toEqual([]);
  });
});
