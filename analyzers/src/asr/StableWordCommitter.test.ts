import type { CaptionWord } from '@lectern/contract';
import { describe, expect, it } from 'vitest';
import { EnvConfigError } from '../env.ts';
import { captionCommitFromEnv, LIVE_DECODE_INTERVAL_SEC, liveCaptionStreamOptions, StableWordCommitter } from './StableWordCommitter.ts';

/** Words from "text@start-end …", e.g. `he@0-0.2 was@0.2-0.5`. */
const w = (spec: string): CaptionWord[] =>
  spec.split(' ').filter(Boolean).map((t) => {
    const [word, span] = t.split('@');
    const [a, b] = span!.split('-').map(Number);
    return { word: word!, startSec: a!, endSec: b!, confidence: null };
  });
const text = (ws: readonly CaptionWord[]) => ws.map((x) => x.word).join(' ');

describe('StableWordCommitter', () => {
  it('commits a word once it stayed the same at its position for N passes, in order', () => {
    const c = new StableWordCommitter({ policy: 'stable', stablePartials: 2, stableSec: Infinity });
    expect(c.partial(w('he@0-0.2'), 0.3)).toMatchObject({ committedWords: 0 });
    // "he" seen twice at position 0 → committed; "was" seen once.
    const b = c.partial(w('he@0-0.2 was@0.2-0.5'), 0.6);
    expect(b.committedWords).toBe(1);
    expect(text(b.words)).toBe('he was');
    // "was" changes to "wasn't": it starts again from one pass, "he" stays.
    const d = c.partial(w('he@0-0.2 wasn@0.2-0.6'), 0.9);
    expect(d.committedWords).toBe(1);
    expect(text(d.words)).toBe('he wasn');
    const e = c.partial(w('he@0-0.2 wasn@0.2-0.6 not@0.6-0.8'), 1.2);
    expect(e.committedWords).toBe(2);
    expect(text(c.committed)).toBe('he wasn');
  });

  it('never rewrites committed words: later disagreement keeps them and appends what follows in time', () => {
    const c = new StableWordCommitter({ policy: 'stable', stablePartials: 1 });
    c.partial(w('he@0-0.2 was@0.2-0.5'), 0.6); // N = 1: both committed on sight
    expect(text(c.committed)).toBe('he was');
    // The engine revises the start ("he's") and adds a word: committed words stay.
    const p = c.partial(w("he's@0-0.45 not@0.55-0.8"), 0.9);
    expect(text(p.words)).toBe('he was not');
    expect(p.committedWords).toBe(3);
    // The final disagrees again: committed words first, then its words after "not" ends.
    const f = c.final(w("he's@0-0.45 knot@0.55-0.8 an@0.85-0.9 ill@0.9-1.1"));
    expect(text(f.words)).toBe('he was not an ill');
    expect(f.committedWords).toBe(5);
    // The final reset the state: the next utterance starts with nothing committed.
    expect(c.partial(w('disposed@2-2.5'), 2.6).committedWords).toBe(1);
  });

  it('commits by time when fewer passes saw the word (stableSec of audio)', () => {
    const c = new StableWordCommitter({ policy: 'stable', stablePartials: 5, stableSec: 0.6 });
    c.partial(w('young@0-0.3'), 0.4);
    expect(c.partial(w('young@0-0.3'), 0.7).committedWords).toBe(0); // 0.3 s stable
    expect(c.partial(w('young@0-0.3 man@0.35-0.6'), 1.0).committedWords).toBe(1); // 0.6 s stable
  });

  it('requires the whole prefix to be stable: a changed earlier word resets the words after it', () => {
    const c = new StableWordCommitter({ policy: 'stable', stablePartials: 2, stableSec: Infinity });
    c.partial(w('a@0-0.1 b@0.1-0.2 c@0.2-0.3'), 0.3);
    // "b" changed: "a" commits, "c" (same text, same position) restarts counting.
    expect(c.partial(w('a@0-0.1 x@0.1-0.2 c@0.2-0.3'), 0.6).committedWords).toBe(1);
    expect(c.partial(w('a@0-0.1 x@0.1-0.2 c@0.2-0.3'), 0.9).committedWords).toBe(3);
  });

  it('final-only commits nothing from partials and returns the engine final unchanged', () => {
    const c = new StableWordCommitter({ policy: 'final-only' });
    for (let k = 0; k < 5; k++) expect(c.partial(w('he@0-0.2 was@0.2-0.5'), 0.3 * k).committedWords).toBe(0);
    const fin = w('he@0-0.2 was@0.2-0.5 not@0.5-0.7');
    expect(c.final(fin)).toEqual({ words: fin, committedWords: 3 });
    expect(c.final([])).toEqual({ words: [], committedWords: 0 });
  });

  it('validates its settings and reads them from the environment', () => {
    expect(() => new StableWordCommitter({ policy: 'stable', stablePartials: 0 })).toThrow(RangeError);
    expect(() => new StableWordCommitter({ policy: 'stable', stableSec: 0 })).toThrow(RangeError);
    expect(captionCommitFromEnv({})).toEqual({ policy: 'stable', stablePartials: 2, stableSec: 0.4 });
    expect(liveCaptionStreamOptions({ policy: 'stable' })).toEqual({ commit: { policy: 'stable' }, decodeIntervalSec: LIVE_DECODE_INTERVAL_SEC });
    expect(liveCaptionStreamOptions({ policy: 'final-only' })).toEqual({ commit: { policy: 'final-only' } });
    expect(captionCommitFromEnv({ LECTERN_CAPTION_COMMIT: 'final-only', LECTERN_CAPTION_STABLE_PARTIALS: '3', LECTERN_CAPTION_STABLE_MS: '900' })).toEqual({ policy: 'final-only', stablePartials: 3, stableSec: 0.9 });
    expect(() => captionCommitFromEnv({ LECTERN_CAPTION_COMMIT: 'sometimes' })).toThrow(EnvConfigError);
  });
});
