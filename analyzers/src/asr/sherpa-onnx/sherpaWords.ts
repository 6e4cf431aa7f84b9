import type { CaptionWord } from '@lectern/contract';

/** The subset of sherpa-onnx's `OnlineRecognizerResult` (JSON) used here. */
export interface SherpaResult {
  /** Decoded text, e.g. " HE WAS NOT" (BPE models: upper case with a leading space). */
  text: string;
  /** BPE tokens, e.g. ["▁HE", "▁WAS", "▁NOT"]; a token starting with "▁" (U+2581) or " " starts a word. */
  tokens: string[];
  /** Emission time (s) of each token, relative to `start_time`. */
  timestamps: number[];
  /** Per-token log-probabilities (greedy search), when the version reports them. */
  ys_probs?: number[];
  /** Engine time (s since the stream began) at which the current segment started. */
  start_time?: number;
}

/** Word-end estimate for the last word (s after its last token): one subsampled frame plus a margin. */
export const LAST_WORD_TAIL_SEC = 0.2;

/**
 * Turn a sherpa-onnx transducer result into words with engine times.
 *
 * Transducers emit each token at one output frame (40 ms at subsampling 4) and give no end
 * times. A word starts at its first token; it ends where the next word starts, but no later than
 * {@link LAST_WORD_TAIL_SEC} after its own last token (also the rule for the last word). These
 * ends are estimates. Confidence is the geometric mean of the token probabilities
 * (`exp(mean log p)`) when `ys_probs` holds one log-probability per token, else null.
 *
 * @param r the parsed result JSON.
 * @param toMediaSec maps engine seconds (since the stream began) to media seconds.
 * @returns words in lower case, in time order.
 */
export function sherpaWords(r: SherpaResult, toMediaSec: (engineSec: number) => number): CaptionWord[] {
  const base = r.start_time ?? 0;
  const probs = r.ys_probs && r.ys_probs.length === r.tokens.length ? r.ys_probs : null;
  interface Acc { text: string; first: number; last: number; logp: number; n: number }
  const acc: Acc[] = [];
  for (let i = 0; i < r.tokens.length; i++) {
    const tok = r.tokens[i]!;
    const t = base + (r.timestamps[i] ?? r.timestamps[r.timestamps.length - 1] ?? 0);
    const startsWord = tok.startsWith('\u2581') || tok.startsWith(' ');
    const piece = tok.replace(/^[\u2581 ]+/, '');
    const cur = acc[acc.length - 1];
    if (startsWord || !cur) {
      if (piece === '' && !startsWord) continue;
      acc.push({ text: piece, first: t, last: t, logp: probs ? probs[i]! : 0, n: 1 });
    } else {
      cur.text += piece;
      cur.last = t;
      cur.logp += probs ? probs[i]! : 0;
      cur.n += 1;
    }
  }
  const words = acc.filter((a) => a.text.length > 0);
  return words.map((a, i) => {
    const next = words[i + 1];
    const endEngine = Math.min(a.last + LAST_WORD_TAIL_SEC, next ? Math.max(next.first, a.last) : Infinity);
    const startSec = toMediaSec(a.first);
    const endSec = Math.max(startSec, toMediaSec(endEngine));
    let confidence: number | null = null;
    if (probs) {
      const mean = a.logp / a.n;
      confidence = mean <= 0 ? Math.exp(mean) : Math.min(1, mean);
    }
    return { word: a.text.toLowerCase(), startSec, endSec, confidence };
  });
}
