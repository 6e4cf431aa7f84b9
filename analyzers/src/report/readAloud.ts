import { alignWords, normalizeWords } from '../text/words.ts';
import type { ReadAloudResult } from './ReportTypes.ts';

/**
 * Scores a read-aloud attempt: normalises both texts ({@link normalizeWords}), aligns them ({@link alignWords}) and reports
 * accuracy = 1 − (substitutions + deletions) / target words, WER = (S + D + I) / target words, and
 * the missed target words (deleted or substituted).
 * @param targetSentence the sentence the presenter was asked to read.
 * @param heardTranscript what the recogniser returned.
 * @throws RangeError when the target has no words.
 */
export function scoreReadAloud(targetSentence: string, heardTranscript: string): ReadAloudResult {
  const target = normalizeWords(targetSentence);
  if (target.length === 0) throw new RangeError('read-aloud: the target sentence has no words');
  const alignment = alignWords(target, normalizeWords(heardTranscript));
  const sd = alignment.filter((a) => a.op === 'substitution' || a.op === 'deletion');
  const ins = alignment.filter((a) => a.op === 'insertion').length;
  return {
    accuracy: 1 - sd.length / target.length,
    wer: (sd.length + ins) / target.length,
    missedWords: sd.map((a) => a.target!),
    alignment,
    transcript: heardTranscript,
  };
}
