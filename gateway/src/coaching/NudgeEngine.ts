import {
  MIN_PAUSE_SEC,
  NUDGE_MIN_INTERVAL_SEC_DEFAULT,
  NUDGE_RULES,
  type NudgeKind,
  type NudgeMetric,
  type NudgeRule,
  PaceWindow,
  type RoomMessage,
} from '@lectern/contract';

/** Options of {@link NudgeEngine}. */
export interface NudgeEngineOptions {
  /** Minimum media seconds between two nudges (default 20); 0 turns nudges off. */
  minIntervalSec?: number;
  /** The rules, in priority order (default the contract's {@link NUDGE_RULES}). */
  rules?: readonly NudgeRule[];
  /**
   * Media seconds without a sample of a rule's metric after which its "outside since" state is
   * dropped (missing data is not evidence: no speech, no video, no pace yet). Default 2.
   */
  maxGapSec?: number;
}

/** A nudge the engine decided to fire. */
export interface NudgeDecision {
  kind: NudgeKind;
  text: string;
  /** The media time it fired at, seconds (the `nowSec` of the message that made it due). */
  mediaTimeSec: number;
  /** The metric's value at that moment, in the rule's unit. */
  metricValue: number;
  threshold: number;
  unit: string;
}

interface RuleState {
  rule: NudgeRule;
  /** Media time since which the metric is outside its band (null = inside or unknown). */
  outsideSinceSec: number | null;
  /** Media time of the last sample (outside or inside). */
  lastSampleSec: number;
  /** Latest value. */
  value: number | null;
  /** A windowed rule that fired is judged again only on a window of samples after it (media time). */
  judgeFromSec: number;
}

/**
 * Decides when to nudge one presenter: fed the room's messages in order (voice, fluency and body
 * frames and captions; everything else is ignored), each with the session media time `nowSec` at
 * which it arrived, it keeps per rule the media time since which its metric has been outside the
 * band, and returns a {@link NudgeDecision} when a rule has been outside for its `holdSec` (a
 * windowed metric, pace over 15 s, is its own hold) — at most one per `minIntervalSec` of media
 * time, the first due rule in priority order. A rule that fired starts over (it must stay outside
 * another full `holdSec`; a windowed one is judged again on a window after the nudge); a due rule
 * held back by the interval fires at its next sample after the interval if it is still outside.
 * Priority is strict: while a higher-priority problem persists it is the one repeated (one thing
 * at a time, the most important
 * first, as the Presentation Trainer does).
 *
 * Samples: `levelDbfs` from speech windows only; `pitchVariabilitySt` and `facingRatio` when not
 * null; `wpm15s` on each fluency frame once its window is covered ({@link PaceWindow}, fed the
 * `captions:update`s); `wpm30s` when not null; `talkRunSec` = seconds since the end of the last pause of at least
 * `MIN_PAUSE_SEC` (voice frames with `pauseSec ≥ 0.25`), sampled on speech windows. A rule is
 * judged only when its metric has a sample; a metric with no sample for more than `maxGapSec`
 * starts its hold over. Pure: no timers, no I/O.
 */
export class NudgeEngine {
  readonly #states: RuleState[];
  readonly #minIntervalSec: number;
  readonly #maxGapSec: number;
  #lastNudgeSec: number | null = null;
  /** Start of the current talk run: media time the last pause ended (null before speech). */
  #talkRunStartSec: number | null = null;
  #inPause = true;
  /** The pace over the last 15 s, from the captions (`wpm15s`). */
  readonly #pace = new PaceWindow();

  /**
   * @param opts see {@link NudgeEngineOptions}.
   * @throws RangeError if `minIntervalSec` or `maxGapSec` is negative or not finite.
   */
  constructor(opts: NudgeEngineOptions = {}) {
    this.#minIntervalSec = opts.minIntervalSec ?? NUDGE_MIN_INTERVAL_SEC_DEFAULT;
    this.#maxGapSec = opts.maxGapSec ?? 2;
    if (!Number.isFinite(this.#minIntervalSec) || this.#minIntervalSec < 0) throw new RangeError(`minIntervalSec must be ≥ 0, got ${opts.minIntervalSec}`);
    if (!Number.isFinite(this.#maxGapSec) || this.#maxGapSec < 0) throw new RangeError(`maxGapSec must be ≥ 0, got ${opts.maxGapSec}`);
    this.#states = (opts.rules ?? NUDGE_RULES).map((rule) => ({ rule, outsideSinceSec: null, lastSampleSec: -Infinity, value: null, judgeFromSec: -Infinity }));
  }

  /** Whether nudges are on (`minIntervalSec` > 0). */
  get enabled(): boolean {
    return this.#minIntervalSec > 0;
  }

  /** Media time of the last nudge, seconds (null before the first). */
  get lastNudgeSec(): number | null {
    return this.#lastNudgeSec;
  }

  /**
   * Feeds one room message.
   * @param msg a room message of the presenter's session (others are ignored).
   * @param nowSec session media time at which it arrived, seconds (non-decreasing).
   * @returns the nudge to fire now, or null.
   */
  observe(msg: RoomMessage, nowSec: number): NudgeDecision | null {
    if (!this.enabled || !Number.isFinite(nowSec)) return null;
    switch (msg.event) {
      case 'metrics:voice': {
        const f = msg.payload;
        if (f.isSpeech) this.#sample('levelDbfs', f.levelDbfs, nowSec);
        if (f.pitchVariabilitySt !== null) this.#sample('pitchVariabilitySt', f.pitchVariabilitySt, nowSec);
        if (!f.isSpeech && f.pauseSec >= MIN_PAUSE_SEC) this.#inPause = true;
        else if (f.isSpeech) {
          if (this.#inPause || this.#talkRunStartSec === null) this.#talkRunStartSec = nowSec;
          this.#inPause = false;
          this.#sample('talkRunSec', nowSec - this.#talkRunStartSec, nowSec);
        }
        break;
      }
      case 'captions:update':
        this.#pace.caption(msg.payload);
        return null;
      case 'metrics:fluency': {
        const f = msg.payload;
        const wpm15s = this.#pace.wpm(f.producerId, f.mediaTimeSec);
        if (wpm15s !== null) this.#sample('wpm15s', wpm15s, nowSec);
        if (f.wpm30s !== null) this.#sample('wpm30s', f.wpm30s, nowSec);
        break;
      }
      case 'metrics:body':
        if (msg.payload.facingRatio.value !== null) this.#sample('facingRatio', msg.payload.facingRatio.value, nowSec);
        break;
      default:
        return null;
    }
    return this.#due(nowSec);
  }

  #sample(metric: NudgeMetric, value: number, nowSec: number): void {
    for (const s of this.#states) {
      if (s.rule.metric !== metric) continue;
      const outside = s.rule.comparison === 'above' ? value > s.rule.threshold : value < s.rule.threshold;
      if (!outside) s.outsideSinceSec = null;
      else if (s.outsideSinceSec === null || nowSec - s.lastSampleSec > this.#maxGapSec) s.outsideSinceSec = nowSec;
      s.lastSampleSec = nowSec;
      s.value = value;
    }
  }

  #due(nowSec: number): NudgeDecision | null {
    if (this.#lastNudgeSec !== null && nowSec - this.#lastNudgeSec < this.#minIntervalSec) return null;
    for (const s of this.#states) {
      // A rule is judged only on a sample of its own metric: time without samples (silence
      // between quiet words, a missing pace) must not complete its hold.
      if (s.outsideSinceSec === null || s.value === null || s.lastSampleSec !== nowSec || nowSec < s.judgeFromSec) continue;
      if (nowSec - s.outsideSinceSec < s.rule.holdSec) continue;
      this.#lastNudgeSec = nowSec;
      s.outsideSinceSec = nowSec; // start over: another full hold before this rule fires again
      s.judgeFromSec = nowSec + (s.rule.windowSec ?? 0); // …and a windowed metric a window of its own
      if (s.rule.metric === 'talkRunSec') this.#talkRunStartSec = nowSec;
      return { kind: s.rule.kind, text: s.rule.text, mediaTimeSec: nowSec, metricValue: s.value, threshold: s.rule.threshold, unit: s.rule.unit };
    }
    return null;
  }
}
