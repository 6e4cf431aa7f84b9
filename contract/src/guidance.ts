/**
 * Reference bands shared by the live nudges (`./nudges.ts`) and the report's rubric
 * (`analyzers/src/scoring/rubricV1.ts`): one definition each, with its source. The pace band
 * ({@link PACE_GUIDANCE_WPM}) lives in `./language.ts` next to the pace metric.
 */

/**
 * Pitch variety band, SD of F0 in semitones over voiced speech: 2.5–6 st. Rubric v1 scores pitch
 * variety 100 inside it; below {@link MONOTONE_BELOW_ST} a voice sounds monotone (the live nudge's
 * threshold). Source: {@link PITCH_VARIETY_GUIDANCE_SOURCE}.
 */
export const PITCH_VARIETY_GUIDANCE_ST = { low: 2.5, high: 6 } as const;

/** F0 SD (semitones) below which speech sounds monotone; see {@link PITCH_VARIETY_GUIDANCE_SOURCE}. */
export const MONOTONE_BELOW_ST = 2;

/** Where {@link PITCH_VARIETY_GUIDANCE_ST} and {@link MONOTONE_BELOW_ST} come from. */
export const PITCH_VARIETY_GUIDANCE_SOURCE =
  'Hincks 2005, "Measures and perceptions of liveliness in student oral presentation speech: a proposal ' +
  'for an automatic feedback mechanism", System 33(4):575–591 (F0 variation as the PVQ predicts perceived ' +
  'liveliness); Traunmüller & Eriksson 1995, "The perceptual evaluation of F0 excursions in speech as ' +
  'evidenced in liveliness estimations", JASA 97(3):1905–1915 (liveliness rises with F0 excursion on a ' +
  'log/semitone scale). SD ≲ 2 st sounds monotone; the 2.5–6 st band and widths: engineering choice.';

/**
 * Facing-the-camera band (share of time with |head yaw| ≤ 30°, 0–1): 0.7–1. Rubric v1 scores eye
 * contact 100 inside it (σ 0.2 below: 0.5 → 61); the live nudge fires below
 * {@link FACING_NUDGE_BELOW_RATIO} (= the band's low edge minus one σ).
 * Source: {@link FACING_GUIDANCE_SOURCE}.
 */
export const FACING_GUIDANCE_RATIO = { low: 0.7, high: 1 } as const;

/** Facing ratio below which the "Look up" nudge counts the presenter as looking away (0.7 − 0.2). */
export const FACING_NUDGE_BELOW_RATIO = 0.5;

/** Where {@link FACING_GUIDANCE_RATIO} comes from. */
export const FACING_GUIDANCE_SOURCE =
  'Engineering choice: a head-yaw proxy, not gaze tracking; facing the audience/camera most of the time ' +
  '(≥ 70 %) follows common coaching guidance, no published norm for this proxy. Calibrate.';

/**
 * Speech level below which the presenter is too quiet, dBFS (RMS of 100 ms speech windows, the
 * voice frames' `levelDbfs`; the microphone's automatic gain control is off). Source:
 * {@link SPEECH_LEVEL_MIN_SOURCE}.
 */
export const SPEECH_LEVEL_MIN_DBFS = -40;

/** Where {@link SPEECH_LEVEL_MIN_DBFS} comes from. */
export const SPEECH_LEVEL_MIN_SOURCE =
  'Engineering choice: with echo cancellation, noise suppression and AGC off, speech at a normal distance ' +
  'from a laptop or headset microphone measures well above −40 dBFS RMS in our fixtures; speech windows ' +
  'below it are trailing off or too far from the mic. Absolute levels depend on the microphone: calibrate.';

/**
 * Longest stretch of talk without a pause (≥ `MIN_PAUSE_SEC`, 250 ms) before the "Pause" nudge,
 * seconds. Source: {@link TALK_RUN_MAX_SOURCE}.
 */
export const TALK_RUN_MAX_SEC = 40;

/** Where {@link TALK_RUN_MAX_SEC} comes from. */
export const TALK_RUN_MAX_SOURCE =
  'Pauses ≥ 250 ms (Goldman-Eisler 1968, "Psycholinguistics: experiments in spontaneous speech") mark ' +
  'phrasing; Campione & Véronis 2002 (Speech Prosody) find silent pauses every few seconds in read and ' +
  'spontaneous speech, so 40 s without one is speaking without breathing room. The 40 s: engineering choice ' +
  '(issue #14).';
