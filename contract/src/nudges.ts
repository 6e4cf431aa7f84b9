import { z } from 'zod';
import {
  FACING_GUIDANCE_RATIO,
  FACING_GUIDANCE_SOURCE,
  FACING_NUDGE_BELOW_RATIO,
  MONOTONE_BELOW_ST,
  PITCH_VARIETY_GUIDANCE_SOURCE,
  PITCH_VARIETY_GUIDANCE_ST,
  SPEECH_LEVEL_MIN_DBFS,
  SPEECH_LEVEL_MIN_SOURCE,
  TALK_RUN_MAX_SEC,
  TALK_RUN_MAX_SOURCE,
} from './guidance.ts';
import { type CaptionEvent, PACE_GUIDANCE_SOURCE, PACE_GUIDANCE_WPM } from './language.ts';

/**
 * Live nudges (issue #14): the gateway watches a presenter's live metrics and, when one stays
 * outside its tolerance band for a set time, pushes one short cue (`coach:nudge`) to the room's
 * presenter and coaches — at most one every {@link NUDGE_MIN_INTERVAL_SEC_DEFAULT} s
 * (`LECTERN_NUDGE_INTERVAL_SEC`). Sparse on purpose: Tanveer, Lin & Hoque 2015, "Rhema: A
 * Real-Time In-Situ Intelligent Interface to Help People with Public Speaking", IUI 2015, found
 * sparse, short cues (one word, about every 20 s) better than a continuous display, which
 * speakers found distracting; Schneider, Börner, van Rosmalen & Specht 2015, "Presentation
 * Trainer, your Public Speaking Multimodal Coach", ICMI 2015, likewise show one instruction at a
 * time, only after a mistake has persisted, and leave a pause between two.
 *
 * Each rule's band is the same definition the report's rubric scores against
 * (`./guidance.ts`, {@link PACE_GUIDANCE_WPM}); the nudge threshold sits at or outside the band's
 * edge so a nudge means "clearly out", not "slightly off". Nudges and coach cues are stored on the
 * session timeline (`GET /v1/sessions/:id/timeline` → `cues`).
 */

/** What a nudge is about. */
export const NudgeKindSchema = z.enum(['level', 'pace', 'pause', 'facing', 'pitch']);
export type NudgeKind = z.infer<typeof NudgeKindSchema>;

/**
 * The live metric a rule watches, unit in the name: `wpm15s` (words/min over the last
 * {@link PACE_NUDGE_WINDOW_SEC} s, counted by the nudge engine from the captions: final words and
 * the current partial's, by word end time; judged once the window is covered, i.e. 15 s after the
 * first word, on each fluency frame), `wpm30s` (the fluency frames' 30 s pace, finals only),
 * `levelDbfs` (speech windows only), `talkRunSec` (seconds since the last pause ≥ 250 ms, while
 * speaking; derived from voice frames), `pitchVariabilitySt` (F0 SD over 10 s), `facingRatio`
 * (body frames, share of the last 10 s facing the camera).
 */
export type NudgeMetric = 'wpm15s' | 'wpm30s' | 'levelDbfs' | 'talkRunSec' | 'pitchVariabilitySt' | 'facingRatio';

/** One nudge rule: fire `text` when `metric` stays `comparison` `threshold` for `holdSec`. */
export interface NudgeRule {
  kind: NudgeKind;
  /** What the presenter sees, 1–3 words. */
  text: string;
  metric: NudgeMetric;
  /** `above`: outside when value > threshold; `below`: outside when value < threshold. */
  comparison: 'above' | 'below';
  /** In the metric's unit ({@link unit}). */
  threshold: number;
  /** Unit of `threshold` and of the nudge's `metricValue`. */
  unit: 'WPM' | 'dBFS' | 's' | 'semitones' | 'ratio';
  /** Media seconds the metric must stay outside before the nudge fires. */
  holdSec: number;
  /**
   * When the metric is itself an average over a window (pace): its length, media seconds. Then
   * "outside for N s" is the window (`holdSec` 0) and a nudge's reason reads "182 WPM for 15 s".
   */
  windowSec?: number;
  /** The rubric's reference band for the same quantity, when it has one (same constant). */
  band: { low: number; high: number } | null;
  /** Where band and threshold come from. */
  source: string;
}

/** "Slow down" fires above this pace, WPM: the pace band's high edge (160) + 10 (issue #14). */
export const PACE_NUDGE_ABOVE_WPM = PACE_GUIDANCE_WPM.high + 10;

/**
 * Window of the pace the "Slow down" nudge judges (`wpm15s`), media seconds: issue #14's "pace >
 * 170 WPM for 15 s" as the pace over the last 15 s. Not the fluency frames' `wpm30s` plus a 15 s
 * hold: that pace is null for the first 5 s and counts final words only, so it jumps up at each
 * utterance end and sinks in between (measured on the 1.4× speech fixture: 209 → 132 WPM within
 * 4 s), which restarts a hold, and 5 s + 15 s put the first possible nudge 20 s after the first
 * word. Counting the current partial's words too smooths those jumps (test/e2e/nudges.test.ts).
 */
export const PACE_NUDGE_WINDOW_SEC = 15;

/**
 * How far the pace window may end before "now" to wait for captions that lag the audio, seconds:
 * the window ends at the newest recognised word, but no earlier than this before now (so a long
 * silence still lowers the pace). 3 s ≈ the caption lag p95 measured by `npm run bench:live`
 * (2.5–3 s, README "Benchmarks"); without it the window held 15 s of audio but only the words
 * recognised so far, and the pace of a fast talk read low while the recogniser was behind.
 */
export const PACE_NUDGE_MAX_CAPTION_LAG_SEC = 3;

/**
 * The rules, in priority order: when several are due at once the first fires (audibility first,
 * then pace, pausing, facing, pitch). Thresholds and hold times are issue #14's.
 */
export const NUDGE_RULES: readonly NudgeRule[] = [
  {
    kind: 'level',
    text: 'Louder',
    metric: 'levelDbfs',
    comparison: 'below',
    threshold: SPEECH_LEVEL_MIN_DBFS,
    unit: 'dBFS',
    holdSec: 5,
    band: null,
    source: SPEECH_LEVEL_MIN_SOURCE,
  },
  {
    kind: 'pace',
    text: 'Slow down',
    metric: 'wpm15s',
    comparison: 'above',
    threshold: PACE_NUDGE_ABOVE_WPM,
    unit: 'WPM',
    holdSec: 0,
    windowSec: PACE_NUDGE_WINDOW_SEC,
    band: PACE_GUIDANCE_WPM,
    source: `${PACE_GUIDANCE_SOURCE} Nudge at 10 WPM above the band over 15 s: engineering choice (issue #14).`,
  },
  {
    kind: 'pause',
    text: 'Pause',
    metric: 'talkRunSec',
    comparison: 'above',
    threshold: TALK_RUN_MAX_SEC,
    unit: 's',
    holdSec: 0,
    band: null,
    source: TALK_RUN_MAX_SOURCE,
  },
  {
    kind: 'facing',
    text: 'Look up',
    metric: 'facingRatio',
    comparison: 'below',
    threshold: FACING_NUDGE_BELOW_RATIO,
    unit: 'ratio',
    holdSec: 10,
    band: FACING_GUIDANCE_RATIO,
    source: `${FACING_GUIDANCE_SOURCE} Nudge below 0.5 (band edge − σ 0.2) for 10 s: engineering choice (issue #14).`,
  },
  {
    kind: 'pitch',
    text: 'Vary your pitch',
    metric: 'pitchVariabilitySt',
    comparison: 'below',
    threshold: MONOTONE_BELOW_ST,
    unit: 'semitones',
    holdSec: 20,
    band: PITCH_VARIETY_GUIDANCE_ST,
    source: `${PITCH_VARIETY_GUIDANCE_SOURCE} Nudge below 2 st for 20 s (issue #14).`,
  },
];

/** Default minimum interval between two nudges of one presenter, media seconds (Rhema's ~20 s). */
export const NUDGE_MIN_INTERVAL_SEC_DEFAULT = 20;

/** How long the presenter's page shows a nudge, ms. */
export const NUDGE_DISPLAY_MS = 6000;

/** `coach:nudge`: a nudge, pushed to the room's presenter(s) and coaches. */
export const NudgeEventSchema = z.object({
  nudgeId: z.string(),
  /** Room name (as the client knows it). */
  roomId: z.string(),
  /** The live session it belongs to. */
  sessionId: z.string(),
  kind: NudgeKindSchema,
  /** The rule's text, e.g. "Slow down". */
  text: z.string().min(1).max(40),
  /** Session media time when it fired, seconds (as coach comments). */
  mediaTimeSec: z.number().nonnegative(),
  /** Server wall-clock time when it fired, epoch ms. */
  sentAtMs: z.number(),
  /** The metric's value when it fired, in the rule's `unit` (e.g. 182 WPM). */
  metricValue: z.number(),
  /** The rule's threshold and unit, for display ("> 170 WPM"). */
  threshold: z.number(),
  unit: z.string(),
});
export type NudgeEvent = z.infer<typeof NudgeEventSchema>;

/**
 * A nudge or a coach's cue on a session's timeline (`GET /v1/sessions/:id/timeline` → `cues`),
 * by media time.
 */
export interface TimelineCue {
  id: string;
  /** `nudge`: the server's nudge engine; `coach`: a remote coach's `cue:send`. */
  source: 'nudge' | 'coach';
  /** The nudge's kind (null for coach cues). */
  kind: NudgeKind | null;
  text: string;
  /** Session media time it was shown at, seconds. */
  mediaTimeSec: number;
  /** The nudged metric's value in the rule's unit (null for coach cues). */
  metricValue: number | null;
  /** The coach's display name (null for nudges). */
  authorName: string | null;
  /** ISO-8601 wall-clock time it was sent. */
  sentAt: string;
}

/** Seconds before and after a nudge that the report compares (`nudgeEffects`). */
export const NUDGE_EFFECT_WINDOW_SEC = 15;

/**
 * What the report compares around a nudge of each kind, from what the session stored: `pace` —
 * words per minute (final transcript words ending in the window); `level` — mean speech-window
 * level, dBFS; `pause` — pauses (≥ 250 ms) per minute; `facing` — mean facing ratio (body frames),
 * 0–1; `pitch` — mean pitch variability, semitones. `better`: the direction back into the band.
 */
export const NUDGE_EFFECT_MEASURES: Record<NudgeKind, { label: string; unit: string; better: 'lower' | 'higher' }> = {
  pace: { label: 'Pace', unit: 'WPM', better: 'lower' },
  level: { label: 'Speech level', unit: 'dBFS', better: 'higher' },
  pause: { label: 'Pauses', unit: 'per min', better: 'higher' },
  facing: { label: 'Facing the camera', unit: 'ratio', better: 'higher' },
  pitch: { label: 'Pitch variability', unit: 'semitones', better: 'higher' },
};

/** One nudge in the report: its measure in the 15 s before and after (null = no data there). */
export interface NudgeEffectItem {
  /** Session media time of the nudge, seconds. */
  mediaTimeSec: number;
  /** The same moment in the recording (replay `?t=`), seconds. */
  atSec: number;
  before: number | null;
  after: number | null;
}

/**
 * How the nudged metric moved after each kind of nudge (`GET /v1/sessions/:id/report` →
 * `nudgeEffects`, one entry per kind that fired, in rule order): per nudge the measure
 * ({@link NUDGE_EFFECT_MEASURES}) over the {@link NUDGE_EFFECT_WINDOW_SEC} s before and after it,
 * and over the nudges with data on both sides the mean before, the mean after, the mean change
 * (after − before) and how many moved in the `better` direction. Descriptive: a change after a
 * nudge is not proof that the nudge caused it — a nudge fires when its measure is far out, so some
 * return toward the band is expected anyway (regression to the mean: on the e2e's steady fast
 * fixture the pace went 205 → 174 WPM after three nudges).
 */
export interface NudgeEffect {
  kind: NudgeKind;
  /** The nudge's text, e.g. "Slow down". */
  text: string;
  label: string;
  unit: string;
  better: 'lower' | 'higher';
  /** Nudges of this kind in the session. */
  count: number;
  /** Of those, with data both before and after. */
  measured: number;
  beforeMean: number | null;
  afterMean: number | null;
  /** afterMean − beforeMean over the measured nudges. */
  change: number | null;
  /** Measured nudges after which the measure moved in the `better` direction. */
  improved: number;
  items: NudgeEffectItem[];
}

/**
 * The pace the "Slow down" nudge judges (`wpm15s`): words whose end time
 * lies in the last `windowSec` (default {@link PACE_NUDGE_WINDOW_SEC}, 15 s) of one audio
 * producer's media time, × 60 / `windowSec`. Words come from `captions:update`: every final's
 * words, plus the current partial's (replaced by each partial, dropped by its final), so the count
 * follows speech as it is recognised rather than jumping at each utterance end. Null until
 * `windowSec` has passed since the first word (a shorter window is not "for 15 s"). A new
 * producer (the presenter rejoined) starts over. Times are the producer's media seconds (caption
 * word times and fluency frames' `mediaTimeSec` share them). Pure; the gateway's nudge engine and the presenter's Focus view use it, so both show the same pace.
 */
export class PaceWindow {
  #producerId: string | null = null;
  #firstStartSec: number | null = null;
  /** End times of final words, media seconds (only the last window and a little more are kept). */
  #finals: number[] = [];
  #partial: number[] = [];
  /** End of the newest word seen (final or partial), media seconds. */
  #newestEndSec = -Infinity;

  /** Window length, seconds. */
  readonly windowSec: number;
  /** Longest wait for lagging captions, seconds ({@link PACE_NUDGE_MAX_CAPTION_LAG_SEC}). */
  readonly maxLagSec: number;

  /**
   * @param windowSec window length, seconds (> 0).
   * @param maxLagSec how far before now the window may end, seconds (≥ 0).
   * @throws RangeError otherwise.
   */
  constructor(windowSec = PACE_NUDGE_WINDOW_SEC, maxLagSec = PACE_NUDGE_MAX_CAPTION_LAG_SEC) {
    this.windowSec = windowSec;
    this.maxLagSec = maxLagSec;
    if (!(windowSec > 0) || !Number.isFinite(windowSec)) throw new RangeError(`windowSec must be > 0, got ${windowSec}`);
    if (!(maxLagSec >= 0) || !Number.isFinite(maxLagSec)) throw new RangeError(`maxLagSec must be ≥ 0, got ${maxLagSec}`);
  }

  /** Ingests a caption update (partial or final). */
  caption(c: CaptionEvent): void {
    if (c.producerId !== this.#producerId) this.#reset(c.producerId);
    for (const w of c.words) if (this.#firstStartSec === null || w.startSec < this.#firstStartSec) this.#firstStartSec = w.startSec;
    const ends = c.words.map((w) => w.endSec);
    for (const e of ends) this.#newestEndSec = Math.max(this.#newestEndSec, e);
    if (c.kind === 'final') {
      this.#finals.push(...ends);
      this.#partial = [];
      const newest = Math.max(...this.#finals);
      if (this.#finals.length > 64) this.#finals = this.#finals.filter((e) => e > newest - 2 * this.windowSec);
    } else this.#partial = ends;
  }

  /**
   * Words per minute over (end − windowSec, end] of `producerId`'s media time, where end = the
   * newest word's end clamped to [nowSec − maxLagSec, nowSec]; null until `windowSec` has passed
   * since the first word (or for another producer than the captions').
   */
  wpm(producerId: string, nowSec: number): number | null {
    if (producerId !== this.#producerId || this.#firstStartSec === null || nowSec - this.#firstStartSec < this.windowSec) return null;
    const end = Math.min(nowSec, Math.max(nowSec - this.maxLagSec, this.#newestEndSec));
    const from = end - this.windowSec;
    let n = 0;
    for (const e of this.#finals) if (e > from && e <= end) n++;
    for (const e of this.#partial) if (e > from && e <= end) n++;
    return (n * 60) / this.windowSec;
  }

  #reset(producerId: string): void {
    this.#producerId = producerId;
    this.#firstStartSec = null;
    this.#finals = [];
    this.#partial = [];
    this.#newestEndSec = -Infinity;
  }
}
