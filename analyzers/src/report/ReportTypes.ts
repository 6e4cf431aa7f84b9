/**
 * Types of the post-session report (issue 6): tips, drills, read-aloud scoring and the full-pass
 * analysis result the job stores. Times are seconds of the RECORDING (playback position in the
 * session's `recording.webm`, what the replay page's `?t=` seeks to), because the full pass runs
 * on the recording file. Units are in the names.
 */
import type { RubricResult, ScoreEvidence, ScoringInput, SubscoreKey } from '../scoring/RubricTypes.ts';

/** One coaching tip: tied to a weak subscore and the moments that pulled it down. */
export interface Tip {
  /** The subscore the tip addresses. */
  subscore: SubscoreKey;
  /** The subscore, 0–100. */
  score: number;
  /** Short headline, e.g. `Slow down`. */
  title: string;
  /** One or two sentences of advice, naming the measured value and the reference band. */
  advice: string;
  /** Up to 3 moments (recording seconds) to replay, worst first; may be empty. */
  evidence: ScoreEvidence[];
}

/** Kinds of practice drills. */
export const DRILL_KINDS = ['pacing', 'pauses', 'fillers', 'pitch-variety', 'read-aloud'] as const;
export type DrillKind = (typeof DRILL_KINDS)[number];

/** One practice drill generated from the weakest subscores. */
export interface Drill {
  kind: DrillKind;
  /** The subscore it trains (null for the read-aloud accuracy drill, which trains articulation). */
  subscore: SubscoreKey | null;
  title: string;
  /** What to do, in one paragraph. */
  instructions: string;
  /**
   * The passage to read. Markup: `*word*` = stress this word (pitch-variety drill), ` / ` = pause
   * here (pauses drill, `targetPauseSec`). The read-aloud drill's passage is its target sentence.
   */
  passage: string;
  /** Pacing drill: the words-per-minute to aim at, and the seconds the passage should take at it. */
  targetWpm?: number;
  targetDurationSec?: number;
  /** Pauses drill: length of each marked pause, seconds. */
  targetPauseSec?: number;
  /** Fillers drill: the fillers heard most in this session (most frequent first). */
  targetFillers?: string[];
  /** Pitch-variety drill: the words marked for emphasis, in passage order. */
  emphasisWords?: string[];
}

/** One aligned position of a read-aloud attempt (Levenshtein alignment on normalised words). */
export interface AlignedWord {
  /** Target word (null for an inserted word). */
  target: string | null;
  /** Recognised word (null for a missed word). */
  heard: string | null;
  op: 'match' | 'substitution' | 'deletion' | 'insertion';
}

/** Result of scoring a read-aloud attempt against its target sentence. */
export interface ReadAloudResult {
  /** Target words read correctly / target words, 0–1 (1 − (S + D) / N). */
  accuracy: number;
  /** Word error rate (S + D + I) / N, ≥ 0. */
  wer: number;
  /** Target words not read (deleted or substituted), in order. */
  missedWords: string[];
  /** The alignment, in target order. */
  alignment: AlignedWord[];
  /** What the recogniser heard. */
  transcript: string;
}

/** Progress of a full-pass analysis (fraction of the whole job, 0–1). */
export type FullPassStage = 'decode' | 'voice' | 'language' | 'body' | 'done';

/**
 * What the full-pass analysis of one recording produces (stored by the job; re-scoring a session
 * under a new rubric reads `scoringInput` instead of re-running the analysis).
 */
export interface FullPassResult {
  /** Decoded audio length, seconds. */
  durationSec: number;
  /** The compact analysis the rubric reads (times in recording seconds). */
  scoringInput: ScoringInput;
  /** Final transcript ('' without an ASR engine). */
  transcript: string;
  /** Engines used, e.g. `{ vad: 'silero-vad v5', asr: 'pocketsphinx', pose: 'movenet-lightning' }`. */
  engines: Record<string, string>;
  /** Summary numbers for the report header (null where unmeasured). */
  summary: {
    wpm: number | null;
    articulationWpm: number | null;
    fillersPerMin: number | null;
    fillerWords: Record<string, number>;
    speakingRatio: number;
    pitchVariabilitySt: number | null;
    pauses: number;
  };
  /** CPU wall time per stage, milliseconds. */
  stageMs: Record<string, number>;
}

/** Scores, tips and drills of one session under one rubric version. */
export interface ScoredReport {
  scores: RubricResult;
  tips: Tip[];
  drills: Drill[];
}
