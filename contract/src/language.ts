import { z } from 'zod';

/**
 * Language metrics: captions from streaming speech recognition and fluency (pace, fillers,
 * repetitions, hedges). Times are media seconds since the producer's first RTP packet (live) or
 * since the start of the file (offline).
 */

/** One recognised word with its media time span and the engine's confidence (0–1) if it has one. */
export const CaptionWordSchema = z.object({
  word: z.string(),
  startSec: z.number().nonnegative(),
  endSec: z.number().nonnegative(),
  confidence: z.number().min(0).max(1).nullable(),
});
export type CaptionWord = z.infer<typeof CaptionWordSchema>;

/**
 * A caption update, emitted as `captions:update`. A `partial` replaces the previous partial of the
 * same `segmentId`; a `final` fixes the segment (append it to the transcript) and the next
 * segment starts with a higher id. The first `committedWords` words of a partial are committed:
 * later partials and the final of the segment start with exactly these words (show them as fixed
 * text); the rest is a tentative tail that may still change.
 */
export const CaptionEventSchema = z.object({
  roomId: z.string(),
  producerId: z.string(),
  kind: z.enum(['partial', 'final']),
  /** Increases by one per utterance (final). */
  segmentId: z.number().int().nonnegative(),
  text: z.string(),
  words: z.array(CaptionWordSchema),
  /**
   * Leading `words` that are committed (never rewritten in this segment), 0–`words.length`; a
   * final commits all of them. Absent from analyzers before issue #14: read it as 0 for a partial
   * and all words for a final ({@link committedWordCount}).
   */
  committedWords: z.number().int().nonnegative().optional(),
  /** Engine that produced it, e.g. `pocketsphinx` or `sherpa-onnx`. */
  engine: z.string(),
  serverTimeMs: z.number(),
});
export type CaptionEvent = z.infer<typeof CaptionEventSchema>;

/**
 * Committed words of a caption (see {@link CaptionEventSchema}): all of a final's, `committedWords`
 * of a partial (0 when absent), never more than `words.length`.
 */
export function committedWordCount(e: Pick<CaptionEvent, 'kind' | 'words' | 'committedWords'>): number {
  return e.kind === 'final' ? e.words.length : Math.min(e.committedWords ?? 0, e.words.length);
}

/** Kinds of disfluency events. */
export const DisfluencyKind = z.enum(['filled-pause', 'lexical-filler', 'repetition', 'hedge']);
export type DisfluencyKind = z.infer<typeof DisfluencyKind>;

/**
 * One disfluency, emitted as `fluency:event`: a filled pause (acoustic detector: "um", "uh"), a
 * lexical filler ("like", "you know" used as filler), a repetition ("I I"), or a hedge ("I think").
 */
export const DisfluencyEventSchema = z.object({
  roomId: z.string(),
  producerId: z.string(),
  kind: DisfluencyKind,
  /** The words involved, or `um`/`uh` style label for acoustic filled pauses. */
  text: z.string(),
  startSec: z.number().nonnegative(),
  endSec: z.number().nonnegative(),
  serverTimeMs: z.number(),
});
export type DisfluencyEvent = z.infer<typeof DisfluencyEventSchema>;

/**
 * Reference band for speaking pace, words per minute: 120–160 WPM for presentations. A coaching
 * guideline, not a measured norm (it depends on audience, language and content): the web app shows
 * it next to pace as guidance, and rubric v1 scores pace 100 inside it. Source:
 * {@link PACE_GUIDANCE_SOURCE}.
 */
export const PACE_GUIDANCE_WPM = { low: 120, high: 160 } as const;

/** Where {@link PACE_GUIDANCE_WPM} comes from (shown in reports as the pace reference's source). */
export const PACE_GUIDANCE_SOURCE =
  'Coaching guideline of 120–160 WPM for presentations (widely used by speaking coaches, e.g. Dummies ' +
  '"Innovative Presentations" recommends 110–180, Public Speaking Skills Academy and VirtualSpeech 120–160), ' +
  'consistent with measured lecture rates of about 140 WPM in Tauroza & Allison 1990, "Speech rates in ' +
  'British English", Applied Linguistics 11(1):90–105, and ~150 WPM conversational American English ' +
  '(National Center for Voice and Speech).';

/** Rolling fluency metrics, emitted as `metrics:fluency` about once a second while speaking. */
export const FluencyFrameSchema = z.object({
  roomId: z.string(),
  producerId: z.string(),
  mediaTimeSec: z.number().nonnegative(),
  serverTimeMs: z.number(),
  /** Words per minute over the last 30 s of media time (null before 5 s of speech). */
  wpm30s: z.number().nonnegative().nullable(),
  /** Words per minute since the start. */
  wpmOverall: z.number().nonnegative().nullable(),
  /** Articulation rate: words per minute of speaking time, pauses (≥ 250 ms) excluded. */
  articulationWpm: z.number().nonnegative().nullable(),
  fillerCount: z.number().int().nonnegative(),
  fillersPerMin: z.number().nonnegative(),
  repetitionCount: z.number().int().nonnegative(),
  hedgeCount: z.number().int().nonnegative(),
});
export type FluencyFrame = z.infer<typeof FluencyFrameSchema>;

/** Which speech recogniser is active and why, emitted as `asr:status` and reported by /health. */
export const AsrStatusSchema = z.object({
  /** `sherpa-onnx`, `pocketsphinx`, or `none` (captions off). */
  engine: z.string(),
  /** Human-readable reason, e.g. "sherpa-onnx model not installed (run npm run models); using pocketsphinx". */
  reason: z.string(),
  /**
   * True while partial hypotheses are withheld because the recogniser is behind (overload): captions
   * then arrive as finals only, and `reason` says so. Absent = false.
   */
  partialsShed: z.boolean().optional(),
});
export type AsrStatus = z.infer<typeof AsrStatusSchema>;
