/**
 * Types of the rubric scoring core: the compact input a session's analysis is
 * reduced to, the per-second timeline statistics the formulas read, and the scored result.
 * All times are media seconds (live: since the producer's first RTP packet; offline: since the
 * start of the file). Units are in the names.
 */

/** One 100 ms voice window (a subset of the contract's `VoiceFrame`). */
export interface ScoringVoiceWindow {
  /** Start of the window, media seconds (≥ 0). */
  mediaTimeSec: number;
  /** RMS level in dBFS, [-100, 0] (see `VoiceFrameSchema`). */
  levelDbfs: number;
  /** Median F0 in Hz of the window, null when unvoiced. */
  f0Hz: number | null;
  /** VAD speech decision for the window. */
  isSpeech: boolean;
  /** Length of the current pause in seconds, 0 while speaking (kept for future rubrics). */
  pauseSec: number;
}

/** A finished pause (silence ≥ MIN_PAUSE_SEC = 0.25 s between speech), media seconds. */
export interface ScoringPause {
  startSec: number;
  endSec: number;
}

/** A recognised word (text optional: the rubric only counts words). */
export interface ScoringWord {
  startSec: number;
  endSec: number;
  word?: string;
}

/** One filler ("um", "uh", lexical "like", "you know"), e.g. a `FillerItem` of `FluencySummary`. */
export interface ScoringFiller {
  startSec: number;
  endSec: number;
  word?: string;
}

/**
 * One body-metric sample (a flattened `BodyFrame`: each `Measured.value`, null when unknown or
 * when its confidence was too low). Angles in degrees, movement in shoulder widths (SW).
 */
export interface ScoringBodyWindow {
  /** Media time of the frame, seconds. */
  mediaTimeSec: number;
  /** Shoulder-line tilt, degrees, ±90. */
  shoulderTiltDeg: number | null;
  /** Lateral torso lean, degrees, ±90. */
  torsoLeanDeg: number | null;
  /** Wrist speed relative to the torso, SW per second (last 1 s). */
  gestureSwPerSec: number | null;
  /** Share 0–1 of the last 10 s facing the camera (|yaw| ≤ 30°), the eye-contact proxy. */
  facingRatio: number | null;
}

/**
 * Everything a rubric needs from one session's analysis. Built by the offline CLI (from
 * `OfflineVoiceAnalysisResult` + `FluencySummary`) or by the post-session job; see
 * `scoringInput.ts` for converters from the contract frames.
 */
export interface ScoringInput {
  /** Length of the analysed recording, seconds (> 0). */
  durationSec: number;
  /** 100 ms voice windows in time order (may be empty). */
  voice: ScoringVoiceWindow[];
  /** Finished pauses. */
  pauses: ScoringPause[];
  /** Recognised words (finals). */
  words: ScoringWord[];
  /** Fillers (filled pauses and lexical fillers). */
  fillers: ScoringFiller[];
  /** Body-metric samples; absent/null/empty when there was no video → body subscores are null. */
  body?: ScoringBodyWindow[] | null;
}

// Subscore names, reference ranges and evidence are part of the report API: defined in the contract.
export { SUBSCORE_KEYS } from '@lectern/contract';
export type { ScoreEvidence, ScoreReference, SubscoreKey } from '@lectern/contract';
import type { ScoreEvidence, ScoreReference, SubscoreKey } from '@lectern/contract';

/** One scored dimension. */
export interface Subscore {
  /** 0–100 (100 = inside the reference band). */
  score: number;
  /** 95 % moving-block-bootstrap percentile interval of the score, [lo, hi] ⊂ [0, 100], lo ≤ score ≤ hi. */
  ci95: [number, number];
  /** Measured quantities with units in their names, e.g. `{ wpm: 151.2 }`; `reference.quantity` is one of the keys. */
  value: Record<string, number>;
  /** The reference band the score is measured against. */
  reference: ScoreReference;
  /** Up to 3 worst 10 s blocks, worst first (empty when every block is inside the band). */
  evidence: ScoreEvidence[];
}

/** Scores of one session under one rubric version. */
export interface RubricResult {
  /** Version of the rubric that produced the scores (stored with them; re-score on change). */
  rubricVersion: string;
  /** Weighted mean of the available subscores (weights renormalised over non-null ones), 0–100. */
  overall: { score: number; ci95: [number, number] } | null;
  /** Null when the input lacks the data (e.g. no body frames, < 5 s of words). */
  subscores: Record<SubscoreKey, Subscore | null>;
}

/**
 * Additive sufficient statistics of one stretch of the timeline (a 1 s cell, a 10 s block, a
 * bootstrap resample or the whole session): every rubric formula is a function of these, so
 * resampling sums cells instead of re-running the analysis.
 */
export interface TimelineStats {
  /** Seconds of timeline covered. */
  durationSec: number;
  /** Words starting in the stretch. */
  words: number;
  /** Fillers starting in the stretch. */
  fillers: number;
  /** Pauses starting in the stretch; pauses longer than the long-pause threshold; summed length (s). */
  pauses: number;
  longPauses: number;
  pauseSec: number;
  /** Voiced windows (f0Hz ≠ null) and Σ, Σ² of their F0 in semitones re 100 Hz. */
  voiced: number;
  sumSt: number;
  sumSt2: number;
  /** Speech windows (isSpeech), Σ, Σ² of their level in dB, and those "very quiet" (see rubric). */
  speech: number;
  sumDb: number;
  sumDb2: number;
  quiet: number;
  /** Body samples with a posture angle and Σ of their tilt max(|shoulderTilt|, |torsoLean|), degrees. */
  posture: number;
  sumTiltDeg: number;
  /** Body samples with gesture activity and Σ of it, SW/s. */
  gesture: number;
  sumGestureSwPerSec: number;
  /** Body samples with a facing ratio and Σ of it. */
  facing: number;
  sumFacing: number;
}

/** Session-wide context the per-window statistics need (computed once from the whole input). */
export interface TimelineContext {
  /** Speech windows below this level (dBFS) count as very quiet; null when there is no speech. */
  quietBelowDbfs: number | null;
  /** Pauses at least this long (s) count as long. */
  longPauseSec: number;
}

/** How one subscore is measured and scored by a rubric. */
export interface RubricMetric {
  /** Reference band (score 100 inside it) and its source. */
  reference: ScoreReference;
  /**
   * The measured quantities from statistics, first key = `reference.quantity`; null when there is
   * not enough data (e.g. < 5 s of timeline, < 1 s voiced).
   */
  measure(stats: TimelineStats): Record<string, number> | null;
  /** Maps the measured quantities to 0–100. */
  score(value: Record<string, number>): number;
}

/** Block-bootstrap settings. */
export interface BootstrapSettings {
  /** Timeline cell length, seconds (block starts move in these steps). */
  cellSec: number;
  /** Block length, seconds (multiple of cellSec). */
  blockSec: number;
  /** Number of resamples. */
  resamples: number;
  /** PRNG seed (results are deterministic for a given input and rubric). */
  seed: number;
}

/** A versioned rubric: formulas, weights and uncertainty settings. */
export interface Rubric {
  /** Stored with the scores, e.g. `v1`. */
  version: string;
  /** One line describing what changed in this version. */
  description: string;
  /** Overall weights (≥ 0); renormalised over the available subscores. */
  weights: Record<SubscoreKey, number>;
  /** Formulas per subscore. */
  metrics: Record<SubscoreKey, RubricMetric>;
  /** Pauses at least this long (s) are "long". */
  longPauseSec: number;
  /** A speech window this many dB below the session's median speech level is "very quiet". */
  quietBelowMedianDb: number;
  /** Uncertainty settings. */
  bootstrap: BootstrapSettings;
}
