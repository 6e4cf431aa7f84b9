/**
 * Word normalisation and word-level edit-distance alignment: the one home for WER
 * (`asr/wordErrorRate.ts`), the read-aloud drill (`report/readAloud.ts`) and the lexical
 * disfluency rules (`fluency/lexicalRules.ts`).
 *
 * English only: a "word character" is an ASCII letter or digit, or an apostrophe inside a word
 * (`don't`, `o'clock`). Everything else (punctuation, hyphens, non-ASCII letters) separates words.
 */
import type { AlignedWord } from '../report/ReportTypes.ts';

/** Spellings that differ only by convention between references and recogniser dictionaries. */
const ABBREVIATIONS: Readonly<Record<string, string>> = { mr: 'mister', mrs: 'missus', dr: 'doctor', st: 'saint' };

/** Options of {@link normalizeWords}. */
export interface NormalizeWordsOptions {
  /**
   * Drop recogniser annotations before tokenising: `<s>`/`</s>` and other `<…>`, fillers in
   * `[…]` and PocketSphinx alternate-pronunciation marks `(2)`. Default false.
   */
  dropAnnotations?: boolean;
  /** Fold abbreviations to their spoken form (`mr` → `mister`, `mrs`, `dr`, `st`). Default false. */
  foldAbbreviations?: boolean;
}

/**
 * Normalises one recognised token: lower case, every character other than a-z, 0-9 and `'`
 * removed (not split: `e.g.` → `eg`), leading/trailing apostrophes trimmed.
 * @returns the token, possibly '' (pure punctuation).
 */
export function normaliseToken(word: string): string {
  return word.toLowerCase().replace(/[^a-z0-9']/g, '').replace(/^'+|'+$/g, '');
}

/**
 * Splits text into normalised words: lower case; every run of characters other than a-z, 0-9
 * and `'` is a separator (so hyphens split: `John-Dashwood` → `john dashwood`); leading/trailing
 * apostrophes trimmed; empty words dropped. See {@link NormalizeWordsOptions} for the WER extras.
 * @example normalizeWords("Don't STOP, now!") → ["don't", "stop", "now"]
 */
export function normalizeWords(text: string, options: NormalizeWordsOptions = {}): string[] {
  let t = text.toLowerCase();
  if (options.dropAnnotations) t = t.replace(/<[^>]*>|\[[^\]]*\]|\(\d+\)/g, ' ');
  const words = t
    .split(/[^a-z0-9']+/)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w.length > 0);
  return options.foldAbbreviations ? words.map((w) => ABBREVIATIONS[w] ?? w) : words;
}

/**
 * Aligns `heard` to `target` by minimum word edit distance (Levenshtein 1966 on words, unit costs
 * for substitution, deletion and insertion; Wagner–Fischer dynamic programme, then a trace back).
 * Ties prefer match/substitution, then deletion, then insertion — NIST sclite's preference, so
 * the substitution/deletion/insertion counts are those WER tools report.
 * O(n·m) time and memory in words.
 * @param target reference words (already normalised).
 * @param heard hypothesis words (already normalised).
 * @returns the alignment in target order; its non-match entries count the edits.
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

/** Edit counts of an alignment from {@link alignWords}. */
export function countEdits(alignment: readonly AlignedWord[]): { substitutions: number; deletions: number; insertions: number } {
  const c = { substitutions: 0, deletions: 0, insertions: 0 };
  for (const a of alignment) {
    if (a.op === 'substitution') c.substitutions++;
    else if (a.op === 'deletion') c.deletions++;
    else if (a.op === 'insertion') c.insertions++;
  }
  return c;
}
