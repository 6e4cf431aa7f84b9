import type { AlignedWord, ReadAloudResult } from './ReportTypes.ts';

/** Lower-case words with punctuation removed (apostrophes kept), e.g. `"Don't stop!"` → `["don't", "stop"]`. */
export function normalizeWords(text: string): string[] {
  return text.toLowerCase().replace(/[^a-z0-9' ]+/g, ' ').split(/\s+/).filter(Boolean);
}

/**
 * Aligns recognised words to target words by minimum edit distance (Levenshtein on words, unit
 * costs; ties prefer match/substitution over deletion over insertion), the alignment used for WER.
 * @returns the alignment in target order.
 */
export function alignWords(target: readonly string[], heard: readonly string[]): AlignedWord[] {
  const n = target.length;
  const m = heard.length;
  const d: number[][] = Array.from({ length: n + 1 }, (_, i) => Array.from({ length: m + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= n; i++)
    for (let j = 1; j <= m; j++)
      d[i]![j] = Math.min(d[i - 1]![j - 1]! + (target[i - 1] === heard[j - 1] ? 0 : 1), d[i - 1]![j]! + 1, d[i]![j - 1]! + 1);
  const out: AlignedWord[] = [];
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    if (i > 0 && j > 0 && d[i]![j] === d[i - 1]![j - 1]! + (target[i - 1] === heard[j - 1] ? 0 : 1)) {
      out.push({ target: target[i - 1]!, heard: heard[j - 1]!, op: target[i - 1] === heard[j - 1] ? 'match' : 'substitution' });
      i--;
      j--;
    } else if (i > 0 && d[i]![j] === d[i - 1]![j]! + 1) {
      out.push({ target: target[i - 1]!, heard: null, op: 'deletion' });
      i--;
    } else {
      out.push({ target: null, heard: heard[j - 1]!, op: 'insertion' });
      j--;
    }
  }
  return out.reverse();
}

/**
 * Scores a read-aloud attempt: normalises both texts, aligns them ({@link alignWords}) and reports
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
