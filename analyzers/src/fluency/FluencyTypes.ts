import type { CaptionWord, DisfluencyKind } from '@lectern/contract';

/** A silent interval in media seconds (e.g. a `FinishedPause` from the voice pipeline). */
export interface PauseSpan {
  /** Media time (s) speech stopped. */
  startSec: number;
  /** Media time (s) speech resumed. */
  endSec: number;
}

/** A word as the rules see it: the caption word plus its normalised token. */
export interface RuleWord extends CaptionWord {
  /** Lower case, punctuation stripped, apostrophes kept (`don't`, `i'm`). */
  token: string;
}

/** One disfluency found by a rule, before room/producer/server time are attached. */
export interface DisfluencyMatch {
  /** Contract kind: `filled-pause`, `lexical-filler`, `repetition` or `hedge`. */
  kind: DisfluencyKind;
  /** The words involved, e.g. `like`, `you know`, `i i`, `um`. */
  text: string;
  /** Media time (s) of the first word's start. */
  startSec: number;
  /** Media time (s) of the last word's end. */
  endSec: number;
  /** Id of the rule that fired (see `lexicalRules.ts`), for explanations and tests. */
  rule: string;
}

/** Options of a {@link FluencyTracker}. */
export interface FluencyTrackerOptions {
  /** Room id stamped on frames and events. */
  roomId: string;
  /** Producer id stamped on frames and events. */
  producerId: string;
  /** Server clock (Unix ms) for `serverTimeMs`; default `Date.now`. */
  now?: () => number;
  /** Silence between words that counts as a pause for the rules and pace, s; default MIN_PAUSE_SEC (0.25). */
  minPauseSec?: number;
}

/** One filler occurrence in a summary. */
export interface FillerItem {
  /** The filler, e.g. `um`, `like`, `you know`. */
  word: string;
  /** Media time (s) it starts. */
  startSec: number;
  /** Media time (s) it ends. */
  endSec: number;
  /** `filled-pause` (um/uh, acoustic or recognised) or `lexical-filler`. */
  kind: 'filled-pause' | 'lexical-filler';
}

/** Per-session totals (for `npm run analyze` and the report). */
export interface FluencySummary {
  /** Words recognised (finals). */
  words: number;
  /** Words per minute from the first word's start to the last word's end; null with < 5 s of speech. */
  wpm: number | null;
  /** Words per minute of speaking time (pauses ≥ minPauseSec removed); null with < 5 s. */
  articulationWpm: number | null;
  /** Speaking span (s) from the first word's start to the last word's end. */
  spanSec: number;
  /** Filled pauses plus lexical fillers. */
  fillers: { count: number; perMin: number; items: FillerItem[] };
  /** Repetitions ("i i", "the the", "i was i was"). */
  repetitions: { count: number; items: DisfluencyMatch[] };
  /** Hedges ("i think", "maybe", "sort of" + content, "just", …). */
  hedges: { count: number; items: DisfluencyMatch[] };
}
