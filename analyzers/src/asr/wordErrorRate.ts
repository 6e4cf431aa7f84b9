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

/** Spellings that differ only by convention between references and recogniser dictionaries. */
const EQUIVALENTS: Record<string, string> = { mr: 'mister', mrs: 'missus', dr: 'doctor', st: 'saint' };

/**
 * Normalise a transcript for WER: lower case, strip punctuation except word-internal
 * apostrophes and hyphens (hyphens then split words), drop PocketSphinx alternates `(2)` and
 * fillers in angle/square brackets, fold abbreviations (`mr` → `mister`, …).
 */
export function normaliseTranscript(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/<[^>]*>|\[[^\]]*\]|\(\d+\)/g, ' ')
    .replace(/[^a-z0-9'\s-]/g, ' ')
    .replace(/-/g, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w.length > 0)
    .map((w) => EQUIVALENTS[w] ?? w);
}

/**
 * Word error rate by word-level Levenshtein alignment (unit costs; ties prefer substitution,
 * then deletion, then insertion, as NIST sclite does). A 20-line dynamic programme, because
 * npm's edit-distance packages work on characters and `word-error-rate` (0.0.x) is unmaintained.
 * O(n·m) time and memory in words.
 * @param reference the reference transcript (any case/punctuation).
 * @param hypothesis the recognised transcript.
 */
export function wordErrorRate(reference: string, hypothesis: string): WerResult {
  const r = normaliseTranscript(reference);
  const h = normaliseTranscript(hypothesis);
  const n = r.length;
  const m = h.length;
  // d[i][j] = [cost, subs, dels, ins] aligning r[0..i) with h[0..j)
  const d: [number, number, number, number][][] = Array.from({ length: n + 1 }, () => new Array(m + 1));
  for (let i = 0; i <= n; i++) d[i]![0] = [i, 0, i, 0];
  for (let j = 1; j <= m; j++) d[0]![j] = [j, 0, 0, j];
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const same = r[i - 1] === h[j - 1];
      const diag = d[i - 1]![j - 1]!;
      const up = d[i - 1]![j]!;
      const left = d[i]![j - 1]!;
      const sub: [number, number, number, number] = [diag[0] + (same ? 0 : 1), diag[1] + (same ? 0 : 1), diag[2], diag[3]];
      const del: [number, number, number, number] = [up[0] + 1, up[1], up[2] + 1, up[3]];
      const ins: [number, number, number, number] = [left[0] + 1, left[1], left[2], left[3] + 1];
      d[i]![j] = sub[0] <= del[0] && sub[0] <= ins[0] ? sub : del[0] <= ins[0] ? del : ins;
    }
  }
  const [cost, substitutions, deletions, insertions] = d[n]![m]!;
  return { wer: n === 0 ? (m === 0 ? 0 : 1) : cost / n, referenceWords: n, substitutions, deletions, insertions };
}
