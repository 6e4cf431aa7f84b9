import { describe, expect, it } from 'vitest';
import { corpusWordErrorRate, normaliseTranscript, wordErrorRate } from './wordErrorRate.ts';

describe('wordErrorRate', () => {
  it('counts substitutions, deletions and insertions after normalisation', () => {
    expect(normaliseTranscript('<s> Mr. John-Dashwood, the(2) [NOISE] </s>')).toEqual(['mister', 'john', 'dashwood', 'the']);
    expect(wordErrorRate('he was not an ill disposed young man', 'he was not until disclosed young man')).toMatchObject({
      referenceWords: 8, substitutions: 2, deletions: 1, insertions: 0,
    });
    expect(wordErrorRate('a b c', 'a x b c d').wer).toBeCloseTo(2 / 3, 9);
    expect(wordErrorRate('', '').wer).toBe(0);
  });

  it('sums edits over utterances for the corpus WER (jiwer on lists), instead of averaging per-utterance rates', () => {
    const r = corpusWordErrorRate([
      { reference: 'five five', hypothesis: 'five nine' }, // 1 S of 2
      { reference: 'eight of spades four of clubs seven of hearts', hypothesis: 'eight of spades for of clubs seven hearts' }, // 1 S + 1 D of 9
      { reference: 'go forward ten meters', hypothesis: 'go forward ten meters please' }, // 1 I of 4
    ]);
    expect(r).toMatchObject({ referenceWords: 15, substitutions: 2, deletions: 1, insertions: 1 });
    expect(r.wer).toBeCloseTo(4 / 15, 9); // the mean of per-utterance WERs would be (1/2 + 2/9 + 1/4) / 3 = 0.32
    expect(corpusWordErrorRate([]).wer).toBe(0);
    expect(wordErrorRate('one two', '').wer).toBe(1);
  });
});
