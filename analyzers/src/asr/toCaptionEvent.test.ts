import { CaptionEventSchema } from '@lectern/contract';
import { describe, expect, it } from 'vitest';
import { toCaptionEvent } from './toCaptionEvent.ts';

describe('toCaptionEvent', () => {
  it('produces a schema-valid captions:update payload', () => {
    const e = toCaptionEvent({ kind: 'final', segmentId: 3, text: 'he was', words: [{ word: 'he', startSec: 1, endSec: 1.2, confidence: null }, { word: 'was', startSec: 1.2, endSec: 1.5, confidence: 0.8 }], committedWords: 2, engine: 'pocketsphinx' }, 'r', 'p', 42);
    expect(CaptionEventSchema.parse(e)).toEqual(e);
    expect(e.serverTimeMs).toBe(42);
  });
});
