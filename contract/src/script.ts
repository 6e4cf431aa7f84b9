/**
 * Script mode: the presenter pastes the talk's script before starting; the recognised words of
 * the session are aligned to it (analyzers/src/script/, affine-gap word alignment) to show, live
 * and in the report, where the speaker is, which passages were skipped and what was ad-libbed.
 *
 * HTTP (gateway `src/http/v1/ScriptApi.ts`):
 * - `PUT /v1/sessions/:id/script` with {@link ScriptTextSchema} — the presenter (or an admin)
 *   stores the script of a session (live or ended; a new PUT replaces it) → {@link SessionScript}.
 * - `GET /v1/sessions/:id/script` → {@link SessionScript}: the script and its alignment with the
 *   words recognised so far (poll it while live; `final` once the session has ended).
 * Times are session media time (seconds since the presenter's first audio RTP packet);
 * `replaySec` = media time + the recording's `mediaTimeOriginSec`: the replay's `?t=`.
 */
import { z } from 'zod';

/** Longest script accepted, characters (≈ 6 000 words, ≈ 45 min at 130 WPM). */
export const SCRIPT_MAX_CHARS = 40_000;

/** `PUT /v1/sessions/:id/script` body: the script as pasted (1–40 000 characters after trimming). */
export const ScriptTextSchema = z
  .object({ text: z.string().trim().min(1, 'paste the script first').max(SCRIPT_MAX_CHARS, `a script is at most ${SCRIPT_MAX_CHARS} characters`) })
  .strict();
export type ScriptText = z.output<typeof ScriptTextSchema>;

/**
 * Where a passage stands: `spoken` (enough of its words were recognised in order), `skipped`
 * (not spoken although the speaker went on past it), `ahead` (not reached yet, live) or
 * `not-reached` (not reached by the end of the session).
 */
export const ScriptPassageStatusSchema = z.enum(['spoken', 'skipped', 'ahead', 'not-reached']);
export type ScriptPassageStatus = z.infer<typeof ScriptPassageStatusSchema>;

/** A passage of the script: a sentence (or a ≤ 30-word part of a long one, or a line). */
export const ScriptPassageSchema = z.object({
  index: z.number().int().min(0),
  /** The passage as written. */
  text: z.string(),
  /** Index of its first word among the script's normalised words, and how many it has (≥ 1). */
  firstWord: z.number().int().min(0),
  wordCount: z.number().int().min(1),
  /** Its words matched by a recognised word in the alignment, the same or nearly (0…wordCount). */
  matchedWords: z.number().int().min(0),
  status: ScriptPassageStatusSchema,
  /**
   * Spoken: media time of its first matched word. Skipped: where the speaker went on past it
   * (start of the next recognised word after it). Not reached / ahead: null.
   */
  atSec: z.number().min(0).nullable(),
  /** `atSec` + the recording's origin (the replay's `?t=`), null with `atSec`. */
  replaySec: z.number().min(0).nullable(),
});
export type ScriptPassage = z.infer<typeof ScriptPassageSchema>;

/** A run of recognised words that the alignment puts outside the script (≥ 4 words in a row). */
export const ScriptAdLibSchema = z.object({
  text: z.string(),
  wordCount: z.number().int().min(1),
  /** Media time of its first word and end of its last, seconds. */
  startSec: z.number().min(0),
  endSec: z.number().min(0),
  replaySec: z.number().min(0),
  /** The passage it was said after (-1: before the first matched word). */
  afterPassage: z.number().int().min(-1),
});
export type ScriptAdLib = z.infer<typeof ScriptAdLibSchema>;

/** The alignment of a session's recognised words to its script. */
export const ScriptAlignmentSchema = z.object({
  /** True once the session has ended (`ahead` passages are then `not-reached`). */
  final: z.boolean(),
  scriptWordCount: z.number().int().min(0),
  heardWordCount: z.number().int().min(0),
  /** Script words matched by a recognised word: the same word or nearly (a misrecognised ending or vowel), after normalisation. */
  matchedWords: z.number().int().min(0),
  /** matchedWords / scriptWordCount × 100 (bounded by the recogniser's accuracy). */
  wordMatchPct: z.number().min(0).max(100),
  /** Script coverage: words of `spoken` passages / scriptWordCount × 100. */
  coveragePct: z.number().min(0).max(100),
  /** Index of the last matched script word (where the speaker is), -1 before the first. */
  currentWord: z.number().int().min(-1),
  /** The passage holding `currentWord`, -1 before the first. */
  currentPassage: z.number().int().min(-1),
  passages: z.array(ScriptPassageSchema),
  adLibs: z.array(ScriptAdLibSchema),
});
export type ScriptAlignment = z.infer<typeof ScriptAlignmentSchema>;

/** `GET`/`PUT /v1/sessions/:id/script`. `text` and `alignment` are null when no script was stored. */
export const SessionScriptSchema = z.object({
  sessionId: z.string(),
  text: z.string().nullable(),
  /** The recording's media time origin (replaySec − atSec), 0 without a recording yet. */
  mediaTimeOriginSec: z.number(),
  /**
   * Whose recognised words were aligned: the live transcript's (while live, and after Stop until
   * the report is done), then the report's full pass (it decodes the whole recording; the live
   * recogniser may have shed audio under load).
   */
  wordsFrom: z.enum(['live', 'full-pass']),
  alignment: ScriptAlignmentSchema.nullable(),
});
export type SessionScript = z.infer<typeof SessionScriptSchema>;
