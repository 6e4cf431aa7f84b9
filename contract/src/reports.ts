/**
 * What the post-session report API sends: subscores, tips, drills, job status, the
 * report document and progress over sessions. Shared by the scoring code (analyzers), the HTTP API
 * (gateway) and the web app. Times are seconds of the RECORDING (playback position in the
 * session's `recording.webm`, what the replay page's `?t=` seeks to). Timestamps are ISO 8601
 * strings. Scores are 0–100.
 */
import { z } from 'zod';
import type { NudgeEffect } from './nudges.ts';

/** The eight subscores, in report order. */
export const SUBSCORE_KEYS = ['pace', 'fillers', 'pauses', 'pitchVariety', 'volume', 'posture', 'gestures', 'eyeContact'] as const;
/** Name of a subscore. */
export type SubscoreKey = (typeof SUBSCORE_KEYS)[number];

/** Reference range of the quantity a subscore is scored on (score 100 inside [low, high]). */
export interface ScoreReference {
  /** The key in `Subscore.value` this range applies to, e.g. `wpm`. */
  quantity: string;
  /** Lower bound of the reference band (may be 0). */
  low: number;
  /** Upper bound of the reference band (may be Infinity for one-sided bands; JSON: null). */
  high: number;
  /** Unit of low/high, e.g. `words/min`. */
  unit: string;
  /** Where the range comes from (publication, coaching guideline, or "engineering choice"). */
  source: string;
}

/** A moment that pulled a subscore down (for tips and replay links). */
export interface ScoreEvidence {
  /** Recording seconds. */
  startSec: number;
  endSec: number;
  /** Human-readable, e.g. `wpm 196 (reference 120–160 words/min)`. */
  note: string;
}

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

/** State of a session's analysis job. */
export type AnalysisJobState = 'queued' | 'running' | 'done' | 'failed';

/** Job status as the API shows it (`GET /v1/sessions/:id/job`, and inside the report). */
export interface JobStatus {
  state: AnalysisJobState;
  /** 0–100. */
  percent: number;
  /** Current stage while running, e.g. `language`. */
  stage: string | null;
  attempts: number;
  /** Reason of the last failed attempt (with state `failed`, why the job failed). */
  error: string | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Download → scores stored, ms (done jobs). */
  wallMs: number | null;
}

/** One subscore row of the report (score null = not measurable in this session, e.g. no video). */
export interface SubscoreRow {
  key: SubscoreKey;
  /** Display name, e.g. `Pitch variety`. */
  label: string;
  /** 0–100, null when not measurable. */
  score: number | null;
  /** 95 % interval of the score (moving-block bootstrap), null when not measurable. */
  ci95: [number, number] | null;
  /** The measured quantities, e.g. `{ wpm: 196 }`. */
  value: Record<string, number> | null;
  /** The reference band; `high` null = no upper bound (Infinity does not survive JSON). */
  reference: (Omit<ScoreReference, 'high'> & { high: number | null }) | null;
  evidence: ScoreEvidence[];
}

/** Summary numbers for the report header (null where unmeasured). */
export interface ReportSummary {
  /** Words per minute over the talk. */
  wpm: number | null;
  /** Words per minute of speaking time (pauses excluded). */
  articulationWpm: number | null;
  fillersPerMin: number | null;
  /** Count of each filler heard. */
  fillerWords: Record<string, number>;
  /** Speaking time / talk time, 0–1. */
  speakingRatio: number;
  /** Pitch variability, semitones. */
  pitchVariabilitySt: number | null;
  /** Number of pauses. */
  pauses: number;
}

/**
 * The report of one session (`GET /v1/sessions/:id/report`, the shared report, the HTML page, the
 * CSV and PDF exports). Times in evidence and tips are recording seconds (replay `?t=`).
 */
export interface SessionReport {
  sessionId: string;
  title: string | null;
  roomId: string;
  startedAt: string;
  /** Recording length analysed, seconds (null before the analysis). */
  durationSec: number | null;
  job: JobStatus | null;
  /** Null until the first analysis is done. */
  report: {
    rubricVersion: string;
    /** Versions this session has scores under (re-scored sessions have several). */
    rubricVersions: string[];
    scoredAt: string;
    overall: { score: number; ci95: [number, number] } | null;
    subscores: SubscoreRow[];
    tips: Tip[];
    drills: Drill[];
    summary: ReportSummary | null;
    /** Engines used, e.g. `{ vad: 'silero-vad v5', asr: 'pocketsphinx' }`. */
    engines: Record<string, string>;
    transcript: string;
  } | null;
  /** Video clips of the best and weakest moments (cut after scoring; null before the analysis). */
  clips: ReportClips | null;
  /**
   * How the nudged metric moved in the 15 s after each live nudge vs the 15 s before, per kind
   * (from the stored live metrics; empty without nudges; absent from servers before #14).
   */
  nudgeEffects?: NudgeEffect[];
}

/** `GET /v1/progress`: subscores of scored sessions over time (oldest first) and personal bests. */
export interface Progress {
  rubricVersion: string;
  sessions: { sessionId: string; title: string | null; roomId: string; startedAt: string; overall: number | null; subscores: Record<SubscoreKey, number | null> }[];
  personalBests: Record<'overall' | SubscoreKey, { score: number; sessionId: string; startedAt: string } | null>;
}

/** One aligned position of a read-aloud attempt (Levenshtein alignment on normalised words). */
export const AlignedWordSchema = z.object({
  /** Target word (null for an inserted word). */
  target: z.string().nullable(),
  /** Recognised word (null for a missed word). */
  heard: z.string().nullable(),
  op: z.enum(['match', 'substitution', 'deletion', 'insertion']),
});
export type AlignedWord = z.infer<typeof AlignedWordSchema>;

/** Result of scoring a read-aloud attempt against its target sentence. */
export const ReadAloudResultSchema = z.object({
  /** Target words read correctly / target words, 0–1 (1 − (S + D) / N). */
  accuracy: z.number().min(0).max(1),
  /** Word error rate (S + D + I) / N, ≥ 0. */
  wer: z.number().nonnegative(),
  /** Target words not read (deleted or substituted), in order. */
  missedWords: z.array(z.string()),
  /** The alignment, in target order. */
  alignment: z.array(AlignedWordSchema),
  /** What the recogniser heard. */
  transcript: z.string(),
});
export type ReadAloudResult = z.infer<typeof ReadAloudResultSchema>;

/** `POST /v1/drills/read-aloud?target=…`: the scored attempt, the ASR engine used and the attempt's length. */
export const ReadAloudResponseSchema = ReadAloudResultSchema.extend({
  /** ASR engine that transcribed the attempt, e.g. `pocketsphinx`. */
  engine: z.string(),
  /** Decoded attempt length, seconds. */
  durationSec: z.number().nonnegative(),
});
export type ReadAloudResponse = z.infer<typeof ReadAloudResponseSchema>;

// ── Clips ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Kinds of report clips (gateway/src/reports/clips/moments.ts picks them from the full pass):
 * - `filler-cluster` — the 20 s with the most fillers (≥ 2);
 * - `fastest-pace` — the 20 s with the most words per minute;
 * - `longest-pause` — the longest silent pause, with 5 s before and 3 s after it;
 * - `liveliest` — the 20 s with the widest pitch variety (F0 SD in semitones, inside the band first);
 * - `steadiest` — the minute (30 s in talks under 75 s) with the least variation of level and pace.
 */
export const CLIP_KINDS = ['filler-cluster', 'fastest-pace', 'longest-pause', 'liveliest', 'steadiest'] as const;
export const ClipKindSchema = z.enum(CLIP_KINDS);
export type ClipKind = z.infer<typeof ClipKindSchema>;

/** Whether a clip shows something to keep (`best`), to work on (`weak`) or just notable (`neutral`, e.g. the fastest 20 s while inside the pace band). */
export const ClipToneSchema = z.enum(['best', 'weak', 'neutral']);
export type ClipTone = z.infer<typeof ClipToneSchema>;

/** One caption burned into a clip: seconds of the CLIP (0 = its first frame), the words shown. */
export const ClipCaptionSchema = z.object({
  startSec: z.number().nonnegative(),
  endSec: z.number().nonnegative(),
  text: z.string(),
});
export type ClipCaption = z.infer<typeof ClipCaptionSchema>;

/** A moment of the talk worth replaying (before it is cut). Times are recording seconds. */
export const ClipMomentSchema = z.object({
  kind: ClipKindSchema,
  tone: ClipToneSchema,
  /** Recording seconds (replay `?t=`), 0 ≤ startSec < endSec ≤ the recording's length. */
  startSec: z.number().nonnegative(),
  endSec: z.number().nonnegative(),
  /** Short headline, e.g. `Rushed 20 s`. */
  title: z.string().min(1).max(80),
  /** One sentence with the measured value and the reference band, e.g. `186 WPM over these 20 s (reference 120–160 words/min)`. */
  why: z.string().min(1).max(300),
  /** The measured value the moment was picked on, in `unit` (e.g. 186 `words/min`). */
  value: z.number(),
  unit: z.string(),
});
export type ClipMoment = z.infer<typeof ClipMomentSchema>;

/**
 * A clip on the report: the moment, and the cut video (WebM, VP8 + Opus, captions burned in) or why
 * it could not be cut. `url` is a presigned GET of the object store, made after the access check
 * (the signed-in caller's, or the share link's) and valid ≤ 15 min (`urlExpiresAt`).
 */
export const ReportClipSchema = ClipMomentSchema.extend({
  id: z.string().uuid(),
  /** `pending` until cut (the job marks the report done first, then cuts the clips in order). */
  state: z.enum(['pending', 'ready', 'failed']),
  /** Why the clip could not be cut (state `failed`), else null. */
  error: z.string().nullable(),
  /** Length of the cut clip, seconds (null until ready). */
  durationSec: z.number().nullable(),
  /** e.g. `video/webm`. */
  contentType: z.string(),
  url: z.string().nullable(),
  urlExpiresAt: z.string().nullable(),
  /** The captions burned in (clip seconds); empty when no words were recognised in the clip. */
  captions: z.array(ClipCaptionSchema),
});
export type ReportClip = z.infer<typeof ReportClipSchema>;

/**
 * The report's clips: `cutting` while some are `pending` (the report is done; fetch it again to
 * see each clip as it is stored), `ready` once none is pending (items may be empty: `note` says
 * why, e.g. the talk is too short), `off` when clips are disabled on this server or the object
 * store is missing (`note` says which).
 */
export const ReportClipsSchema = z.object({
  state: z.enum(['cutting', 'ready', 'off']),
  items: z.array(ReportClipSchema),
  note: z.string().nullable(),
});
export type ReportClips = z.infer<typeof ReportClipsSchema>;
