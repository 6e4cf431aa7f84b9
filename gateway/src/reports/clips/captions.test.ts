import { describe, expect, it } from 'vitest';
import { assScript, assTime, captionCues, MAX_CUE_WORDS } from './captions.ts';

const words = (list: [string, number][]) => list.map(([word, startSec]) => ({ word, startSec, endSec: startSec + 0.3 }));

describe('captionCues', () => {
  it('groups the words inside the clip into cues in clip seconds, breaking on gaps and length', () => {
    const w = words([
      ['before', 9.5],
      ['so', 10.2], ['today', 10.5], ['we', 10.9], ['talk', 11.2],
      ['about', 13.0], ['pauses', 13.3],
      ['after', 20.1],
    ]);
    const cues = captionCues(w, [], 10, 20);
    expect(cues.map((c) => c.text)).toEqual(['so today we talk', 'about pauses']);
    expect(cues[0]!.startSec).toBeCloseTo(0.2, 5);
    expect(cues[0]!.endSec).toBeCloseTo(1.5 + 0.4, 5); // last word ends 11.5 → 1.5 + hold
    expect(cues[1]!.startSec).toBeCloseTo(3.0, 5);
  });

  it(`splits after ${MAX_CUE_WORDS} words and never lets a cue run into the next`, () => {
    const w = words(Array.from({ length: 10 }, (_, i) => [`w${i}`, i * 0.32] as [string, number]));
    const cues = captionCues(w, [], 0, 10);
    expect(cues[0]!.tokens).toHaveLength(MAX_CUE_WORDS);
    expect(cues[1]!.tokens).toHaveLength(3);
    expect(cues[0]!.endSec).toBeLessThanOrEqual(cues[1]!.startSec);
  });

  it('marks a word that is a filler, and inserts a filled pause no word covers', () => {
    const w = words([['like', 1], ['this', 1.4]]);
    const cues = captionCues(w, [{ startSec: 1.05, endSec: 1.2, word: 'like' }, { startSec: 1.9, endSec: 2.3, word: 'um' }], 0, 5);
    expect(cues).toHaveLength(1);
    expect(cues[0]!.tokens).toEqual([{ text: 'like', filler: true }, { text: 'this', filler: false }, { text: 'um', filler: true }]);
  });

  it('no words → no cues', () => {
    expect(captionCues([], [], 0, 10)).toEqual([]);
    expect(captionCues([{ startSec: 1, endSec: 2 }], [], 0, 10)).toEqual([]); // a word without text
  });
});

describe('assScript', () => {
  it('writes a Dialogue line per cue with ASS times, the filler in amber and braces removed', () => {
    const s = assScript([{ startSec: 0.2, endSec: 1.9, text: 'so {um}', tokens: [{ text: 'so', filler: false }, { text: '{um}', filler: true }] }], 640, 360);
    expect(s).toContain('PlayResX: 640');
    expect(s).toContain('PlayResY: 360');
    expect(s).toContain('Dialogue: 0,0:00:00.20,0:00:01.90,Caption,,0,0,0,,so {\\c&H57C8FF&}um{\\c}');
    expect(s).toMatch(/Style: Caption,DejaVu Sans,22,/); // 6 % of 360 px
  });

  it('assTime formats hours, minutes, seconds and centiseconds', () => {
    expect(assTime(0)).toBe('0:00:00.00');
    expect(assTime(3725.456)).toBe('1:02:05.46');
  });
});
