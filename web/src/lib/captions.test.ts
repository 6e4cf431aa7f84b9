import { describe, expect, it } from 'vitest';
import type { CaptionEvent, DisfluencyEvent } from '@lectern/contract';
import { addFiller, applyCaption, MAX_CAPTION_LINES, MAX_FILLERS, type CaptionState } from './captions.ts';

const empty: CaptionState = { lines: [], partial: null, epoch: 0 };

function caption(kind: 'partial' | 'final', segmentId: number, text: string, times: [number, number][] = []): CaptionEvent {
  const words = text.trim().split(/\s+/).filter(Boolean);
  return {
    roomId: 'r',
    producerId: 'a',
    kind,
    segmentId,
    text,
    words: times.map(([startSec, endSec], i) => ({ word: words[i] ?? '', startSec, endSec, confidence: null })),
    engine: 'pocketsphinx',
    serverTimeMs: 0,
  } as CaptionEvent;
}

const fold = (events: CaptionEvent[], from: CaptionState = empty) => events.reduce(applyCaption, from);

describe('applyCaption', () => {
  it('replaces the partial with each partial and turns it into a line on the final', () => {
    let s = fold([caption('partial', 0, 'hello'), caption('partial', 0, ' hello world ')]);
    expect(s.lines).toEqual([]);
    expect(s.partial).toMatchObject({ kind: 'partial', segmentId: 0, text: 'hello world', epoch: 0 });
    s = applyCaption(s, caption('final', 0, 'hello world', [[1, 1.4], [1.5, 2]]));
    expect(s.partial).toBeNull();
    expect(s.lines).toEqual([
      { epoch: 0, segmentId: 0, kind: 'final', text: 'hello world', words: expect.any(Array), committedWords: 2, engine: 'pocketsphinx', startSec: 1, endSec: 2 },
    ]);
  });

  it("keeps a partial's committed words (0 when an older analyzer sent none, never more than its words)", () => {
    const p = { ...caption('partial', 0, 'he was not', [[0, 0.2], [0.2, 0.5], [0.5, 0.7]]), committedWords: 2 };
    expect(applyCaption(empty, p).partial).toMatchObject({ committedWords: 2 });
    expect(applyCaption(empty, caption('partial', 0, 'he', [[0, 0.2]])).partial).toMatchObject({ committedWords: 0 });
    expect(applyCaption(empty, { ...p, committedWords: 9 }).partial).toMatchObject({ committedWords: 3 });
  });

  it('ignores a late partial of a segment that is already final, and an empty partial clears the partial', () => {
    const s = fold([caption('final', 3, 'done'), caption('partial', 3, 'do')]);
    expect(s.partial).toBeNull();
    expect(s.lines.map((l) => l.text)).toEqual(['done']);
    const next = fold([caption('partial', 4, 'next'), caption('partial', 4, '  ')], s);
    expect(next.partial).toBeNull();
    expect(next.lines).toBe(s.lines); // unchanged lines are not a new array
  });

  it('replaces a repeated final of the same segment and drops empty finals', () => {
    const s = fold([caption('final', 0, 'one'), caption('final', 1, 'two'), caption('final', 1, 'two, corrected'), caption('partial', 2, 'thr'), caption('final', 2, '')]);
    expect(s.lines.map((l) => [l.segmentId, l.text])).toEqual([
      [0, 'one'],
      [1, 'two, corrected'],
    ]);
    expect(s.partial).toBeNull();
    expect(s.lines[0]!.startSec).toBeNull(); // no word times
  });

  it('starts a new epoch when segment ids go back (the recogniser restarted), so keys stay unique', () => {
    const s = fold([caption('final', 5, 'before'), caption('final', 0, 'after'), caption('final', 1, 'more'), caption('final', 0, 'again')]);
    expect(s.lines.map((l) => [l.epoch, l.segmentId, l.text])).toEqual([
      [0, 5, 'before'],
      [1, 0, 'after'],
      [1, 1, 'more'],
      [2, 0, 'again'],
    ]);
    expect(s.epoch).toBe(2);
    expect(new Set(s.lines.map((l) => `${l.epoch}:${l.segmentId}`)).size).toBe(4);
  });

  it(`keeps the last ${MAX_CAPTION_LINES} lines`, () => {
    const s = fold(Array.from({ length: MAX_CAPTION_LINES + 5 }, (_, i) => caption('final', i, `line ${i}`)));
    expect(s.lines).toHaveLength(MAX_CAPTION_LINES);
    expect(s.lines[0]!.text).toBe('line 5');
    expect(s.lines.at(-1)!.text).toBe(`line ${MAX_CAPTION_LINES + 4}`);
  });
});

describe('addFiller', () => {
  const filler = (startSec: number, text = 'um'): DisfluencyEvent => ({ roomId: 'r', producerId: 'a', kind: 'filled-pause', text, startSec, endSec: startSec + 0.3, serverTimeMs: 0 });

  it('keeps fillers in media-time order when one arrives late', () => {
    let f = addFiller([], filler(1));
    f = addFiller(f, filler(3));
    f = addFiller(f, filler(2)); // the filled-pause detector reported late
    expect(f.map((x) => x.startSec)).toEqual([1, 2, 3]);
  });

  it(`keeps the last ${MAX_FILLERS} and does not change its input`, () => {
    const input = Array.from({ length: MAX_FILLERS }, (_, i) => filler(i));
    const out = addFiller(input, filler(MAX_FILLERS));
    expect(input).toHaveLength(MAX_FILLERS);
    expect(out).toHaveLength(MAX_FILLERS);
    expect(out[0]!.startSec).toBe(1);
    expect(out.at(-1)!.startSec).toBe(MAX_FILLERS);
  });
});
