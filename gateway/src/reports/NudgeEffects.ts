import {
  NUDGE_EFFECT_MEASURES,
  NUDGE_EFFECT_WINDOW_SEC,
  NUDGE_RULES,
  type NudgeEffect,
  type NudgeEffectItem,
  type NudgeKind,
  type TimelineFrame,
} from '@lectern/contract';

/** The stored live data of a session that {@link nudgeEffects} reads (session media seconds). */
export interface NudgeEffectInputs {
  /** The session's nudges (coach cues are skipped). */
  cues: readonly { source: 'nudge' | 'coach'; kind: NudgeKind | null; mediaTimeSec: number }[];
  /** Metric frames (voice, fluency, body) covering the nudges' windows. */
  frames: readonly TimelineFrame[];
  /** Final transcript words, media seconds (the report's: the full pass's when there is one, else the live finals). */
  words: readonly { endSec: number }[];
  /** Pauses ≥ 250 ms, media seconds (full pass or live, as `words`). */
  pauses: readonly { startSec: number }[];
  /** Recording seconds = media seconds + this (the recording's `mediaTimeOriginSec`, 0 without one). */
  originSec: number;
}

/**
 * How much of a window may lie outside the talk (before its first or after its last voice frame)
 * and still be measured, seconds. A window cut short is not comparable: the last seconds before
 * Stop miss the words of the utterance in progress (measured: 96 WPM "after" the last nudge of a
 * steady 200 WPM talk when clipped windows were measured).
 */
const EDGE_SLACK_SEC = 1;

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const round = (v: number | null, d: number): number | null => (v === null ? null : Math.round(v * 10 ** d) / 10 ** d);

/**
 * Per kind of nudge that fired (in the contract's rule order), its measure
 * (`NUDGE_EFFECT_MEASURES`: pace from words, level/pitch from voice frames, pauses from the pause
 * rows, facing from body frames) over [t − 15 s, t) and [t, t + 15 s) around each nudge at t, and
 * over the nudges with both: means, mean change and how many moved in the better direction. A
 * window that reaches more than 1 s beyond the voice frames' time span (before the talk started,
 * after it ended), or has no sample of the measure, is null. Rates (pace, pauses) are per minute.
 * Values rounded (1 decimal; facing 2).
 * @returns [] when the session had no nudges.
 */
export function nudgeEffects(inp: NudgeEffectInputs, windowSec = NUDGE_EFFECT_WINDOW_SEC): NudgeEffect[] {
  const nudges = inp.cues.filter((c): c is typeof c & { kind: NudgeKind } => c.source === 'nudge' && c.kind !== null);
  if (nudges.length === 0) return [];
  const voice = inp.frames.filter((f) => f.kind === 'voice');
  const talkFrom = voice.length ? Math.min(...voice.map((f) => f.mediaTimeSec)) : 0;
  const talkTo = voice.length ? Math.max(...voice.map((f) => f.mediaTimeSec + (f.windowSec ?? 0))) : 0;

  const measure = (kind: NudgeKind, from: number, to: number): number | null => {
    if (from < talkFrom - EDGE_SLACK_SEC || to > talkTo + EDGE_SLACK_SEC) return null;
    const a = Math.max(from, talkFrom);
    const b = Math.min(to, talkTo);
    if (b <= a) return null;
    const inWin = (t: number) => t >= a && t < b;
    const perMin = (n: number) => (n * 60) / (b - a);
    switch (kind) {
      case 'pace':
        return round(perMin(inp.words.filter((w) => inWin(w.endSec)).length), 1);
      case 'pause':
        return round(perMin(inp.pauses.filter((p) => inWin(p.startSec)).length), 1);
      case 'level':
        return round(mean(voice.filter((f) => inWin(f.mediaTimeSec) && f.payload.isSpeech).map((f) => f.payload.levelDbfs)), 1);
      case 'pitch':
        return round(mean(voice.filter((f) => inWin(f.mediaTimeSec) && f.payload.pitchVariabilitySt !== null).map((f) => f.payload.pitchVariabilitySt!)), 1);
      case 'facing':
        return round(
          mean(
            inp.frames
              .filter((f) => f.kind === 'body' && inWin(f.mediaTimeSec))
              .map((f) => (f.kind === 'body' ? f.payload.facingRatio.value : null))
              .filter((v): v is number => v !== null),
          ),
          2,
        );
    }
  };

  const out: NudgeEffect[] = [];
  for (const rule of NUDGE_RULES) {
    const mine = nudges.filter((n) => n.kind === rule.kind).sort((x, y) => x.mediaTimeSec - y.mediaTimeSec);
    if (mine.length === 0) continue;
    const m = NUDGE_EFFECT_MEASURES[rule.kind];
    const items: NudgeEffectItem[] = mine.map((n) => ({
      mediaTimeSec: n.mediaTimeSec,
      atSec: Math.round((n.mediaTimeSec + inp.originSec) * 10) / 10,
      before: measure(rule.kind, n.mediaTimeSec - windowSec, n.mediaTimeSec),
      after: measure(rule.kind, n.mediaTimeSec, n.mediaTimeSec + windowSec),
    }));
    const both = items.filter((i): i is NudgeEffectItem & { before: number; after: number } => i.before !== null && i.after !== null);
    const beforeMean = mean(both.map((i) => i.before));
    const afterMean = mean(both.map((i) => i.after));
    const digits = rule.kind === 'facing' ? 2 : 1;
    out.push({
      kind: rule.kind,
      text: rule.text,
      label: m.label,
      unit: m.unit,
      better: m.better,
      count: mine.length,
      measured: both.length,
      beforeMean: round(beforeMean, digits),
      afterMean: round(afterMean, digits),
      change: beforeMean === null || afterMean === null ? null : round(afterMean - beforeMean, digits),
      improved: both.filter((i) => (m.better === 'lower' ? i.after < i.before : i.after > i.before)).length,
      items,
    });
  }
  return out;
}
