import {
  FACING_GUIDANCE_RATIO,
  FACING_GUIDANCE_SOURCE,
  PACE_GUIDANCE_SOURCE,
  PACE_GUIDANCE_WPM,
  PITCH_VARIETY_GUIDANCE_SOURCE,
  PITCH_VARIETY_GUIDANCE_ST,
} from '@lectern/contract';
import { bandScore } from './bandScore.ts';
import type { Rubric, RubricMetric, TimelineStats } from './RubricTypes.ts';

/**
 * Rubric v1: formulas, reference bands, weights and uncertainty settings.
 *
 * Every subscore is `bandScore(value, low, high, σlow, σhigh)`: 100 inside the reference band and
 * a Gaussian shoulder outside (d = σ → 61, 2σ → 14, 3σ → 1), or the mean of two such scores for
 * two-part subscores (pauses, volume). Values are computed from additive per-second statistics
 * (see `TimelineStats`) over the scored span (first word → last word), so the same formula gives
 * the point estimate, the per-block evidence and every bootstrap resample.
 *
 * Reference bands marked "engineering choice" have no published norm we could cite for this exact
 * measurement; they are starting points to calibrate on real recordings, and a new rubric version
 * can change them and re-score old sessions.
 */

/** Seconds of scored span below which pace/fillers/pauses are not scored. */
const MIN_SPAN_SEC = 5;
/** Voiced or speech windows (100 ms) needed for pitch/volume: 10 = 1 s (as `VoiceSummary`). */
const MIN_VOICE_WINDOWS = 10;
/** Body samples needed for posture/gestures/eye contact: 5 ≈ 1 s at 5 samples/s. */
const MIN_BODY_SAMPLES = 5;

/** Population SD from count, Σx, Σx² (≥ 0). */
function sdFromSums(n: number, sum: number, sum2: number): number {
  const m = sum / n;
  return Math.sqrt(Math.max(0, sum2 / n - m * m));
}

/**
 * Pace: words per minute over the scored span, WPM = words / (span s / 60).
 * Band: the contract's `PACE_GUIDANCE_WPM` (120–160 WPM), σ 25 WPM each side: 150 → 100, 90 → 49,
 * 100 → 73, 190 → 49, 220 → 6.
 */
const pace: RubricMetric = {
  reference: {
    quantity: 'wpm',
    low: PACE_GUIDANCE_WPM.low,
    high: PACE_GUIDANCE_WPM.high,
    unit: 'words/min',
    source: `${PACE_GUIDANCE_SOURCE} Fall-off width 25 WPM: engineering choice.`,
  },
  measure(s: TimelineStats) {
    if (s.durationSec < MIN_SPAN_SEC || s.words === 0) return null;
    return { wpm: s.words / (s.durationSec / 60), words: s.words };
  },
  score: (v) => bandScore(v.wpm!, PACE_GUIDANCE_WPM.low, PACE_GUIDANCE_WPM.high, 25),
};

/**
 * Fillers: filled pauses and lexical fillers per minute of scored span.
 * Band 0–1 /min, σ 3 /min above: 1 → 100, 2 → 95, 4 → 61, 7 → 14, 10 → 1.
 */
const fillers: RubricMetric = {
  reference: {
    quantity: 'fillersPerMin',
    low: 0,
    high: 1,
    unit: 'fillers/min',
    source:
      'Coaching target (Toastmasters "Ah-Counter" practice: aim for none). Spontaneous conversation runs far ' +
      'higher — Bortfeld et al. 2001, "Disfluency rates in conversation", Language and Speech 44(2):123–147, ' +
      'report about 6 disfluencies per 100 words, and Clark & Fox Tree 2002, "Using uh and um in spontaneous ' +
      'speaking", Cognition 84:73–111, document uh/um as frequent — so ≤ 1/min marks rehearsed delivery. ' +
      'Band edge and fall-off width 3/min: engineering choice.',
  },
  measure(s) {
    if (s.durationSec < MIN_SPAN_SEC || s.words === 0) return null;
    return { fillersPerMin: s.fillers / (s.durationSec / 60), fillers: s.fillers };
  },
  score: (v) => bandScore(v.fillersPerMin!, 0, 1, 3),
};

/**
 * Pauses: mean length of silent pauses (≥ 0.25 s) and the share of long pauses (≥ 2 s).
 * score = ½·bandScore(meanPauseSec, 0.4, 1.2, σ 0.3 below, 0.6 above)
 *       + ½·bandScore(longPauseShare, 0, 0.1, σ 0.1).
 * No pauses at all over the span counts as mean 0 s (speaking without breathing room).
 */
const pauses: RubricMetric = {
  reference: {
    quantity: 'meanPauseSec',
    low: 0.4,
    high: 1.2,
    unit: 's',
    source:
      'Pauses ≥ 250 ms (Goldman-Eisler 1968, "Psycholinguistics: experiments in spontaneous speech"). ' +
      'Campione & Véronis 2002, "A large-scale multilingual study of silent pause duration", Speech Prosody ' +
      '2002, find pause durations log-normally distributed in brief (< 0.2 s), medium (0.2–1 s) and long ' +
      '(> 1 s) categories, long pauses mostly in spontaneous speech; we take a mean of 0.4–1.2 s as deliberate ' +
      'phrasing and pauses ≥ 2 s above 10 % of all pauses as losing the thread. Band edges, the 2 s threshold ' +
      'and fall-off widths: engineering choice.',
  },
  measure(s) {
    if (s.durationSec < MIN_SPAN_SEC || s.words === 0) return null;
    return {
      meanPauseSec: s.pauses > 0 ? s.pauseSec / s.pauses : 0,
      longPauseShare: s.pauses > 0 ? s.longPauses / s.pauses : 0,
      pausesPerMin: s.pauses / (s.durationSec / 60),
    };
  },
  score: (v) => 0.5 * bandScore(v.meanPauseSec!, 0.4, 1.2, 0.3, 0.6) + 0.5 * bandScore(v.longPauseShare!, 0, 0.1, 0.1),
};

/**
 * Pitch variety: SD of F0 in semitones over voiced windows (F0 → 12·log2(f/100 Hz); the SD does not
 * depend on the reference). Band: the contract's `PITCH_VARIETY_GUIDANCE_ST` (2.5–6 st), σ 1 st below, 2 st above: 0.5 → 14, 1.5 → 61, 4 → 100.
 */
const pitchVariety: RubricMetric = {
  reference: {
    quantity: 'f0SdSemitones',
    low: PITCH_VARIETY_GUIDANCE_ST.low,
    high: PITCH_VARIETY_GUIDANCE_ST.high,
    unit: 'semitones',
    source: PITCH_VARIETY_GUIDANCE_SOURCE,
  },
  measure(s) {
    if (s.voiced < MIN_VOICE_WINDOWS) return null;
    return { f0SdSemitones: sdFromSums(s.voiced, s.sumSt, s.sumSt2), voicedSec: s.voiced * 0.1 };
  },
  score: (v) => bandScore(v.f0SdSemitones!, PITCH_VARIETY_GUIDANCE_ST.low, PITCH_VARIETY_GUIDANCE_ST.high, 1, 2),
};

/**
 * Volume: stability and audibility of the speech level over speech windows (100 ms, isSpeech).
 * score = ½·bandScore(levelSdDb, 3, 10, σ 1.5 below, 3 above)
 *       + ½·bandScore(quietShare, 0, 0.1, σ 0.1),
 * where quietShare = share of speech windows > 15 dB below the session's median speech level
 * (relative, so microphone gain does not matter: trailing off / dropping the voice).
 */
const volume: RubricMetric = {
  reference: {
    quantity: 'levelSdDb',
    low: 3,
    high: 10,
    unit: 'dB',
    source:
      'Engineering choice: 100 ms levels of normal speech vary with syllables by several dB, so SD < 3 dB ' +
      'is flat and > 10 dB erratic; very quiet = 15 dB below the median speech level, ≤ 10 % of speech ' +
      'windows. No published norm for this exact measure; calibrate on real recordings.',
  },
  measure(s) {
    if (s.speech < MIN_VOICE_WINDOWS) return null;
    return {
      levelSdDb: sdFromSums(s.speech, s.sumDb, s.sumDb2),
      quietShare: s.quiet / s.speech,
      meanLevelDbfs: s.sumDb / s.speech,
    };
  },
  score: (v) => 0.5 * bandScore(v.levelSdDb!, 3, 10, 1.5, 3) + 0.5 * bandScore(v.quietShare!, 0, 0.1, 0.1),
};

/**
 * Posture: mean over body samples of max(|shoulder tilt|, |torso lean|) in degrees.
 * Band 0–5°, σ 5°: 10° → 61, 15° → 14.
 */
const posture: RubricMetric = {
  reference: {
    quantity: 'meanTiltDeg',
    low: 0,
    high: 5,
    unit: 'degrees',
    source:
      'Engineering choice (upright, level shoulders; no published norm for MoveNet shoulder tilt/torso lean ' +
      'in presentations). Calibrate on recordings.',
  },
  measure(s) {
    if (s.posture < MIN_BODY_SAMPLES) return null;
    return { meanTiltDeg: s.sumTiltDeg / s.posture };
  },
  score: (v) => bandScore(v.meanTiltDeg!, 0, 5, 5),
};

/**
 * Gestures: mean wrist speed relative to the torso, shoulder widths per second.
 * Band 0.2–1.5 SW/s, σ 0.15 below (still hands), 0.75 above (restless).
 */
const gestures: RubricMetric = {
  reference: {
    quantity: 'meanGestureSwPerSec',
    low: 0.2,
    high: 1.5,
    unit: 'SW/s',
    source:
      'Engineering choice: moderate, purposeful gesturing is rated better than none or constant motion in ' +
      'coaching guidance; the band in shoulder widths per second has no published norm. Calibrate.',
  },
  measure(s) {
    if (s.gesture < MIN_BODY_SAMPLES) return null;
    return { meanGestureSwPerSec: s.sumGestureSwPerSec / s.gesture };
  },
  score: (v) => bandScore(v.meanGestureSwPerSec!, 0.2, 1.5, 0.15, 0.75),
};

/**
 * Eye contact (proxy): mean share of time facing the camera (|head yaw| ≤ 30°).
 * Band: the contract's `FACING_GUIDANCE_RATIO` (0.7–1), σ 0.2 below: 0.5 → 61, 0.3 → 14.
 */
const eyeContact: RubricMetric = {
  reference: {
    quantity: 'meanFacingRatio',
    low: FACING_GUIDANCE_RATIO.low,
    high: FACING_GUIDANCE_RATIO.high,
    unit: 'ratio',
    source: FACING_GUIDANCE_SOURCE,
  },
  measure(s) {
    if (s.facing < MIN_BODY_SAMPLES) return null;
    return { meanFacingRatio: s.sumFacing / s.facing };
  },
  score: (v) => bandScore(v.meanFacingRatio!, FACING_GUIDANCE_RATIO.low, FACING_GUIDANCE_RATIO.high, 0.2),
};

/**
 * Rubric v1. Weights (sum 1; renormalised over available subscores): voice and language 0.80 —
 * pace 0.20, fillers 0.20, pauses 0.15, pitch variety 0.15, volume 0.10; body 0.20 — posture 0.07,
 * gestures 0.06, eye contact 0.07. Weights are an engineering choice (language/voice measures are
 * more reliable than the pose proxies). Uncertainty: moving-block bootstrap with 10 s blocks moving
 * in 1 s steps, 200 resamples, seed 1.
 */
export const rubricV1: Rubric = {
  version: 'v1',
  description: 'First rubric: banded Gaussian-shoulder scores, 10 s moving-block bootstrap.',
  weights: {
    pace: 0.2,
    fillers: 0.2,
    pauses: 0.15,
    pitchVariety: 0.15,
    volume: 0.1,
    posture: 0.07,
    gestures: 0.06,
    eyeContact: 0.07,
  },
  metrics: { pace, fillers, pauses, pitchVariety, volume, posture, gestures, eyeContact },
  longPauseSec: 2,
  quietBelowMedianDb: 15,
  bootstrap: { cellSec: 1, blockSec: 10, resamples: 200, seed: 1 },
};
