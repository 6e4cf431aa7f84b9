/**
 * Transcript helpers shared by the live caption strip and the replay transcript: match filler
 * events (`fluency:event` kinds `lexical-filler` and `filled-pause`) to recognised words by media
 * time, and place acoustic filled pauses that no word covers ("um" the recogniser dropped) between
 * the words as tokens of their own.
 */

/** A span of media time, seconds. */
export interface Span {
  startSec: number;
  endSec: number;
}

/** A recognised word with its media time span. */
export interface WordLike extends Span {
  word: string;
}

/** A disfluency as the page sees it (live `DisfluencyEvent` or a stored timeline row). */
export interface FillerLike extends Span {
  kind: string;
  text: string;
}

/** One token to render: a recognised word (maybe a filler) or an acoustic filled pause on its own. */
export interface Token extends Span {
  type: 'word' | 'filled-pause';
  text: string;
  /** The filler this token is part of, or null. */
  filler: FillerLike | null;
  /** Index of the word in the input list (`type === 'word'`), else -1. */
  index: number;
}

/** Disfluency kinds counted (and highlighted) as fillers. */
export const FILLER_KINDS: ReadonlySet<string> = new Set(['lexical-filler', 'filled-pause']);

export const isFiller = (d: { kind: string }): boolean => FILLER_KINDS.has(d.kind);

/** Slack for rounding between the recogniser's and the detector's times, seconds. */
const SLACK_SEC = 0.05;

/**
 * Whether a word belongs to a filler span: they overlap by at least half of the shorter of the two
 * (so a filler ending exactly where the next word starts does not claim it), or the word is
 * zero-length and lies inside the span (± 50 ms).
 */
export function overlapsFiller(word: Span, filler: Span): boolean {
  const overlap = Math.min(word.endSec, filler.endSec) - Math.max(word.startSec, filler.startSec);
  const shorter = Math.min(word.endSec - word.startSec, filler.endSec - filler.startSec);
  if (shorter <= 0) {
    const mid = (word.startSec + word.endSec) / 2;
    return mid >= filler.startSec - SLACK_SEC && mid <= filler.endSec + SLACK_SEC;
  }
  return overlap >= shorter * 0.5 - 1e-6;
}

/**
 * Tokens of `words` (in time order) with fillers matched by time span. Filled pauses that overlap
 * no word become tokens of their own when they fall inside `[fromSec, toSec)`; pass the range of
 * the line or segment the words belong to (default: all).
 */
export function tokenize(
  words: readonly WordLike[],
  fillers: readonly FillerLike[],
  range: { fromSec?: number; toSec?: number } = {},
): Token[] {
  const sorted = fillers.filter(isFiller).slice().sort((a, b) => a.startSec - b.startSec);
  const claimed = new Set<FillerLike>();
  const out: Token[] = [];
  let j = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    // Fillers ending before this word starts can match no later word either (words are in order).
    while (j < sorted.length && sorted[j]!.endSec < w.startSec - SLACK_SEC) j++;
    let match: FillerLike | null = null;
    for (let k = j; k < sorted.length && sorted[k]!.startSec <= w.endSec + SLACK_SEC; k++) {
      if (overlapsFiller(w, sorted[k]!)) {
        match = sorted[k]!;
        break;
      }
    }
    if (match) claimed.add(match);
    out.push({ type: 'word', text: w.word, startSec: w.startSec, endSec: w.endSec, filler: match, index: i });
  }
  const from = range.fromSec ?? Number.NEGATIVE_INFINITY;
  const to = range.toSec ?? Number.POSITIVE_INFINITY;
  const loose = sorted.filter(
    (f) => f.kind === 'filled-pause' && !claimed.has(f) && f.startSec >= from && f.startSec < to && !words.some((w) => overlapsFiller(w, f)),
  );
  if (loose.length === 0) return out;
  for (const f of loose) {
    const t: Token = { type: 'filled-pause', text: f.text || 'um', startSec: f.startSec, endSec: f.endSec, filler: f, index: -1 };
    // Insert before the first word that starts after it.
    const at = out.findIndex((x) => x.startSec > f.startSec);
    if (at < 0) out.push(t);
    else out.splice(at, 0, t);
  }
  return out;
}

/** A group of words (one recogniser segment / utterance). */
export interface Segment<W extends WordLike = WordLike> {
  id: number;
  words: W[];
}

/**
 * Tokens per segment. Each loose filled pause goes to the segment it falls in or, between
 * segments, to the one before it (the first segment for fillers before any speech).
 */
export function tokenizeSegments<W extends WordLike>(segments: readonly Segment<W>[], fillers: readonly FillerLike[]): Token[][] {
  return segments.map((s, i) => {
    const first = s.words[0];
    const nextFirst = segments[i + 1]?.words[0];
    return tokenize(s.words, fillers, {
      fromSec: i === 0 ? Number.NEGATIVE_INFINITY : (first?.startSec ?? Number.POSITIVE_INFINITY),
      toSec: nextFirst?.startSec ?? Number.POSITIVE_INFINITY,
    });
  });
}

/** Groups words (ordered by time) into segments by `segmentId`, keeping time order. */
export function groupBySegment<W extends WordLike & { segmentId: number }>(words: readonly W[]): Segment<W>[] {
  const out: Segment<W>[] = [];
  for (const w of words) {
    const last = out.at(-1);
    if (last && last.id === w.segmentId) last.words.push(w);
    else out.push({ id: w.segmentId, words: [w] });
  }
  return out;
}

/** Filler kind as a short phrase for tooltips. */
export function fillerLabel(kind: string): string {
  return kind === 'filled-pause' ? 'filled pause' : kind === 'lexical-filler' ? 'filler word' : kind.replace(/-/g, ' ');
}
