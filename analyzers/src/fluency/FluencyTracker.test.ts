import { describe, expect, it } from 'vitest';
import type { CaptionWord } from '@lectern/contract';
import { DisfluencyEventSchema, FluencyFrameSchema } from '@lectern/contract';
import { FluencyTracker } from './FluencyTracker.ts';

const opts = { roomId: 'r1', producerId: 'p1', now: () => 1_700_000_000_000 };

/** n words of 0.3 s every 0.4 s from t0: 150 words per minute exactly. */
function steady(n: number, t0: number, word = 'word'): CaptionWord[] {
  return Array.from({ length: n }, (_, i) => ({ word, startSec: t0 + i * 0.4, endSec: t0 + i * 0.4 + 0.3, confidence: 0.9 }));
}

describe('FluencyTracker pace', () => {
  it('150 WPM passage: rolling, overall and articulation rates', () => {
    const t = new FluencyTracker(opts);
    // 60 s of speech at 150 WPM in 6 utterances of 25 words (10 s each), no pauses between them.
    for (let u = 0; u < 6; u++) t.addFinal(steady(25, u * 10));
    const f = FluencyFrameSchema.parse(t.frame(60));
    expect(f.wpmOverall).toBeCloseTo(150, 6);
    expect(f.wpm30s).toBeCloseTo(150, 6);
    // Speaking span 0 – 59.9 s, no gap ≥ 0.25 s → articulation = 150 / (59.9 / 60).
    expect(f.articulationWpm).toBeCloseTo((150 * 60) / 59.9, 3);
    expect(t.summary().words).toBe(150);
  });

  it('pauses lower WPM but not articulation; the 30 s window follows media time', () => {
    const t = new FluencyTracker(opts);
    // 4 utterances of 25 words (10 s) separated by 5 s pauses reported by the VAD.
    for (let u = 0; u < 4; u++) {
      t.addFinal(steady(25, u * 15));
      if (u < 3) t.addPause({ startSec: u * 15 + 9.9, endSec: u * 15 + 15 });
    }
    const f = t.frame(55);
    expect(f.wpmOverall).toBeCloseTo((100 * 60) / 55, 6);
    // Last 30 s (25–55]: words ending in it: utterance 2 (30–40) + 3 (45–55) + none of 1 (15–25 ends at 24.9)
    expect(f.wpm30s).toBeCloseTo((50 * 60) / 30, 6);
    // Speaking time = 54.9 − 3 × 5.1 s of pauses = 39.6 s.
    expect(f.articulationWpm).toBeCloseTo((100 * 60) / 39.6, 3);
    expect(t.frame(200).wpm30s).toBe(0);
  });

  it('is null before 5 s of speech', () => {
    const t = new FluencyTracker(opts);
    t.addFinal(steady(5, 10));
    const f = t.frame(12);
    expect(f.wpm30s).toBeNull();
    expect(f.wpmOverall).toBeNull();
    expect(f.articulationWpm).toBeNull();
  });
});

describe('FluencyTracker disfluencies', () => {
  const words = (text: string, t0: number): CaptionWord[] =>
    text.split(' ').map((w, i) => ({ word: w, startSec: t0 + i * 0.35, endSec: t0 + i * 0.35 + 0.3, confidence: null }));

  it('emits contract events for fillers, repetitions and hedges, and counts them in frames and the summary', () => {
    const t = new FluencyTracker(opts);
    const e1 = t.addFinal(words('so I I think it was like really good', 0));
    expect(e1.map((e) => `${e.kind}:${e.text}`)).toEqual(['lexical-filler:so', 'repetition:i i', 'hedge:i think', 'lexical-filler:like']);
    for (const e of e1) expect(DisfluencyEventSchema.parse(e)).toBeTruthy();
    const e2 = t.addFinal(words('I like pizza', 5));
    expect(e2).toEqual([]);
    const f = t.frame(10);
    expect(f.fillerCount).toBe(2);
    expect(f.repetitionCount).toBe(1);
    expect(f.hedgeCount).toBe(1);
    expect(f.fillersPerMin).toBeCloseTo(2 / (10 / 60), 6);
    const s = t.summary();
    expect(s.fillers.items.map((x) => x.word)).toEqual(['so', 'like']);
  });

  it('counts a hesitation once when both the recogniser and the acoustic detector report it', () => {
    const t = new FluencyTracker(opts);
    const ev = t.addFilledPause({ startSec: 2.0, endSec: 2.5, label: 'uh' });
    expect(ev?.kind).toBe('filled-pause');
    expect(t.addFinal([{ word: 'uh', startSec: 2.1, endSec: 2.4, confidence: null }, { word: 'yes', startSec: 2.6, endSec: 2.9, confidence: null }])).toEqual([]);
    expect(t.addFilledPause({ startSec: 6, endSec: 6.4, label: 'um' })).not.toBeNull();
    expect(t.frame(7).fillerCount).toBe(2);
  });

  it('uses VAD pause spans as pauses for the rules ("like" set off by pauses)', () => {
    const t = new FluencyTracker(opts);
    // Word gaps are only 0.05 s, but the VAD says there were pauses around "like".
    t.addPause({ startSec: 0.64, endSec: 0.69 + 0.3 });
    const w: CaptionWord[] = [
      { word: 'it', startSec: 0, endSec: 0.3, confidence: null },
      { word: 'was', startSec: 0.35, endSec: 0.64, confidence: null },
      { word: 'like', startSec: 0.99, endSec: 1.29, confidence: null },
      { word: 'a', startSec: 1.6, endSec: 1.7, confidence: null },
      { word: 'dream', startSec: 1.75, endSec: 2.1, confidence: null },
    ];
    t.addPause({ startSec: 1.29, endSec: 1.6 });
    expect(t.addFinal(w).map((e) => e.text)).toEqual(['like']);
  });
});
