/**
 * Word alignment of a talk's recognised words to its script: global in the script's prefix,
 * with the rest of the script free (the speaker has not got there yet), and affine gap costs
 * (Gotoh 1982, "An improved algorithm for matching biological sequences", J. Mol. Biol. 162:705).
 *
 * Why not an LCS diff (jsdiff's `diffArrays`, Myers 1986) or the repo's Levenshtein
 * `alignWords` (text/words.ts): both charge a gap per word, so in a noisy transcript (PocketSphinx
 * on read speech: 20–50 % word errors) a skipped passage comes out riddled with chance matches of
 * function words ("to", "be", "he") pulled from the surrounding speech, and the trailing unspoken
 * script costs as much as errors do. An affine gap (open once, extend cheaply) keeps a skipped
 * passage one gap, and the free script suffix keeps "not reached yet" from distorting the rest.
 * No maintained npm package implements semi-global affine-gap alignment over arbitrary tokens.
 */

/** Scores of {@link alignScript} (higher is better). */
export interface AlignScores {
  /** Same word. */
  match: number;
  /** Nearly the same word ({@link nearWords}: a misrecognised ending or vowel, e.g. "powered" for "power"). */
  near: number;
  /** Different words aligned (a misrecognition). */
  mismatch: number;
  /** Skipping script words: opening the gap, and each further word of it. */
  skipOpen: number;
  skipExtend: number;
  /** Recognised words outside the script (ad-lib or recognition noise): opening, each further word. */
  insertOpen: number;
  insertExtend: number;
}

/**
 * Default scores: match +2, near +1, mismatch −0.5; skip open −3, extend −0.3; insert open −3,
 * extend −1. A misrecognised word costs less aligned in place (−0.5) than left out (−1), so noisy
 * speech stays on its passage instead of being thrown away as "off script"; skipping is cheap per
 * word once opened (leaving out a passage is what speakers do), so a skipped 14-word passage is
 * one gap (−6.9), and a chance match inside it gains at most what splitting the gap costs (≈ 3).
 * Chosen on the unit tests' synthetic talks and on real PocketSphinx output of
 * the LibriVox fixture (script.test.ts "real recogniser output"; e2e test/e2e/script.test.ts).
 */
export const DEFAULT_SCORES: Readonly<AlignScores> = { match: 2, near: 1, mismatch: -0.5, skipOpen: -3, skipExtend: -0.3, insertOpen: -3, insertExtend: -1 };

/**
 * Whether two different words are "nearly the same": both ≥ 3 letters and at most one character
 * edit per 3 letters of the longer (Levenshtein distance on characters): "men"/"man",
 * "powered"/"power", "exposed"/"disposed", "them"/"then"; not "is"/"his" or "maid"/"made".
 */
export function nearWords(a: string, b: string): boolean {
  if (a.length < 3 || b.length < 3) return false;
  const limit = Math.floor(Math.max(a.length, b.length) / 3);
  if (Math.abs(a.length - b.length) > limit) return false;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      rowMin = Math.min(rowMin, cur[j]!);
    }
    if (rowMin > limit) return false;
    prev = cur;
  }
  return prev[b.length]! <= limit;
}

/** Largest script words × heard words product aligned (one byte of trace back each: 40 MB). */
export const MAX_ALIGN_CELLS = 40_000_000;

/** One step of an alignment: script word `s` with heard word `h` (match or mismatch), or a gap. */
export type AlignOp =
  /** `near`: {@link nearWords}. */
  | { op: 'match' | 'near' | 'mismatch'; s: number; h: number }
  /** Script word `s` not spoken (skipped). */
  | { op: 'skip'; s: number }
  /** Heard word `h` not in the script (ad-lib or recognition noise). */
  | { op: 'insert'; h: number };

// Trace-back byte per cell: bits 0–1 = predecessor state of M, bits 2–3 of X, bits 4–5 of Y.
// States: M = ends with a script word aligned to a heard word (moves i and j), X = ends skipping a
// script word (moves i), Y = ends inserting a heard word (moves j).
const S_M = 0;
const S_X = 1;
const S_Y = 2;

/**
 * Aligns `heard` (recognised words, in time order) to `script` (words, in order), both already
 * normalised (lower case; see `normalizeWords`). Every heard word is aligned or inserted. With
 * `freeEnd` (default, live) the script is aligned up to some word and the rest is left out at no
 * cost (not reached yet); without it (the talk is over) every script word is aligned or skipped,
 * so leaving the end out costs like any skip and noise cannot "save" it by piling onto earlier
 * passages.
 * O(n·m) time, n·m bytes of trace back and O(m) scores.
 * @returns the operations in order; script words after the last `match`/`mismatch`/`skip` are not reached.
 * @throws RangeError when script × heard exceeds {@link MAX_ALIGN_CELLS}.
 */
export function alignScript(script: readonly string[], heard: readonly string[], scores: AlignScores = DEFAULT_SCORES, opts: { freeEnd?: boolean } = {}): AlignOp[] {
  const freeEnd = opts.freeEnd ?? true;
  const n = script.length;
  const m = heard.length;
  if ((n + 1) * (m + 1) > MAX_ALIGN_CELLS) throw new RangeError(`script (${n} words) × transcript (${m} words) is too large to align (limit ${MAX_ALIGN_CELLS} cells)`);
  const { skipOpen, skipExtend, insertOpen, insertExtend } = scores;
  // Pair scores, memoised per distinct (script word, heard word) pair.
  const pairCache = new Map<string, number>();
  const pair = (a: string, b: string): number => {
    if (a === b) return scores.match;
    const key = `${a}\u0000${b}`;
    let v = pairCache.get(key);
    if (v === undefined) pairCache.set(key, (v = nearWords(a, b) ? scores.near : scores.mismatch));
    return v;
  };
  const W = m + 1;
  const trace = new Uint8Array((n + 1) * W);
  const NEG = -1e18;
  let pM = new Float64Array(W), pX = new Float64Array(W), pY = new Float64Array(W);
  let cM = new Float64Array(W), cX = new Float64Array(W), cY = new Float64Array(W);
  // Row 0: heard words before the first script word are insertions.
  pM[0] = 0;
  pX[0] = NEG;
  pY[0] = NEG;
  for (let j = 1; j <= m; j++) {
    pM[j] = NEG;
    pX[j] = NEG;
    pY[j] = j === 1 ? insertOpen : pY[j - 1]! + insertExtend;
    trace[j] = (j === 1 ? S_M : S_Y) << 4;
  }
  // Best end: any row i of the last column (the script's remainder is free).
  let bestScore = Math.max(pM[m]!, pY[m]!); // (row 0: only meaningful with a free end or an empty script)
  let bestI = 0;
  let bestState = m === 0 ? S_M : S_Y;
  for (let i = 1; i <= n; i++) {
    const si = script[i - 1];
    // Column 0: script words skipped before the first heard word.
    cM[0] = NEG;
    cY[0] = NEG;
    cX[0] = i === 1 ? skipOpen : pX[0]! + skipExtend;
    trace[i * W] = (i === 1 ? S_M : S_X) << 2;
    for (let j = 1; j <= m; j++) {
      // M: diagonal, from the best state at (i-1, j-1).
      let best = pM[j - 1]!;
      let fm = S_M;
      if (pX[j - 1]! > best) { best = pX[j - 1]!; fm = S_X; }
      if (pY[j - 1]! > best) { best = pY[j - 1]!; fm = S_Y; }
      cM[j] = best + pair(si!, heard[j - 1]!);
      // X: skip script word i; open from M or Y at (i-1, j), or extend X.
      let fx = pM[j]! >= pY[j]! ? S_M : S_Y;
      let x = Math.max(pM[j]!, pY[j]!) + skipOpen;
      if (pX[j]! + skipExtend > x) { x = pX[j]! + skipExtend; fx = S_X; }
      cX[j] = x;
      // Y: insert heard word j; open from M or X at (i, j-1), or extend Y.
      let fy = cM[j - 1]! >= cX[j - 1]! ? S_M : S_X;
      let y = Math.max(cM[j - 1]!, cX[j - 1]!) + insertOpen;
      if (cY[j - 1]! + insertExtend > y) { y = cY[j - 1]! + insertExtend; fy = S_Y; }
      cY[j] = y;
      trace[i * W + j] = fm | (fx << 2) | (fy << 4);
    }
    const eM = cM[m]!, eX = cX[m]!, eY = cY[m]!;
    const end = Math.max(eM, eX, eY);
    if ((freeEnd || i === n) && (end > bestScore || (!freeEnd && i === n))) {
      bestScore = end;
      bestI = i;
      bestState = eM >= eX && eM >= eY ? S_M : eX >= eY ? S_X : S_Y;
    }
    [pM, cM] = [cM, pM];
    [pX, cX] = [cX, pX];
    [pY, cY] = [cY, pY];
  }

  const ops: AlignOp[] = [];
  let i = bestI;
  let j = m;
  let state = bestState;
  while (i > 0 || j > 0) {
    const t = trace[i * W + j]!;
    if (state === S_M) {
      const a = script[i - 1]!, b = heard[j - 1]!;
      ops.push({ op: a === b ? 'match' : nearWords(a, b) ? 'near' : 'mismatch', s: i - 1, h: j - 1 });
      state = t & 3;
      i--;
      j--;
    } else if (state === S_X) {
      ops.push({ op: 'skip', s: i - 1 });
      state = (t >> 2) & 3;
      i--;
    } else {
      ops.push({ op: 'insert', h: j - 1 });
      state = (t >> 4) & 3;
      j--;
    }
  }
  return ops.reverse();
}
