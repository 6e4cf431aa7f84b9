import { describe, expect, it } from 'vitest';
import type { CaptionEvent } from './language.ts';
import { PaceWindow } from './nudges.ts';

const caption = (kind: 'partial' | 'final', segmentId: number, ends: number[], producerId = 'p1'): CaptionEvent => ({
  roomId: 'r',
  producerId,
  kind,
  segmentId,
  text: ends.map(() => 'w').join(' '),
  words: ends.map((e) => ({ word: 'w', startSec: e - 0.2, endSec: e, confidence: null })),
  engine: 'test',
  serverTimeMs: 0,
});

describe('PaceWindow (the pace of the "Slow down" nudge)', () => {
  it('counts final and current partial words ending in the last 15 s, once 15 s have passed since the first word', () => {
    const p = new PaceWindow();
    p.caption(caption('final', 0, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])); // first word starts at 0.8
    expect(p.wpm('p1', 15.7)).toBeNull(); // 14.9 s since the first word
    p.caption(caption('partial', 1, [11, 12, 13]));
    expect(p.wpm('p1', 15.8)).toBe(52); // 13 words × 4
    // The final of segment 1 replaces its partial (no double count), with one word more.
    p.caption(caption('final', 1, [11, 12, 13, 14]));
    expect(p.wpm('p1', 16)).toBe(14 * 4); // the window ends at the newest word: (−1, 14]
    expect(p.wpm('p1', 40)).toBe(0);
  });

  it('waits up to 3 s for lagging captions, then lets silence lower the pace', () => {
    const p = new PaceWindow();
    p.caption(caption('final', 0, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])); // newest word ends at 14
    expect(p.wpm('p1', 16.5)).toBe(14 * 4); // (−1, 14]: the recogniser may still be on 14–16.5
    expect(p.wpm('p1', 18)).toBe(14 * 4); // (0, 15]
    expect(p.wpm('p1', 20)).toBe(12 * 4); // (2, 17]: 3 s after the last word, the silence counts
    expect(() => new PaceWindow(15, -1)).toThrow(RangeError);
  });

  it('follows one producer: another one starts over, and asking for another one gives null', () => {
    const p = new PaceWindow();
    p.caption(caption('final', 0, [1, 2, 3, 17]));
    expect(p.wpm('p1', 17)).toBe(8); // 3 and 17 end in (2, 17]
    expect(p.wpm('p2', 17)).toBeNull();
    p.caption(caption('final', 0, [20], 'p2'));
    expect(p.wpm('p1', 21)).toBeNull();
    expect(p.wpm('p2', 21)).toBeNull(); // p2's first word was 1.2 s ago
    expect(() => new PaceWindow(0)).toThrow(RangeError);
  });
});
