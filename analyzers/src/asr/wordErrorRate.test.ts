import { describe, expect, it } from 'vitest';
import { normaliseTranscript, wordErrorRate } from './wordErrorRate.ts';

describe('wordErrorRate', () => {
  it('counts substitutions, deletions and insertions after normalisation', () => {
    expect(normaliseTranscript('<s> Mr. John-Dashwood, the(2) [NOISE] </s>')).toEqual(['mister', 'john', 'dashwood', 'the']);
    expect(wordErrorRate('he was not an ill disposed young man', 'he was not until disclosed young man')).toMatchObject({
      referenceWords: 8, substitutions: 2, deletions: 1, insertions: 0,
    });
    expect(wordErrorRate('a b c', 'a x b c d').wer).toBeCloseTo(2 / 3, 9);
    expect(wordErrorRate('', '').wer).toBe(0);
  });
});
