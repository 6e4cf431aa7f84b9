/**
 * Types of the post-session report: tips, drills, read-aloud scoring and the full-pass
 * analysis result the job stores. Times are seconds of the RECORDING (playback position in the
 * session's `recording.webm`, what the replay page's `?t=` seeks to), because the full pass runs
 * on the recording file. Units are in the names.
 */
import type { RubricResult, ScoringInput } from '../scoring/RubricTypes.ts';

// Tips and drills are part of the report API: defined in the contract.
export { DRILL_KINDS } from '@lectern/contract';
export type { Drill, DrillKind, Tip } from '@lectern/contract';
// So is the read-aloud drill's result (`POST /v1/drills/read-aloud`).
export type { AlignedWord, ReadAloudResponse, ReadAloudResult } from '@lectern/contract';
import type { Drill, ReportSummary, Tip } from '@lectern/contract';

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
  summary: ReportSummary;
  /** CPU wall time per stage, milliseconds. */
  stageMs: Record<string, number>;
}

/** Scores, tips and drills of one session under one rubric version. */
export interface ScoredReport {
  scores: RubricResult;
  tips: Tip[];
  drills: Drill[];
}
