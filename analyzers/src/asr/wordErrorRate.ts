import { alignWords, countEdits, normalizeWords } from '../text/words.ts';

/** Result of {@link wordErrorRate}. */
export interface WerResult {
  /** (substitutions + deletions + insertions) / reference words; 0 for a perfect match. Can exceed 1. */
  wer: number;
  /** Words in the normalised reference. */
  referenceWords: number;
  /** Substituted words. */
  substitutions: number;
  /** Reference words missing from the hypothesis. */
  deletions: number;
  /** Hypothesis words not in the reference. */
  insertions: number;
}

/**
 * Normalise a transcript for WER: lower case, strip punctuation except word-internal
 * apostrophes (hyphens split words), drop PocketSphinx alternates `(2)` and fillers in
 * angle/square brackets, fold abbreviations (`mr` → `mister`, …). See `text/words.ts`.
 */
export function normaliseTranscript(text: string): string[] {
  return normalizeWords(text, { dropAnnotations: true, foldAbbreviations: true });
}

/**
 * Word error rate by word-level Levenshtein alignment ({@link alignWords}: unit costs; ties
 * prefer substitution, then deletion, then insertion, as NIST sclite does). Our own dynamic
 * programme, because npm's edit-distance packages work on characters and `word-error-rate`
 * (0.0.x) is unmaintained. O(n·m) time and memory in words.
 * @param reference the reference transcript (any case/punctuation).
 * @param hypothesis the recognised transcript.
 */
export function wordErrorRate(reference: string, hypothesis: string): WerResult {
  const r = normaliseTranscript(reference);
  const h = normaliseTranscript(hypothesis);
  const n = r.length;
  const m = h.length;
  const { substitutions, deletions, insertions } = countEdits(alignWords(r, h));
  const cost = substitutions + deletions + insertions;
  return { wer: n === 0 ? (m === 0 ? 0 : 1) : cost / n, referenceWords: n, substitutions, deletions, insertions };
}

/**
 * Corpus WER over several utterances, as jiwer computes it for lists: the edits of every pair
 * summed, over the reference words summed (not the mean of per-utterance WERs, which would weigh a
 * 2-word utterance like a 20-word one).
 * @param pairs reference and hypothesis transcripts, one pair per utterance.
 * @returns the summed counts and `wer` (0 when there are no reference words and no hypothesis words).
 */
export function corpusWordErrorRate(pairs: readonly { reference: string; hypothesis: string }[]): WerResult {
  let n = 0;
  let s = 0;
  let d = 0;
  let ins = 0;
  for (const p of pairs) {
    const r = wordErrorRate(p.reference, p.hypothesis);
    n += r.referenceWords;
    s += r.substitutions;
    d += r.deletions;
    ins += r.insertions;
  }
  const cost = s + d + ins;
  return { wer: n === 0 ? (cost === 0 ? 0 : 1) : cost / n, referenceWords: n, substitutions: s, deletions: d, insertions: ins };
}
