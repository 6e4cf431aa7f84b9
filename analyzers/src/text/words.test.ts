import { describe, expect, it } from 'vitest';
import { alignWords, countEdits, normaliseToken, normalizeWords } from './words.ts';

describe('normalizeWords / normaliseToken', () => {
  it('lower-cases, splits on punctuation and hyphens, keeps inner apostrophes', () => {
    expect(normalizeWords("Don't STOP, now!")).toEqual(["don't", 'stop', 'now']);
    expect(normalizeWords("  'Tis  a well-known\tfact.")).toEqual(['tis', 'a', 'well', 'known', 'fact']);
    expect(normalizeWords('')).toEqual([]);
  });

  it('drops recogniser annotations and folds abbreviations for WER', () => {
    const o = { dropAnnotations: true, foldAbbreviations: true };
    expect(normalizeWords('<s> Mr. John-Dashwood, the(2) [NOISE] </s>', o)).toEqual(['mister', 'john', 'dashwood', 'the']);
    expect(normalizeWords('<s> Mr. [NOISE]')).toEqual(['s', 'mr', 'noise']);
  });

  it('normalises a single token without splitting', () => {
    expect(normaliseToken('E.g.,')).toBe('eg');
    expect(normaliseToken("'Cause")).toBe('cause');
    expect(normaliseToken('...')).toBe('');
  });
});

describe('alignWords (word Levenshtein)', () => {
  it('finds the minimum edits with sclite tie-breaking', () => {
    // kitten → sitting on words: 2 substitutions + 1 insertion (the classic distance 3)
    const a = alignWords(['k', 'i', 't', 't', 'e', 'n'], ['s', 'i', 't', 't', 'i', 'n', 'g']);
    expect(countEdits(a)).toEqual({ substitutions: 2, deletions: 0, insertions: 1 });
    expect(a.map((x) => x.op)).toEqual(['substitution', 'match', 'match', 'match', 'substitution', 'match', 'insertion']);
    // a tie between one substitution and deletion+insertion resolves to the substitution
    expect(alignWords(['a', 'b'], ['a', 'c'])).toEqual([
      { target: 'a', heard: 'a', op: 'match' },
      { target: 'b', heard: 'c', op: 'substitution' },
    ]);
    expect(countEdits(alignWords(['a', 'b', 'c'], []))).toEqual({ substitutions: 0, deletions: 3, insertions: 0 });
    expect(countEdits(alignWords([], ['x']))).toEqual({ substitutions: 0, deletions: 0, insertions: 1 });
  });
});
